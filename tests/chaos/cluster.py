"""The 4+1 cluster under test, with a TCP proxy on every link between nodes.

tests/integration/cluster_harness.py builds the nodes and proxies every directed
validator-to-validator link; this adds proxies on the links between validators and the KTK
observer (both directions: validators announce blocks to it, it forwards submissions and syncs
from them), one-way cuts, pauses, and the test-only clock offset of node/operations/config.py.

Clients talk to every node's own API port directly: the nemesis cuts links between nodes, not
between the clients and the nodes (a client's lost connection is a node kill or pause).

May import: tests.integration, ledger; never node.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.integration.cluster_harness import ClusterNode, LocalCluster
from tests.integration.proxy import BACKWARD, FORWARD, TcpProxy
from tests.registry_fixtures import Parties

TESTING_SECTION = "\n# chaos: test-only clock skew\n[testing]\n"


class ChaosCluster:
    def __init__(self, workdir: Path, *, empty_block_interval_ms: int = 400) -> None:
        self.base = LocalCluster(
            workdir,
            validators=4,
            observer=True,
            links=True,
            empty_block_interval_ms=empty_block_interval_ms,
        )
        observer = self.base.observer
        if observer is None:
            raise RuntimeError("the chaos cluster needs the KTK observer")
        self.observer = observer
        self.validators = self.base.validators
        self.proxies = self.base.proxies  # (from, to) -> proxy carrying from's connections to to
        genesis = json.loads((self.validators[0].workdir / "genesis.json").read_text())
        for node in self.validators:
            outward = TcpProxy(observer.port)
            inward = TcpProxy(node.port)
            self.proxies[(node.node_id, observer.node_id)] = outward
            self.proxies[(observer.node_id, node.node_id)] = inward
            peers = [
                (other.node_id, self.proxies[(node.node_id, other.node_id)].address, "validator")
                for other in self.validators
                if other is not node
            ]
            node.configure(genesis, [*peers, (observer.node_id, outward.address, "observer")])
        observer.configure(
            genesis,
            [
                (v.node_id, self.proxies[(observer.node_id, v.node_id)].address, "validator")
                for v in self.validators
            ],
        )
        self.paused: set[str] = set()

    @property
    def nodes(self) -> list[ClusterNode]:
        return self.base.nodes

    @property
    def parties(self) -> Parties:
        return self.base.parties

    def node(self, node_id: str) -> ClusterNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise KeyError(node_id)

    def start_all(self) -> None:
        self.base.start_all()

    # --- links ------------------------------------------------------------------------------

    def cut(self, a: str, b: str) -> None:
        """Nothing passes between a and b, either way."""
        for key in ((a, b), (b, a)):
            if key in self.proxies:
                self.proxies[key].cut()

    def cut_one_way(self, a: str, b: str) -> None:
        """a's bytes never reach b; b's bytes reach a. Both connections between them carry
        bytes of each side (gRPC streams are two-way), so both proxies drop a's side."""
        if (a, b) in self.proxies:
            self.proxies[(a, b)].drop(FORWARD)
        if (b, a) in self.proxies:
            self.proxies[(b, a)].drop(BACKWARD)

    def isolate(self, node_id: str) -> None:
        self.base.isolate(node_id)

    def heal_links(self) -> None:
        for proxy in self.proxies.values():
            proxy.restore()

    # --- processes --------------------------------------------------------------------------

    def kill(self, node_id: str) -> None:
        node = self.node(node_id)
        if node_id in self.paused:
            self.resume(node_id)  # a stopped process still dies by SIGKILL; keep the books right
        node.kill()

    def start(self, node_id: str) -> None:
        node = self.node(node_id)
        if not node.running:
            node.start()

    def pause(self, node_id: str) -> None:
        node = self.node(node_id)
        if node.process is not None and node.running:
            node.process.send_signal(signal.SIGSTOP)
            self.paused.add(node_id)

    def resume(self, node_id: str) -> None:
        node = self.node(node_id)
        if node.process is not None and node_id in self.paused:
            node.process.send_signal(signal.SIGCONT)
        self.paused.discard(node_id)

    def set_clock_offset(self, node_id: str, offset_ms: int) -> None:
        """Rewrite the node's test-only ``[testing] clock_offset_ms`` (node/operations/config.py);
        it takes effect at the next start."""
        node = self.node(node_id)
        text = node.config_path.read_text()
        text = text.split(TESTING_SECTION, 1)[0]
        if offset_ms:
            text += f"{TESTING_SECTION}clock_offset_ms = {offset_ms}\n"
        node.config_path.write_text(text)

    def close(self) -> None:
        for node_id in list(self.paused):
            self.resume(node_id)
        self.base.close()
