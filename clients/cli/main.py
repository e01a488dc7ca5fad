"""`tirkeu`: the client of a Tirkeu node for KTK and registrars.

    tirkeu --node 127.0.0.1:7050 --cert me.cert.pem --key me.key.pem --ca ca.pem chain-info
    tirkeu submit property-import --cadastral-number ... --wait
    tirkeu tx build lease-application ... -o tx.env   # then: tx sign, tx submit
    tirkeu property 21:318:023:1245:1/45

The connection options also come from TIRKEU_NODE, TIRKEU_CERT, TIRKEU_KEY and TIRKEU_CA. Every
command takes --json (one JSON document on stdout; JSON Lines for `notifications --follow`).
Exit codes: 0 ok; 1 rejected, refused or not found; 2 bad input; 3 the node could not be reached
(for a submission: after retrying the same envelope until the submit deadline); 4 submitted with
--wait and still pending at the deadline (clients/cli/transactions.py ``SUBMIT_EXIT_CODES``).
"""

from __future__ import annotations

from pathlib import Path

import click
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import transaction_pb2 as pb

from clients.cli.extract import extract
from clients.cli.output import (
    body_dict,
    describe_application,
    describe_application_row,
    describe_block,
    describe_chain_info,
    describe_envelope,
    describe_notification,
    describe_property,
    describe_transaction,
    message_dict,
)
from clients.cli.state import (
    EXISTING_FILE,
    IIN,
    CliState,
    current_state,
    json_option,
    parse_signer,
    sign_option,
)
from clients.cli.transactions import SUBMIT_EXIT_CODES, add_kind_commands, report_submission
from clients.client import (
    EXIT_BAD_INPUT,
    EXIT_REFUSED,
    ClientError,
    SigningIdentity,
    add_signature,
    decode_body,
    read_envelope,
    transaction_id,
    write_envelope,
)
from clients.transaction_builders import InvalidTransactionInput
from ledger.identity.certificates import MalformedCertificate, load_certificate
from ledger.identity.identifiers import InvalidIdentifier


class TirkeuGroup(click.Group):
    """Turns the client's named errors into a message and the documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ClientError as error:
            state = ctx.find_object(CliState)
            if state is None:
                raise
            state.fail(type(error).__name__, str(error), error.exit_code)
        except (InvalidTransactionInput, InvalidIdentifier) as error:
            state = ctx.find_object(CliState)
            if state is None:
                raise
            state.fail("bad input", str(error), EXIT_BAD_INPUT)


@click.group(cls=TirkeuGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--node", envvar="TIRKEU_NODE", metavar="HOST:PORT", help="The node's client API.")
@click.option("--cert", envvar="TIRKEU_CERT", type=EXISTING_FILE, help="Your certificate (PEM).")
@click.option("--key", envvar="TIRKEU_KEY", type=EXISTING_FILE, help="Your private key (PEM).")
@click.option("--ca", envvar="TIRKEU_CA", type=EXISTING_FILE, help="CA certificates to trust.")
@click.option(
    "--sign-cert",
    envvar="TIRKEU_SIGN_CERT",
    type=EXISTING_FILE,
    help="Your signing certificate when not the TLS one (e.g. an NCA GOST key).",
)
@click.option("--sign-key", envvar="TIRKEU_SIGN_KEY", type=EXISTING_FILE, help="Its key (PEM).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def tirkeu(
    ctx: click.Context,
    *,
    node: str | None,
    cert: Path | None,
    key: Path | None,
    ca: Path | None,
    sign_cert: Path | None,
    sign_key: Path | None,
    timeout: float,
    json_output: bool,
) -> None:
    """Submit registration transactions to a Tirkeu node and read the registry."""
    state = CliState(
        node=node,
        cert=cert,
        key=key,
        ca=ca,
        timeout_seconds=timeout,
        sign_key=sign_key,
        sign_cert=sign_cert,
    )
    state.json = json_output
    ctx.obj = state
    ctx.call_on_close(state.close)


# -- queries ------------------------------------------------------------------------------------


@tirkeu.command("chain-info")
@json_option
def chain_info() -> None:
    """The chain id, height, latest block and state root."""
    state = current_state()
    info = state.client().chain_info()
    state.emit(message_dict(info), describe_chain_info(info))


@tirkeu.command("property")
@click.argument("cadastral_number")
@json_option
def show_property(cadastral_number: str) -> None:
    """A property: right holder, encumbrances and the numbered registration sheet."""
    state = current_state()
    view = state.client().property(cadastral_number)
    state.emit(message_dict(view), describe_property(view))


@tirkeu.command("application")
@click.argument("application_id")
@json_option
def show_application(application_id: str) -> None:
    """An application: parties, documents, fee, deadline, attestation and decisions."""
    state = current_state()
    view = state.client().application(application_id)
    state.emit(message_dict(view), describe_application(view))


@tirkeu.command("applications")
@click.option("--party-iin", type=IIN, default="", help="Recipient, spouse or guarantor.")
@click.option("--party-bin", default="", help="E.g. KTK's BIN.")
@click.option(
    "--status",
    type=click.Choice(["SUBMITTED", "SUSPENDED", "REGISTERED", "REFUSED"], case_sensitive=False),
)
@click.option("--overdue", is_flag=True, help="Only those past the para 38 deadline.")
@click.option("--as-of", default="", metavar="YYYY-MM-DD", help='"Today" for --overdue.')
@click.option("--limit", type=click.IntRange(min=0), default=0, help="0: the node's default.")
@json_option
def list_applications(
    *, party_iin: str, party_bin: str, status: str | None, overdue: bool, as_of: str, limit: int
) -> None:
    """Applications by party, status, or overdue (past the Algorithm para 38 deadline)."""
    state = current_state()
    views = state.client().applications(
        party_iin=party_iin,
        party_bin=party_bin,
        status=(status or "").upper(),
        overdue_only=overdue,
        as_of=as_of,
        limit=limit,
    )
    text = "\n".join(describe_application_row(view) for view in views) or "No applications."
    state.emit({"applications": [message_dict(view) for view in views]}, text)


@tirkeu.command("block")
@click.argument("height", type=click.IntRange(min=0), default=0)
@json_option
def show_block(height: int) -> None:
    """A block and the certificate that commits it (HEIGHT 0 or none: the latest)."""
    state = current_state()
    response = state.client().block(height)
    state.emit(message_dict(response), describe_block(response))


@tirkeu.command("notifications")
@click.option("--from-height", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--follow", is_flag=True, help="Keep printing new notifications as blocks commit.")
@click.option("--limit", type=click.IntRange(min=0), default=0, help="Stop after N (0: no limit).")
@click.option(
    "--idle-seconds",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    help="Without --follow: stop when the stream is quiet this long.",
)
@json_option
def notifications(from_height: int, follow: bool, limit: int, idle_seconds: float) -> None:
    """The notifications of Algorithm paras 28 and 37 (e-gov cabinet, platform, First Credit
    Bureau). With --follow and --json, one JSON document per line."""
    state = current_state()
    client = state.client()
    if not follow:
        found = client.recent_notifications(from_height, idle_seconds=idle_seconds, limit=limit)
        text = "\n".join(describe_notification(item) for item in found) or "No notifications."
        state.emit({"notifications": [message_dict(item) for item in found]}, text)
        return
    stream = client.notifications(from_height)
    try:
        for count, item in enumerate(stream, start=1):
            state.emit_line(message_dict(item), describe_notification(item))
            if limit and count >= limit:
                break
    finally:
        stream.cancel()


# -- transactions -------------------------------------------------------------------------------


@tirkeu.group("submit", cls=click.Group)
def submit() -> None:
    """Build, sign (--sign, default: your --key/--cert) and submit a transaction."""


@tirkeu.group("tx")
def tx() -> None:
    """Transactions: status, and the offline flow build → sign (each party) → submit."""


@tx.group("build")
def build() -> None:
    """Build a transaction into an envelope file (-o) for the parties to sign."""


add_kind_commands(submit, submit=True)
add_kind_commands(build, submit=False)
tirkeu.add_command(extract)  # clients/cli/extract.py: `tirkeu extract CADASTRAL -o extract.json`


@tx.command("status")
@click.argument("transaction_id")
@json_option
def tx_status(transaction_id: str) -> None:
    """Pending, committed at a height, rejected with its reason, or unknown."""
    state = current_state()
    view = state.client().transaction(transaction_id)
    document = message_dict(view)
    document.pop("envelope", None)
    state.emit(document, describe_transaction(view))
    if view.status in (api.UNKNOWN, api.REJECTED):
        raise click.exceptions.Exit(EXIT_REFUSED)


def _signer_names(envelope: pb.Envelope) -> list[str]:
    """Who signed, as a person reads it: "Name (IIN ..., BIN ...)"."""
    names = []
    for signature in envelope.signatures:
        try:
            info = load_certificate(signature.certificate)
        except (MalformedCertificate, InvalidIdentifier) as error:
            names.append(f"(unreadable certificate: {error})")
            continue
        identifiers = [f"IIN {info.iin}"] if info.iin else []
        identifiers += [f"BIN {info.bin}"] if info.bin else []
        names.append(f"{info.subject_common_name} ({', '.join(identifiers) or info.kind.value})")
    return names


def _describe_file(envelope: pb.Envelope) -> tuple[dict[str, object], str]:
    body = decode_body(envelope)
    signers = _signer_names(envelope)
    identifier = transaction_id(envelope)
    document: dict[str, object] = {
        "transaction_id": identifier,
        "body": body_dict(body),
        "signers": signers,
    }
    return document, describe_envelope(envelope, body, signers, identifier)


@tx.command("show")
@click.argument("envelope_file", type=EXISTING_FILE)
@json_option
def tx_show(envelope_file: Path) -> None:
    """What an envelope file says and who signed it: read it before you sign it."""
    document, text = _describe_file(read_envelope(envelope_file))
    current_state().emit(document, text)


@tx.command("sign")
@click.argument("envelope_file", type=EXISTING_FILE)
@click.option("--key", type=EXISTING_FILE, help="Default: tirkeu --key.")
@click.option("--cert", type=EXISTING_FILE, help="Default: tirkeu --cert.")
@sign_option
@json_option
def tx_sign(
    envelope_file: Path, key: Path | None, cert: Path | None, signers: tuple[str, ...]
) -> None:
    """Add your signature to an envelope file (the body is not changed)."""
    state = current_state()
    identities: list[SigningIdentity] = [parse_signer(text) for text in signers]
    if key is not None or cert is not None or not identities:
        default_key, default_cert = state.own_signing_files()
        own_key, own_cert = key or default_key, cert or default_cert
        if own_key is None or own_cert is None:
            state.fail("bad input", "tx sign needs --key and --cert (or --sign)", EXIT_BAD_INPUT)
        identities.insert(0, SigningIdentity.from_files(own_key, own_cert))
    envelope = read_envelope(envelope_file)
    for identity in identities:
        envelope = add_signature(envelope, identity)
    write_envelope(envelope_file, envelope)
    document, text = _describe_file(envelope)
    state.emit(document, text)


@tx.command("submit", epilog=SUBMIT_EXIT_CODES)
@click.argument("envelope_file", type=EXISTING_FILE)
@click.option("--wait/--no-wait", default=False, help="Wait until committed or rejected.")
@json_option
def tx_submit(envelope_file: Path, wait: bool) -> None:
    """Submit an envelope file as it is."""
    state = current_state()
    envelope = read_envelope(envelope_file)
    report_submission(state, state.client().submit(envelope, wait_for_commit=wait))


def main() -> None:
    tirkeu(prog_name="tirkeu")
