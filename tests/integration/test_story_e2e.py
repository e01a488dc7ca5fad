"""End to end: the KTK lease-to-own story and every named rejection, over gRPC with mutual TLS
against a real `tirkeu-node` process on LevelDB, through the Python client (clients/client.py).

The story (Algorithm paras 19-37): import a KTK flat, lease application (contract signed by the
recipient, the guarantor and KTK last), fee confirmation, attestation, suspension (Art. 27),
resumption, registration; termination + ownership, registration; one refusal (Art. 31); every
status, registration-sheet entry and notification is asserted. Each rejection is checked for its
reason name AND an unchanged state root.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import transaction_pb2 as pb

from clients import transaction_builders as builders
from clients.client import LedgerClient, NodeUnreachable
from clients.pki.authority import IssuedCertificate
from ledger.identity.signatures import sign_ecdsa_p256
from tests.integration.harness import NodeProcess, shared_node
from tests.integration.story_helpers import (
    FEE_TIYN,
    PARA_28,
    PARA_37,
    Story,
    described,
    expected_notifications,
    notifications_of,
    receipt,
)
from tests.pki_fixtures import (
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_HEAD_IIN,
    KTK_OFFICER_IIN,
    OTHER_BIN,
    RECIPIENT_IIN,
    REGISTRAR_IIN,
    SPOUSE_IIN,
    TestAuthority,
    with_wrong_check_digit,
)
from tests.registry_fixtures import SECOND_REGISTRAR_IIN

pytestmark = pytest.mark.integration
__all__ = ["shared_node"]  # the harness fixture: one node for the whole module
LAW = builders.LAW_ON_STATE_REGISTRATION
SUSPENSION_REASON = "The cadastre's area differs from the contract"
REFUSAL_REASON = "The applicant already holds a dwelling"


@pytest.fixture(scope="module")
def story(shared_node: NodeProcess) -> Iterator[Story]:
    story = Story.on(shared_node)
    try:
        yield story
    finally:
        story.client.close()


def test_the_lease_to_own_story(story: Story) -> None:
    p, client = story.parties, story.client
    flat = story.import_property()
    imported = client.property(flat)
    assert (imported.holder.identifier_kind, imported.holder.identifier) == ("BIN", KTK_BIN)
    assert list(imported.registration_sheet) == [] and list(imported.encumbrances) == []

    # In the text's order: formed (paras 19-20), videoconference (21), paid and sent (22),
    # checked on arrival (23-24).
    lease_application = story.lease_application(flat)
    lease_id = story.commit(lease_application, *story.applicants())
    lease = client.application(lease_id)
    assert (lease.kind, lease.status, lease.marital_status) == (
        "LEASE_REGISTRATION", "FORMED", "MARRIED",
    )  # fmt: skip
    assert (lease.recipient_iin, lease.spouse_iin, list(lease.guarantors)) == (
        RECIPIENT_IIN, SPOUSE_IIN, [GUARANTOR_IIN],
    )  # fmt: skip
    assert (lease.submitted_by_iin, lease.ktk_bin, lease.service_deadline) == (
        KTK_OFFICER_IIN, KTK_BIN, "",
    )  # fmt: skip
    contract = lease.documents[0]
    assert contract.sha256 == lease_application.contract.sha256
    assert list(contract.signers) == [  # paras 18-19: KTK's head last
        f"IIN {RECIPIENT_IIN} (recipient)",
        f"IIN {GUARANTOR_IIN} (guarantor)",
        f"IIN {KTK_HEAD_IIN}, BIN {KTK_BIN} (KTK)",
    ]

    story.commit(story.videoconference(lease_id), p.registrar)
    held = client.application(lease_id).videoconference
    assert held.registrar_iin == REGISTRAR_IIN
    assert f"IIN {SPOUSE_IIN} (SPOUSE)" in held.participants

    sending = builders.application_sending(lease_id, receipt("KZ-1", RECIPIENT_IIN))
    story.commit(sending, *story.applicants())
    lease = client.application(lease_id)
    assert lease.status == "SUBMITTED"
    assert (lease.payment.amount_tiyn, lease.payment.payment_reference) == (FEE_TIYN, "KZ-1")
    assert lease.service_deadline > lease.payment.confirmed_on  # para 38: the next working day
    assert lease.formed_height < held.height < lease.submitted_height

    story.commit(story.attestation(lease_id, with_videoconference=False), p.registrar)
    assert client.application(lease_id).attestation.registrar_iin == REGISTRAR_IIN

    story.decide(lease_id, "suspend", SUSPENSION_REASON)
    lease = client.application(lease_id)
    suspension = lease.decisions[-1]
    assert (lease.status, suspension.decision, suspension.article, suspension.law) == (
        "SUSPENDED", "SUSPEND", 27, LAW,
    )  # fmt: skip
    story.decide(lease_id, "resume")
    assert client.application(lease_id).status == "SUBMITTED"
    register = builders.registrar_decision(application_id=lease_id, decision="register")
    stale = story.submit(story.envelope(register, p.registrar))
    assert stale.rejection.reason == "ATTESTATION_STALE"  # paras 26, 35: attest after resuming
    story.commit(story.attestation(lease_id), p.registrar)
    register_id = story.decide(lease_id, "register")
    lease = client.application(lease_id)
    registration = lease.decisions[-1]
    assert (lease.status, registration.transaction_id) == ("REGISTERED", register_id)

    leased = client.property(flat)
    (entry,) = leased.registration_sheet
    assert (entry.number, entry.kind, entry.legal_basis) == (
        1, "LEASE_ENCUMBRANCE_REGISTERED", "Algorithm para 25",
    )  # fmt: skip
    assert (entry.application_id, entry.transaction_id, entry.height) == (
        lease_id, register_id, registration.height,
    )  # fmt: skip
    assert (entry.registrar_iin, entry.lessee_iin) == (REGISTRAR_IIN, RECIPIENT_IIN)
    assert entry.basis_document_sha256 == contract.sha256
    assert (entry.right_holder.identifier_kind, entry.right_holder.identifier) == ("BIN", KTK_BIN)
    (encumbrance,) = leased.encumbrances
    assert (encumbrance.kind, encumbrance.status, encumbrance.lessee_iin) == (
        "LEASE", "ACTIVE", RECIPIENT_IIN,
    )  # fmt: skip

    pair_application = story.termination(lease_id)
    pair_id = story.commit(pair_application, p.ktk_officer)  # para 29: KTK initiates
    pair = client.application(pair_id)
    assert (pair.kind, pair.status, pair.lease_application_id, pair.new_holder_iin) == (
        "TERMINATION_AND_OWNERSHIP", "FORMED", lease_id, RECIPIENT_IIN,
    )  # fmt: skip
    story.commit(story.videoconference(pair_id), p.registrar)  # para 30
    story.send(pair_id)  # para 31
    story.commit(story.attestation(pair_id, with_videoconference=False), p.registrar)
    pair_register_id = story.decide(pair_id, "register")
    pair = client.application(pair_id)
    assert pair.status == "REGISTERED"

    owned = client.property(flat)
    assert (owned.holder.identifier_kind, owned.holder.identifier) == ("IIN", RECIPIENT_IIN)
    first, termination, ownership = owned.registration_sheet  # para 34: termination, ownership
    assert first == entry
    assert [(e.number, e.kind, e.legal_basis) for e in (termination, ownership)] == [
        (2, "LEASE_ENCUMBRANCE_TERMINATED", "Algorithm para 34(1)"),
        (3, "OWNERSHIP_REGISTERED", "Algorithm para 34(2)"),
    ]
    assert {e.transaction_id for e in (termination, ownership)} == {pair_register_id}
    assert {e.height for e in (termination, ownership)} == {pair.decisions[-1].height}
    assert termination.basis_document_sha256 == pair_application.ktk_letter.sha256
    assert ownership.basis_document_sha256 == pair_application.transfer_agreement.sha256
    assert (ownership.right_holder.identifier_kind, ownership.right_holder.identifier) == (
        "IIN", RECIPIENT_IIN,
    )  # fmt: skip
    (ended,) = owned.encumbrances
    assert (ended.status, ended.terminated_height) == ("TERMINATED", pair.decisions[-1].height)

    house = story.import_property()
    refused_id = story.submitted_lease(house, married=False)
    story.decide(refused_id, "refuse", REFUSAL_REASON)
    refused = client.application(refused_id)
    refusal = refused.decisions[-1]
    assert (refused.status, refusal.article, refusal.reason) == ("REFUSED", 31, REFUSAL_REASON)
    assert client.property(house).registration_sheet == []

    wanted = (
        expected_notifications(lease, lease.decisions[0], PARA_28, "Algorithm para 28")
        + expected_notifications(lease, lease.decisions[2], PARA_28, "Algorithm para 28")
        + expected_notifications(pair, pair.decisions[0], PARA_37, "Algorithm para 37")
        + expected_notifications(refused, refused.decisions[0], PARA_28, "Algorithm para 28")
    )  # the resumption (lease.decisions[1]) notifies nobody
    received = notifications_of(story.client, {lease_id, pair_id, refused_id}, len(wanted))
    assert sorted(described(n) for n in received) == sorted(wanted)


# -- rejections: each named, each leaving the state root as it was ---------------------------------


def _assert_rejected(story: Story, envelope: bytes, reason: str) -> api.SubmitTransactionResponse:
    before = story.state_root()
    response = story.submit(envelope)
    assert (api.TransactionStatus.Name(response.status), response.rejection.reason) == (
        "REJECTED",
        reason,
    ), response.rejection.detail
    assert story.state_root() == before
    return response


def _import_by(story: Story, signer: IssuedCertificate) -> bytes:
    action = builders.property_import(
        cadastral_number="21:999:000:0001",
        address="Astana",
        kind="house",
        area_square_metres="100.00",
        holder_bin=KTK_BIN,
    )
    return story.envelope(action, signer)


def test_malformed_protobuf(story: Story) -> None:
    response = _assert_rejected(story, b"\xff\xfe not an envelope", "MALFORMED_ENVELOPE")
    assert response.transaction_id == ""


def test_a_body_signed_by_a_key_other_than_the_certificates(story: Story) -> None:
    p = story.parties
    honest = pb.Envelope.FromString(_import_by(story, p.registrar))
    forged = pb.Envelope(body=honest.body)
    forged.signatures.add(
        certificate=p.registrar.der, signature=sign_ecdsa_p256(p.ktk_officer.key, honest.body)
    )
    _assert_rejected(story, forged.SerializeToString(), "BAD_SIGNATURE")


def test_a_revoked_certificate(story: Story) -> None:
    authority = story.parties.authority
    revoked = authority.issue_registrar("Revoked Registrar", SECOND_REGISTRAR_IIN)
    authority.revoke(revoked, datetime.now(UTC) - timedelta(minutes=1))
    story.commit(builders.revocation_list_update(authority.crl()), story.parties.registrar)
    _assert_rejected(story, _import_by(story, revoked), "CERTIFICATE_REVOKED")


def test_an_expired_certificate(story: Story) -> None:
    expired = story.parties.authority.issue_registrar(
        "Expired Registrar",
        SECOND_REGISTRAR_IIN,
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        not_after=datetime.now(UTC) - timedelta(days=1),
    )
    _assert_rejected(story, _import_by(story, expired), "CERTIFICATE_EXPIRED")


def test_a_certificate_from_an_unknown_ca(story: Story) -> None:
    rogue = TestAuthority("Rogue CA", issuing_name="Rogue Issuing CA").issue_registrar()
    _assert_rejected(story, _import_by(story, rogue), "UNKNOWN_CERTIFICATE_AUTHORITY")


def test_a_lease_application_signed_by_a_non_ktk_employee(story: Story) -> None:
    p = story.parties
    action = story.lease_application(story.import_property())
    envelope = story.envelope(action, story.bank_employee, p.recipient)
    _assert_rejected(story, envelope, "NOT_KTK_AUTHORISED_PERSON")


def test_a_decision_signed_by_a_ktk_certificate(story: Story) -> None:
    lease_id = story.submitted_lease(story.import_property())
    decision = builders.registrar_decision(application_id=lease_id, decision="register")
    _assert_rejected(story, story.envelope(decision, story.parties.ktk_officer), "NOT_REGISTRAR")


def _register(story: Story, application_id: str) -> bytes:
    decision = builders.registrar_decision(application_id=application_id, decision="register")
    return story.envelope(decision, story.parties.registrar)


def test_sending_without_payment(story: Story) -> None:
    # Para 22: sent after the fee is paid, with the payment document.
    lease_id = story.commit(story.lease_application(story.import_property()), *story.applicants())
    sending = pb.ApplicationSending(application_id=lease_id)
    envelope = story.envelope(sending, *story.applicants())
    _assert_rejected(story, envelope, "PAYMENT_REQUIRED_BEFORE_SENDING")


def test_sending_paid_by_someone_else(story: Story) -> None:
    # Para 22: the recipient pays.
    lease_id = story.commit(story.lease_application(story.import_property()), *story.applicants())
    sending = builders.application_sending(lease_id, receipt("KZ-G", GUARANTOR_IIN))
    _assert_rejected(story, story.envelope(sending, *story.applicants()), "PAYER_NOT_RECIPIENT")


@pytest.mark.parametrize(
    "declared_married", [False, True], ids=["found-by-civil-registry", "declared"]
)
def test_register_without_the_spouse_when_married(story: Story, declared_married: bool) -> None:
    # Para 23(b): with marital relations both spouses take part (in the videoconference).
    lease_id = story.submitted_lease(story.import_property(), married=declared_married)
    attestation = story.attestation(lease_id, married=True, spouse_joined=False)
    story.commit(attestation, story.parties.registrar)
    _assert_rejected(story, _register(story, lease_id), "SPOUSE_ABSENT")


def test_register_on_a_property_with_an_active_lease(story: Story) -> None:
    cadastral_number, _ = story.registered_lease()
    second = story.submitted_lease(cadastral_number)
    story.commit(story.attestation(second), story.parties.registrar)
    _assert_rejected(story, _register(story, second), "PRECLUDING_ENCUMBRANCE")


def test_register_on_a_property_not_held_by_ktk(story: Story) -> None:
    cadastral_number = story.import_property(holder_bin=OTHER_BIN)
    lease_id = story.submitted_lease(cadastral_number)
    story.commit(story.attestation(lease_id), story.parties.registrar)
    _assert_rejected(story, _register(story, lease_id), "PROPERTY_NOT_HELD_BY_KTK")


def test_termination_without_the_ktk_letter(story: Story) -> None:
    _, lease_id = story.registered_lease()
    action = story.termination(lease_id, with_letter=False)
    envelope = story.envelope(action, story.parties.ktk_officer)
    _assert_rejected(story, envelope, "KTK_LETTER_MISSING")


def test_ownership_to_anyone_but_the_lessee(story: Story) -> None:
    _, lease_id = story.registered_lease()
    action = story.termination(lease_id, new_holder_iin=SPOUSE_IIN)
    envelope = story.envelope(action, story.parties.ktk_officer)
    _assert_rejected(story, envelope, "OWNERSHIP_NOT_TO_LESSEE")


def test_a_resubmitted_transaction_answers_its_commit(story: Story) -> None:
    """The same transaction sent again changes nothing and is told where it committed (a retry
    after a lost answer; ADR 0016): never REJECTED REPLAYED_TRANSACTION (issue 13)."""
    envelope = story.envelope(story.lease_application(story.import_property()), *story.applicants())
    first = story.submit(envelope)
    assert first.status == api.COMMITTED
    before = story.state_root()
    again = story.submit(envelope)
    assert (again.status, again.height, again.transaction_id) == (
        api.COMMITTED,
        first.height,
        first.transaction_id,
    )
    assert story.state_root() == before


def test_an_expired_transaction(story: Story) -> None:
    story.import_property()  # at least one block, so that an expiry below the next exists
    height = story.client.chain_info().height
    envelope = story.envelope(
        story.lease_application(story.import_property()), *story.applicants(), expiry_height=height
    )
    _assert_rejected(story, envelope, "TRANSACTION_EXPIRED")


def test_an_oversized_transaction(story: Story) -> None:
    action = builders.property_import(
        cadastral_number="21:999:000:0002",
        address="x" * story.node.settings.max_transaction_bytes,
        kind="house",
        area_square_metres="100.00",
        holder_bin=KTK_BIN,
    )
    envelope = story.envelope(action, story.parties.registrar)
    _assert_rejected(story, envelope, "OVERSIZED_TRANSACTION")


def test_an_iin_with_a_wrong_check_digit(story: Story) -> None:
    action = story.lease_application(
        story.import_property(), recipient_iin=with_wrong_check_digit(RECIPIENT_IIN)
    )
    _assert_rejected(story, story.envelope(action, *story.applicants()), "INVALID_IIN")


def test_a_connection_without_a_client_certificate_is_refused(story: Story) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=story.node.trust_pem)
    channel = grpc.secure_channel(story.node.address, credentials)
    with LedgerClient(channel) as anonymous, pytest.raises(NodeUnreachable):
        anonymous.chain_info()
