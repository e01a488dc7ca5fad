"""Certificates that clients/pki/authority.py refuses to make (bad IIN, no CN, odd extensions),
built
directly with cryptography so that ledger/identity/certificates.py can be shown to reject them."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from clients.pki.authority import IssuedCertificate
from tests.pki_fixtures import DEFAULT_NOT_AFTER, DEFAULT_NOT_BEFORE


def raw_leaf(
    issuer: IssuedCertificate,
    subject: x509.Name,
    *,
    extended_key_usages: tuple[x509.ObjectIdentifier, ...] = (ExtendedKeyUsageOID.CLIENT_AUTH,),
    key: ec.EllipticCurvePrivateKey | None = None,
) -> x509.Certificate:
    public_key = (key or ec.generate_private_key(ec.SECP256R1())).public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(DEFAULT_NOT_BEFORE)
        .not_valid_after(DEFAULT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if extended_key_usages:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(list(extended_key_usages)), critical=False
        )
    return builder.sign(issuer.key, hashes.SHA256())
