"""The double-sign guard's durable half (node/engine/signing_records.py) on a real LevelDB store: it
never authorises a second block id for one (height, round, step), never goes backwards, writes
nothing when it refuses, and keeps all of that across a reopen of the store (a crash)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tirkeu_pb import peer_pb2

from consensus.signing_guard import SigningRecord, SigningStep, SigningVerdict
from consensus.types import NO_ROUND, BlockId, Height, Round, VoteType
from ledger.chain.store import Store
from node.engine.signing_records import (
    ConflictingSigningRecord,
    CorruptSigningRecord,
    JournalEntry,
    SigningJournal,
    check_records,
    encode_entry,
    read_records,
)
from tests.unit.node.bft_fixtures import BLOCK_A, BLOCK_B, VALIDATOR_IDS, FourValidators

SIGNER = VALIDATOR_IDS[0]
_VOTE_TYPE = {SigningStep.PREVOTE: VoteType.PREVOTE, SigningStep.PRECOMMIT: VoteType.PRECOMMIT}


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


def _record(
    height: int, round_number: int, step: SigningStep, block_id: BlockId | None
) -> SigningRecord:
    return SigningRecord(Height(height), Round(round_number), step, block_id, NO_ROUND, None)


def _message(chain: FourValidators, record: SigningRecord) -> bytes:
    if record.step is SigningStep.PROPOSAL:
        if record.block_id is None:
            raise ValueError("a proposal names a block")
        proposal = chain.proposal(
            SIGNER, height=record.height, round_number=record.round, value=record.block_id
        )
        message = peer_pb2.ConsensusMessage(proposal=proposal)
    else:
        vote = chain.vote(
            SIGNER,
            _VOTE_TYPE[record.step],
            height=record.height,
            round_number=record.round,
            value=record.block_id,
        )
        message = peer_pb2.ConsensusMessage(vote=vote)
    return message.SerializeToString(deterministic=True)


def _authorise(journal: SigningJournal, chain: FourValidators, record: SigningRecord) -> bool:
    return journal.authorise(record, _message(chain, record)).allowed


def test_a_signed_record_is_durable_and_survives_a_reopen(
    tmp_path: Path, chain: FourValidators
) -> None:
    prevote = _record(3, 1, SigningStep.PREVOTE, BLOCK_A)
    message = _message(chain, prevote)  # ECDSA signatures differ each time: keep these bytes
    with Store(tmp_path / "db") as store:
        journal = SigningJournal(store)
        assert journal.last is None
        assert journal.authorise(prevote, message) is SigningVerdict.SIGN
    with Store(tmp_path / "db") as store:
        reopened = SigningJournal(store)
        assert reopened.last == JournalEntry(prevote, message)
        assert [entry.record for entry in read_records(store)] == [prevote]


def test_a_conflicting_vote_at_the_same_position_raises_and_writes_nothing(
    tmp_path: Path, chain: FourValidators
) -> None:
    with Store(tmp_path / "db") as store:
        journal = SigningJournal(store)
        assert _authorise(journal, chain, _record(1, 0, SigningStep.PREVOTE, BLOCK_A))
        before = read_records(store)
        for other in (BLOCK_B, None):
            with pytest.raises(ConflictingSigningRecord) as refused:
                _authorise(journal, chain, _record(1, 0, SigningStep.PREVOTE, other))
            assert refused.value.position == (1, 0, int(SigningStep.PREVOTE))
            assert refused.value.recorded == BLOCK_A
        assert read_records(store) == before
        assert journal.last == before[-1]


def test_the_same_message_again_is_re_sent_without_a_new_write(
    tmp_path: Path, chain: FourValidators
) -> None:
    record = _record(1, 0, SigningStep.PROPOSAL, BLOCK_A)
    with Store(tmp_path / "db") as store:
        journal = SigningJournal(store)
        assert journal.authorise(record, _message(chain, record)) is SigningVerdict.SIGN
        assert journal.authorise(record, _message(chain, record)) is SigningVerdict.SIGN_AGAIN
        assert len(read_records(store)) == 1


def test_the_journal_never_goes_backwards(tmp_path: Path, chain: FourValidators) -> None:
    with Store(tmp_path / "db") as store:
        journal = SigningJournal(store)
        assert _authorise(journal, chain, _record(5, 2, SigningStep.PRECOMMIT, None))
        for earlier in (
            _record(5, 2, SigningStep.PREVOTE, None),  # earlier step, same block id (nil)
            _record(5, 1, SigningStep.PRECOMMIT, None),  # earlier round
            _record(4, 7, SigningStep.PRECOMMIT, BLOCK_A),  # earlier height
        ):
            verdict = journal.authorise(earlier, _message(chain, earlier))
            assert verdict is SigningVerdict.REFUSE_REGRESSION
        assert len(read_records(store)) == 1


def test_after_a_reopen_an_earlier_position_of_the_height_still_refuses_another_block(
    tmp_path: Path, chain: FourValidators
) -> None:
    with Store(tmp_path / "db") as store:
        journal = SigningJournal(store)
        assert _authorise(journal, chain, _record(2, 0, SigningStep.PREVOTE, BLOCK_A))
        assert _authorise(journal, chain, _record(2, 0, SigningStep.PRECOMMIT, BLOCK_A))
    with Store(tmp_path / "db") as store:
        journal = SigningJournal(store)  # a restart: the index comes from the disk
        with pytest.raises(ConflictingSigningRecord):
            _authorise(journal, chain, _record(2, 0, SigningStep.PREVOTE, BLOCK_B))
        with pytest.raises(ConflictingSigningRecord):
            _authorise(journal, chain, _record(2, 0, SigningStep.PRECOMMIT, None))
        assert _authorise(journal, chain, _record(2, 1, SigningStep.PREVOTE, BLOCK_B))
        assert check_records(read_records(store)) == []


def test_a_store_whose_last_record_is_not_the_latest_is_refused(
    tmp_path: Path, chain: FourValidators
) -> None:
    later = _record(3, 0, SigningStep.PREVOTE, BLOCK_A)
    earlier = _record(2, 0, SigningStep.PREVOTE, BLOCK_A)
    with Store(tmp_path / "db") as store:
        for record in (later, earlier):  # written behind the journal's back
            entry = JournalEntry(record, _message(chain, record))
            store.save_signing_record(record.position, encode_entry(entry))
        with pytest.raises(CorruptSigningRecord):
            SigningJournal(store)


def test_the_audit_finds_a_record_overwritten_with_another_block(
    tmp_path: Path, chain: FourValidators
) -> None:
    original = _record(1, 0, SigningStep.PREVOTE, BLOCK_A)
    with Store(tmp_path / "db") as store:
        journal = SigningJournal(store)
        assert _authorise(journal, chain, original)
        assert check_records(read_records(store)) == []
        overwritten = _record(1, 0, SigningStep.PREVOTE, BLOCK_B)
        # The store keeps one record per position: an overwrite hides the first block id, but
        # the record no longer matches the message that was signed and sent.
        tampered = JournalEntry(overwritten, _message(chain, original))
        store.save_signing_record(overwritten.position, encode_entry(tampered))
        (violation,) = check_records(read_records(store))
        assert violation.position == original.position


_requests = st.lists(
    st.tuples(
        st.integers(1, 2),
        st.integers(0, 1),
        st.sampled_from(list(SigningStep)),
        st.sampled_from([BLOCK_A, BLOCK_B, None]),
        st.booleans(),  # reopen the store before this request (a crash and restart)
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(requests=_requests)
def test_no_position_is_ever_authorised_with_two_block_ids(
    chain: FourValidators, requests: list[tuple[int, int, SigningStep, BlockId | None, bool]]
) -> None:
    authorised: dict[tuple[int, int, int], BlockId | None] = {}
    highest: tuple[int, int, int] | None = None
    with tempfile.TemporaryDirectory() as directory:
        store = Store(Path(directory) / "db")
        try:
            journal = SigningJournal(store)
            for height, round_number, step, block_id, reopen in requests:
                if step is SigningStep.PROPOSAL and block_id is None:
                    continue
                if reopen:
                    store.close()
                    store = Store(Path(directory) / "db")
                    journal = SigningJournal(store)
                record = _record(height, round_number, step, block_id)
                try:
                    allowed = _authorise(journal, chain, record)
                except ConflictingSigningRecord:
                    assert authorised.get(record.position, block_id) != block_id
                    continue
                if allowed:
                    assert authorised.setdefault(record.position, block_id) == block_id
                    assert highest is None or record.position >= highest
                    highest = record.position
            entries = read_records(store)
            assert check_records(entries) == []
            assert {e.record.position: e.record.block_id for e in entries} == authorised
        finally:
            store.close()


def test_start_up_reads_only_the_last_records_height_and_the_audit_reads_all(
    tmp_path: Path, chain: FourValidators
) -> None:
    """Start-up must not grow with the chain (issue 11): records of decided heights are not
    read; a damaged old record is the audit's finding (``read_records``), not a start-up's."""
    with Store(tmp_path / "db") as store:
        store.save_signing_record((1, 0, int(SigningStep.PREVOTE)), b"not a record")
        first = _record(2, 0, SigningStep.PREVOTE, BLOCK_A)  # then a sound one becomes the last
        store.save_signing_record(
            first.position, encode_entry(JournalEntry(first, _message(chain, first)))
        )
        journal = SigningJournal(store)
        for height in range(3, 6):
            assert _authorise(journal, chain, _record(height, 0, SigningStep.PREVOTE, BLOCK_A))
        assert _authorise(journal, chain, _record(5, 0, SigningStep.PRECOMMIT, BLOCK_A))
    with Store(tmp_path / "db") as store:
        reopened = SigningJournal(store)
        assert reopened.last is not None
        assert reopened.last.record == _record(5, 0, SigningStep.PRECOMMIT, BLOCK_A)
        assert len(list(store.signing_records(5))) == 2
        with pytest.raises(CorruptSigningRecord):
            read_records(store)
        # The positions of the last height are still remembered: another block is refused.
        with pytest.raises(ConflictingSigningRecord):
            _authorise(reopened, chain, _record(5, 0, SigningStep.PREVOTE, BLOCK_B))
