"""What a REGISTER decision requires, and the registration-sheet entries it makes.

Paras 23-24 (lease) and 32-33 (termination + ownership): the registrar checks the fee, the
participation of both spouses, the participants' EDS and IIN/BIN, the absence of precluding
encumbrances and of participants on the terrorism-financing list, in ЖТ МДБ, ЗТ МДБ, АХАЖ АЖ
and ЖМБМК АЖ, and signature authenticity, capacity and will by videoconference. The ledger
refuses a REGISTER decision unless all of it is recorded and passed (DESIGN.md §2). Then para 25
enters the lease encumbrance in the registration sheet; para 34 enters the termination and then
the ownership, atomically.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ledger.identity.revocation import TrustStore
from ledger.registry.attestation import require_attested_in_time
from ledger.registry.common import RuleInput
from ledger.registry.properties import require_property
from ledger.registry.signing_certificates import require_signers_not_revoked
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, read_application, write_property
from ledger.state.records import (
    Application,
    AttestationRecord,
    CheckKind,
    Decision,
    DocumentRole,
    Encumbrance,
    EncumbranceKind,
    EncumbranceStatus,
    IdentifierKind,
    ParticipantRole,
    PartyIdentifier,
    Property,
    RegistrationSheetEntry,
    SheetEntryKind,
    SourceDatabase,
    VideoconferenceRecord,
)
from ledger.transactions.envelope import reject

# Paras 23(a)-(e) and 24(1)-(4): each check, from the database the Algorithm names.
REQUIRED_CHECKS = (
    # Para 23(a) «төлемнің бар-жоғын тексеру» ("checking whether the payment was made"); the
    # payment system is not named by the seeds (ADR 0007 D4).
    (CheckKind.FEE_PAID, SourceDatabase.PAYMENT_SYSTEM),
    (CheckKind.SIGNATURES_AND_IDENTIFIERS, SourceDatabase.INDIVIDUALS_DATABASE),
    (CheckKind.SIGNATURES_AND_IDENTIFIERS, SourceDatabase.LEGAL_ENTITIES_DATABASE),
    (CheckKind.SPOUSES_PARTICIPATE, SourceDatabase.CIVIL_STATUS_REGISTRY),
    (CheckKind.NO_PRECLUDING_ENCUMBRANCE, SourceDatabase.REAL_ESTATE_CADASTRE),
    (CheckKind.NOT_ON_TERRORISM_FINANCING_LIST, SourceDatabase.TERRORISM_FINANCING_LIST),
)
PARA_25 = "Algorithm para 25"
PARA_34_1 = "Algorithm para 34(1)"
PARA_34_2 = "Algorithm para 34(2)"


def require_registrable(application: Application, now: datetime, trust: TrustStore) -> None:
    """Paras 23 and 32, in the order the Algorithm lists them: (a) the fee (paid at the sending,
    and FEE_PAID checked in the payment system), the videoconference, (b) both spouses, then the
    recorded checks (c)-(e), dated for this application and made after its last suspension; and
    (c) again: no signer's certificate is revoked by `now`, the block time, in `trust` (seed 003
    para 18)."""
    if application.payment is None:
        # A SUBMITTED application was sent with its payment (sending.py).
        raise RuntimeError(f"application {application.application_id} was sent without payment")
    videoconference = application.videoconference
    if videoconference is None:
        raise reject(
            RejectionReason.ATTESTATION_MISSING, "no videoconference is recorded (paras 21, 30)"
        )
    attestation = application.attestation
    if attestation is None:
        raise reject(
            RejectionReason.ATTESTATION_MISSING, "no registrar checks are recorded (paras 23, 32)"
        )
    _require_after_last_suspension(application, "the videoconference", videoconference.height)
    _require_after_last_suspension(application, "the checks", attestation.height)
    require_attested_in_time(application, now)
    _require_videoconference(application, videoconference)
    _require_spouse(application, videoconference, attestation)
    _require_checks(attestation)
    require_signers_not_revoked(application, trust, now)


def _require_after_last_suspension(application: Application, what: str, height: int) -> None:
    """Inference (ADR 0007 D3; paras 26, 35 say only "suspends"): a suspension means something
    is to be cured; the checks and videoconference made before it do not show that it was. A
    record counts only from a block after the last SUSPEND (one in the same block is not known
    to follow it, so it does not count)."""
    suspended = [d.height for d in application.decisions if d.decision is Decision.SUSPEND]
    if suspended and height <= max(suspended):
        raise reject(
            RejectionReason.ATTESTATION_STALE,
            f"{what} at height {height} is not after the suspension at height "
            f"{max(suspended)}; the registrar must record it again — inference (ADR 0007 D3)",
        )


def _require_videoconference(
    application: Application, videoconference: VideoconferenceRecord
) -> None:
    if not (
        videoconference.signatures_authentic
        and videoconference.legal_capacity_confirmed
        and videoconference.will_conforms_to_expression
    ):
        raise reject(
            RejectionReason.VIDEOCONFERENCE_NOT_CONFIRMED,
            "the videoconference does not confirm signature authenticity, legal capacity and "
            "conformity of will (paras 21, 23, 30, 32)",
        )
    participants = videoconference.participants
    if all(p.role is not ParticipantRole.KTK_REPRESENTATIVE for p in participants):
        raise reject(RejectionReason.PARTICIPANT_ABSENT, "the KTK representative did not take part")
    if not any(
        p.acts_for(ParticipantRole.RECIPIENT, application.recipient_iin) for p in participants
    ):
        raise reject(
            RejectionReason.PARTICIPANT_ABSENT,
            f"the recipient {application.recipient_iin} did not take part",
        )


def _require_spouse(
    application: Application,
    videoconference: VideoconferenceRecord,
    attestation: AttestationRecord,
) -> None:
    """Para 23(b): «неке-отбасы қатынастары болған кезде ерлі-зайыптылардың екеуінің де міндетті
    қатысуы» ("where there are marital relations, the mandatory participation of both spouses"):
    married when the application declares it or АХАЖ АЖ says so; the spouse АХАЖ АЖ names (else
    the declared one) must have taken part in the videoconference. Participation, not a
    signature (ADR 0007 D14)."""
    married = attestation.recipient_married or application.spouse_iin is not None
    if not married:
        return
    declared, attested = application.spouse_iin, attestation.recipient_spouse_iin
    spouse_iin = attested if attested is not None else declared
    if spouse_iin is None:
        raise RuntimeError("married without a spouse IIN")  # attestation.py requires one
    if declared is not None and declared != spouse_iin:
        raise reject(
            RejectionReason.SPOUSE_ABSENT,
            f"АХАЖ АЖ names spouse {spouse_iin}; the application declares {declared}",
        )
    if not any(
        p.acts_for(ParticipantRole.SPOUSE, spouse_iin) for p in videoconference.participants
    ):
        raise reject(
            RejectionReason.SPOUSE_ABSENT,
            f"the spouse {spouse_iin} did not take part in the videoconference",
        )


def _require_checks(attestation: AttestationRecord) -> None:
    for check in attestation.checks:
        if not check.passed:
            raise reject(
                RejectionReason.CHECK_NOT_PASSED,
                f"{check.kind.name} in {check.source.name} failed: {check.detail}",
            )
    recorded = {(check.kind, check.source) for check in attestation.checks}
    for kind, source in REQUIRED_CHECKS:
        if (kind, source) not in recorded:
            raise reject(
                RejectionReason.CHECK_NOT_PASSED, f"{kind.name} in {source.name} is not recorded"
            )


def register_lease(
    state: StateOverlay, application: Application, rule_input: RuleInput, registrar_iin: str
) -> None:
    """Para 25: the lease encumbrance, on a property held by KTK, the lessor (para 2(11)):
    the holder rule is an inference (ADR 0007 D11), not para 23(d), which speaks of precluding
    encumbrances only."""
    found = require_property(state, application.cadastral_number)
    _require_held_by_ktk(found, rule_input)
    active = found.active_lease()
    if active is not None:
        raise reject(
            RejectionReason.PRECLUDING_ENCUMBRANCE,
            f"{found.cadastral_number} is leased under application {active.application_id}",
        )
    contract = _basis(application, DocumentRole.CONTRACT)
    encumbrance = Encumbrance(
        kind=EncumbranceKind.LEASE,
        status=EncumbranceStatus.ACTIVE,
        application_id=application.application_id,
        lessor_bin=rule_input.authorities.ktk_bin,
        lessee_iin=application.recipient_iin,
        registered_height=rule_input.block.height,
        terminated_height=None,
        contract_sha256=contract,
    )
    entry = _sheet_entry(
        application,
        rule_input,
        registrar_iin,
        number=len(found.registration_sheet) + 1,
        kind=SheetEntryKind.LEASE_ENCUMBRANCE_REGISTERED,
        basis_sha256=contract,
        right_holder=found.holder,
        legal_basis=PARA_25,
    )
    write_property(
        state,
        replace(
            found,
            encumbrances=(*found.encumbrances, encumbrance),
            registration_sheet=(*found.registration_sheet, entry),
        ),
    )


def register_termination_and_ownership(
    state: StateOverlay, application: Application, rule_input: RuleInput, registrar_iin: str
) -> None:
    """Para 34: (1) termination of the lease on the basis of the KTK letter, then (2) the
    recipient's ownership on the basis of the transfer agreement; both or neither."""
    lease_id = application.lease_application_id
    lease = None if lease_id is None else read_application(state, lease_id)
    found = require_property(state, application.cadastral_number)
    active = found.active_lease()
    if lease is None or active is None or active.application_id != lease.application_id:
        raise reject(
            RejectionReason.NO_ACTIVE_LEASE,
            f"the lease {lease_id} on {found.cadastral_number} is no longer active",
        )
    _require_held_by_ktk(found, rule_input)
    new_holder_iin = application.new_holder_iin
    if new_holder_iin is None or new_holder_iin != active.lessee_iin:
        raise reject(
            RejectionReason.OWNERSHIP_NOT_TO_LESSEE,
            f"{new_holder_iin} is not the lessee {active.lessee_iin}",
        )
    terminated = replace(
        active, status=EncumbranceStatus.TERMINATED, terminated_height=rule_input.block.height
    )
    owner = PartyIdentifier(IdentifierKind.IIN, new_holder_iin)
    termination = _sheet_entry(
        application,
        rule_input,
        registrar_iin,
        number=len(found.registration_sheet) + 1,
        kind=SheetEntryKind.LEASE_ENCUMBRANCE_TERMINATED,
        basis_sha256=_basis(application, DocumentRole.KTK_LETTER),
        right_holder=found.holder,
        legal_basis=PARA_34_1,
    )
    ownership = _sheet_entry(
        application,
        rule_input,
        registrar_iin,
        number=len(found.registration_sheet) + 2,
        kind=SheetEntryKind.OWNERSHIP_REGISTERED,
        basis_sha256=_basis(application, DocumentRole.TRANSFER_AGREEMENT),
        right_holder=owner,
        legal_basis=PARA_34_2,
    )
    write_property(
        state,
        replace(
            found,
            holder=owner,
            encumbrances=tuple(terminated if e is active else e for e in found.encumbrances),
            registration_sheet=(*found.registration_sheet, termination, ownership),
        ),
    )


def _require_held_by_ktk(found: Property, rule_input: RuleInput) -> None:
    ktk = PartyIdentifier(IdentifierKind.BIN, rule_input.authorities.ktk_bin)
    if found.holder != ktk:
        raise reject(
            RejectionReason.PROPERTY_NOT_HELD_BY_KTK,
            f"{found.cadastral_number} is held by {found.holder.identifier_kind.name} "
            f"{found.holder.identifier}, not KTK — inference (ADR 0007 D11)",
        )


def _basis(application: Application, role: DocumentRole) -> bytes:
    document = application.document(role)
    if document is None:
        raise RuntimeError(f"application {application.application_id} lacks its {role.name}")
    return document.sha256


def _sheet_entry(
    application: Application,
    rule_input: RuleInput,
    registrar_iin: str,
    *,
    number: int,
    kind: SheetEntryKind,
    basis_sha256: bytes,
    right_holder: PartyIdentifier,
    legal_basis: str,
) -> RegistrationSheetEntry:
    return RegistrationSheetEntry(
        number=number,
        kind=kind,
        application_id=application.application_id,
        transaction_id=rule_input.transaction.transaction_id,
        height=rule_input.block.height,
        registered_at=rule_input.block.time,
        registrar_iin=registrar_iin,
        basis_document_sha256=basis_sha256,
        right_holder=right_holder,
        lessee_iin=application.recipient_iin,
        legal_basis=legal_basis,
    )
