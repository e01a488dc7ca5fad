"""The test certification authority behind tirkeu-pki: CA hierarchy, issuing, revoking, CRLs.

May import: ledger, clients library modules.
"""
