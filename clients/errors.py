"""Named errors of the Tirkeu client; `exit_code` is what `tirkeu` exits with
(0 ok, 1 refused or not found, 2 bad input, 3 the node could not be reached)."""

from __future__ import annotations

from pathlib import Path

import grpc

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_CONNECTION_FAILED = 0, 1, 2, 3


class ClientError(Exception):
    """Anything that kept a request from being answered; `exit_code` is the CLI's."""

    exit_code = EXIT_REFUSED


class InvalidCredentials(ClientError):
    """A key, certificate or CA file that cannot be read or does not fit together."""

    exit_code = EXIT_BAD_INPUT


class InvalidEnvelopeFile(ClientError):
    """A file that does not hold a serialized Envelope."""

    exit_code = EXIT_BAD_INPUT


class AlreadySigned(ClientError):
    """The same certificate already signs this envelope."""

    exit_code = EXIT_BAD_INPUT


class NodeUnreachable(ClientError):
    """No answer from the node: down, wrong address, TLS handshake refused, or too slow."""

    exit_code = EXIT_CONNECTION_FAILED


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


def error_from_rpc(error: grpc.RpcError) -> ClientError:
    code = error.code()
    kind = _ERRORS_BY_STATUS.get(code, NodeFailed)
    return kind(f"{code.name}: {error.details() or 'no detail'}")


def read_file(path: Path, what: str) -> bytes:
    """The bytes of a credential or input file; InvalidCredentials naming it when unreadable."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InvalidCredentials(f"cannot read the {what} {path}: {error.strerror}") from None
