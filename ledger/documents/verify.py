"""Verifying CMS SignedData (RFC 5652): is each signature genuine, by whom, and does it count.

This is the stand-in for ezsigner.kz, where "the legitimacy of the signed contract / letter can
be checked" (Algorithm paras 18 and 29), and it applies seed 003 para 18 condition 2: the
certificate's validity period, its absence from the revocation lists, and the signer's identity
(IIN/BIN, reported here so that a caller can match it against the request).

Pure: the trust store, the content (or only its SHA-256, which is all the ledger keeps of a
document) and the times are passed in. Chain building, validity and revocation are
ledger.identity.certificates' `verify_chain`; this module adds the CMS-specific checks around it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.serialization import Encoding

from ledger.documents.algorithms import ContentDigests, digest_name, signer_algorithm
from ledger.documents.parse import DATA_CONTENT_TYPE, CmsSigner, SignedDocument, load_cms
from ledger.documents.timestamps import TimestampVerdict, verify_timestamp
from ledger.documents.trust import RevocationStatus, revocation_status
from ledger.hashing import DIGEST_SIZE, sha256
from ledger.identity.algorithms import DIGEST_SIZES, SHA256, verify_digest, verify_signature
from ledger.identity.certificates import (
    CertificateInfo,
    MalformedCertificate,
    load_certificate,
    load_certificate_leniently,
)
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import Bin, Iin, InvalidIdentifier
from ledger.identity.revocation import CertificateProblem, CertificateRejected, TrustStore

# Signing certificates must allow one of these (RFC 5280 §4.2.1.3; the national CA's signing
# certificates carry nonRepudiation, its authentication certificates digitalSignature).
SIGNING_KEY_USAGES = frozenset({"digital_signature", "non_repudiation"})


class SignerProblem(enum.Enum):
    SIGNATURE_INVALID = "the signature does not verify with the signer's key"
    DIGEST_MISMATCH = "the document is not the one that was signed (message digest differs)"
    MESSAGE_DIGEST_MISSING = "the signed attributes carry no message digest"
    NO_CONTENT = "neither the document nor its digest is available to check the signature"
    CONTENT_TYPE_MISMATCH = "the content-type attribute is missing or names other content"
    NO_SIGNING_TIME = "the signature carries no signing time"
    UNSUPPORTED_ALGORITHM = (
        "not one of ECDSA P-256, RSA PKCS#1 v1.5 (SHA-256), GOST 34.10-2015 (Streebog)"
    )
    SIGNER_CERTIFICATE_MISSING = "the signer's certificate is not in the SignedData"
    SIGNER_CERTIFICATE_UNREADABLE = "the signer's certificate is not one Tirkeu accepts"
    SIGNING_CERTIFICATE_MISMATCH = "the signingCertificateV2 attribute names another certificate"
    UNTRUSTED_ROOT = "the certificate does not chain to a trusted root"
    BAD_CHAIN_SIGNATURE = "a certificate in the chain is not signed by its issuer"
    ISSUER_NOT_A_CA = "an issuer in the chain may not issue certificates"
    EXPIRED = "a certificate in the chain had expired at the signing time"
    NOT_YET_VALID = "a certificate in the chain was not yet valid at the signing time"
    REVOKED = "a certificate in the chain was revoked at or before the time checked"
    WRONG_KEY_USAGE = "the certificate's key usage does not allow signing documents"
    WRONG_KEY_TYPE = "the certificate's key does not go with the signature algorithm"
    TIMESTAMP_INVALID = "the signature's RFC 3161 timestamp token does not verify"


_CHAIN_PROBLEMS = {
    CertificateProblem.UNKNOWN_AUTHORITY: SignerProblem.UNTRUSTED_ROOT,
    CertificateProblem.BAD_CHAIN_SIGNATURE: SignerProblem.BAD_CHAIN_SIGNATURE,
    CertificateProblem.NOT_A_CA: SignerProblem.ISSUER_NOT_A_CA,
    CertificateProblem.EXPIRED: SignerProblem.EXPIRED,
    CertificateProblem.NOT_YET_VALID: SignerProblem.NOT_YET_VALID,
    CertificateProblem.REVOKED: SignerProblem.REVOKED,
    CertificateProblem.WRONG_KEY_TYPE: SignerProblem.WRONG_KEY_TYPE,
    CertificateProblem.WRONG_KEY_USAGE: SignerProblem.WRONG_KEY_USAGE,
}


@dataclass(frozen=True, slots=True)
class SignerVerdict:
    """What ezsigner says about one signer. Identity fields are None when no certificate."""

    name: str | None
    iin: Iin | None
    bin: Bin | None
    organisation: str | None
    issuer: str | None
    serial_number: int | None
    fingerprint: str | None
    not_valid_before: datetime | None
    not_valid_after: datetime | None
    signing_time: datetime | None
    revocation: RevocationStatus
    revoked_at: datetime | None
    problems: tuple[SignerProblem, ...]
    details: tuple[str, ...]  # one human-readable sentence per problem, in the same order
    key_algorithm: str | None = None  # e.g. "GOST 34.10-2015 512-bit"
    signature_algorithm: str | None = None  # the scheme that was checked
    # Doubts that leave the verdict standing, e.g. an IIN whose check digit fails in a
    # certificate the CA signed (only with lenient_identifiers; the ledger is strict).
    warnings: tuple[str, ...] = ()
    timestamp: datetime | None = None  # genTime of a verified RFC 3161 token (CAdES-T)
    timestamp_authority: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def judged_time(self) -> datetime | None:
        """The time the signer is judged at: the TSA's, where a token verified, else the
        signer's own signing time (ADR 0009; para 18's order of signatures uses it too)."""
        return self.timestamp or self.signing_time


@dataclass(frozen=True, slots=True)
class CmsVerification:
    signers: tuple[SignerVerdict, ...]
    detached: bool
    checked_content_sha256: bytes | None  # the digest the message digests were compared with

    @property
    def valid(self) -> bool:
        return bool(self.signers) and all(signer.valid for signer in self.signers)


def verify_cms(
    data: bytes | SignedDocument,
    *,
    trust: TrustStore,
    content: bytes | None = None,
    content_sha256: bytes | None = None,
    content_digests: Mapping[str, bytes] | None = None,
    revocation_check_time: datetime | None = None,
    lenient_identifiers: bool = False,
) -> CmsVerification:
    """Verify every signer of a SignedData (DER/PEM bytes, or already loaded).

    The document to check against is `content`, else `content_sha256` with `content_digests`
    (the ledger keeps only digests: the SHA-256, and a Streebog digest by its OID where a GOST
    signer digested with it), else the content embedded in the SignedData. Raises MalformedCms
    for input that is not a SignedData, ValueError when both `content` and a digest are given,
    or a digest has the wrong size.
    A certificate revoked at or before the signing time is REVOKED, and so is one revoked at or
    before `revocation_check_time` when that is given (e.g. the block time of a later check).
    With `lenient_identifiers` (ezsigner), an IIN or BIN whose check digit fails in a
    certificate is a warning on that signer, not an unreadable certificate.
    """
    if revocation_check_time is not None and revocation_check_time.utcoffset() is None:
        raise ValueError("revocation_check_time needs a time zone")
    document = data if isinstance(data, SignedDocument) else load_cms(data)
    digests = _content_digests(document, content, content_sha256, content_digests or {})
    return CmsVerification(
        signers=tuple(
            _verify_signer(
                document,
                signer,
                digests,
                trust,
                revocation_check_time=revocation_check_time,
                lenient_identifiers=lenient_identifiers,
            )
            for signer in document.signers
        ),
        detached=document.is_detached,
        checked_content_sha256=digests.sha256,
    )


def missing_signers(
    verification: CmsVerification, *, iins: Iterable[Iin] = (), bins: Iterable[Bin] = ()
) -> tuple[str, ...]:
    """The expected IINs and BINs that no valid signer carries (seed 003 para 18 condition 2:
    the IIN in the request must be the IIN in the signature's certificate)."""
    valid = [signer for signer in verification.signers if signer.valid]
    missing_iins = [iin for iin in iins if all(signer.iin != iin for signer in valid)]
    missing_bins = [bin_ for bin_ in bins if all(signer.bin != bin_ for signer in valid)]
    return (*missing_iins, *missing_bins)


def _content_digests(
    document: SignedDocument,
    content: bytes | None,
    content_sha256: bytes | None,
    given: Mapping[str, bytes],
) -> ContentDigests:
    if content is not None and (content_sha256 is not None or given):
        raise ValueError("give the content or its digests, not both")
    for oid, value in given.items():
        size = DIGEST_SIZES.get(oid) if oid != SHA256 else None
        if size is None:
            raise ValueError(f"{digest_name(oid)} is not a digest to give beside the SHA-256")
        if len(value) != size:
            raise ValueError(f"a {digest_name(oid)} digest is {size} bytes, got {len(value)}")
    if content_sha256 is not None:
        if len(content_sha256) != DIGEST_SIZE:
            raise ValueError(f"a SHA-256 digest is {DIGEST_SIZE} bytes, got {len(content_sha256)}")
        return ContentDigests(None, content_sha256, dict(given))
    if given:
        raise ValueError("a Streebog digest is given only beside the SHA-256")
    known = content if content is not None else document.content
    return ContentDigests(known, None if known is None else sha256(known))


def _and_given(digests: ContentDigests) -> str:
    return "".join(f" and {digest_name(oid)}" for oid in sorted(digests.given))


class _Findings:
    """Problems found for one signer, each with the sentence that explains it."""

    def __init__(self) -> None:
        self.problems: list[SignerProblem] = []
        self.details: list[str] = []

    def add(self, problem: SignerProblem, detail: str | None = None) -> None:
        if problem not in self.problems:
            self.problems.append(problem)
            self.details.append(detail or problem.value)


def _verify_signer(
    document: SignedDocument,
    signer: CmsSigner,
    digests: ContentDigests,
    trust: TrustStore,
    *,
    revocation_check_time: datetime | None,
    lenient_identifiers: bool,
) -> SignerVerdict:
    findings = _Findings()
    expected_digest = digests.of(signer.digest_algorithm)
    supported = signer_algorithm(signer.signature_algorithm, signer.digest_algorithm) is not None
    if supported and expected_digest is None and digests.sha256 is not None:
        findings.add(
            SignerProblem.NO_CONTENT,
            f"this signer digested the document with {digest_name(signer.digest_algorithm)}, "
            f"and only its SHA-256{_and_given(digests)} is known here",
        )
    stamp = _timestamp(signer, trust, findings)
    _check_attributes(document, signer, expected_digest, findings, timestamped=stamp is not None)
    info = _signer_certificate(signer, findings, lenient_identifiers)
    if info is None:
        return _verdict(signer, None, RevocationStatus.UNKNOWN, None, findings, stamp)
    _check_signature(signer, info, expected_digest, findings)
    if info.key_usage.isdisjoint(SIGNING_KEY_USAGES):
        findings.add(SignerProblem.WRONG_KEY_USAGE)
    # Without a signing time there is no moment to judge validity at; the chain is still
    # checked (at the later check time, or when the certificate became valid) so that trust
    # problems are named too, but NO_SIGNING_TIME alone already makes the signer invalid.
    at = (
        (stamp.time if stamp is not None else None)
        or signer.signing_time
        or revocation_check_time
        or info.not_valid_before
    )
    chain: tuple[CertificateInfo, ...] = ()
    try:
        chain = verify_chain(info, trust, at)
    except CertificateRejected as rejection:
        findings.add(_CHAIN_PROBLEMS[rejection.problem], rejection.detail)
    check_time = max(at, revocation_check_time) if revocation_check_time else at
    status, revoked_at = revocation_status(info, chain, trust, check_time)
    if status is RevocationStatus.REVOKED:
        findings.add(
            SignerProblem.REVOKED,
            f"revoked at {revoked_at.isoformat() if revoked_at else '?'}, "
            f"checked at {check_time.isoformat()}",
        )
    return _verdict(signer, info, status, revoked_at, findings, stamp)


def _timestamp(
    signer: CmsSigner, trust: TrustStore, findings: _Findings
) -> TimestampVerdict | None:
    """The first token that verifies; TIMESTAMP_INVALID when the signer carries only bad ones."""
    problems = []
    for token in signer.timestamp_tokens:
        verdict = verify_timestamp(token, signer.signature, trust)
        if verdict.valid:
            return verdict
        problems.append(verdict.problem or "invalid")
    if problems:
        findings.add(SignerProblem.TIMESTAMP_INVALID, "; ".join(problems))
    return None


def _check_attributes(
    document: SignedDocument,
    signer: CmsSigner,
    expected_digest: bytes | None,
    findings: _Findings,
    *,
    timestamped: bool,
) -> None:
    if signer_algorithm(signer.signature_algorithm, signer.digest_algorithm) is None:
        findings.add(
            SignerProblem.UNSUPPORTED_ALGORITHM,
            f"digest {signer.digest_algorithm}, signature {signer.signature_algorithm}",
        )
    if expected_digest is None:
        findings.add(SignerProblem.NO_CONTENT)
    if signer.signed_attributes_der is None:
        # RFC 5652 §5.3: without signed attributes the content must be plain data.
        if document.content_type != DATA_CONTENT_TYPE:
            findings.add(SignerProblem.CONTENT_TYPE_MISMATCH)
    else:
        if signer.content_type != document.content_type:
            findings.add(SignerProblem.CONTENT_TYPE_MISMATCH)
        if signer.message_digest is None:
            findings.add(SignerProblem.MESSAGE_DIGEST_MISSING)
        elif expected_digest is not None and signer.message_digest != expected_digest:
            findings.add(SignerProblem.DIGEST_MISMATCH)
    if signer.signing_time is None and not timestamped:
        findings.add(SignerProblem.NO_SIGNING_TIME)


def _signer_certificate(
    signer: CmsSigner, findings: _Findings, lenient_identifiers: bool
) -> CertificateInfo | None:
    if signer.certificate is None:
        findings.add(SignerProblem.SIGNER_CERTIFICATE_MISSING)
        return None
    der = signer.certificate.public_bytes(Encoding.DER)
    if signer.signing_certificate_sha256 and sha256(der) not in signer.signing_certificate_sha256:
        findings.add(SignerProblem.SIGNING_CERTIFICATE_MISMATCH)
    try:
        return load_certificate_leniently(der) if lenient_identifiers else load_certificate(der)
    except (MalformedCertificate, InvalidIdentifier) as error:
        findings.add(SignerProblem.SIGNER_CERTIFICATE_UNREADABLE, str(error))
        return None


def _check_signature(
    signer: CmsSigner,
    info: CertificateInfo,
    expected_digest: bytes | None,
    findings: _Findings,
) -> None:
    algorithm = signer_algorithm(signer.signature_algorithm, signer.digest_algorithm)
    if algorithm is None:
        return  # UNSUPPORTED_ALGORITHM already says why
    if algorithm.key is not info.key.algorithm:
        findings.add(
            SignerProblem.WRONG_KEY_TYPE,
            f"a {algorithm.name} signature by a {info.key.algorithm.value} key",
        )
        return
    if signer.signed_attributes_der is not None:
        valid = verify_signature(
            info.key, algorithm.oid, signer.signature, signer.signed_attributes_der
        )
    elif expected_digest is not None and signer.digest_algorithm == algorithm.digest:
        # No signed attributes: the signature is over the content's digest itself, which the
        # ledger can check from the digest alone.
        valid = verify_digest(info.key, algorithm, signer.signature, expected_digest)
    elif expected_digest is not None:
        findings.add(SignerProblem.UNSUPPORTED_ALGORITHM, "no signed attributes, mixed digests")
        return
    else:
        return  # NO_CONTENT already says why it cannot be checked
    if not valid:
        findings.add(SignerProblem.SIGNATURE_INVALID)


def _verdict(  # noqa: PLR0917  (the parts of one verdict)
    signer: CmsSigner,
    info: CertificateInfo | None,
    revocation: RevocationStatus,
    revoked_at: datetime | None,
    findings: _Findings,
    stamp: TimestampVerdict | None = None,
) -> SignerVerdict:
    if info is None:
        # Without a usable certificate only what the SignerInfo itself names can be reported.
        return SignerVerdict(
            name=None,
            iin=None,
            bin=None,
            organisation=None,
            issuer=signer.identifier.issuer,
            serial_number=signer.identifier.serial_number,
            fingerprint=None,
            not_valid_before=None,
            not_valid_after=None,
            signing_time=signer.signing_time,
            revocation=revocation,
            revoked_at=revoked_at,
            problems=tuple(findings.problems),
            details=tuple(findings.details),
            timestamp=None if stamp is None else stamp.time,
            timestamp_authority=None if stamp is None else stamp.authority,
        )
    algorithm = signer_algorithm(signer.signature_algorithm, signer.digest_algorithm)
    return SignerVerdict(
        name=info.subject_common_name,
        iin=info.iin,
        bin=info.bin,
        organisation=info.organisation,
        issuer=info.issuer_common_name or info.issuer,
        serial_number=info.serial_number,
        fingerprint=info.fingerprint,
        not_valid_before=info.not_valid_before,
        not_valid_after=info.not_valid_after,
        signing_time=signer.signing_time,
        revocation=revocation,
        revoked_at=revoked_at,
        problems=tuple(findings.problems),
        details=tuple(findings.details),
        key_algorithm=info.key.algorithm.value,
        signature_algorithm=None if algorithm is None else algorithm.name,
        warnings=info.identifier_warnings,
        timestamp=None if stamp is None else stamp.time,
        timestamp_authority=None if stamp is None else stamp.authority,
    )
