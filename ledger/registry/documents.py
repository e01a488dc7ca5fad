"""Signed documents: their CMS signatures, and who among the parties signed them.

The ledger keeps a document's SHA-256 and its detached CMS SignedData (DESIGN.md §3). A
document counts when every signer's CMS signature verifies over that digest with a certificate
trusted in state, valid at its signing time and not revoked by the block time (the ezsigner.kz
check of Algorithm paras 18 and 29), and when the parties the Algorithm names have signed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.serialization import Encoding
from tirkeu_pb import transaction_pb2

from ledger.documents.algorithms import digest_name
from ledger.documents.cms import MalformedCms, SignedDocument, SignerVerdict, verify_cms
from ledger.identity.algorithms import DIGEST_SIZES, STREEBOG_256, STREEBOG_512
from ledger.identity.certificates import CertificateInfo, load_certificate
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import CertificateRejected
from ledger.registry.common import SHA256_SIZE, RuleInput
from ledger.registry.signing_certificates import chain_links
from ledger.rejections import RejectionReason
from ledger.state.records import CertificateLink, DocumentRecord, DocumentRole, DocumentSigner
from ledger.transactions.envelope import reject
from ledger.transactions.verdicts import decoded_cms

KTK_PARTY = "KTK"


@dataclass(frozen=True, slots=True)
class ExpectedSigner:
    """A party who may or must sign: an individual by IIN, or an organisation by BIN (signed by
    one of its employees, whose certificate carries that BIN)."""

    party: str  # "recipient", "guarantor", "spouse", KTK_PARTY
    iin: str | None = None
    bin: str | None = None
    required: bool = True
    agent: str | None = None  # the IIN of the party's recorded representative (para 21)

    def matches(self, verdict: SignerVerdict) -> bool:
        if self.bin is not None:
            return verdict.bin == self.bin and verdict.iin is not None
        return (
            verdict.bin is None
            and verdict.iin is not None
            and verdict.iin in (self.iin, self.agent)
        )


@dataclass(frozen=True, slots=True)
class SignedBy:
    verdict: SignerVerdict
    party: ExpectedSigner


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    verdicts: tuple[SignerVerdict, ...]  # every signer of the CMS, each valid
    certificates: tuple[CertificateLink, ...]  # their chains, for REGISTER's revocation check
    signer_certificates: tuple[CertificateInfo, ...]  # each signer's own certificate

    def certificate_of(self, verdict: SignerVerdict) -> CertificateInfo:
        for info in self.signer_certificates:
            if info.fingerprint == verdict.fingerprint:
                return info
        raise RuntimeError(f"a verified signer's certificate is missing: {verdict.fingerprint}")


@dataclass(frozen=True, slots=True)
class RecordedDocument:
    """A document as the application stores it, with the certificates that signed it."""

    record: DocumentRecord
    certificates: tuple[CertificateLink, ...]


def verify_document(
    document: transaction_pb2.SignedDocument,
    rule_input: RuleInput,
    *,
    name: str,
    invalid: RejectionReason = RejectionReason.DOCUMENT_SIGNATURE_INVALID,
) -> VerifiedDocument:
    """Every signer of the document's CMS, each verified; `invalid` names any failure."""
    if len(document.sha256) != SHA256_SIZE:
        raise reject(RejectionReason.INVALID_FIELD, f"{name}: sha256 must be 32 bytes")
    streebog = _streebog_digests(document, name)
    try:
        # Decoded once per transaction: ledger/transactions/verdicts.py
        cms = decoded_cms(rule_input.transaction.transaction_id, name, document.cms)
    except (MalformedCms, ValueError) as error:
        raise reject(invalid, f"{name}: the CMS cannot be read: {error}") from None
    used = {signer.digest_algorithm for signer in cms.signers}
    for oid in streebog.keys() - used:
        # A digest no signature covers would be an unchecked claim about the file on record.
        raise reject(
            RejectionReason.INVALID_FIELD,
            f"{name}: a {digest_name(oid)} digest is given, but no signer digested with it",
        )
    try:
        verification = verify_cms(
            cms,
            trust=rule_input.trust,
            content_sha256=document.sha256,
            content_digests=streebog,
            revocation_check_time=rule_input.block.time,
        )
    except ValueError as error:
        raise reject(invalid, f"{name}: the CMS cannot be read: {error}") from None
    if not verification.signers:
        raise reject(invalid, f"{name}: the CMS has no signers")
    for index, verdict in enumerate(verification.signers):
        if not verdict.valid:
            raise reject(
                invalid,
                f"{name}: signer {index} ({verdict.name}): {'; '.join(verdict.details)}",
            )
    links, infos = _signer_links(cms, rule_input, name)
    return VerifiedDocument(verification.signers, links, infos)


def _streebog_digests(document: transaction_pb2.SignedDocument, name: str) -> dict[str, bytes]:
    """The Streebog digests a GOST signer's messageDigest is matched with (ADR 0009): the ledger
    has no file to compute them from, and the document's identity stays its SHA-256."""
    given = {STREEBOG_256: document.streebog256, STREEBOG_512: document.streebog512}
    for oid, field in ((STREEBOG_256, "streebog256"), (STREEBOG_512, "streebog512")):
        if given[oid] and len(given[oid]) != DIGEST_SIZES[oid]:
            raise reject(
                RejectionReason.INVALID_FIELD,
                f"{name}: {field} must be {DIGEST_SIZES[oid]} bytes or absent",
            )
    return {oid: value for oid, value in given.items() if value}


def _signer_links(
    cms: SignedDocument, rule_input: RuleInput, name: str
) -> tuple[tuple[CertificateLink, ...], tuple[CertificateInfo, ...]]:
    """The chains verify_cms built for each (valid) signer: at the signing time, in `trust`;
    and each signer's certificate."""
    links: list[CertificateLink] = []
    infos: list[CertificateInfo] = []
    for signer in cms.signers:
        if signer.certificate is None or signer.signing_time is None:
            raise RuntimeError(f"{name}: a verified CMS signer lacks its certificate or time")
        try:
            info = load_certificate(signer.certificate.public_bytes(Encoding.DER))
            chain = verify_chain(info, rule_input.trust, signer.signing_time)
        except CertificateRejected as error:
            raise reject(RejectionReason.DOCUMENT_SIGNATURE_INVALID, f"{name}: {error}") from None
        links.extend(chain_links(chain))
        infos.append(info)
    return tuple(links), tuple(infos)


def match_signers(
    verdicts: Sequence[SignerVerdict],
    expected: Sequence[ExpectedSigner],
    *,
    name: str,
    missing: RejectionReason = RejectionReason.DOCUMENT_SIGNER_MISSING,
) -> tuple[SignedBy, ...]:
    """Each signer matched to its party; a stranger's signature, or a required party who did
    not sign, rejects the document."""
    matched: list[SignedBy] = []
    for verdict in verdicts:
        party = next((p for p in expected if p.matches(verdict)), None)
        if party is None:
            raise reject(
                RejectionReason.UNEXPECTED_SIGNER,
                f"{name} is signed by {_who(verdict)}, who is not a party to it",
            )
        matched.append(SignedBy(verdict, party))
    for party in expected:
        if party.required and all(signed.party is not party for signed in matched):
            raise reject(missing, f"{name} is not signed by the {party.party} ({_identify(party)})")
    return tuple(matched)


def require_signing_stages(
    signed: Sequence[SignedBy],
    stages: Sequence[Sequence[str]],
    *,
    name: str,
    strict: bool = True,
) -> None:
    """Signing in stages (paras 17-18: the recipient, then the guarantors, then KTK): every
    signature of a stage is later than every signature of an earlier stage; with `strict`, equal
    times are refused, since they cannot show the order. The times are each signer's CMS
    signingTime, signed under her own signature; the order of the SignerInfos is never used (a
    SET OF, which re-signing tools re-sort in DER order). ADR 0007 D5."""
    latest: tuple[datetime, str] | None = None  # the latest signature of the stages before
    for stage in stages:
        times = [(_signing_time(s), s.party.party) for s in signed if s.party.party in stage]
        if not times:
            continue
        earliest = min(times)
        if latest is not None and (
            earliest[0] < latest[0] or (strict and earliest[0] == latest[0])
        ):
            raise reject(
                RejectionReason.DOCUMENT_SIGNING_ORDER,
                f"{name}: the {earliest[1]} signed at {earliest[0].isoformat()}, not after the "
                f"{latest[1]} at {latest[0].isoformat()}",
            )
        stage_latest = max(times)
        latest = stage_latest if latest is None or stage_latest[0] > latest[0] else latest


def _signing_time(signed: SignedBy) -> datetime:
    # The TSA's time where an RFC 3161 token verified, else the signer's own (ADR 0009).
    judged = signed.verdict.judged_time
    if judged is None:
        # verify_cms reports NO_SIGNING_TIME, and verify_document refuses any problem.
        raise RuntimeError("a verified CMS signer has no signing time")
    return judged


def document_record(
    role: DocumentRole,
    document: transaction_pb2.SignedDocument,
    verified: VerifiedDocument,
    signed: Sequence[SignedBy],
) -> RecordedDocument:
    record = DocumentRecord(
        role=role,
        title=document.title,
        sha256=document.sha256,
        signers=tuple(
            DocumentSigner(
                iin=s.verdict.iin,
                bin=s.verdict.bin,
                party=s.party.party
                if s.verdict.iin == s.party.iin or s.party.bin is not None
                else f"{s.party.party}, by representative for IIN {s.party.iin}",
                # Whole milliseconds, the precision of stored times.
                signing_time=_to_millisecond(_signing_time(s)),
            )
            # In signing order (DocumentView): a CMS SET OF SignerInfo has no order of its own,
            # so equal times are ordered by party and identifier, whatever the SignerInfo order.
            for s in sorted(signed, key=_record_order)
        ),
    )
    return RecordedDocument(record, verified.certificates)


def _record_order(signed: SignedBy) -> tuple[datetime, str, str]:
    verdict = signed.verdict
    return (_signing_time(signed), signed.party.party, verdict.iin or verdict.bin or "")


def _to_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def _who(verdict: SignerVerdict) -> str:
    parts = [f"IIN {verdict.iin}" if verdict.iin else (verdict.name or "an unnamed signer")]
    if verdict.bin:
        parts.append(f"BIN {verdict.bin}")
    return ", ".join(parts)


def _identify(party: ExpectedSigner) -> str:
    return f"BIN {party.bin}" if party.bin is not None else f"IIN {party.iin}"
