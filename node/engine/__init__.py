"""The engines that decide blocks: Tendermint (consensus/ wired to timers, the inbox, the
outbox, the write-ahead log and the double-sign guard) and the solo engine of a single validator.

May import: node.chain, ledger, consensus.
"""
