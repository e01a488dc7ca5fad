"""Properties enter the registry from the cadastre (ЖМБМК АЖ, Algorithm paras 2(8), 24(4)).

A registrar imports a dwelling KTK holds, with its identification characteristics (cadastral
number, address, kind, total area) and its right holder. The registration sheet starts empty;
entries are made only by registration decisions (paras 25, 34).
"""

from __future__ import annotations

import re

from tirkeu_pb import transaction_pb2

from ledger.registry.common import (
    RuleInput,
    RuleOutcome,
    require_bin,
    require_sole_registrar,
    require_text,
)
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, StateReader, read_property, write_property
from ledger.state.records import IdentifierKind, PartyIdentifier, Property, PropertyKind
from ledger.transactions.envelope import reject

# Region:district:quarter:parcel, then for a unit in a building ":building/unit" or ":unit",
# e.g. "21:318:023:1245:1/45" (the example of transaction.proto). ASCII digits only: `\d`
# takes the digits of every script, and "２１:..." would be a second property for the same
# flat (ADR 0018).
CADASTRAL_NUMBER = re.compile(
    r"[0-9]{2}:[0-9]{3}:[0-9]{3}:[0-9]{1,6}(:[0-9]{1,6}(/[0-9]{1,6})?)?", re.ASCII
)
# Square metres, at most two fraction digits, e.g. "54.30"; ASCII digits only (ADR 0018).
AREA = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?", re.ASCII)
MAX_ADDRESS_LENGTH = 500

_KINDS = {
    transaction_pb2.APARTMENT: PropertyKind.APARTMENT,
    transaction_pb2.HOUSE: PropertyKind.HOUSE,
}


def require_cadastral_number(value: str, field: str = "cadastral_number") -> str:
    if CADASTRAL_NUMBER.fullmatch(value) is None:
        raise reject(
            RejectionReason.INVALID_FIELD,
            f"{field} {value!r} is not a cadastral number like 21:318:023:1245:1/45",
        )
    return value


def require_property(state: StateReader, cadastral_number: str) -> Property:
    found = read_property(state, cadastral_number)
    if found is None:
        raise reject(RejectionReason.PROPERTY_NOT_FOUND, f"no property {cadastral_number!r}")
    return found


def apply_property_import(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    require_sole_registrar(rule_input.transaction)
    action = rule_input.transaction.body.property_import
    cadastral_number = require_cadastral_number(action.cadastral_number)
    address = require_text(action.address, "address", MAX_ADDRESS_LENGTH)
    kind = _KINDS.get(action.kind)
    if kind is None:
        raise reject(RejectionReason.INVALID_FIELD, "kind must be APARTMENT or HOUSE")
    if AREA.fullmatch(action.area_square_metres) is None or not any(
        digit in "123456789" for digit in action.area_square_metres
    ):
        raise reject(
            RejectionReason.INVALID_FIELD,
            f"area_square_metres {action.area_square_metres!r} is not a positive decimal "
            "with at most two fraction digits",
        )
    holder_bin = require_bin(action.holder_bin, "holder_bin")
    if read_property(state, cadastral_number) is not None:
        raise reject(
            RejectionReason.PROPERTY_ALREADY_EXISTS, f"{cadastral_number} is already registered"
        )
    write_property(
        state,
        Property(
            cadastral_number=cadastral_number,
            address=address,
            kind=kind,
            area_square_metres=action.area_square_metres,
            holder=PartyIdentifier(IdentifierKind.BIN, holder_bin),
            encumbrances=(),
            registration_sheet=(),
            imported_height=rule_input.block.height,
            imported_transaction_id=rule_input.transaction.transaction_id,
        ),
    )
    return RuleOutcome()
