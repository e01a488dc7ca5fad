"""Transaction bodies from plain arguments: what `tirkeu`, the demo and the tests all build.

Each builder returns the protobuf message of one action of `transaction.proto`; `transaction_body`
wraps an action with the chain id, expiry height and nonce, and NFC-normalises every text field
(ADR 0018: the signer signs the text the ledger keeps). Builders check only what they must to
build a message (enum names, the shape of "IIN:ROLE" and "KIND:SOURCE:passed" texts, PEM/DER); the
ledger judges everything else (IIN check digits, required signers, legal grounds), so that a test
can build any wrong transaction and see the ledger's named rejection. The CLI adds friendlier
checks of its own before building.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from tirkeu_pb import transaction_pb2 as pb

from ledger.documents.cms import MalformedCms, carried_digests, load_cms
from ledger.hashing import sha256
from ledger.registry.decisions import REGISTRATION_LAW

NONCE_BYTES = 16  # transaction.proto: "16 recommended"
DEFAULT_EXPIRES_IN_BLOCKS = 1000
# The one title the ledger accepts for a suspension or refusal (ledger/registry/decisions.py).
LAW_ON_STATE_REGISTRATION = REGISTRATION_LAW
# Algorithm paras 26/35 (suspension) and 27/36 (refusal) name these articles of that Law.
SUSPENSION_ARTICLE = 27
REFUSAL_ARTICLE = 31

Action = (
    pb.PropertyImport
    | pb.LeaseApplication
    | pb.ApplicationSending
    | pb.VideoconferenceAttestation
    | pb.RegistrarAttestation
    | pb.RegistrarDecision
    | pb.TerminationOwnershipApplication
    | pb.RevocationListUpdate
    | pb.ValidatorSetChange
    | pb.RulesUpgrade
)

# The TransactionBody oneof field that carries each action message.
ACTION_FIELDS: dict[type[Action], str] = {
    pb.PropertyImport: "property_import",
    pb.LeaseApplication: "lease_application",
    pb.ApplicationSending: "application_sending",
    pb.VideoconferenceAttestation: "videoconference_attestation",
    pb.RegistrarAttestation: "registrar_attestation",
    pb.RegistrarDecision: "registrar_decision",
    pb.TerminationOwnershipApplication: "termination_ownership_application",
    pb.RevocationListUpdate: "revocation_list_update",
    pb.ValidatorSetChange: "validator_set_change",
    pb.RulesUpgrade: "rules_upgrade",
}


class InvalidTransactionInput(ValueError):
    """An argument from which no transaction can be built; nothing was built."""


def new_nonce() -> bytes:
    return secrets.token_bytes(NONCE_BYTES)


def transaction_body(
    action: Action, *, chain_id: str, expiry_height: int, nonce: bytes | None = None
) -> pb.TransactionBody:
    if expiry_height < 0:
        raise InvalidTransactionInput(f"expiry height {expiry_height} is negative")
    body = pb.TransactionBody(
        chain_id=chain_id,
        expiry_height=expiry_height,
        nonce=new_nonce() if nonce is None else nonce,
    )
    getattr(body, ACTION_FIELDS[type(action)]).CopyFrom(action)
    nfc_normalise(body)
    return body


def nfc_normalise(message: Message) -> None:
    """Every string field of ``message`` (nested and repeated ones too) in Unicode NFC, in place.

    What a person types or pastes may arrive decomposed ("и" + U+0306 for "й"); the ledger
    refuses text that is not NFC (TEXT_NOT_NFC) and never rewrites signed bytes (ADR 0018), so
    the client normalises before signing: the signer signs what the ledger will keep. NFC only:
    digits of other scripts and fullwidth forms are left as typed for the ledger to refuse by
    name (IDENTIFIER_NOT_ASCII), never silently turned into another identifier here."""
    for field, value in message.ListFields():
        if field.type == FieldDescriptor.TYPE_STRING:
            if field.is_repeated:
                value[:] = [unicodedata.normalize("NFC", item) for item in value]
            else:
                setattr(message, field.name, unicodedata.normalize("NFC", value))
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            for item in value if field.is_repeated else (value,):
                nfc_normalise(item)


def action_kind(body: pb.TransactionBody) -> str:
    """The oneof name of the body's action, e.g. "lease_application"; "" when absent."""
    return body.WhichOneof("action") or ""


def enum_name(enum: EnumTypeWrapper, name: str, what: str) -> str:
    """The canonical name of an enum value, from a name in any case with "-" for "_"; never the
    UNSPECIFIED zero (protobuf constructors take the name as well as the number)."""
    wanted = name.strip().upper().replace("-", "_")
    if wanted in enum_names(enum):
        return wanted
    raise InvalidTransactionInput(f"{what} {name!r} is not one of: {', '.join(enum_names(enum))}")


def enum_names(enum: EnumTypeWrapper) -> tuple[str, ...]:
    return tuple(key for key, value in enum.items() if value != 0)


# -- documents ---------------------------------------------------------------------------------


def signed_document(content: bytes, cms: bytes, title: str) -> pb.SignedDocument:
    """A document known by the SHA-256 of its bytes, with its detached CMS (from ezsigner or
    NCALayer), and the Streebog digest(s) its GOST signers digested it with (ADR 0009)."""
    try:
        algorithms = [signer.digest_algorithm for signer in load_cms(cms).signers]
    except MalformedCms:
        algorithms = []  # the ledger names what is wrong with the CMS
    return pb.SignedDocument(cms=cms, title=title, **carried_digests(content, algorithms))


def payment_document(
    content: bytes,
    *,
    amount_tiyn: int,
    payment_reference: str,
    payer_iin: str,
    paid_at_unix_ms: int,
) -> pb.PaymentDocument:
    """The fee's payment document (Algorithm paras 22, 31); amount in tiyn (1 tenge = 100)."""
    if amount_tiyn <= 0:
        raise InvalidTransactionInput(f"payment amount {amount_tiyn} tiyn is not positive")
    return pb.PaymentDocument(
        sha256=sha256(content),
        amount_tiyn=amount_tiyn,
        payment_reference=payment_reference,
        payer_iin=payer_iin,
        paid_at_unix_ms=paid_at_unix_ms,
    )


# -- actions -----------------------------------------------------------------------------------


def property_import(
    *, cadastral_number: str, address: str, kind: str, area_square_metres: str, holder_bin: str
) -> pb.PropertyImport:
    """A dwelling from the cadastre, ЖМБМК АЖ (Algorithm para 24(4)); kind APARTMENT or HOUSE."""
    return pb.PropertyImport(
        cadastral_number=cadastral_number,
        address=address,
        kind=enum_name(pb.PropertyKind, kind, "property kind"),
        area_square_metres=area_square_metres,
        holder_bin=holder_bin,
    )


@dataclass(frozen=True, slots=True)
class GuarantorIdentity:
    """A guarantor (Algorithm para 2(9)): an individual by IIN or a legal entity by BIN."""

    identifier: str
    is_legal_entity: bool = False

    def message(self) -> pb.Guarantor:
        if self.is_legal_entity:
            return pb.Guarantor(bin=self.identifier)
        return pb.Guarantor(iin=self.identifier)


def marital_status(married: bool) -> pb.MaritalStatus:
    return pb.MARRIED if married else pb.NOT_MARRIED


def lease_application(
    *,
    cadastral_number: str,
    recipient_iin: str,
    married: bool,
    spouse_iin: str = "",
    guarantors: Sequence[GuarantorIdentity] = (),
    contract: pb.SignedDocument,
    personal_data_consent: pb.SignedDocument,
    representations: Sequence[pb.Representation] = (),
) -> pb.LeaseApplication:
    """The lease application as KTK forms it (Algorithm paras 19–20); sent with
    `application_sending` once the fee is paid (para 22)."""
    return pb.LeaseApplication(
        representations=representations,
        cadastral_number=cadastral_number,
        recipient_iin=recipient_iin,
        recipient_marital_status=marital_status(married),
        spouse_iin=spouse_iin,
        guarantors=[guarantor.message() for guarantor in guarantors],
        contract=contract,
        personal_data_consent=personal_data_consent,
    )


def application_sending(application_id: str, payment: pb.PaymentDocument) -> pb.ApplicationSending:
    """The formed application sent after the fee is paid, the payment document attached (paras 22,
    31); the day it commits starts the para 38 deadline."""
    return pb.ApplicationSending(application_id=application_id, payment=payment)


def parse_participant(text: str) -> pb.VideoconferenceParticipant:
    """ "IIN:ROLE" or "IIN:ROLE:for:PRINCIPAL_IIN", e.g. "850515300120:recipient" (roles as in
    ParticipantRole); the second form for an authorised representative (para 21)."""
    parts = text.split(":")
    if len(parts) not in (2, 4) or not parts[0].strip() or (len(parts) == 4 and parts[2] != "for"):
        raise InvalidTransactionInput(f"participant {text!r} is not IIN:ROLE[:for:PRINCIPAL]")
    role_value = enum_name(pb.ParticipantRole, parts[1], "participant role")
    return pb.VideoconferenceParticipant(
        iin=parts[0].strip(),
        role=role_value,
        on_behalf_of_iin=parts[3].strip() if len(parts) == 4 else "",
    )


def representation(
    principal_iin: str,
    representative_iin: str,
    power_of_attorney: pb.SignedDocument,
    *,
    legal: bool = False,
) -> pb.Representation:
    """Para 21: a party acting through her authorised representative, on a power of attorney
    CMS-signed by the party; or, `legal`, through her legal representative (order para 3(2)), on
    the document of that standing CMS-signed by the legal representative, who may also consent."""
    return pb.Representation(
        principal_iin=principal_iin,
        representative_iin=representative_iin,
        power_of_attorney=power_of_attorney,
        legal_representative=legal,
    )


def parse_check(text: str, *, queried_at_unix_ms: int) -> pb.Check:
    """ "KIND:SOURCE:passed|failed[:detail]", e.g. "fee-paid:payment-system:passed"."""
    parts = text.split(":", 3)
    if len(parts) < 3:
        raise InvalidTransactionInput(f"check {text!r} is not KIND:SOURCE:passed|failed[:detail]")
    kind, source, outcome = parts[0], parts[1], parts[2].strip().lower()
    if outcome not in ("passed", "failed"):
        raise InvalidTransactionInput(f"check outcome {parts[2]!r} is not passed or failed")
    return pb.Check(
        kind=enum_name(pb.CheckKind, kind, "check kind"),
        source=enum_name(pb.SourceDatabase, source, "source database"),
        passed=outcome == "passed",
        detail=parts[3] if len(parts) == 4 else "",
        queried_at_unix_ms=queried_at_unix_ms,
    )


# The checks of Algorithm paras 23–24 (lease) and 32–33 (termination + ownership), each with the
# database the paragraph names for it.
REQUIRED_CHECKS: tuple[tuple[str, str], ...] = (
    ("FEE_PAID", "PAYMENT_SYSTEM"),
    ("SPOUSES_PARTICIPATE", "CIVIL_STATUS_REGISTRY"),
    ("SIGNATURES_AND_IDENTIFIERS", "INDIVIDUALS_DATABASE"),
    ("SIGNATURES_AND_IDENTIFIERS", "LEGAL_ENTITIES_DATABASE"),
    ("NO_PRECLUDING_ENCUMBRANCE", "REAL_ESTATE_CADASTRE"),
    ("NOT_ON_TERRORISM_FINANCING_LIST", "TERRORISM_FINANCING_LIST"),
)


def passed_checks(*, queried_at_unix_ms: int, except_kinds: Iterable[str] = ()) -> list[pb.Check]:
    """Every required check, passed; `except_kinds` are left out (to build incomplete ones)."""
    left_out = {kind.upper() for kind in except_kinds}
    return [
        parse_check(f"{kind}:{source}:passed", queried_at_unix_ms=queried_at_unix_ms)
        for kind, source in REQUIRED_CHECKS
        if kind not in left_out
    ]


def videoconference(
    *,
    held_at_unix_ms: int,
    participants: Sequence[pb.VideoconferenceParticipant],
    signatures_authentic: bool,
    legal_capacity_confirmed: bool,
    will_conforms_to_expression: bool,
) -> pb.Videoconference:
    return pb.Videoconference(
        held_at_unix_ms=held_at_unix_ms,
        participants=participants,
        signatures_authentic=signatures_authentic,
        legal_capacity_confirmed=legal_capacity_confirmed,
        will_conforms_to_expression=will_conforms_to_expression,
    )


def videoconference_attestation(
    application_id: str, held: pb.Videoconference
) -> pb.VideoconferenceAttestation:
    """The videoconference of paras 21, 30, from the application's forming on."""
    return pb.VideoconferenceAttestation(application_id=application_id, videoconference=held)


def registrar_attestation(
    *,
    application_id: str,
    checks: Sequence[pb.Check],
    recipient_married: bool,
    recipient_spouse_iin: str = "",
    held: pb.Videoconference | None = None,
) -> pb.RegistrarAttestation:
    """The registrar's checks once the application has arrived (paras 23–24 or 32–33), with the
    videoconference (paras 21, 30) when she holds it then."""
    attestation = pb.RegistrarAttestation(
        application_id=application_id,
        checks=checks,
        recipient_civil_status=pb.CivilStatus(
            married=recipient_married, spouse_iin=recipient_spouse_iin
        ),
    )
    if held is not None:
        attestation.videoconference.CopyFrom(held)
    return attestation


def registrar_decision(
    *,
    application_id: str,
    decision: str,
    reason: str = "",
    article: int | None = None,
    law: str = LAW_ON_STATE_REGISTRATION,
    paragraph: str = "",
    subparagraph: str = "",
) -> pb.RegistrarDecision:
    """REGISTER, SUSPEND (Art. 27), RESUME or REFUSE (Art. 31) (paras 25–27, 34–36).

    Without `article`, a suspension cites Art. 27 and a refusal Art. 31, the articles the
    Algorithm names; REGISTER and RESUME carry no ground unless one is given.
    """
    decision_name = enum_name(pb.Decision, decision, "decision")
    message = pb.RegistrarDecision(
        application_id=application_id, decision=decision_name, reason=reason
    )
    default_article = {"SUSPEND": SUSPENSION_ARTICLE, "REFUSE": REFUSAL_ARTICLE}
    chosen_article = article if article is not None else default_article.get(decision_name)
    if chosen_article is not None:
        message.ground.CopyFrom(
            pb.LegalGround(
                law=law, article=chosen_article, paragraph=paragraph, subparagraph=subparagraph
            )
        )
    return message


def termination_ownership_application(
    *,
    lease_application_id: str,
    ktk_letter: pb.SignedDocument,
    transfer_agreement: pb.SignedDocument,
    new_holder_iin: str,
    personal_data_consent: pb.SignedDocument,
    married: bool,
    spouse_iin: str = "",
    representations: Sequence[pb.Representation] = (),
) -> pb.TerminationOwnershipApplication:
    """The linked pair of para 29 as KTK initiates it: terminate the lease, then ownership to the
    lessee (para 34); sent with `application_sending` (para 31). The pair's parties may act
    through representatives listed here (para 21; the lease's are not carried over)."""
    return pb.TerminationOwnershipApplication(
        representations=representations,
        lease_application_id=lease_application_id,
        ktk_letter=ktk_letter,
        transfer_agreement=transfer_agreement,
        new_holder_iin=new_holder_iin,
        personal_data_consent=personal_data_consent,
        recipient_marital_status=marital_status(married),
        spouse_iin=spouse_iin,
    )


def revocation_list_update(
    crl: bytes, ocsp_responses: tuple[bytes, ...] = ()
) -> pb.RevocationListUpdate:
    """A CA's CRL (PEM or DER) to enter consensus state; carried as DER."""
    if not crl and not ocsp_responses:
        raise InvalidTransactionInput("give a CRL or at least one OCSP response")
    return pb.RevocationListUpdate(
        crl=crl_der(crl) if crl else b"", ocsp_responses=list(ocsp_responses)
    )


def crl_der(crl: bytes) -> bytes:
    if not crl.lstrip().startswith(b"-----BEGIN"):
        return crl
    try:
        return x509.load_pem_x509_crl(crl).public_bytes(Encoding.DER)
    except ValueError as error:
        raise InvalidTransactionInput(f"not a PEM certificate revocation list: {error}") from None
