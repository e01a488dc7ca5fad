"""Named errors of the Tirkeu client; `exit_code` is what `tirkeu` exits with
(0 ok, 1 refused or not found, 2 bad input, 3 the node could not be reached, 4 submitted but
still pending at the deadline: ask again, never resubmit blindly a different envelope)."""

from __future__ import annotations

from pathlib import Path

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_CONNECTION_FAILED = 0, 1, 2, 3
EXIT_UNDECIDED = 4


class ClientError(Exception):
    """Anything that kept a request from being answered; `exit_code` is the CLI's."""

    exit_code = EXIT_REFUSED


class InvalidCredentials(ClientError):
    """A key, certificate or CA file that cannot be read or does not fit together."""

    exit_code = EXIT_BAD_INPUT


class CaChainGivenAsCertificate(InvalidCredentials):
    """--cert holds only CA certificates (e.g. `tirkeu-pki`'s X.ca-chain.pem), no leaf."""


class InvalidEnvelopeFile(ClientError):
    """A file that does not hold a serialized Envelope."""

    exit_code = EXIT_BAD_INPUT


class AlreadySigned(ClientError):
    """The same certificate already signs this envelope."""

    exit_code = EXIT_BAD_INPUT


class NodeUnreachable(ClientError):
    """No answer from the node: down, wrong address, TLS handshake refused, or too slow."""

    exit_code = EXIT_CONNECTION_FAILED


class StillPending(ClientError):
    """The node took the transaction, and it was still pending when this client stopped
    waiting: not a failure, not yet a success (GetTransaction tells later)."""

    exit_code = EXIT_UNDECIDED


class CertificateRefused(NodeUnreachable):
    """The TLS handshake failed over a certificate: the node refused ours, we refused the
    node's, or our certificate and key do not fit together. Said in words, since gRPC says only
    "Failed to connect"."""


class NotFound(ClientError):
    """The node has no such property, application, block or transaction."""


class AccessRefused(ClientError):
    """The caller's certificate may not read this, or is revoked."""


class BadRequest(ClientError):
    """The node judged the request itself malformed."""

    exit_code = EXIT_BAD_INPUT


class NodeFailed(ClientError):
    """Any other error status from the node."""


_ERRORS_BY_STATUS: dict[grpc.StatusCode, type[ClientError]] = {
    grpc.StatusCode.UNAVAILABLE: NodeUnreachable,
    grpc.StatusCode.DEADLINE_EXCEEDED: NodeUnreachable,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.PERMISSION_DENIED: AccessRefused,
    grpc.StatusCode.UNAUTHENTICATED: AccessRefused,
    grpc.StatusCode.INVALID_ARGUMENT: BadRequest,
}


# What gRPC core reports for each handshake failure (UNAVAILABLE details), and what it means.
# A node that refuses the client certificate completes TLS 1.3 and then closes the socket.
NODE_REFUSED_CERTIFICATE = (
    "the node did not accept this certificate: is --cert your leaf certificate, from a CA the "
    "node trusts?"
)
CLIENT_REFUSED_NODE = (
    "this client did not accept the node's certificate: is --ca the CA bundle that issued the "
    "node's certificate, and is the address the node's name?"
)
KEY_DOES_NOT_FIT = (
    "the client certificate and private key do not fit together: is --cert your leaf "
    "certificate (X.cert.pem or X.fullchain.pem, not X.ca-chain.pem) and --key its key?"
)
CA_CHAIN_GIVEN_AS_CERTIFICATE = (
    "holds only CA certificates (a CA chain, like tirkeu-pki's X.ca-chain.pem), not your "
    "certificate: give --cert X.cert.pem or X.fullchain.pem (--ca takes the CA chain)"
)
_HANDSHAKE_FAILURES = (
    ("Socket closed", NODE_REFUSED_CERTIFICATE),
    ("CERTIFICATE_VERIFY_FAILED", CLIENT_REFUSED_NODE),
    ("Failed to create security handshaker", KEY_DOES_NOT_FIT),
)


def is_handshake_failure(error: grpc.RpcError) -> bool:
    """UNAVAILABLE over a certificate: trying again cannot help."""
    details = error.details() or ""
    return error.code() is grpc.StatusCode.UNAVAILABLE and any(
        marker in details for marker, _ in _HANDSHAKE_FAILURES
    )


def error_from_rpc(error: grpc.RpcError) -> ClientError:
    """A named ClientError; the node's google.rpc ErrorInfo reason is added when it sent one."""
    code = error.code()
    details = error.details() or "no detail"
    if code is grpc.StatusCode.UNAVAILABLE:
        for marker, explanation in _HANDSHAKE_FAILURES:
            if marker in details:
                return CertificateRefused(f"{explanation} ({code.name}: {details})")
    kind = _ERRORS_BY_STATUS.get(code, NodeFailed)
    reason = error_reason(error)
    prefix = f"{code.name} {reason}" if reason else code.name
    return kind(f"{prefix}: {details}")


def error_reason(error: grpc.RpcError) -> str:
    """The ErrorInfo reason of the node's google.rpc.Status details, or "" without one."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError:  # details inconsistent with the status: report the status alone
        return ""
    if status is None:
        return ""
    for packed in status.details:
        if packed.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            packed.Unpack(info)
            return str(info.reason)
    return ""


def read_file(path: Path, what: str) -> bytes:
    """The bytes of a credential or input file; InvalidCredentials naming it when unreadable."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InvalidCredentials(f"cannot read the {what} {path}: {error.strerror}") from None
