"""The client library explains a refused TLS certificate in words (not "Failed to connect"),
and names the node's ErrorInfo reason of a failing call."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clients.cli.main import tirkeu
from clients.client import (
    AccessRefused,
    CaChainGivenAsCertificate,
    CertificateRefused,
    ConnectionSettings,
    LedgerClient,
)
from clients.errors import CLIENT_REFUSED_NODE, EXIT_CONNECTION_FAILED, NODE_REFUSED_CERTIFICATE
from tests.pki_fixtures import TestAuthority
from tests.unit.node.api.conftest import Api

TIMEOUT_SECONDS = 10.0


def _chain_info(api: Api, cert: bytes, key: bytes, ca: bytes) -> None:
    settings = ConnectionSettings(f"127.0.0.1:{api.server.port}", cert, key, ca)
    with LedgerClient.connect(settings, timeout_seconds=TIMEOUT_SECONDS) as client:
        client.chain_info()


def test_a_certificate_from_a_ca_the_node_does_not_trust_is_explained(api: Api) -> None:
    foreign = TestAuthority("Foreign CA", issuing_name="Foreign Issuing CA").issue_individual("X")
    ca = api.in_process.parties.authority.chain_pem
    with pytest.raises(CertificateRefused) as refused:
        _chain_info(api, foreign.pem, foreign.key_pem, ca)
    assert NODE_REFUSED_CERTIFICATE in str(refused.value)
    assert "is --cert your leaf certificate, from a CA the node trusts?" in str(refused.value)


def test_a_node_certificate_this_client_does_not_trust_is_explained(api: Api) -> None:
    registrar = api.in_process.parties.registrar
    foreign_ca = TestAuthority("Foreign CA", issuing_name="Foreign Issuing CA").chain_pem
    with pytest.raises(CertificateRefused) as refused:
        _chain_info(api, registrar.pem, registrar.key_pem, foreign_ca)
    assert CLIENT_REFUSED_NODE in str(refused.value)


def test_a_chain_file_given_as_the_certificate_is_caught_before_connecting(
    api: Api, tmp_path: Path
) -> None:
    parties = api.in_process.parties
    chain, key, ca = tmp_path / "x.ca-chain.pem", tmp_path / "x.key.pem", tmp_path / "ca.pem"
    chain.write_bytes(parties.authority.chain_pem)  # the CA chain, not the leaf
    key.write_bytes(parties.registrar.key_pem)
    ca.write_bytes(parties.authority.chain_pem)
    with pytest.raises(CaChainGivenAsCertificate, match="holds only CA certificates"):
        ConnectionSettings.from_files("127.0.0.1:1", cert=chain, key=key, ca=ca)


def test_a_fullchain_file_is_a_usable_certificate(tmp_path: Path) -> None:
    """`tirkeu-pki issue` writes X.fullchain.pem (leaf + issuing CA): fine as --cert."""
    authority = TestAuthority()
    person = authority.issue_individual("X")
    full, key, ca = tmp_path / "x.fullchain.pem", tmp_path / "x.key.pem", tmp_path / "ca.pem"
    full.write_bytes(person.pem + authority.intermediate.pem)
    key.write_bytes(person.key_pem)
    ca.write_bytes(authority.chain_pem)
    settings = ConnectionSettings.from_files("127.0.0.1:1", cert=full, key=key, ca=ca)
    assert settings.certificate_chain_pem.startswith(person.pem)


def test_a_refusal_names_the_nodes_error_reason(api: Api) -> None:
    ktk = api.in_process.parties.ktk_officer
    settings = ConnectionSettings(
        f"127.0.0.1:{api.server.port}",
        ktk.pem,
        ktk.key_pem,
        api.in_process.parties.authority.chain_pem,
    )
    client = LedgerClient.connect(settings, timeout_seconds=TIMEOUT_SECONDS)
    with client, pytest.raises(AccessRefused, match="PERMISSION_DENIED BLOCKS_NOT_PERMITTED"):
        client.block()


def test_the_cli_says_in_words_that_the_node_refused_the_certificate(
    api: Api, tmp_path: Path
) -> None:
    foreign = TestAuthority("Foreign CA", issuing_name="Foreign Issuing CA").issue_individual("X")
    cert, key, ca = tmp_path / "x.cert.pem", tmp_path / "x.key.pem", tmp_path / "ca.pem"
    cert.write_bytes(foreign.pem)
    key.write_bytes(foreign.key_pem)
    ca.write_bytes(api.in_process.parties.authority.chain_pem)
    arguments = ["--node", f"127.0.0.1:{api.server.port}", "--cert", str(cert), "--key", str(key)]
    arguments += ["--ca", str(ca), "--timeout", "10", "chain-info"]
    result = CliRunner().invoke(tirkeu, arguments)
    assert result.exit_code == EXIT_CONNECTION_FAILED, result.output
    assert "the node did not accept this certificate: is --cert your leaf certificate" in (
        result.stderr
    )
