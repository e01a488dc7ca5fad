"""Certificate chains: may a certificate be relied on at a given time.

From the leaf to a trusted root (RFC 5280 §6.1, simplified): issuer signatures, CA powers, key
usage, validity at the block time, and revocation from the trust store (ledger/identity/
revocation.py). Pure: no clock (callers pass the block time), no network, no files.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from ledger.identity.algorithms import KeyAlgorithm, verify_signature
from ledger.identity.certificates import CertificateInfo, CertificateKind
from ledger.identity.revocation import CertificateProblem, CertificateRejected, TrustStore

MAX_CHAIN_LENGTH = 8  # leaf + intermediates + root; a guard against loops in a bad trust store
# Verified chain structures kept in memory: pure functions of the certificates' bytes, so they
# change no result, and nothing that failed is kept.
CHAIN_CACHE_SIZE = 4096


def verify_chain(
    leaf: CertificateInfo, trust: TrustStore, at: datetime
) -> tuple[CertificateInfo, ...]:
    """The chain leaf..root if `leaf` may be relied on at time `at` (the block time).

    Raises CertificateRejected. Structure is checked first (key type and usage of the leaf,
    issuers, signatures, CA powers), then validity at `at` from the leaf up, then revocation:
    a certificate revoked after `at` still counts at `at`, so a block signed before a
    revocation stays valid when replayed (DESIGN.md §2: revocation lives in consensus state).
    """
    if at.tzinfo is None:
        raise ValueError("verify_chain needs a timezone-aware time")
    _check_leaf(leaf)
    chain = _chain_structure(leaf, trust)
    for certificate in chain:
        _check_validity(certificate, at)
    for subject, issuer in itertools.pairwise(chain):
        revoked_at = trust.revocation_time(issuer.fingerprint, subject.serial_number)
        if revoked_at is not None and revoked_at <= at:
            raise CertificateRejected(
                CertificateProblem.REVOKED,
                f"{subject.subject!r} (serial {subject.serial_number}) was revoked at "
                f"{revoked_at.isoformat()}",
            )
    return chain


def _check_leaf(leaf: CertificateInfo) -> None:
    if leaf.key.algorithm is KeyAlgorithm.UNSUPPORTED:
        raise CertificateRejected(
            CertificateProblem.WRONG_KEY_TYPE,
            f"{leaf.subject!r} has a key Tirkeu does not accept "
            f"({leaf.key.algorithm_oid} {leaf.key.parameters_oid or ''}, "
            f"{leaf.key.size_bits} bits)",
        )
    if leaf.kind is CertificateKind.NODE and leaf.key.algorithm is not KeyAlgorithm.ECDSA_P256:
        # Node-to-node TLS and votes stay ECDSA P-256: the TLS stack does not speak GOST.
        raise CertificateRejected(
            CertificateProblem.WRONG_KEY_TYPE, f"{leaf.subject!r} is a node without a P-256 key"
        )
    if not leaf.is_ca and "digital_signature" not in leaf.key_usage:
        raise CertificateRejected(
            CertificateProblem.WRONG_KEY_USAGE,
            f"{leaf.subject!r} lacks the digitalSignature key usage",
        )


_ChainKey = tuple[bytes, tuple[bytes, ...]]  # the leaf's DER, the trusted authorities' DER
_chain_structures: dict[_ChainKey, tuple[CertificateInfo, ...]] = {}


def _chain_structure(leaf: CertificateInfo, trust: TrustStore) -> tuple[CertificateInfo, ...]:
    """`_build_chain`, remembered. Which issuer signed which certificate, and the issuers'
    powers, depend only on the certificates' bytes, never on the time or on revocations, which
    verify_chain checks afresh on every call: a certificate revoked since it was first seen is
    still refused. Keyed by exact DER bytes (not digests) and by the authorities in order."""
    key = (leaf.der, tuple(authority.der for authority in trust.authorities))
    chain = _chain_structures.get(key)
    if chain is None:
        chain = _build_chain(leaf, trust)  # raises CertificateRejected: nothing is kept
        if len(_chain_structures) >= CHAIN_CACHE_SIZE:
            _chain_structures.clear()  # crude but safe under concurrent callers (GIL-atomic)
        _chain_structures[key] = chain
    return (leaf, *chain[1:])


def _build_chain(leaf: CertificateInfo, trust: TrustStore) -> tuple[CertificateInfo, ...]:
    chain = [leaf]
    current = leaf
    while not _is_trust_anchor(current, trust):
        issuer = _find_issuer(current, trust)
        _check_issuer_powers(issuer, intermediates_below=len(chain) - 1)
        chain.append(issuer)
        if len(chain) > MAX_CHAIN_LENGTH:
            raise CertificateRejected(
                CertificateProblem.UNKNOWN_AUTHORITY,
                f"no trusted root within {MAX_CHAIN_LENGTH} certificates of {leaf.subject!r}",
            )
        current = issuer
    return tuple(chain)


def _is_trust_anchor(certificate: CertificateInfo, trust: TrustStore) -> bool:
    # A trusted self-issued certificate ends the chain; its own signature is not checked, as
    # RFC 5280 §6.1 treats the anchor's key and name as configuration, not as a claim.
    return certificate.certificate.subject == certificate.certificate.issuer and any(
        authority.fingerprint == certificate.fingerprint for authority in trust.authorities
    )


def _find_issuer(certificate: CertificateInfo, trust: TrustStore) -> CertificateInfo:
    candidates = trust.candidate_issuers(
        certificate.certificate.issuer, certificate.authority_key_id
    )
    if not candidates:
        raise CertificateRejected(
            CertificateProblem.UNKNOWN_AUTHORITY,
            f"no trusted authority issued {certificate.subject!r} (issuer {certificate.issuer!r})",
        )
    for candidate in candidates:
        # Our own check for every algorithm (cryptography's cannot read GOST keys); names were
        # matched by candidate_issuers.
        if verify_signature(
            candidate.key,
            certificate.signature_algorithm,
            certificate.certificate.signature,
            certificate.certificate.tbs_certificate_bytes,
        ):
            return candidate
    raise CertificateRejected(
        CertificateProblem.BAD_CHAIN_SIGNATURE,
        f"the signature on {certificate.subject!r} does not verify with {certificate.issuer!r}",
    )


def _check_issuer_powers(issuer: CertificateInfo, intermediates_below: int) -> None:
    if not issuer.is_ca:
        raise CertificateRejected(
            CertificateProblem.NOT_A_CA, f"{issuer.subject!r} is not a CA (basicConstraints)"
        )
    if issuer.path_length is not None and intermediates_below > issuer.path_length:
        raise CertificateRejected(
            CertificateProblem.NOT_A_CA,
            f"{issuer.subject!r} allows {issuer.path_length} intermediates below it, "
            f"the chain has {intermediates_below}",
        )
    if "key_cert_sign" not in issuer.key_usage:
        raise CertificateRejected(
            CertificateProblem.WRONG_KEY_USAGE, f"{issuer.subject!r} lacks keyCertSign"
        )


def _check_validity(certificate: CertificateInfo, at: datetime) -> None:
    if at < certificate.not_valid_before:
        raise CertificateRejected(
            CertificateProblem.NOT_YET_VALID,
            f"{certificate.subject!r} is valid from {certificate.not_valid_before.isoformat()}, "
            f"used at {at.isoformat()}",
        )
    if at > certificate.not_valid_after:
        raise CertificateRejected(
            CertificateProblem.EXPIRED,
            f"{certificate.subject!r} expired at {certificate.not_valid_after.isoformat()}, "
            f"used at {at.isoformat()}",
        )
