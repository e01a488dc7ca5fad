"""Failing Ledger calls carry google.rpc.Status details; undecodable requests are
INVALID_ARGUMENT; reflection answers v1 and v1alpha and shows the transaction messages;
GetTransaction remembers recent submission-time rejections, within bounds."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_reflection.v1alpha import reflection_pb2
from grpc_status import rpc_status
from tirkeu_pb import api_pb2, rejection_pb2

from ledger.rejections import Rejection, RejectionReason
from node.api.errors import DOMAIN
from node.api.recent_rejections import RecentRejections
from tests.unit.node.api.conftest import Api


def _refusal(call: Callable[[], object]) -> tuple[grpc.RpcError, dict[str, object]]:
    """The error of ``call`` and its unpacked details by type name."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    status = rpc_status.from_call(raised.value)  # type: ignore[arg-type]
    assert status is not None, "no google.rpc.Status details in the trailers"
    details: dict[str, object] = {}
    for packed in status.details:
        for kind in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest):
            if packed.Is(kind.DESCRIPTOR):
                message = kind()
                packed.Unpack(message)
                details[kind.__name__] = message
    return raised.value, details


def _raw_call(api: Api, method: str) -> Callable[[bytes], bytes]:
    api.ledger(api.in_process.parties.registrar)  # opens a channel with the registrar's identity
    channel = api.channels[-1]
    call: Callable[[bytes], bytes] = channel.unary_unary(
        f"/tirkeu.v1.Ledger/{method}",
        request_serializer=lambda data: data,
        response_deserializer=lambda data: data,
    )
    return call


def test_an_undecodable_request_is_invalid_argument_with_error_info(api: Api) -> None:
    call = _raw_call(api, "GetProperty")
    error, details = _refusal(lambda: call(b"\xff\xff\xff"))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    info = details["ErrorInfo"]
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("UNDECODABLE_REQUEST", DOMAIN)
    # A well-formed request on the same raw channel still works: nothing else changed.
    answer = _raw_call(api, "GetChainInfo")(b"")
    assert api_pb2.ChainInfo.FromString(answer).chain_id


def test_a_ktk_employee_asking_for_blocks_is_told_about_the_observer(api: Api) -> None:
    ktk = api.ledger(api.in_process.parties.ktk_officer)
    error, details = _refusal(lambda: ktk.GetBlock(api_pb2.GetBlockRequest()))
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "observer" in (error.details() or "")
    info = details["ErrorInfo"]
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert info.reason == "BLOCKS_NOT_PERMITTED"


def test_a_bad_argument_names_its_field(api: Api) -> None:
    registrar = api.ledger(api.in_process.parties.registrar)
    request = api_pb2.ListApplicationsRequest(status="NOT_A_STATUS")
    error, details = _refusal(lambda: registrar.ListApplications(request))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    bad_request = details["BadRequest"]
    assert isinstance(bad_request, error_details_pb2.BadRequest)
    assert [v.field for v in bad_request.field_violations] == ["status"]
    missing = api_pb2.GetPropertyRequest(cadastral_number="99:999:999:1")
    error, details = _refusal(lambda: registrar.GetProperty(missing))
    info = details["ErrorInfo"]
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert (error.code(), info.reason) == (grpc.StatusCode.NOT_FOUND, "PROPERTY_NOT_FOUND")
    assert info.metadata["cadastral_number"] == "99:999:999:1"


@pytest.mark.parametrize("service", ["grpc.reflection.v1", "grpc.reflection.v1alpha"])
def test_reflection_v1_and_v1alpha_show_the_ledger_and_the_transaction_messages(
    api: Api, service: str
) -> None:
    api.ledger(api.in_process.parties.registrar)
    channel = api.channels[-1]
    stream = channel.stream_stream(
        f"/{service}.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="tirkeu.v1.Envelope"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="tirkeu.v1.TransactionBody"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="tirkeu.v1.RejectionReason"),
    ]
    answers = list(stream(iter(requests), timeout=10))
    services = {s.name for s in answers[0].list_services_response.service}
    assert {"tirkeu.v1.Ledger", "grpc.reflection.v1.ServerReflection"} <= services
    for answer in answers[1:]:
        assert not answer.HasField("error_response"), answer.error_response
        assert answer.file_descriptor_response.file_descriptor_proto


def test_get_transaction_answers_a_submission_time_rejection(api: Api) -> None:
    parties = api.in_process.parties
    registrar = api.ledger(parties.registrar)
    # Signed by an individual: refused at submission (NOT_REGISTRAR), never stored.
    envelope = api.story.envelope(api.story.property_import(), parties.recipient)
    submitted = registrar.SubmitTransaction(api_pb2.SubmitTransactionRequest(envelope=envelope))
    assert submitted.status == api_pb2.REJECTED
    assert submitted.rejection.reason_code == rejection_pb2.REJECTION_REASON_NOT_REGISTRAR
    view = registrar.GetTransaction(
        api_pb2.GetTransactionRequest(transaction_id=submitted.transaction_id)
    )
    assert view.status == api_pb2.REJECTED
    assert (view.rejection.reason, view.rejection.reason_code) == (
        "NOT_REGISTRAR",
        rejection_pb2.REJECTION_REASON_NOT_REGISTRAR,
    )
    unknown = registrar.GetTransaction(api_pb2.GetTransactionRequest(transaction_id="00" * 32))
    assert unknown.status == api_pb2.UNKNOWN


def test_recent_rejections_are_bounded_in_number_and_time() -> None:
    now = [0.0]
    recent = RecentRejections(capacity=3, window_seconds=60.0, clock=lambda: now[0])
    refused = Rejection(RejectionReason.MEMPOOL_FULL, "full")
    for index in range(5):
        recent.remember(f"t{index}", refused)
    assert len(recent) == 3
    assert recent.lookup("t0") is None and recent.lookup("t1") is None
    assert recent.lookup("t4") == refused
    now[0] = 61.0
    assert recent.lookup("t4") is None
    assert len(recent) == 0
    recent.remember("", refused)  # no id: nothing to remember
    assert len(recent) == 0
