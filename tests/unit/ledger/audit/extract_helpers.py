"""Extracts built by the node's own builder (node/api/extract.py) from a story chain on disk."""

from __future__ import annotations

import copy
from typing import Any

from ledger.chain.store import Store
from ledger.extract.extract import extract_document, extract_from_message
from node.api.extract import build_property_extract
from tests.unit.ledger.audit.chain import StoryChain


def extract_of(chain: StoryChain, cadastral_number: str) -> dict[str, Any]:
    """extract.json of ``cadastral_number`` as `tirkeu extract` writes it (a fresh copy)."""
    with Store(chain.ledger_dir) as store, store.view() as view:
        message = build_property_extract(view, cadastral_number)
    return copy.deepcopy(extract_document(extract_from_message(message)))
