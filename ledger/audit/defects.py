"""What the auditor finds: named defects with their exact place, and the report that holds them.

A defect says WHAT is wrong (``DefectKind``, a stable name for scripts and the JSON report) and
WHERE: the height, the transaction (index in the block and id), the validator whose signature
fails, the state record key, and the field, with the expected and the found value where there
is one. The auditor never stops at the first defect (docs/adr/0003-audit-replay.md), so a report
holds every defect it could establish and says which checks it could not make.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class DefectKind(enum.Enum):
    # Blocks: presence, encoding, place, link to the previous block.
    BLOCK_MISSING = "no block is stored at this height"
    BLOCK_MALFORMED = "the stored bytes are not a canonical block"
    BLOCK_MISPLACED = "the block stored at this height is the block of another height"
    BLOCK_BEYOND_TIP = "a block is stored above the recorded tip"
    BLOCK_NOT_CERTIFIED = "the header's hash is not the hash the commit certificates sign"
    WRONG_CHAIN_ID = "the header names another chain"
    WRONG_PREVIOUS_HASH = "the header does not link to the certified previous block"
    TIME_NOT_INCREASING = "the block time is not later than the previous block's"
    WRONG_VALIDATOR_SET = "the header names another validator set than the one in force"
    UNKNOWN_PROPOSER = "the header's proposer is not a validator"
    WRONG_RULES_VERSION = "the header names another rules version than the one in force"
    RULES_VERSION_UNKNOWN = "the block's rules version is not one this auditor can execute"
    # Block contents against the (certified) header.
    WRONG_TRANSACTIONS_ROOT = "the transactions do not give the header's transactions root"
    WRONG_TRANSACTION_COUNT = "the header's transaction count is not the block's"
    TRANSACTION_NOT_CERTIFIED = "a transaction in the stored block is not in the certified block"
    WRONG_LAST_COMMIT = "the carried last commit does not match the header"
    WRONG_EVIDENCE_HASH = "the evidence does not give the header's evidence hash"
    # Block contents against the chain's limits (ledger/chain/block_checks.py, ``body_problems``):
    # a block the node would refuse, even when the validators certified it.
    TOO_MANY_TRANSACTIONS = "the block carries more transactions than genesis allows per block"
    TOO_MANY_BYTES = "the encoded block is larger than genesis allows per block"
    TOO_MUCH_EVIDENCE = "the block carries more evidence items than a block may"
    DUPLICATE_EVIDENCE = "the block carries one evidence item twice"
    # Commit certificates.
    COMMIT_MISSING = "no commit certificate is stored for this height"
    COMMIT_MALFORMED = "the stored commit certificate is not a canonical CommitCertificate"
    COMMIT_INVALID = "the commit certificate does not certify a block at this height"
    COMMIT_SIGNATURE_INVALID = "a precommit signature in a commit certificate does not verify"
    CONFLICTING_COMMITS = "two valid commit certificates sign different blocks at one height"
    # Validator-set changes (ADR 0011), followed from genesis like a light client.
    VALIDATOR_CHANGE_UNAPPROVED = (
        "a validator-set change in a certified block is not approved by more than 2/3 of the "
        "set in force"
    )
    # Replay of the registry rules.
    TRANSACTION_REJECTED = "a transaction of the block does not apply when replayed"
    STATE_ROOT_MISMATCH = "replaying the block gives another state root than the header's"
    # The node's stored state and indexes (offline only).
    STATE_RECORD_CHANGED = "a stored state record differs from the replayed one"
    STATE_RECORD_MISSING = "a replayed state record is not stored"
    STATE_RECORD_UNEXPECTED = "a stored state record is not in the replayed state"
    STATE_TREE_NODE_MISSING = "a node of the state tree is not stored (proofs cannot be served)"
    STATE_TREE_NODE_CORRUPT = "a stored state-tree node does not hash to its key"
    TRANSACTION_INDEX_WRONG = "the transaction index does not point at the transaction's block"
    TRANSACTION_INDEX_UNEXPECTED = "the transaction index names a transaction in no block"
    BLOCK_INDEX_WRONG = "the block-hash index does not point at the block's height"
    NOTIFICATION_MISMATCH = "the stored notifications differ from the replayed ones"
    APPLICATION_INDEX_WRONG = "the application index disagrees with the application records"
    CHAIN_META_MISMATCH = "the recorded chain metadata disagrees with the blocks"
    # Every key of the database, read once (offline only; ledger/audit/records.py, ADR 0019).
    STORE_CORRUPT = "LevelDB reports damaged files (a checksum fails): records may be lost"
    SIGNING_RECORD_CORRUPT = (
        "a signing record of the double-sign guard does not decode or does not match what was "
        "signed (the node refuses to start on it)"
    )
    RECORD_MALFORMED = "a stored record of a known kind does not decode"
    UNKNOWN_KEY = "a stored key belongs to no record the node writes"


@dataclass(frozen=True, slots=True)
class Defect:
    kind: DefectKind
    detail: str
    height: int | None = None
    field: str | None = None  # "header", "transactions[2]", "commit.signatures[1]", "meta.height"
    transaction_index: int | None = None
    transaction_id: str | None = None
    validator_id: str | None = None
    state_key: str | None = None  # the record key as text, e.g. "property/21:318:023:1245:1/45"
    expected: str | None = None
    found: str | None = None

    def location(self) -> dict[str, object]:
        """Only the parts of the place that apply, for the JSON report."""
        parts: dict[str, object | None] = {
            "height": self.height,
            "field": self.field,
            "transaction_index": self.transaction_index,
            "transaction_id": self.transaction_id,
            "validator_id": self.validator_id,
            "state_key": self.state_key,
        }
        return {name: value for name, value in parts.items() if value is not None}

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.name,
            "description": self.kind.value,
            "location": self.location(),
            "expected": self.expected,
            "found": self.found,
            "detail": self.detail,
        }

    def describe(self) -> str:
        """One line for a person: place, kind, detail."""
        place = ", ".join(f"{name} {value}" for name, value in self.location().items())
        text = f"{self.kind.name} at {place or 'the chain'}: {self.detail}"
        comparison = [
            f"{name} {value}"
            for name, value in (("expected", self.expected), ("found", self.found))
            if value is not None
        ]
        return text + (f" ({', '.join(comparison)})" if comparison else "")


@dataclass(slots=True)
class AuditCounts:
    blocks: int = 0
    transactions_replayed: int = 0
    commit_certificates: int = 0
    state_records_compared: int = 0


@dataclass(slots=True)
class AuditReport:
    """Filled in while the audit runs; ``ok`` only when every check was made and passed."""

    source: str
    chain_id: str
    genesis_sha256: str
    tip_height: int = 0
    replayed_to_height: int = 0  # the state was replayed and matched up to here
    state_root: str = ""  # replayed state root at ``replayed_to_height``
    defects: list[Defect] = field(default_factory=list)
    not_verified: list[str] = field(default_factory=list)  # checks the defects made impossible
    counts: AuditCounts = field(default_factory=AuditCounts)

    @property
    def ok(self) -> bool:
        return not self.defects and not self.not_verified

    def add(self, defect: Defect) -> None:
        self.defects.append(defect)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "source": self.source,
            "chain_id": self.chain_id,
            "genesis_sha256": self.genesis_sha256,
            "tip_height": self.tip_height,
            "replayed_to_height": self.replayed_to_height,
            "state_root": self.state_root,
            "counts": {
                "blocks": self.counts.blocks,
                "transactions_replayed": self.counts.transactions_replayed,
                "commit_certificates": self.counts.commit_certificates,
                "state_records_compared": self.counts.state_records_compared,
            },
            "defect_count": len(self.defects),
            "defects": [defect.to_dict() for defect in self.defects],
            "not_verified": list(self.not_verified),
        }
