"""A local Tirkeu cluster on disk: test CA, node certificates, genesis and node configs.

    DIR/cluster.json                  what `tirkeu-cluster` made: chain id, nodes, their ports
    DIR/ca/                           the test CA (a `tirkeu-pki` directory), unless --ca-dir
    DIR/genesis.json                  trusted CAs, KTK/State Corporation/Bureau BINs, registrars
    DIR/NODE/node.toml                the node's config (`tirkeu-node --config`)
    DIR/NODE/node.{key,cert}.pem      its TLS and vote-signing identity; ca.chain.pem its trust
    DIR/NODE/data/, node.log, node.pid

Participants' certificates (registrars, KTK, recipients) are not made here: issue them from the
same CA with `tirkeu-pki issue DIR/ca ...`. Running the processes is clients/cluster/processes.py.
Validators are registrar-1..N (one vote each); `--observer` adds `ktk-observer`, the KTK node
that follows the chain and forwards submissions. Every node lists every other node as a peer
([[peers]], at its API address: the peer service shares the mutual-TLS port). Consensus
timeouts are short (loopback): see `_consensus_section`.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clients.cluster.participants import (
    ClusterError,
    InvalidClusterRequest,
    Participants,
)
from clients.pki.authority import issue_node
from clients.pki.directory import (
    CaDirectory,
    default_validity,
    initialise_ca_directory,
    locked,
    open_ca_directory,
    record_issued,
    write_new_file,
)
from ledger.chain.genesis import genesis_document, load_genesis

CLUSTER_FILE = "cluster.json"
GENESIS_FILE = "genesis.json"
CA_DIRECTORY = "ca"
NODE_CERTIFICATE_DAYS = 825
CA_DAYS = 3650
DEFAULT_CHAIN_ID = "tirkeu-local"
DEFAULT_BATCH_DELAY_MS = 50
LOOPBACK = "127.0.0.1"
RETIRED = "retired"  # the role of a validator removed from the set (clients/cluster/membership.py)


@dataclass(frozen=True, slots=True)
class ClusterNode:
    node_id: str
    role: str  # "validator", "observer", or RETIRED (removed from the set; not started)
    api: str  # HOST:PORT of the client API
    directory: Path

    @property
    def config(self) -> Path:
        return self.directory / "node.toml"

    @property
    def certificate(self) -> Path:
        return self.directory / "node.cert.pem"

    @property
    def key(self) -> Path:
        return self.directory / "node.key.pem"

    @property
    def trust(self) -> Path:
        return self.directory / "ca.chain.pem"

    @property
    def log(self) -> Path:
        return self.directory / "node.log"

    @property
    def pid_file(self) -> Path:
        return self.directory / "node.pid"


@dataclass(frozen=True, slots=True)
class Cluster:
    directory: Path
    chain_id: str
    ca_directory: Path
    nodes: tuple[ClusterNode, ...]
    batch_delay_ms: int = DEFAULT_BATCH_DELAY_MS
    # Validator-set changes committed (clients/cluster/membership.py): the next one's sequence.
    validator_changes: int = 0
    rules_upgrades: int = 0  # likewise for rules upgrades

    def after_upgrade(self) -> Cluster:
        return Cluster(
            self.directory,
            self.chain_id,
            self.ca_directory,
            self.nodes,
            self.batch_delay_ms,
            self.validator_changes,
            self.rules_upgrades + 1,
        )

    def after_change(self, nodes: tuple[ClusterNode, ...]) -> Cluster:
        """This cluster after one more committed validator-set change, with ``nodes``."""
        return Cluster(
            self.directory,
            self.chain_id,
            self.ca_directory,
            nodes,
            self.batch_delay_ms,
            self.validator_changes + 1,
            self.rules_upgrades,
        )

    @property
    def genesis(self) -> Path:
        return self.directory / GENESIS_FILE

    @property
    def ca_chain(self) -> Path:
        """The CA bundle (issuing CA + root) clients trust: `tirkeu --ca`."""
        return self.ca_directory / "chain.pem"

    def node(self, node_id: str) -> ClusterNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        known = ", ".join(node.node_id for node in self.nodes)
        raise InvalidClusterRequest(f"no node {node_id!r} in {self.directory} (nodes: {known})")

    def describe(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "chain_id": self.chain_id,
            "genesis": str(self.genesis),
            "ca_directory": str(self.ca_directory),
            "ca_chain": str(self.ca_chain),
            "nodes": [
                {
                    "node_id": node.node_id,
                    "role": node.role,
                    "api": node.api,
                    "config": str(node.config),
                    "log": str(node.log),
                }
                for node in self.nodes
            ],
        }


def load_cluster(directory: Path) -> Cluster:
    # Absolute: a node is started in its own directory, so a relative DIR would not lead back.
    directory = directory.absolute()
    path = directory / CLUSTER_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return Cluster(
            directory=directory,
            chain_id=document["chain_id"],
            ca_directory=directory / document["ca_directory"],
            nodes=tuple(
                ClusterNode(node["node_id"], node["role"], node["api"], directory / node["node_id"])
                for node in document["nodes"]
            ),
            batch_delay_ms=int(document.get("batch_delay_ms", DEFAULT_BATCH_DELAY_MS)),
            validator_changes=int(document.get("validator_changes", 0)),
            rules_upgrades=int(document.get("rules_upgrades", 0)),
        )
    except FileNotFoundError:
        raise InvalidClusterRequest(f"{directory} is not a cluster (no {CLUSTER_FILE})") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ClusterError(f"{path} is damaged: {error}") from None


def save_cluster(cluster: Cluster) -> None:
    """Write cluster.json (replacing it: membership changes rewrite it)."""
    path = cluster.directory / CLUSTER_FILE
    temporary = path.with_suffix(".json.new")
    temporary.unlink(missing_ok=True)
    _save_cluster(cluster, temporary)
    temporary.replace(path)


def _save_cluster(cluster: Cluster, path: Path | None = None) -> None:
    ca = cluster.ca_directory.resolve()
    base = cluster.directory.resolve()
    document = {
        "chain_id": cluster.chain_id,
        "ca_directory": str(ca.relative_to(base)) if ca.is_relative_to(base) else str(ca),
        "nodes": [
            {"node_id": node.node_id, "role": node.role, "api": node.api} for node in cluster.nodes
        ],
        "batch_delay_ms": cluster.batch_delay_ms,
        "validator_changes": cluster.validator_changes,
        "rules_upgrades": cluster.rules_upgrades,
    }
    target = path or cluster.directory / CLUSTER_FILE
    write_new_file(target, json.dumps(document, indent=2).encode(), 0o644)


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on now (the OS's choice); the node binds it soon after."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


OBSERVER_ID = "ktk-observer"
KTK_ORGANISATION = 'АО "Казахстанская жилищная компания"'  # O of the observer's certificate
MAX_VALIDATORS = 64


def require_supported_topology(validators: int, *, observer: bool) -> None:
    if not 1 <= validators <= MAX_VALIDATORS:
        raise InvalidClusterRequest(f"a cluster has 1..{MAX_VALIDATORS} validators")


def init_cluster(
    directory: Path,
    participants: Participants,
    *,
    validators: int = 1,
    observer: bool = False,
    chain_id: str = DEFAULT_CHAIN_ID,
    ca_directory: Path | None = None,
    batch_delay_ms: int = DEFAULT_BATCH_DELAY_MS,
    now: datetime | None = None,
) -> Cluster:
    """Write a new cluster into `directory` (absent or empty)."""
    require_supported_topology(validators, observer=observer)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise InvalidClusterRequest(f"{directory} exists and is not an empty directory")
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    directory.mkdir(parents=True, exist_ok=True)
    ca = _certificate_authority(directory, ca_directory, moment)
    nodes = tuple(
        ClusterNode(
            f"registrar-{index}",
            "validator",
            f"{LOOPBACK}:{free_port()}",
            directory / f"registrar-{index}",
        )
        for index in range(1, validators + 1)
    )
    validator_entries = [
        (node.node_id, _write_node_identity(ca, node, moment), 1) for node in nodes
    ]
    if observer:
        ktk = ClusterNode(
            OBSERVER_ID, "observer", f"{LOOPBACK}:{free_port()}", directory / OBSERVER_ID
        )
        # KTK's BIN makes it a node of this chain, which may sync (ledger/identity/roles.py
        # is_chain_node).
        _write_node_identity(ca, ktk, moment, KTK_ORGANISATION, participants.ktk_bin)
        nodes = (*nodes, ktk)
    genesis = genesis_document(
        chain_id=chain_id,
        genesis_time=moment,
        trusted_certificate_authorities_pem=[
            ca.intermediate.pem.decode(),
            ca.root.pem.decode(),
        ],
        ktk_bin=participants.ktk_bin,
        state_corporation_bin=participants.state_corporation_bin,
        first_credit_bureau_bin=participants.first_credit_bureau_bin,
        registrar_iins=participants.registrar_iins,
        ktk_head_iins=participants.ktk_head_iins,
        auditor_iins=participants.auditor_iins,
        validators=validator_entries,
    )
    genesis_bytes = json.dumps(genesis, indent=2, ensure_ascii=False).encode()
    load_genesis(genesis_bytes)  # the node will refuse a bad genesis; refuse it here first
    write_new_file(directory / GENESIS_FILE, genesis_bytes, 0o644)
    cluster = Cluster(directory, chain_id, ca.path, nodes, batch_delay_ms)
    for node in nodes:
        peers = [peer for peer in nodes if peer.node_id != node.node_id]
        text = node_config(node, batch_delay_ms) + peers_section(peers)
        write_new_file(node.config, text.encode(), 0o644)
    _save_cluster(cluster)
    return cluster


def _certificate_authority(directory: Path, existing: Path | None, moment: datetime) -> CaDirectory:
    if existing is not None:
        return open_ca_directory(existing)
    return initialise_ca_directory(
        directory / CA_DIRECTORY,
        "Tirkeu Test National CA",
        "Tirkeu Test Issuing CA",
        default_validity(moment, CA_DAYS),
        default_validity(moment, CA_DAYS // 2),
    )


def _write_node_identity(
    ca: CaDirectory, node: ClusterNode, moment: datetime, organisation: str = "", bin_: str = ""
) -> str:
    """Issue the node's certificate (recorded in the CA's index), with the organisation and BIN
    of its operator when given; returns its PEM."""
    node.directory.mkdir(mode=0o700)
    with locked(ca.path):
        current = open_ca_directory(ca.path)
        issued = issue_node(
            current.intermediate,
            node.node_id,
            validity=default_validity(moment, NODE_CERTIFICATE_DAYS),
            organisation=organisation or None,
            bin_=bin_ or None,
        )
        record_issued(current, issued)
    write_new_file(node.key, issued.key_pem, 0o600)
    write_new_file(node.certificate, issued.pem, 0o644)
    write_new_file(node.trust, ca.chain_file.read_bytes(), 0o644)
    return issued.pem.decode()


def node_config(node: ClusterNode, batch_delay_ms: int) -> str:
    return "\n".join(
        (
            f'node_id = "{node.node_id}"',
            f'role = "{node.role}"',
            'data_dir = "data"',
            f'genesis = "../{GENESIS_FILE}"',
            "",
            "[tls]",
            'certificate = "node.cert.pem"',
            'key = "node.key.pem"',
            'trust = "ca.chain.pem"',
            "",
            "[api]",
            f'listen = "{node.api}"',
            "",
            "[block]",
            f"batch_delay_ms = {batch_delay_ms}",
            "empty_block_interval_ms = 3000  # heartbeat while idle (node default: 60000)",
            "",
            _consensus_section(),
            "[metrics]",  # Prometheus; `tirkeu-cluster status` reads the node's peer count here
            f'listen = "{LOOPBACK}:{free_port()}"',
            "",
            "[log]",
            'level = "info"',
            "",
        )
    )


def _consensus_section() -> str:
    """Short timeouts: the nodes share one machine's loopback."""
    return "\n".join(
        (
            "[consensus]",
            "timeout_propose_ms = 1000",
            "timeout_propose_delta_ms = 250",
            "timeout_prevote_ms = 300",
            "timeout_prevote_delta_ms = 150",
            "timeout_precommit_ms = 300",
            "timeout_precommit_delta_ms = 150",
            "regossip_interval_ms = 500",
            "sync_interval_ms = 500",
            "",
        )
    )


def peers_section(peers: list[ClusterNode]) -> str:
    """Validators and the observer as [[peers]]; an observer lists the validators only."""
    lines = []
    for peer in peers:
        lines += [
            "",
            "[[peers]]",
            f'id = "{peer.node_id}"',
            f'address = "{peer.api}"',
            f'role = "{peer.role}"',
        ]
    return "\n".join(lines) + ("\n" if lines else "")
