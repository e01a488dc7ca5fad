"""What operators set and see: node.toml, structured logs, Prometheus metrics, TLS material.

May import: ledger, consensus (nothing else of node/).
"""
