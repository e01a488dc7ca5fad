"""Fixtures for the CMS tests: a fresh test CA and the parties of a lease-to-own contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pki_fixtures import GUARANTOR_IIN, RECIPIENT_IIN, TestAuthority
from tests.unit.ledger.documents.support import CONTRACT, Files, Parties


@pytest.fixture
def authority() -> TestAuthority:
    return TestAuthority()


@pytest.fixture
def parties(authority: TestAuthority) -> Parties:
    return Parties(
        authority=authority,
        recipient=authority.issue_individual("Recipient", RECIPIENT_IIN),
        guarantor=authority.issue_individual("Guarantor", GUARANTOR_IIN),
        ktk_officer=authority.issue_ktk_officer(),
    )


@pytest.fixture
def files(tmp_path: Path, authority: TestAuthority) -> Files:
    root, issuing_ca, document = (tmp_path / n for n in ("root.pem", "ca.pem", "contract.txt"))
    root.write_bytes(authority.root.pem)
    issuing_ca.write_bytes(authority.intermediate.pem)
    document.write_bytes(CONTRACT)
    return Files(tmp_path, root, issuing_ca, document)
