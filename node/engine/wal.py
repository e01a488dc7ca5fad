"""The consensus write-ahead log: every consensus message of the current height (and the next),
this validator's own and the ones it received, kept in the node's LevelDB until the height ends.

Why (consensus/__init__.py, "what the node must persist"): the paper's liveness rests on gossip,
a message a correct process sent *or received* eventually reaches every correct process. A
validator that forgets what it received in a crash can leave honest validators locked on a polka
that nobody can show any more, and one whose own earlier prevote was lost with the only peer
holding it stalls the round; the simulator (tests/sim) finds both stalls without this log.
After a restart the engine replays the log into a fresh core and re-sends its own messages.

Durability. Entries are written with ``sync=False`` (a put costs ~10-40 us here, a synced one
0.5-3 ms on the engine thread), and that is enough:
  - kill -9 loses nothing: LevelDB has handed every write to the OS before ``put`` returns;
    only a power cut can drop the unsynced tail.
  - this validator's own messages are durable before they leave in the signing journal
    (node/engine/signing_records.py, synced); each journal sync also flushes LevelDB's log, so every
    WAL entry written before it (the received messages that led to that signature) is durable
    too. What a power cut can drop is received messages since the last signature and, at most,
    the last own message, which the journal's last record still holds (the engine replays it).
  - losing received messages only delays: peers re-gossip their own messages until the height
    ends, and block sync fetches what was decided meanwhile; safety rests on the journal alone.

Entries are keyed by (height, sequence) in ledger/chain/store.py (``wal/``); a message is logged
once
per height (peers re-gossip theirs every second), and heights below the current one are pruned
when it starts. Engine thread only.
"""

from __future__ import annotations

from google.protobuf.message import DecodeError
from tirkeu_pb import peer_pb2

from ledger.chain.store import Store
from ledger.hashing import sha256


class CorruptWalEntry(RuntimeError):
    """A logged consensus message does not decode: the node wrote it, so the store is damaged."""


def message_height(message: peer_pb2.ConsensusMessage) -> int:
    return message.proposal.height if message.HasField("proposal") else message.vote.height


def message_sender(message: peer_pb2.ConsensusMessage) -> str:
    return message.proposal.proposer if message.HasField("proposal") else message.vote.validator


class ConsensusWal:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._next_sequence = 0
        self._logged: dict[int, set[bytes]] = {}  # height -> digests of the logged messages
        for height, sequence, encoded in store.wal_entries(0):
            self._logged.setdefault(height, set()).add(sha256(encoded))
            self._next_sequence = max(self._next_sequence, sequence + 1)

    def append(self, message: peer_pb2.ConsensusMessage) -> bool:
        """Log ``message`` under its height; False (nothing written) when it is already there."""
        encoded = message.SerializeToString(deterministic=True)
        height = message_height(message)
        digest = sha256(encoded)
        logged = self._logged.setdefault(height, set())
        if digest in logged:
            return False
        self._store.save_wal_entry(height, self._next_sequence, encoded, sync=False)
        self._next_sequence += 1
        logged.add(digest)
        return True

    def messages_of(self, height: int) -> list[peer_pb2.ConsensusMessage]:
        """The messages logged at ``height``, in the order they were logged."""
        found = []
        for logged_height, _, encoded in self._store.wal_entries(height):
            if logged_height != height:
                break
            try:
                found.append(peer_pb2.ConsensusMessage.FromString(encoded))
            except DecodeError as error:
                raise CorruptWalEntry(f"a logged message of height {height}: {error}") from error
        return found

    def to_replay(self, height: int, last_signed: bytes | None) -> list[peer_pb2.ConsensusMessage]:
        """The log of ``height`` and, when the log lost it, the last message this validator
        signed (``last_signed``, from the journal, which synced it before it left)."""
        logged = self.messages_of(height)
        if last_signed is not None:
            own_last = peer_pb2.ConsensusMessage.FromString(last_signed)
            if message_height(own_last) == height and self.append(own_last):
                logged.append(own_last)  # a power cut dropped the log's unsynced tail
        return logged

    def forget_below(self, height: int) -> None:
        """Drop the log of decided heights (a crash before this only leaves entries unread)."""
        stale = [h for h in self._logged if h < height]
        if not stale:
            return
        self._store.prune_wal_below(height)
        for old in stale:
            del self._logged[old]
