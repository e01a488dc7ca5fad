"""The chain's own lifecycle (issue 12): which validators are in force at each height, and the
quorum-approved transactions that change them (docs/adr/0011-validator-set-changes.md).

``schedule`` keeps the validator sets in consensus state (committed by the state root) and
answers "which set certifies height h"; ``validator_changes`` holds the approval bytes, their
verification (shared by the executor and the auditor, light-client style) and the rule that
applies a ``ValidatorSetChange``. Pure: no clock, no I/O.

May import: ledger.registry and everything below it; never ledger.execution, ledger.audit or
ledger.extract (they import this package).
"""
