"""A time-stamping authority (RFC 3161) for the test CA, standing in for the NCA's TSA: its
certificate (critical id-kp-timeStamping, RFC 3161 §2.3) and timestamp tokens over a CMS
signer's signature value (CAdES-T). Tokens are SignedData over a TSTInfo, signed with any key
type through ledger/documents/build.py; verified by ledger/documents/timestamps.py."""

from __future__ import annotations

from datetime import datetime

from asn1crypto import tsp as asn1_tsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from clients.pki.authority import IssuedCertificate, Validity, issue_leaf
from clients.pki.profiles import LeafProfile, authority_name
from ledger.documents.build import sign_cms
from ledger.documents.parse import TST_INFO_CONTENT_TYPE
from ledger.identity.algorithms import SHA256, digest
from ledger.identity.private_keys import SigningKey

TSA_PROFILE = LeafProfile(
    frozenset({"digital_signature"}),
    (ExtendedKeyUsageOID.TIME_STAMPING,),
    extended_key_usage_critical=True,
)
# The NCA's TSA policy OIDs are 1.2.398.3.3.2.6.1-4 (ADR 0009); ours is a test TSA, so its
# tokens name the first of them only as an example of where the policy goes.
TEST_TSA_POLICY = "1.2.398.3.3.2.6.1"


def issue_tsa(
    issuer: IssuedCertificate[SigningKey], name: str, validity: Validity, key: SigningKey
) -> IssuedCertificate[SigningKey]:
    return issue_leaf(issuer, authority_name(name), TSA_PROFILE, validity, key=key)


def timestamp_token(
    tsa: IssuedCertificate[SigningKey],
    signature: bytes,
    *,
    gen_time: datetime,
    serial_number: int,
    imprint_algorithm: str = SHA256,
) -> bytes:
    """A DER timestamp token (ContentInfo/SignedData over a TSTInfo) for `signature`."""
    info = asn1_tsp.TSTInfo(
        {
            "version": "v1",
            "policy": TEST_TSA_POLICY,
            "message_imprint": {
                "hash_algorithm": {"algorithm": imprint_algorithm},
                "hashed_message": digest(imprint_algorithm, signature),
            },
            "serial_number": serial_number,
            "gen_time": gen_time,
        }
    )
    return sign_cms(
        info.dump(),
        tsa.key,
        tsa.certificate,
        attached=True,
        signing_time=gen_time,
        content_type=TST_INFO_CONTENT_TYPE,
    )
