"""Test PKI, in memory: a root CA standing in for the national CA, issuing CAs, and P-256
certificates for individuals, organisation employees and nodes, plus CRLs.

Subjects follow the national CA's conventions (DESIGN.md §3, Algorithm para 2(4), 2(7)): the
IIN in serialNumber as "IIN" + 12 digits, the BIN in OU as "BIN" + 12 digits, the organisation
in O. In this pilot one personal certificate serves both as the mTLS client identity and for CMS
document signing (the national CA issues separate AUTH and RSA/GOST signing certificates; we do
not model that split), so persons get digitalSignature + nonRepudiation and the EKUs clientAuth +
emailProtection.

Every function takes its times explicitly; `tests/pki_fixtures.py` and `tirkeu-pki` both issue
through here so that there is one implementation of issuance.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ledger.identity.certificates import BIN_PREFIX, IIN_PREFIX, CertificateInfo, load_certificate
from ledger.identity.identifiers import InvalidIdentifier, parse_bin, parse_iin

PERSON_KEY_USAGE = frozenset({"digital_signature", "non_repudiation"})
PERSON_EXTENDED_KEY_USAGES = (ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION)
NODE_KEY_USAGE = frozenset({"digital_signature"})
NODE_EXTENDED_KEY_USAGES = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)
AUTHORITY_KEY_USAGE = frozenset({"key_cert_sign", "crl_sign"})
NODE_DEFAULT_DNS_NAMES = ("localhost",)
NODE_DEFAULT_IP_ADDRESSES = (ipaddress.ip_address("127.0.0.1"),)
_DNS_NAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$")


class PkiInputError(ValueError):
    """Bad input to the test CA (the CLI exits 2 on it); nothing was changed."""


class InvalidIssueRequest(PkiInputError):
    """What was asked of the CA cannot be issued (bad identifier, name, SAN or validity)."""


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


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    key: ec.EllipticCurvePrivateKey = field(compare=False, repr=False)
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
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),  # a test CA: protect the file (0600), not the key
        )

    @property
    def serial_number(self) -> int:
        return self.info.serial_number


@dataclass(frozen=True, slots=True)
class LeafProfile:
    """What a leaf certificate may be used for."""

    key_usage: frozenset[str]  # names as in CertificateInfo.key_usage
    extended_key_usages: tuple[x509.ObjectIdentifier, ...]
    subject_alternative_names: tuple[x509.GeneralName, ...] = ()


@dataclass(frozen=True, slots=True)
class Revocation:
    serial_number: int
    revoked_at: datetime
    reason: x509.ReasonFlags | None = None  # None: "unspecified", omitted as RFC 5280 advises


def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def load_private_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InvalidIssueRequest("the key file does not hold an ECDSA private key")
    return key


def person_profile() -> LeafProfile:
    return LeafProfile(PERSON_KEY_USAGE, PERSON_EXTENDED_KEY_USAGES)


def node_profile(node_id: str, extra_names: Iterable[str] = ()) -> LeafProfile:
    """TLS server and client: localhost, 127.0.0.1, the node id when it is a DNS name, extras."""
    dns_names = [*NODE_DEFAULT_DNS_NAMES]
    if _DNS_NAME.match(node_id):
        dns_names.append(node_id)
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    names += [x509.IPAddress(address) for address in NODE_DEFAULT_IP_ADDRESSES]
    for extra in extra_names:
        name = parse_subject_alternative_name(extra)
        if name not in names:
            names.append(name)
    return LeafProfile(NODE_KEY_USAGE, NODE_EXTENDED_KEY_USAGES, tuple(names))


def parse_subject_alternative_name(text: str) -> x509.GeneralName:
    """An IP address (v4 or v6) or a DNS name; an optional "IP:" or "DNS:" prefix is accepted."""
    kind, separator, value = text.partition(":")
    if not separator or kind.upper() not in ("IP", "DNS"):
        kind, value = "", text
    if kind.upper() != "DNS":
        try:
            return x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            if kind.upper() == "IP":
                raise InvalidIssueRequest(f"{value!r} is not an IP address") from None
    if not _DNS_NAME.match(value.removeprefix("*.")):
        raise InvalidIssueRequest(f"{text!r} is neither an IP address nor a DNS name")
    return x509.DNSName(value)


def individual_name(common_name: str, iin: str) -> x509.Name:
    """An individual: CN and the IIN in serialNumber (Algorithm para 2(7))."""
    checked_iin = _checked(parse_iin, iin)
    return _name(
        (NameOID.COUNTRY_NAME, "KZ"),
        (NameOID.COMMON_NAME, common_name),
        (NameOID.SERIAL_NUMBER, IIN_PREFIX + checked_iin),
    )


def employee_name(common_name: str, iin: str, bin_: str, organisation: str) -> x509.Name:
    """A person acting for an organisation: IIN, plus the BIN in OU and the name in O."""
    checked_iin, checked_bin = _checked(parse_iin, iin), _checked(parse_bin, bin_)
    return _name(
        (NameOID.COUNTRY_NAME, "KZ"),
        (NameOID.ORGANIZATION_NAME, organisation),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, BIN_PREFIX + checked_bin),
        (NameOID.COMMON_NAME, common_name),
        (NameOID.SERIAL_NUMBER, IIN_PREFIX + checked_iin),
    )


def node_name(node_id: str, organisation: str | None = None, bin_: str | None = None) -> x509.Name:
    """A node: its id as CN, optionally the operator's organisation and BIN. Never an IIN."""
    attributes: list[tuple[x509.ObjectIdentifier, str]] = [(NameOID.COUNTRY_NAME, "KZ")]
    if organisation is not None:
        attributes.append((NameOID.ORGANIZATION_NAME, organisation))
    if bin_ is not None:
        attributes.append(
            (NameOID.ORGANIZATIONAL_UNIT_NAME, BIN_PREFIX + _checked(parse_bin, bin_))
        )
    attributes.append((NameOID.COMMON_NAME, node_id))
    return _name(*attributes)


def authority_name(common_name: str) -> x509.Name:
    return _name((NameOID.COUNTRY_NAME, "KZ"), (NameOID.COMMON_NAME, common_name))


def _checked(parse: Callable[[str], str], text: str) -> str:
    try:
        return parse(text)
    except InvalidIdentifier as error:
        raise InvalidIssueRequest(str(error)) from None


def _name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    try:
        return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])
    except ValueError as error:  # e.g. an empty or over-long common name
        raise InvalidIssueRequest(f"invalid subject name: {error}") from None


def issue_root(
    common_name: str,
    validity: Validity,
    *,
    key: ec.EllipticCurvePrivateKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate:
    """A self-signed root, standing in for the national CA."""
    key = key or generate_key()
    name = authority_name(common_name)
    builder = _builder(name, name, key.public_key(), validity, serial_number)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    builder = builder.add_extension(_key_usage(AUTHORITY_KEY_USAGE), critical=True)
    return _sign(builder, key, key)


def issue_intermediate(
    issuer: IssuedCertificate,
    common_name: str,
    validity: Validity,
    *,
    key: ec.EllipticCurvePrivateKey | None = None,
    serial_number: int | None = None,
    key_usage: frozenset[str] = AUTHORITY_KEY_USAGE,
) -> IssuedCertificate:
    """An issuing CA under `issuer`; it may issue leaves only (pathLenConstraint 0)."""
    key = key or generate_key()
    builder = _builder(
        authority_name(common_name),
        issuer.certificate.subject,
        key.public_key(),
        validity,
        serial_number,
    )
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(_key_usage(key_usage), critical=True)
    builder = builder.add_extension(_authority_key_identifier(issuer), critical=False)
    return _sign(builder, key, issuer.key)


def issue_leaf(
    issuer: IssuedCertificate,
    subject: x509.Name,
    profile: LeafProfile,
    validity: Validity,
    *,
    key: ec.EllipticCurvePrivateKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate:
    """An end-entity certificate (basicConstraints CA false) signed by `issuer`."""
    key = key or generate_key()
    builder = _builder(
        subject, issuer.certificate.subject, key.public_key(), validity, serial_number
    )
    builder = builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    )
    builder = builder.add_extension(_key_usage(profile.key_usage), critical=True)
    builder = builder.add_extension(
        x509.ExtendedKeyUsage(list(profile.extended_key_usages)), critical=False
    )
    if profile.subject_alternative_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(list(profile.subject_alternative_names)), critical=False
        )
    builder = builder.add_extension(_authority_key_identifier(issuer), critical=False)
    return _sign(builder, key, issuer.key)


def issue_individual(
    issuer: IssuedCertificate,
    common_name: str,
    iin: str,
    *,
    validity: Validity,
    key: ec.EllipticCurvePrivateKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate:
    subject = individual_name(common_name, iin)
    return issue_leaf(
        issuer, subject, person_profile(), validity, key=key, serial_number=serial_number
    )


def issue_employee(
    issuer: IssuedCertificate,
    common_name: str,
    iin: str,
    bin_: str,
    organisation: str,
    *,
    validity: Validity,
    key: ec.EllipticCurvePrivateKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate:
    subject = employee_name(common_name, iin, bin_, organisation)
    return issue_leaf(
        issuer, subject, person_profile(), validity, key=key, serial_number=serial_number
    )


def issue_node(
    issuer: IssuedCertificate,
    node_id: str,
    *,
    validity: Validity,
    extra_names: Iterable[str] = (),
    organisation: str | None = None,
    bin_: str | None = None,
    key: ec.EllipticCurvePrivateKey | None = None,
    serial_number: int | None = None,
) -> IssuedCertificate:
    subject = node_name(node_id, organisation, bin_)
    profile = node_profile(node_id, extra_names)
    return issue_leaf(issuer, subject, profile, validity, key=key, serial_number=serial_number)


def build_revocation_list(
    issuer: IssuedCertificate,
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
    return builder.sign(issuer.key, hashes.SHA256())


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    validity: Validity,
    serial_number: int | None,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial_number or x509.random_serial_number())
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
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


def _authority_key_identifier(issuer: IssuedCertificate) -> x509.AuthorityKeyIdentifier:
    identifier = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(identifier.value)


def _sign(
    builder: x509.CertificateBuilder,
    key: ec.EllipticCurvePrivateKey,
    issuer_key: ec.EllipticCurvePrivateKey,
) -> IssuedCertificate:
    certificate = builder.sign(issuer_key, hashes.SHA256())
    info = load_certificate(certificate.public_bytes(serialization.Encoding.DER))
    return IssuedCertificate(key=key, certificate=certificate, info=info)
