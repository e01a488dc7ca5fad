"""The node's configuration file (TOML): who the node is, where its data and keys are, limits.

    node_id = "registrar-1"
    role = "validator"                  # or "observer": follows the chain, forwards submissions
    data_dir = "data"                   # relative paths are relative to this file
    genesis = "genesis.json"

    [tls]
    certificate = "node.cert.pem"       # also the validator's vote-signing identity
    key = "node.key.pem"
    trust = "ca.chain.pem"              # CA bundle (root + intermediates) for client certificates

    [api]
    listen = "127.0.0.1:7070"

    [block]
    batch_delay_ms = 50                 # wait this long for more transactions before sealing
    empty_block_interval_ms = 60000     # idle: a heartbeat block this long after the last one
    max_transactions = 500              # per block (also bounded by genesis)

    [limits]
    max_pending_transactions = 10000
    max_message_bytes = 4194304         # gRPC receive limit; above genesis max_transaction_bytes

    [consensus]                         # Tendermint timeouts (consensus/config.py), all optional
    timeout_propose_ms = 3000
    timeout_propose_delta_ms = 500
    timeout_prevote_ms = 1000
    timeout_prevote_delta_ms = 500
    timeout_precommit_ms = 1000
    timeout_precommit_delta_ms = 500
    regossip_interval_ms = 1000         # re-send this height's own messages this often
    sync_interval_ms = 1000             # ask peers for their height this often (block sync)
    max_clock_skew_ms = 5000            # a proposed block time this far ahead is refused

    [[peers]]                           # one per other node; validators talk consensus to
    id = "registrar-2"                  # validators and announce blocks to observers
    address = "127.0.0.1:7071"
    role = "validator"                  # default; "observer" only receives announced blocks

    [metrics]
    listen = "127.0.0.1:9100"           # Prometheus /metrics; absent: no metrics endpoint

    [log]
    level = "info"

    [testing]                           # TEST ONLY: never in a deployment
    clock_offset_ms = 0                 # skew this node's clock (scripts/chaos); may be negative

With one validator and no validator peers, the node runs the solo engine (node/engine/solo.py);
with more it runs Tendermint (node/engine/tendermint.py). A missing or invalid file is an
``InvalidConfig`` naming the field; ``tirkeu-node`` exits 2.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consensus.config import TimeoutConfig

LOG_LEVELS = ("debug", "info", "warning", "error")


class InvalidConfig(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"config field {field!r}: {problem}")
        self.field = field
        self.problem = problem


class NodeRole(enum.Enum):
    VALIDATOR = "validator"
    OBSERVER = "observer"


@dataclass(frozen=True, slots=True)
class TlsConfig:
    certificate: Path
    key: Path
    trust: Path


@dataclass(frozen=True, slots=True)
class ListenAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


DEFAULT_BATCH_DELAY_MS = 50
DEFAULT_EMPTY_BLOCK_INTERVAL_MS = 60_000  # a registry is idle most of the time
DEFAULT_MAX_BLOCK_TRANSACTIONS = 500
DEFAULT_MAX_PENDING_TRANSACTIONS = 10_000
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


# Like a Kubernetes watch's timeout: an idle stream ends and the client resumes from its height.
DEFAULT_NOTIFICATION_IDLE_SECONDS = 900


@dataclass(frozen=True, slots=True)
class BlockConfig:
    batch_delay_ms: int = DEFAULT_BATCH_DELAY_MS
    empty_block_interval_ms: int = DEFAULT_EMPTY_BLOCK_INTERVAL_MS
    max_transactions: int = DEFAULT_MAX_BLOCK_TRANSACTIONS


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    max_pending_transactions: int = DEFAULT_MAX_PENDING_TRANSACTIONS
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES


@dataclass(frozen=True, slots=True)
class PeerConfig:
    node_id: str
    address: str  # HOST:PORT of the peer's gRPC port (it may be a proxy in tests)
    role: NodeRole = NodeRole.VALIDATOR


@dataclass(frozen=True, slots=True)
class ConsensusConfig(TimeoutConfig):
    """[consensus]: the core's timeouts, with their defaults (consensus/config.py, so the file
    and the core cannot disagree), and the node's own intervals."""

    regossip_interval_ms: int = 1000
    sync_interval_ms: int = 1000
    max_clock_skew_ms: int = 5000


@dataclass(frozen=True, slots=True)
class NodeConfig:
    path: Path
    node_id: str
    role: NodeRole
    data_dir: Path
    genesis: Path
    tls: TlsConfig
    listen: ListenAddress
    block: BlockConfig
    limits: LimitsConfig
    log_level: str
    consensus: ConsensusConfig = ConsensusConfig()
    peers: tuple[PeerConfig, ...] = ()
    metrics_listen: ListenAddress | None = None
    # [notifications] idle_seconds: a stream that delivered nothing this long is ended (issue 13).
    notification_idle_seconds: int = DEFAULT_NOTIFICATION_IDLE_SECONDS
    # TEST ONLY ([testing] clock_offset_ms): added to the wall clock the validator engines read,
    # so that scripts/chaos can skew one node's clock (node/chain/clock.py offset_clock).
    clock_offset_ms: int = 0


def load_config(path: Path) -> NodeConfig:
    """Read and check ``path``; relative paths in it are resolved against its directory."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidConfig("(file)", f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidConfig("(file)", f"{path} is not readable TOML: {error}") from None
    base = path.resolve().parent
    top = _Table(document, "")
    role_text = top.text("role", "validator")
    try:
        role = NodeRole(role_text)
    except ValueError:
        raise InvalidConfig("role", f"{role_text!r} is not 'validator' or 'observer'") from None
    tls = top.table("tls")
    block = top.table("block", required=False)
    limits = top.table("limits", required=False)
    log_level = top.table("log", required=False).text("level", "info").lower()
    if log_level not in LOG_LEVELS:
        raise InvalidConfig("log.level", f"{log_level!r} is not one of {', '.join(LOG_LEVELS)}")
    return NodeConfig(
        path=path,
        node_id=_nonempty(top.text("node_id"), "node_id"),
        role=role,
        data_dir=base / top.text("data_dir"),
        genesis=base / top.text("genesis"),
        tls=TlsConfig(
            certificate=base / tls.text("certificate"),
            key=base / tls.text("key"),
            trust=base / tls.text("trust"),
        ),
        listen=_listen(top.table("api").text("listen")),
        block=BlockConfig(
            batch_delay_ms=block.positive("batch_delay_ms", DEFAULT_BATCH_DELAY_MS, zero=True),
            empty_block_interval_ms=block.positive(
                "empty_block_interval_ms", DEFAULT_EMPTY_BLOCK_INTERVAL_MS
            ),
            max_transactions=block.positive("max_transactions", DEFAULT_MAX_BLOCK_TRANSACTIONS),
        ),
        limits=LimitsConfig(
            max_pending_transactions=limits.positive(
                "max_pending_transactions", DEFAULT_MAX_PENDING_TRANSACTIONS
            ),
            max_message_bytes=limits.positive("max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES),
        ),
        log_level=log_level,
        consensus=_consensus(top.table("consensus", required=False)),
        peers=_peers(top.values.get("peers", [])),
        metrics_listen=_metrics_listen(top.table("metrics", required=False)),
        notification_idle_seconds=top.table("notifications", required=False).positive(
            "idle_seconds", DEFAULT_NOTIFICATION_IDLE_SECONDS
        ),
        clock_offset_ms=_clock_offset_ms(top.table("testing", required=False)),
    )


def _clock_offset_ms(table: _Table) -> int:
    value = table.values.get("clock_offset_ms", 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidConfig(table.name("clock_offset_ms"), f"expected an integer, got {value!r}")
    return value


def _consensus(table: _Table) -> ConsensusConfig:
    defaults = ConsensusConfig()
    values = {
        name: table.positive(name, getattr(defaults, name), zero=name.endswith("delta_ms"))
        for name in ConsensusConfig.__dataclass_fields__
    }
    return ConsensusConfig(**values)


def _peers(entries: object) -> tuple[PeerConfig, ...]:
    if not isinstance(entries, list):
        raise InvalidConfig("peers", "expected an array of tables ([[peers]])")
    peers = []
    for index, entry in enumerate(entries):
        table = _Table(entry, f"peers[{index}]")
        role_text = table.text("role", "validator")
        try:
            role = NodeRole(role_text)
        except ValueError:
            raise InvalidConfig(table.name("role"), f"{role_text!r} is not a role") from None
        address = table.text("address")
        _listen(address, table.name("address"))
        peers.append(PeerConfig(_nonempty(table.text("id"), table.name("id")), address, role))
    if len({peer.node_id for peer in peers}) != len(peers):
        raise InvalidConfig("peers", "a peer id appears twice")
    return tuple(peers)


def _metrics_listen(table: _Table) -> ListenAddress | None:
    if "listen" not in table.values:
        return None
    return _listen(table.text("listen"), "metrics.listen")


class _Table:
    def __init__(self, values: object, path: str) -> None:
        if not isinstance(values, dict):
            raise InvalidConfig(path, "expected a table")
        self.values: dict[str, Any] = values
        self.path = path

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str, default: str | None = None) -> str:
        value = self.values.get(key, default)
        if value is None:
            raise InvalidConfig(self.name(key), "missing")
        if not isinstance(value, str):
            raise InvalidConfig(self.name(key), "expected a string")
        return value

    def positive(self, key: str, default: int, *, zero: bool = False) -> int:
        value = self.values.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if zero else 1):
            bound = "a non-negative" if zero else "a positive"
            raise InvalidConfig(self.name(key), f"expected {bound} integer, got {value!r}")
        return value

    def table(self, key: str, *, required: bool = True) -> _Table:
        if key not in self.values and not required:
            return _Table({}, self.name(key))
        if key not in self.values:
            raise InvalidConfig(self.name(key), "missing table")
        return _Table(self.values[key], self.name(key))


def _nonempty(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidConfig(field, "must not be empty")
    return value


def _listen(text: str, field: str = "api.listen") -> ListenAddress:
    host, separator, port_text = text.rpartition(":")
    if not separator or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InvalidConfig(field, f"{text!r} is not HOST:PORT")
    return ListenAddress(host.strip("[]"), int(port_text))
