"""GOST R 34.10-2012 / GOST 34.10-2015 (the Kazakh standard) elliptic-curve signatures: the
curve arithmetic only. Hashing (Streebog) and the byte layouts of keys and signatures are in
ledger/identity/keys.py; this module works on integers in the standard's notation (§6):

    e = alpha mod q (1 if zero), alpha the integer the digest encodes
    sign:   C = kP, r = x_C mod q, s = (r·d + k·e) mod q
    verify: v = e⁻¹, z1 = s·v, z2 = −r·v, C = z1·P + z2·Q, accept iff x_C mod q = r

No well-kept library does this fast in Python: gostcrypto (used for Streebog) verifies about
5 signatures a second on the 512-bit curve, which would make every GOST-signed transaction cost
a fifth of a second. Hence our own arithmetic, checked against the standard's own examples
(GOST R 34.10-2012 Appendix A = RFC 7091 §7), against gostcrypto on every curve and against
the national CA's real certificates (tests/unit/ledger/identity/test_gost.py):
  * Jacobian coordinates with plain ints, one inversion per operation;
  * a fixed-base comb for the generator (table[i][j] = j·2^(8i)·P), so z1·P needs no doubling;
  * width-5 NAF for the public key Q, with a small per-key table cache;
  * both halves accumulated into one point.
Verification is variable-time, which is harmless (everything in it is public). Signing is
variable-time too: fine for the test CA and for people's own keys on their own machines, not
for a signing server where an attacker can time it (docs/national-pki.md says so).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

__all__ = ["CURVES", "Curve", "Point", "public_point", "sign", "verify"]

Point = tuple[int, int]  # affine (x, y); None stands for the point at infinity
_Jacobian = tuple[int, int, int]  # (X, Y, Z); Z == 0 is the point at infinity
_INFINITY: _Jacobian = (1, 1, 0)
COMB_WIDTH = 8  # bits per comb row: ceil(bits/8) rows of 255 points
NAF_WIDTH = 5
KEY_TABLE_CACHE_SIZE = 256  # public keys whose odd multiples are kept


@dataclass(eq=False)
class Curve:
    """y² = x³ + ax + b over GF(p), base point (x, y) of prime order q; size = bytes/coordinate."""

    name: str
    p: int
    a: int
    b: int
    q: int
    x: int
    y: int
    size: int
    _comb: list[list[Point]] | None = field(default=None, repr=False)
    _key_tables: dict[Point, list[Point]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.on_curve((self.x, self.y)):
            raise ValueError(f"{self.name}: the base point is not on the curve")

    def on_curve(self, point: Point) -> bool:
        x, y = point
        p = self.p
        return 0 <= x < p and 0 <= y < p and (y * y - (x * x * x + self.a * x + self.b)) % p == 0

    def _double(self, point: _Jacobian) -> _Jacobian:
        x, y, z = point
        if not z or not y:
            return _INFINITY
        p = self.p
        yy = y * y % p
        s = 4 * x * yy % p
        zz = z * z % p
        m = (3 * x * x + self.a * zz * zz) % p
        x3 = (m * m - 2 * s) % p
        return x3, (m * (s - x3) - 8 * yy * yy) % p, 2 * y * z % p

    def _add_affine(self, point: _Jacobian, other: Point) -> _Jacobian:
        x1, y1, z1 = point
        if not z1:
            return other[0], other[1], 1
        p = self.p
        z1z1 = z1 * z1 % p
        h = (other[0] * z1z1 - x1) % p
        r = (other[1] * z1 * z1z1 - y1) % p
        if not h:
            return self._double(point) if not r else _INFINITY
        hh = h * h % p
        hhh = h * hh % p
        v = x1 * hh % p
        x3 = (r * r - hhh - 2 * v) % p
        return x3, (r * (v - x3) - y1 * hhh) % p, z1 * h % p

    def _affine(self, point: _Jacobian) -> Point | None:
        x, y, z = point
        if not z:
            return None
        inverse = pow(z, -1, self.p)
        inverse2 = inverse * inverse % self.p
        return x * inverse2 % self.p, y * inverse2 * inverse % self.p

    def _batch_affine(self, points: list[_Jacobian]) -> list[Point]:
        """Montgomery's trick: one inversion for the lot (no point may be at infinity)."""
        p = self.p
        prefix = [1] * len(points)
        running = 1
        for index, (_, _, z) in enumerate(points):
            prefix[index] = running
            running = running * z % p
        inverse = pow(running, -1, p)
        result: list[Point] = [(0, 0)] * len(points)
        for index in range(len(points) - 1, -1, -1):
            x, y, z = points[index]
            z_inverse = inverse * prefix[index] % p
            inverse = inverse * z % p
            z2 = z_inverse * z_inverse % p
            result[index] = (x * z2 % p, y * z2 * z_inverse % p)
        return result

    def _comb_table(self) -> list[list[Point]]:
        # Built once per process (0.3 s for 512 bits), then read-only. Two threads may both
        # build it; either result is the same table, and the assignment is atomic.
        table = self._comb
        if table is None:
            table = self._build_comb()
            self._comb = table
        return table

    def _build_comb(self) -> list[list[Point]]:
        rows: list[list[Point]] = []
        base: Point = (self.x, self.y)
        for _ in range((self.q.bit_length() + COMB_WIDTH - 1) // COMB_WIDTH):
            multiples: list[_Jacobian] = [(base[0], base[1], 1)]
            for _ in range(2, 1 << COMB_WIDTH):
                multiples.append(self._add_affine(multiples[-1], base))
            row = self._batch_affine(multiples)
            rows.append(row)
            half = row[(1 << (COMB_WIDTH - 1)) - 1]  # 2^(W-1)·base, doubled: 2^W·base
            next_base = self._affine(self._double((half[0], half[1], 1)))
            if next_base is None:
                raise ValueError(f"{self.name}: the base point has small order")
            base = next_base
        return rows

    def _odd_multiples(self, point: Point) -> list[Point]:
        """Q, 3Q, 5Q, ... for the NAF; remembered per key (the same signers recur)."""
        table = self._key_tables.get(point)
        if table is None:
            doubled = self._affine(self._double((point[0], point[1], 1)))
            if doubled is None:
                raise ValueError("a public key of order 2")
            multiples: list[_Jacobian] = [(point[0], point[1], 1)]
            for _ in range((1 << (NAF_WIDTH - 2)) - 1):
                multiples.append(self._add_affine(multiples[-1], doubled))
            table = self._batch_affine(multiples)
            if len(self._key_tables) >= KEY_TABLE_CACHE_SIZE:
                self._key_tables.clear()  # crude but safe under concurrent callers (GIL-atomic)
            self._key_tables[point] = table
        return table

    def _add_base_multiple(self, accumulator: _Jacobian, k: int) -> _Jacobian:
        mask = (1 << COMB_WIDTH) - 1
        for row in self._comb_table():
            if not k:
                break
            digit = k & mask
            if digit:
                accumulator = self._add_affine(accumulator, row[digit - 1])
            k >>= COMB_WIDTH
        return accumulator

    def _multiply(self, k: int, point: Point) -> _Jacobian:
        table = self._odd_multiples(point)
        accumulator = _INFINITY
        for digit in reversed(_naf(k, NAF_WIDTH)):
            accumulator = self._double(accumulator)
            if digit > 0:
                accumulator = self._add_affine(accumulator, table[digit >> 1])
            elif digit < 0:
                x, y = table[(-digit) >> 1]
                accumulator = self._add_affine(accumulator, (x, self.p - y))
        return accumulator

    def multiply_base(self, k: int) -> Point | None:
        return self._affine(self._add_base_multiple(_INFINITY, k % self.q))

    def multiply(self, k: int, point: Point) -> Point | None:
        return self._affine(self._multiply(k % self.q, point))

    def multiply_add(self, k1: int, k2: int, point: Point) -> Point | None:
        """k1·P + k2·Q with a single inversion."""
        return self._affine(
            self._add_base_multiple(self._multiply(k2 % self.q, point), k1 % self.q)
        )


def _naf(k: int, width: int) -> list[int]:
    digits: list[int] = []
    full, half = 1 << width, 1 << (width - 1)
    while k:
        digit = 0
        if k & 1:
            digit = k & (full - 1)
            if digit >= half:
                digit -= full
            k -= digit
        digits.append(digit)
        k >>= 1
    return digits


def public_point(curve: Curve, private: int) -> Point:
    if not 0 < private < curve.q:
        raise ValueError("the private key is out of range")
    point = curve.multiply_base(private)
    if point is None:
        raise ValueError("the private key is out of range")
    return point


def sign(curve: Curve, private: int, alpha: int, k: int | None = None) -> tuple[int, int]:
    """(r, s) over the digest integer `alpha`; `k` only for the standard's test examples."""
    if not 0 < private < curve.q:
        raise ValueError("the private key is out of range")
    e = alpha % curve.q or 1
    while True:
        nonce = k if k is not None else secrets.randbelow(curve.q - 1) + 1
        point = curve.multiply_base(nonce)
        r = 0 if point is None else point[0] % curve.q
        s = (r * private + nonce * e) % curve.q
        if r and s:
            return r, s
        if k is not None:
            raise ValueError("the given k yields r = 0 or s = 0")


def verify(curve: Curve, public: Point, alpha: int, r: int, s: int) -> bool:
    q = curve.q
    if not (0 < r < q and 0 < s < q) or not curve.on_curve(public):
        return False
    v = pow(alpha % q or 1, -1, q)
    point = curve.multiply_add(s * v % q, (q - r) * v % q, public)
    return point is not None and point[0] % q == r


def _curve(name: str, *, p: int, a: int, b: int, q: int, x: int, y: int, size: int) -> Curve:
    return Curve(name=name, p=p, a=a, b=b, q=q, x=x, y=y, size=size)


# Parameters: GOST R 34.10-2012 Appendix A (test curves) and R 1323565.1.024-2019 (TC26 sets,
# also RFC 7836). The national CA's 2015 parameter sets are the TC26 ones (keys.py maps OIDs).
CURVES: dict[str, Curve] = {
    curve.name: curve
    for curve in (
        _curve(
            "test-256",
            p=0x8000000000000000000000000000000000000000000000000000000000000431,
            a=7,
            b=0x5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E,
            q=0x8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3,
            x=2,
            y=0x08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8,
            size=32,
        ),
        _curve(
            "test-512",
            p=int(
                "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D"
                "F1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
                16,
            ),
            a=7,
            b=int(
                "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC43"
                "61834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
                16,
            ),
            q=int(
                "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D"
                "A82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
                16,
            ),
            x=int(
                "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762"
                "FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
                16,
            ),
            y=int(
                "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C"
                "83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E",
                16,
            ),
            size=64,
        ),
        _curve(
            "tc26-256-A",
            p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97,
            a=0xC2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335,
            b=0x295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513,
            q=0x400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67,
            x=0x91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28,
            y=0x32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C,
            size=32,
        ),
        _curve(
            "tc26-512-A",
            p=(1 << 512) - 569,
            a=(1 << 512) - 572,
            b=int(
                "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265"
                "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
                16,
            ),
            q=int(
                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
                16,
            ),
            x=3,
            y=int(
                "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921"
                "DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
                16,
            ),
            size=64,
        ),
    )
}
