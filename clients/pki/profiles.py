"""Subject names and certificate profiles in the national CA's conventions, for the test CA.

Subjects as the NCA writes them (DESIGN.md §3, Algorithm para 2(4), 2(7); ledger/identity/nca.py):
CN "SURNAME NAME", SURNAME, GIVENNAME (the patronymic), the IIN in serialNumber as "IIN" + 12
digits, C, and for a legal entity's person the organisation in O and the BIN in OU as "BIN" + 12
digits. Profiles carry the NCA's role OIDs in the extended key usage and its signing policies.
In this pilot one personal certificate may serve both as the mTLS client identity and for
signing (persons get digitalSignature + nonRepudiation and clientAuth + emailProtection); with
a GOST key it cannot do TLS, and the holder uses a second, P-256 certificate for that (as the
NCA issues separate AUTH and signing certificates).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ledger.identity.certificates import BIN_PREFIX, IIN_PREFIX
from ledger.identity.identifiers import InvalidIdentifier, parse_bin, parse_iin
from ledger.identity.nca import NcaPolicy, NcaRole

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
class LeafProfile:
    """What a leaf certificate may be used for."""

    key_usage: frozenset[str]  # names as in CertificateInfo.key_usage
    extended_key_usages: tuple[x509.ObjectIdentifier, ...]
    subject_alternative_names: tuple[x509.GeneralName, ...] = ()
    policies: tuple[str, ...] = ()  # certificatePolicies OIDs (the NCA's: ledger/identity/nca.py)
    extended_key_usage_critical: bool = False  # RFC 3161 §2.3 wants it critical for a TSA


def person_profile(roles: Iterable[NcaRole] = (), policy: NcaPolicy | None = None) -> LeafProfile:
    """A person's signing certificate; `roles` and `policy` add the NCA's OIDs (ADR 0009)."""
    extended = PERSON_EXTENDED_KEY_USAGES + tuple(x509.ObjectIdentifier(r.value) for r in roles)
    return LeafProfile(
        PERSON_KEY_USAGE, extended, policies=() if policy is None else (policy.value,)
    )


def individual_profile() -> LeafProfile:
    """The NCA's individual signing certificate: role "individual", individual-signing policy."""
    return person_profile((NcaRole.INDIVIDUAL,), NcaPolicy.INDIVIDUAL_SIGNING)


def employee_profile(role: NcaRole = NcaRole.EMPLOYEE) -> LeafProfile:
    """A legal entity's person: role "legal entity" plus `role` (first head, signatory, ...)."""
    if role in (NcaRole.INDIVIDUAL, NcaRole.LEGAL_ENTITY):
        raise InvalidIssueRequest(f"{role.name} is not a role within a legal entity")
    return person_profile((NcaRole.LEGAL_ENTITY, role), NcaPolicy.LEGAL_ENTITY_SIGNING)


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
    """An individual as the NCA writes one: CN "SURNAME NAME", SURNAME, the IIN in serialNumber
    (Algorithm para 2(7)), C; GIVENNAME (the patronymic) when CN has a third word."""
    checked_iin = _checked(parse_iin, iin)
    return _name(
        (NameOID.COMMON_NAME, common_name),
        *_person_names(common_name),
        (NameOID.SERIAL_NUMBER, IIN_PREFIX + checked_iin),
        (NameOID.COUNTRY_NAME, "KZ"),
    )


def employee_name(common_name: str, iin: str, bin_: str, organisation: str) -> x509.Name:
    """A person acting for an organisation: as an individual, plus O (the organisation's name,
    quotes and all) and the BIN in OU, as the NCA writes them."""
    checked_iin, checked_bin = _checked(parse_iin, iin), _checked(parse_bin, bin_)
    return _name(
        (NameOID.COMMON_NAME, common_name),
        *_person_names(common_name),
        (NameOID.SERIAL_NUMBER, IIN_PREFIX + checked_iin),
        (NameOID.COUNTRY_NAME, "KZ"),
        (NameOID.ORGANIZATION_NAME, organisation),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, BIN_PREFIX + checked_bin),
    )


def _person_names(common_name: str) -> tuple[tuple[x509.ObjectIdentifier, str], ...]:
    words = common_name.split()
    if len(words) < 2:
        return ()  # a single word ("Registrar") names nobody's surname
    names = [(NameOID.SURNAME, words[0])]
    if len(words) > 2:
        names.append((NameOID.GIVEN_NAME, " ".join(words[2:])))
    return tuple(names)


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
