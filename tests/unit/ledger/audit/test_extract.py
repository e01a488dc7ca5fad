"""Registry extracts: built by the node from its store, verified offline against the genesis
validators alone; any altered field fails with a named reason; "no encumbrance" is a proof of
absence (seed 002 para 11, App. 1: the extract; Algorithm para 25 and 34(1): the lease
encumbrance registered and terminated)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tirkeu_pb import block_pb2

from ledger.audit import trust_anchor
from ledger.extract.extract import ExtractProblem, verify_extract
from ledger.state.access import active_encumbrance_key, property_key
from tests.unit.ledger.audit.chain import CADASTRAL_NUMBER, SECOND_CADASTRAL_NUMBER, StoryChain
from tests.unit.ledger.audit.extract_helpers import extract_of


def verdict_of(document: Any, chain: StoryChain) -> tuple[bool, ExtractProblem | None, str]:
    # Through JSON and back, as the file is read.
    verdict = verify_extract(json.loads(json.dumps(document)), trust_anchor(chain.genesis_bytes))
    return verdict.ok, verdict.problem, verdict.detail


def test_an_active_lease_is_proved_present(leased_chain: StoryChain) -> None:
    document = extract_of(leased_chain, CADASTRAL_NUMBER)
    verdict = verify_extract(document, trust_anchor(leased_chain.genesis_bytes))
    assert verdict.ok, verdict.detail
    assert document["active_encumbrance"]["present"] is True
    lease = document["view"]["active_encumbrance"]
    assert (lease["status"], lease["application_id"]) == (
        "ACTIVE",
        leased_chain.lease_application_id,
    )
    assert verdict.facts["encumbrance_proved"] == "present"
    assert verdict.facts["certified_power"] == 4
    assert "ACTIVE lease encumbrance" in str(verdict.facts["statement"])


def test_a_terminated_lease_leaves_a_proof_of_absence(story_chain: StoryChain) -> None:
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    verdict = verify_extract(document, trust_anchor(story_chain.genesis_bytes))
    assert verdict.ok, verdict.detail
    assert document["active_encumbrance"] == {
        "key": active_encumbrance_key(CADASTRAL_NUMBER).hex(),
        "present": False,
        "value": "",
        "proof": document["active_encumbrance"]["proof"],
    }
    assert verdict.facts["encumbrance_proved"] == "absent"
    view = document["view"]
    assert view["active_encumbrance"] is None
    # Para 34: termination then ownership, entries 2 and 3 of the registration sheet.
    sheet = view["property"]["registration_sheet"]
    assert [entry["kind"] for entry in sheet] == [
        "LEASE_ENCUMBRANCE_REGISTERED",
        "LEASE_ENCUMBRANCE_TERMINATED",
        "OWNERSHIP_REGISTERED",
    ]
    assert view["property"]["holder"]["identifier_kind"] == "IIN"


def test_a_property_never_leased_has_a_proof_of_absence(story_chain: StoryChain) -> None:
    document = extract_of(story_chain, SECOND_CADASTRAL_NUMBER)
    assert verdict_of(document, story_chain)[0]
    assert document["property"]["present"] is True
    assert document["active_encumbrance"]["present"] is False


def test_an_unknown_property_is_proved_absent(story_chain: StoryChain) -> None:
    document = extract_of(story_chain, "99:999:999:9999:9/99")
    ok, problem, detail = verdict_of(document, story_chain)
    assert ok, (problem, detail)
    assert document["property"]["present"] is False
    assert document["view"]["statement"].startswith("No property with cadastral number")


def _set(document: dict[str, Any], path: tuple[str, ...], value: object) -> None:
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _flip_hex(text: str, position: int = 10) -> str:
    digit = "1" if text[position] != "1" else "2"
    return text[:position] + digit + text[position + 1 :]


@pytest.mark.parametrize(
    ("path", "change", "problem"),
    [
        (("format",), lambda v: "tirkeu-property-extract/2", ExtractProblem.MALFORMED),
        (("chain_id",), lambda v: "another-chain", ExtractProblem.WRONG_CHAIN),
        (("height",), lambda v: v - 1, ExtractProblem.HEIGHT_MISMATCH),
        (("cadastral_number",), lambda v: SECOND_CADASTRAL_NUMBER, ExtractProblem.WRONG_KEY),
        # The header's last field is rules_version (1): another version is another header.
        (("header",), lambda v: v[:-2] + "02", ExtractProblem.NOT_CERTIFIED),
        (("header",), lambda v: v[:-10], ExtractProblem.HEADER_MALFORMED),
        (("header",), lambda v: v.upper(), ExtractProblem.MALFORMED),
        (("commit",), lambda v: _flip_hex(v, len(v) - 20), ExtractProblem.CERTIFICATE_INVALID),
        (("commit",), lambda v: v[:-4], ExtractProblem.COMMIT_MALFORMED),
        (("property", "key"), lambda v: v + "00", ExtractProblem.WRONG_KEY),
        (("property", "value"), lambda v: _flip_hex(v, 40), ExtractProblem.PROOF_INVALID),
        (("property", "proof"), lambda v: _flip_hex(v, 20), ExtractProblem.PROOF_INVALID),
        (("property", "proof"), lambda v: v + "00", ExtractProblem.PROOF_MALFORMED),
        (("active_encumbrance", "proof"), lambda v: v[:-2], ExtractProblem.PROOF_MALFORMED),
        (("view", "property", "address"), lambda v: v + " ", ExtractProblem.VIEW_MISMATCH),
        (("view", "active_encumbrance"), lambda v: {}, ExtractProblem.VIEW_MISMATCH),
        (("view", "statement"), lambda v: "No encumbrance.", ExtractProblem.VIEW_MISMATCH),
    ],
)
def test_an_altered_field_fails_with_its_reason(
    story_chain: StoryChain, path: tuple[str, ...], change: Any, problem: ExtractProblem
) -> None:
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    target: Any = document
    for part in path:
        target = target[part]
    _set(document, path, change(target))
    ok, found, detail = verdict_of(document, story_chain)
    assert (ok, found) == (False, problem), detail


def test_a_view_difference_is_named_by_its_path(story_chain: StoryChain) -> None:
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    document["view"]["property"]["registration_sheet"][1]["registrar_iin"] = "000000000000"
    ok, problem, detail = verdict_of(document, story_chain)
    assert (ok, problem) == (False, ExtractProblem.VIEW_MISMATCH)
    assert detail.startswith("view.property.registration_sheet[1].registrar_iin ")


def test_claiming_absence_of_a_present_record_fails(leased_chain: StoryChain) -> None:
    document = extract_of(leased_chain, CADASTRAL_NUMBER)
    document["active_encumbrance"].update(present=False, value="")
    document["view"]["active_encumbrance"] = None
    ok, problem, _ = verdict_of(document, leased_chain)
    assert (ok, problem) == (False, ExtractProblem.PROOF_INVALID)


def test_a_certificate_below_two_thirds_of_the_power_fails(story_chain: StoryChain) -> None:
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    certificate = block_pb2.CommitCertificate.FromString(bytes.fromhex(document["commit"]))
    del certificate.signatures[2:]  # 2 of 4 validators
    document["commit"] = certificate.SerializeToString(deterministic=True).hex()
    document["view"]["certified_by"] = document["view"]["certified_by"][:2]
    ok, problem, detail = verdict_of(document, story_chain)
    assert (ok, problem) == (False, ExtractProblem.CERTIFICATE_INVALID)
    assert detail.startswith("NO_QUORUM")


def test_records_proved_against_another_state_root_fail(
    story_chain: StoryChain, leased_chain: StoryChain
) -> None:
    # Both chains share the genesis; the leased chain's records against the story chain's header.
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    older = extract_of(leased_chain, CADASTRAL_NUMBER)
    document["property"] = older["property"]
    ok, problem, _ = verdict_of(document, story_chain)
    assert (ok, problem) == (False, ExtractProblem.PROOF_INVALID)


def test_validators_of_another_genesis_are_not_trusted(story_chain: StoryChain) -> None:
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    genesis = json.loads(story_chain.genesis_bytes)
    genesis["validators"] = genesis["validators"][:3]
    verdict = verify_extract(document, trust_anchor(json.dumps(genesis).encode()))
    assert (verdict.ok, verdict.problem) == (False, ExtractProblem.WRONG_VALIDATOR_SET)


def test_the_proven_keys_are_the_cadastral_numbers(story_chain: StoryChain) -> None:
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    assert document["property"]["key"] == property_key(CADASTRAL_NUMBER).hex()


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaf_paths(item, (*path, key))]
    if isinstance(value, list) and value:
        return [p for index, item in enumerate(value) for p in _leaf_paths(item, (*path, index))]
    return [path]


def _altered(value: object, salt: int) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1 + salt
    if isinstance(value, str):
        if value and all(c in "0123456789abcdef" for c in value):
            position = salt % len(value)
            return _flip_hex(value, position)
        return value + "x"
    if value is None:
        return "x"
    return [*value, "x"] if isinstance(value, list) else {"x": 1}


_EXTRACT_CACHE: list[dict[str, Any]] = []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=st.integers(min_value=0), salt=st.integers(min_value=0, max_value=1000))
def test_altering_any_field_fails(story_chain: StoryChain, choice: int, salt: int) -> None:
    if not _EXTRACT_CACHE:
        _EXTRACT_CACHE.append(extract_of(story_chain, CADASTRAL_NUMBER))
    document: Any = json.loads(json.dumps(_EXTRACT_CACHE[0]))
    paths = _leaf_paths(document)
    path = paths[choice % len(paths)]
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = _altered(target[path[-1]], salt)
    ok, problem, detail = verdict_of(document, story_chain)
    assert not ok, f"altering {path} went unnoticed"
    assert problem is not None and detail
