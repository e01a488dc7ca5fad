"""The auditor holds every block to the limits the node applies (review finding #3;
ledger/chain/block_checks.py ``body_problems``): a certified block with more transactions than
genesis
allows, more evidence than MAX_EVIDENCE_PER_BLOCK, or one evidence item twice is a defect at its
exact place, although every validator signed it.

The chains here are sealed in memory with real precommits (tests/unit/ledger/audit/sealer.py),
bypassing the node's own proposer (which would never build such a block), as f + 1 colluding
validators could."""

from __future__ import annotations

import json

from ledger.audit.defects import AuditReport, DefectKind
from ledger.audit.verify import audit_chain
from ledger.chain.blocks import (
    MAX_EVIDENCE_PER_BLOCK,
)
from ledger.chain.genesis import load_genesis
from tests.unit.ledger.audit.chain import (
    SECOND_CADASTRAL_NUMBER,
    story_genesis_bytes,
)
from tests.unit.ledger.audit.sealer import Sealer
from tests.unit.ledger.registry.story import Story, shared_parties


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
