"""Certificate revocation in consensus state (DESIGN.md §2; seed 003 para 18(6)-(7)).

Revocation lives in state "so that every node judges a signature the same way": a registrar
submits a CRL issued by a CA trusted in state; once committed, its revocations apply to every
later signature check (transactions and documents). Per issuer the CRL number must increase, and
a revocation is permanent: a later list that omits a serial does not reinstate it.
"""

from __future__ import annotations

import functools
from datetime import datetime

from ledger.identity.certificates import CertificateInfo, MalformedCertificate, load_certificate
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.ocsp import (
    MalformedOcspResponse,
    OcspStatus,
    load_ocsp_response,
    verify_ocsp_response,
)
from ledger.identity.revocation import (
    CertificateRejected,
    FrozenRevocations,
    MalformedRevocationList,
    TrustStore,
    load_revocation_list,
    verify_revocation_list,
)
from ledger.registry.common import RuleInput, RuleOutcome, require_sole_registrar
from ledger.rejections import RejectionReason
from ledger.state.access import (
    StateOverlay,
    StateReader,
    read_issuer_revocations,
    revocations_key,
    write_issuer_revocations,
)
from ledger.state.records import (
    Authorities,
    IssuerRevocations,
    RevokedSerial,
    load_issuer_revocations,
)
from ledger.transactions.envelope import reject

MAX_CRL_NUMBER = 2**64 - 1  # RFC 5280 allows 20 octets; state stores a msgpack integer


TRUST_STORE_CACHE_SIZE = 64  # distinct (authorities, revocations) states kept in memory


def trusted_authorities(authorities: Authorities) -> tuple[CertificateInfo, ...]:
    """The CA certificates of genesis. They were checked when genesis was loaded, so failing to
    read one now is a broken invariant."""
    return _trusted_authorities(authorities.trusted_certificate_authorities)


def _trusted_authorities(ders: tuple[bytes, ...]) -> tuple[CertificateInfo, ...]:
    found = []
    for der in ders:
        try:
            found.append(load_certificate(der))
        except (MalformedCertificate, InvalidIdentifier) as error:
            raise RuntimeError(f"a trusted CA in state cannot be read: {error}") from error
    return tuple(found)


def load_trust_store(state: StateReader, authorities: Authorities) -> TrustStore:
    """The trusted CAs with every revocation committed so far.

    The store is a pure function of the CA certificates and of the bytes of their revocation
    records, and is remembered under exactly those bytes: mempool admission, which runs for
    every submission, reuses it until a committed CRL changes a record (or the CAs change),
    and then builds a new one. Reading the records themselves is never skipped."""
    fingerprints = sorted({ca.fingerprint for ca in trusted_authorities(authorities)})
    records = tuple(
        (fingerprint, state.get(revocations_key(fingerprint))) for fingerprint in fingerprints
    )
    return _trust_store(authorities.trusted_certificate_authorities, records)


@functools.lru_cache(maxsize=TRUST_STORE_CACHE_SIZE)
def _trust_store(
    ca_ders: tuple[bytes, ...], records: tuple[tuple[str, bytes | None], ...]
) -> TrustStore:
    revoked = {}
    for fingerprint, data in records:
        if data is not None:
            for entry in load_issuer_revocations(data).revoked:
                revoked[(fingerprint, entry.serial_number)] = entry.revoked_at
    return TrustStore(_trusted_authorities(ca_ders), FrozenRevocations(sorted(revoked.items())))


def apply_revocation_list_update(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    require_sole_registrar(rule_input.transaction)
    update = rule_input.transaction.body.revocation_list_update
    if update.ocsp_responses:
        _apply_ocsp_responses(state, rule_input, tuple(update.ocsp_responses))
        if not update.crl:
            return RuleOutcome(revocations_changed=True)
    data = update.crl
    try:
        crl = verify_revocation_list(load_revocation_list(data), rule_input.trust)
    except (MalformedRevocationList, CertificateRejected) as error:
        raise reject(RejectionReason.CRL_INVALID, str(error)) from None
    issuer = crl.issuer_fingerprint
    if issuer is None:
        raise RuntimeError("verify_revocation_list returned an unverified list")
    if crl.crl_number > MAX_CRL_NUMBER:
        raise reject(RejectionReason.CRL_INVALID, f"CRL number {crl.crl_number} is too large")
    previous = read_issuer_revocations(state, issuer)
    if previous is not None and crl.crl_number <= previous.crl_number:
        raise reject(
            RejectionReason.CRL_NOT_NEWER,
            f"CRL number {crl.crl_number} of {crl.issuer_name!r} is not above "
            f"{previous.crl_number}",
        )
    merged = {} if previous is None else {e.serial_number: e for e in previous.revoked}
    for entry in crl.revoked:
        known = merged.get(entry.serial_number)
        revoked_at = _whole_milliseconds(entry.revoked_at)
        if known is None or revoked_at < known.revoked_at:
            merged[entry.serial_number] = RevokedSerial(f"{entry.serial_number:x}", revoked_at)
    write_issuer_revocations(
        state,
        IssuerRevocations(
            issuer_fingerprint=issuer,
            crl_number=crl.crl_number,
            revoked=tuple(merged[serial] for serial in sorted(merged)),
        ),
    )
    return RuleOutcome(revocations_changed=True)


def _apply_ocsp_responses(
    state: StateOverlay, rule_input: RuleInput, responses: tuple[bytes, ...]
) -> None:
    """OCSP responses as revocation evidence (RFC 6960; ADR 0009): each verified against the
    trusted CAs, none produced after the block time; their revocations merge into the issuer's
    record like a CRL's (earliest time wins), its CRL number unchanged."""
    for index, data in enumerate(responses):
        try:
            response = verify_ocsp_response(load_ocsp_response(data), rule_input.trust)
        except (MalformedOcspResponse, CertificateRejected) as error:
            raise reject(RejectionReason.OCSP_INVALID, f"OCSP response {index}: {error}") from None
        if response.produced_at > rule_input.block.time:
            raise reject(
                RejectionReason.OCSP_INVALID,
                f"OCSP response {index} was produced at {response.produced_at.isoformat()}, "
                f"after the block time {rule_input.block.time.isoformat()}",
            )
        for entry in response.entries:
            if entry.status is not OcspStatus.REVOKED or entry.revoked_at is None:
                continue
            issuer = entry.issuer_fingerprint
            if issuer is None:
                raise RuntimeError("verify_ocsp_response kept an entry without its issuer")
            previous = read_issuer_revocations(state, issuer)
            merged = {} if previous is None else {e.serial_number: e for e in previous.revoked}
            known = merged.get(entry.serial_number)
            revoked_at = _whole_milliseconds(entry.revoked_at)
            if known is None or revoked_at < known.revoked_at:
                merged[entry.serial_number] = RevokedSerial(f"{entry.serial_number:x}", revoked_at)
            write_issuer_revocations(
                state,
                IssuerRevocations(
                    issuer_fingerprint=issuer,
                    crl_number=0 if previous is None else previous.crl_number,
                    revoked=tuple(merged[serial] for serial in sorted(merged)),
                ),
            )


def _whole_milliseconds(moment: datetime) -> datetime:
    # CRL times are whole seconds (RFC 5280 §5.1.2.6); state stores whole milliseconds.
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)
