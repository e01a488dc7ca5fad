"""The chain: block headers and hashes, commit certificates and vote sign-bytes, the checks a
header must pass to follow a tip, the genesis file, and the LevelDB store (the core's only I/O).

May import: ledger.documents, ledger.identity, ledger.state, ledger.merkle, consensus.types and
consensus.validators, tirkeu_pb.
"""
