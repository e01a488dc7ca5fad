"""The auditor's trust anchor: the genesis file, and nothing the audited node says.

From the genesis file alone come the chain id, the validators with their certificates (whose
keys must sign every commit certificate; genesis validators for now, DESIGN.md §4), the trusted
CAs, and the genesis state that replay starts from. The node derives its own setup with the same
functions (``node.chain.open.chain_setup`` is ``trust_anchor``): what a node starts from is exactly
what an auditor trusts.
"""

from __future__ import annotations

from dataclasses import dataclass

from consensus.types import ValidatorId
from consensus.validators import Validator, ValidatorSet
from ledger.chain.blocks import CertifyingValidators, apply_state_writes
from ledger.chain.genesis import Genesis, genesis_records, load_genesis
from ledger.hashing import sha256
from ledger.merkle.smt import EMPTY_ROOT, MemorySmtStore
from ledger.state.records import unix_ms


@dataclass(frozen=True, slots=True)
class TrustAnchor:
    genesis: Genesis
    genesis_sha256: bytes  # of the file's bytes, as the node records it in its metadata
    validators: CertifyingValidators

    @property
    def chain_id(self) -> str:
        return self.genesis.chain_id

    @property
    def validator_set_hash(self) -> bytes:
        return self.validators.set_hash()

    @property
    def genesis_time_unix_ms(self) -> int:
        return unix_ms(self.genesis.genesis_time)


def trust_anchor(genesis_bytes: bytes) -> TrustAnchor:
    """Raises ledger.chain.genesis.InvalidGenesis, naming the field, for a bad genesis file."""
    genesis = load_genesis(genesis_bytes)
    validator_set = ValidatorSet(
        tuple(Validator(ValidatorId(v.validator_id), v.power) for v in genesis.validators)
    )
    certificates = {ValidatorId(v.validator_id): v.certificate for v in genesis.validators}
    return TrustAnchor(
        genesis=genesis,
        genesis_sha256=sha256(genesis_bytes),
        validators=CertifyingValidators(validator_set, certificates),
    )


@dataclass(frozen=True, slots=True)
class GenesisState:
    records: dict[bytes, bytes]
    state_root: bytes
    tree: MemorySmtStore


def genesis_state(anchor: TrustAnchor) -> GenesisState:
    """The state before block 1 and its root, computed from the genesis file."""
    records = genesis_records(anchor.genesis)
    tree = MemorySmtStore()
    update = apply_state_writes(tree, EMPTY_ROOT, dict(records))
    tree.put_nodes(update.new_nodes)
    return GenesisState(records, update.root, tree)
