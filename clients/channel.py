"""The one way Tirkeu opens a gRPC channel to a node: mutual TLS and the same options for the
client library, the CLIs, and a node calling its peers.

Messages up to 64 MiB either way (gRPC's default 4 MiB receive limit is smaller than a full block
from GetBlock or block sync). Reconnection after a node restarts starts at 100 ms and backs off
to at most 1 s (gRPC's default grows to two minutes, which would leave a restarted peer or a
KTK platform worker idle long after the node is back).

Ledger calls that the node refused before doing anything (UNAVAILABLE: the node is restarting or
not yet listening; RESOURCE_EXHAUSTED: its call budget is full, node/runtime/server.py) are
retried by gRPC itself, per the channel's service config (``LEDGER_RETRY_POLICY``): up to
``RETRY_MAX_ATTEMPTS`` attempts with exponential backoff, which gRPC jitters by ±20 %. Every
Ledger call may be repeated: reads change nothing, and a SubmitTransaction of the same bytes is
the same transaction, answered with its state (ADR 0016). The Peer service is not named, so a
node's calls to its peers keep their own retry logic. What the service config cannot do (a
deadline that passed while the node was deciding, a budget beyond five attempts) the client
library does in a bounded loop (clients/client.py ``LedgerClient.submit``).
"""

from __future__ import annotations

import json

import grpc

# Twice the largest block any genesis may allow (ledger/chain/genesis.py MAX_BLOCK_BYTES_CEILING):
# a channel opened before the genesis is known carries every legal block with its certificate
# (issue 13; tests/unit/node/peers/test_message_limits.py holds the two together).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
INITIAL_RECONNECT_BACKOFF_MS = 100
MAX_RECONNECT_BACKOFF_MS = 1000
RETRY_MAX_ATTEMPTS = 5  # gRPC caps maxAttempts at 5
RETRYABLE_STATUS_CODES = ("UNAVAILABLE", "RESOURCE_EXHAUSTED")
LEDGER_RETRY_POLICY = {
    "maxAttempts": RETRY_MAX_ATTEMPTS,
    "initialBackoff": "0.2s",
    "maxBackoff": "3s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": list(RETRYABLE_STATUS_CODES),
}
SERVICE_CONFIG = json.dumps(
    {
        "methodConfig": [
            {"name": [{"service": "tirkeu.v1.Ledger"}], "retryPolicy": LEDGER_RETRY_POLICY}
        ]
    }
)
CHANNEL_OPTIONS: tuple[tuple[str, int | str], ...] = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.initial_reconnect_backoff_ms", INITIAL_RECONNECT_BACKOFF_MS),
    ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
    ("grpc.enable_retries", 1),
    ("grpc.service_config", SERVICE_CONFIG),
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
