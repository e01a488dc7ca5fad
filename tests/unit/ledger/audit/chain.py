"""A real chain on disk for audit tests: the lease-to-own story sealed into blocks by the node's
own block production (node.chain.proposer.assemble_block, node.chain.commit.persist_block) on a
LevelDB
directory, committed by four validators' precommits.

    chain = build_story_chain(tmp_path / "node")
    chain.data_dir, chain.genesis_path, chain.blocks[height]  # what went into each block

Block layout (heights): 1 property import; 2 a second property import and the lease application
(two transactions, so a test can name index 1); 3 payment confirmation; 4 attestation; 5 the
REGISTER decision (lease ACTIVE); 6 empty; 7 termination + ownership application; 8 attestation;
9 the REGISTER decision (lease TERMINATED, ownership to the lessee); 10 empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from consensus.types import Round, ValidatorId
from ledger.chain.blocks import CommitSignature, build_commit_certificate, sign_precommit
from ledger.chain.genesis import genesis_document, load_genesis
from ledger.chain.store import Store
from ledger.state.records import unix_ms
from node.chain.commit import persist_block
from node.chain.mempool import PendingTransaction
from node.chain.open import ChainSetup, chain_setup, open_chain
from node.chain.proposer import assemble_block
from tests.pki_fixtures import KTK_BIN, KTK_HEAD_IIN, REGISTRAR_IIN, STATE_CORPORATION_BIN
from tests.registry_fixtures import (
    AUDITOR_IIN,
    FIRST_BLOCK_TIME,
    FIRST_CREDIT_BUREAU_BIN,
    GENESIS_TIME,
    SECOND_REGISTRAR_IIN,
    TEST_CHAIN_ID,
    Parties,
    envelope_transaction_id,
    payment_document,
)
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story, shared_parties

SECOND_CADASTRAL_NUMBER = "21:318:023:1245:1/46"
VALIDATOR_IDS = ("validator-1", "validator-2", "validator-3", "validator-4")
_VALIDATORS: list[tuple[IssuedCertificate, ...]] = []


def validator_certificates(parties: Parties) -> tuple[IssuedCertificate, ...]:
    """validator-1 is the parties' node certificate; the others are issued once per run."""
    if not _VALIDATORS:
        others = tuple(parties.authority.issue_node(name) for name in VALIDATOR_IDS[1:])
        _VALIDATORS.append((parties.validator, *others))
    return _VALIDATORS[0]


def story_genesis_bytes(parties: Parties) -> bytes:
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
        validators=[
            (name, issued.pem.decode(), 1)
            for name, issued in zip(VALIDATOR_IDS, validator_certificates(parties), strict=True)
        ],
    )
    return json.dumps(document, indent=2).encode()


@dataclass
class StoryChain:
    data_dir: Path
    genesis_path: Path
    genesis_bytes: bytes
    parties: Parties
    blocks: dict[int, list[bytes]] = field(default_factory=dict)  # envelopes per height
    lease_application_id: str = ""

    @property
    def tip(self) -> int:
        return max(self.blocks)

    @property
    def ledger_dir(self) -> Path:
        return self.data_dir / "ledger"


class ChainWriter:
    """Seals blocks the way the node does, with precommits from every validator."""

    def __init__(self, store: Store, setup: ChainSetup, parties: Parties) -> None:
        self.store = store
        self.setup = setup
        self.keys = dict(zip(VALIDATOR_IDS, validator_certificates(parties), strict=True))
        self.time = FIRST_BLOCK_TIME

    def seal(self, envelopes: list[bytes]) -> int:
        meta = self.store.load_meta()
        height = 1 if meta is None else meta.height + 1
        proposer = ValidatorId(VALIDATOR_IDS[height % len(VALIDATOR_IDS)])
        pending = [PendingTransaction(envelope_transaction_id(e), e) for e in envelopes]
        proposed = assemble_block(self.store, self.setup, proposer, unix_ms(self.time), pending)
        if proposed.rejections:
            raise AssertionError(f"the story's block {height} rejects {proposed.rejections}")
        block = proposed.executed.block
        signatures = [
            CommitSignature(
                ValidatorId(name),
                sign_precommit(
                    issued.key, self.setup.chain_id, block.height, Round(0), block.block_hash
                ),
            )
            for name, issued in self.keys.items()
        ]
        certificate = build_commit_certificate(
            self.setup.validators.validator_set,
            block.height,
            Round(0),
            block.block_hash,
            signatures,
        )
        persist_block(self.store, self.setup, proposed.executed, certificate)
        self.time += timedelta(minutes=1)
        return block.height


def build_story_chain(data_dir: Path, *, until_height: int = 10) -> StoryChain:
    """The story's blocks up to ``until_height`` (6: the lease is registered and ACTIVE)."""
    parties = shared_parties()
    genesis_bytes = story_genesis_bytes(parties)
    genesis_path = data_dir.parent / "genesis.json"
    data_dir.mkdir(parents=True)
    genesis_path.write_bytes(genesis_bytes)
    setup = chain_setup(genesis_bytes)
    story = Story(parties, load_genesis(genesis_bytes))
    chain = StoryChain(data_dir, genesis_path, genesis_bytes, parties)
    with open_chain(data_dir, setup) as store:
        writer = ChainWriter(store, setup, parties)

        def seal(*envelopes: bytes) -> None:
            if len(chain.blocks) < until_height:
                chain.blocks[writer.seal(list(envelopes))] = list(envelopes)

        p = parties
        seal(story.envelope(story.property_import(), p.registrar))
        second = story.property_import(cadastral_number=SECOND_CADASTRAL_NUMBER)
        lease = story.envelope(story.lease_application(), p.ktk_officer, p.recipient)
        lease_id = envelope_transaction_id(lease)
        chain.lease_application_id = lease_id
        seal(story.envelope(second, p.registrar), lease)
        seal(story.envelope(story.sending(lease_id), p.ktk_officer, p.recipient))
        seal(story.envelope(story.attestation(lease_id, at=writer.time), p.registrar))
        seal(story.envelope(story.decision(lease_id, pb.REGISTER), p.registrar))
        seal()
        pair = story.envelope(story.termination(lease_id), p.ktk_officer)
        pair_id = envelope_transaction_id(pair)
        seal(pair)
        seal(
            story.envelope(
                story.sending(pair_id, payment_document(reference="KZ-PAY-2")),
                p.ktk_officer,
                p.recipient,
            ),
            story.envelope(story.attestation(pair_id, at=writer.time), p.registrar),
        )
        seal(story.envelope(story.decision(pair_id, pb.REGISTER), p.registrar))
        seal()
    return chain


__all__ = ["CADASTRAL_NUMBER", "SECOND_CADASTRAL_NUMBER", "StoryChain", "build_story_chain"]
