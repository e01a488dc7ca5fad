"""The test CA issues in every key type the NCA has (RSA, GOST 34.10-2015 256/512) and ours
(P-256): every hierarchy verifies, its CRLs verify, a flipped bit fails by name, keys round-trip
through their PEM files, and `tirkeu-pki --key-type` does the same from the command line. All
certificates here are ours, made by clients/pki (no NCA material)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding

from clients.cli.pki import main
from clients.pki.authority import (
    InvalidIssueRequest,
    Revocation,
    Validity,
    build_revocation_list,
    generate_key,
    issue_leaf,
    load_private_key,
    node_name,
    node_profile,
)
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.certificates import load_certificate
from ledger.identity.chains import verify_chain
from ledger.identity.nca import NcaRole, is_authorised_person, is_first_head, nca_roles, nca_subject
from ledger.identity.private_keys import public_spki
from ledger.identity.revocation import (
    CertificateProblem,
    CertificateRejected,
    load_revocation_list,
    verify_revocation_list,
)
from tests.pki_fixtures import FIXTURE_NOW, KTK_BIN, KTK_NAME, RECIPIENT_IIN, TestAuthority

HIERARCHIES = [KeyAlgorithm.ECDSA_P256, KeyAlgorithm.RSA, KeyAlgorithm.GOST_2015_512]
PERSONS = [
    KeyAlgorithm.ECDSA_P256,
    KeyAlgorithm.RSA,
    KeyAlgorithm.GOST_2015_256,
    KeyAlgorithm.GOST_2015_512,
]


@pytest.mark.parametrize("hierarchy", HIERARCHIES, ids=lambda a: a.name)
@pytest.mark.parametrize("person", PERSONS, ids=lambda a: a.name)
def test_every_hierarchy_issues_every_person_key(
    hierarchy: KeyAlgorithm, person: KeyAlgorithm
) -> None:
    authority = TestAuthority(key_type=hierarchy, person_key_type=person)
    recipient = authority.issue_individual("Bolatkyzy Aigerim Serikovna", RECIPIENT_IIN)
    assert recipient.info.key.algorithm is person
    assert authority.root.info.key.algorithm is hierarchy
    chain = verify_chain(recipient.info, authority.trust_store(), FIXTURE_NOW)
    assert [c.fingerprint for c in chain][1:] == [
        authority.intermediate.info.fingerprint,
        authority.root.info.fingerprint,
    ]
    assert public_spki(load_private_key(recipient.key_pem)) == recipient.info.key.spki_der


@pytest.mark.parametrize("hierarchy", HIERARCHIES, ids=lambda a: a.name)
def test_crls_of_every_hierarchy_verify_and_a_flipped_bit_fails(hierarchy: KeyAlgorithm) -> None:
    authority = TestAuthority(key_type=hierarchy)
    revoked = authority.issue_individual("Revoked Person")
    crl = build_revocation_list(
        authority.intermediate,
        [Revocation(revoked.serial_number, FIXTURE_NOW)],
        7,
        FIXTURE_NOW,
        datetime(2027, 1, 1, tzinfo=UTC),
    ).public_bytes(Encoding.DER)
    trust = authority.trust_store(include_revocations=False)
    verified = verify_revocation_list(load_revocation_list(crl), trust)
    assert verified.issuer_fingerprint == authority.intermediate.info.fingerprint
    damaged = bytearray(crl)
    damaged[-5] ^= 0x01  # inside the signature value
    with pytest.raises(CertificateRejected) as raised:
        verify_revocation_list(load_revocation_list(bytes(damaged)), trust)
    assert raised.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE
    with pytest.raises(CertificateRejected) as revoked_raised:
        verify_chain(revoked.info, trust.with_revocation_list(verified), FIXTURE_NOW)
    assert revoked_raised.value.problem is CertificateProblem.REVOKED


def test_nodes_stay_p256_and_a_gost_node_is_a_wrong_key_type() -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512)
    node = authority.issue_node("validator-1")  # a P-256 node under a GOST CA: allowed
    assert node.info.key.algorithm is KeyAlgorithm.ECDSA_P256
    assert verify_chain(node.info, authority.trust_store(), FIXTURE_NOW)
    gost_node = issue_leaf(
        authority.intermediate,
        node_name("validator-2"),
        node_profile("validator-2"),
        Validity(FIXTURE_NOW, datetime(2027, 1, 1, tzinfo=UTC)),
        key=generate_key(KeyAlgorithm.GOST_2015_512),
    )
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(gost_node.info, authority.trust_store(), FIXTURE_NOW)
    assert raised.value.problem is CertificateProblem.WRONG_KEY_TYPE


def test_the_nca_profile_of_an_employee_names_roles_and_subject() -> None:
    authority = TestAuthority(person_key_type=KeyAlgorithm.GOST_2015_512)
    head = authority.issue_employee(
        "Ibrayev Marat Serikovich", bin_=KTK_BIN, organisation=KTK_NAME, role=NcaRole.FIRST_HEAD
    )
    assert nca_roles(head.info) == {NcaRole.LEGAL_ENTITY, NcaRole.FIRST_HEAD}
    assert is_first_head(head.info)
    assert is_authorised_person(head.info)
    subject = nca_subject(head.info)
    assert (subject.surname, subject.given_name) == ("Ibrayev", "Serikovich")
    assert (subject.bin, subject.organisation, subject.country) == (KTK_BIN, KTK_NAME, "KZ")
    clerk = authority.issue_employee("Clerk Dana", bin_=KTK_BIN, organisation=KTK_NAME)
    assert nca_roles(clerk.info) == {NcaRole.LEGAL_ENTITY, NcaRole.EMPLOYEE}
    assert not is_authorised_person(clerk.info)
    person = authority.issue_individual("Bolatkyzy Aigerim")
    assert nca_roles(person.info) == {NcaRole.INDIVIDUAL}
    assert not is_authorised_person(person.info)


def test_a_key_file_of_another_kind_is_a_named_error() -> None:
    with pytest.raises(InvalidIssueRequest, match="not a private key"):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def _run(*arguments: object) -> dict[str, object]:
    result = CliRunner().invoke(main, ["--json", *(str(a) for a in arguments)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert isinstance(document, dict)
    return document


def test_tirkeu_pki_key_types(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    _run("init", ca, "--key-type", "gost512")
    assert load_certificate((ca / "root.cert.pem").read_bytes()).key.algorithm is (
        KeyAlgorithm.GOST_2015_512
    )
    for key_type, algorithm in (("rsa", KeyAlgorithm.RSA), ("gost256", KeyAlgorithm.GOST_2015_256)):
        issued = _run(
            "issue", ca, "--kind", "individual", "--name", "Bolatkyzy Aigerim",
            "--iin", RECIPIENT_IIN, "--key-type", key_type, "-o", tmp_path / key_type,
        )  # fmt: skip
        assert issued["key_type"] == algorithm.value
        info = load_certificate((tmp_path / f"{key_type}.cert.pem").read_bytes())
        key = load_private_key((tmp_path / f"{key_type}.key.pem").read_bytes())
        assert public_spki(key) == info.key.spki_der
    refused = CliRunner().invoke(
        main,
        ["issue", str(ca), "--kind", "node", "--node-id", "n1", "--key-type", "gost512",
         "-o", str(tmp_path / "node")],
    )  # fmt: skip
    assert refused.exit_code == 2
    assert "TLS does not speak GOST" in refused.output
