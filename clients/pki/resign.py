"""Certificates and CRLs with GOST keys: `cryptography` builds the structure, we finish it.

`cryptography` neither holds GOST keys nor signs with them, so a certificate with a GOST subject
key or a GOST issuer is built in two steps: the builder makes the certificate (names,
extensions, validity) around a stand-in P-256 key, then the to-be-signed part is rewritten here
at the DER level: the NCA's SubjectPublicKeyInfo in place of the stand-in, the issuer's
signature algorithm in the signature field, and the issuer's signature over the result
(ledger/identity/private_keys.py). The GOST signature AlgorithmIdentifier carries NULL
parameters, as on the NCA's GOST 2022 root and intermediate (and as RFC 4055 has for RSA).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.private_keys import SigningKey, sign, signature_algorithm

_SEQUENCE = 0x30
_INTEGER = 0x02
_BIT_STRING = 0x03
_NULL = b"\x05\x00"
# A fixed stand-in public key for the builder (its private half signs nothing that is kept).
STAND_IN_KEY = ec.derive_private_key(1, ec.SECP256R1())


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _tlv(tag: int, contents: bytes) -> bytes:
    return bytes([tag]) + _length(len(contents)) + contents


def _children(der: bytes) -> list[bytes]:
    """The encoded children of a DER SEQUENCE, each with its own tag and length."""
    if not der or der[0] != _SEQUENCE:
        raise ValueError("not a DER SEQUENCE")
    _, start, end = _header(der, 0)
    children = []
    offset = start
    while offset < end:
        _, _, contents_end = _header(der, offset)
        children.append(der[offset:contents_end])
        offset = contents_end
    return children


def _header(der: bytes, offset: int) -> tuple[int, int, int]:
    tag = der[offset]
    first = der[offset + 1]
    if first < 0x80:
        return tag, offset + 2, offset + 2 + first
    count = first & 0x7F
    size = int.from_bytes(der[offset + 2 : offset + 2 + count], "big")
    start = offset + 2 + count
    return tag, start, start + size


def algorithm_identifier(key: SigningKey) -> bytes:
    algorithm = signature_algorithm(key)
    oid = _encode_oid(algorithm.oid)
    if algorithm.key is KeyAlgorithm.ECDSA_P256:
        return _tlv(_SEQUENCE, oid)  # RFC 5758 §3.2: parameters absent
    return _tlv(_SEQUENCE, oid + _NULL)


def _encode_oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, body)


def signed(tbs: bytes, issuer_key: SigningKey) -> bytes:
    """Certificate or CertificateList: SEQUENCE { tbs, algorithm, BIT STRING signature }."""
    signature = sign(issuer_key, tbs)
    return _tlv(
        _SEQUENCE, tbs + algorithm_identifier(issuer_key) + _tlv(_BIT_STRING, b"\0" + signature)
    )


def resign_certificate(der: bytes, subject_spki: bytes | None, issuer_key: SigningKey) -> bytes:
    """`der` (built around STAND_IN_KEY) with `subject_spki` as its key, signed by issuer_key."""
    tbs = _children(_children(der)[0])
    # TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, ...
    if tbs[0][0] != 0xA0:
        raise ValueError("expected an X.509 v3 TBSCertificate")
    tbs[2] = algorithm_identifier(issuer_key)
    if subject_spki is not None:
        tbs[6] = subject_spki
    return signed(_tlv(_SEQUENCE, b"".join(tbs)), issuer_key)


def resign_revocation_list(der: bytes, issuer_key: SigningKey) -> bytes:
    """A CRL built by cryptography, signed again by `issuer_key` under its own algorithm."""
    tbs = _children(_children(der)[0])
    index = 1 if tbs[0][0] == _INTEGER else 0  # TBSCertList: version OPTIONAL, signature, ...
    tbs[index] = algorithm_identifier(issuer_key)
    return signed(_tlv(_SEQUENCE, b"".join(tbs)), issuer_key)
