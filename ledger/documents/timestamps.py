"""RFC 3161 timestamp tokens on CMS signatures (CAdES-T, as the NCA's TSA issues them).

A token is itself a SignedData whose content is a TSTInfo: the TSA's statement that the
messageImprint (a hash of the signer's signature value) existed at genTime. It counts when the
imprint is that of this signature, the TSA's signature verifies (any algorithm of the registry)
over signed attributes whose messageDigest is the TSTInfo's, and the TSA's certificate has the
critical id-kp-timeStamping usage and chains to a trusted root at genTime. The ledger then
judges the signer at genTime instead of the signer's own, self-asserted signing time (ADR 0009).

Pure: the token and the trust store are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import tsp as asn1_tsp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ledger.documents.algorithms import signer_algorithm
from ledger.documents.parse import TST_INFO_CONTENT_TYPE, MalformedCms, load_cms
from ledger.identity.algorithms import DIGEST_NAMES, digest, verify_signature
from ledger.identity.certificates import MalformedCertificate, load_certificate_leniently
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.revocation import CertificateRejected, TrustStore

TIME_STAMPING = "1.3.6.1.5.5.7.3.8"


@dataclass(frozen=True, slots=True)
class TimestampVerdict:
    time: datetime | None  # genTime, when the token is good
    authority: str | None  # the TSA's subject
    problem: str | None  # why the token does not count

    @property
    def valid(self) -> bool:
        return self.problem is None


def verify_timestamp(token: bytes, signature: bytes, trust: TrustStore) -> TimestampVerdict:
    """Whether `token` timestamps `signature` (a SignerInfo's signature value)."""
    try:
        document = load_cms(token)
        if document.content_type != TST_INFO_CONTENT_TYPE or document.content is None:
            return _bad("the token does not carry a TSTInfo")
        info = asn1_tsp.TSTInfo.load(document.content)
        gen_time: datetime = info["gen_time"].native
        imprint = info["message_imprint"]
        imprint_algorithm = imprint["hash_algorithm"]["algorithm"].dotted
        hashed = bytes(imprint["hashed_message"].native)
    except (MalformedCms, ValueError, TypeError, KeyError) as error:
        return _bad(f"unreadable timestamp token: {error}")
    if imprint_algorithm not in DIGEST_NAMES:
        return _bad(f"unsupported imprint hash {imprint_algorithm}")
    if digest(imprint_algorithm, signature) != hashed:
        return _bad("the token's message imprint is not this signature's")
    if len(document.signers) != 1:
        return _bad(f"a timestamp token has one signer, this one {len(document.signers)}")
    (tsa,) = document.signers
    algorithm = signer_algorithm(tsa.signature_algorithm, tsa.digest_algorithm)
    if algorithm is None or tsa.certificate is None or tsa.signed_attributes_der is None:
        return _bad("the TSA's signature uses an unsupported algorithm or lacks its certificate")
    if tsa.content_type != TST_INFO_CONTENT_TYPE or tsa.message_digest != digest(
        tsa.digest_algorithm, document.content
    ):
        return _bad("the TSA's signed attributes do not cover this TSTInfo")
    try:
        certificate = load_certificate_leniently(tsa.certificate.public_bytes(Encoding.DER))
    except (MalformedCertificate, InvalidIdentifier) as error:
        return _bad(f"the TSA's certificate is unreadable: {error}")
    if not verify_signature(
        certificate.key, algorithm.oid, tsa.signature, tsa.signed_attributes_der
    ):
        return _bad("the TSA's signature does not verify")
    if not _critical_time_stamping(tsa.certificate):
        return _bad("the TSA's certificate lacks the critical id-kp-timeStamping usage")
    try:
        verify_chain(certificate, trust, gen_time)
    except CertificateRejected as rejection:
        return _bad(f"the TSA's certificate: {rejection}")
    return TimestampVerdict(gen_time, certificate.subject, None)


def _critical_time_stamping(certificate: x509.Certificate) -> bool:
    """RFC 3161 §2.3: the TSA's certificate has exactly this one EKU, marked critical."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    usages = [oid.dotted_string for oid in extension.value]
    return extension.critical and usages == [TIME_STAMPING]


def _bad(problem: str) -> TimestampVerdict:
    return TimestampVerdict(None, None, problem)
