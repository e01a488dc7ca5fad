"""Who a certificate speaks for (DESIGN.md §2: KTK authorised person, registrar, ...)."""

from __future__ import annotations

from ledger.identity.roles import Role, is_ktk_head, is_validator, roles_of
from tests.pki_fixtures import KTK_HEAD_IIN, STATE_CORPORATION_BIN
from tests.registry_fixtures import AUDITOR_IIN, FIRST_CREDIT_BUREAU_BIN, make_genesis
from tests.unit.ledger.registry.story import shared_parties


def test_roles_of_each_party() -> None:
    parties = shared_parties()
    authorities = make_genesis(parties).authorities()
    authority = parties.authority
    assert roles_of(parties.ktk_officer.info, authorities) == {Role.KTK_EMPLOYEE}
    assert roles_of(parties.registrar.info, authorities) == {Role.REGISTRAR}
    assert roles_of(parties.recipient.info, authorities) == {Role.INDIVIDUAL}
    assert roles_of(parties.validator.info, authorities) == {Role.NODE}
    clerk = authority.issue_employee(
        "Clerk", parties.recipient.info.iin or "", STATE_CORPORATION_BIN, "State Corporation"
    )
    assert roles_of(clerk.info, authorities) == {Role.UNKNOWN}  # not listed as a registrar
    bureau = authority.issue_employee("Bureau", bin_=FIRST_CREDIT_BUREAU_BIN, organisation="FCB")
    assert roles_of(bureau.info, authorities) == {Role.FIRST_CREDIT_BUREAU}
    auditor = authority.issue_individual("Auditor", AUDITOR_IIN)
    assert roles_of(auditor.info, authorities) == {Role.INDIVIDUAL, Role.AUDITOR}


def test_only_a_genesis_validators_node_certificate_is_a_validator() -> None:
    parties = shared_parties()
    authorities = make_genesis(parties).authorities()
    assert is_validator(parties.validator.info, authorities)
    observer = parties.authority.issue_node("observer")
    assert not is_validator(observer.info, authorities)
    assert roles_of(observer.info, authorities) == {Role.NODE}


def test_ktk_head_is_an_employee_of_ktk_listed_in_genesis_inference_adr_0007() -> None:
    """Para 19 «ҚТК басшысының ЭЦҚ» ("the EDS of KTK's head"): until certificate roles are
    judged, the head is a KTK employee certificate whose IIN genesis lists (ADR 0007 D6)."""
    parties = shared_parties()
    authorities = make_genesis(parties).authorities()
    assert is_ktk_head(parties.ktk_head.info, authorities)
    assert not is_ktk_head(parties.ktk_officer.info, authorities)
    as_a_person = parties.authority.issue_individual("KTK head at home", KTK_HEAD_IIN)
    assert not is_ktk_head(as_a_person.info, authorities)
