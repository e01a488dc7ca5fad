"""Every block-link finding through the audit, on a VALIDLY CERTIFIED bad block (issue 13, build
point 6): the header names another chain, links to another previous block, does not move time
forward, names another validator set, an unknown proposer or another rules version, and all four
validators signed it with their real keys. Certificates cannot save such a block: the auditor
judges the header as the node would (ledger/chain/block_checks.py ``header_problems``) and names
the one broken field at its height; the rest of the chain still audits.

Each test fails when its check is taken out of the auditor (the problem's entry in
ledger/audit/structure.py ``_LINK_DEFECTS`` or its check in ``header_problems``).
"""

from __future__ import annotations

import pytest

from consensus.types import ValidatorId
from ledger.audit.defects import DefectKind
from ledger.audit.verify import audit_chain
from ledger.hashing import sha256
from tests.unit.ledger.audit.chain import story_genesis_bytes
from tests.unit.ledger.audit.sealer import Sealer
from tests.unit.ledger.registry.story import shared_parties

BAD_HEIGHT = 3
TIP = 5


def _certified_chain_with_bad_header(changes: dict[str, object]) -> Sealer:
    """Five empty blocks; the third has ``changes`` in its header and is certified all the same."""
    sealer = Sealer(story_genesis_bytes(shared_parties()))
    for height in range(1, TIP + 1):
        sealer.seal([], [], header_changes=changes if height == BAD_HEIGHT else None)
    return sealer


@pytest.mark.parametrize(
    ("changes", "kind", "field", "found"),
    [
        (
            {"chain_id": "another-chain"},
            DefectKind.WRONG_CHAIN_ID,
            "header.chain_id",
            "another-chain",
        ),
        (
            {"previous_block_hash": sha256(b"not the previous block")},
            DefectKind.WRONG_PREVIOUS_HASH,
            "header.previous_block_hash",
            sha256(b"not the previous block").hex(),
        ),
        (
            {"validator_set_hash": sha256(b"another validator set")},
            DefectKind.WRONG_VALIDATOR_SET,
            "header.validator_set_hash",
            sha256(b"another validator set").hex(),
        ),
        (
            {"proposer": ValidatorId("validator-9")},
            DefectKind.UNKNOWN_PROPOSER,
            "header.proposer",
            "validator-9",
        ),
        ({"rules_version": 7}, DefectKind.WRONG_RULES_VERSION, "header.rules_version", "7"),
    ],
    ids=["chain-id", "previous-hash", "validator-set", "proposer", "rules-version"],
)
def test_a_certified_block_with_a_bad_header_field_is_reported_at_that_field(
    changes: dict[str, object], kind: DefectKind, field: str, found: str
) -> None:
    sealer = _certified_chain_with_bad_header(changes)
    report = audit_chain(sealer.chain, sealer.anchor)
    assert [(d.kind, d.height, d.field, d.found) for d in report.defects] == [
        (kind, BAD_HEIGHT, field, found)
    ]
    assert report.counts.blocks == TIP
    assert not report.ok


def test_a_certified_block_no_later_than_its_predecessor_is_reported_at_its_time() -> None:
    sealer = Sealer(story_genesis_bytes(shared_parties()))
    sealer.seal([], [])
    sealer.seal([], [])
    previous_time = sealer.tip.time_unix_ms
    sealer.seal([], [], header_changes={"time_unix_ms": previous_time})  # height 3, same time
    sealer.seal([], [])
    sealer.seal([], [])
    report = audit_chain(sealer.chain, sealer.anchor)
    assert [(d.kind, d.height, d.field, d.expected, d.found) for d in report.defects] == [
        (
            DefectKind.TIME_NOT_INCREASING,
            BAD_HEIGHT,
            "header.time_unix_ms",
            f"after {previous_time}",
            str(previous_time),
        )
    ]


def test_the_same_chain_without_a_bad_header_audits_clean() -> None:
    """The control: the sealer's certified chain has no defect of its own."""
    sealer = _certified_chain_with_bad_header({})
    report = audit_chain(sealer.chain, sealer.anchor)
    assert report.defects == []
    assert report.ok
