"""Who may read what (api.proto header, node/api/identity.py) and the para 38 overdue flag."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from clients.transaction_builders import revocation_list_update
from ledger.identity.identifiers import complete_with_check_digit
from ledger.registry.notifications import Notification, NotificationChannel, NotificationEvent
from ledger.state.records import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    IdentifierKind,
    MaritalStatus,
    PartyIdentifier,
)
from node.api.identity import Unauthenticated, identify_caller
from node.api.views import application_view, is_overdue
from tests.pki_fixtures import (
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    SPOUSE_IIN,
    TestAuthority,
)
from tests.registry_fixtures import AUDITOR_IIN, FIRST_CREDIT_BUREAU_BIN
from tests.unit.node.conftest import InProcessNode

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _complete(first_eleven: str) -> str:
    number = complete_with_check_digit(first_eleven)
    if number is None:
        raise ValueError(first_eleven)
    return number


OUTSIDER_IIN = _complete("87010130001")
OTHER_KTK_LIKE_BIN = _complete("99034000001")


def _application(**changes: object) -> Application:
    application = Application(
        application_id="a" * 64,
        kind=ApplicationKind.LEASE_REGISTRATION,
        status=ApplicationStatus.SUBMITTED,
        cadastral_number="21:318:023:1245:1/45",
        recipient_iin=RECIPIENT_IIN,
        spouse_iin=SPOUSE_IIN,
        marital_status=MaritalStatus.MARRIED,
        guarantors=(PartyIdentifier(IdentifierKind.IIN, GUARANTOR_IIN),),
        ktk_bin=KTK_BIN,
        submitted_by_iin=KTK_OFFICER_IIN,
        formed_height=1,
        formed_at=datetime(2026, 5, 1, tzinfo=UTC),
        submitted_height=1,
        submitted_at=NOW,
        documents=(),
        payment=None,
        service_deadline=date(2026, 6, 2),
        videoconference=None,
        attestation=None,
        decisions=(),
        lease_application_id=None,
        new_holder_iin=None,
    )
    return dataclasses.replace(application, **changes)  # type: ignore[arg-type]


def _notification(channel: NotificationChannel, addressee: str) -> Notification:
    return Notification(
        channel=channel,
        addressee=addressee,
        application_id="a" * 64,
        application_kind=ApplicationKind.LEASE_REGISTRATION,
        event=NotificationEvent.REGISTERED,
        cadastral_number="21:318:023:1245:1/45",
        transaction_id="b" * 64,
        height=3,
        time=NOW,
        legal_basis="Algorithm para 28",
        reason="",
    )


def test_registrars_and_auditors_read_everything(in_process: InProcessNode) -> None:
    authority = in_process.parties.authority
    auditor = authority.issue_individual("Auditor", AUDITOR_IIN)
    for certificate in (in_process.parties.registrar, auditor, in_process.parties.validator):
        caller = identify_caller([certificate.pem], in_process.store.state, NOW)
        assert caller.reads_everything and caller.may_read_blocks()
        assert caller.may_read_application(_application(ktk_bin=OTHER_KTK_LIKE_BIN))


def test_ktk_reads_its_applications_and_every_property(in_process: InProcessNode) -> None:
    ktk = identify_caller([in_process.parties.ktk_officer.pem], in_process.store.state, NOW)
    assert ktk.may_read_application(_application())
    assert not ktk.may_read_application(_application(ktk_bin=OTHER_KTK_LIKE_BIN))
    assert ktk.may_read_any_property() and not ktk.may_read_blocks()


def test_para_28_ktk_does_not_read_the_recipients_platform_cabinet(
    in_process: InProcessNode,
) -> None:
    """Para 28: «көрсетілетін қызметті алушының … платформадағы жеке кабинетіне» — "to the
    recipient's personal cabinet … on the platform": the recipient's, not KTK's."""
    ktk = identify_caller([in_process.parties.ktk_officer.pem], in_process.store.state, NOW)
    for channel in (NotificationChannel.PLATFORM_CABINET, NotificationChannel.EGOV_CABINET):
        assert not ktk.may_read_notification(_notification(channel, RECIPIENT_IIN))


def test_para_28_recipient_reads_both_cabinets(in_process: InProcessNode) -> None:
    """Para 28: «веб-порталындағы және платформадағы жеке кабинетіне» — "to the personal cabinet
    on the web portal and on the platform": the recipient reads both."""
    person = in_process.parties.authority.issue_individual("Recipient", RECIPIENT_IIN)
    recipient = identify_caller([person.pem], in_process.store.state, NOW)
    for channel in (NotificationChannel.EGOV_CABINET, NotificationChannel.PLATFORM_CABINET):
        assert recipient.may_read_notification(_notification(channel, RECIPIENT_IIN))


@pytest.mark.parametrize("iin", [RECIPIENT_IIN, SPOUSE_IIN, GUARANTOR_IIN])
def test_parties_read_their_own_application_and_cabinet(
    in_process: InProcessNode, iin: str
) -> None:
    person = in_process.parties.authority.issue_individual("Party", iin)
    caller = identify_caller([person.pem], in_process.store.state, NOW)
    assert caller.may_read_application(_application())
    assert not caller.may_read_any_property() and not caller.may_read_blocks()
    for channel in (NotificationChannel.EGOV_CABINET, NotificationChannel.PLATFORM_CABINET):
        assert caller.may_read_notification(_notification(channel, iin))
        readable = caller.may_read_notification(_notification(channel, RECIPIENT_IIN))
        assert readable is (iin == RECIPIENT_IIN)


def test_an_outsider_reads_no_one_elses_application(in_process: InProcessNode) -> None:
    outsider = in_process.parties.authority.issue_individual("Outsider", OUTSIDER_IIN)
    caller = identify_caller([outsider.pem], in_process.store.state, NOW)
    assert not caller.may_read_application(_application())
    assert not caller.may_read_notification(
        _notification(NotificationChannel.EGOV_CABINET, RECIPIENT_IIN)
    )


def test_first_credit_bureau_reads_only_its_notifications(in_process: InProcessNode) -> None:
    employee = in_process.parties.authority.issue_employee(
        "Bureau", OUTSIDER_IIN, FIRST_CREDIT_BUREAU_BIN, "First Credit Bureau LLP"
    )
    bureau = identify_caller([employee.pem], in_process.store.state, NOW)
    assert bureau.may_read_notification(
        _notification(NotificationChannel.FIRST_CREDIT_BUREAU, FIRST_CREDIT_BUREAU_BIN)
    )
    assert not bureau.may_read_notification(
        _notification(NotificationChannel.PLATFORM_CABINET, RECIPIENT_IIN)
    )
    assert not bureau.may_read_application(_application())
    assert not bureau.may_list_applications()


def test_missing_foreign_or_revoked_certificates_are_unauthenticated(
    in_process: InProcessNode,
) -> None:
    with pytest.raises(Unauthenticated):
        identify_caller([], in_process.store.state, NOW)
    foreign = TestAuthority("Foreign CA", issuing_name="Foreign Issuing CA").issue_registrar()
    with pytest.raises(Unauthenticated):
        identify_caller([foreign.pem], in_process.store.state, NOW)
    authority = in_process.parties.authority
    person = authority.issue_individual("Revoked", OUTSIDER_IIN)
    identify_caller([person.pem], in_process.store.state, NOW)
    authority.revoke(person, NOW - timedelta(days=1))
    update = in_process.builder.envelope(
        revocation_list_update(authority.crl()), in_process.parties.registrar
    )
    assert in_process.node.submit(update, wait_for_commit=False).rejection is None
    in_process.engine.seal_block()
    with pytest.raises(Unauthenticated):
        identify_caller([person.pem], in_process.store.state, NOW)


def test_overdue_after_the_para_38_deadline_day_while_submitted() -> None:
    application = _application()  # deadline 2026-06-02
    assert not is_overdue(application, date(2026, 6, 2))
    assert is_overdue(application, date(2026, 6, 3))
    assert not is_overdue(_application(status=ApplicationStatus.REGISTERED), date(2026, 6, 3))
    assert not is_overdue(_application(service_deadline=None), date(2030, 1, 1))
    view = application_view(application, date(2026, 6, 3))
    assert (view.overdue, view.service_deadline, view.status) == (True, "2026-06-02", "SUBMITTED")


def test_para_38_suspended_application_is_not_overdue_inference_adr_0007() -> None:
    """Para 38: «… бір жұмыс күнінен кешіктірмей жүргізіледі» — "is provided no later than one
    working day …": the text is silent on suspension (Art. 27 of the Law); ADR 0007 D9: a
    suspended service is paused, not late."""
    suspended = _application(status=ApplicationStatus.SUSPENDED)  # deadline 2026-06-02
    assert not is_overdue(suspended, date(2026, 6, 3))
    assert not application_view(suspended, date(2026, 6, 3)).overdue
