"""Trust around CMS signatures: embedded intermediates and the revocation status of a signer.

A SignedData usually carries the signer's intermediate CA certificates, so that a verifier who
holds only the root can build the path. Those certificates are claims, not trust: one is added
to the trust store only when its own signature chains to an authority already trusted, and a
self-issued one never is (it would become a trust anchor). Chain building itself is
ledger.identity.certificates' `verify_chain`.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ledger.identity.certificates import CertificateInfo, MalformedCertificate, load_certificate
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.revocation import CertificateProblem, CertificateRejected, TrustStore

# verify_chain checks the structure of a chain (issuers, signatures, CA powers) before the
# validity times and revocation; a candidate rejected only for these has a sound structure, and
# the signer's own chain check at the signing time will name the time or revocation problem.
_TIME_AND_REVOCATION_PROBLEMS = frozenset(
    {CertificateProblem.EXPIRED, CertificateProblem.NOT_YET_VALID, CertificateProblem.REVOKED}
)


class RevocationStatus(enum.Enum):
    NOT_REVOKED = "not on any revocation list known to the trust store"
    REVOKED = "revoked at or before the time checked"
    REVOKED_LATER = "revoked after the time checked; the signature still counts"
    UNKNOWN = "not checked: no usable certificate or no trusted issuer"


def trust_with_embedded_authorities(
    trust: TrustStore, certificates: Iterable[x509.Certificate]
) -> TrustStore:
    """`trust` plus those CA certificates among `certificates` that chain to it.

    Repeats until nothing more is added, so that a chain of several embedded intermediates is
    accepted in any order. Unreadable, non-CA and self-issued certificates are ignored.
    """
    candidates = [info for info in _readable(certificates) if _is_intermediate(info)]
    known = {authority.fingerprint for authority in trust.authorities}
    added = True
    while added:
        added = False
        for candidate in candidates:
            if candidate.fingerprint not in known and _chains_to(candidate, trust):
                trust = replace(trust, authorities=(*trust.authorities, candidate))
                known.add(candidate.fingerprint)
                added = True
    return trust


def _readable(certificates: Iterable[x509.Certificate]) -> list[CertificateInfo]:
    found = []
    for certificate in certificates:
        try:
            found.append(load_certificate(certificate.public_bytes(Encoding.DER)))
        except (MalformedCertificate, InvalidIdentifier):
            continue  # not usable as an authority; the signer checks name their own problems
    return found


def _is_intermediate(info: CertificateInfo) -> bool:
    return info.is_ca and info.certificate.subject != info.certificate.issuer


def _chains_to(candidate: CertificateInfo, trust: TrustStore) -> bool:
    try:
        verify_chain(candidate, trust, candidate.not_valid_before)
    except CertificateRejected as rejection:
        return rejection.problem in _TIME_AND_REVOCATION_PROBLEMS
    return True


def revocation_status(
    leaf: CertificateInfo,
    chain: tuple[CertificateInfo, ...],
    trust: TrustStore,
    at: datetime,
) -> tuple[RevocationStatus, datetime | None]:
    """Whether a certificate of `chain` (or, without a chain, `leaf`) was revoked by `at`.

    Returns the earliest revocation time found. Without a verified chain the leaf's issuer is
    not known for sure, so every trusted authority that could have issued it is asked.
    """
    if chain:
        pairs = list(itertools.pairwise(chain))
    else:
        issuers = trust.candidate_issuers(leaf.certificate.issuer, leaf.authority_key_id)
        pairs = [(leaf, issuer) for issuer in issuers]
    if not pairs:
        return RevocationStatus.UNKNOWN, None
    times = []
    for subject, issuer in pairs:
        revoked_at = trust.revocation_time(issuer.fingerprint, subject.serial_number)
        if revoked_at is not None:
            times.append(revoked_at)
    if not times:
        return RevocationStatus.NOT_REVOKED, None
    earliest = min(times)
    if earliest <= at:
        return RevocationStatus.REVOKED, earliest
    return RevocationStatus.REVOKED_LATER, earliest
