"""`tirkeu-cluster init`: a test CA, node certificates, genesis and node configs on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clients.cli.cluster import main
from clients.cluster.layout import init_cluster, load_cluster
from clients.cluster.participants import DEMO_PARTICIPANTS, InvalidClusterRequest, Participants
from clients.pki.directory import open_ca_directory
from ledger.chain.genesis import Genesis, load_genesis
from ledger.identity.certificates import CertificateKind, load_certificate
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import TrustStore
from node.operations.config import load_config
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_HEAD_IIN,
    OTHER_BIN,
    REGISTRAR_IIN,
    STATE_CORPORATION_BIN,
    with_wrong_check_digit,
)
from tests.registry_fixtures import SECOND_REGISTRAR_IIN

PARTICIPANTS = Participants(
    ktk_bin=KTK_BIN,
    state_corporation_bin=STATE_CORPORATION_BIN,
    first_credit_bureau_bin=OTHER_BIN,
    registrar_iins=(REGISTRAR_IIN,),
    ktk_head_iins=(KTK_HEAD_IIN,),
)


def test_a_new_cluster_has_a_genesis_and_a_config_each_node_accepts(tmp_path: Path) -> None:
    cluster = init_cluster(tmp_path / "cluster", PARTICIPANTS, chain_id="tirkeu-unit")
    genesis = load_genesis(cluster.genesis.read_bytes())
    assert genesis.chain_id == "tirkeu-unit"
    assert (genesis.ktk_bin, genesis.registrar_iins) == (KTK_BIN, (REGISTRAR_IIN,))
    (node,) = cluster.nodes
    config = load_config(node.config)
    assert config.node_id == node.node_id == genesis.validators[0].validator_id
    assert str(config.listen) == node.api
    assert config.genesis.resolve() == cluster.genesis.resolve()
    assert config.tls.trust.read_bytes() == cluster.ca_chain.read_bytes()
    certificate = load_certificate(node.certificate.read_bytes())
    assert certificate.kind is CertificateKind.NODE
    assert certificate.fingerprint == genesis.validators[0].certificate.fingerprint
    assert len(genesis.trusted_certificate_authorities) == 2
    verify_chain(certificate, _trust(genesis), genesis.genesis_time)
    # The node certificate is in the CA's index, so `tirkeu-pki revoke` can find it.
    serials = [entry.serial_number for entry in open_ca_directory(cluster.ca_directory).entries]
    assert certificate.serial_number in serials
    assert load_cluster(cluster.directory) == cluster


def _trust(genesis: Genesis) -> TrustStore:
    return TrustStore(genesis.trusted_certificate_authorities)


def test_four_validators_and_an_observer_list_each_other_as_peers(tmp_path: Path) -> None:
    cluster = init_cluster(tmp_path / "a", PARTICIPANTS, validators=4, observer=True)
    genesis = load_genesis(cluster.genesis.read_bytes())
    assert [v.validator_id for v in genesis.validators] == [
        f"registrar-{index}" for index in range(1, 5)
    ]
    roles = {node.node_id: node.role for node in cluster.nodes}
    assert roles["ktk-observer"] == "observer"
    for node in cluster.nodes:
        config = load_config(node.config)
        assert {peer.node_id for peer in config.peers} == set(roles) - {node.node_id}
        assert all(peer.role.value == roles[peer.node_id] for peer in config.peers)
    with pytest.raises(InvalidClusterRequest, match="validators"):
        init_cluster(tmp_path / "b", PARTICIPANTS, validators=0)


def test_a_non_empty_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    with pytest.raises(InvalidClusterRequest, match="not an empty directory"):
        init_cluster(tmp_path, PARTICIPANTS)


def test_participants_with_a_wrong_check_digit_are_refused() -> None:
    with pytest.raises(InvalidClusterRequest, match="registrar_iins"):
        Participants(
            KTK_BIN,
            STATE_CORPORATION_BIN,
            OTHER_BIN,
            (with_wrong_check_digit(REGISTRAR_IIN),),
            (KTK_HEAD_IIN,),
        )


def test_init_takes_participants_from_a_file_and_reports_json(tmp_path: Path) -> None:
    participants = tmp_path / "participants.json"
    participants.write_text(
        json.dumps(
            {
                "ktk_bin": KTK_BIN,
                "state_corporation_bin": STATE_CORPORATION_BIN,
                "first_credit_bureau_bin": OTHER_BIN,
                "registrar_iins": [REGISTRAR_IIN],
                "ktk_head_iins": [KTK_HEAD_IIN],
            }
        )
    )
    result = CliRunner().invoke(
        main, ["--json", "init", str(tmp_path / "c"), "--participants", str(participants)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["chain_id"] == "tirkeu-local"
    assert document["nodes"][0]["api"].startswith("127.0.0.1:")
    assert Path(document["ca_chain"]).is_file()


def test_init_without_participants_uses_the_demo_ones_and_flags_override(tmp_path: Path) -> None:
    """Issue 13: a local test cluster starts on built-in demo participants; a flag replaces
    one of them."""
    arguments = ["init", str(tmp_path / "c"), "--validators", "4", "--observer"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert "built-in demo participants" in result.output
    text = (tmp_path / "c" / "genesis.json").read_text()
    assert DEMO_PARTICIPANTS.ktk_bin in text
    assert DEMO_PARTICIPANTS.registrar_iins[0] in text
    arguments = ["init", str(tmp_path / "d"), "--registrar-iin", SECOND_REGISTRAR_IIN]
    overridden = CliRunner().invoke(main, arguments)
    assert overridden.exit_code == 0, overridden.output
    assert "built-in demo participants" not in overridden.output
    genesis = (tmp_path / "d" / "genesis.json").read_text()
    assert SECOND_REGISTRAR_IIN in genesis
    assert DEMO_PARTICIPANTS.ktk_bin in genesis  # the flags not given keep the demo's
