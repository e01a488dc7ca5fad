"""Trust: the authorities a chain trusts, and certificate revocation lists (RFC 5280 §5).

Public names are re-exported by ledger.identity.certificates, the module to import from. A
RevocationList
comes out of `load_revocation_list` unverified (its `issuer_fingerprint` is None);
`verify_revocation_list` checks its signature against the trust store and fills the fingerprint
in; only a verified list may enter a TrustStore.
Revocation lives in consensus state (DESIGN.md §2) so that every node judges a signature the same
way, which is why this module is pure: no fetching of distribution points, no clock.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ledger.identity.algorithms import verify_signature

if TYPE_CHECKING:
    from ledger.identity.certificates import CertificateInfo


class CertificateProblem(enum.Enum):
    UNKNOWN_AUTHORITY = "no trusted authority issued this certificate or list"
    BAD_CHAIN_SIGNATURE = "the issuer's signature does not verify"
    NOT_A_CA = "an issuer is not a CA (basicConstraints) or its path length is exceeded"
    EXPIRED = "a certificate is past its validity"
    NOT_YET_VALID = "a certificate is not yet valid"
    REVOKED = "a certificate was revoked at or before the time of use"
    WRONG_KEY_TYPE = "the key is not of a type Tirkeu accepts (P-256, RSA, GOST 34.10-2015)"
    WRONG_KEY_USAGE = "the key usage does not allow this use"


class CertificateRejected(Exception):
    """A certificate (or CRL) that does not pass verification; `problem` says why."""

    def __init__(self, problem: CertificateProblem, detail: str) -> None:
        super().__init__(f"{problem.name}: {detail}")
        self.problem = problem
        self.detail = detail

    def __reduce__(self) -> tuple[type[CertificateRejected], tuple[CertificateProblem, str]]:
        return (CertificateRejected, (self.problem, self.detail))  # picklable across processes


class MalformedRevocationList(ValueError):
    """Bytes that are not an X.509 CRL we accept (DER or PEM, with a CRL number)."""


@dataclass(frozen=True, slots=True)
class RevokedCertificate:
    serial_number: int
    revoked_at: datetime  # tz-aware UTC


@dataclass(frozen=True, slots=True)
class RevocationList:
    revocation_list: x509.CertificateRevocationList = field(compare=False, repr=False)
    der: bytes = field(repr=False)
    # SHA-256 fingerprint of the authority whose signature was verified; None until
    # ledger.identity.certificates.verify_revocation_list has checked it.
    issuer_fingerprint: str | None
    issuer_name: str  # RFC 4514
    authority_key_id: bytes | None
    crl_number: int
    this_update: datetime
    next_update: datetime | None
    revoked: tuple[RevokedCertificate, ...]


def load_revocation_list(data: bytes) -> RevocationList:
    """A CRL from DER or PEM bytes; raises MalformedRevocationList naming what is wrong."""
    crl = _parse(data)
    # cryptography decodes a CRL's fields lazily, so damage shows up only when they are read.
    try:
        crl_number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        revoked = tuple(
            RevokedCertificate(entry.serial_number, entry.revocation_date_utc) for entry in crl
        )
        return RevocationList(
            revocation_list=crl,
            der=crl.public_bytes(Encoding.DER),
            issuer_fingerprint=None,
            issuer_name=crl.issuer.rfc4514_string(),
            authority_key_id=_authority_key_id(crl),
            crl_number=crl_number,
            this_update=crl.last_update_utc,
            next_update=crl.next_update_utc,
            revoked=revoked,
        )
    except x509.ExtensionNotFound:
        raise MalformedRevocationList("the CRL carries no CRL number (RFC 5280 §5.2.3)") from None
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as error:
        raise MalformedRevocationList(f"the CRL's contents are malformed: {error}") from None
    except TypeError as error:
        # A name attribute of the wrong ASN.1 type (found by fuzzing: the issuer's countryName
        # as a BIT STRING): `cryptography` raises TypeError when it builds the Name.
        raise MalformedRevocationList(f"the CRL's issuer name is malformed: {error}") from None


def _parse(data: bytes) -> x509.CertificateRevocationList:
    if not isinstance(data, bytes):
        raise MalformedRevocationList(f"expected bytes, got {type(data).__name__}")
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)  # PEM: the DER below is our own encoding
        crl = x509.load_der_x509_crl(data)
    except (ValueError, x509.InvalidVersion) as error:
        raise MalformedRevocationList(f"not an X.509 CRL: {error}") from None
    # Refuse non-canonical encodings so that the stored DER is exactly the bytes received.
    if crl.public_bytes(Encoding.DER) != data:
        raise MalformedRevocationList("the CRL is not in canonical DER")
    return crl


def _authority_key_id(crl: x509.CertificateRevocationList) -> bytes | None:
    try:
        extension = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        return None
    return extension.value.key_identifier


class FrozenRevocations(Mapping[tuple[str, int], datetime]):
    """(issuer fingerprint, serial number) -> revocation time; immutable and hashable."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[tuple[tuple[str, int], datetime]] = ()) -> None:
        self._entries: dict[tuple[str, int], datetime] = dict(entries)

    def __getitem__(self, key: tuple[str, int]) -> datetime:
        return self._entries[key]

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __hash__(self) -> int:
        return hash(frozenset(self._entries.items()))

    def __repr__(self) -> str:
        return f"FrozenRevocations({self._entries!r})"


@dataclass(frozen=True, slots=True)
class TrustStore:
    authorities: tuple[CertificateInfo, ...]  # trusted roots and intermediates
    revoked: Mapping[tuple[str, int], datetime] = field(default_factory=FrozenRevocations)

    def __post_init__(self) -> None:
        if not isinstance(self.revoked, FrozenRevocations):
            object.__setattr__(self, "revoked", FrozenRevocations(self.revoked.items()))

    def with_revocation_list(self, crl: RevocationList) -> TrustStore:
        """This store plus the list's revocations. A revocation is permanent: an entry already
        known keeps its earliest time, and a later list that omits it does not reinstate it."""
        if crl.issuer_fingerprint is None:
            raise ValueError("verify_revocation_list must check a CRL before it is trusted")
        if all(a.fingerprint != crl.issuer_fingerprint for a in self.authorities):
            raise ValueError(f"the CRL issuer {crl.issuer_name!r} is not in this trust store")
        merged = dict(self.revoked)
        for entry in crl.revoked:
            key = (crl.issuer_fingerprint, entry.serial_number)
            known = merged.get(key)
            merged[key] = entry.revoked_at if known is None else min(known, entry.revoked_at)
        return replace(self, revoked=FrozenRevocations(merged.items()))

    def revocation_time(self, issuer_fingerprint: str, serial: int) -> datetime | None:
        return self.revoked.get((issuer_fingerprint, serial))

    def candidate_issuers(
        self, issuer: x509.Name, authority_key_id: bytes | None
    ) -> tuple[CertificateInfo, ...]:
        """Authorities whose subject is `issuer` and whose key id matches, when both have one."""
        return tuple(
            authority
            for authority in self.authorities
            if authority.certificate.subject == issuer
            and (
                authority_key_id is None
                or authority.subject_key_id is None
                or authority.subject_key_id == authority_key_id
            )
        )


def verify_revocation_list(crl: RevocationList, trust: TrustStore) -> RevocationList:
    """The list with `issuer_fingerprint` set, once a trusted CA with cRLSign has signed it.
    Raises CertificateRejected (UNKNOWN_AUTHORITY, BAD_CHAIN_SIGNATURE, WRONG_KEY_USAGE)."""
    candidates = trust.candidate_issuers(crl.revocation_list.issuer, crl.authority_key_id)
    if not candidates:
        raise CertificateRejected(
            CertificateProblem.UNKNOWN_AUTHORITY, f"no trusted authority named {crl.issuer_name!r}"
        )
    for authority in candidates:
        if _signed_crl(crl, authority):
            if not authority.is_ca or "crl_sign" not in authority.key_usage:
                raise CertificateRejected(
                    CertificateProblem.WRONG_KEY_USAGE,
                    f"{authority.subject!r} may not sign CRLs (needs CA and cRLSign)",
                )
            return replace(crl, issuer_fingerprint=authority.fingerprint)
    raise CertificateRejected(
        CertificateProblem.BAD_CHAIN_SIGNATURE,
        f"the CRL's signature does not verify with {crl.issuer_name!r}",
    )


def _signed_crl(crl: RevocationList, authority: CertificateInfo) -> bool:
    # Every algorithm of the registry, GOST included (ledger/identity/algorithms.py).
    return verify_signature(
        authority.key,
        crl.revocation_list.signature_algorithm_oid.dotted_string,
        crl.revocation_list.signature,
        crl.revocation_list.tbs_certlist_bytes,
    )
