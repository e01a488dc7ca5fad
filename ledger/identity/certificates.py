"""X.509 identities: who signed, and may their signature count at a given time.

Certificates follow the national CA's conventions (DESIGN.md §3): the individual's IIN in the
subject serialNumber as "IIN" + 12 digits, the organisation's BIN in the subject OU as "BIN" +
12 digits, the organisation's name in O (Algorithm para 2(4), 2(7), 2(13)). Signature
algorithms are in ledger/identity/signatures.py, chain building and validity in
ledger/identity/chains.py.

Pure: no clock (callers pass the block time), no network, no files. Revocation comes from CRLs
that entered consensus state (see ledger/identity/revocation.py), never from fetching.
"""

from __future__ import annotations

import enum
import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ledger.hashing import sha256_hex
from ledger.identity.algorithms import PublicKey, UnsupportedKey, load_public_key
from ledger.identity.identifiers import Bin, Iin, InvalidIdentifier, parse_bin, parse_iin

__all__ = [
    "CertificateInfo",
    "CertificateKind",
    "MalformedCertificate",
    "load_certificate",
    "load_certificates_pem",
]

IIN_PREFIX = "IIN"
BIN_PREFIX = "BIN"
# RFC 4514 has no short names for these; the NCA's profile uses all three (ledger/identity/nca.py).
_ATTRIBUTE_NAMES = {
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME",
}
# Parsed certificates kept in memory (the verified chain structures: ledger/identity/chains.py).
# The same few hundred
# certificates (registrars, KTK staff, recipients, the CAs) sign transaction after transaction;
# parsing one costs more than verifying its signature. Both caches hold pure functions of the
# bytes they are keyed by, so they change no result, and nothing that failed is kept.
CERTIFICATE_CACHE_SIZE = 4096
# The NCA's own CA names are longer than X.520's 64-character bound on CN (the GOST 2022 root's is
# 66): cryptography warns on every read, and the name is the NCA's, so the warning says nothing.
warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)


class CertificateKind(enum.Enum):
    INDIVIDUAL = "individual"  # IIN only: a service recipient, guarantor, spouse
    EMPLOYEE = "employee"  # IIN + BIN: a person acting for an organisation (KTK, registrar)
    NODE = "node"  # TLS server, no IIN: a validator or observer node
    AUTHORITY = "authority"  # basicConstraints CA
    SERVICE = "service"  # a CA's OCSP responder or time-stamping authority, no IIN


class MalformedCertificate(ValueError):
    """Bytes that are not an X.509 certificate we accept."""


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    certificate: x509.Certificate = field(compare=False, repr=False)
    der: bytes = field(repr=False)
    fingerprint: str  # SHA-256 of the DER, lowercase hex
    serial_number: int
    subject_common_name: str
    iin: Iin | None
    bin: Bin | None
    organisation: str | None
    kind: CertificateKind
    issuer_common_name: str
    authority_key_id: bytes | None
    subject_key_id: bytes | None
    not_valid_before: datetime  # tz-aware UTC
    not_valid_after: datetime
    is_ca: bool
    path_length: int | None  # basicConstraints pathLenConstraint of a CA
    key_usage: frozenset[str]
    extended_key_usages: frozenset[str]  # dotted OIDs
    subject: str  # RFC 4514
    issuer: str  # RFC 4514
    key: PublicKey  # any type, GOST included (ledger/identity/algorithms.py)
    signature_algorithm: str  # dotted OID of the issuer's signature on this certificate
    policies: frozenset[str]  # certificatePolicies, dotted OIDs (the NCA's profile: nca.py)
    # Only from load_certificate_leniently: an IIN/BIN whose check digit fails, kept as written.
    identifier_warnings: tuple[str, ...] = ()

    def public_key(self) -> CertificatePublicKeyTypes:
        """The key as a `cryptography` object: ECDSA and RSA only. GOST keys raise
        UnsupportedKey; code that checks signatures uses `key` (ledger/identity/signatures.py)."""
        native = self.key.cryptography_key
        if native is None:
            raise UnsupportedKey(f"{self.key.algorithm.value} keys have no cryptography object")
        return native


def load_certificate(data: bytes) -> CertificateInfo:
    """A certificate from DER or PEM (exactly one). Raises MalformedCertificate, or
    InvalidIdentifier when the subject carries an IIN or BIN with a wrong check digit."""
    if not isinstance(data, bytes):
        raise MalformedCertificate(f"expected bytes, got {type(data).__name__}")
    # Keyed by the exact bytes (a plain `bytes`, so a subclass's __eq__ cannot alias entries):
    # a certificate that differs in one byte is parsed afresh. Exceptions are never cached.
    return _load_certificate_cached(bytes(data), strict=True)


def load_certificate_leniently(data: bytes) -> CertificateInfo:
    """As load_certificate, but an IIN or BIN whose check digit fails is kept as written, with
    a warning in `identifier_warnings` (ezsigner reports the signature; the ledger, which uses
    load_certificate, refuses such an identifier for a party)."""
    if not isinstance(data, bytes):
        raise MalformedCertificate(f"expected bytes, got {type(data).__name__}")
    return _load_certificate_cached(bytes(data), strict=False)


@functools.lru_cache(maxsize=CERTIFICATE_CACHE_SIZE)
def _load_certificate_cached(data: bytes, *, strict: bool = True) -> CertificateInfo:
    if data.lstrip().startswith(b"-----BEGIN"):
        certificates = _load_pem(data, strict)
        if len(certificates) != 1:
            raise MalformedCertificate(f"expected one certificate, got {len(certificates)}")
        return certificates[0]
    return _describe(_parse_der(data), strict)


def load_certificates_pem(data: bytes) -> tuple[CertificateInfo, ...]:
    """Every certificate of a PEM bundle, in order (a chain file: leaf first or CAs)."""
    return _load_pem(data, strict=True)


def _load_pem(data: bytes, strict: bool) -> tuple[CertificateInfo, ...]:
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except (ValueError, TypeError, x509.InvalidVersion) as error:
        raise MalformedCertificate(f"not a PEM certificate bundle: {error}") from None
    return tuple(_describe(certificate, strict) for certificate in certificates)


def _parse_der(data: bytes) -> x509.Certificate:
    try:
        certificate = x509.load_der_x509_certificate(data)
    except (ValueError, x509.InvalidVersion) as error:
        raise MalformedCertificate(f"not an X.509 certificate: {error}") from None
    # The fingerprint must be the hash of exactly the bytes the signer sent.
    if certificate.public_bytes(Encoding.DER) != data:
        raise MalformedCertificate("the certificate is not in canonical DER")
    return certificate


def _describe(certificate: x509.Certificate, strict: bool = True) -> CertificateInfo:
    if certificate.version is not x509.Version.v3:
        raise MalformedCertificate("only X.509 v3 certificates are accepted")
    if certificate.serial_number <= 0:
        raise MalformedCertificate("the serial number is not positive (RFC 5280 §4.1.2.2)")
    try:
        # `cryptography` reads no GOST key, so the key is read from the DER (algorithms.py).
        der = certificate.public_bytes(Encoding.DER)
        tbs = asn1_x509.Certificate.load(der)["tbs_certificate"]
        key = load_public_key(bytes(tbs["subject_public_key_info"].dump()))
    except (UnsupportedKey, ValueError, TypeError, KeyError) as error:
        raise MalformedCertificate(f"unsupported public key: {error}") from None
    try:
        extensions = _Extensions.read(certificate)
        subject_common_name = _single_attribute(certificate.subject, NameOID.COMMON_NAME)
        issuer_common_name = _single_attribute(certificate.issuer, NameOID.COMMON_NAME) or ""
        organisation = _single_attribute(certificate.subject, NameOID.ORGANIZATION_NAME)
        iin_text = _prefixed_attribute(certificate.subject, NameOID.SERIAL_NUMBER, IIN_PREFIX)
        bin_text = _prefixed_attribute(
            certificate.subject, NameOID.ORGANIZATIONAL_UNIT_NAME, BIN_PREFIX
        )
        subject = certificate.subject.rfc4514_string(_ATTRIBUTE_NAMES)
        issuer = certificate.issuer.rfc4514_string(_ATTRIBUTE_NAMES)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as error:
        raise MalformedCertificate(f"malformed certificate contents: {error}") from None
    except TypeError as error:
        # A name attribute of the wrong ASN.1 type (found by fuzzing: a countryName as a BIT
        # STRING): `cryptography` raises TypeError when it builds the Name.
        raise MalformedCertificate(f"malformed name in the certificate: {error}") from None
    if subject_common_name is None:
        raise MalformedCertificate("the subject has no common name")
    warnings: list[str] = []
    iin = _identifier(iin_text, parse_iin, Iin, strict, warnings)  # InvalidIdentifier if strict
    bin_ = _identifier(bin_text, parse_bin, Bin, strict, warnings)
    return CertificateInfo(
        certificate=certificate,
        der=der,
        fingerprint=sha256_hex(der),
        serial_number=certificate.serial_number,
        subject_common_name=subject_common_name,
        iin=iin,
        bin=bin_,
        organisation=organisation,
        kind=_classify(extensions, iin, bin_, subject),
        issuer_common_name=issuer_common_name,
        authority_key_id=extensions.authority_key_id,
        subject_key_id=extensions.subject_key_id,
        not_valid_before=certificate.not_valid_before_utc,
        not_valid_after=certificate.not_valid_after_utc,
        is_ca=extensions.is_ca,
        path_length=extensions.path_length,
        key_usage=extensions.key_usage,
        extended_key_usages=extensions.extended_key_usages,
        subject=subject,
        issuer=issuer,
        key=key,
        signature_algorithm=certificate.signature_algorithm_oid.dotted_string,
        policies=extensions.policies,
        identifier_warnings=tuple(warnings),
    )


_Identifier = TypeVar("_Identifier", Iin, Bin)


def _identifier(
    text: str | None,
    parse: Callable[[str], _Identifier],
    make: Callable[[str], _Identifier],
    strict: bool,
    warnings: list[str],
) -> _Identifier | None:
    if text is None:
        return None
    try:
        return parse(text)
    except InvalidIdentifier as error:
        if strict or len(text) != 12 or not text.isascii() or not text.isdigit():
            raise
        warnings.append(f"{error} (the CA signed it as written)")
        return make(text)


def _classify(
    extensions: _Extensions, iin: Iin | None, bin_: Bin | None, subject: str
) -> CertificateKind:
    if extensions.is_ca:
        return CertificateKind.AUTHORITY
    if iin is None and ExtendedKeyUsageOID.SERVER_AUTH.dotted_string in (
        extensions.extended_key_usages
    ):
        return CertificateKind.NODE
    if iin is None and not extensions.extended_key_usages.isdisjoint(_SERVICE_USAGES):
        return CertificateKind.SERVICE
    if iin is not None and bin_ is not None:
        return CertificateKind.EMPLOYEE
    if iin is not None:
        return CertificateKind.INDIVIDUAL
    raise MalformedCertificate(
        f"{subject!r} is neither a CA, a node (serverAuth) nor a person (IIN in serialNumber)"
    )


_SERVICE_USAGES = frozenset(
    {
        ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string,
        ExtendedKeyUsageOID.TIME_STAMPING.dotted_string,
    }
)


def _single_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = _texts(name, oid)
    if len(values) > 1:
        raise MalformedCertificate(f"the name carries {len(values)} values of {oid.dotted_string}")
    return values[0] if values else None


def _prefixed_attribute(name: x509.Name, oid: x509.ObjectIdentifier, prefix: str) -> str | None:
    """The digits after `prefix` in the one attribute of `oid` that starts with it, if any."""
    matching = [value[len(prefix) :] for value in _texts(name, oid) if value.startswith(prefix)]
    if len(matching) > 1:
        raise MalformedCertificate(f"the subject carries {len(matching)} {prefix} values")
    return matching[0] if matching else None


def _texts(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    values = [attribute.value for attribute in name.get_attributes_for_oid(oid)]
    return [value for value in values if isinstance(value, str)]  # bytes only for bit strings


_E = TypeVar("_E", bound=x509.ExtensionType)

# cryptography's attribute -> our name; "content_commitment" is RFC 5280's later name for
# nonRepudiation, the name the national CA's profiles use.
_KEY_USAGE_NAMES = {
    "digital_signature": "digital_signature",
    "content_commitment": "non_repudiation",
    "key_encipherment": "key_encipherment",
    "data_encipherment": "data_encipherment",
    "key_agreement": "key_agreement",
    "key_cert_sign": "key_cert_sign",
    "crl_sign": "crl_sign",
}


@dataclass(frozen=True, slots=True)
class _Extensions:
    is_ca: bool
    path_length: int | None
    key_usage: frozenset[str]
    extended_key_usages: frozenset[str]
    authority_key_id: bytes | None
    subject_key_id: bytes | None
    policies: frozenset[str]

    @classmethod
    def read(cls, certificate: x509.Certificate) -> _Extensions:
        extensions = certificate.extensions
        basic = _extension_value(extensions, x509.BasicConstraints)
        usage = _extension_value(extensions, x509.KeyUsage)
        extended = _extension_value(extensions, x509.ExtendedKeyUsage)
        authority = _extension_value(extensions, x509.AuthorityKeyIdentifier)
        subject = _extension_value(extensions, x509.SubjectKeyIdentifier)
        policies = _extension_value(extensions, x509.CertificatePolicies)
        return cls(
            is_ca=basic is not None and basic.ca,
            path_length=None if basic is None else basic.path_length,
            key_usage=frozenset() if usage is None else _key_usage_names(usage),
            extended_key_usages=frozenset(
                () if extended is None else (oid.dotted_string for oid in extended)
            ),
            authority_key_id=None if authority is None else authority.key_identifier,
            subject_key_id=None if subject is None else subject.digest,
            policies=frozenset(
                () if policies is None else (p.policy_identifier.dotted_string for p in policies)
            ),
        )


def _extension_value(extensions: x509.Extensions, kind: type[_E]) -> _E | None:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _key_usage_names(usage: x509.KeyUsage) -> frozenset[str]:
    names = {name for attribute, name in _KEY_USAGE_NAMES.items() if getattr(usage, attribute)}
    if usage.key_agreement:  # encipher_only/decipher_only are defined only with keyAgreement
        names |= {name for name in ("encipher_only", "decipher_only") if getattr(usage, name)}
    return frozenset(names)
