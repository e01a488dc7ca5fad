"""Live samples of every node's tip while the run goes: heights, block hashes, state roots.

One thread per node asks GetChainInfo every ``INTERVAL_S`` (a paused or killed node just misses
samples). The first time the cluster's highest height grows after a moment is a commit time;
recovery times are measured on these. Two nodes reporting different block hashes or state roots
at one height is recorded at once as a divergence (the checker fails the run on any).

May import: tests.chaos.cluster, tirkeu_pb.
"""

from __future__ import annotations

import bisect
import threading
import time

import grpc
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import api_pb2_grpc

from tests.chaos.cluster import ChaosCluster
from tests.chaos.history import History

INTERVAL_S = 0.25
CALL_TIMEOUT_S = 2.0


class ChainMonitor:
    def __init__(self, cluster: ChaosCluster, history: History) -> None:
        self._cluster = cluster
        self._history = history
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.tips: dict[str, tuple[int, str, str]] = {}  # node -> height, block hash, state root
        self.heights: dict[str, list[tuple[float, int]]] = {}  # node -> (time, height) on change
        self._seen: dict[int, dict[str, tuple[str, str]]] = {}
        self.divergences: list[dict[str, object]] = []
        self.commit_times: list[float] = []  # the times the cluster's highest height grew
        self._highest = 0
        self._threads = [
            threading.Thread(target=self._watch, args=(node.node_id,), daemon=True)
            for node in cluster.nodes
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(CALL_TIMEOUT_S * 2)

    def highest(self) -> int:
        with self._lock:
            return self._highest

    def height_of(self, node_id: str) -> int:
        with self._lock:
            return self.tips.get(node_id, (0, "", ""))[0]

    def next_commit_after(self, moment: float) -> float | None:
        with self._lock:
            index = bisect.bisect_right(self.commit_times, moment)
            return self.commit_times[index] if index < len(self.commit_times) else None

    def node_reached(self, node_id: str, height: int, after: float) -> float | None:
        """When ``node_id`` first reported ``height`` or more, at or after ``after``."""
        with self._lock:
            for moment, reached in self.heights.get(node_id, []):
                if moment >= after and reached >= height:
                    return moment
        return None

    def _watch(self, node_id: str) -> None:
        node = self._cluster.node(node_id)
        stub = api_pb2_grpc.LedgerStub(node.channel(self._cluster.parties.tls_client))  # type: ignore[no-untyped-call]
        while not self._stop.is_set():
            try:
                info: api.ChainInfo = stub.GetChainInfo(
                    api.GetChainInfoRequest(), timeout=CALL_TIMEOUT_S
                )
            except grpc.RpcError:
                self._stop.wait(INTERVAL_S)
                continue
            self._record(node_id, info)
            self._stop.wait(INTERVAL_S)

    def _record(self, node_id: str, info: api.ChainInfo) -> None:
        moment = self._history.now()
        height, block_hash, root = info.height, info.latest_block_hash.hex(), info.state_root.hex()
        with self._lock:
            previous = self.tips.get(node_id)
            self.tips[node_id] = (height, block_hash, root)
            if previous is None or previous[0] != height:
                self.heights.setdefault(node_id, []).append((moment, height))
            at_height = self._seen.setdefault(height, {})
            at_height[node_id] = (block_hash, root)
            if len(set(at_height.values())) > 1:
                self.divergences.append(
                    {"time": moment, "height": height, "nodes": dict(at_height)}
                )
            if height > self._highest:
                self._highest = height
                self.commit_times.append(moment)


def wait_until(condition: object, seconds: float) -> bool:
    """Poll ``condition`` (a callable) until it holds or ``seconds`` pass; True if it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)  # a poll interval, bounded by the deadline
    return False
