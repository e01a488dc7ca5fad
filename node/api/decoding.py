"""Requests whose bytes do not decode answer INVALID_ARGUMENT (reason UNDECODABLE_REQUEST).

grpcio answers INTERNAL ("Exception deserializing request!") when a request deserializer raises,
which tells a client the node is broken when the client is. This interceptor, for every service
on the node's port (Ledger, Peer, health, reflection: all that a client or peer can reach, issue
13), lets decoding fail into an ``Undecodable`` marker and the call then aborts with a
google.rpc.Status naming the method's message (node/api/errors.py). In a client stream (the
Peer ``Exchange``, reflection) the first undecodable message ends the call the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from google.protobuf.message import DecodeError

from node.api.errors import ErrorReason, abort

if TYPE_CHECKING:  # generic in the type stubs only
    _Interceptor = grpc.ServerInterceptor[Any, Any]
else:
    _Interceptor = grpc.ServerInterceptor

_Behaviour = Callable[[Any, grpc.ServicerContext], Any]


@dataclass(frozen=True, slots=True)
class Undecodable:
    """What a request deserializer returns instead of raising."""

    method: str
    error: str


class DecodingErrors(_Interceptor):
    """Wraps the handlers of methods under ``service_prefix`` ("/": every service)."""

    def __init__(self, service_prefix: str = "/") -> None:
        self._prefix = service_prefix

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or not method.startswith(self._prefix):
            return handler
        decode = handler.request_deserializer
        if decode is None:
            return handler

        def tolerant(data: bytes) -> Any:
            try:
                return decode(data)
            except (DecodeError, ValueError, RecursionError) as error:
                return Undecodable(method, str(error) or type(error).__name__)

        codecs: dict[str, Any] = {
            "request_deserializer": tolerant,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(_unary(handler.unary_unary), **codecs)
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(_stream(handler.unary_stream), **codecs)
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(
                _client_stream(handler.stream_unary), **codecs
            )
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                _bidirectional(handler.stream_stream), **codecs
            )
        return handler


def _refuse(request: Undecodable, context: grpc.ServicerContext) -> None:
    abort(
        context,
        ErrorReason.UNDECODABLE_REQUEST,
        f"the request is not a valid protobuf message for {request.method}: {request.error}",
    )


def _unary(behaviour: _Behaviour) -> _Behaviour:
    def run(request: Any, context: grpc.ServicerContext) -> Any:
        if isinstance(request, Undecodable):
            _refuse(request, context)
        return behaviour(request, context)

    return run


def _stream(behaviour: _Behaviour) -> _Behaviour:
    def run(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        if isinstance(request, Undecodable):
            _refuse(request, context)
        yield from behaviour(request, context)

    return run


def _checked(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
    """The client's messages; the call ends INVALID_ARGUMENT at the first undecodable one."""
    for request in requests:
        if isinstance(request, Undecodable):
            _refuse(request, context)
        yield request


def _client_stream(behaviour: _Behaviour) -> _Behaviour:
    def run(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
        return behaviour(_checked(requests, context), context)

    return run


def _bidirectional(behaviour: _Behaviour) -> _Behaviour:
    def run(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        yield from behaviour(_checked(requests, context), context)

    return run
