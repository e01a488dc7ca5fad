"""docs/state-records.md is generated from the record classes, and says what the encoder does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import msgpack

from ledger.state.codec import save_record
from ledger.state.records import Encumbrance, EncumbranceKind, EncumbranceStatus

REPOSITORY = Path(__file__).resolve().parents[4]


def _generator() -> ModuleType:
    path = REPOSITORY / "scripts" / "gen_state_records_doc.py"
    spec = importlib.util.spec_from_file_location("gen_state_records_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_document_is_current() -> None:
    document = (REPOSITORY / "docs" / "state-records.md").read_text(encoding="utf-8")
    assert document == _generator().render(), "run scripts/gen-proto"


def test_a_top_level_record_is_a_tagged_array_of_its_fields_in_order() -> None:
    lease = Encumbrance(
        kind=EncumbranceKind.LEASE,
        status=EncumbranceStatus.ACTIVE,
        application_id="ab" * 32,
        lessor_bin="050140000011",
        lessee_iin="850515300125",
        registered_height=300,
        terminated_height=None,
        contract_sha256=bytes(range(32)),
    )
    encoded = save_record(lease)
    # fixarray of 9, fixstr "Encumbrance", ... uint16 300 (0xcd 0x01 0x2c), nil, bin8 of 32.
    assert encoded[:13] == b"\x99\xabEncumbrance"
    assert b"\xcd\x01\x2c\xc0\xc4\x20" + bytes(range(32)) == encoded[-38:]
    assert msgpack.unpackb(encoded) == [
        "Encumbrance",
        "LEASE",
        "ACTIVE",
        "ab" * 32,
        "050140000011",
        "850515300125",
        300,
        None,
        bytes(range(32)),
    ]
