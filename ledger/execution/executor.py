"""Executing a block's transactions against the registry state: the ledger's one entry point.

The node drives it (DESIGN.md §4-5):

    executor = BlockExecutor(state, BlockContext.from_genesis(genesis, height, block_time))
    for envelope in block.transactions:
        outcome = executor.try_apply(envelope)        # AppliedTransaction | Rejection
    execution = executor.finish()                     # writes, notifications, transaction ids
    store.commit(execution.writes, ...)               # one atomic batch

Each transaction runs in its own nested overlay: a rejected transaction leaves nothing behind.
The mempool uses `check_transaction` (the same rules, nothing kept). Deterministic: no clock (the
block time is in the context), no randomness, and state is read and written in defined order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ledger.governance.rules import apply_rules_upgrade
from ledger.governance.validator_changes import apply_validator_set_change
from ledger.identity.revocation import TrustStore
from ledger.registry.attestation import (
    apply_registrar_attestation,
    apply_videoconference_attestation,
)
from ledger.registry.common import RuleInput, RuleOutcome
from ledger.registry.decisions import apply_registrar_decision
from ledger.registry.lease import apply_lease_application
from ledger.registry.notifications import Notification
from ledger.registry.properties import apply_property_import
from ledger.registry.revocation import apply_revocation_list_update, load_trust_store
from ledger.registry.sending import apply_application_sending
from ledger.registry.termination import apply_termination_ownership_application
from ledger.rejections import Rejection, TransactionRejected
from ledger.state.access import (
    AUTHORITIES_KEY,
    StateOverlay,
    StateReader,
    read_authorities,
    write_committed_transaction,
)
from ledger.state.records import Authorities, CommittedTransaction, load_authorities
from ledger.transactions.context import BlockContext
from ledger.transactions.envelope import verify_transaction

_RULES: Mapping[str, Callable[[StateOverlay, RuleInput], RuleOutcome]] = {
    "property_import": apply_property_import,
    "lease_application": apply_lease_application,
    "application_sending": apply_application_sending,
    "videoconference_attestation": apply_videoconference_attestation,
    "registrar_attestation": apply_registrar_attestation,
    "registrar_decision": apply_registrar_decision,
    "termination_ownership_application": apply_termination_ownership_application,
    "revocation_list_update": apply_revocation_list_update,
    "validator_set_change": apply_validator_set_change,
    "rules_upgrade": apply_rules_upgrade,
}


@dataclass(frozen=True, slots=True)
class AppliedTransaction:
    transaction_id: str
    kind: str  # the body's action, e.g. "registrar_decision"
    application_id: str | None  # the application created or acted on, if any
    notifications: tuple[Notification, ...]


@dataclass(frozen=True, slots=True)
class BlockExecution:
    writes: Mapping[bytes, bytes | None]  # in key order; None deletes
    notifications: tuple[Notification, ...]  # in emission order
    transaction_ids: tuple[str, ...]  # applied transactions, in block order


class BlockExecutor:
    """Applies one block's transactions in order on top of `state`; `finish` yields the writes."""

    def __init__(self, state: StateReader, context: BlockContext) -> None:
        self._context = context
        self._overlay = StateOverlay(state)
        self._notifications: list[Notification] = []
        self._transaction_ids: list[str] = []
        self._authorities: Authorities = _authorities(state)
        self._trust: TrustStore | None = None  # built on first use, rebuilt after a CRL
        self._finished = False

    def try_apply(self, raw_envelope: bytes) -> AppliedTransaction | Rejection:
        if self._finished:
            raise RuntimeError("the block was already finished")
        trust = self._trust_store()
        transaction_state = self._overlay.child()
        try:
            transaction = verify_transaction(
                raw_envelope, transaction_state, self._context, trust, self._authorities
            )
            rule = _RULES[transaction.kind]
            outcome = rule(
                transaction_state,
                RuleInput(transaction, self._context, self._authorities, trust),
            )
        except TransactionRejected as rejected:
            return rejected.rejection
        write_committed_transaction(
            transaction_state,
            transaction.transaction_id,
            CommittedTransaction(self._context.height, transaction.kind),
        )
        self._overlay.absorb(transaction_state.writes())
        if outcome.revocations_changed:
            self._trust = None
        self._notifications.extend(outcome.notifications)
        self._transaction_ids.append(transaction.transaction_id)
        return AppliedTransaction(
            transaction.transaction_id,
            transaction.kind,
            outcome.application_id,
            outcome.notifications,
        )

    def finish(self) -> BlockExecution:
        self._finished = True
        return BlockExecution(
            writes=self._overlay.writes(),
            notifications=tuple(self._notifications),
            transaction_ids=tuple(self._transaction_ids),
        )

    def _trust_store(self) -> TrustStore:
        if self._trust is None:
            self._trust = load_trust_store(self._overlay, self._authorities)
        return self._trust


def _authorities(state: StateReader) -> Authorities:
    """read_authorities, with the decoding remembered under the record's exact bytes: mempool
    admission makes an executor for every submission, and the record changes only at genesis."""
    data = state.get(AUTHORITIES_KEY)
    if data is None:
        return read_authorities(state)  # raises MissingStateRecord, naming what is missing
    return _decode_authorities(data)


@functools.lru_cache(maxsize=8)
def _decode_authorities(data: bytes) -> Authorities:
    return load_authorities(data)  # a frozen record of tuples: safe to share


def check_transaction(
    state: StateReader, raw_envelope: bytes, context: BlockContext
) -> str | Rejection:
    """Mempool admission: the transaction id if it would apply on `state` in a block with this
    context, else the rejection. Nothing is kept. (Pending duplicates are the mempool's to
    catch: state only knows committed transaction ids.)"""
    outcome = BlockExecutor(state, context).try_apply(raw_envelope)
    if isinstance(outcome, Rejection):
        return outcome
    return outcome.transaction_id
