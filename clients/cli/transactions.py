"""`tirkeu submit KIND` and `tirkeu tx build KIND`: every transaction kind from arguments and
files.

Each kind is declared once (its options and how they become an action message) and appears under
both groups: `submit` builds, signs (`--sign`, by default with the caller's own --key/--cert) and
sends; `tx build` builds, optionally signs, and writes the envelope file that the other parties
sign with `tirkeu tx sign` before one of them runs `tirkeu tx submit`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import transaction_pb2 as pb

from clients import transaction_builders as builders
from clients.cli.output import describe_submission, message_dict
from clients.cli.state import (
    BIN,
    EXISTING_FILE,
    IIN,
    CliState,
    bad_input,
    check_marital,
    current_state,
    document_options,
    json_option,
    marital_options,
    parse_signer,
    payment_options,
    read_document,
    read_payment,
    sign_option,
    time_unix_ms,
)
from clients.client import EXIT_REFUSED, sign_body, transaction_id, write_envelope
from clients.transaction_builders import Action
from ledger.identity.identifiers import InvalidIdentifier, parse_iin

_F = TypeVar("_F", bound=Callable[..., Any])

# The answer a submission's exit code gives (clients/errors.py; docs/operations.md). The client
# sends the same envelope again after a timeout, UNAVAILABLE or RESOURCE_EXHAUSTED until the
# node answers (ADR 0016), so only 3 means "no answer", and sending the same file again is safe.
SUBMIT_EXIT_CODES = (
    "\b\nExit codes:\n"
    "  0  accepted: PENDING (without --wait) or COMMITTED at a height\n"
    "  1  REJECTED with a named reason (the same envelope will be rejected again)\n"
    "  2  bad input (nothing was sent)\n"
    "  3  no answer from the node within the submit deadline, after retries; sending the\n"
    "     same envelope again is safe: it is the same transaction\n"
    "  4  with --wait: submitted and still pending at the deadline; ask with `tirkeu tx status`"
)


@dataclass(frozen=True, slots=True)
class TransactionKind:
    name: str
    help: str
    params: tuple[click.Parameter, ...]
    build: Callable[..., Action]


KINDS: list[TransactionKind] = []


def transaction_kind(name: str) -> Callable[[_F], _F]:
    """Declare a kind: the decorated function's click options, and it builds the action."""

    def register(function: _F) -> _F:
        params = tuple(reversed(getattr(function, "__click_params__", [])))
        KINDS.append(TransactionKind(name, inspect.getdoc(function) or "", params, function))
        return function

    return register


# -- the kinds ----------------------------------------------------------------------------------


@transaction_kind("property-import")
@click.option("--cadastral-number", required=True, help='E.g. "21:318:023:1245:1/45".')
@click.option("--address", required=True)
@click.option("--kind", type=click.Choice(["apartment", "house"]), required=True)
@click.option("--area", "area_square_metres", required=True, help='Square metres, e.g. "54.30".')
@click.option("--holder-bin", type=BIN, required=True, help="BIN of the right holder (KTK).")
def property_import(**values: Any) -> Action:
    """A KTK-held dwelling from the cadastre (ЖМБМК АЖ, para 24(4)); by a registrar."""
    return builders.property_import(**values)


_authorised_option = click.option(
    "--representation",
    multiple=True,
    metavar="PRINCIPAL_IIN:REPRESENTATIVE_IIN:POWER_OF_ATTORNEY_FILE",
    help="A party acting through an authorised representative (para 21); the power of "
    "attorney FILE with its CMS in FILE.cms, signed by the party. Repeatable.",
)
_legal_option = click.option(
    "--legal-representation",
    multiple=True,
    metavar="PRINCIPAL_IIN:LEGAL_REPRESENTATIVE_IIN:STANDING_FILE",
    help="A party (a minor, an incapable person) acting through her legal representative, who "
    "may also sign her consent (order para 3(2)); the standing document FILE with its CMS in "
    "FILE.cms, signed by the legal representative. Repeatable.",
)


def _representation_option(command: Any) -> Any:
    return _authorised_option(_legal_option(command))


def _representations(v: dict[str, Any]) -> list[pb.Representation]:
    authorised = [_representation(text) for text in v["representation"]]
    return authorised + [_representation(text, legal=True) for text in v["legal_representation"]]


@transaction_kind("lease-application")
@click.option("--cadastral-number", required=True)
@click.option("--recipient", type=IIN, required=True, help="The recipient's IIN.")
@marital_options
@click.option("--guarantor", type=IIN, multiple=True, help="A guarantor's IIN; repeatable.")
@click.option("--guarantor-bin", type=BIN, multiple=True, help="A legal-entity guarantor.")
@document_options(
    "contract", "lease-to-own contract, CMS-signed by recipient, guarantors, KTK last"
)
@document_options("consent", "recipient's personal-data consent")
@_representation_option
def lease_application(**v: Any) -> Action:
    """KTK forms the application to register the lease encumbrance (paras 19–20): by a KTK
    authorised person, signed also by the recipient (the spouse signs nothing). It is FORMED;
    after the videoconference and the payment it is sent with `send` (para 22)."""
    married, spouse = check_marital(v["marital_status"], v["spouse"])
    guarantors = [builders.GuarantorIdentity(iin) for iin in v["guarantor"]]
    guarantors += [builders.GuarantorIdentity(bin_, True) for bin_ in v["guarantor_bin"]]
    return builders.lease_application(
        cadastral_number=v["cadastral_number"],
        recipient_iin=v["recipient"],
        married=married,
        spouse_iin=spouse,
        guarantors=guarantors,
        contract=read_document(v["contract"], v["contract_cms"], v["contract_title"]),
        personal_data_consent=read_document(v["consent"], v["consent_cms"], v["consent_title"]),
        representations=_representations(v),
    )


def _representation(text: str, *, legal: bool = False) -> pb.Representation:
    option = "--legal-representation" if legal else "--representation"
    principal, _, rest = text.partition(":")
    agent, _, path = rest.partition(":")
    if not (principal and agent and path):
        bad_input(f"{option} {text!r} is not PRINCIPAL_IIN:REPRESENTATIVE_IIN:FILE")
    try:
        principal, agent = parse_iin(principal), parse_iin(agent)
    except InvalidIdentifier as error:
        bad_input(f"{option} {text!r}: {error}")
    document = Path(path)
    if not document.is_file():
        bad_input(f"{option} {text!r}: no file {path}")
    title = "Legal representative's standing" if legal else "Power of attorney"
    return builders.representation(
        principal, agent, read_document(document, None, title), legal=legal
    )


@transaction_kind("send")
@click.argument("application_id")
@payment_options(required=True)
def send(**v: Any) -> Action:
    """Send a FORMED application after the fee is paid, the payment document attached (paras 22,
    31); signed by a KTK authorised person and the recipient (for the pair: termination by KTK,
    ownership by the recipient). Starts the para 38 deadline."""
    payment = read_payment(
        v["payment"], v["payment_amount_tiyn"], v["payment_reference"], v["payer"], v["paid_at"]
    )
    if payment is None:
        raise RuntimeError("click let a required --payment through")
    return builders.application_sending(v["application_id"], payment)


_unix_ms = time_unix_ms


def _participant(text: str) -> pb.VideoconferenceParticipant:
    participant = builders.parse_participant(text)
    try:
        parse_iin(participant.iin)
    except InvalidIdentifier as error:
        bad_input(f"--participant {text!r}: {error}")
    return participant


def _civil_status(text: str) -> tuple[bool, str]:
    if text == "not-married":
        return False, ""
    prefix, _, spouse = text.partition(":")
    if prefix != "married" or not spouse:
        bad_input(f"--civil-status {text!r} is not 'not-married' or 'married:SPOUSE_IIN'")
    try:
        return True, parse_iin(spouse)
    except InvalidIdentifier as error:
        bad_input(f"--civil-status: {error}")


def _videoconference_options(function: _F) -> _F:
    for option in reversed(
        (
            click.option("--participant", multiple=True, metavar="IIN:ROLE"),
            click.option("--held-at", metavar="ISO-TIME", help="When it was held (default: now)."),
            click.option(
                "--signatures-authentic", is_flag=True, help="Confirmed on the videoconference."
            ),
            click.option("--legal-capacity-confirmed", is_flag=True),
            click.option("--will-conforms-to-expression", is_flag=True),
        )
    ):
        function = option(function)
    return function


def _held(v: dict[str, Any]) -> pb.Videoconference:
    return builders.videoconference(
        held_at_unix_ms=_unix_ms(v["held_at"]),
        participants=[_participant(text) for text in v["participant"]],
        signatures_authentic=v["signatures_authentic"],
        legal_capacity_confirmed=v["legal_capacity_confirmed"],
        will_conforms_to_expression=v["will_conforms_to_expression"],
    )


@transaction_kind("videoconference")
@click.argument("application_id")
@_videoconference_options
def videoconference(**v: Any) -> Action:
    """The registrar records the videoconference (paras 21, 30): from the application's forming
    on, before the payment and the sending as the text orders it. ROLE: ktk-representative,
    recipient, spouse, guarantor."""
    if not v["participant"]:
        bad_input("give --participant IIN:ROLE (repeatable)")
    return builders.videoconference_attestation(v["application_id"], _held(v))


@transaction_kind("attestation")
@click.argument("application_id")
@click.option("--check", multiple=True, metavar="KIND:SOURCE:passed|failed[:DETAIL]")
@click.option("--all-checks-passed", is_flag=True, help="Every check of paras 23–24, passed.")
@click.option("--civil-status", required=True, metavar="not-married|married:SPOUSE_IIN")
@_videoconference_options
def attestation(**v: Any) -> Action:
    """The registrar's checks once the application has arrived (paras 23–24, 32–33), with the
    videoconference (paras 21, 30) when --participant is given (otherwise the one recorded with
    `videoconference` stands). ROLE: ktk-representative, recipient, spouse, guarantor. KIND:
    fee-paid, spouses-participate, signatures-and-identifiers, no-precluding-encumbrance,
    not-on-terrorism-financing-list. SOURCE: individuals-database, legal-entities-database,
    civil-status-registry, real-estate-cadastre, terrorism-financing-list, payment-system."""
    now_ms = _unix_ms(None)
    checks = [builders.parse_check(text, queried_at_unix_ms=now_ms) for text in v["check"]]
    if v["all_checks_passed"]:
        checks += builders.passed_checks(queried_at_unix_ms=now_ms)
    if not checks:
        bad_input("give --check (repeatable) or --all-checks-passed")
    married, spouse = _civil_status(v["civil_status"])
    return builders.registrar_attestation(
        application_id=v["application_id"],
        held=_held(v) if v["participant"] else None,
        checks=checks,
        recipient_married=married,
        recipient_spouse_iin=spouse,
    )


@transaction_kind("decision")
@click.argument("decision", type=click.Choice(["register", "suspend", "resume", "refuse"]))
@click.argument("application_id")
@click.option("--reason", default="", help="Required to suspend or refuse.")
@click.option("--article", type=int, help="Default: 27 to suspend, 31 to refuse.")
@click.option("--law", default=builders.LAW_ON_STATE_REGISTRATION, show_default=True)
@click.option("--paragraph", default="")
@click.option("--subparagraph", default="")
def decision(**v: Any) -> Action:
    """A registrar's decision (paras 25–27, 34–36): register; suspend on Art. 27; resume;
    refuse on Art. 31 (the ledger records the ground and reason, it does not judge them)."""
    return builders.registrar_decision(
        application_id=v["application_id"],
        decision=v["decision"],
        reason=v["reason"],
        article=v["article"],
        law=v["law"],
        paragraph=v["paragraph"],
        subparagraph=v["subparagraph"],
    )


@transaction_kind("termination-ownership")
@click.option("--lease-application", required=True, help="The registered lease application id.")
@document_options("ktk-letter", "KTK letter that the price is paid (para 29)")
@document_options("transfer-agreement", "agreement on transfer into ownership")
@click.option("--new-holder", type=IIN, required=True, help="The lessee's IIN.")
@document_options("consent", "recipient's personal-data consent")
@marital_options
@_representation_option
def termination_ownership(**v: Any) -> Action:
    """The linked pair of para 29: terminate the lease, ownership to the lessee; initiated by a
    KTK authorised person alone (para 29). It is FORMED; after the videoconference (para 30) it
    is sent with `send`, signed by KTK and the recipient (para 31)."""
    married, spouse = check_marital(v["marital_status"], v["spouse"])
    return builders.termination_ownership_application(
        lease_application_id=v["lease_application"],
        ktk_letter=read_document(v["ktk_letter"], v["ktk_letter_cms"], v["ktk_letter_title"]),
        transfer_agreement=read_document(
            v["transfer_agreement"], v["transfer_agreement_cms"], v["transfer_agreement_title"]
        ),
        new_holder_iin=v["new_holder"],
        personal_data_consent=read_document(v["consent"], v["consent_cms"], v["consent_title"]),
        married=married,
        spouse_iin=spouse,
        representations=_representations(v),
    )


@transaction_kind("revocation-list-update")
@click.option("--crl", type=EXISTING_FILE, help="CRL file, PEM or DER.")
@click.option(
    "--ocsp", type=EXISTING_FILE, multiple=True, help="OCSP response (DER, RFC 6960); repeatable."
)
def revocation_list_update(crl: Path | None, ocsp: tuple[Path, ...]) -> Action:
    """A CA's revocation list and/or OCSP responses into consensus state; by a registrar."""
    return builders.revocation_list_update(
        crl.read_bytes() if crl else b"", tuple(path.read_bytes() for path in ocsp)
    )


# -- the two groups -----------------------------------------------------------------------------

_BODY_OPTIONS = ("chain_id", "expires_in", "expiry_height", "signers")


def _body_params() -> list[click.Parameter]:
    def collect(function: Callable[..., Any]) -> list[click.Parameter]:
        return list(reversed(getattr(function, "__click_params__", [])))

    @click.option("--chain-id", help="Default: the node's (GetChainInfo).")
    @click.option("--expires-in", type=click.IntRange(min=1), default=1000, show_default=True)
    @click.option("--expiry-height", type=click.IntRange(min=1), help="Instead of --expires-in.")
    @sign_option
    @json_option
    def holder() -> None: ...

    return collect(holder)


def _body(state: CliState, action: Action, options: dict[str, Any]) -> pb.TransactionBody:
    chain_id, expiry_height = options["chain_id"], options["expiry_height"]
    if chain_id is None or expiry_height is None:
        info = state.client().chain_info()
        chain_id = chain_id or info.chain_id
        expiry_height = expiry_height or info.height + options["expires_in"]
    return builders.transaction_body(action, chain_id=chain_id, expiry_height=expiry_height)


def report_submission(state: CliState, response: api.SubmitTransactionResponse) -> None:
    state.emit(message_dict(response), describe_submission(response))
    if response.status == api.REJECTED:
        raise click.exceptions.Exit(EXIT_REFUSED)


def _command(kind: TransactionKind, submit: bool) -> click.Command:
    def callback(**values: Any) -> None:
        state = current_state()
        options = {name: values.pop(name) for name in _BODY_OPTIONS}
        output, wait = values.pop("output", None), values.pop("wait", False)
        body = _body(state, kind.build(**values), options)
        signers = [parse_signer(text) for text in options["signers"]]
        if submit and not signers:
            own = state.connection_signer()
            signers = [own] if own is not None else []
        envelope = sign_body(body, signers)
        if submit:
            report_submission(state, state.client().submit(envelope, wait_for_commit=wait))
            return
        write_envelope(output, envelope)
        identifier = transaction_id(envelope)
        state.emit(
            {
                "transaction_id": identifier,
                "file": str(output),
                "kind": kind.name,
                "signatures": len(envelope.signatures),
            },
            f"Wrote {kind.name} transaction {identifier} to {output} "
            f"({len(envelope.signatures)} signature(s)); others sign it with `tirkeu tx sign`.",
        )

    extra: list[click.Parameter] = (
        [click.Option(["--wait/--no-wait"], default=False, help="Wait until committed.")]
        if submit
        else [
            click.Option(
                ["-o", "--output"],
                type=click.Path(dir_okay=False, path_type=Path),
                required=True,
                help="Envelope file to write.",
            )
        ]
    )
    return click.Command(
        kind.name,
        params=[*kind.params, *_body_params(), *extra],
        callback=callback,
        help=kind.help,
        epilog=SUBMIT_EXIT_CODES if submit else None,
    )


def add_kind_commands(group: click.Group, *, submit: bool) -> None:
    for kind in KINDS:
        group.add_command(_command(kind, submit))
