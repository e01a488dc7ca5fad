"""The project's own Jepsen-style harness (scripts/chaos; docs/reliability.md "Chaos harness").

A 4+1 cluster of real ``tirkeu-node`` processes with a TCP proxy on every link (cluster), a seeded
nemesis (nemesis, disk), load from the lease-to-own story with conflicting submissions and retries
(load, story), the client-side history (history), live chain samples (monitor), and the checker
that judges the history and the nodes' databases at the end (checker); run ties them together.

May import: tests.integration (the cluster harness, proxy, story helpers), clients, ledger,
tirkeu_pb; never node (the harness drives nodes as a user would: processes, files, gRPC).
"""
