"""Local clusters for tirkeu-cluster: the directory layout on disk and the node processes.

May import: clients.pki, ledger, tirkeu_pb.
"""
