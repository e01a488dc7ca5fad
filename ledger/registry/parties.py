"""Who must sign an application envelope, and the parties' identifiers.

Para 20: the recipient «электрондық өтінішке қол қояды» ("signs the e-application"); para 22: it
is sent «көрсетілетін қызметті алушының және ҚТК уәкілетті тұлғасының ЭЦҚ куәландыру жолымен
растай отырып» ("confirmed by certification with the EDS of the recipient and of KTK's authorised
person"). Para 31: the termination application is signed by KTK, the ownership application by
the recipient. The spouse *takes part* in the videoconference (paras 21, 23(b), 30); the text
never names her as a signer, so she does not sign (ADR 0007 D14). Nobody else signs the
envelope (guarantors sign the contract, not the application).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tirkeu_pb import transaction_pb2

from ledger.identity.nca import may_act_as_authorised_person
from ledger.identity.roles import Role
from ledger.registry.common import RuleInput, require_bin, require_iin, require_no_other_signers
from ledger.registry.documents import ExpectedSigner, verify_document
from ledger.rejections import RejectionReason
from ledger.state.records import (
    Application,
    IdentifierKind,
    PartyIdentifier,
    RepresentationRecord,
)
from ledger.transactions.envelope import Signer, VerifiedTransaction, reject


@dataclass(frozen=True, slots=True)
class ApplicationSigners:
    ktk_authorised_person: Signer
    recipient: Signer


def require_application_signers(
    transaction: VerifiedTransaction,
    recipient_iin: str,
    spouse_iin: str | None,
    representations: Sequence[RepresentationRecord] = (),
    new_holder_iin: str | None = None,
    *,
    guarantor_iins: Sequence[str] = (),
) -> ApplicationSigners:
    """Exactly KTK's authorised person and the recipient (or her recorded representative, para
    21); the spouse (declared `spouse_iin`) signing too is UNEXPECTED_SIGNER, like anyone else.
    KTK's authorised person is none of the other side's people (`_require_not_acting_for_self`)."""
    ktk_people = transaction.signers_with(Role.KTK_EMPLOYEE)
    if not ktk_people:
        raise reject(
            RejectionReason.NOT_KTK_AUTHORISED_PERSON,
            f"{transaction.kind} must be signed by a KTK authorised person (an employee "
            "certificate bound to KTK's BIN)",
        )
    # Para 22 «ҚТК уәкілетті тұлғасының ЭЦҚ»: where the NCA names the holder's role in the
    # certificate, only KTK's first head or a signatory is its authorised person (ADR 0009,
    # inference); a certificate without the NCA's role OIDs is judged by its BIN alone.
    authorised = [p for p in ktk_people if may_act_as_authorised_person(p.certificate)]
    if not authorised:
        raise reject(
            RejectionReason.NOT_KTK_AUTHORISED_PERSON,
            f"{transaction.kind}: KTK's signer ({ktk_people[0].describe()}) holds neither the "
            "NCA's first-head (1.2.398.3.3.4.1.2.1) nor signatory (1.2.398.3.3.4.1.2.2) role "
            "— para 22, inference (ADR 0009)",
        )
    ktk_person = authorised[0]
    _require_not_acting_for_self(
        ktk_person,
        applicant_side(recipient_iin, spouse_iin, representations, new_holder_iin, guarantor_iins),
    )
    agent = representative_of(representations, recipient_iin)
    recipient = _individual(transaction, recipient_iin, "recipient", agent)
    require_no_other_signers(transaction, (ktk_person, recipient))
    return ApplicationSigners(ktk_person, recipient)


def representative_of(
    representations: Sequence[RepresentationRecord], principal_iin: str
) -> str | None:
    return next(
        (r.representative_iin for r in representations if r.principal_iin == principal_iin), None
    )


def legal_representative_of(
    representations: Sequence[RepresentationRecord], principal_iin: str
) -> str | None:
    return next(
        (
            r.representative_iin
            for r in representations
            if r.principal_iin == principal_iin and r.legal
        ),
        None,
    )


def representations_of(
    given: Sequence[transaction_pb2.Representation],
    rule_input: RuleInput,
    principals: Sequence[str],
) -> tuple[RepresentationRecord, ...]:
    """Para 21 «(олардың уәкілетті өкілдерінің)»: a party among `principals` (the recipient, the
    spouse, individual guarantors) may act through one representative, on a power of attorney
    CMS-signed by herself alone with her personal certificate (POWER_OF_ATTORNEY_INVALID
    otherwise); or through her legal representative (order para 3(2)), on the document of that
    standing signed by the legal representative. Scope and form are the registrar's to judge
    (ADR 0007 D7)."""
    records: list[RepresentationRecord] = []
    for index, representation in enumerate(given):
        field = f"representations[{index}]"
        principal = require_iin(representation.principal_iin, f"{field}.principal_iin")
        agent = require_iin(representation.representative_iin, f"{field}.representative_iin")
        if principal not in principals:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}: {principal} is not a party")
        if agent == principal or agent in principals:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}: {agent} is a party herself")
        if any(r.principal_iin == principal for r in records):
            raise reject(RejectionReason.INVALID_FIELD, f"{field}: {principal} listed twice")
        legal = representation.legal_representative
        name = f"the {'standing' if legal else 'power of attorney'} document of {field}"
        invalid = RejectionReason.POWER_OF_ATTORNEY_INVALID
        if not representation.power_of_attorney.cms:
            raise reject(invalid, f"{name} is absent")
        verified = verify_document(representation.power_of_attorney, rule_input, name=name)
        # A minor or an incapable person signs no power of attorney: her legal representative
        # presents the document of her standing under her own signature, and the registrar
        # judges it with the party's capacity in the videoconference (inference, ADR 0007 D7).
        signer, who = (agent, "legal representative") if legal else (principal, "principal")
        if not all(ExpectedSigner(who, iin=signer).matches(v) for v in verified.verdicts):
            raise reject(invalid, f"{name} must be signed by the {who} {signer} alone")
        records.append(
            RepresentationRecord(
                principal, agent, representation.power_of_attorney.sha256, legal=legal
            )
        )
    return tuple(records)


def require_ktk_initiator(
    transaction: VerifiedTransaction,
    recipient_iin: str,
    spouse_iin: str | None,
    new_holder_iin: str | None = None,
    representations: Sequence[RepresentationRecord] = (),
) -> Signer:
    """Para 29: «ҚТК уәкілетті өкілін бастамашылық етеді» ("KTK's authorised representative
    initiates" the two applications): a KTK authorised person alone; the recipient signs them when
    they are sent (para 31). She is none of the other side's people, their representatives
    included (ADR 0007 D12)."""
    ktk_people = transaction.signers_with(Role.KTK_EMPLOYEE)
    if not ktk_people:
        raise reject(
            RejectionReason.NOT_KTK_AUTHORISED_PERSON,
            f"{transaction.kind} must be signed by a KTK authorised person (para 29)",
        )
    ktk_person = ktk_people[0]
    _require_not_acting_for_self(
        ktk_person, applicant_side(recipient_iin, spouse_iin, representations, new_holder_iin)
    )
    require_no_other_signers(transaction, (ktk_person,))
    return ktk_person


def _require_not_acting_for_self(ktk_person: Signer, other_side: list[tuple[str, str]]) -> None:
    """Inference (ADR 0007 D12): the application is confirmed by the EDS of the recipient *and*
    of KTK's authorised person, two sides of the contract; the text states no conflict rule, but
    one natural person may not be both. The other side is the recipient, her spouse, the new
    holder (para 34(2)), the individual guarantors (who sign the contract against KTK, para 17)
    and every recorded representative (para 21): a representative signs and pays *for* her
    principal, so KTK's signer acting as one would again sign both sides."""
    for party, iin in other_side:
        if ktk_person.iin == iin:
            raise reject(
                RejectionReason.CONFLICT_OF_INTEREST,
                f"KTK's authorised person (IIN {iin}) is also the {party} — inference "
                "(ADR 0007 D12)",
            )


def applicant_side(
    recipient_iin: str,
    spouse_iin: str | None,
    representations: Sequence[RepresentationRecord] = (),
    new_holder_iin: str | None = None,
    guarantor_iins: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """(who, IIN) of everyone facing KTK in an application, for the conflict rules (ADR 0007
    D12); absent parties are left out."""
    people = [("recipient", recipient_iin), ("spouse", spouse_iin), ("new holder", new_holder_iin)]
    people += [("guarantor", iin) for iin in guarantor_iins]
    people += [
        (f"representative of {r.principal_iin}", r.representative_iin) for r in representations
    ]
    return [(party, iin) for party, iin in people if iin is not None]


def _individual(
    transaction: VerifiedTransaction, iin: str, party: str, agent: str | None = None
) -> Signer:
    for signer in transaction.signers_with(Role.INDIVIDUAL):
        if signer.iin in (iin, agent):
            return signer
    raise reject(
        RejectionReason.MISSING_REQUIRED_SIGNATURE,
        f"{transaction.kind} is not signed by the {party} (IIN {iin}) with a personal certificate",
    )


def individual_guarantors(application: Application) -> list[str]:
    """The IINs of the application's guarantors who are natural persons (para 2(9))."""
    return [g.identifier for g in application.guarantors if g.identifier_kind is IdentifierKind.IIN]


def guarantors_of(guarantors: Sequence[transaction_pb2.Guarantor]) -> tuple[PartyIdentifier, ...]:
    """Para 2(9): a guarantor is an individual (IIN) or a legal entity (BIN), exactly one."""
    parties: list[PartyIdentifier] = []
    for index, guarantor in enumerate(guarantors):
        field = f"guarantors[{index}]"
        if bool(guarantor.iin) == bool(guarantor.bin):
            raise reject(RejectionReason.INVALID_FIELD, f"{field}: set exactly one of iin, bin")
        if guarantor.iin:
            party = PartyIdentifier(IdentifierKind.IIN, require_iin(guarantor.iin, f"{field}.iin"))
        else:
            party = PartyIdentifier(IdentifierKind.BIN, require_bin(guarantor.bin, f"{field}.bin"))
        if party in parties:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}: listed twice")
        parties.append(party)
    return tuple(parties)
