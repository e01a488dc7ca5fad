"""Determinism (DESIGN.md §4-5): the writes and notifications of a block depend on nothing but
the state, the block context and the envelopes: not on the process, its hash seed, or history
outside the inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.rejections import Rejection, RejectionReason
from tests.registry_fixtures import (
    FIRST_BLOCK_TIME,
    envelope_transaction_id,
    make_genesis_document,
    payment_document,
)
from tests.unit.ledger.registry.replay import replay_digest, write_recording
from tests.unit.ledger.registry.story import Action, Story, shared_parties

REPOSITORY = Path(__file__).resolve().parents[4]


@cache
def story_envelopes() -> tuple[bytes, tuple[bytes, ...]]:
    """The genesis JSON and the envelopes of the whole story plus a refused application and a
    few that are rejected, in story order (application ids are known before applying)."""
    story = Story()
    p = story.parties
    envelopes: list[bytes] = []

    def add(action: Action, *signers: IssuedCertificate) -> str:
        envelope = story.envelope(action, *signers)
        envelopes.append(envelope)
        return envelope_transaction_id(envelope)

    add(story.property_import(), p.registrar)
    add(story.property_import(cadastral_number="21:318:023:1245:1/46"), p.registrar)
    lease = add(story.lease_application(), p.ktk_officer, p.recipient)
    other = add(
        story.lease_application(cadastral_number="21:318:023:1245:1/46"), p.ktk_officer, p.recipient
    )
    # Applied one a block, a minute apart: envelope i is in block i+1 at FIRST_BLOCK_TIME + i
    # minutes. Each record is dated at its own block's time (paras 21, 23).
    add(story.videoconference(lease, at=_minute(4)), p.registrar)  # para 21, before sending
    add(story.sending(lease), p.ktk_officer, p.recipient)
    add(story.sending(other, payment_document(reference="KZ-PAY-3")), p.ktk_officer, p.recipient)
    add(story.attestation(lease, at=_minute(7), with_videoconference=False), p.registrar)
    add(story.decision(lease, pb.SUSPEND, article=27, reason="clarify"), p.registrar)
    add(story.decision(lease, pb.RESUME), p.registrar)
    add(story.attestation(lease, at=_minute(10)), p.registrar)  # attested again (ADR 0007 D3)
    add(story.decision(lease, pb.REGISTER), p.registrar)
    add(story.decision(other, pb.REFUSE, article=31, reason="refused"), p.registrar)
    add(story.decision(other, pb.REGISTER), p.registrar)  # rejected: refused already
    pair = add(story.termination(lease), p.ktk_officer)
    add(story.videoconference(pair, at=_minute(15)), p.registrar)
    add(story.sending(pair, payment_document(reference="KZ-PAY-2")), p.ktk_officer, p.recipient)
    add(story.attestation(pair, at=_minute(17), with_videoconference=False), p.registrar)
    add(story.decision(pair, pb.REGISTER), p.registrar)
    genesis_json = json.dumps(make_genesis_document(shared_parties())).encode()
    return genesis_json, tuple(envelopes)


def _minute(index: int) -> datetime:
    return FIRST_BLOCK_TIME + timedelta(minutes=index)


def _blocks(envelopes: list[bytes], sizes: list[int]) -> list[tuple[datetime, list[bytes]]]:
    blocks: list[tuple[datetime, list[bytes]]] = []
    start = 0
    for index, size in enumerate(sizes):
        blocks.append(
            (FIRST_BLOCK_TIME + timedelta(minutes=index), envelopes[start : start + size])
        )
        start += size
    blocks.append((FIRST_BLOCK_TIME + timedelta(minutes=len(sizes)), envelopes[start:]))
    return blocks


def test_the_recorded_story_applies_except_the_one_invalid_decision() -> None:
    genesis_json, envelopes = story_envelopes()
    story = Story()
    outcomes = [story.ledger.apply(envelope) for envelope in envelopes]
    rejected = [o for o in outcomes if isinstance(o, Rejection)]
    assert [r.reason for r in rejected] == [RejectionReason.INVALID_STATUS_TRANSITION]
    assert json.loads(genesis_json)["chain_id"] == story.genesis.chain_id


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_same_inputs_give_byte_identical_writes(data: st.DataObject) -> None:
    genesis_json, envelopes = story_envelopes()
    order = data.draw(st.permutations(envelopes)) if data.draw(st.booleans()) else list(envelopes)
    sizes = data.draw(st.lists(st.integers(min_value=0, max_value=4), max_size=6))
    blocks = _blocks(list(order), sizes)
    first = replay_digest(genesis_json, blocks)
    # Mempool admission in between, on the same state objects, must leave no trace.
    second = replay_digest(genesis_json, blocks, admit_first=True)
    assert first == second


def test_replay_in_other_processes_with_other_hash_seeds_gives_the_same_digest(
    tmp_path: Path,
) -> None:
    genesis_json, envelopes = story_envelopes()
    blocks = _blocks(list(envelopes), [1, 1, 2, 3, 1, 1])
    recording = tmp_path / "blocks.json"
    write_recording(recording, genesis_json, blocks)
    expected = replay_digest(genesis_json, blocks)
    for seed in ("1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        completed = subprocess.run(
            [sys.executable, "-m", "tests.unit.ledger.registry.replay", str(recording)],
            cwd=REPOSITORY,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert completed.stdout.strip() == expected
