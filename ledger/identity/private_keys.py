"""Private keys of every type Tirkeu signs with, and the one `sign` that uses them.

ECDSA P-256 and RSA keys are `cryptography` objects; a GOST 34.10-2015 key is a scalar on the
NCA's curve (ledger/identity/gost.py). Files hold PKCS#8 PEM: for GOST keys the
PrivateKeyInfo carries the NCA's key algorithm identifier and the scalar as an OCTET STRING,
little-endian (RFC 4491's convention, as the NCA's public keys). That is the test CA's own
format; the NCA hands GOST keys out in PKCS#12 containers that Tirkeu does not read.

Signatures made here: ECDSA P-256 → DER ECDSA-Sig-Value over SHA-256; RSA → PKCS#1 v1.5 over
SHA-256; GOST → r‖s little-endian over Streebog (ledger/identity/algorithms.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from asn1crypto import core as asn1_core
from asn1crypto import pem as asn1_pem
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from ledger.identity import gost
from ledger.identity.algorithms import (
    DEFAULT_SIGNATURE,
    GOST_KEY_OIDS,
    KeyAlgorithm,
    SignatureAlgorithm,
    UnsupportedKey,
    digest,
    gost_curve,
    gost_signature_bytes,
    gost_spki,
    load_public_key,
)

RSA_KEY_BITS = 2048
KEY_TYPES = {  # the names tirkeu-pki --key-type and the demo take
    "p256": KeyAlgorithm.ECDSA_P256,
    "rsa": KeyAlgorithm.RSA,
    "gost256": KeyAlgorithm.GOST_2015_256,
    "gost512": KeyAlgorithm.GOST_2015_512,
}


@dataclass(frozen=True, slots=True)
class GostPrivateKey:
    algorithm: KeyAlgorithm  # GOST_2015_256 or GOST_2015_512
    scalar: int = field(repr=False)

    def __post_init__(self) -> None:
        if self.algorithm not in GOST_KEY_OIDS:
            raise UnsupportedKey(f"{self.algorithm.value} is not a GOST key type")
        if not 0 < self.scalar < gost_curve(self.algorithm).q:
            raise UnsupportedKey("the GOST private key is out of range")

    def public_spki(self) -> bytes:
        curve = gost_curve(self.algorithm)
        return gost_spki(self.algorithm, gost.public_point(curve, self.scalar))


SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | GostPrivateKey


def generate_signing_key(algorithm: KeyAlgorithm) -> SigningKey:
    if algorithm is KeyAlgorithm.ECDSA_P256:
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm is KeyAlgorithm.RSA:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    if algorithm in GOST_KEY_OIDS:
        return GostPrivateKey(algorithm, secrets.randbelow(gost_curve(algorithm).q - 1) + 1)
    raise UnsupportedKey(f"cannot make a {algorithm.value} key")


def key_algorithm(key: SigningKey) -> KeyAlgorithm:
    if isinstance(key, GostPrivateKey):
        return key.algorithm
    if isinstance(key, rsa.RSAPrivateKey):
        return KeyAlgorithm.RSA if key.key_size >= RSA_KEY_BITS else KeyAlgorithm.UNSUPPORTED
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return KeyAlgorithm.ECDSA_P256
    return KeyAlgorithm.UNSUPPORTED


def signature_algorithm(key: SigningKey) -> SignatureAlgorithm:
    algorithm = key_algorithm(key)
    if algorithm not in DEFAULT_SIGNATURE:
        raise UnsupportedKey(f"Tirkeu does not sign with a {algorithm.value} key")
    return DEFAULT_SIGNATURE[algorithm]


def public_spki(key: SigningKey) -> bytes:
    """The DER SubjectPublicKeyInfo of the key's public half (to match a certificate)."""
    if isinstance(key, GostPrivateKey):
        return key.public_spki()
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(key: SigningKey, data: bytes) -> bytes:
    """The signature over `data` with the key type's one algorithm (signature_algorithm)."""
    return sign_digest(key, digest(signature_algorithm(key).digest, data))


def sign_digest(key: SigningKey, digest_value: bytes) -> bytes:
    signature_algorithm(key)  # refuses unsupported keys by name
    if isinstance(key, GostPrivateKey):
        curve = gost_curve(key.algorithm)
        r, s = gost.sign(curve, key.scalar, int.from_bytes(digest_value, "little"))
        return gost_signature_bytes(r, s, curve.size)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest_value, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    return key.sign(digest_value, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


class _PrivateKeyInfo(asn1_core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012  (asn1crypto's declaration style)
        ("version", asn1_core.Integer),
        ("algorithm", asn1_core.Any),
        ("private_key", asn1_core.OctetString),
    ]


def private_key_pem(key: SigningKey) -> bytes:
    """PKCS#8 PEM, unencrypted: a test CA's keys are protected by file mode 0600."""
    if not isinstance(key, GostPrivateKey):
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    size = gost_curve(key.algorithm).size
    algorithm_der = asn1_core.Sequence.load(key.public_spki())[0].dump()
    info = _PrivateKeyInfo(
        {
            "version": 0,
            "algorithm": asn1_core.Any.load(algorithm_der),
            "private_key": asn1_core.OctetString(key.scalar.to_bytes(size, "little")).dump(),
        }
    )
    return bytes(asn1_pem.armor("PRIVATE KEY", info.dump()))


def load_signing_key(pem: bytes) -> SigningKey:
    """A PKCS#8 (or traditional) PEM private key of a supported type; UnsupportedKey else."""
    gost_key = _load_gost_key(pem)
    if gost_key is not None:
        return gost_key
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise UnsupportedKey(f"not a private key Tirkeu reads: {error}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise UnsupportedKey(f"a {type(key).__name__} cannot sign for Tirkeu")
    signature_algorithm(key)
    return key


def _load_gost_key(pem: bytes) -> GostPrivateKey | None:
    try:
        name, _, der = asn1_pem.unarmor(pem)
        if name != "PRIVATE KEY":
            return None
        info = _PrivateKeyInfo.load(bytes(der), strict=True)
        algorithm = asn1_core.Sequence.load(info["algorithm"].dump())
        oid = asn1_core.ObjectIdentifier.load(algorithm[0].dump()).dotted
        kinds = {key_oid: kind for kind, key_oid in GOST_KEY_OIDS.items()}
        if oid not in kinds:
            return None
        scalar_octets = asn1_core.OctetString.load(bytes(info["private_key"].native)).native
        key = GostPrivateKey(kinds[oid], int.from_bytes(bytes(scalar_octets), "little"))
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    # The stored algorithm identifier (with its parameter set) must be the one we would write.
    if load_public_key(key.public_spki()).algorithm is not key.algorithm:
        return None
    return key
