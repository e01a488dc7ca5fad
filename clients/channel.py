"""The one way Tirkeu opens a gRPC channel to a node: mutual TLS and the same options for the
client library, the CLIs, and a node calling its peers.

Messages up to 64 MiB either way (gRPC's default 4 MiB receive limit is smaller than a full block
from GetBlock or block sync). Reconnection after a node restarts starts at 100 ms and backs off
to at most 1 s (gRPC's default grows to two minutes, which would leave a restarted peer or a
KTK platform worker idle long after the node is back).
"""

from __future__ import annotations

import grpc

# Twice the largest block any genesis may allow (ledger/chain/genesis.py MAX_BLOCK_BYTES_CEILING):
# a channel opened before the genesis is known carries every legal block with its certificate
# (issue 13; tests/unit/node/peers/test_message_limits.py holds the two together).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
INITIAL_RECONNECT_BACKOFF_MS = 100
MAX_RECONNECT_BACKOFF_MS = 1000
CHANNEL_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.initial_reconnect_backoff_ms", INITIAL_RECONNECT_BACKOFF_MS),
    ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
)


def open_mutual_tls_channel(
    target: str,
    *,
    certificate_chain_pem: bytes,
    private_key_pem: bytes,
    trusted_roots_pem: bytes,
) -> grpc.Channel:
    """A channel to ``target`` (host:port) that shows our certificate chain and trusts only the
    authorities in ``trusted_roots_pem``."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=trusted_roots_pem,
        private_key=private_key_pem,
        certificate_chain=certificate_chain_pem,
    )
    return grpc.secure_channel(target, credentials, options=list(CHANNEL_OPTIONS))
