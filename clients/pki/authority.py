"""Test PKI, in memory: a root CA standing in for the national CA, issuing CAs, and
certificates for individuals, organisation employees and nodes, plus CRLs. CAs and persons may
hold ECDSA P-256, RSA or GOST 34.10-2015 keys (an RSA or GOST hierarchy as the NCA has them);
nodes always hold P-256. Names and profiles in the NCA's conventions: clients/pki/profiles.py.

Every function takes its times explicitly; `tests/pki_fixtures.py` and `tirkeu-pki` both issue
through here so that there is one implementation of issuance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, overload

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from typing_extensions import TypeVar

from clients.pki.profiles import (
    AUTHORITY_KEY_USAGE,
    InvalidIssueRequest,
    LeafProfile,
    PkiInputError,
    authority_name,
    employee_name,
    employee_profile,
    individual_name,
    individual_profile,
    node_name,
    node_profile,
    parse_subject_alternative_name,
    person_profile,
)
from clients.pki.resign import STAND_IN_KEY, resign_certificate, resign_revocation_list
from ledger.hashing import sha256
from ledger.identity.algorithms import KeyAlgorithm, UnsupportedKey
from ledger.identity.certificates import CertificateInfo, load_certificate_leniently
from ledger.identity.nca import NcaRole
from ledger.identity.private_keys import (
    GostPrivateKey,
    SigningKey,
    generate_signing_key,
    load_signing_key,
    private_key_pem,
    public_spki,
)

__all__ = [  # the issuing API, and the profile names it has always offered
    "AUTHORITY_KEY_USAGE",
    "InvalidIssueRequest",
    "IssuedCertificate",
    "LeafProfile",
    "PkiInputError",
    "Revocation",
    "Validity",
    "authority_name",
    "build_revocation_list",
    "employee_name",
    "employee_profile",
    "generate_key",
    "individual_name",
    "individual_profile",
    "issue_employee",
    "issue_individual",
    "issue_intermediate",
    "issue_leaf",
    "issue_node",
    "issue_root",
    "load_private_key",
    "node_name",
    "node_profile",
    "parse_subject_alternative_name",
    "person_profile",
]


@dataclass(frozen=True, slots=True)
class Validity:
    not_before: datetime
    not_after: datetime

    def __post_init__(self) -> None:
        if self.not_before.tzinfo is None or self.not_after.tzinfo is None:
            raise InvalidIssueRequest("validity times must carry a timezone")
        if self.not_after <= self.not_before:
            raise InvalidIssueRequest(
                f"not_after {self.not_after.isoformat()} is not after "
                f"not_before {self.not_before.isoformat()}"
            )


# The key's type: persons and CAs may hold any (IssuedCertificate[SigningKey]); nodes always hold
# P-256, the default, so that code about nodes and votes needs no annotation.
Key_co = TypeVar("Key_co", bound=SigningKey, covariant=True, default=ec.EllipticCurvePrivateKey)
_K = TypeVar("_K", bound=SigningKey)


@dataclass(frozen=True, slots=True)
class IssuedCertificate(Generic[Key_co]):
    """A certificate with its private key: any type for persons and CAs, P-256 for nodes."""

    key: Key_co = field(compare=False, repr=False)
    certificate: x509.Certificate = field(compare=False, repr=False)
    info: CertificateInfo

    @property
    def der(self) -> bytes:
        return self.info.der

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return private_key_pem(self.key)  # a test CA: protect the file (0600), not the key

    @property
    def serial_number(self) -> int:
        return self.info.serial_number


@dataclass(frozen=True, slots=True)
class Revocation:
    serial_number: int
    revoked_at: datetime
    reason: x509.ReasonFlags | None = None  # None: "unspecified", omitted as RFC 5280 advises


@overload
def generate_key() -> ec.EllipticCurvePrivateKey: ...
@overload
def generate_key(algorithm: KeyAlgorithm) -> SigningKey: ...
def generate_key(algorithm: KeyAlgorithm | None = None) -> SigningKey:
    """A new key, P-256 unless another type is asked for."""
    if algorithm is None:
        return ec.generate_private_key(ec.SECP256R1())
    return generate_signing_key(algorithm)


def load_private_key(pem: bytes) -> SigningKey:
    """A P-256, RSA or GOST 2015 private key (PKCS#8 PEM); InvalidIssueRequest otherwise."""
    try:
        return load_signing_key(pem)
    except UnsupportedKey as error:
        raise InvalidIssueRequest(f"the key file: {error}") from None


def issue_root(
    common_name: str,
    validity: Validity,
    *,
    key: SigningKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate[SigningKey]:
    """A self-signed root, standing in for the national CA."""
    key = key or generate_key()
    name = authority_name(common_name)
    builder = _builder(name, name, key, validity, serial_number)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    builder = builder.add_extension(_key_usage(AUTHORITY_KEY_USAGE), critical=True)
    return _sign(builder, key, key)


@overload
def issue_intermediate(
    issuer: IssuedCertificate[SigningKey],
    common_name: str,
    validity: Validity,
    *,
    key: None = None,
    serial_number: int | None = None,
    key_usage: frozenset[str] = AUTHORITY_KEY_USAGE,
) -> IssuedCertificate[ec.EllipticCurvePrivateKey]: ...
@overload
def issue_intermediate(
    issuer: IssuedCertificate[SigningKey],
    common_name: str,
    validity: Validity,
    *,
    key: _K,
    serial_number: int | None = None,
    key_usage: frozenset[str] = AUTHORITY_KEY_USAGE,
) -> IssuedCertificate[_K]: ...
def issue_intermediate(
    issuer: IssuedCertificate[SigningKey],
    common_name: str,
    validity: Validity,
    *,
    key: SigningKey | None = None,
    serial_number: int | None = None,
    key_usage: frozenset[str] = AUTHORITY_KEY_USAGE,
) -> IssuedCertificate[SigningKey]:
    """An issuing CA under `issuer`; it may issue leaves only (pathLenConstraint 0)."""
    key = key or generate_key()
    builder = _builder(
        authority_name(common_name),
        issuer.certificate.subject,
        key,
        validity,
        serial_number,
    )
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(_key_usage(key_usage), critical=True)
    builder = builder.add_extension(_authority_key_identifier(issuer), critical=False)
    return _sign(builder, key, issuer.key)


@overload
def issue_leaf(
    issuer: IssuedCertificate[SigningKey],
    subject: x509.Name,
    profile: LeafProfile,
    validity: Validity,
    *,
    key: None = None,
    serial_number: int | None = None,
) -> IssuedCertificate[ec.EllipticCurvePrivateKey]: ...
@overload
def issue_leaf(
    issuer: IssuedCertificate[SigningKey],
    subject: x509.Name,
    profile: LeafProfile,
    validity: Validity,
    *,
    key: _K,
    serial_number: int | None = None,
) -> IssuedCertificate[_K]: ...
def issue_leaf(
    issuer: IssuedCertificate[SigningKey],
    subject: x509.Name,
    profile: LeafProfile,
    validity: Validity,
    *,
    key: SigningKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate[SigningKey]:
    """An end-entity certificate (basicConstraints CA false) signed by `issuer`; P-256 when no
    key is given."""
    return _issue_leaf(issuer, subject, profile, validity, key or generate_key(), serial_number)


def _issue_leaf(  # noqa: PLR0917  (issue_leaf's arguments, key typed)
    issuer: IssuedCertificate[SigningKey],
    subject: x509.Name,
    profile: LeafProfile,
    validity: Validity,
    key: _K,
    serial_number: int | None,
) -> IssuedCertificate[_K]:
    builder = _builder(subject, issuer.certificate.subject, key, validity, serial_number)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    )
    builder = builder.add_extension(_key_usage(profile.key_usage), critical=True)
    builder = builder.add_extension(
        x509.ExtendedKeyUsage(list(profile.extended_key_usages)),
        critical=profile.extended_key_usage_critical,
    )
    if profile.policies:
        builder = builder.add_extension(
            x509.CertificatePolicies(
                [
                    x509.PolicyInformation(x509.ObjectIdentifier(oid), None)
                    for oid in profile.policies
                ]
            ),
            critical=False,
        )
    if profile.subject_alternative_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(list(profile.subject_alternative_names)), critical=False
        )
    builder = builder.add_extension(_authority_key_identifier(issuer), critical=False)
    return _sign(builder, key, issuer.key)


def issue_individual(
    issuer: IssuedCertificate[SigningKey],
    common_name: str,
    iin: str,
    *,
    validity: Validity,
    key: SigningKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate[SigningKey]:
    subject = individual_name(common_name, iin)
    return issue_leaf(
        issuer, subject, individual_profile(), validity, key=key, serial_number=serial_number
    )


def issue_employee(
    issuer: IssuedCertificate[SigningKey],
    common_name: str,
    iin: str,
    bin_: str,
    organisation: str,
    *,
    validity: Validity,
    key: SigningKey | None = None,
    serial_number: int | None = None,
    role: NcaRole = NcaRole.EMPLOYEE,
) -> IssuedCertificate[SigningKey]:
    subject = employee_name(common_name, iin, bin_, organisation)
    return issue_leaf(
        issuer, subject, employee_profile(role), validity, key=key, serial_number=serial_number
    )


def issue_node(
    issuer: IssuedCertificate[SigningKey],
    node_id: str,
    *,
    validity: Validity,
    extra_names: Iterable[str] = (),
    organisation: str | None = None,
    bin_: str | None = None,
    key: ec.EllipticCurvePrivateKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate[ec.EllipticCurvePrivateKey]:
    """A node: always ECDSA P-256, because node-to-node TLS does not speak GOST."""
    subject = node_name(node_id, organisation, bin_)
    profile = node_profile(node_id, extra_names)
    node_key = key or ec.generate_private_key(ec.SECP256R1())
    return _issue_leaf(issuer, subject, profile, validity, node_key, serial_number)


def build_revocation_list(
    issuer: IssuedCertificate[SigningKey],
    revocations: Iterable[Revocation],
    crl_number: int,
    this_update: datetime,
    next_update: datetime,
) -> x509.CertificateRevocationList:
    """A CRL signed by `issuer` (which must hold cRLSign), with CRL number and AKI."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_authority_key_identifier(issuer), critical=False)
    )
    for revocation in revocations:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(revocation.serial_number)
            .revocation_date(revocation.revoked_at)
        )
        if revocation.reason not in (None, x509.ReasonFlags.unspecified):
            entry = entry.add_extension(x509.CRLReason(revocation.reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    if not isinstance(issuer.key, GostPrivateKey):
        return builder.sign(issuer.key, hashes.SHA256())
    stand_in = builder.sign(STAND_IN_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_crl(resign_revocation_list(stand_in, issuer.key))


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: SigningKey,
    validity: Validity,
    serial_number: int | None,
) -> x509.CertificateBuilder:
    if isinstance(key, GostPrivateKey):
        # resign.py puts the GOST key in place of the stand-in; the key identifier is already
        # the GOST key's (RFC 7093 §2 method 1: SHA-256 of the key, truncated to 160 bits).
        public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey = STAND_IN_KEY.public_key()
        identifier = x509.SubjectKeyIdentifier(sha256(key.public_spki())[:20])
    else:
        own_public_key = key.public_key()
        public_key = own_public_key
        identifier = x509.SubjectKeyIdentifier.from_public_key(own_public_key)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial_number or x509.random_serial_number())
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(identifier, critical=False)
    )


def _key_usage(names: frozenset[str]) -> x509.KeyUsage:
    known = {"digital_signature", "non_repudiation", "key_encipherment", "data_encipherment"}
    known |= {"key_agreement", "key_cert_sign", "crl_sign"}
    if not names <= known:
        raise InvalidIssueRequest(f"unknown key usages {sorted(names - known)}")
    return x509.KeyUsage(
        digital_signature="digital_signature" in names,
        content_commitment="non_repudiation" in names,
        key_encipherment="key_encipherment" in names,
        data_encipherment="data_encipherment" in names,
        key_agreement="key_agreement" in names,
        key_cert_sign="key_cert_sign" in names,
        crl_sign="crl_sign" in names,
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_identifier(issuer: IssuedCertificate[SigningKey]) -> x509.AuthorityKeyIdentifier:
    identifier = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(identifier.value)


def _sign(
    builder: x509.CertificateBuilder, key: _K, issuer_key: SigningKey
) -> IssuedCertificate[_K]:
    if isinstance(key, GostPrivateKey) or isinstance(issuer_key, GostPrivateKey):
        stand_in = builder.sign(STAND_IN_KEY, hashes.SHA256())
        subject_spki = public_spki(key) if isinstance(key, GostPrivateKey) else None
        der = resign_certificate(
            stand_in.public_bytes(serialization.Encoding.DER), subject_spki, issuer_key
        )
    else:
        der = builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    # Leniently: a test may issue a bad check digit on purpose (issue_leaf with a raw name);
    # the names this module makes are checked before issuance.
    info = load_certificate_leniently(der)
    return IssuedCertificate(key=key, certificate=info.certificate, info=info)
