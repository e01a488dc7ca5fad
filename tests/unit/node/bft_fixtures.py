"""Four registrar validators for unit tests of the BFT node modules: node certificates from the
test CA, a genesis naming them (through the JSON path every node uses), and signed messages.

    chain = FourValidators.create()
    signed = chain.vote("registrar-1", VoteType.PREVOTE, height=1, round_number=0, value=BLOCK_A)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from tirkeu_pb import peer_pb2

from clients.pki.authority import IssuedCertificate
from consensus.types import BlockId, Height, Proposal, Round, ValidatorId, Vote, VoteType
from ledger.chain.genesis import genesis_document
from node.chain.open import ChainSetup, chain_setup
from node.chain.signed_messages import sign_proposal, sign_vote
from tests.pki_fixtures import KTK_BIN, KTK_HEAD_IIN, KTK_NAME, REGISTRAR_IIN, STATE_CORPORATION_BIN
from tests.registry_fixtures import (
    AUDITOR_IIN,
    FIRST_CREDIT_BUREAU_BIN,
    GENESIS_TIME,
    SECOND_REGISTRAR_IIN,
    TEST_CHAIN_ID,
    Parties,
)

VALIDATOR_IDS = tuple(ValidatorId(f"registrar-{i}") for i in range(1, 5))
BLOCK_A = BlockId(bytes([0xA1]) * 32)
BLOCK_B = BlockId(bytes([0xB2]) * 32)


@dataclass(frozen=True)
class FourValidators:
    parties: Parties
    keys: dict[ValidatorId, IssuedCertificate]
    observer: IssuedCertificate  # KTK's observer: a node outside the validator set, KTK's BIN
    setup: ChainSetup

    @classmethod
    def create(cls) -> FourValidators:
        parties = Parties.create()
        keys = {vid: parties.authority.issue_node(vid) for vid in VALIDATOR_IDS}
        document = genesis_document(
            chain_id=TEST_CHAIN_ID,
            genesis_time=GENESIS_TIME,
            trusted_certificate_authorities_pem=[parties.authority.chain_pem.decode()],
            ktk_bin=KTK_BIN,
            state_corporation_bin=STATE_CORPORATION_BIN,
            first_credit_bureau_bin=FIRST_CREDIT_BUREAU_BIN,
            registrar_iins=[REGISTRAR_IIN, SECOND_REGISTRAR_IIN],
            ktk_head_iins=[KTK_HEAD_IIN],
            auditor_iins=[AUDITOR_IIN],
            validators=[(vid, keys[vid].pem.decode(), 1) for vid in VALIDATOR_IDS],
        )
        setup = chain_setup(json.dumps(document).encode())
        # KTK's observer: a node certificate bound to KTK's BIN (ledger/identity/roles.py
        # is_chain_node).
        observer = parties.authority.issue_node("ktk-observer", organisation=KTK_NAME, bin_=KTK_BIN)
        return cls(parties, keys, observer, setup)

    @property
    def chain_id(self) -> str:
        return self.setup.chain_id

    def vote(
        self,
        validator: ValidatorId,
        vote_type: VoteType,
        *,
        height: int = 1,
        round_number: int = 0,
        value: BlockId | None = BLOCK_A,
    ) -> peer_pb2.SignedVote:
        vote = Vote(vote_type, Height(height), Round(round_number), value, validator)
        return sign_vote(self.keys[validator].key, self.chain_id, vote)

    def proposal(
        self,
        proposer: ValidatorId,
        *,
        height: int = 1,
        round_number: int = 0,
        value: BlockId = BLOCK_A,
        block: bytes = b"",
    ) -> peer_pb2.SignedProposal:
        proposal = Proposal(Height(height), Round(round_number), value, Round(-1), proposer)
        return sign_proposal(self.keys[proposer].key, self.chain_id, proposal, block)


@dataclass
class RecordingHandler:
    """The node side of the service, reduced to what arrived (the engine is not under test)."""

    messages: list[peer_pb2.ConsensusMessage] = field(default_factory=list)
    gossip: list[bytes] = field(default_factory=list)
    announced: list[bytes] = field(default_factory=list)

    def consensus_message(self, message: peer_pb2.ConsensusMessage) -> None:
        self.messages.append(message)

    def transactions_gossiped(self, envelopes: Sequence[bytes]) -> int:
        self.gossip.extend(envelopes)
        return len(envelopes)

    def block_announced(self, block: bytes, certificate: bytes) -> None:
        self.announced.append(block)

    def peer_status(self) -> peer_pb2.GetPeerStatusResponse:
        return peer_pb2.GetPeerStatusResponse(node_id="registrar-1", role="validator", height=9)

    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        return [peer_pb2.CertifiedBlock(block=b"block-%d" % from_height)]
