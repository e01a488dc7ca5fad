"""Starting and stopping one node: config -> genesis -> keys -> store -> engine -> gRPC server.

Start-up failures are named: ``InvalidConfig`` / ``InvalidGenesis`` / ``NodeSetupError`` (the
files do not describe a node that can run; ``tirkeu-node`` exits 2) and ``ChainStartError``
(the data directory cannot be resumed; exit 1). Stopping is graceful: the engine finishes the
block in progress, waiting clients and notification streams are released, in-flight calls get
a grace period, then the database is closed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from structlog.typing import FilteringBoundLogger

from consensus.types import ValidatorId
from ledger.certificates import (
    InvalidIdentifier,
    MalformedCertificate,
    load_certificates_pem,
)
from ledger.store import Store, StoreUnavailable
from node.api_service import LedgerService
from node.chain import ChainSetup, ChainStartError, chain_setup, open_chain
from node.config import NodeConfig
from node.events import CommitSignal
from node.ledger_node import LedgerNode
from node.mempool import Mempool
from node.server import RunningServer, TlsMaterial, start_server
from node.solo_engine import SoloEngine, SoloEngineUnfit

SHUTDOWN_GRACE_SECONDS = 2.0


class NodeSetupError(Exception):
    """The configured files do not make a node that can run (keys, certificates, limits)."""


@dataclass(frozen=True, slots=True)
class NodeKeys:
    tls: TlsMaterial
    signing_key: ec.EllipticCurvePrivateKey


def load_node_keys(config: NodeConfig, setup: ChainSetup) -> NodeKeys:
    """The TLS material, checked to be this validator's genesis identity and key."""
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
    validator = setup.validators.certificates.get(ValidatorId(config.node_id))
    if validator is None:
        raise NodeSetupError(f"{config.node_id!r} is not a validator of the genesis file")
    if validator.fingerprint != certificate.fingerprint:
        raise NodeSetupError(
            f"{config.tls.certificate} is not the certificate genesis lists for {config.node_id!r}"
        )
    return NodeKeys(TlsMaterial(certificate_pem, key_pem, trust_pem), key)


def _public_key_bytes(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class NodeRuntime:
    """One running node. ``start`` returns once the node serves; ``stop`` is idempotent."""

    def __init__(self, config: NodeConfig, log: FilteringBoundLogger) -> None:
        self.config = config
        self.log = log
        self.failed = threading.Event()  # set when the engine died: the process must exit 1
        self.stopped = threading.Event()
        self._store: Store | None = None
        self._engine: SoloEngine | None = None
        self._engine_thread: threading.Thread | None = None
        self._server: RunningServer | None = None
        self._node: LedgerNode | None = None

    def start(self) -> None:
        config = self.config
        try:
            genesis_bytes = config.genesis.read_bytes()
        except OSError as error:
            raise NodeSetupError(f"cannot read the genesis file: {error}") from error
        setup = chain_setup(genesis_bytes)  # InvalidGenesis propagates
        keys = load_node_keys(config, setup)
        try:
            store = open_chain(config.data_dir, setup)
        except StoreUnavailable as error:
            raise ChainStartError(str(error)) from error
        self._store = store
        meta = store.load_meta()
        if meta is None:
            raise ChainStartError("the store has no chain after opening")
        self.log.info("chain_loaded", height=meta.height, state_root=meta.state_root.hex())
        signal = CommitSignal(meta.height)
        mempool = Mempool(config.limits.max_pending_transactions)
        node = LedgerNode(store=store, setup=setup, mempool=mempool, signal=signal, log=self.log)
        self._node = node
        try:
            engine = SoloEngine(
                store=store,
                setup=setup,
                mempool=mempool,
                validator_id=ValidatorId(config.node_id),
                signing_key=keys.signing_key,
                block_config=config.block,
                on_committed=node.after_commit,
                log=self.log,
            )
        except SoloEngineUnfit as error:
            raise NodeSetupError(str(error)) from error
        node.set_transaction_listener(engine.transaction_arrived)
        service = LedgerService(node, node_id=config.node_id, role=config.role.value)
        self._server = start_server(
            service,
            config.listen,
            keys.tls,
            max_message_bytes=config.limits.max_message_bytes,
            max_transaction_bytes=setup.genesis.limits.max_transaction_bytes,
        )
        self._engine = engine
        self._engine_thread = threading.Thread(target=self._run_engine, name="engine", daemon=True)
        self._engine_thread.start()
        self._server.set_serving(True)
        self.log.info("node_serving", listen=str(config.listen), port=self._server.port)

    def _run_engine(self) -> None:
        engine = self._engine
        if engine is None:
            return
        try:
            engine.run()
        except Exception:
            # A broken invariant (the store refused our own block, a corrupt record): stop
            # serving rather than answer from a state that may be wrong.
            self.log.exception("engine_failed")
            self.failed.set()
            self.stopped.set()

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.stop()
        if self._engine_thread is not None:
            self._engine_thread.join()
        if self._node is not None:
            self._node.signal.close()
        if self._server is not None:
            self._server.stop(SHUTDOWN_GRACE_SECONDS)
        if self._store is not None:
            self._store.close()
        self._engine = self._engine_thread = self._node = self._server = self._store = None
        self.stopped.set()
        self.log.info("node_stopped")
