"""The contract's RejectionReason enum (rejection.proto) lists every reason the ledger can give,
and docs/rejections.md is generated from it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tirkeu_pb import api_pb2, rejection_pb2

from ledger.rejections import Rejection, RejectionReason
from node.api.views import rejection_message

REPOSITORY = Path(__file__).resolve().parents[4]
PREFIX = "REJECTION_REASON_"


def _generator() -> ModuleType:
    path = REPOSITORY / "scripts" / "gen_rejections_doc.py"
    spec = importlib.util.spec_from_file_location("gen_rejections_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _contract_values() -> dict[str, int]:
    return {
        name.removeprefix(PREFIX): number
        for name, number in rejection_pb2.RejectionReason.items()
        if name != f"{PREFIX}UNSPECIFIED"
    }


def test_every_reason_the_ledger_can_give_is_in_the_contract_enum() -> None:
    contract = _contract_values()
    missing = sorted(reason.name for reason in RejectionReason if reason.name not in contract)
    assert not missing, (
        f"ledger/rejections.py reasons missing from proto/tirkeu_pb/rejection.proto: {missing}; "
        "add one line per reason with the next free number and run scripts/gen-proto"
    )


def test_every_live_enum_value_is_a_ledger_reason_and_retired_ones_are_deprecated() -> None:
    ledger = {reason.name for reason in RejectionReason}
    descriptor = rejection_pb2.DESCRIPTOR.enum_types_by_name["RejectionReason"]
    stale = sorted(
        value.name
        for value in descriptor.values
        if value.number != 0
        and value.name.removeprefix(PREFIX) not in ledger
        and not value.GetOptions().deprecated
    )
    assert not stale, f"enum values the ledger no longer gives, not marked deprecated: {stale}"


def test_numbers_are_unique() -> None:
    numbers = list(_contract_values().values())
    assert len(numbers) == len(set(numbers))


def test_the_answer_carries_the_enum_beside_the_name() -> None:
    for reason in RejectionReason:
        message = rejection_message(Rejection(reason, "detail"))
        assert message.reason == reason.name
        assert rejection_pb2.RejectionReason.Name(message.reason_code) == PREFIX + reason.name
        assert api_pb2.Rejection.FromString(message.SerializeToString()) == message


def test_docs_rejections_md_is_generated_from_the_enum() -> None:
    generator = _generator()
    proto = (REPOSITORY / "proto" / "tirkeu_pb" / "rejection.proto").read_text(encoding="utf-8")
    reasons = generator.parse(proto)
    assert {reason.name for reason in reasons} == set(_contract_values())
    expected = generator.render(reasons)
    document = (REPOSITORY / "docs" / "rejections.md").read_text(encoding="utf-8")
    assert document == expected, "docs/rejections.md is stale; run scripts/gen-proto"
    for reason in RejectionReason:
        assert f"`{reason.name}`" in document
