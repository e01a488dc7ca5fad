"""The lease-to-own story as test steps: every action valid by default, each knob breaks one rule.

A test takes a `Story`, walks it to the step it is about, submits a broken action (expecting a
named rejection) and then the repaired one (expecting it to apply): so each rule's test fails
when the rule is removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.chain.genesis import Genesis
from ledger.execution.executor import AppliedTransaction
from ledger.rejections import Rejection, RejectionReason
from ledger.state.records import unix_ms
from tests.pki_fixtures import GUARANTOR_IIN, KTK_BIN, RECIPIENT_IIN, SPOUSE_IIN
from tests.registry_fixtures import (
    DocumentSignature,
    EnvelopeBuilder,
    InMemoryLedger,
    Parties,
    make_genesis,
    payment_document,
    signed_document,
)

CADASTRAL_NUMBER = "21:318:023:1245:1/45"
SIGNED_ON = datetime.fromisoformat("2026-04-20T05:00:00+00:00")  # documents signed on the Portal
CONTRACT_TEXT = b"Lease-to-own contract No. 2026/117 for 21:318:023:1245:1/45"
LETTER_TEXT = b"KTK letter: the lessee has paid the entire purchase price (para 29)"
AGREEMENT_TEXT = b"Agreement on transfer of 21:318:023:1245:1/45 into ownership"
LAW = "On state registration of rights to real estate"

Action = (
    pb.PropertyImport
    | pb.LeaseApplication
    | pb.ApplicationSending
    | pb.VideoconferenceAttestation
    | pb.RegistrarAttestation
    | pb.RegistrarDecision
    | pb.TerminationOwnershipApplication
    | pb.RevocationListUpdate
)

_SHARED_PARTIES: list[Parties] = []


def shared_parties() -> Parties:
    """One set of test certificates for the whole test run (issuing keys is the slow part)."""
    if not _SHARED_PARTIES:
        _SHARED_PARTIES.append(Parties.create())
    return _SHARED_PARTIES[0]


def at(hours: float) -> datetime:
    return SIGNED_ON + timedelta(hours=hours)


class Story:
    def __init__(self, parties: Parties | None = None, genesis: Genesis | None = None) -> None:
        self.parties = parties or shared_parties()
        self.genesis = genesis or make_genesis(self.parties)
        self.ledger = InMemoryLedger(self.genesis)
        self.builder = EnvelopeBuilder(self.genesis.chain_id)

    # -- submitting ----------------------------------------------------------------------------

    def envelope(self, action: Action, *signers: IssuedCertificate) -> bytes:
        return self.builder.envelope(action, *signers)

    def submit(self, action: Action, *signers: IssuedCertificate) -> AppliedTransaction | Rejection:
        return self.ledger.apply(self.envelope(action, *signers))

    def applied(self, action: Action, *signers: IssuedCertificate) -> AppliedTransaction:
        outcome = self.submit(action, *signers)
        if isinstance(outcome, Rejection):
            raise AssertionError(f"expected the transaction to apply, got {outcome}")
        return outcome

    def rejected(
        self, reason: RejectionReason, action: Action, *signers: IssuedCertificate
    ) -> Rejection:
        outcome = self.submit(action, *signers)
        if not isinstance(outcome, Rejection) or outcome.reason is not reason:
            raise AssertionError(f"expected {reason.name}, got {outcome}")
        return outcome

    # -- documents -----------------------------------------------------------------------------

    def contract(self, signatures: Sequence[DocumentSignature] | None = None) -> pb.SignedDocument:
        """Paras 17-19: recipient, then the guarantor, then KTK's head."""
        p = self.parties
        if signatures is None:
            signatures = [
                DocumentSignature(p.recipient, at(0)),
                DocumentSignature(p.guarantor, at(1)),
                DocumentSignature(p.ktk_head, at(2)),
            ]
        return signed_document(CONTRACT_TEXT, signatures, "Lease-to-own contract No. 2026/117")

    def consent(self, signer: IssuedCertificate | None = None) -> pb.SignedDocument:
        signer = signer or self.parties.recipient
        text = (
            b"Consent to personal-data processing (Appendix), subject "
            + str(signer.info.iin).encode()
        )
        return signed_document(text, [DocumentSignature(signer, at(3))], "Personal-data consent")

    def ktk_letter(
        self, signatures: Sequence[DocumentSignature] | None = None
    ) -> pb.SignedDocument:
        """Para 29: signed by KTK, its e-copy then certified by the recipient."""
        p = self.parties
        if signatures is None:
            signatures = [
                DocumentSignature(p.ktk_officer, at(100)),
                DocumentSignature(p.recipient, at(100.5)),
            ]
        return signed_document(LETTER_TEXT, signatures, "KTK letter")

    def transfer_agreement(
        self, signers: Sequence[IssuedCertificate] | None = None
    ) -> pb.SignedDocument:
        p = self.parties
        chosen = signers if signers is not None else (p.recipient, p.ktk_officer)
        return signed_document(
            AGREEMENT_TEXT,
            [DocumentSignature(s, at(101 + i)) for i, s in enumerate(chosen)],
            "Transfer agreement",
        )

    # -- actions -------------------------------------------------------------------------------

    def property_import(self, **fields: object) -> pb.PropertyImport:
        values: dict[str, object] = {
            "cadastral_number": CADASTRAL_NUMBER,
            "address": "Astana, Mangilik El avenue 1, apartment 45",
            "kind": pb.APARTMENT,
            "area_square_metres": "54.30",
            "holder_bin": KTK_BIN,
        }
        values.update(fields)
        return pb.PropertyImport(**values)  # type: ignore[arg-type]

    def lease_application(self, *, married: bool = False, **fields: object) -> pb.LeaseApplication:
        values: dict[str, object] = {
            "cadastral_number": CADASTRAL_NUMBER,
            "recipient_iin": RECIPIENT_IIN,
            "recipient_marital_status": pb.MARRIED if married else pb.NOT_MARRIED,
            "spouse_iin": SPOUSE_IIN if married else "",
            "guarantors": [pb.Guarantor(iin=GUARANTOR_IIN)],
            "contract": self.contract(),
            "personal_data_consent": self.consent(),
        }
        values.update(fields)
        return pb.LeaseApplication(**values)  # type: ignore[arg-type]

    def sending(
        self, application_id: str, payment: pb.PaymentDocument | None = None
    ) -> pb.ApplicationSending:
        """Paras 22, 31: sent with the payment document (default: the recipient's, paid before,
        its reference this application's own: one payment pays one application, ADR 0007 D4)."""
        own = payment_document(reference=f"KZ-PAY-{application_id[:12]}")
        return pb.ApplicationSending(application_id=application_id, payment=payment or own)

    def held(
        self,
        *,
        married: bool = False,
        participants: Sequence[pb.VideoconferenceParticipant] | None = None,
        confirmed: bool = True,
        at: datetime | None = None,
    ) -> pb.Videoconference:
        """Paras 21, 30: KTK's representative, the recipient (and the spouse), held `at`
        (default: the time of this story's latest block)."""
        held_at = self.now() if at is None else at
        if participants is None:
            participants = [
                pb.VideoconferenceParticipant(
                    iin=str(self.parties.ktk_officer.info.iin), role=pb.KTK_REPRESENTATIVE
                ),
                pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=pb.RECIPIENT),
            ]
            if married:
                participants.append(pb.VideoconferenceParticipant(iin=SPOUSE_IIN, role=pb.SPOUSE))
        return pb.Videoconference(
            held_at_unix_ms=unix_ms(held_at),
            participants=participants,
            signatures_authentic=confirmed,
            legal_capacity_confirmed=confirmed,
            will_conforms_to_expression=confirmed,
        )

    def videoconference(self, application_id: str, **held: object) -> pb.VideoconferenceAttestation:
        """Paras 21, 30, recorded on its own (from the forming on); `held` as in `held`."""
        return pb.VideoconferenceAttestation(
            application_id=application_id,
            videoconference=self.held(**held),  # type: ignore[arg-type]
        )

    def attestation(
        self,
        application_id: str,
        *,
        married: bool = False,
        participants: Sequence[pb.VideoconferenceParticipant] | None = None,
        checks: Sequence[pb.Check] | None = None,
        confirmed: bool = True,
        at: datetime | None = None,
        with_videoconference: bool = True,
    ) -> pb.RegistrarAttestation:
        """The checks on arrival (paras 23-24), with the videoconference unless told otherwise
        (ADR 0007 D2); held and queried `at` (default: the time of this story's latest block,
        after the sending and before the attestation's block, as para 23 requires)."""
        queried_at = self.now() if at is None else at
        attestation = pb.RegistrarAttestation(
            application_id=application_id,
            checks=self.checks(at=queried_at) if checks is None else checks,
            recipient_civil_status=pb.CivilStatus(
                married=married, spouse_iin=SPOUSE_IIN if married else ""
            ),
        )
        if with_videoconference:
            attestation.videoconference.CopyFrom(
                self.held(married=married, participants=participants, confirmed=confirmed, at=at)
            )
        return attestation

    def now(self) -> datetime:
        """The time of this story's latest block: an attestation made then fits para 23."""
        if self.ledger.last_block_time is None:
            raise ValueError("this story's ledger has no block yet: give the attestation's time")
        return self.ledger.last_block_time

    def checks(
        self, *, leave_out: Sequence[tuple[int, int]] = (), at: datetime | None = None
    ) -> list[pb.Check]:
        """Every check of paras 23-24, passed, queried `at` (default: now())."""
        queried_at = self.now() if at is None else at
        return passed_checks(queried_at_unix_ms=unix_ms(queried_at), leave_out=leave_out)

    def decision(
        self,
        application_id: str,
        decision: pb.Decision,
        *,
        article: int | None = None,
        reason: str = "",
    ) -> pb.RegistrarDecision:
        message = pb.RegistrarDecision(
            application_id=application_id, decision=decision, reason=reason
        )
        if article is not None:
            message.ground.CopyFrom(pb.LegalGround(law=LAW, article=article, paragraph="1"))
        return message

    def termination(
        self, lease_application_id: str, **fields: object
    ) -> pb.TerminationOwnershipApplication:
        values: dict[str, object] = {
            "lease_application_id": lease_application_id,
            "ktk_letter": self.ktk_letter(),
            "transfer_agreement": self.transfer_agreement(),
            "new_holder_iin": RECIPIENT_IIN,
            "personal_data_consent": self.consent(),
            "recipient_marital_status": pb.NOT_MARRIED,
        }
        values.update(fields)
        return pb.TerminationOwnershipApplication(**values)  # type: ignore[arg-type]

    # -- walking the story ---------------------------------------------------------------------

    def import_property(self, **fields: object) -> None:
        self.applied(self.property_import(**fields), self.parties.registrar)

    def form_lease(self, *, married: bool = False, **fields: object) -> str:
        """Paras 19-20: formed by KTK, signed by the recipient (the spouse signs nothing); its
        id. FORMED."""
        p = self.parties
        outcome = self.applied(
            self.lease_application(married=married, **fields), p.ktk_officer, p.recipient
        )
        if outcome.application_id is None:
            raise AssertionError("the lease application has no id")
        return outcome.application_id

    def send(self, application_id: str, payment: pb.PaymentDocument | None = None) -> None:
        """Paras 22, 31: sent by KTK's authorised person and the recipient, fee paid."""
        p = self.parties
        self.applied(self.sending(application_id, payment), p.ktk_officer, p.recipient)

    def submit_lease(self, *, married: bool = False, **fields: object) -> str:
        """Formed and sent with the recipient's payment: SUBMITTED; its id."""
        application_id = self.form_lease(married=married, **fields)
        self.send(application_id)
        return application_id

    def lease_ready_to_register(self, *, married: bool = False) -> str:
        """In the text's order: property imported, application formed (paras 19-20), the
        videoconference (para 21), the fee paid and the application sent (para 22), the checks
        on arrival (paras 23-24)."""
        registrar = self.parties.registrar
        self.import_property()
        application_id = self.form_lease(married=married)
        self.applied(self.videoconference(application_id, married=married), registrar)
        self.send(application_id)
        checks = self.attestation(application_id, married=married, with_videoconference=False)
        self.applied(checks, registrar)
        return application_id

    def registered_lease(self) -> str:
        application_id = self.lease_ready_to_register()
        self.applied(self.decision(application_id, pb.REGISTER), self.parties.registrar)
        return application_id

    def form_termination(self, lease_id: str, **fields: object) -> str:
        """Para 29: initiated by KTK's authorised representative alone; FORMED; its id."""
        outcome = self.applied(self.termination(lease_id, **fields), self.parties.ktk_officer)
        if outcome.application_id is None:
            raise AssertionError("the termination application has no id")
        return outcome.application_id

    def submit_termination(self, lease_id: str, **fields: object) -> str:
        """Formed, then sent by KTK and the recipient with the payment (para 31): SUBMITTED."""
        pair_id = self.form_termination(lease_id, **fields)
        self.send(pair_id)
        return pair_id

    def termination_ready_to_register(self) -> tuple[str, str]:
        """Paras 29-32 in order: formed, videoconference, sent, checked."""
        registrar = self.parties.registrar
        lease_id = self.registered_lease()
        pair_id = self.form_termination(lease_id)
        self.applied(self.videoconference(pair_id), registrar)
        self.send(pair_id)
        self.applied(self.attestation(pair_id, with_videoconference=False), registrar)
        return lease_id, pair_id


def passed_checks(
    *, queried_at_unix_ms: int, leave_out: Sequence[tuple[int, int]] = ()
) -> list[pb.Check]:
    """Every check of paras 23-24 from its database, passed, queried at the given time."""
    pairs = [
        (pb.FEE_PAID, pb.PAYMENT_SYSTEM),
        (pb.SPOUSES_PARTICIPATE, pb.CIVIL_STATUS_REGISTRY),
        (pb.SIGNATURES_AND_IDENTIFIERS, pb.INDIVIDUALS_DATABASE),
        (pb.SIGNATURES_AND_IDENTIFIERS, pb.LEGAL_ENTITIES_DATABASE),
        (pb.NO_PRECLUDING_ENCUMBRANCE, pb.REAL_ESTATE_CADASTRE),
        (pb.NOT_ON_TERRORISM_FINANCING_LIST, pb.TERRORISM_FINANCING_LIST),
    ]
    return [
        pb.Check(
            kind=kind,
            source=source,
            passed=True,
            detail="ok",
            queried_at_unix_ms=queried_at_unix_ms,
        )
        for kind, source in pairs
        if (kind, source) not in leave_out
    ]
