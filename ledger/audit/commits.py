"""Checking one commit certificate and naming each signature that fails.

The verdict is ``ledger.chain.blocks.verify_commit_certificate``'s, the node's own check (one
implementation of what "committed" means). When it refuses a certificate for a signature, the
auditor goes on to name every failing signature by index and validator, since the report must
locate each defect, not only the first.
"""

from __future__ import annotations

from dataclasses import dataclass

from consensus.types import Height, ValidatorId, VoteType
from ledger.audit.defects import Defect, DefectKind
from ledger.chain.blocks import (
    CertifyingValidators,
    CommitCertificate,
    CommitProblem,
    InvalidCommitCertificate,
    verify_commit_certificate,
    vote_sign_bytes,
)
from ledger.hashing import DIGEST_SIZE
from ledger.identity.signatures import verify_ecdsa_p256_signature

_SIGNATURE_PROBLEMS = (
    CommitProblem.BAD_SIGNATURE,
    CommitProblem.UNKNOWN_VALIDATOR,
    CommitProblem.DUPLICATE_SIGNATURE,
)


@dataclass(frozen=True, slots=True)
class CommitPlace:
    """Where a certificate was found: stored for ``height`` ("commit"), or carried by the block
    at ``height`` as its last commit ("last_commit", certifying height - 1)."""

    height: int
    field: str


@dataclass(frozen=True, slots=True)
class CommitCheck:
    certified_hash: bytes | None  # the block hash it commits, when the certificate is valid
    defects: tuple[Defect, ...]


def decode_stored_commit(raw: bytes, place: CommitPlace) -> CommitCertificate | Defect:
    try:
        return CommitCertificate.decode(raw)
    except InvalidCommitCertificate as error:
        return Defect(
            DefectKind.COMMIT_MALFORMED, str(error), height=place.height, field=place.field
        )


def check_commit(
    certificate: CommitCertificate,
    chain_id: str,
    validators: CertifyingValidators,
    height: int,
    place: CommitPlace,
) -> CommitCheck:
    """Is ``certificate`` a valid commit of some block at ``height`` by ``validators``, the set
    in force at that height (ledger/audit/validator_history.py)?"""
    if len(certificate.block_hash) != DIGEST_SIZE:
        defect = Defect(
            DefectKind.COMMIT_MALFORMED,
            f"the certified block hash is {len(certificate.block_hash)} bytes, not 32",
            height=place.height,
            field=f"{place.field}.block_hash",
        )
        return CommitCheck(None, (defect,))
    try:
        verify_commit_certificate(
            certificate,
            chain_id=chain_id,
            validators=validators,
            height=Height(height),
            block_hash=certificate.block_hash,
        )
    except InvalidCommitCertificate as error:
        defects = _defects_of(error, certificate, chain_id, validators, height, place)
        return CommitCheck(None, defects)
    return CommitCheck(certificate.block_hash, ())


def _defects_of(  # noqa: PLR0917 (one call site, each argument named by its role)
    error: InvalidCommitCertificate,
    certificate: CommitCertificate,
    chain_id: str,
    validators: CertifyingValidators,
    height: int,
    place: CommitPlace,
) -> tuple[Defect, ...]:
    if error.problem in _SIGNATURE_PROBLEMS:
        located = _failing_signatures(certificate, chain_id, validators, place)
        if located:
            return located
    expected = found = None
    if error.problem is CommitProblem.WRONG_HEIGHT:
        expected, found = str(height), str(certificate.height)
    return (
        Defect(
            DefectKind.COMMIT_INVALID,
            f"{error.problem.name}: {error.detail}",
            height=place.height,
            field=place.field,
            expected=expected,
            found=found,
        ),
    )


def _failing_signatures(
    certificate: CommitCertificate,
    chain_id: str,
    validators: CertifyingValidators,
    place: CommitPlace,
) -> tuple[Defect, ...]:
    signed = vote_sign_bytes(
        chain_id,
        VoteType.PRECOMMIT,
        certificate.height,
        certificate.round,
        certificate.block_hash,
    )
    seen: set[ValidatorId] = set()
    defects: list[Defect] = []
    for index, signature in enumerate(certificate.signatures):
        member = validators.certificates.get(signature.validator_id)
        if member is None:
            problem = CommitProblem.UNKNOWN_VALIDATOR
        elif signature.validator_id in seen:
            problem = CommitProblem.DUPLICATE_SIGNATURE
        elif not verify_ecdsa_p256_signature(member, signature.signature, signed):
            problem = CommitProblem.BAD_SIGNATURE
        else:
            seen.add(signature.validator_id)
            continue
        seen.add(signature.validator_id)
        defects.append(
            Defect(
                DefectKind.COMMIT_SIGNATURE_INVALID,
                f"{problem.name}: {problem.value}",
                height=place.height,
                field=f"{place.field}.signatures[{index}]",
                validator_id=signature.validator_id,
            )
        )
    return tuple(defects)
