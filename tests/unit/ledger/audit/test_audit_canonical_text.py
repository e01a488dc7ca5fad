"""The auditor replays canonical text (ADR 0018): a chain whose block holds a look-alike
cadastral number, as the release before ADR 0018 committed it (``\\d`` in the pattern, no text
check), is reported at that block with the named reason; nothing else is blamed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ledger.registry.properties
import ledger.transactions.envelope
from clients.cli.audit_sources import DataDirectorySource
from ledger.audit import DefectKind, audit_chain, trust_anchor
from ledger.chain.genesis import load_genesis
from node.chain.open import chain_setup, open_chain
from tests.registry_fixtures import envelope_transaction_id
from tests.unit.ledger.audit.chain import (
    CADASTRAL_NUMBER,
    SECOND_CADASTRAL_NUMBER,
    ChainWriter,
    story_genesis_bytes,
)
from tests.unit.ledger.registry.story import Story, shared_parties

# The pattern before ADR 0018: `\d` takes the digits of every script.
PREVIOUS_CADASTRAL_NUMBER = re.compile(r"\d{2}:\d{3}:\d{3}:\d{1,6}(:\d{1,6}(/\d{1,6})?)?")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_a_look_alike_property_committed_by_the_previous_release_is_a_named_audit_defect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parties = shared_parties()
    genesis_bytes = story_genesis_bytes(parties)
    setup = chain_setup(genesis_bytes)
    story = Story(parties, load_genesis(genesis_bytes))
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    look_alike = story.envelope(
        story.property_import(cadastral_number=CADASTRAL_NUMBER.translate(FULLWIDTH)),
        parties.registrar,
    )
    with open_chain(data_dir, setup) as store:
        writer = ChainWriter(store, setup, parties)
        writer.seal([story.envelope(story.property_import(), parties.registrar)])
        with monkeypatch.context() as previous_release:
            previous_release.setattr(
                ledger.transactions.envelope, "check_body_text", lambda body: None
            )
            previous_release.setattr(
                ledger.registry.properties, "CADASTRAL_NUMBER", PREVIOUS_CADASTRAL_NUMBER
            )
            writer.seal([look_alike])  # the second property for the same flat, committed
        later = story.property_import(cadastral_number=SECOND_CADASTRAL_NUMBER, address="Астана")
        writer.seal([story.envelope(later, parties.registrar)])
    with DataDirectorySource(data_dir) as source:
        report = audit_chain(source, trust_anchor(genesis_bytes), stored=source)
    rejected = [d for d in report.defects if d.kind is DefectKind.TRANSACTION_REJECTED]
    assert len(rejected) == 1, [d.describe() for d in report.defects]
    assert (rejected[0].height, rejected[0].transaction_index) == (2, 0)
    assert rejected[0].transaction_id == envelope_transaction_id(look_alike)
    assert rejected[0].found == "IDENTIFIER_NOT_ASCII"
    assert all(defect.height == 2 for defect in report.defects), report.defects
