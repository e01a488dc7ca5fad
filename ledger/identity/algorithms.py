"""The signature algorithms Tirkeu accepts, by OID: the one registry every check goes through.

The national CA (NCA RK, pki.gov.kz) issues RSA keys and GOST 34.10-2015 keys (256 and 512 bit,
the Kazakh OIDs 1.2.398.3.10.1.1.2.*, hash GOST 34.11-2015 = Streebog); Tirkeu's own test CA
and the nodes use ECDSA P-256. docs/national-pki.md and ADR 0009 give the sources. The byte
conventions of GOST keys were pinned on the NCA's real GOST 2022 root and intermediate (tests/
unit/ledger/identity/test_nca_material.py): public key = OCTET STRING of X‖Y, each little-
endian; digest read as a little-endian integer; signature value = r‖s, each little-endian.

Pure: no files, no clock. Private keys of every type are signed with here too, so that one
implementation makes what the other half checks.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field

import gostcrypto.gosthash
from asn1crypto import core as asn1_core
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from ledger.hashing import sha256
from ledger.identity import gost

SHA256 = "2.16.840.1.101.3.4.2.1"
STREEBOG_256 = "1.2.398.3.10.1.3.2"  # GOST 34.11-2015, 256-bit (NCA RK)
STREEBOG_512 = "1.2.398.3.10.1.3.3"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
GOST_2015_256_KEY = "1.2.398.3.10.1.1.2.1"
GOST_2015_512_KEY = "1.2.398.3.10.1.1.2.2"
GOST_2015_256_PARAMETERS = "1.2.398.3.10.1.1.2.1.1"  # = TC26 256 paramSetA (sources; ADR 0009)
GOST_2015_512_PARAMETERS = "1.2.398.3.10.1.1.2.2.1"  # = TC26 512 paramSetA (proven on NCA certs)
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
RSA_SHA256 = "1.2.840.113549.1.1.11"
GOST_2015_256_SIGNATURE = "1.2.398.3.10.1.1.2.3.1"
GOST_2015_512_SIGNATURE = "1.2.398.3.10.1.1.2.3.2"
RSA_MINIMUM_BITS = 2048  # the NCA issues 2048-bit RSA keys; shorter ones are refused


class KeyAlgorithm(enum.Enum):
    ECDSA_P256 = "ECDSA P-256"
    RSA = "RSA"
    GOST_2015_256 = "GOST 34.10-2015 256-bit"
    GOST_2015_512 = "GOST 34.10-2015 512-bit"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class SignatureAlgorithm:
    name: str
    oid: str  # of the signature algorithm (X.509 signatureAlgorithm, CMS signatureAlgorithm)
    key: KeyAlgorithm
    digest: str  # OID of the hash over the signed bytes


SIGNATURE_ALGORITHMS = {
    algorithm.oid: algorithm
    for algorithm in (
        SignatureAlgorithm("ecdsa-with-SHA256", ECDSA_SHA256, KeyAlgorithm.ECDSA_P256, SHA256),
        SignatureAlgorithm("sha256WithRSAEncryption", RSA_SHA256, KeyAlgorithm.RSA, SHA256),
        SignatureAlgorithm(
            "GOST 34.10-2015-256 with GOST 34.11-2015-256",
            GOST_2015_256_SIGNATURE,
            KeyAlgorithm.GOST_2015_256,
            STREEBOG_256,
        ),
        SignatureAlgorithm(
            "GOST 34.10-2015-512 with GOST 34.11-2015-512",
            GOST_2015_512_SIGNATURE,
            KeyAlgorithm.GOST_2015_512,
            STREEBOG_512,
        ),
    )
}
# The one signature algorithm made with each key type (envelopes, CMS, certificates, CRLs).
DEFAULT_SIGNATURE = {algorithm.key: algorithm for algorithm in SIGNATURE_ALGORITHMS.values()}
DIGEST_NAMES = {SHA256: "SHA-256", STREEBOG_256: "Streebog-256", STREEBOG_512: "Streebog-512"}
DIGEST_SIZES = {SHA256: 32, STREEBOG_256: 32, STREEBOG_512: 64}
_GOST_CURVES = {
    GOST_2015_256_PARAMETERS: (KeyAlgorithm.GOST_2015_256, gost.CURVES["tc26-256-A"]),
    GOST_2015_512_PARAMETERS: (KeyAlgorithm.GOST_2015_512, gost.CURVES["tc26-512-A"]),
}
GOST_PARAMETERS = {algorithm: oid for oid, (algorithm, _) in _GOST_CURVES.items()}
GOST_KEY_OIDS = {
    KeyAlgorithm.GOST_2015_256: GOST_2015_256_KEY,
    KeyAlgorithm.GOST_2015_512: GOST_2015_512_KEY,
}


class UnsupportedKey(ValueError):
    """A public or private key of a type or size Tirkeu does not accept."""


def digest(algorithm_oid: str, data: bytes) -> bytes:
    """SHA-256 or Streebog (wire byte order, as RFC 6986's vectors); KeyError for others."""
    if algorithm_oid == SHA256:
        return sha256(data)
    size = {STREEBOG_256: "streebog256", STREEBOG_512: "streebog512"}[algorithm_oid]
    return bytes(gostcrypto.gosthash.new(size, data=bytearray(data)).digest())


class _AlgorithmIdentifier(asn1_core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012  (asn1crypto's declaration style)
        ("algorithm", asn1_core.ObjectIdentifier),
        ("parameters", asn1_core.Any, {"optional": True}),
    ]


class _SubjectPublicKeyInfo(asn1_core.Sequence):  # type: ignore[misc]
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", asn1_core.OctetBitString)]  # noqa: RUF012


class _GostKeyParameters(asn1_core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("public_key_param_set", asn1_core.ObjectIdentifier),
        ("digest_param_set", asn1_core.ObjectIdentifier, {"optional": True}),
    ]


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A certificate's subject public key, whatever its type."""

    algorithm: KeyAlgorithm
    algorithm_oid: str  # of the SubjectPublicKeyInfo
    parameters_oid: str | None  # the curve or GOST parameter set
    size_bits: int
    spki_der: bytes = field(repr=False)
    _native: object = field(compare=False, repr=False)  # a cryptography key or a GOST point

    @property
    def cryptography_key(self) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey | None:
        native = self._native
        return native if isinstance(native, ec.EllipticCurvePublicKey | rsa.RSAPublicKey) else None


@functools.lru_cache(maxsize=4096)
def load_public_key(spki_der: bytes) -> PublicKey:
    """A SubjectPublicKeyInfo; raises UnsupportedKey naming what cannot be read. A key of a
    type we cannot use (another curve, Ed25519, RSA shorter than 2048 bits) comes back as
    UNSUPPORTED, so that the certificate can still be described and refused by name."""
    try:
        info = _SubjectPublicKeyInfo.load(spki_der, strict=True)
        algorithm_oid = info["algorithm"]["algorithm"].dotted
        if algorithm_oid in (GOST_2015_256_KEY, GOST_2015_512_KEY):
            return _gost_public_key(info, algorithm_oid, spki_der)
    except (ValueError, TypeError, KeyError) as error:
        raise UnsupportedKey(f"unreadable public key: {error}") from None
    try:
        key = serialization.load_der_public_key(spki_der)
    except (ValueError, UnsupportedAlgorithm) as error:
        raise UnsupportedKey(f"unsupported public key {algorithm_oid}: {error}") from None
    if isinstance(key, ec.EllipticCurvePublicKey):
        p256 = isinstance(key.curve, ec.SECP256R1)
        algorithm = KeyAlgorithm.ECDSA_P256 if p256 else KeyAlgorithm.UNSUPPORTED
        return PublicKey(algorithm, algorithm_oid, key.curve.name, key.key_size, spki_der, key)
    if isinstance(key, rsa.RSAPublicKey):
        long_enough = key.key_size >= RSA_MINIMUM_BITS
        algorithm = KeyAlgorithm.RSA if long_enough else KeyAlgorithm.UNSUPPORTED
        return PublicKey(algorithm, algorithm_oid, None, key.key_size, spki_der, key)
    return PublicKey(KeyAlgorithm.UNSUPPORTED, algorithm_oid, None, 0, spki_der, None)


def _gost_public_key(info: _SubjectPublicKeyInfo, algorithm_oid: str, der: bytes) -> PublicKey:
    parameters = _GostKeyParameters.load(info["algorithm"]["parameters"].dump(), strict=True)
    parameter_set = parameters["public_key_param_set"].dotted
    if parameter_set not in _GOST_CURVES:
        raise UnsupportedKey(f"unknown GOST parameter set {parameter_set}")
    algorithm, curve = _GOST_CURVES[parameter_set]
    if GOST_KEY_OIDS[algorithm] != algorithm_oid:
        raise UnsupportedKey(f"GOST parameter set {parameter_set} under key OID {algorithm_oid}")
    octets = asn1_core.OctetString.load(bytes(info["public_key"].native), strict=True).native
    point = point_from_le(bytes(octets), curve)
    if not curve.on_curve(point):
        raise UnsupportedKey("the GOST public key is not a point of its curve")
    return PublicKey(algorithm, algorithm_oid, parameter_set, curve.size * 8, der, point)


def original_encoding(value: asn1_core.Asn1Value) -> bytes:
    """The bytes a loaded asn1crypto value was read from, never re-encoded: asn1crypto
    re-encodes a value whose length header ends in 0x80 (it takes that for BER's indefinite
    length), which for a certificate means parsing a public key it cannot read if GOST."""
    header = value._header
    if header is None:
        return bytes(value.dump())
    return bytes(header + value.contents + (value._trailer or b""))


def public_key_bits(spki_der: bytes) -> bytes:
    """The subjectPublicKey BIT STRING's bytes (what RFC 5280 key identifiers and RFC 6960
    CertIDs hash)."""
    return bytes(_SubjectPublicKeyInfo.load(spki_der)["public_key"].native)


def point_from_le(octets: bytes, curve: gost.Curve) -> gost.Point:
    if len(octets) != 2 * curve.size:
        raise UnsupportedKey(f"a GOST public key of {len(octets)} bytes on {curve.name}")
    size = curve.size
    return int.from_bytes(octets[:size], "little"), int.from_bytes(octets[size:], "little")


def gost_curve(algorithm: KeyAlgorithm) -> gost.Curve:
    return _GOST_CURVES[GOST_PARAMETERS[algorithm]][1]


def gost_spki(algorithm: KeyAlgorithm, point: gost.Point) -> bytes:
    """The SubjectPublicKeyInfo the NCA writes for a GOST 2015 key (FINDINGS in ADR 0009)."""
    curve = gost_curve(algorithm)
    octets = point[0].to_bytes(curve.size, "little") + point[1].to_bytes(curve.size, "little")
    digest_oid = STREEBOG_256 if algorithm is KeyAlgorithm.GOST_2015_256 else STREEBOG_512
    parameters = _GostKeyParameters(
        {"public_key_param_set": GOST_PARAMETERS[algorithm], "digest_param_set": digest_oid}
    )
    info = _SubjectPublicKeyInfo(
        {
            "algorithm": {"algorithm": GOST_KEY_OIDS[algorithm], "parameters": parameters},
            "public_key": asn1_core.OctetString(octets).dump(),
        }
    )
    return bytes(info.dump())


def verify_signature(key: PublicKey, algorithm_oid: str, signature: bytes, data: bytes) -> bool:
    """Whether `signature` by `key` over `data` verifies under the signature algorithm
    `algorithm_oid`. False, never an exception, for a garbled signature, an algorithm we do
    not know or one that does not go with the key's type."""
    algorithm = SIGNATURE_ALGORITHMS.get(algorithm_oid)
    if algorithm is None or algorithm.key is not key.algorithm:
        return False
    return verify_digest(key, algorithm, signature, digest(algorithm.digest, data))


def verify_digest(
    key: PublicKey, algorithm: SignatureAlgorithm, signature: bytes, digest_value: bytes
) -> bool:
    """The same over an already computed digest (CMS without signed attributes)."""
    if algorithm.key is not key.algorithm:
        return False
    native = key._native
    try:
        if isinstance(native, ec.EllipticCurvePublicKey):
            native.verify(signature, digest_value, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        elif isinstance(native, rsa.RSAPublicKey):
            native.verify(
                signature, digest_value, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
            )
        elif isinstance(native, tuple):
            return _verify_gost(key.algorithm, native, signature, digest_value)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _verify_gost(
    algorithm: KeyAlgorithm, point: gost.Point, signature: bytes, digest_value: bytes
) -> bool:
    curve = gost_curve(algorithm)
    if len(signature) != 2 * curve.size:
        return False
    r, s = gost_signature_values(signature, curve.size)
    return gost.verify(curve, point, int.from_bytes(digest_value, "little"), r, s)


def gost_signature_values(signature: bytes, size: int) -> tuple[int, int]:
    """NCA layout: r‖s, each little-endian (the byte reversal of RFC 4491's s‖r big-endian)."""
    return int.from_bytes(signature[:size], "little"), int.from_bytes(signature[size:], "little")


def gost_signature_bytes(r: int, s: int, size: int) -> bytes:
    return r.to_bytes(size, "little") + s.to_bytes(size, "little")
