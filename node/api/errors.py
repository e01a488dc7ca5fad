"""Failing Ledger calls as google.rpc.Status with details (grpcio-status), never text alone.

Every refusal carries an ``ErrorInfo`` whose ``domain`` is ``DOMAIN`` and whose ``reason`` is one
of ``ErrorReason`` (listed in docs/protocol.md §6), so that a client in any language branches on a
stable name; an INVALID_ARGUMENT also carries a ``BadRequest`` naming the field. The status code
and message are the same as before, so a client that reads only those loses nothing.

Every text that goes into the answer's trailers (message, ErrorInfo metadata, field violation)
is cut to ``MAX_DETAIL_CHARS`` and says how long it was (``bounded``): the trailers are HTTP/2
headers, which gRPC limits to a few KiB, so echoing a 1 MB argument used to break the answer
itself (issue 13).
"""

from __future__ import annotations

import enum
from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "tirkeu.kz"
# Well under gRPC's default 8 KiB header list, with room for the rest of the trailers.
MAX_DETAIL_CHARS = 512


class ErrorReason(enum.Enum):
    """ErrorInfo.reason of a failing call: (gRPC status code name, meaning)."""

    CALLER_NOT_AUTHENTICATED = ("UNAUTHENTICATED", "certificate unusable or revoked in state")
    BLOCKS_NOT_PERMITTED = ("PERMISSION_DENIED", "blocks are for readers of everything")
    PROPERTY_NOT_PERMITTED = ("PERMISSION_DENIED", "not a property the caller may read")
    APPLICATION_NOT_PERMITTED = ("PERMISSION_DENIED", "not an application the caller may read")
    LISTING_NOT_PERMITTED = ("PERMISSION_DENIED", "the caller may not list these applications")
    PROPERTY_NOT_FOUND = ("NOT_FOUND", "no property with this cadastral number")
    APPLICATION_NOT_FOUND = ("NOT_FOUND", "no application with this id")
    BLOCK_NOT_FOUND = ("NOT_FOUND", "no block at this height")
    INVALID_ARGUMENT = ("INVALID_ARGUMENT", "a request field is malformed (BadRequest names it)")
    UNDECODABLE_REQUEST = ("INVALID_ARGUMENT", "the request bytes are not the method's message")
    EXTRACT_UNAVAILABLE = ("FAILED_PRECONDITION", "no committed, certified state to prove yet")
    NO_VALIDATOR_REACHABLE = ("UNAVAILABLE", "an observer reached no validator to forward to")
    TOO_MANY_STREAMS = ("RESOURCE_EXHAUSTED", "too many notification streams open")
    STREAM_EVICTED = ("RESOURCE_EXHAUSTED", "a caller with fewer streams took this stream's slot")

    @property
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode[self.value[0]]

    @property
    def meaning(self) -> str:
        return self.value[1]


def status_of(
    reason: ErrorReason, message: str, *, field: str = "", metadata: dict[str, str] | None = None
) -> grpc.Status:
    """The rich status: code, message, ErrorInfo and (with ``field``) a BadRequest."""
    message = bounded(message)
    bounded_metadata = {bounded(key): bounded(value) for key, value in (metadata or {}).items()}
    info = error_details_pb2.ErrorInfo(reason=reason.name, domain=DOMAIN, metadata=bounded_metadata)
    details = [_packed(info)]
    if field:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=bounded(field), description=message
        )
        details.append(_packed(error_details_pb2.BadRequest(field_violations=[violation])))
    status = status_pb2.Status(code=_CODES[reason.code], message=message, details=details)
    return rpc_status.to_status(status)


def bounded(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """``text``, or its first ``limit`` characters within 2 × ``limit`` UTF-8 bytes and
    "…(N bytes)" naming its UTF-8 length. Bytes too, not only characters (so a Cyrillic text of
    ``limit`` characters is kept whole): the trailers carry the text percent-encoded (three
    bytes a byte) and again in base64, and 512 four-byte characters made them over the 8 KiB
    gRPC allows, so a client got RESOURCE_EXHAUSTED instead of the answer (review)."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(text) <= limit and len(encoded) <= 2 * limit:
        return text
    kept = encoded[: 2 * limit].decode("utf-8", "ignore")[:limit]  # no half character
    return f"{kept}…({len(encoded)} bytes)"


def abort(
    context: grpc.ServicerContext,
    reason: ErrorReason,
    message: str,
    *,
    field: str = "",
    metadata: dict[str, str] | None = None,
) -> NoReturn:
    context.abort_with_status(status_of(reason, message, field=field, metadata=metadata))
    raise AssertionError("abort_with_status returned")  # grpc raises; this satisfies NoReturn


def _packed(message: error_details_pb2.ErrorInfo | error_details_pb2.BadRequest) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


_CODES = {
    grpc.StatusCode.UNAUTHENTICATED: code_pb2.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED: code_pb2.PERMISSION_DENIED,
    grpc.StatusCode.NOT_FOUND: code_pb2.NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT: code_pb2.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION: code_pb2.FAILED_PRECONDITION,
    grpc.StatusCode.UNAVAILABLE: code_pb2.UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED: code_pb2.RESOURCE_EXHAUSTED,
}
