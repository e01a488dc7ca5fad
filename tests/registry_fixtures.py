"""Signed envelopes, CMS documents, a test genesis and an in-memory ledger, for tests of any layer.

    parties = Parties.create()
    ledger = InMemoryLedger(make_genesis(parties))
    builder = EnvelopeBuilder(ledger.genesis.chain_id)
    envelope = builder.envelope(property_import_action(), parties.registrar)
    outcome = ledger.apply(envelope)        # AppliedTransaction | Rejection

Everything is deterministic: nonces come from a counter, times are passed in, and keys come
from the test CA (tests/pki_fixtures.py). Envelopes are built with the same code as the `tirkeu`
client (clients/envelopes.py, clients/transaction_builders.py); documents are signed with
ledger/documents/cms.py, as `ezsigner` signs them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tirkeu_pb import transaction_pb2 as pb

from clients.envelopes import SigningIdentity, sign_body
from clients.pki.authority import IssuedCertificate
from clients.transaction_builders import Action, transaction_body
from ledger.chain.genesis import (
    DEFAULT_MAX_EXPIRY_BLOCKS,
    DEFAULT_MAX_TRANSACTION_BYTES,
    Genesis,
    genesis_document,
    genesis_records,
    load_genesis,
)
from ledger.documents.cms import add_signer, sign_cms
from ledger.execution.executor import AppliedTransaction, BlockExecutor, check_transaction
from ledger.hashing import sha256, sha256_hex
from ledger.identity.algorithms import GOST_KEY_OIDS
from ledger.identity.identifiers import Bin, complete_with_check_digit
from ledger.registry.notifications import Notification
from ledger.rejections import Rejection
from ledger.state.access import MappingState, read_application, read_property
from ledger.state.records import Application, Property, unix_ms
from ledger.transactions.context import BlockContext
from tests.pki_fixtures import (
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_HEAD_IIN,
    RECIPIENT_IIN,
    REGISTRAR_IIN,
    SPOUSE_IIN,
    STATE_CORPORATION_BIN,
    TestAuthority,
)

TEST_CHAIN_ID = "tirkeu-test"
GENESIS_TIME = datetime.fromisoformat("2026-05-01T00:00:00+00:00")
FIRST_BLOCK_TIME = datetime.fromisoformat("2026-05-04T04:00:00+00:00")  # Monday 09:00 UTC+5
BLOCK_INTERVAL = timedelta(minutes=1)
DEFAULT_EXPIRY_HEIGHT = 10_000


def _valid(first_eleven: str) -> str:
    number = complete_with_check_digit(first_eleven)
    if number is None:
        raise ValueError(f"{first_eleven} has no valid check digit")
    return number


FIRST_CREDIT_BUREAU_BIN = Bin(_valid("04084000007"))
AUDITOR_IIN = _valid("75010250068")
SECOND_REGISTRAR_IIN = _valid("91040460079")


@dataclass(frozen=True, slots=True)
class DocumentSignature:
    """One CMS signature to put on a document: who, and the signing time they claim."""

    signer: IssuedCertificate
    signing_time: datetime


def identity(issued: IssuedCertificate) -> SigningIdentity:
    return SigningIdentity(issued.key, issued.der)


def cms_signed(
    content: bytes,
    signatures: Sequence[DocumentSignature],
    *,
    chain: Sequence[IssuedCertificate] = (),
) -> bytes:
    """A detached CMS SignedData over `content`, signers added in the given order."""
    if not signatures:
        raise ValueError("a CMS needs at least one signer")
    intermediates = [c.certificate for c in chain]
    first, *rest = signatures
    cms = sign_cms(
        content,
        first.signer.key,
        first.signer.certificate,
        intermediates,
        signing_time=first.signing_time,
    )
    for signature in rest:
        cms = add_signer(
            cms,
            content,
            signature.signer.key,
            signature.signer.certificate,
            intermediates,
            signing_time=signature.signing_time,
        )
    return cms


def signed_document(
    content: bytes, signatures: Sequence[DocumentSignature], title: str = ""
) -> pb.SignedDocument:
    return pb.SignedDocument(
        sha256=sha256(content), cms=cms_signed(content, signatures), title=title
    )


# When the test fees are paid by default: before genesis, so before any sending (para 22).
PAID_AT = datetime.fromisoformat("2026-04-21T06:00:00+00:00")


def payment_document(
    payer_iin: str = RECIPIENT_IIN,
    amount_tiyn: int = 1_725_00,
    reference: str = "KZ-PAY-1",
    paid_at: datetime = PAID_AT,
) -> pb.PaymentDocument:
    return pb.PaymentDocument(
        sha256=sha256(f"receipt {reference}".encode()),
        amount_tiyn=amount_tiyn,
        payment_reference=reference,
        payer_iin=payer_iin,
        paid_at_unix_ms=unix_ms(paid_at),
    )


@dataclass
class EnvelopeBuilder:
    """Bodies for one chain, each with a fresh deterministic nonce, signed into envelope bytes."""

    chain_id: str = TEST_CHAIN_ID
    expiry_height: int = DEFAULT_EXPIRY_HEIGHT
    _counter: int = field(default=0, repr=False)

    def body(self, action: Action, *, expiry_height: int | None = None) -> pb.TransactionBody:
        self._counter += 1
        return transaction_body(
            action,
            chain_id=self.chain_id,
            expiry_height=self.expiry_height if expiry_height is None else expiry_height,
            nonce=sha256(f"nonce {self._counter}".encode())[:16],
        )

    def envelope(
        self,
        action: Action,
        *signers: IssuedCertificate,
        expiry_height: int | None = None,
    ) -> bytes:
        body = self.body(action, expiry_height=expiry_height)
        return sign_envelope(body.SerializeToString(deterministic=True), signers)


def sign_envelope(body: bytes, signers: Sequence[IssuedCertificate]) -> bytes:
    """Envelope bytes of exactly `body`, signed by each signer in turn."""
    envelope = sign_body(body, [identity(s) for s in signers])
    return envelope.SerializeToString(deterministic=True)


def envelope_transaction_id(envelope: bytes) -> str:
    return sha256_hex(pb.Envelope.FromString(envelope).body)


@dataclass(frozen=True)
class Parties:
    """The test CA and one certificate per party of the lease-to-own story."""

    authority: TestAuthority
    registrar: IssuedCertificate
    ktk_officer: IssuedCertificate
    recipient: IssuedCertificate
    ktk_head: IssuedCertificate  # KTK's head, who signs the contract (para 19)
    spouse: IssuedCertificate
    guarantor: IssuedCertificate
    validator: IssuedCertificate

    @property
    def tls_client(self) -> IssuedCertificate:
        """Who presents a TLS client certificate for the people: the registrar, unless the
        people hold GOST keys, which the TLS stack does not speak; then the validator's."""
        if self.registrar.info.key.algorithm in GOST_KEY_OIDS:
            return self.validator
        return self.registrar

    @classmethod
    def create(cls, authority: TestAuthority | None = None) -> Parties:
        authority = authority or TestAuthority()
        return cls(
            authority=authority,
            registrar=authority.issue_registrar(),
            ktk_officer=authority.issue_ktk_officer(),
            ktk_head=authority.issue_ktk_officer("KTK Head", KTK_HEAD_IIN),
            recipient=authority.issue_individual("Recipient", RECIPIENT_IIN),
            spouse=authority.issue_individual("Spouse", SPOUSE_IIN),
            guarantor=authority.issue_individual("Guarantor", GUARANTOR_IIN),
            validator=authority.issue_node("validator-1"),
        )


def make_genesis_document(
    parties: Parties,
    *,
    holidays: Sequence[date] = (),
    pilot_in_force_from: date | None = None,
    pilot_in_force_until: date | None = None,
    max_transaction_bytes: int = DEFAULT_MAX_TRANSACTION_BYTES,
    max_expiry_blocks: int = DEFAULT_MAX_EXPIRY_BLOCKS,
) -> dict[str, Any]:
    """The genesis JSON document for the test parties (one validator, two registrars)."""
    return genesis_document(
        chain_id=TEST_CHAIN_ID,
        genesis_time=GENESIS_TIME,
        trusted_certificate_authorities_pem=[parties.authority.chain_pem.decode()],
        ktk_bin=KTK_BIN,
        state_corporation_bin=STATE_CORPORATION_BIN,
        first_credit_bureau_bin=FIRST_CREDIT_BUREAU_BIN,
        registrar_iins=[REGISTRAR_IIN, SECOND_REGISTRAR_IIN],
        ktk_head_iins=[KTK_HEAD_IIN],
        auditor_iins=[AUDITOR_IIN],
        validators=[("validator-1", parties.validator.pem.decode(), 1)],
        holidays=holidays,
        pilot_in_force_from=pilot_in_force_from,
        pilot_in_force_until=pilot_in_force_until,
        max_transaction_bytes=max_transaction_bytes,
        max_expiry_blocks=max_expiry_blocks,
    )


def make_genesis(
    parties: Parties,
    *,
    holidays: Sequence[date] = (),
    pilot_in_force_from: date | None = None,
    pilot_in_force_until: date | None = None,
    max_transaction_bytes: int = DEFAULT_MAX_TRANSACTION_BYTES,
    max_expiry_blocks: int = DEFAULT_MAX_EXPIRY_BLOCKS,
) -> Genesis:
    """A genesis for the test parties, through the JSON path every node uses."""
    document = make_genesis_document(
        parties,
        holidays=holidays,
        pilot_in_force_from=pilot_in_force_from,
        pilot_in_force_until=pilot_in_force_until,
        max_transaction_bytes=max_transaction_bytes,
        max_expiry_blocks=max_expiry_blocks,
    )
    return load_genesis(json.dumps(document).encode())


class InMemoryLedger:
    """Blocks executed one after another on an in-memory state, as a node would."""

    def __init__(self, genesis: Genesis, *, first_block_time: datetime = FIRST_BLOCK_TIME) -> None:
        self.genesis = genesis
        self.state = MappingState(genesis_records(genesis))
        self.height = 0
        self.next_time = first_block_time
        self.last_block_time: datetime | None = None  # of the latest block, once there is one
        self.notifications: list[Notification] = []

    def context(self, time: datetime | None = None) -> BlockContext:
        return BlockContext.from_genesis(self.genesis, self.height + 1, time or self.next_time)

    def apply_block(
        self, envelopes: Sequence[bytes], *, time: datetime | None = None
    ) -> list[AppliedTransaction | Rejection]:
        context = self.context(time)
        executor = BlockExecutor(self.state, context)
        outcomes = [executor.try_apply(envelope) for envelope in envelopes]
        execution = executor.finish()
        self.state.apply(execution.writes)
        self.notifications.extend(execution.notifications)
        self.height = context.height
        self.last_block_time = context.time
        self.next_time = context.time + BLOCK_INTERVAL
        return outcomes

    def apply(
        self, envelope: bytes, *, time: datetime | None = None
    ) -> AppliedTransaction | Rejection:
        (outcome,) = self.apply_block([envelope], time=time)
        return outcome

    def check(self, envelope: bytes) -> str | Rejection:
        return check_transaction(self.state, envelope, self.context())

    def property(self, cadastral_number: str) -> Property | None:
        return read_property(self.state, cadastral_number)

    def application(self, application_id: str) -> Application | None:
        return read_application(self.state, application_id)
