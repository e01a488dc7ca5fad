"""Commit certificates: more than 2/3 of the power, each signature a P-256 precommit over the
vote sign bytes, no duplicates, the right height and block (DESIGN.md §4; Tendermint paper,
Algorithm 1 line 49: decide on 2f + 1 precommits)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clients.pki.authority import IssuedCertificate
from consensus.types import Height, Round, ValidatorId, VoteType
from consensus.validators import Validator, ValidatorSet
from ledger.chain.blocks import (
    VOTE_DOMAIN_TAG,
    CertifyingValidators,
    CommitCertificate,
    CommitProblem,
    CommitSignature,
    InvalidCommitCertificate,
    build_commit_certificate,
    sign_precommit,
    verify_commit_certificate,
    vote_sign_bytes,
)
from ledger.hashing import sha256
from ledger.identity.signatures import sign_ecdsa_p256
from tests.pki_fixtures import TestAuthority

CHAIN_ID = "tirkeu-test"
HEIGHT = Height(7)
ROUND = Round(2)
BLOCK_HASH = sha256(b"block 7")
IDS = tuple(ValidatorId(f"registrar-{n}") for n in range(1, 5))


@pytest.fixture(scope="module")
def nodes() -> dict[ValidatorId, IssuedCertificate]:
    authority = TestAuthority()
    return {validator_id: authority.issue_node(validator_id) for validator_id in IDS}


def _validators(
    nodes: dict[ValidatorId, IssuedCertificate], powers: tuple[int, ...] = (1, 1, 1, 1)
) -> CertifyingValidators:
    validator_set = ValidatorSet(tuple(Validator(v, p) for v, p in zip(IDS, powers, strict=True)))
    return CertifyingValidators(validator_set, {v: nodes[v].info for v in IDS})


def _signature(
    nodes: dict[ValidatorId, IssuedCertificate],
    validator_id: ValidatorId,
    *,
    height: Height = HEIGHT,
    block_hash: bytes = BLOCK_HASH,
) -> CommitSignature:
    key = nodes[validator_id].key
    return CommitSignature(validator_id, sign_precommit(key, CHAIN_ID, height, ROUND, block_hash))


def _certificate(
    nodes: dict[ValidatorId, IssuedCertificate], signers: tuple[ValidatorId, ...]
) -> CommitCertificate:
    signatures = [_signature(nodes, v) for v in signers]
    return build_commit_certificate(
        _validators(nodes).validator_set, HEIGHT, ROUND, BLOCK_HASH, signatures
    )


def _verify(certificate: CommitCertificate, validators: CertifyingValidators) -> None:
    verify_commit_certificate(
        certificate, chain_id=CHAIN_ID, validators=validators, height=HEIGHT, block_hash=BLOCK_HASH
    )


def _problem(certificate: CommitCertificate, validators: CertifyingValidators) -> CommitProblem:
    with pytest.raises(InvalidCommitCertificate) as raised:
        _verify(certificate, validators)
    return raised.value.problem


def test_three_of_four_equal_validators_is_a_quorum(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    certificate = _certificate(nodes, IDS[:3])
    _verify(certificate, _validators(nodes))
    assert CommitCertificate.decode(certificate.encode()) == certificate


def test_signatures_are_kept_in_validator_set_order(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    certificate = _certificate(nodes, (IDS[2], IDS[0], IDS[1]))
    assert [s.validator_id for s in certificate.signatures] == list(IDS[:3])


def test_two_of_four_is_short_of_quorum(nodes: dict[ValidatorId, IssuedCertificate]) -> None:
    assert _problem(_certificate(nodes, IDS[:2]), _validators(nodes)) is CommitProblem.NO_QUORUM


def test_exactly_two_thirds_of_the_power_is_not_enough(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    # Powers 2, 2, 1, 1: the first two hold 4 of 6, exactly 2/3, not more.
    validators = _validators(nodes, (2, 2, 1, 1))
    assert _problem(_certificate(nodes, IDS[:2]), validators) is CommitProblem.NO_QUORUM
    _verify(_certificate(nodes, IDS[:3]), validators)


def test_a_single_validator_commits_alone(nodes: dict[ValidatorId, IssuedCertificate]) -> None:
    solo = CertifyingValidators(ValidatorSet((Validator(IDS[0], 1),)), {IDS[0]: nodes[IDS[0]].info})
    certificate = CommitCertificate(HEIGHT, ROUND, BLOCK_HASH, (_signature(nodes, IDS[0]),))
    _verify(certificate, solo)


def test_duplicate_signatures_do_not_count_twice(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    twice = _signature(nodes, IDS[0])
    certificate = CommitCertificate(
        HEIGHT, ROUND, BLOCK_HASH, (twice, twice, _signature(nodes, IDS[1]))
    )
    assert _problem(certificate, _validators(nodes)) is CommitProblem.DUPLICATE_SIGNATURE
    with pytest.raises(InvalidCommitCertificate):
        build_commit_certificate(
            _validators(nodes).validator_set, HEIGHT, ROUND, BLOCK_HASH, [twice, twice]
        )


def test_forged_signature_fails_even_beside_a_quorum(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    # registrar-4's entry signed with registrar-1's key.
    forged = CommitSignature(IDS[3], _signature(nodes, IDS[0]).signature)
    certificate = _certificate(nodes, IDS[:3])
    certificate = dataclasses.replace(certificate, signatures=(*certificate.signatures, forged))
    assert _problem(certificate, _validators(nodes)) is CommitProblem.BAD_SIGNATURE


def test_garbled_signature_bytes_are_a_bad_signature(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    garbled = CommitSignature(IDS[0], b"\x30\x02\x00\x00")
    certificate = CommitCertificate(
        HEIGHT, ROUND, BLOCK_HASH, (garbled, *_certificate(nodes, IDS[1:]).signatures)
    )
    assert _problem(certificate, _validators(nodes)) is CommitProblem.BAD_SIGNATURE


def test_precommit_for_another_block_does_not_verify(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    other = _signature(nodes, IDS[2], block_hash=sha256(b"another block"))
    certificate = CommitCertificate(
        HEIGHT, ROUND, BLOCK_HASH, (*_certificate(nodes, IDS[:2]).signatures, other)
    )
    assert _problem(certificate, _validators(nodes)) is CommitProblem.BAD_SIGNATURE


def test_prevote_signatures_are_not_precommits(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    signatures = tuple(
        CommitSignature(
            v,
            sign_ecdsa_p256(
                nodes[v].key, vote_sign_bytes(CHAIN_ID, VoteType.PREVOTE, HEIGHT, ROUND, BLOCK_HASH)
            ),
        )
        for v in IDS[:3]
    )
    certificate = CommitCertificate(HEIGHT, ROUND, BLOCK_HASH, signatures)
    assert _problem(certificate, _validators(nodes)) is CommitProblem.BAD_SIGNATURE


def test_signature_from_outside_the_set_is_refused(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    outsider = CommitSignature(ValidatorId("intruder"), b"x")
    certificate = CommitCertificate(
        HEIGHT, ROUND, BLOCK_HASH, (*_certificate(nodes, IDS[:3]).signatures, outsider)
    )
    assert _problem(certificate, _validators(nodes)) is CommitProblem.UNKNOWN_VALIDATOR


def test_certificate_for_another_height_or_block_is_refused(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    certificate = _certificate(nodes, IDS)
    validators = _validators(nodes)
    with pytest.raises(InvalidCommitCertificate) as raised:
        verify_commit_certificate(
            certificate,
            chain_id=CHAIN_ID,
            validators=validators,
            height=Height(8),
            block_hash=BLOCK_HASH,
        )
    assert raised.value.problem is CommitProblem.WRONG_HEIGHT
    with pytest.raises(InvalidCommitCertificate) as raised:
        verify_commit_certificate(
            certificate,
            chain_id=CHAIN_ID,
            validators=validators,
            height=HEIGHT,
            block_hash=sha256(b"x"),
        )
    assert raised.value.problem is CommitProblem.WRONG_BLOCK_HASH


def test_certificate_of_another_chain_does_not_verify(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    with pytest.raises(InvalidCommitCertificate) as raised:
        verify_commit_certificate(
            _certificate(nodes, IDS),
            chain_id="another-chain",
            validators=_validators(nodes),
            height=HEIGHT,
            block_hash=BLOCK_HASH,
        )
    assert raised.value.problem is CommitProblem.BAD_SIGNATURE


def test_validator_set_hash_commits_to_the_keys(
    nodes: dict[ValidatorId, IssuedCertificate],
) -> None:
    validators = _validators(nodes)
    swapped = dict(validators.certificates)
    swapped[IDS[0]], swapped[IDS[1]] = swapped[IDS[1]], swapped[IDS[0]]
    assert (
        validators.set_hash() != CertifyingValidators(validators.validator_set, swapped).set_hash()
    )
    assert validators.set_hash() == _validators(nodes).set_hash()


def test_vote_sign_bytes_layout() -> None:
    signed = vote_sign_bytes("c", VoteType.PRECOMMIT, 1, 2, BLOCK_HASH)
    assert (
        signed
        == (VOTE_DOMAIN_TAG + b"\x00\x01c" + b"\x02" + (1).to_bytes(8) + (2).to_bytes(4) + b"\x01")
        + BLOCK_HASH
    )
    nil = vote_sign_bytes("c", VoteType.PREVOTE, 1, 2, None)
    assert nil.endswith(b"\x00" + bytes(32)) and nil[len(VOTE_DOMAIN_TAG) + 3] == 1


_votes = st.tuples(
    st.text(min_size=1, max_size=8),
    st.sampled_from([VoteType.PREVOTE, VoteType.PRECOMMIT]),
    st.integers(min_value=0, max_value=2**64 - 1),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
)


@settings(max_examples=100, deadline=None)
@given(first=_votes, second=_votes)
def test_different_votes_have_different_sign_bytes(
    first: tuple[str, VoteType, int, int, bytes | None],
    second: tuple[str, VoteType, int, int, bytes | None],
) -> None:
    assert (vote_sign_bytes(*first) == vote_sign_bytes(*second)) == (first == second)
