"""The chaos harness (scripts/chaos, tests/chaos) in CI: a short seeded run against a real 4+1
cluster passes its checker; and the proxy's one-way cut, which the nemesis relies on, really drops
one direction only.

The run is short (about 70 s of load and faults) and its timeouts are scaled for a loaded 2-core
machine; the documented long run is in docs/reliability.md.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.integration.cluster_harness import wait_for
from tests.integration.proxy import BACKWARD, FORWARD, TcpProxy

REPOSITORY = Path(__file__).resolve().parents[2]
SEED = 13
RUN_SECONDS_LIMIT = 1200  # the whole process, start-up, convergence and five audits included


@pytest.mark.integration
@pytest.mark.timeout(RUN_SECONDS_LIMIT + 60)
def test_a_short_seeded_chaos_run_passes_the_checker(tmp_path: Path) -> None:
    report_path = tmp_path / "chaos.json"
    completed = subprocess.run(
        [
            sys.executable, "-m", "tests.chaos.run",
            "--minutes", "1.2", "--seed", str(SEED),
            "--quiet", "2,4", "--hold", "3,6", "--expires-in", "60",
            "--timeout-scale", "2",
            "--report", str(report_path), "--keep", str(tmp_path / "work"),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS_LIMIT,
        check=False,
    )  # fmt: skip
    output = completed.stdout[-6000:] + completed.stderr[-3000:]
    assert report_path.exists(), output
    report = json.loads(report_path.read_text())
    figures = report["figures"]
    assert {name: problems for name, problems in report["violations"].items() if problems} == {}
    assert report["ok"] is True and completed.returncode == 0, output
    assert report["harness_errors"] == [], output
    # The run did what it says: faults of several kinds, stories committed, races resolved.
    # (a restart waits for the node to serve, which takes seconds on a loaded 2-core machine,
    # so a short run sees a handful of faults: at least three, of three kinds.)
    assert figures["faults"] >= 3, output
    assert len(figures["faults_by_kind"]) >= 3, output
    assert figures["committed_operations"] >= 20, output
    assert figures["conflict_groups"] >= 2, output
    assert figures["recovery"]["heal_to_next_commit_s"]["count"] == figures["faults"], output
    assert all(audit["ok"] for audit in report["audits"].values()), report["audits"]


class _EchoServer:
    """Echoes what it receives; remembers, per connection, every byte and whether it ended."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[bytearray] = []
        self.ended: list[bool] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.received.append(bytearray())
            self.ended.append(False)
            index = len(self.received) - 1
            threading.Thread(target=self._serve, args=(connection, index), daemon=True).start()

    def _serve(self, connection: socket.socket, index: int) -> None:
        with connection:
            try:
                while data := connection.recv(4096):
                    self.received[index] += data
                    connection.sendall(data)
            except OSError:
                pass
        self.ended[index] = True


def _connect(proxy: TcpProxy) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    return client


def _exchange(client: socket.socket, data: bytes) -> bytes:
    client.sendall(data)
    return client.recv(4096)


def test_a_one_way_cut_drops_one_direction_and_the_damaged_connection_ends_on_restore() -> None:
    server = _EchoServer()
    proxy = TcpProxy(server.port)
    try:
        client = _connect(proxy)
        assert _exchange(client, b"a") == b"a"
        # BACKWARD dropped: the server still receives, the client hears nothing back.
        proxy.drop(BACKWARD)
        client.sendall(b"b")
        wait_for(lambda: bytes(server.received[0]) == b"ab", 10, lambda: str(server.received))
        wait_for(lambda: proxy.dropped_bytes == 1, 10, lambda: f"{proxy.dropped_bytes} dropped")
        proxy.restore()
        # The connection lost bytes, so restore ends it: the client reads end-of-stream, never
        # the echo of "b".
        assert client.recv(4096) == b""
        client.close()

        # FORWARD dropped: what the client sends never reaches the server.
        second = _connect(proxy)
        assert _exchange(second, b"c") == b"c"
        proxy.drop(FORWARD)
        second.sendall(b"d")
        wait_for(lambda: proxy.dropped_bytes == 2, 10, lambda: f"{proxy.dropped_bytes} dropped")
        proxy.restore()
        wait_for(lambda: server.ended[1], 10, lambda: f"connection 2 still open: {server.ended}")
        assert bytes(server.received[1]) == b"c"
        second.close()

        # Healed: a new connection carries both ways again.
        third = _connect(proxy)
        assert _exchange(third, b"e") == b"e"
        third.close()
    finally:
        proxy.close()
        server.listener.close()
