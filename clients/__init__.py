"""Client side: the Python client library (client.py, envelopes.py, transaction_builders.py),
the test PKI (pki/), local clusters (cluster/) and the console scripts (cli/).

May import: ledger, tirkeu_pb; never node/ (clients talk to nodes over gRPC).
"""
