"""CMS SignedData (RFC 5652) for Tirkeu's documents: the one module to import from.

The contract and the KTK letter carry CMS signatures whose legitimacy "can be checked via
ezsigner.kz" (Algorithm paras 18 and 29); `ezsigner` (clients/cli/ezsigner.py) is our stand-in
and the registry rules use the same code on the digests carried in transactions. The work is
split by concern: `cms_parse` decodes, `cms_build` signs, `cms_verify` judges each signer,
`cms_trust` handles embedded intermediates and revocation status.
"""

from __future__ import annotations

from ledger.documents.algorithms import carried_digests
from ledger.documents.build import CmsSigningRejected, SigningRejection, add_signer, sign_cms
from ledger.documents.parse import (
    DATA_CONTENT_TYPE,
    CmsSigner,
    MalformedCms,
    SignedDocument,
    SignerIdentifier,
    SignerIdentifierKind,
    load_cms,
)
from ledger.documents.trust import RevocationStatus, trust_with_embedded_authorities
from ledger.documents.verify import (
    SIGNING_KEY_USAGES,
    CmsVerification,
    SignerProblem,
    SignerVerdict,
    missing_signers,
    verify_cms,
)

__all__ = [
    "DATA_CONTENT_TYPE",
    "SIGNING_KEY_USAGES",
    "CmsSigner",
    "CmsSigningRejected",
    "CmsVerification",
    "MalformedCms",
    "RevocationStatus",
    "SignedDocument",
    "SignerIdentifier",
    "SignerIdentifierKind",
    "SignerProblem",
    "SignerVerdict",
    "SigningRejection",
    "add_signer",
    "carried_digests",
    "load_cms",
    "missing_signers",
    "sign_cms",
    "trust_with_embedded_authorities",
    "verify_cms",
]
