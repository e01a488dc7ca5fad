"""Server reflection under both names clients use: ``grpc.reflection.v1`` (current; grpcurl and
Postman ask it first) and ``grpc.reflection.v1alpha`` (older tools).

grpcio-reflection ships only v1alpha. The v1 protocol is the same messages with the same field
numbers under another package (grpc/reflection/v1/reflection.proto), so the v1 service is the
same servicer behind a second name; its file descriptor is the v1alpha one renamed, added to
the default pool so that v1 clients can describe the reflection service itself too.

``describe tirkeu.v1.Envelope`` works because reflection answers from the default descriptor
pool, which holds transaction.proto once ``tirkeu_pb.transaction_pb2`` is imported (here): the
transaction messages travel as bytes, so no service names them.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2
from tirkeu_pb import transaction_pb2

V1ALPHA_SERVICE_NAME: str = reflection.SERVICE_NAME
V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection"
TRANSACTION_MESSAGES = (
    transaction_pb2.Envelope.DESCRIPTOR.full_name,
    transaction_pb2.TransactionBody.DESCRIPTOR.full_name,
)
_V1_FILE = "grpc/reflection/v1/reflection.proto"


def enable_reflection(server: grpc.Server, service_names: Sequence[str]) -> None:
    """Serve reflection v1 and v1alpha listing ``service_names`` and both reflection services."""
    _register_v1_descriptor()
    names = (*service_names, V1ALPHA_SERVICE_NAME, V1_SERVICE_NAME)
    servicer = reflection.ReflectionServicer(names)
    reflection.enable_server_reflection(names, server)
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(V1_SERVICE_NAME, {"ServerReflectionInfo": handler}),)
    )


def _register_v1_descriptor() -> None:
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(_V1_FILE)
        return
    except KeyError:
        pass
    source = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(source)
    old, new = source.package, "grpc.reflection.v1"
    source.name, source.package = _V1_FILE, new
    source.options.Clear()  # language options (java package ...) name v1alpha
    for message in source.message_type:
        for field in message.field:
            if field.type_name.startswith(f".{old}."):
                field.type_name = f".{new}." + field.type_name.removeprefix(f".{old}.")
    for service in source.service:
        for method in service.method:
            method.input_type = method.input_type.replace(f".{old}.", f".{new}.")
            method.output_type = method.output_type.replace(f".{old}.", f".{new}.")
    pool.Add(source)
