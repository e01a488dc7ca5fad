"""Rejections say where their rule comes from: a paragraph of the text, or an inference (ADR 0007).

Issue 9: rules the Algorithm does not state were presented as law (PROPERTY_NOT_HELD_BY_KTK cited
as para 23(d), CONFLICT_OF_INTEREST as paras 21/22, the staleness rule as paras 26/35). They may
stay where they protect the registry, but they must say they are inferences.
"""

from __future__ import annotations

import re

import pytest

from ledger.rejections import INFERENCE_REASONS, RejectionReason

# Envelope, transport, certificate and field-format reasons: not rules of the Algorithm.
TECHNICAL = {
    RejectionReason.MALFORMED_ENVELOPE,
    RejectionReason.MALFORMED_BODY,
    RejectionReason.OVERSIZED_TRANSACTION,
    RejectionReason.MISSING_ACTION,
    RejectionReason.WRONG_CHAIN_ID,
    RejectionReason.TRANSACTION_EXPIRED,
    RejectionReason.EXPIRY_TOO_FAR,
    RejectionReason.REPLAYED_TRANSACTION,
    RejectionReason.MEMPOOL_FULL,
    RejectionReason.MISSING_SIGNATURE,
    RejectionReason.DUPLICATE_SIGNER,
    RejectionReason.MALFORMED_CERTIFICATE,
    RejectionReason.BAD_SIGNATURE,
    RejectionReason.UNKNOWN_CERTIFICATE_AUTHORITY,
    RejectionReason.CERTIFICATE_EXPIRED,
    RejectionReason.CERTIFICATE_NOT_YET_VALID,
    RejectionReason.CERTIFICATE_REVOKED,
    RejectionReason.CERTIFICATE_NOT_FOR_SIGNING,
    RejectionReason.INVALID_IIN,
    RejectionReason.INVALID_BIN,
    RejectionReason.NOT_KTK_AUTHORISED_PERSON,
    RejectionReason.NOT_REGISTRAR,
    RejectionReason.MISSING_REQUIRED_SIGNATURE,
    RejectionReason.UNEXPECTED_SIGNER,
    RejectionReason.MISSING_DOCUMENT,
    RejectionReason.DOCUMENT_SIGNATURE_INVALID,
    RejectionReason.DOCUMENT_SIGNER_MISSING,
    RejectionReason.MISSING_CONSENT,
    RejectionReason.INVALID_PAYMENT,
    RejectionReason.INVALID_FIELD,
    RejectionReason.PROPERTY_ALREADY_EXISTS,
    RejectionReason.PROPERTY_NOT_FOUND,
    RejectionReason.APPLICATION_NOT_FOUND,
    RejectionReason.INVALID_STATUS_TRANSITION,
    RejectionReason.CRL_INVALID,
    RejectionReason.CRL_NOT_NEWER,
}
CITATION = re.compile(r"\bparas? \d|order para \d|seed 00\d|ADR \d{4}|Art\. \d")


@pytest.mark.parametrize("reason", sorted(INFERENCE_REASONS, key=str), ids=str)
def test_inference_rejections_say_so_and_cite_no_paragraph(reason: RejectionReason) -> None:
    """Issue 9: "the rule's rejection text saying 'inference (ADR n)' instead of citing a
    paragraph that does not say it"."""
    assert "inference (ADR 0007" in reason.explanation
    assert re.search(r"\bparas? \d", reason.explanation) is None


@pytest.mark.parametrize(
    "reason", [r for r in RejectionReason if r not in TECHNICAL], ids=lambda r: r.name
)
def test_every_registry_rejection_cites_a_paragraph_or_an_adr(reason: RejectionReason) -> None:
    """A reason of the registry says where its rule comes from (guards future drift)."""
    assert CITATION.search(reason.explanation), reason.explanation
