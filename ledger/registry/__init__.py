"""The registry rules of the Algorithm (paras 19–38), one module per transaction kind, and the
notifications they emit (paras 28, 37). Each rule is a pure function of the verified
transaction, the state and the block context.

May import: ledger.transactions and everything below it; never ledger.execution.
"""
