"""The console scripts: tirkeu, tirkeu-audit, tirkeu-pki, tirkeu-cluster, ezsigner.

May import: the rest of clients/, ledger, tirkeu_pb.
"""
