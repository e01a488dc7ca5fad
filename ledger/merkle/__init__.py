"""Authenticated data structures: the RFC 6962 transaction tree and the compact sparse Merkle
tree over the state, with their proofs.

May import: ledger.hashing only. Pure.
"""
