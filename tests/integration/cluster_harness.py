"""Several real ``tirkeu-node`` processes on loopback: four registrar validators and the KTK
observer, sharing one test CA and one genesis (tests/integration/harness.py runs each process).

    cluster = LocalCluster(tmp_path, validators=4, observer=True)
    cluster.start_all()
    ...
    cluster.close()                     # always (in a finally or a fixture)

``links`` (optional) puts a TcpProxy on every directed validator-to-validator link, so a test
can isolate a validator (``isolate`` / ``reconnect``). Consensus timeouts are short.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clients.pki.authority import IssuedCertificate
from ledger.chain.genesis import genesis_document
from ledger.chain.store import Store
from tests.integration.harness import CHAIN_ID, NodeProcess, NodeSettings
from tests.integration.proxy import TcpProxy
from tests.pki_fixtures import KTK_BIN, KTK_HEAD_IIN, KTK_NAME, REGISTRAR_IIN, STATE_CORPORATION_BIN
from tests.registry_fixtures import (
    AUDITOR_IIN,
    FIRST_CREDIT_BUREAU_BIN,
    SECOND_REGISTRAR_IIN,
    Parties,
)

CONSENSUS = """
[consensus]
timeout_propose_ms = 800
timeout_propose_delta_ms = 200
timeout_prevote_ms = 300
timeout_prevote_delta_ms = 100
timeout_precommit_ms = 300
timeout_precommit_delta_ms = 100
regossip_interval_ms = 300
sync_interval_ms = 300
"""


class ClusterNode(NodeProcess):
    """One node of a LocalCluster; its files are written by ``configure``."""

    def __init__(
        self,
        workdir: Path,
        parties: Parties,
        node_id: str,
        role: str,
        empty_block_interval_ms: int = 400,
        *,
        block_transactions: int = 200,
        max_message_bytes: int | None = None,
    ) -> None:
        self.node_id = node_id
        self.role = role
        self.empty_block_interval_ms = empty_block_interval_ms
        self.block_transactions = block_transactions  # [block] max_transactions
        self.max_message_bytes = max_message_bytes  # [limits]; None: the node's default
        # KTK's observer is a node of this chain through KTK's BIN (ledger/identity/roles.py
        # is_chain_node): without it, validators refuse it block sync.
        observer = role == "observer"
        self.identity: IssuedCertificate = parties.authority.issue_node(
            node_id,
            organisation=KTK_NAME if observer else None,
            bin_=KTK_BIN if observer else None,
        )
        super().__init__(
            workdir, parties, NodeSettings(empty_block_interval_ms=empty_block_interval_ms)
        )

    def _write_files(self) -> None:  # written by configure, once the genesis exists
        return None

    def configure(self, genesis: dict[str, Any], peers: list[tuple[str, str, str]]) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        intermediate = self.parties.authority.intermediate
        (self.workdir / "node.cert.pem").write_bytes(self.identity.pem + intermediate.pem)
        key_path = self.workdir / "node.key.pem"
        key_path.write_bytes(self.identity.key_pem)
        key_path.chmod(0o600)
        (self.workdir / "ca.chain.pem").write_bytes(self.trust_pem)
        (self.workdir / "genesis.json").write_text(json.dumps(genesis, indent=2))
        peer_tables = "".join(
            f'\n[[peers]]\nid = "{peer_id}"\naddress = "{address}"\nrole = "{role}"\n'
            for peer_id, address, role in peers
        )
        self.config_path.write_text(
            f'node_id = "{self.node_id}"\nrole = "{self.role}"\n'
            'data_dir = "data"\ngenesis = "genesis.json"\n\n'
            '[tls]\ncertificate = "node.cert.pem"\nkey = "node.key.pem"\ntrust = "ca.chain.pem"\n\n'
            f'[api]\nlisten = "{self.address}"\n\n'
            "[block]\nbatch_delay_ms = 20\n"
            f"empty_block_interval_ms = {self.empty_block_interval_ms}\n"
            f"max_transactions = {self.block_transactions}\n\n"
            "[limits]\nmax_pending_transactions = 5000\n"
            + (
                ""
                if self.max_message_bytes is None
                else f"max_message_bytes = {self.max_message_bytes}\n"
            )
            + f"{CONSENSUS}\n"
            '[log]\nlevel = "info"\n' + peer_tables
        )

    def height(self) -> int:
        return int(self.chain_info().height)

    def store(self) -> Store:
        """The node's database (the node must be stopped: LevelDB admits one process)."""
        return Store(self.data_dir / "ledger")


class LocalCluster:
    def __init__(
        self,
        workdir: Path,
        *,
        validators: int = 4,
        observer: bool = True,
        links: bool = False,
        empty_block_interval_ms: int = 400,
        genesis_limits: dict[str, int] | None = None,
        block_transactions: int = 200,
        max_message_bytes: int | None = None,
    ) -> None:
        """``empty_block_interval_ms``: the idle heartbeat (node/engine/idle.py); short by
        default, so that tests waiting for heights see blocks without submitting.
        ``genesis_limits`` overrides fields of the genesis ``limits``; ``block_transactions``
        and ``max_message_bytes`` are every node's [block] max_transactions and [limits]
        max_message_bytes."""
        self.parties = Parties.create()
        self.genesis_limits = genesis_limits or {}
        self.validators = [
            ClusterNode(
                workdir / f"registrar-{i}",
                self.parties,
                f"registrar-{i}",
                "validator",
                empty_block_interval_ms,
                block_transactions=block_transactions,
                max_message_bytes=max_message_bytes,
            )
            for i in range(1, validators + 1)
        ]
        self.observer = (
            ClusterNode(
                workdir / "ktk-observer",
                self.parties,
                "ktk-observer",
                "observer",
                block_transactions=block_transactions,
                max_message_bytes=max_message_bytes,
            )
            if observer
            else None
        )
        self.proxies: dict[tuple[str, str], TcpProxy] = {}
        genesis = self._genesis()
        for node in self.validators:
            peers = []
            for other in self.validators:
                if other is node:
                    continue
                address = other.address
                if links:
                    proxy = TcpProxy(other.port)
                    self.proxies[(node.node_id, other.node_id)] = proxy
                    address = proxy.address
                peers.append((other.node_id, address, "validator"))
            if self.observer is not None:
                peers.append((self.observer.node_id, self.observer.address, "observer"))
            node.configure(genesis, peers)
        if self.observer is not None:
            self.observer.configure(
                genesis, [(v.node_id, v.address, "validator") for v in self.validators]
            )

    @property
    def nodes(self) -> list[ClusterNode]:
        return [*self.validators, *([self.observer] if self.observer else [])]

    def _genesis(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        document = genesis_document(
            chain_id=CHAIN_ID,
            genesis_time=now.replace(microsecond=now.microsecond // 1000 * 1000),
            trusted_certificate_authorities_pem=[self.parties.authority.chain_pem.decode()],
            ktk_bin=KTK_BIN,
            state_corporation_bin=STATE_CORPORATION_BIN,
            first_credit_bureau_bin=FIRST_CREDIT_BUREAU_BIN,
            registrar_iins=[REGISTRAR_IIN, SECOND_REGISTRAR_IIN],
            ktk_head_iins=[KTK_HEAD_IIN],
            auditor_iins=[AUDITOR_IIN],
            validators=[(v.node_id, v.identity.pem.decode(), 1) for v in self.validators],
        )
        document["limits"].update(self.genesis_limits)
        return document

    def start_all(self) -> None:
        for node in self.nodes:
            node.start()

    def isolate(self, node_id: str) -> None:
        for (source, target), proxy in self.proxies.items():
            if node_id in (source, target):
                proxy.cut()

    def reconnect(self, node_id: str) -> None:
        for (source, target), proxy in self.proxies.items():
            if node_id in (source, target):
                proxy.restore()

    def close(self) -> None:
        for node in self.nodes:
            node.close()
        for proxy in self.proxies.values():
            proxy.close()


def wait_for(condition: Callable[[], bool], seconds: float, describe: Callable[[], str]) -> None:
    """Poll ``condition`` until it holds; fail with ``describe()`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(describe())
        time.sleep(0.05)  # a poll interval, not a wait for the condition: bounded above


def heights(nodes: list[ClusterNode]) -> dict[str, int]:
    found = {}
    for node in nodes:
        try:
            found[node.node_id] = node.height()
        except Exception:  # a stopped or busy node has no height now
            found[node.node_id] = -1
    return found
