"""Identity: X.509 certificates in the national CA's profile, their signature algorithms,
chains to a trusted root, revocation lists, IIN/BIN identifiers and the roles a certificate
holds against the authorities in state.

May import: ledger.state (records of the authorities), ledger.hashing. Pure.
"""
