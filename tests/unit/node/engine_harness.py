"""One real TendermintEngine (registrar-1 of FourValidators) in-process, with the other three
validators played by the test: it signs their votes and proposals with their keys and hands
them to the engine as the peer service would; what the engine sends goes over real mutual TLS
to a peer service standing in for registrar-2 (bft_fixtures.RecordingHandler).

    with running_engine(tmp_path, chain) as run:
        run.engine.consensus_message(ConsensusMessage(vote=chain.vote(...)))
        proposal = run.wait_for(lambda: run.own_proposal(height=1, round_number=3))
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import grpc
import structlog
from tirkeu_pb import peer_pb2

from ledger.chain.store import Store
from node.chain.commit import CommittedBlock
from node.chain.evidence import EvidencePool
from node.chain.mempool import Mempool
from node.chain.open import open_chain
from node.engine.tendermint import TendermintEngine
from node.operations.config import BlockConfig, ConsensusConfig, NodeRole, PeerConfig
from node.operations.metrics import NodeMetrics
from node.operations.tls import TlsMaterial
from node.peers.client import PeerClients
from node.peers.service import PeerService, add_peer_service
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators, RecordingHandler
from tests.unit.node.conftest import ManualClock

ENGINE_ID = VALIDATOR_IDS[0]
STAND_IN_ID = VALIDATOR_IDS[1]
DEADLINE_SECONDS = 30.0
SHORT_TIMEOUTS = ConsensusConfig(
    timeout_propose_ms=300,
    timeout_propose_delta_ms=50,
    timeout_prevote_ms=100,
    timeout_prevote_delta_ms=50,
    timeout_precommit_ms=100,
    timeout_precommit_delta_ms=50,
    regossip_interval_ms=100,
)

_T = TypeVar("_T")


@dataclass
class RunningEngine:
    engine: TendermintEngine
    store: Store
    evidence: EvidencePool
    metrics: NodeMetrics
    sent: RecordingHandler  # what the engine sent to registrar-2
    committed: list[CommittedBlock]

    def own_proposal(self, *, height: int, round_number: int) -> peer_pb2.SignedProposal | None:
        for message in list(self.sent.messages):
            proposal = message.proposal
            if message.HasField("proposal") and (proposal.height, proposal.round) == (
                height,
                round_number,
            ):
                return proposal
        return None

    @staticmethod
    def wait_for(found: Callable[[], _T | None], what: str) -> _T:
        """Poll until ``found`` gives something, within a bounded deadline."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while (value := found()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}")
            time.sleep(0.02)  # a poll interval, bounded by the deadline above
        return value


def _stand_in_server(chain: FourValidators, handler: RecordingHandler) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add_peer_service(server, PeerService(handler, chain.setup, structlog.get_logger()))
    identity = chain.keys[STAND_IN_ID]
    authority = chain.parties.authority
    credentials = grpc.ssl_server_credentials(
        [(identity.key_pem, identity.pem + authority.intermediate.pem)],
        root_certificates=authority.chain_pem,
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, port


@contextmanager
def running_engine(directory: Path, chain: FourValidators) -> Iterator[RunningEngine]:
    handler = RecordingHandler()
    server, port = _stand_in_server(chain, handler)
    identity = chain.keys[ENGINE_ID]
    authority = chain.parties.authority
    chain_pem = identity.pem + authority.intermediate.pem
    tls = TlsMaterial(chain_pem, identity.key_pem, authority.chain_pem)
    log = structlog.get_logger()
    peers = PeerClients(
        (PeerConfig(STAND_IN_ID, f"127.0.0.1:{port}", NodeRole.VALIDATOR),), tls, log
    )
    store = open_chain(directory, chain.setup)
    committed: list[CommittedBlock] = []
    evidence = EvidencePool()
    metrics = NodeMetrics()
    engine = TendermintEngine(
        store=store,
        setup=chain.setup,
        mempool=Mempool(capacity=10),
        validator_id=ENGINE_ID,
        signing_key=identity.key,
        block_config=BlockConfig(batch_delay_ms=10, empty_block_interval_ms=50),
        consensus_config=SHORT_TIMEOUTS,
        peers=peers,
        evidence=evidence,
        metrics=metrics,
        on_committed=committed.append,
        on_behind=lambda: None,
        log=log,
        clock_ms=ManualClock(),
    )
    thread = threading.Thread(target=engine.run, name="engine-under-test", daemon=True)
    thread.start()
    try:
        yield RunningEngine(engine, store, evidence, metrics, handler, committed)
    finally:
        engine.stop()
        thread.join(timeout=DEADLINE_SECONDS)
        peers.close()
        server.stop(None).wait()
        store.close()
