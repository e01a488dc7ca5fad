"""valid(v) of Algorithm 1 for a proposed block: execute it on an overlay of this node's state.

``execute_block`` (node/chain/commit.py) reads the store and writes nothing, so its result is the
overlay: the block's link, last commit certificate, validator set hash, evidence, transactions
and state root are all checked there. Added here: the header names the proposal's proposer
(for a fresh proposal) or, for a re-proposal of a valid value (``valid_round >= 0``, Algorithm 1
line 16: proposal <- validValue), the proposer of one of the rounds up to ``valid_round`` that
assembled it -- the re-proposer sends that block unchanged, so refusing it for naming its
assembler stalled the chain for good once the locked validators needed it (chaos run, seed
20261202: height 1403 past round 120 after two validators were killed) -- and the block time
is within ``max_skew_ms`` of this node's clock, ahead or behind (it must already be later than
the previous block's, verify_block_link). A validator prevotes nil
otherwise.

Block time is the proposer's clock, not BFT median time: the bound both ways keeps a Byzantine
proposer from backdating a block into the gap since the previous one, where it would judge
certificates, revocations and para 38 deadlines at a time of its choosing (review finding #4).
Only live proposals are judged against the clock: block sync applies old certified blocks
through ``execute_block`` alone. A re-proposal with ``valid_round >= 0`` is not held to the
lower bound: 2f+1 validators prevoted that block in round ``valid_round``, so an honest quorum
judged its time fresh then, and refusing it now as stale could keep locked validators from
ever deciding.
"""

from __future__ import annotations

from ledger.chain.blocks import Block, InvalidBlock
from ledger.chain.store import StoreReader
from node.chain.commit import BlockRejected, ExecutedBlock, execute_block
from node.chain.open import ChainSetup


def check_proposed_block(
    reader: StoreReader,
    setup: ChainSetup,
    encoded: bytes,
    *,
    proposer: str,
    now_ms: int,
    max_skew_ms: int,
    valid_round: int = -1,
    earlier_proposers: frozenset[str] = frozenset(),
) -> ExecutedBlock | str:
    """The executed block when it is valid, else why not (a line for the log).
    ``earlier_proposers``: the proposers of rounds 0..valid_round at this height, whom a
    re-proposal's header may name."""
    try:
        block = Block.decode(encoded)
    except InvalidBlock as error:
        return f"the block does not decode: {error}"
    return check_decoded_block(
        reader,
        setup,
        block,
        proposer=proposer,
        now_ms=now_ms,
        max_skew_ms=max_skew_ms,
        valid_round=valid_round,
        earlier_proposers=earlier_proposers,
    )


def check_decoded_block(
    reader: StoreReader,
    setup: ChainSetup,
    block: Block,
    *,
    proposer: str,
    now_ms: int,
    max_skew_ms: int,
    valid_round: int = -1,
    earlier_proposers: frozenset[str] = frozenset(),
) -> ExecutedBlock | str:
    """``check_proposed_block`` for a block already decoded (and matched to its signed hash)."""
    assembler = block.header.proposer
    if assembler != proposer and not (valid_round >= 0 and assembler in earlier_proposers):
        if valid_round >= 0:
            return (
                f"the header names proposer {assembler!r}, neither the proposal's {proposer!r} "
                f"nor a proposer of rounds 0..{valid_round}"
            )
        return f"the header names proposer {assembler!r}, the proposal {proposer!r}"
    if block.header.time_unix_ms > now_ms + max_skew_ms:
        return f"block time {block.header.time_unix_ms} is more than {max_skew_ms} ms ahead"
    if valid_round < 0 and block.header.time_unix_ms < now_ms - max_skew_ms:
        return f"block time {block.header.time_unix_ms} is more than {max_skew_ms} ms behind"
    try:
        return execute_block(reader, setup, block)
    except BlockRejected as error:
        return str(error)
