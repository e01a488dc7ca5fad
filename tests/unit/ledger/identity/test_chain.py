"""verify_chain: each CertificateProblem, produced by a real certificate made for the case.

A signature counts only if the signer's certificate chains to a CA trusted in state, is valid
at block time and was not revoked at or before it (DESIGN.md §2, "certificates valid at block
time and not revoked").
"""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from clients.pki.authority import (
    IssuedCertificate,
    LeafProfile,
    Revocation,
    Validity,
    build_revocation_list,
    generate_key,
    individual_name,
    issue_intermediate,
    issue_leaf,
    person_profile,
)
from ledger.identity.certificates import CertificateInfo
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import (
    CertificateProblem,
    CertificateRejected,
    RevocationList,
    TrustStore,
    load_revocation_list,
    verify_revocation_list,
)
from tests.pki_fixtures import (
    DEFAULT_NOT_AFTER,
    DEFAULT_NOT_BEFORE,
    FIXTURE_NOW,
    RECIPIENT_IIN,
    TestAuthority,
)

AUTHORITY = TestAuthority()
VALIDITY = Validity(DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER)
ONE_MICROSECOND = timedelta(microseconds=1)


def _rejection(
    leaf: CertificateInfo, trust: TrustStore, at: datetime = FIXTURE_NOW
) -> CertificateProblem:
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(leaf, trust, at)
    assert raised.value.detail in str(raised.value)
    return raised.value.problem


def test_valid_chain_is_returned_leaf_to_root() -> None:
    leaf = AUTHORITY.issue_individual("Recipient").info
    chain = verify_chain(leaf, AUTHORITY.trust_store(), FIXTURE_NOW)
    assert chain == (leaf, AUTHORITY.intermediate.info, AUTHORITY.root.info)


def test_every_kind_of_leaf_verifies() -> None:
    trust = AUTHORITY.trust_store()
    for issued in (
        AUTHORITY.issue_ktk_officer(),
        AUTHORITY.issue_registrar(),
        AUTHORITY.issue_node("registrar-1"),
    ):
        assert verify_chain(issued.info, trust, FIXTURE_NOW)[0] == issued.info


def test_trusted_root_verifies_as_itself() -> None:
    root = AUTHORITY.root.info
    assert verify_chain(root, AUTHORITY.trust_store(), FIXTURE_NOW) == (root,)


def test_leaf_of_another_authority_is_unknown() -> None:
    stranger = TestAuthority("Test National CA").issue_individual("Stranger").info
    assert _rejection(stranger, AUTHORITY.trust_store()) is CertificateProblem.UNKNOWN_AUTHORITY


def test_intermediate_missing_from_the_trust_store_is_unknown() -> None:
    leaf = AUTHORITY.issue_individual("Recipient").info
    only_root = TrustStore(authorities=(AUTHORITY.root.info,))
    assert _rejection(leaf, only_root) is CertificateProblem.UNKNOWN_AUTHORITY


def test_trusted_intermediate_without_its_root_is_unknown() -> None:
    # Chains end at a trusted self-signed root; an orphaned intermediate is not an anchor.
    leaf = AUTHORITY.issue_individual("Recipient").info
    only_intermediate = TrustStore(authorities=(AUTHORITY.intermediate.info,))
    assert _rejection(leaf, only_intermediate) is CertificateProblem.UNKNOWN_AUTHORITY


def test_rejection_names_its_problem_and_survives_pickling() -> None:
    stranger = TestAuthority().issue_individual("Stranger").info
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(stranger, AUTHORITY.trust_store(), FIXTURE_NOW)
    copy = pickle.loads(pickle.dumps(raised.value))
    assert (copy.problem, copy.detail) == (raised.value.problem, raised.value.detail)
    assert str(copy).startswith("UNKNOWN_AUTHORITY: ")


def test_forged_signature_under_the_issuers_name_and_key_id_is_a_bad_chain_signature() -> None:
    # The forger copies the issuing CA's certificate (name, key identifier) but not its key.
    impostor = IssuedCertificate(
        generate_key(), AUTHORITY.intermediate.certificate, AUTHORITY.intermediate.info
    )
    forged = issue_leaf(
        impostor, individual_name("Forged", RECIPIENT_IIN), person_profile(), VALIDITY
    )
    assert forged.info.authority_key_id == AUTHORITY.intermediate.info.subject_key_id
    assert (
        _rejection(forged.info, AUTHORITY.trust_store()) is CertificateProblem.BAD_CHAIN_SIGNATURE
    )


def test_certificate_issued_by_a_non_ca_is_refused() -> None:
    # Someone put an end-entity certificate among the authorities and signed with its key.
    officer = AUTHORITY.issue_ktk_officer()
    issued_by_officer = issue_leaf(
        officer, individual_name("Sub", RECIPIENT_IIN), person_profile(), VALIDITY
    )
    trust = TrustStore(authorities=(*AUTHORITY.trust_store().authorities, officer.info))
    assert _rejection(issued_by_officer.info, trust) is CertificateProblem.NOT_A_CA


def test_path_length_of_the_issuing_ca_is_enforced() -> None:
    # The issuing CA has pathLenConstraint 0: a CA below it may not issue leaves.
    sub_ca = issue_intermediate(AUTHORITY.intermediate, "Rogue Sub CA", VALIDITY)
    leaf = issue_leaf(sub_ca, individual_name("Below", RECIPIENT_IIN), person_profile(), VALIDITY)
    trust = TrustStore(authorities=(*AUTHORITY.trust_store().authorities, sub_ca.info))
    assert _rejection(leaf.info, trust) is CertificateProblem.NOT_A_CA


def test_issuer_without_key_cert_sign_is_wrong_key_usage() -> None:
    crl_only = issue_intermediate(
        AUTHORITY.root, "CRL Only CA", VALIDITY, key_usage=frozenset({"crl_sign"})
    )
    leaf = issue_leaf(crl_only, individual_name("Leaf", RECIPIENT_IIN), person_profile(), VALIDITY)
    trust = TrustStore(authorities=(AUTHORITY.root.info, crl_only.info))
    assert _rejection(leaf.info, trust) is CertificateProblem.WRONG_KEY_USAGE


def test_leaf_without_digital_signature_is_wrong_key_usage() -> None:
    profile = LeafProfile(frozenset({"key_encipherment"}), person_profile().extended_key_usages)
    leaf = issue_leaf(
        AUTHORITY.intermediate, individual_name("Enc", RECIPIENT_IIN), profile, VALIDITY
    )
    assert _rejection(leaf.info, AUTHORITY.trust_store()) is CertificateProblem.WRONG_KEY_USAGE


@pytest.mark.parametrize("curve", [ec.SECP384R1(), ec.SECP256K1()], ids=["P-384", "secp256k1"])
def test_leaf_with_a_key_other_than_p256_is_wrong_key_type(curve: ec.EllipticCurve) -> None:
    leaf = AUTHORITY.issue_individual("Other Curve", key=ec.generate_private_key(curve))
    assert _rejection(leaf.info, AUTHORITY.trust_store()) is CertificateProblem.WRONG_KEY_TYPE


def test_validity_bounds_are_inclusive() -> None:
    start, end = FIXTURE_NOW - timedelta(days=30), FIXTURE_NOW + timedelta(days=30)
    leaf = AUTHORITY.issue_individual("Bounded", not_before=start, not_after=end).info
    trust = AUTHORITY.trust_store()
    assert verify_chain(leaf, trust, start)[0] == leaf
    assert verify_chain(leaf, trust, end)[0] == leaf
    assert _rejection(leaf, trust, start - ONE_MICROSECOND) is CertificateProblem.NOT_YET_VALID
    assert _rejection(leaf, trust, end + ONE_MICROSECOND) is CertificateProblem.EXPIRED


def test_expired_leaf_at_block_time() -> None:
    expired = AUTHORITY.issue_individual("Expired", not_after=FIXTURE_NOW - timedelta(days=1))
    assert _rejection(expired.info, AUTHORITY.trust_store()) is CertificateProblem.EXPIRED


def test_not_yet_valid_leaf_at_block_time() -> None:
    future = AUTHORITY.issue_individual("Future", not_before=FIXTURE_NOW + timedelta(days=1))
    assert _rejection(future.info, AUTHORITY.trust_store()) is CertificateProblem.NOT_YET_VALID


def test_expired_issuing_ca_makes_its_valid_leaf_unusable() -> None:
    authority = TestAuthority(not_after=FIXTURE_NOW - timedelta(days=1))
    leaf = authority.issue_individual("Valid Leaf", not_after=FIXTURE_NOW + timedelta(days=365))
    assert _rejection(leaf.info, authority.trust_store()) is CertificateProblem.EXPIRED


def test_revoked_leaf_is_refused_from_the_revocation_time_on() -> None:
    authority = TestAuthority()
    leaf = authority.issue_individual("Revoked")
    authority.revoke(leaf, FIXTURE_NOW)
    trust = authority.trust_store()
    assert _rejection(leaf.info, trust, FIXTURE_NOW) is CertificateProblem.REVOKED
    assert (
        _rejection(leaf.info, trust, FIXTURE_NOW + timedelta(days=1)) is CertificateProblem.REVOKED
    )
    # A signature made before the revocation still counts (a block replayed after revocation).
    assert verify_chain(leaf.info, trust, FIXTURE_NOW - ONE_MICROSECOND)[0] == leaf.info


def test_revocation_of_another_serial_does_not_touch_this_leaf() -> None:
    authority = TestAuthority()
    revoked, kept = authority.issue_individual("Revoked"), authority.issue_individual("Kept")
    authority.revoke(revoked, FIXTURE_NOW - timedelta(days=1))
    assert verify_chain(kept.info, authority.trust_store(), FIXTURE_NOW)[0] == kept.info


def test_revoked_issuing_ca_revokes_every_leaf_below_it() -> None:
    authority = TestAuthority()
    leaf = authority.issue_individual("Below Revoked CA")
    root_crl = _root_crl_revoking(authority.root, authority.intermediate, FIXTURE_NOW)
    trust = authority.trust_store().with_revocation_list(root_crl)
    assert _rejection(leaf.info, trust) is CertificateProblem.REVOKED


def test_time_without_timezone_is_a_programming_error() -> None:
    leaf = AUTHORITY.issue_individual("Recipient").info
    with pytest.raises(ValueError, match="timezone"):
        verify_chain(leaf, AUTHORITY.trust_store(), FIXTURE_NOW.replace(tzinfo=None))


def _root_crl_revoking(
    root: IssuedCertificate, revoked: IssuedCertificate, at: datetime
) -> RevocationList:
    revocations = [Revocation(revoked.serial_number, at)]
    crl = build_revocation_list(root, revocations, 1, at, DEFAULT_NOT_AFTER)
    trust = TrustStore(authorities=(root.info,))
    return verify_revocation_list(load_revocation_list(crl.public_bytes(Encoding.DER)), trust)
