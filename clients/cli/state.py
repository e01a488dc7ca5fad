"""What every `tirkeu` command shares: the connection options, the JSON switch, error reporting
with the exit codes of clients/errors.py, and parameter types for identifiers and
signers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

import click
from tirkeu_pb import transaction_pb2 as pb

from clients import transaction_builders as builders
from clients.client import (
    EXIT_BAD_INPUT,
    ConnectionSettings,
    LedgerClient,
    SigningIdentity,
)
from ledger.identity.identifiers import InvalidIdentifier, parse_bin, parse_iin

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(slots=True)
class CliState:
    node: str | None
    cert: Path | None
    key: Path | None
    ca: Path | None
    timeout_seconds: float
    json: bool = False
    # The signing key and certificate when they are not the TLS ones: the NCA's GOST signing
    # keys cannot do TLS, whose stack does not speak GOST (docs/national-pki.md).
    sign_key: Path | None = None
    sign_cert: Path | None = None
    _client: LedgerClient | None = field(default=None, repr=False)

    def client(self) -> LedgerClient:
        """The connection, opened on first use: queries need it, `tx build` may not."""
        if self._client is None:
            if self.node is None or self.cert is None or self.key is None or self.ca is None:
                options = {"node": self.node, "cert": self.cert, "key": self.key, "ca": self.ca}
                missing = [
                    f"--{name} (or TIRKEU_{name.upper()})"
                    for name, value in options.items()
                    if value is None
                ]
                raise click.UsageError(f"connecting to a node needs {', '.join(missing)}")
            settings = ConnectionSettings.from_files(
                self.node, cert=self.cert, key=self.key, ca=self.ca
            )
            self._client = LedgerClient.connect(settings, timeout_seconds=self.timeout_seconds)
        return self._client

    def connection_signer(self) -> SigningIdentity | None:
        """The caller's own key and certificate, the default signer of what they submit: the
        signing pair (--sign-key/--sign-cert) when given, else the TLS one."""
        key, cert = self.own_signing_files()
        if key is None or cert is None:
            return None
        return SigningIdentity.from_files(key, cert)

    def own_signing_files(self) -> tuple[Path | None, Path | None]:
        if self.sign_key is not None or self.sign_cert is not None:
            return self.sign_key, self.sign_cert
        return self.key, self.cert

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def emit(self, document: object, text: str) -> None:
        """One JSON document on stdout with --json, the text otherwise."""
        if self.json:
            click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            click.echo(text)

    def emit_line(self, document: object, text: str) -> None:
        """One line per item (JSON Lines with --json), for streams."""
        click.echo(json.dumps(document, ensure_ascii=False) if self.json else text)
        sys.stdout.flush()

    def fail(self, kind: str, message: str, exit_code: int) -> NoReturn:
        """Report an error (also as JSON on stdout with --json) and exit with `exit_code`."""
        if self.json:
            click.echo(json.dumps({"error": kind, "message": message}, ensure_ascii=False))
        click.echo(f"tirkeu: {kind}: {message}", err=True)
        raise click.exceptions.Exit(exit_code)


def current_state() -> CliState:
    state = click.get_current_context().find_object(CliState)
    if state is None:
        raise RuntimeError("a tirkeu command ran outside the tirkeu group")
    return state


class JsonSwitch(Protocol):
    """A CLI group's context object with its JSON switch (CliState; tirkeu-cluster's Output)."""

    json: bool


def json_option_for(holder: type[JsonSwitch]) -> Callable[[_F], _F]:
    """`--json` on a subcommand, the same as `--json` on its group: it turns on the switch of
    the group's ``holder`` object."""

    def turn_on(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        found = ctx.find_object(holder)
        if value and found is not None:
            found.json = True

    def decorate(function: _F) -> _F:
        return click.option(
            "--json",
            "json_output",
            is_flag=True,
            expose_value=False,
            callback=turn_on,
            help="Print one JSON document on stdout.",
        )(function)

    return decorate


json_option = json_option_for(CliState)  # `tirkeu SUBCOMMAND --json`


def bad_input(message: str) -> NoReturn:
    current_state().fail("bad input", message, EXIT_BAD_INPUT)


# -- parameter types ----------------------------------------------------------------------------


class IinType(click.ParamType[str]):
    """An IIN with a valid check digit (Algorithm para 2(7)), refused here before signing."""

    name = "IIN"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_iin(str(value))
        except InvalidIdentifier as error:
            self.fail(str(error), param, ctx)


class BinType(click.ParamType[str]):
    """A BIN with a valid check digit (Algorithm para 2(4))."""

    name = "BIN"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_bin(str(value))
        except InvalidIdentifier as error:
            self.fail(str(error), param, ctx)


IIN = IinType()
BIN = BinType()
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def parse_signer(text: str) -> SigningIdentity:
    """ "KEY.pem:CERT.pem" (split at the first colon)."""
    key, separator, certificate = text.partition(":")
    if not separator or not key or not certificate:
        bad_input(f"--sign {text!r} is not KEY.pem:CERT.pem")
    return SigningIdentity.from_files(Path(key), Path(certificate))


sign_option = click.option(
    "--sign",
    "signers",
    multiple=True,
    metavar="KEY.pem:CERT.pem",
    help="Sign with this key and certificate; repeat for each party.",
)


# -- shared option groups -----------------------------------------------------------------------


def document_options(flag: str, what: str) -> Callable[[_F], _F]:
    """--FLAG FILE, --FLAG-cms FILE (default FILE.cms, as `ezsigner sign -o`), --FLAG-title."""

    def decorate(function: _F) -> _F:
        function = click.option(f"--{flag}-title", help=f"Title of the {what}.")(function)
        function = click.option(
            f"--{flag}-cms",
            type=EXISTING_FILE,
            help=f"Detached CMS signature of the {what} (default: the file name + .cms).",
        )(function)
        return click.option(f"--{flag}", type=EXISTING_FILE, required=True, help=f"The {what}.")(
            function
        )

    return decorate


def read_document(path: Path, cms_path: Path | None, title: str | None) -> pb.SignedDocument:
    signature = cms_path or path.with_name(path.name + ".cms")
    if not signature.is_file():
        bad_input(
            f"no CMS signature for {path}: {signature} does not exist (sign it with ezsigner)"
        )
    return builders.signed_document(path.read_bytes(), signature.read_bytes(), title or path.name)


def payment_options(*, required: bool) -> Callable[[_F], _F]:
    def decorate(function: _F) -> _F:
        for option in reversed(
            (
                click.option(
                    "--payment", type=EXISTING_FILE, required=required, help="Payment document."
                ),
                click.option("--payment-amount-tiyn", type=click.IntRange(min=1), help="Fee."),
                click.option("--payment-reference", help="Receipt number in the payment system."),
                click.option("--payer", type=IIN, help="IIN of the payer."),
                click.option(
                    "--paid-at",
                    metavar="ISO-TIME",
                    help="When the fee was paid (default: now); not after the sending (para 22).",
                ),
            )
        ):
            function = option(function)
        return function

    return decorate


def read_payment(
    path: Path | None,
    amount_tiyn: int | None,
    reference: str | None,
    payer: str | None,
    paid_at: str | None,
) -> pb.PaymentDocument | None:
    if path is None:
        if amount_tiyn is not None or reference or payer or paid_at:
            bad_input(
                "--payment-amount-tiyn, --payment-reference, --payer and --paid-at need --payment"
            )
        return None
    if amount_tiyn is None or not reference or payer is None:
        bad_input("--payment needs --payment-amount-tiyn, --payment-reference and --payer")
    return builders.payment_document(
        path.read_bytes(),
        amount_tiyn=amount_tiyn,
        payment_reference=reference,
        payer_iin=payer,
        paid_at_unix_ms=time_unix_ms(paid_at),
    )


def time_unix_ms(text: str | None) -> int:
    """An ISO date and time with a zone, as unix milliseconds; None = now."""
    if text is None:
        return int(datetime.now(UTC).timestamp() * 1000)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        bad_input(f"{text!r} is not an ISO date and time")
    if moment.tzinfo is None:
        bad_input(f"{text!r} has no time zone (add +05:00 or Z)")
    return int(moment.timestamp() * 1000)


def marital_options(function: _F) -> _F:
    function = click.option("--spouse", type=IIN, help="The spouse's IIN, when married.")(function)
    return click.option(
        "--marital-status",
        type=click.Choice(["married", "not-married"]),
        required=True,
        help="The recipient's marital status (the spouse takes part in the videoconference "
        "when married, para 23(b)).",
    )(function)


def check_marital(marital_status: str, spouse: str | None) -> tuple[bool, str]:
    married = marital_status == "married"
    if married and not spouse:
        bad_input("--marital-status married needs --spouse IIN")
    if not married and spouse:
        bad_input("--spouse is given but --marital-status is not-married")
    return married, spouse or ""
