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

from ledger.documents import der
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.private_keys import SigningKey, sign, signature_algorithm

_BIT_STRING = 0x03
_NULL = b"\x05\x00"
# A fixed stand-in public key for the builder (its private half signs nothing that is kept).
STAND_IN_KEY = ec.derive_private_key(1, ec.SECP256R1())


def algorithm_identifier(key: SigningKey) -> bytes:
    algorithm = signature_algorithm(key)
    oid = der.object_identifier(algorithm.oid)
    if algorithm.key is KeyAlgorithm.ECDSA_P256:
        return der.tlv(der.SEQUENCE, oid)  # RFC 5758 §3.2: parameters absent
    return der.tlv(der.SEQUENCE, oid + _NULL)


def signed(tbs: bytes, issuer_key: SigningKey) -> bytes:
    """Certificate or CertificateList: SEQUENCE { tbs, algorithm, BIT STRING signature }."""
    signature = sign(issuer_key, tbs)
    signature_value = der.tlv(_BIT_STRING, b"\0" + signature)
    return der.tlv(der.SEQUENCE, tbs + algorithm_identifier(issuer_key) + signature_value)


def resign_certificate(
    certificate: bytes, subject_spki: bytes | None, issuer_key: SigningKey
) -> bytes:
    """`certificate` (built around STAND_IN_KEY) with `subject_spki` as its key, signed by
    `issuer_key`."""
    tbs = der.children(der.children(certificate)[0])
    # TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, ...
    if tbs[0][0] != 0xA0:
        raise ValueError("expected an X.509 v3 TBSCertificate")
    tbs[2] = algorithm_identifier(issuer_key)
    if subject_spki is not None:
        tbs[6] = subject_spki
    return signed(der.tlv(der.SEQUENCE, b"".join(tbs)), issuer_key)


def resign_revocation_list(revocation_list: bytes, issuer_key: SigningKey) -> bytes:
    """A CRL built by cryptography, signed again by `issuer_key` under its own algorithm."""
    tbs = der.children(der.children(revocation_list)[0])
    index = 1 if tbs[0][0] == der.INTEGER else 0  # TBSCertList: version OPTIONAL, signature, ...
    tbs[index] = algorithm_identifier(issuer_key)
    return signed(der.tlv(der.SEQUENCE, b"".join(tbs)), issuer_key)
