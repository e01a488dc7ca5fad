"""Everything with I/O: the engines that drive consensus, the client API, the peer transport
and block sync, and the process runtime.

May import: ledger, consensus, tirkeu_pb, clients.channel (the shared gRPC channel settings).
Subpackages, top to bottom: runtime > api | peers > engine > chain.
"""
