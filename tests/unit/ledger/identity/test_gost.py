"""GOST 34.10 arithmetic (ledger/identity/gost.py) and Streebog against published vectors:
GOST R 34.10-2012 Appendix A (= RFC 7091 §7), RFC 6986 §10, and gostcrypto as a second,
independent (slow) implementation on the curves the NCA uses."""

from __future__ import annotations

import random

import gostcrypto.gostsignature
import pytest

from ledger.identity import gost
from ledger.identity.algorithms import STREEBOG_256, STREEBOG_512, digest

# GOST R 34.10-2012 Appendix A.1 / RFC 7091 §7.1: d, Q, e, k, r, s on the 256-bit test curve.
A1 = (
    0x7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28,
    (
        0x7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B,
        0x26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA,
    ),
    0x2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5,
    0x77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3,
    0x41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493,
    0x01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40,
)
# Appendix A.2 / RFC 7091 §7.2 on the 512-bit test curve.
A2 = (
    int(
        "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B1020"
        "72E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
        16,
    ),
    (
        int(
            "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD"
            "5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
            16,
        ),
        int(
            "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61"
            "EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC",
            16,
        ),
    ),
    int(
        "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591"
        "7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
        16,
    ),
    int(
        "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F3658"
        "86748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
        16,
    ),
    int(
        "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3"
        "5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
        16,
    ),
    int(
        "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5"
        "823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A",
        16,
    ),
)


@pytest.mark.parametrize(("curve_name", "vector"), [("test-256", A1), ("test-512", A2)])
def test_the_standards_examples(curve_name: str, vector: tuple[object, ...]) -> None:
    d, q, e, k, r, s = vector
    assert isinstance(d, int) and isinstance(e, int) and isinstance(k, int)
    assert isinstance(r, int) and isinstance(s, int) and isinstance(q, tuple)
    curve = gost.CURVES[curve_name]
    assert gost.public_point(curve, d) == q
    assert gost.sign(curve, d, e, k=k) == (r, s)
    assert gost.verify(curve, q, e, r, s)
    assert not gost.verify(curve, q, e + 1, r, s)
    assert not gost.verify(curve, q, e, r, (s + 1) % curve.q)
    assert not gost.verify(curve, q, e, 0, s)
    assert not gost.verify(curve, q, e, r, curve.q)
    assert not gost.verify(curve, (q[0], q[1] + 1), e, r, s)  # not on the curve


_GOSTCRYPTO_NAMES = {
    "tc26-256-A": "id-tc26-gost-3410-2012-256-paramSetA",
    "tc26-512-A": "id-tc26-gost-3410-12-512-paramSetA",
}


@pytest.mark.parametrize("curve_name", sorted(_GOSTCRYPTO_NAMES))
def test_agrees_with_gostcrypto_both_ways(curve_name: str) -> None:
    curve = gost.CURVES[curve_name]
    generator = random.Random(curve_name)
    size = curve.size
    other = gostcrypto.gostsignature.new(
        gostcrypto.gostsignature.MODE_512 if size == 64 else gostcrypto.gostsignature.MODE_256,
        gostcrypto.gostsignature.CURVES_R_1323565_1_024_2019[_GOSTCRYPTO_NAMES[curve_name]],
    )
    for _ in range(2):
        d = generator.randrange(1, curve.q)
        alpha = generator.getrandbits(8 * size)
        q = gost.public_point(curve, d)
        r, s = gost.sign(curve, d, alpha)
        # gostcrypto: big-endian integers everywhere, signature r‖s.
        big = bytearray(alpha.to_bytes(size, "big"))
        public = bytearray(q[0].to_bytes(size, "big") + q[1].to_bytes(size, "big"))
        ours = bytearray(r.to_bytes(size, "big") + s.to_bytes(size, "big"))
        assert other.verify(public, big, ours)
        theirs = other.sign(bytearray(d.to_bytes(size, "big")), big)
        r2, s2 = int.from_bytes(theirs[:size], "big"), int.from_bytes(theirs[size:], "big")
        assert gost.verify(curve, q, alpha, r2, s2)
        assert not gost.verify(curve, q, alpha ^ 1, r2, s2)


def test_scalar_edge_cases() -> None:
    curve = gost.CURVES["tc26-256-A"]
    base = (curve.x, curve.y)
    assert curve.multiply_base(1) == base
    assert curve.multiply(1, base) == base
    assert curve.multiply_base(curve.q) is None
    assert curve.multiply_base(2) == curve.multiply(2, base)
    assert curve.multiply_add(3, 5, base) == curve.multiply_base(8)
    assert curve.multiply_add(1, curve.q - 1, base) is None
    with pytest.raises(ValueError, match="out of range"):
        gost.public_point(curve, curve.q)


def test_streebog_rfc6986_vectors() -> None:
    m1 = b"012345678901234567890123456789012345678901234567890123456789012"
    assert digest(STREEBOG_512, m1).hex() == (
        "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa"
        "00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"
    )
    assert digest(STREEBOG_256, m1).hex() == (
        "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"
    )
