"""The auditor holds every block to the limits the node applies (review finding #3;
ledger/chain/block_checks.py ``body_problems``): a certified block with more transactions than
genesis
allows, more evidence than MAX_EVIDENCE_PER_BLOCK, or one evidence item twice is a defect at its
exact place, although every validator signed it.

The chains here are sealed in memory with real precommits, bypassing the node's own proposer
(which would never build such a block), as f + 1 colluding validators could."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from consensus.types import Height, Round, ValidatorId
from ledger.audit import trust_anchor
from ledger.audit.anchor import TrustAnchor, genesis_state
from ledger.audit.defects import AuditReport, DefectKind
from ledger.audit.verify import audit_chain
from ledger.chain.blocks import (
    GENESIS_PREVIOUS_BLOCK_HASH,
    MAX_EVIDENCE_PER_BLOCK,
    ChainTip,
    CommitCertificate,
    CommitSignature,
    apply_state_writes,
    build_block,
    build_commit_certificate,
    sign_precommit,
)
from ledger.chain.genesis import load_genesis
from ledger.execution.executor import BlockExecutor
from ledger.rejections import Rejection
from ledger.state.access import MappingState
from ledger.state.records import from_unix_ms, unix_ms
from ledger.transactions.context import BlockContext
from tests.registry_fixtures import FIRST_BLOCK_TIME
from tests.unit.ledger.audit.chain import (
    SECOND_CADASTRAL_NUMBER,
    VALIDATOR_IDS,
    story_genesis_bytes,
    validator_certificates,
)
from tests.unit.ledger.registry.story import Story, shared_parties


@dataclass
class MemoryChain:
    """A ChainSource over blocks sealed in memory, each with its commit certificate."""

    anchor: TrustAnchor
    blocks: dict[int, bytes] = field(default_factory=dict)
    commits: dict[int, bytes] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return "memory"

    def chain_id(self) -> str:
        return self.anchor.chain_id

    def tip_height(self) -> int:
        return max(self.blocks, default=0)

    def block_bytes(self, height: int) -> bytes | None:
        return self.blocks.get(height)

    def commit_bytes(self, height: int) -> bytes | None:
        return self.commits.get(height)


class Sealer:
    """Executes transactions with the node's executor and seals the block with every
    validator's precommit, whatever its size."""

    def __init__(self, genesis_bytes: bytes) -> None:
        self.anchor = trust_anchor(genesis_bytes)
        start = genesis_state(self.anchor)
        self.state = MappingState(start.records)
        self.tree = start.tree
        self.chain = MemoryChain(self.anchor)
        self.tip = ChainTip(
            self.anchor.chain_id,
            Height(0),
            GENESIS_PREVIOUS_BLOCK_HASH,
            self.anchor.genesis_time_unix_ms,
        )
        self.state_root = start.state_root
        self.last_commit: CommitCertificate | None = None
        self.keys = validator_certificates(shared_parties())

    def seal(self, transactions: list[bytes], evidence: list[bytes]) -> int:
        height = self.tip.height + 1
        time_ms = unix_ms(FIRST_BLOCK_TIME + timedelta(minutes=height))
        context = BlockContext.from_genesis(self.anchor.genesis, height, from_unix_ms(time_ms))
        executor = BlockExecutor(self.state, context)
        for envelope in transactions:
            if isinstance(outcome := executor.try_apply(envelope), Rejection):
                raise AssertionError(f"the test transaction does not apply: {outcome}")
        writes = executor.finish().writes
        update = apply_state_writes(self.tree, self.state_root, writes)
        block = build_block(
            previous=self.tip,
            time_unix_ms=time_ms,
            transactions=transactions,
            state_root=update.root,
            validator_set_hash=self.anchor.validator_set_hash,
            proposer=ValidatorId(VALIDATOR_IDS[0]),
            last_commit=self.last_commit,
            evidence=evidence,
        )
        certificate = self._certify(block.height, block.block_hash)
        self.state.apply(writes)
        self.tree.put_nodes(update.new_nodes)
        self.state_root = update.root
        self.tip = ChainTip(self.anchor.chain_id, block.height, block.block_hash, time_ms)
        self.last_commit = certificate
        self.chain.blocks[height] = block.encode()
        self.chain.commits[height] = certificate.encode()
        return height

    def _certify(self, height: Height, block_hash: bytes) -> CommitCertificate:
        signatures = [
            CommitSignature(
                ValidatorId(name),
                sign_precommit(issued.key, self.anchor.chain_id, height, Round(0), block_hash),
            )
            for name, issued in zip(VALIDATOR_IDS, self.keys, strict=True)
        ]
        return build_commit_certificate(
            self.anchor.validators.validator_set, height, Round(0), block_hash, signatures
        )


def _genesis_bytes(
    *, max_block_transactions: int | None = None, max_block_bytes: int | None = None
) -> bytes:
    document = json.loads(story_genesis_bytes(shared_parties()))
    if max_block_transactions is not None:
        document["limits"]["max_block_transactions"] = max_block_transactions
    if max_block_bytes is not None:
        document["limits"]["max_block_bytes"] = max_block_bytes
    return json.dumps(document).encode()


def _audit(sealer: Sealer) -> AuditReport:
    return audit_chain(sealer.chain, sealer.anchor)


def _two_property_imports(genesis_bytes: bytes) -> list[bytes]:
    parties = shared_parties()
    story = Story(parties, load_genesis(genesis_bytes))
    return [
        story.envelope(story.property_import(), parties.registrar),
        story.envelope(
            story.property_import(cadastral_number=SECOND_CADASTRAL_NUMBER), parties.registrar
        ),
    ]


def test_blocks_within_the_limits_audit_clean() -> None:
    genesis_bytes = _genesis_bytes(max_block_transactions=2)
    sealer = Sealer(genesis_bytes)
    sealer.seal(_two_property_imports(genesis_bytes), [])
    sealer.seal([], [b"evidence-%d" % index for index in range(MAX_EVIDENCE_PER_BLOCK)])
    report = _audit(sealer)
    assert report.defects == []
    assert report.ok


def test_more_transactions_than_genesis_allows_is_reported_at_the_block() -> None:
    genesis_bytes = _genesis_bytes(max_block_transactions=1)
    sealer = Sealer(genesis_bytes)
    height = sealer.seal(_two_property_imports(genesis_bytes), [])
    report = _audit(sealer)
    # The block replays (the transactions are valid): the size limit is the only defect.
    assert [defect.to_dict() for defect in report.defects] == [
        {
            "kind": "TOO_MANY_TRANSACTIONS",
            "description": DefectKind.TOO_MANY_TRANSACTIONS.value,
            "location": {"height": height, "field": "transactions"},
            "expected": "at most 1",
            "found": "2",
            "detail": "the node refuses a block with more transactions than genesis allows",
        }
    ]
    assert report.replayed_to_height == height


def test_a_block_larger_than_genesis_allows_is_reported_at_the_block() -> None:
    """Issue 13: the byte bound is the node's (ledger/chain/block_checks.py ``body_problems``),
    so a certified block over it is a defect even though the validators signed it."""
    limit = 131_072
    sealer = Sealer(_genesis_bytes(max_block_bytes=limit))
    sealer.seal([], [b"%d" % index + b"e" * 9_000 for index in range(MAX_EVIDENCE_PER_BLOCK)])
    height = sealer.seal([], [])
    report = _audit(sealer)
    assert [(d.kind, d.height, d.field, d.expected) for d in report.defects] == [
        (DefectKind.TOO_MANY_BYTES, height - 1, "block", f"at most {limit} bytes")
    ]
    found = report.defects[0].found or ""
    assert int(found.split()[0]) > limit


def test_more_evidence_than_a_block_may_carry_is_reported_at_the_evidence() -> None:
    sealer = Sealer(_genesis_bytes())
    sealer.seal([], [])
    height = sealer.seal(
        [], [b"evidence-%d" % index for index in range(MAX_EVIDENCE_PER_BLOCK + 1)]
    )
    report = _audit(sealer)
    assert [(d.kind, d.height, d.field, d.expected, d.found) for d in report.defects] == [
        (
            DefectKind.TOO_MUCH_EVIDENCE,
            height,
            "evidence",
            f"at most {MAX_EVIDENCE_PER_BLOCK}",
            str(MAX_EVIDENCE_PER_BLOCK + 1),
        )
    ]


def test_each_repeated_evidence_item_is_reported_at_its_index() -> None:
    sealer = Sealer(_genesis_bytes())
    height = sealer.seal([], [b"first", b"second", b"first", b"third", b"second", b"first"])
    report = _audit(sealer)
    assert [(d.kind, d.height, d.field, d.found) for d in report.defects] == [
        (DefectKind.DUPLICATE_EVIDENCE, height, "evidence[2]", "a copy of evidence[0]"),
        (DefectKind.DUPLICATE_EVIDENCE, height, "evidence[4]", "a copy of evidence[1]"),
        (DefectKind.DUPLICATE_EVIDENCE, height, "evidence[5]", "a copy of evidence[0]"),
    ]


def test_a_block_over_every_limit_reports_all_three() -> None:
    genesis_bytes = _genesis_bytes(max_block_transactions=1)
    sealer = Sealer(genesis_bytes)
    sealer.seal(_two_property_imports(genesis_bytes), [b"same"] * (MAX_EVIDENCE_PER_BLOCK + 1))
    kinds = [defect.kind for defect in _audit(sealer).defects]
    assert kinds[:2] == [DefectKind.TOO_MANY_TRANSACTIONS, DefectKind.TOO_MUCH_EVIDENCE]
    assert kinds[2:] == [DefectKind.DUPLICATE_EVIDENCE] * MAX_EVIDENCE_PER_BLOCK
