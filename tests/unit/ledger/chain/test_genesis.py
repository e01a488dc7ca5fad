"""The genesis file: parsed, checked field by field (InvalidGenesis names the field), and the
initial state it gives."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from ledger.chain.genesis import (
    DEFAULT_MAX_BLOCK_TRANSACTIONS,
    InvalidGenesis,
    genesis_records,
    load_genesis,
)
from ledger.state.access import AUTHORITIES_KEY
from ledger.state.records import load_authorities
from tests.pki_fixtures import KTK_BIN, REGISTRAR_IIN, TestAuthority, with_wrong_check_digit
from tests.registry_fixtures import FIRST_CREDIT_BUREAU_BIN, make_genesis_document
from tests.unit.ledger.registry.story import shared_parties


def _document() -> dict[str, Any]:
    return make_genesis_document(shared_parties())


def _load(document: dict[str, Any]) -> object:
    return load_genesis(json.dumps(document).encode())


def test_genesis_loads_with_defaults_and_gives_the_authorities_record() -> None:
    document = _document()
    del document["limits"]
    genesis = load_genesis(json.dumps(document).encode())
    assert genesis.ktk_bin == KTK_BIN
    assert genesis.calendar.utc_offset_hours == 5
    assert genesis.calendar.weekend_days == frozenset({6, 7})
    assert genesis.limits.max_block_transactions == DEFAULT_MAX_BLOCK_TRANSACTIONS
    assert genesis.pilot.in_force_from == date(2026, 5, 1)
    assert genesis.pilot.in_force_until == date(2027, 4, 30)
    ((key, value),) = genesis_records(genesis).items()
    assert key == AUTHORITIES_KEY
    authorities = load_authorities(value)
    assert authorities.first_credit_bureau_bin == FIRST_CREDIT_BUREAU_BIN
    assert REGISTRAR_IIN in authorities.registrar_iins
    assert len(authorities.trusted_certificate_authorities) == 2  # issuing CA and root


def _with(path: str, value: object) -> dict[str, Any]:
    document = _document()
    *parents, last = path.split(".")
    target: Any = document
    for name in parents:
        target = target[int(name)] if name.isdigit() else target[name]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return document


_DELETE = object()
NODE_OF_ANOTHER_CA = TestAuthority("Other CA", issuing_name="Other Issuing").issue_node("x").pem


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("chain_id", "", "chain_id"),
        ("genesis_time", "2026-05-01T05:00:00+05:00", "genesis_time"),
        ("ktk_bin", with_wrong_check_digit(KTK_BIN), "ktk_bin"),
        ("first_credit_bureau_bin", _DELETE, "first_credit_bureau_bin"),
        ("registrar_iins.1", with_wrong_check_digit(REGISTRAR_IIN), "registrar_iins[1]"),
        ("registrar_iins", [], "registrar_iins"),
        ("ktk_head_iins", _DELETE, "ktk_head_iins"),  # para 19: the head signs the contract
        ("ktk_head_iins", [], "ktk_head_iins"),
        ("auditor_iins", ["12"], "auditor_iins[0]"),
        ("trusted_certificate_authorities", ["not a pem"], "trusted_certificate_authorities[0]"),
        ("validators.0.power", 0, "validators[0].power"),
        (
            "validators.0.certificate_pem",
            NODE_OF_ANOTHER_CA.decode(),
            "validators[0].certificate_pem",
        ),
        ("calendar.holidays", ["2026-13-01"], "calendar.holidays[0]"),
        ("calendar.weekend_days", [1, 2, 3, 4, 5, 6, 7], "calendar"),
        ("limits.max_expiry_blocks", -1, "limits.max_expiry_blocks"),
        ("pilot", _DELETE, "pilot"),
        ("pilot.in_force_until", "2026-01-01", "pilot.in_force_until"),
    ],
)
def test_invalid_genesis_names_the_field(path: str, value: object, field: str) -> None:
    with pytest.raises(InvalidGenesis) as raised:
        _load(_with(path, value))
    assert raised.value.field == field


def test_validator_certificate_must_be_a_node_certificate() -> None:
    registrar_pem = shared_parties().registrar.pem.decode()
    with pytest.raises(InvalidGenesis, match="not a node certificate"):
        _load(_with("validators.0.certificate_pem", registrar_pem))


def test_trusted_authority_must_be_a_ca() -> None:
    leaf = shared_parties().recipient.pem.decode()
    with pytest.raises(InvalidGenesis, match="is not a CA"):
        _load(_with("trusted_certificate_authorities", [leaf]))


def test_genesis_that_is_not_json_is_invalid() -> None:
    with pytest.raises(InvalidGenesis):
        load_genesis(b"\xff{")
