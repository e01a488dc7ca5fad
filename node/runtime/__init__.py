"""The process: node.toml, logs, metrics, the gRPC server with mutual TLS, start and stop.

May import: every other part of node/.
"""
