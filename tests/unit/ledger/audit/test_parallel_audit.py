"""`tirkeu-audit verify --jobs N` (issue 11): worker processes compute each block's pure
verdicts (envelope signatures, decoded CMS) ahead of the sequential replay; the report, its
defects and their places are those of the single-process audit, and the replay really takes
the workers' verdicts instead of recomputing them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from clients.cli.audit import audit
from clients.cli.audit_sources import DataDirectorySource
from ledger.audit import audit_chain, trust_anchor
from ledger.audit.prefetch import BlockVerdicts, block_verdicts
from ledger.transactions import verdicts
from tests.registry_fixtures import envelope_transaction_id
from tests.unit.ledger.audit.chain import StoryChain
from tests.unit.ledger.audit.tamper import Tamperer, block_key


def verify_json(chain: StoryChain, data_dir: Path, jobs: int) -> tuple[int, dict[str, Any]]:
    arguments = ["verify", "--genesis", str(chain.genesis_path), "--data-dir", str(data_dir)]
    result = CliRunner().invoke(audit, [*arguments, "--jobs", str(jobs), "--json"])
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


def test_two_jobs_verify_the_story_chain_as_one_does(story_chain: StoryChain) -> None:
    assert verify_json(story_chain, story_chain.data_dir, 2) == verify_json(
        story_chain, story_chain.data_dir, 1
    )


def test_a_bad_signature_a_worker_finds_is_reported_at_the_same_place(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    lease = story_chain.blocks[2][1]
    with Tamperer(chain_copy / "ledger") as tamperer:
        tamperer.flip_transaction_signature(2, 1)
        damaged_block = tamperer.get(block_key(2))
    # The worker's verdict on the damaged block: this envelope's signatures do not verify.
    worker = block_verdicts(2, damaged_block)
    assert [verdict for _, verdict in worker.envelopes][1] is False
    code, parallel = verify_json(story_chain, chain_copy, 2)
    assert (code, parallel) == verify_json(story_chain, chain_copy, 1)
    rejected = parallel["defects"][1]
    assert (rejected["kind"], rejected["location"]["height"]) == ("TRANSACTION_REJECTED", 2)
    assert rejected["location"]["transaction_index"] == 1
    assert rejected["location"]["transaction_id"] == envelope_transaction_id(lease)
    assert rejected["found"] == "BAD_SIGNATURE"


def test_the_replay_takes_the_supplied_verdicts_instead_of_recomputing(
    story_chain: StoryChain,
) -> None:
    anchor = trust_anchor(story_chain.genesis_bytes)
    with DataDirectorySource(story_chain.data_dir) as source:
        ahead = {}
        for height in range(1, source.tip_height() + 1):
            raw = source.block_bytes(height)
            assert raw is not None
            ahead[height] = block_verdicts(height, raw)
        assert any(v.documents for v in ahead.values())  # the lease's contract and consent
        verdicts.clear()
        expected = audit_chain(source, anchor, stored=source).to_dict()
        verdicts.clear()

        def prefetched(height: int) -> BlockVerdicts | None:
            return ahead.get(height)

        report = audit_chain(source, anchor, stored=source, prefetched=prefetched)
    assert report.to_dict() == expected
    assert verdicts.envelope_signatures_verify.cache_info().misses == 0
    assert verdicts.parsed_cms.cache_info().misses == 0
