"""The KTK observer refuses a block whose commit certificate is forged or short of the quorum,
says so in its log (``block_refused``), and accepts the genuine one; only validators may
announce blocks to it (peer.proto)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from tirkeu_pb import peer_pb2, peer_pb2_grpc

from ledger.chain.blocks import CommitCertificate
from tests.integration.cluster_harness import ClusterNode, LocalCluster, heights, wait_for

pytestmark = pytest.mark.integration


def _peer_stub(target: ClusterNode, caller: ClusterNode) -> peer_pb2_grpc.PeerStub:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=target.trust_pem,
        private_key=caller.identity.key_pem,
        certificate_chain=caller.identity.pem + caller.parties.authority.intermediate.pem,
    )
    channel = grpc.secure_channel(target.address, credentials)
    target._channels.append(channel)  # closed with the node
    return peer_pb2_grpc.PeerStub(channel)  # type: ignore[no-untyped-call]


def _refusals(node: ClusterNode) -> list[dict[str, object]]:
    return [event for event in node.log_events() if event.get("event") == "block_refused"]


def test_observer_refuses_forged_and_short_certificates(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path)
    observer = cluster.observer
    assert observer is not None
    try:
        for validator in cluster.validators:
            validator.start()
        first = cluster.validators[0]
        wait_for(lambda: first.height() >= 1, 60, lambda: str(heights(cluster.validators)))
        for validator in cluster.validators:
            validator.stop()
        with first.store() as store:
            block = store.load_block_bytes(1)
            certificate = store.load_commit(1)
        assert block is not None and certificate is not None
        observer.start()  # alone: its validators are down, it stays at height 0
        stub = _peer_stub(observer, first)

        signatures = list(certificate.signatures)
        garbled = bytearray(signatures[0].signature)
        garbled[-1] ^= 0x01
        signatures[0] = replace(signatures[0], signature=bytes(garbled))
        forged = CommitCertificate(
            certificate.height, certificate.round, certificate.block_hash, tuple(signatures)
        )
        short = replace(certificate, signatures=certificate.signatures[:2])
        for bad in (forged, short):
            stub.AnnounceBlock(
                peer_pb2.CertifiedBlock(block=block, certificate=bad.encode()), timeout=10
            )
        wait_for(lambda: len(_refusals(observer)) >= 2, 30, observer.log_tail)
        assert [event["fault"] for event in _refusals(observer)] == ["INVALID_COMMIT"] * 2
        assert "BAD_SIGNATURE" in str(_refusals(observer)[0]["detail"])
        assert "NO_QUORUM" in str(_refusals(observer)[1]["detail"])
        assert observer.height() == 0

        stranger = _peer_stub(observer, observer)  # a node certificate, not a validator's
        with pytest.raises(grpc.RpcError) as refused:
            stranger.AnnounceBlock(
                peer_pb2.CertifiedBlock(block=block, certificate=certificate.encode()), timeout=10
            )
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED

        stub.AnnounceBlock(
            peer_pb2.CertifiedBlock(block=block, certificate=certificate.encode()), timeout=10
        )
        wait_for(lambda: observer.height() == 1, 30, observer.log_tail)
    finally:
        cluster.close()
