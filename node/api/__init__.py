"""The client API (api.proto Ledger service): who the caller is and what they may read,
record views, extracts.

May import: node.chain, ledger, consensus.
"""
