"""Registry extracts: a property's record with its state proofs and the commit certificate of
the block they are proven in; built from a store, verified offline from the genesis alone.

May import: ledger.audit (its trust anchor) and everything below it.
"""
