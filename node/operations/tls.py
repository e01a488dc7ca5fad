"""The node's TLS material: its certificate chain and key, and the roots its callers must chain to.

Node-to-node and client TLS are ECDSA P-256 (DESIGN.md §3: the TLS stack does not speak GOST).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    certificate_chain_pem: bytes  # the node's certificate (then intermediates)
    private_key_pem: bytes
    trusted_client_roots_pem: bytes  # CA bundle that client certificates must chain to
