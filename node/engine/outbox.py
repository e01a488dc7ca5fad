"""What this validator signs and sends: the engine's outbox, behind the double-sign guard.

DESIGN §4 (crash safety): every proposal and vote the core asks for is signed in memory, then
``SigningJournal.authorise`` records it durably (synced), and only then is it sent. When the
journal answers SIGN_AGAIN, the recorded bytes go out again: what was signed once is what is
sent, never a re-signed variant. A refused request (regression, lock regression, a conflicting
record) is logged as ``signing_refused``, nothing leaves the process, and ``SigningRefused`` stops
the engine: the core has already counted its own vote, so going on could lock or decide on a
quorum the network does not have (the node exits as on any broken invariant; an operator must
look at its data directory, e.g. one restored from an old backup).

Every message that goes out is also appended to the consensus write-ahead log
(node/engine/wal.py) after the journal recorded it and before it is sent.

The outbox also keeps, for the current height, this node's own messages (re-gossiped until the
height ends: peers may have missed them) and every signed vote seen (the precommits become the
commit certificate; two conflicting votes become evidence).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from consensus import Proposal, SigningRecord, Vote
from node.chain.signed_messages import sign_proposal, sign_vote, vote_of
from node.engine.signing_records import ConflictingSigningRecord, JournalEntry, SigningJournal
from node.engine.wal import ConsensusWal
from node.peers.client import PeerClients


class SigningRefused(RuntimeError):
    """The core asked for a signature the double-sign guard refuses: a broken invariant."""


class SignedOutbox:
    def __init__(
        self,
        *,
        journal: SigningJournal,
        wal: ConsensusWal,
        signing_key: ec.EllipticCurvePrivateKey,
        chain_id: str,
        peers: PeerClients,
        log: FilteringBoundLogger,
    ) -> None:
        self._journal = journal
        self._wal = wal
        self._key = signing_key
        self._chain_id = chain_id
        self._peers = peers
        self._log = log
        self._own_messages: list[peer_pb2.ConsensusMessage] = []
        self.signed_votes: dict[Vote, peer_pb2.SignedVote] = {}

    @property
    def last_signed(self) -> JournalEntry | None:
        return self._journal.last

    def new_height(self) -> None:
        self._own_messages = []
        self.signed_votes = {}

    def vote_seen(self, vote: Vote, signed: peer_pb2.SignedVote) -> None:
        self.signed_votes.setdefault(vote, signed)

    def resend(self, message: peer_pb2.ConsensusMessage) -> None:
        """After a restart: send a logged message again (it was signed before the crash)."""
        if message in self._own_messages:
            return
        self._own_messages.append(message)
        self._peers.send_consensus(message)
        if message.HasField("vote"):
            self.signed_votes[vote_of(message.vote)] = message.vote

    def proposal(self, proposal: Proposal, record: SigningRecord, block: bytes) -> None:
        signed = sign_proposal(self._key, self._chain_id, proposal, block)
        self._send(record, peer_pb2.ConsensusMessage(proposal=signed))

    def vote(self, vote: Vote, record: SigningRecord) -> None:
        signed = sign_vote(self._key, self._chain_id, vote)
        sent = self._send(record, peer_pb2.ConsensusMessage(vote=signed))
        self.signed_votes[vote] = sent.vote

    def regossip(self) -> None:
        for message in self._own_messages:
            self._peers.send_consensus(message)

    def _send(
        self, record: SigningRecord, message: peer_pb2.ConsensusMessage
    ) -> peer_pb2.ConsensusMessage:
        """The message that went out (the recorded one on SIGN_AGAIN); raises SigningRefused."""
        try:
            verdict = self._journal.authorise(record, message.SerializeToString(deterministic=True))
        except ConflictingSigningRecord as error:
            self._log.error("signing_refused", verdict="conflicting_record", detail=str(error))
            raise SigningRefused(str(error)) from error
        if not verdict.allowed:
            self._log.error(
                "signing_refused",
                height=record.height,
                round=record.round,
                step=record.step.name,
                verdict=verdict.name,
            )
            raise SigningRefused(
                f"{verdict.name} at height {record.height} round {record.round} "
                f"step {record.step.name}"
            )
        last = self._journal.last
        if last is not None and last.record == record:
            message = peer_pb2.ConsensusMessage.FromString(last.message)
        self._wal.append(message)
        if message not in self._own_messages:
            self._own_messages.append(message)
        self._peers.send_consensus(message)
        return message
