"""Identity: X.509 certificates in the national CA's profile (ledger/identity/nca.py: subject
fields, role OIDs), the signature algorithms the NCA issues and ours (algorithms.py: ECDSA P-256,
RSA, GOST 34.10-2015 with Streebog; gost.py, private_keys.py), chains to a trusted root,
revocation lists and OCSP responses, IIN/BIN identifiers and the roles a certificate holds
against the authorities in state.

May import: ledger.state (records of the authorities), ledger.hashing. Pure.
"""
