"""Requests whose bytes do not decode answer INVALID_ARGUMENT (reason UNDECODABLE_REQUEST).

grpcio answers INTERNAL ("Exception deserializing request!") when a request deserializer raises,
which tells a client the node is broken when the client is. This interceptor, for the Ledger
service only, lets decoding fail into an ``Undecodable`` marker and the call then aborts with a
google.rpc.Status naming the method's message (node/api/errors.py).
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
    """Wraps the handlers of methods under ``service_prefix`` (e.g. "/tirkeu.v1.Ledger/")."""

    def __init__(self, service_prefix: str) -> None:
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
        return handler  # the Ledger service has no client-streaming method


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
