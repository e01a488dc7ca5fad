"""Signed documents: CMS SignedData (RFC 5652) for the off-chain contract, letters, receipts
and consents: build, parse, verify, and the signer's trust.

May import: ledger.identity, ledger.hashing. Pure.
"""
