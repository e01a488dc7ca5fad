"""The node's chain: opening the store, admission and the mempool, assembling and
committing blocks, commit signals, and replay into a fresh store.

May import: ledger, consensus.
"""
