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

from ledger.documents.cms import MalformedCms, SignedDocument, SignerVerdict, verify_cms
from ledger.identity.certificates import load_certificate
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import CertificateRejected
from ledger.registry.common import SHA256_SIZE, RuleInput
from ledger.registry.signing_certificates import chain_links
from ledger.rejections import RejectionReason
from ledger.state.records import CertificateLink, DocumentRecord, DocumentRole, DocumentSigner
from ledger.transactions.envelope import reject
from ledger.transactions.verdicts import parsed_cms

KTK_PARTY = "KTK"


@dataclass(frozen=True, slots=True)
class ExpectedSigner:
    """A party who may or must sign: an individual by IIN, or an organisation by BIN (signed by
    one of its employees, whose certificate carries that BIN)."""

    party: str  # "recipient", "guarantor", "spouse", KTK_PARTY
    iin: str | None = None
    bin: str | None = None
    required: bool = True

    def matches(self, verdict: SignerVerdict) -> bool:
        if self.bin is not None:
            return verdict.bin == self.bin and verdict.iin is not None
        return verdict.iin == self.iin and verdict.bin is None


@dataclass(frozen=True, slots=True)
class SignedBy:
    verdict: SignerVerdict
    party: ExpectedSigner


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    verdicts: tuple[SignerVerdict, ...]  # every signer of the CMS, each valid
    certificates: tuple[CertificateLink, ...]  # their chains, for REGISTER's revocation check


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
    try:
        # Decoded once per transaction: ledger/transactions/verdicts.py
        cms = parsed_cms(rule_input.transaction.transaction_id, name, document.cms)
        verification = verify_cms(
            cms,
            trust=rule_input.trust,
            content_sha256=document.sha256,
            revocation_check_time=rule_input.block.time,
        )
    except (MalformedCms, ValueError) as error:
        raise reject(invalid, f"{name}: the CMS cannot be read: {error}") from None
    if not verification.signers:
        raise reject(invalid, f"{name}: the CMS has no signers")
    for index, verdict in enumerate(verification.signers):
        if not verdict.valid:
            raise reject(
                invalid,
                f"{name}: signer {index} ({verdict.name}): {'; '.join(verdict.details)}",
            )
    return VerifiedDocument(verification.signers, _signer_links(cms, rule_input, name))


def _signer_links(
    cms: SignedDocument, rule_input: RuleInput, name: str
) -> tuple[CertificateLink, ...]:
    """The chains verify_cms built for each (valid) signer: at the signing time, in `trust`."""
    links: list[CertificateLink] = []
    for signer in cms.signers:
        if signer.certificate is None or signer.signing_time is None:
            raise RuntimeError(f"{name}: a verified CMS signer lacks its certificate or time")
        try:
            info = load_certificate(signer.certificate.public_bytes(Encoding.DER))
            chain = verify_chain(info, rule_input.trust, signer.signing_time)
        except CertificateRejected as error:
            raise reject(RejectionReason.DOCUMENT_SIGNATURE_INVALID, f"{name}: {error}") from None
        links.extend(chain_links(chain))
    return tuple(links)


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


def require_signed_last_by(signed: Sequence[SignedBy], last_party: str, *, name: str) -> None:
    """Algorithm para 18: "after the recipient and the guarantors have signed, KTK signs". Every
    signature of `last_party` must be no earlier than every other party's."""
    last_times = [_signing_time(s) for s in signed if s.party.party == last_party]
    other_times = [_signing_time(s) for s in signed if s.party.party != last_party]
    if last_times and other_times and min(last_times) < max(other_times):
        raise reject(
            RejectionReason.DOCUMENT_SIGNING_ORDER,
            f"{name}: {last_party} signed at {min(last_times).isoformat()}, before another "
            f"party signed at {max(other_times).isoformat()}",
        )


def _signing_time(signed: SignedBy) -> datetime:
    if signed.verdict.signing_time is None:
        # verify_cms reports NO_SIGNING_TIME, and verify_document refuses any problem.
        raise RuntimeError("a verified CMS signer has no signing time")
    return signed.verdict.signing_time


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
                party=s.party.party,
                # Whole milliseconds, the precision of stored times.
                signing_time=_to_millisecond(_signing_time(s)),
            )
            # In signing order (DocumentView): a CMS SET OF SignerInfo has no order of its own.
            for s in sorted(signed, key=_signing_time)
        ),
    )
    return RecordedDocument(record, verified.certificates)


def _to_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def _who(verdict: SignerVerdict) -> str:
    parts = [f"IIN {verdict.iin}" if verdict.iin else (verdict.name or "an unnamed signer")]
    if verdict.bin:
        parts.append(f"BIN {verdict.bin}")
    return ", ".join(parts)


def _identify(party: ExpectedSigner) -> str:
    return f"BIN {party.bin}" if party.bin is not None else f"IIN {party.iin}"
