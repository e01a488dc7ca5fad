"""The auditor's verification of a chain (``tirkeu-audit verify``): pure, over a block source.

    anchor = trust_anchor(genesis_bytes)
    report = audit_chain(source, anchor, stored=stored_or_none, progress=callback)
    report.ok, report.defects  # every defect with its exact place

See docs/adr/0003-audit-replay.md for what is verified and what an auditor trusts.

May import: ledger.execution (the replay runs the node's own executor) and everything below it.
"""

from ledger.audit.anchor import TrustAnchor, trust_anchor
from ledger.audit.defects import AuditReport, Defect, DefectKind
from ledger.audit.source import (
    ChainSource,
    SourceUnusable,
    StoredChainMeta,
    StoredLedger,
    TransactionPlace,
    UnreadableRecord,
)
from ledger.audit.verify import ProgressCallback, audit_chain

__all__ = [
    "AuditReport",
    "ChainSource",
    "Defect",
    "DefectKind",
    "ProgressCallback",
    "SourceUnusable",
    "StoredChainMeta",
    "StoredLedger",
    "TransactionPlace",
    "TrustAnchor",
    "UnreadableRecord",
    "audit_chain",
    "trust_anchor",
]
