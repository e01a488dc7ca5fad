"""A TCP proxy on loopback that a test can cut and restore (network partitions between nodes).

Bytes are copied both ways by two threads per connection; TLS passes through untouched (node
certificates name 127.0.0.1). ``cut`` closes every open connection and makes new ones close at
once; ``restore`` lets them through again.

``drop(FORWARD)`` (or ``BACKWARD``) is a one-way cut: connections stay open and bytes in the
other direction flow, but bytes in the dropped direction are read and discarded, as a lossy
link that eats one direction would (FORWARD: from the connecting side to the target). A
connection that lost bytes cannot carry TLS any more, so ``restore`` closes it and the peers
reconnect, as they would after a real one-way loss outlasting TCP's retransmissions.
"""

from __future__ import annotations

import contextlib
import socket
import threading

_CHUNK = 65536
FORWARD = "forward"  # from the side that connected to the proxy towards the target
BACKWARD = "backward"  # from the target back to the side that connected


class TcpProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self.address = f"{host}:{self.port}"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._tainted: set[socket.socket] = set()  # lost bytes to a one-way cut
        self._dropped: set[str] = set()
        self.dropped_bytes = 0  # discarded by one-way cuts so far
        self._cut = False
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            sockets, self._open = self._open, set()
            self._tainted.clear()
        for sock in sockets:
            _close(sock)

    def drop(self, direction: str) -> None:
        """Discard every byte travelling in ``direction`` (FORWARD or BACKWARD) until restored."""
        if direction not in (FORWARD, BACKWARD):
            raise ValueError(f"direction {direction!r} is not {FORWARD!r} or {BACKWARD!r}")
        with self._lock:
            self._dropped.add(direction)

    def restore(self) -> None:
        with self._lock:
            self._cut = False
            self._dropped.clear()
            tainted, self._tainted = self._tainted, set()
            self._open -= tainted
        for sock in tainted:
            _close(sock)

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refused = self._cut
            if refused:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink, direction in (
                (client, upstream, FORWARD),
                (upstream, client, BACKWARD),
            ):
                threading.Thread(
                    target=self._pump, args=(source, sink, direction), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, direction: str) -> None:
        try:
            while data := source.recv(_CHUNK):
                with self._lock:
                    dropped = direction in self._dropped
                    if dropped:
                        self._tainted.update((source, sink))
                        self.dropped_bytes += len(data)
                if not dropped:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
