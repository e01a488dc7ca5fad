"""Para 22 «ҚТК уәкілетті тұлғасының ЭЦҚ куәландыру жолымен растай отырып» ("confirmed by the
EDS of KTK's authorised person"), judged by the NCA's role OIDs where the certificate carries
them: KTK's first head or a signatory, not a plain employee (ADR 0009, inference). A KTK
employee certificate without the NCA's role OIDs (another CA's, or ours before issue 8) is
judged by its BIN alone, as before."""

from __future__ import annotations

import pytest

from clients.pki.authority import (
    IssuedCertificate,
    Validity,
    employee_name,
    issue_leaf,
    person_profile,
)
from ledger.identity.nca import NcaRole, may_act_as_authorised_person, nca_roles
from ledger.rejections import RejectionReason
from tests.pki_fixtures import (
    DEFAULT_NOT_AFTER,
    DEFAULT_NOT_BEFORE,
    KTK_BIN,
    KTK_NAME,
    KTK_OFFICER_IIN,
)
from tests.unit.ledger.registry.story import Story


def _story() -> Story:
    story = Story()
    story.import_property()
    return story


def _ktk_employee(story: Story, role: NcaRole) -> IssuedCertificate:
    return story.parties.authority.issue_employee("KTK Clerk", KTK_OFFICER_IIN, role=role)


def _ktk_employee_without_nca_roles(story: Story) -> IssuedCertificate:
    issued: IssuedCertificate = issue_leaf(
        story.parties.authority.intermediate,
        employee_name("KTK Clerk", KTK_OFFICER_IIN, KTK_BIN, KTK_NAME),
        person_profile(),  # no role OIDs, no NCA policy
        Validity(DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER),
    )
    return issued


def test_a_ktk_employee_by_the_nca_role_is_not_its_authorised_person() -> None:
    story = _story()
    clerk = _ktk_employee(story, NcaRole.EMPLOYEE)
    assert not may_act_as_authorised_person(clerk.info)
    rejection = story.rejected(
        RejectionReason.NOT_KTK_AUTHORISED_PERSON,
        story.lease_application(),
        clerk,
        story.parties.recipient,
    )
    assert "1.2.398.3.3.4.1.2.2" in rejection.detail


@pytest.mark.parametrize("role", [NcaRole.FIRST_HEAD, NcaRole.SIGNATORY], ids=lambda r: r.name)
def test_ktk_first_head_or_signatory_is_its_authorised_person(role: NcaRole) -> None:
    story = _story()
    authorised = _ktk_employee(story, role)
    story.applied(story.lease_application(), authorised, story.parties.recipient)


def test_the_sending_of_para_22_needs_the_authorised_role_too() -> None:
    story = _story()
    application_id = story.form_lease()
    p = story.parties
    clerk = _ktk_employee(story, NcaRole.HUMAN_RESOURCES)
    story.rejected(
        RejectionReason.NOT_KTK_AUTHORISED_PERSON,
        story.sending(application_id),
        clerk,
        p.recipient,
    )
    story.applied(story.sending(application_id), p.ktk_officer, p.recipient)


def test_a_ktk_certificate_without_nca_role_oids_is_judged_by_its_bin_as_before() -> None:
    story = _story()
    plain = _ktk_employee_without_nca_roles(story)
    assert nca_roles(plain.info) == frozenset()
    assert may_act_as_authorised_person(plain.info)
    story.applied(story.lease_application(), plain, story.parties.recipient)
