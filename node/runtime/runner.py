"""Starting and stopping one node: config -> genesis -> keys -> store -> engine -> gRPC server.

Start-up failures are named: ``InvalidConfig`` / ``InvalidGenesis`` / ``NodeSetupError`` (the
files do not describe a node that can run; ``tirkeu-node`` exits 2) and ``ChainStartError``
(the data directory cannot be resumed; exit 1, or 4 when it is damaged). A full disk or a
damaged store while running is a named stop too (node/runtime/failures.py). Stopping is
graceful: the engine finishes the block in progress, waiting clients and notification streams
are released, in-flight calls get a grace period, then the database is closed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from consensus.types import ValidatorId
from ledger.chain.store import Store, StoreUnavailable
from ledger.governance.rules import RulesVersionUnsupported
from ledger.governance.schedule import ValidatorSchedule, read_schedule
from ledger.identity.certificates import (
    CertificateKind,
    MalformedCertificate,
    load_certificates_pem,
)
from ledger.identity.identifiers import InvalidIdentifier
from node.api.notifications import NotificationStreams
from node.api.service import LedgerService
from node.chain.clock import offset_clock
from node.chain.commit import CommittedBlock
from node.chain.events import CommitSignal
from node.chain.evidence import EvidencePool
from node.chain.ledger_node import LedgerNode
from node.chain.mempool import Mempool
from node.chain.open import ChainSetup, ChainStartError, chain_setup, open_chain
from node.engine.handlers import ValidatorPeerHandler
from node.engine.observer import ObserverEngine, ObserverPeerHandler, SubmissionForwarder
from node.engine.solo import SoloEngine, SoloEngineUnfit, SoloPeerHandler
from node.engine.tendermint import TendermintEngine
from node.engine.wiring import ValidatorWiring
from node.operations.config import NodeConfig, NodeRole
from node.operations.metrics import NodeMetrics
from node.operations.tls import TlsMaterial
from node.peers.client import PeerClients
from node.peers.service import PeerHandler, PeerService
from node.peers.stream import peer_message_bytes
from node.peers.sync import BlockSync
from node.runtime.failures import NamedFailure, named_failure
from node.runtime.server import (
    RunningServer,
    ServerSetupError,
    check_message_limit,
    start_server,
)

Engine = SoloEngine | TendermintEngine | ObserverEngine

SHUTDOWN_GRACE_SECONDS = 2.0
ENGINE_STOP_SECONDS = 10.0


class NodeSetupError(Exception):
    """The configured files do not make a node that can run (keys, certificates, limits)."""


@dataclass(frozen=True, slots=True)
class NodeKeys:
    tls: TlsMaterial
    signing_key: ec.EllipticCurvePrivateKey


def load_node_keys(config: NodeConfig, schedule: ValidatorSchedule) -> NodeKeys:
    """The TLS material, checked against the validator sets in the node's state (ADR 0011): a
    validator named there must hold one of the certificates scheduled for it (the one in force,
    or the one a committed key rotation brings); an observer must hold none. A validator the
    state does not name yet (added by a change this node has not synced) may start: it votes
    once its set is in force."""
    try:
        certificate_pem = config.tls.certificate.read_bytes()
        key_pem = config.tls.key.read_bytes()
        trust_pem = config.tls.trust.read_bytes()
    except OSError as error:
        raise NodeSetupError(f"cannot read TLS files: {error}") from error
    try:
        certificate = load_certificates_pem(certificate_pem)[0]
        key = serialization.load_pem_private_key(key_pem, password=None)
        load_certificates_pem(trust_pem)
    except (MalformedCertificate, InvalidIdentifier, ValueError, TypeError, IndexError) as error:
        raise NodeSetupError(f"unusable TLS certificate, key or trust bundle: {error}") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise NodeSetupError(f"{config.tls.key} is not an ECDSA P-256 private key")
    if _public_key_bytes(key.public_key()) != _public_key_bytes(certificate.public_key()):
        raise NodeSetupError(f"{config.tls.key} is not the key of {config.tls.certificate}")
    scheduled = [v for s in schedule.sets for v in s.validators]
    if config.role is NodeRole.OBSERVER:
        if certificate.kind is not CertificateKind.NODE:
            raise NodeSetupError(f"{config.tls.certificate} is not a node certificate")
        if any(v.certificate_der == certificate.der for v in scheduled):
            raise NodeSetupError("an observer must not hold a validator's certificate")
        return NodeKeys(TlsMaterial(certificate_pem, key_pem, trust_pem), key)
    mine = {v.certificate_der for v in scheduled if v.validator_id == config.node_id}
    others = {v.certificate_der for v in scheduled if v.validator_id != config.node_id}
    if certificate.der in others:
        raise NodeSetupError(f"{config.tls.certificate} is another validator's certificate")
    if mine and certificate.der not in mine:
        raise NodeSetupError(
            f"{config.tls.certificate} is not a certificate the validator sets in state list "
            f"for {config.node_id!r}"
        )
    if certificate.kind is not CertificateKind.NODE:
        raise NodeSetupError(f"{config.tls.certificate} is not a node certificate")
    return NodeKeys(TlsMaterial(certificate_pem, key_pem, trust_pem), key)


def _public_key_bytes(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class NodeRuntime:
    """One running node. ``start`` returns once the node serves; ``stop`` is idempotent.

    The engine: an observer follows the chain (node/engine/observer.py); a validator runs the solo
    engine when it is the only validator and has no validator peers (it alone is a quorum),
    and Tendermint (node/engine/tendermint.py) otherwise.
    """

    def __init__(self, config: NodeConfig, log: FilteringBoundLogger) -> None:
        self.config = config
        self.log = log
        self.failed = threading.Event()  # set when the engine died: the process must exit 1
        # Set when the chain reached a rules version this node lacks (ADR 0012): exit 3.
        self.rules_unsupported = threading.Event()
        self.failure: NamedFailure | None = None  # a named stop (disk_full, ...): its exit code
        self.stopped = threading.Event()
        self.metrics = NodeMetrics()
        self._store: Store | None = None
        self._engine: Engine | None = None
        self._engine_thread: threading.Thread | None = None
        self._server: RunningServer | None = None
        self._node: LedgerNode | None = None
        self._peers: PeerClients | None = None
        self._sync: BlockSync | None = None
        self._forwarder: SubmissionForwarder | None = None

    def start(self) -> None:
        config = self.config
        try:
            genesis_bytes = config.genesis.read_bytes()
        except OSError as error:
            raise NodeSetupError(f"cannot read the genesis file: {error}") from error
        setup = chain_setup(genesis_bytes)  # InvalidGenesis propagates
        # Before anything opens: a receive limit that cannot carry a legal block would stall
        # the chain at the first full block (issue 13). MessageLimitTooSmall propagates.
        check_message_limit(config.limits.max_message_bytes, setup.genesis.limits)
        try:
            store = open_chain(config.data_dir, setup)
        except StoreUnavailable as error:
            raise ChainStartError(str(error)) from error
        self._store = store
        keys = load_node_keys(config, read_schedule(store.state))
        meta = store.load_meta()
        if meta is None:
            raise ChainStartError("the store has no chain after opening")
        self.log.info("chain_loaded", height=meta.height, state_root=meta.state_root.hex())
        self.metrics.height.set(meta.height)
        signal = CommitSignal(meta.height)
        mempool = Mempool(config.limits.max_pending_transactions)
        node = LedgerNode(store=store, setup=setup, mempool=mempool, signal=signal, log=self.log)
        self._node = node
        peer_handler = self._make_engine(setup, keys, store, node)
        service = LedgerService(
            node,
            node_id=config.node_id,
            role=config.role.value,
            streams=NotificationStreams(node, idle_seconds=config.notification_idle_seconds),
        )
        peer_service = (
            None
            if peer_handler is None
            else PeerService(
                peer_handler,
                setup,
                self.log,
                state=store.state,
                # Validators take KTK's observer's batched submissions (node/peers/forward.py).
                forwarding=None
                if config.role is NodeRole.OBSERVER
                else lambda envelopes, wait: node.submit_batch(envelopes, wait_for_commit=wait),
            )
        )
        self._server = start_server(
            service,
            config.listen,
            keys.tls,
            max_message_bytes=config.limits.max_message_bytes,
            max_transaction_bytes=setup.genesis.limits.max_transaction_bytes,
            max_block_bytes=setup.genesis.limits.max_block_bytes,
            peer_service=peer_service,
        )
        if config.metrics_listen is not None:
            try:
                self.metrics.serve(config.metrics_listen)
            except OSError as error:  # a named start-up failure, not a traceback (issue 13)
                raise ServerSetupError(
                    f"cannot listen on {config.metrics_listen} for metrics: {error}"
                ) from error
        self._engine_thread = threading.Thread(target=self._run_engine, name="engine", daemon=True)
        self._engine_thread.start()
        if self._sync is not None:
            self._sync.start()
        self._server.set_serving(True)
        self.log.info(
            "node_serving",
            listen=str(config.listen),
            port=self._server.port,
            role=config.role.value,
        )

    def _after_commit(self, committed: CommittedBlock) -> None:
        if self._node is not None:
            self._node.after_commit(committed)
        if isinstance(self._engine, SoloEngine) and self._peers is not None:
            # Tendermint announces its own commits; the solo engine's are announced here, so an
            # observer beside it follows at once instead of at its next sync poll.
            self._peers.announce(
                peer_pb2.CertifiedBlock(
                    block=committed.executed.block.encode(),
                    certificate=committed.certificate.encode(),
                )
            )
        self.metrics.height.set(committed.meta.height)
        self.metrics.mempool_size.set(0 if self._node is None else len(self._node.mempool))

    def _wake_sync(self) -> None:
        if self._sync is not None:
            self._sync.wake()

    def _make_engine(
        self, setup: ChainSetup, keys: NodeKeys, store: Store, node: LedgerNode
    ) -> PeerHandler | None:
        config = self.config
        validator_peers = [p for p in config.peers if p.role is NodeRole.VALIDATOR]
        wiring = ValidatorWiring(
            store=store,
            setup=setup,
            mempool=node.mempool,
            validator_id=ValidatorId(config.node_id),
            signing_key=keys.signing_key,
            block_config=config.block,
            on_committed=self._after_commit,
            log=self.log,
            clock_ms=offset_clock(config.clock_offset_ms),  # the wall clock unless a test skews it
        )
        if config.role is NodeRole.VALIDATOR and not validator_peers:
            try:
                solo = SoloEngine(**wiring)
            except SoloEngineUnfit as error:
                raise NodeSetupError(f"{error}; configure [[peers]] for BFT") from error
            node.set_transaction_listener(solo.transaction_arrived)
            self._engine = solo
            if config.peers:  # observers only (validator peers would mean BFT): announce to them
                self._peers = PeerClients(
                    config.peers,
                    keys.tls,
                    self.log,
                    max_message_bytes=peer_message_bytes(setup.genesis.limits),
                )
                self.metrics.peers.set_function(self._peers.reachable_count)
            # The peer service an observer syncs from (issue 13): status, blocks, forwarding.
            return SoloPeerHandler(store, config.node_id)
        # Messages to peers within what every node must receive (issue 13).
        peers = PeerClients(
            config.peers,
            keys.tls,
            self.log,
            max_message_bytes=peer_message_bytes(setup.genesis.limits),
        )
        self._peers = peers
        self.metrics.peers.set_function(peers.reachable_count)  # observers have no engine loop
        if config.role is NodeRole.OBSERVER:
            observer = ObserverEngine(
                store=store,
                setup=setup,
                metrics=self.metrics,
                on_committed=self._after_commit,
                on_behind=self._wake_sync,
                log=self.log,
            )
            self._forwarder = SubmissionForwarder(
                validator_peers,
                keys.tls,
                node.signal,
                self.log,
                local_state=node.transaction_state,
                store=store,
                setup=setup,
            )
            node.set_forwarder(self._forwarder)
            self._engine = observer
            self._sync = self._block_sync(peers, store, observer.synced_blocks)
            return ObserverPeerHandler(observer, store, config.node_id)
        engine = TendermintEngine(
            **wiring,
            consensus_config=config.consensus,
            peers=peers,
            evidence=EvidencePool(),
            metrics=self.metrics,
            on_behind=self._wake_sync,
        )
        node.set_transaction_listener(engine.transaction_arrived)
        node.set_admission_listener(lambda pending: peers.gossip((pending.envelope,)))
        self._engine = engine
        self._sync = self._block_sync(peers, store, engine.synced_blocks)
        return ValidatorPeerHandler(engine, node, store, config.node_id)

    def _block_sync(
        self,
        peers: PeerClients,
        store: Store,
        deliver: Callable[[str, Sequence[peer_pb2.CertifiedBlock]], None],
    ) -> BlockSync:
        def local_height() -> int:
            meta = store.load_meta()
            return 0 if meta is None else meta.height

        return BlockSync(
            peers=peers,
            local_height=local_height,
            deliver=deliver,
            interval_ms=self.config.consensus.sync_interval_ms,
            log=self.log,
        )

    def _run_engine(self) -> None:
        engine = self._engine
        if engine is None:
            return
        try:
            engine.run()
        except RulesVersionUnsupported as error:
            # Not a fault: the network moved to rules this software does not have. Stop
            # before executing or voting on the first block under them; every block before
            # stays served until the operator upgrades and restarts.
            self.log.error(
                "rules_version_unsupported",
                height=error.height,
                rules_version=error.version,
                supported=list(error.supported),
            )
            self.rules_unsupported.set()
            self.failed.set()
            self.stopped.set()
        except Exception as error:
            # A broken invariant (the store refused our own block, a corrupt record): stop
            # serving rather than answer from a state that may be wrong. A full disk or damaged
            # files are named, with the operator's remedy, rather than left in a traceback.
            failure = named_failure(error)
            if failure is None:
                self.log.exception("engine_failed")
            else:
                self.log.error(
                    failure.event,
                    error=type(error).__name__,
                    detail=str(error),
                    remedy=failure.remedy,
                    exit_code=failure.exit_code,
                )
            self.failure = failure
            self.failed.set()
            self.stopped.set()

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.stop()
        engine_stuck = False
        if self._engine_thread is not None:
            self._engine_thread.join(ENGINE_STOP_SECONDS)
            engine_stuck = self._engine_thread.is_alive()
            if engine_stuck:
                # Never close the database under a running engine; the process exit ends it.
                self.log.error("engine_did_not_stop", seconds=ENGINE_STOP_SECONDS)
        if self._sync is not None:
            self._sync.stop()
        if self._node is not None:
            self._node.signal.close()
        if self._server is not None:
            self._server.stop(SHUTDOWN_GRACE_SECONDS)
        if self._peers is not None:
            self._peers.close()
        if self._forwarder is not None:
            self._forwarder.close()
        if self._store is not None and not engine_stuck:
            self._store.close()
        self._engine = self._engine_thread = self._node = self._server = self._store = None
        self._peers = self._sync = self._forwarder = None
        self.stopped.set()
        self.log.info("node_stopped")
