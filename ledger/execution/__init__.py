"""Block execution: applies a block's transactions to the state through the registry rules;
the one entry point of the rules for the node, the auditor and replays.

May import: ledger.registry and everything below it.
"""
