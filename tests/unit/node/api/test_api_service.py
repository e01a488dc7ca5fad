"""The Ledger gRPC service in process (node/api/service.py over node/runtime/server.py with mutual
TLS):
read rights per caller (api.proto header), ListApplications filters and the para 38 overdue
flag, and the notification stream of paras 28 and 37, stored then live, filtered per reader.
Blocks are sealed by hand (SoloEngine.seal_block), so nothing here depends on timing."""

from __future__ import annotations

from datetime import date, timedelta

import grpc
import pytest
from tirkeu_pb import api_pb2
from tirkeu_pb import transaction_pb2 as pb

from ledger.audit.anchor import trust_anchor
from ledger.extract.extract import extract_document, extract_from_message, verify_extract
from ledger.identity.identifiers import complete_with_check_digit
from ledger.state.records import from_unix_ms
from tests.pki_fixtures import KTK_BIN, RECIPIENT_IIN
from tests.registry_fixtures import FIRST_BLOCK_TIME
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER
from tests.unit.node.api.conftest import Api

NOW = FIRST_BLOCK_TIME + timedelta(days=1)
STREAM_TIMEOUT_SECONDS = 30
OUTSIDER_IIN = complete_with_check_digit("87010130001") or ""


def _lease_submitted_and_paid(api: Api) -> str:
    """Property imported, lease application formed by KTK and the recipient, sent with the fee
    paid, checked with the videoconference."""
    story, parties = api.story, api.in_process.parties
    api.submit_and_seal(story.property_import(), parties.registrar)
    application_id = api.submit_and_seal(
        story.lease_application(), parties.ktk_officer, parties.recipient
    )
    api.submit_and_seal(story.sending(application_id), parties.ktk_officer, parties.recipient)
    latest = api.in_process.store.load_meta()
    assert latest is not None
    held_at = from_unix_ms(latest.time_unix_ms)  # after the submission (para 23)
    api.submit_and_seal(story.attestation(application_id, at=held_at), parties.registrar)
    return application_id


def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as raised:
        call()  # type: ignore[operator]
    code: grpc.StatusCode = raised.value.code()
    return code


def test_registration_notifications_are_streamed_stored_and_live_per_reader(api: Api) -> None:
    parties = api.in_process.parties
    application_id = _lease_submitted_and_paid(api)
    request = api_pb2.SubscribeNotificationsRequest(from_height=1)
    live = api.ledger(parties.registrar).SubscribeNotifications(
        request, timeout=STREAM_TIMEOUT_SECONDS
    )
    live.initial_metadata()  # subscribed before the decision's block exists
    decision = api.submit_and_seal(
        api.story.decision(application_id, pb.REGISTER), parties.registrar
    )

    # Para 28: the recipient's cabinets on egov.kz and on the platform, in that order, from the
    # registrar's live stream.
    first, second = next(live), next(live)
    assert [(n.channel, n.addressee) for n in (first, second)] == [
        (api_pb2.EGOV_CABINET, RECIPIENT_IIN),
        (api_pb2.PLATFORM_CABINET, RECIPIENT_IIN),
    ]
    assert (first.event, first.transaction_id, first.legal_basis) == (
        "REGISTERED",
        decision,
        "Algorithm para 28",
    )
    assert (first.index, second.index) == (0, 1) and first.height == second.height
    live.cancel()

    # Replayed from storage, the recipient sees both of her cabinets (para 28: «веб-порталындағы
    # және платформадағы жеке кабинетіне», "the cabinet on the web portal and on the platform").
    recipient = api.ledger(parties.recipient).SubscribeNotifications(
        request, timeout=STREAM_TIMEOUT_SECONDS
    )
    assert [next(recipient).channel, next(recipient).channel] == [
        api_pb2.EGOV_CABINET,
        api_pb2.PLATFORM_CABINET,
    ]
    recipient.cancel()


def test_applications_are_listed_by_party_status_and_overdue(api: Api) -> None:
    parties = api.in_process.parties
    application_id = _lease_submitted_and_paid(api)
    registrar = api.ledger(parties.registrar)
    view = registrar.GetApplication(api_pb2.GetApplicationRequest(application_id=application_id))
    deadline = view.service_deadline  # para 38: the working day after the payment day
    assert view.status == "SUBMITTED" and deadline
    assert view.payment.amount_tiyn > 0 and view.attestation.registrar_iin

    def listed(**filters: object) -> list[str]:
        request = api_pb2.ListApplicationsRequest(**filters)  # type: ignore[arg-type]
        return [a.application_id for a in registrar.ListApplications(request).applications]

    assert listed() == [application_id]
    assert listed(party_iin=RECIPIENT_IIN, status="SUBMITTED") == [application_id]
    assert listed(party_bin=KTK_BIN) == [application_id]
    assert listed(status="REGISTERED") == []
    assert listed(overdue_only=True, as_of=deadline) == []
    day_after = (date.fromisoformat(deadline) + timedelta(days=1)).isoformat()
    assert listed(overdue_only=True, as_of=day_after) == [application_id]
    bad = api_pb2.ListApplicationsRequest(as_of="tomorrow")
    assert _code(lambda: registrar.ListApplications(bad)) is grpc.StatusCode.INVALID_ARGUMENT

    recipient = api.ledger(parties.recipient)
    own = recipient.ListApplications(api_pb2.ListApplicationsRequest()).applications
    assert [a.application_id for a in own] == [application_id]
    others = api_pb2.ListApplicationsRequest(party_iin=OUTSIDER_IIN)
    assert _code(lambda: recipient.ListApplications(others)) is grpc.StatusCode.PERMISSION_DENIED


def test_properties_and_applications_are_read_by_parties_only(api: Api) -> None:
    parties = api.in_process.parties
    application_id = _lease_submitted_and_paid(api)
    outsider = parties.authority.issue_individual("Outsider", OUTSIDER_IIN)
    property_request = api_pb2.GetPropertyRequest(cadastral_number=CADASTRAL_NUMBER)
    application_request = api_pb2.GetApplicationRequest(application_id=application_id)

    for reader in (parties.registrar, parties.ktk_officer, parties.recipient, parties.guarantor):
        ledger = api.ledger(reader)
        assert ledger.GetProperty(property_request).holder.identifier == KTK_BIN
        assert ledger.GetApplication(application_request).recipient_iin == RECIPIENT_IIN
    stranger = api.ledger(outsider)
    assert (
        _code(lambda: stranger.GetProperty(property_request)) is grpc.StatusCode.PERMISSION_DENIED
    )
    assert (
        _code(lambda: stranger.GetApplication(application_request))
        is grpc.StatusCode.PERMISSION_DENIED
    )
    assert stranger.ListApplications(api_pb2.ListApplicationsRequest()).applications == []
    missing = api_pb2.GetPropertyRequest(cadastral_number="99:999:999:1")
    registrar = api.ledger(parties.registrar)
    assert _code(lambda: registrar.GetProperty(missing)) is grpc.StatusCode.NOT_FOUND


def test_chain_info_and_pending_status(api: Api) -> None:
    parties = api.in_process.parties
    registrar = api.ledger(parties.registrar)
    envelope = api.story.envelope(api.story.property_import(), parties.registrar)
    response = registrar.SubmitTransaction(api_pb2.SubmitTransactionRequest(envelope=envelope))
    info = registrar.GetChainInfo(api_pb2.GetChainInfoRequest())
    assert (info.height, info.pending_transactions, info.validator_count) == (0, 1, 1)
    assert (info.node_id, info.role) == ("validator-1", "validator")
    status = registrar.GetTransaction(
        api_pb2.GetTransactionRequest(transaction_id=response.transaction_id)
    )
    assert (status.status, status.kind) == (api_pb2.PENDING, "property_import")
    # An individual learns the status but not the envelope's contents.
    hidden = api.ledger(parties.recipient).GetTransaction(
        api_pb2.GetTransactionRequest(transaction_id=response.transaction_id)
    )
    assert (hidden.status, hidden.envelope) == (api_pb2.PENDING, b"")


def test_property_extract_verifies_against_the_genesis_validators(
    api: Api, genesis_bytes: bytes
) -> None:
    parties = api.in_process.parties
    api.submit_and_seal(api.story.property_import(), parties.registrar)
    request = api_pb2.GetPropertyExtractRequest(cadastral_number=CADASTRAL_NUMBER)
    message = api.ledger(parties.ktk_officer).GetPropertyExtract(request)
    assert (message.height, message.property.present) == (1, True)
    assert message.active_encumbrance.present is False  # a proof of absence: no lease yet
    document = extract_document(extract_from_message(message))
    verdict = verify_extract(document, trust_anchor(genesis_bytes))
    assert verdict.ok, verdict.to_dict()
    outsider = api.ledger(parties.authority.issue_individual("Outsider", OUTSIDER_IIN))
    assert _code(lambda: outsider.GetPropertyExtract(request)) is grpc.StatusCode.PERMISSION_DENIED
