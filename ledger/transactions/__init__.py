"""Transactions: the signed envelope verified in a fixed order (decode, chain, expiry, replay,
signatures, certificates) and the block context it is judged in.

May import: ledger.chain and everything below it.
"""
