"""The national CA's certificate profile: subject fields and the role OIDs (ADR 0009).

The NCA (NCA RK, pki.gov.kz) writes a person's subject as CN = "SURNAME NAME", SURNAME,
GIVENNAME = the patronymic, serialNumber = "IIN" + 12 digits, C, and for a legal entity's
employee also O = the organisation's name (with its quotes), OU = "BIN" + 12 digits, L, ST and
E. Whether the holder acts for themself or for a legal entity, and in which capacity, is said
by extended-key-usage OIDs under 1.2.398.3.3.4.1, not by the name; the certificate policy says
whether the key signs or authenticates. Sources for every OID: ADR 0009 and
docs/national-pki.md.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from ledger.identity.certificates import CertificateInfo


class NcaRole(enum.Enum):
    """Extended key usages of NCA certificates (Kalkan's OID table; ADR 0009)."""

    INDIVIDUAL = "1.2.398.3.3.4.1.1"  # физическое лицо
    LEGAL_ENTITY = "1.2.398.3.3.4.1.2"  # юридическое лицо: on every organisation certificate
    FIRST_HEAD = "1.2.398.3.3.4.1.2.1"  # первый руководитель
    SIGNATORY = "1.2.398.3.3.4.1.2.2"  # лицо с правом подписи
    FINANCIAL_SIGNATORY = "1.2.398.3.3.4.1.2.3"  # право подписи финансовых документов
    HUMAN_RESOURCES = "1.2.398.3.3.4.1.2.4"  # сотрудник отдела кадров
    EMPLOYEE = "1.2.398.3.3.4.1.2.5"  # сотрудник


class NcaPolicy(enum.Enum):
    """Certificate policies of NCA end-entity certificates (ADR 0009)."""

    LEGAL_ENTITY_SIGNING = "1.2.398.3.3.2.1"
    LEGAL_ENTITY_AUTHENTICATION = "1.2.398.3.3.2.2"
    INDIVIDUAL_SIGNING = "1.2.398.3.3.2.3"
    INDIVIDUAL_AUTHENTICATION = "1.2.398.3.3.2.4"


# A person who may sign for the organisation on its own authority (Algorithm para 22's
# "authorised person"); the first head is also para 19's "KTK head" (ADR 0009).
AUTHORISED_ROLES = frozenset({NcaRole.FIRST_HEAD, NcaRole.SIGNATORY})
_ROLES = {role.value: role for role in NcaRole}
_POLICIES = {policy.value: policy for policy in NcaPolicy}


@dataclass(frozen=True, slots=True)
class NcaSubject:
    """The subject as the NCA writes it; fields absent from the certificate are None."""

    common_name: str
    surname: str | None
    given_name: str | None  # the patronymic, in the NCA's profile
    iin: str | None
    bin: str | None
    organisation: str | None
    country: str | None
    locality: str | None
    state: str | None
    email: str | None


def nca_roles(certificate: CertificateInfo) -> frozenset[NcaRole]:
    """The NCA roles among the certificate's extended key usages (empty for other CAs')."""
    return frozenset(_ROLES[oid] for oid in certificate.extended_key_usages if oid in _ROLES)


def nca_policies(certificate: CertificateInfo) -> frozenset[NcaPolicy]:
    return frozenset(_POLICIES[oid] for oid in certificate.policies if oid in _POLICIES)


def is_authorised_person(certificate: CertificateInfo) -> bool:
    """A legal entity's first head or person with signing authority (para 22)."""
    roles = nca_roles(certificate)
    return NcaRole.LEGAL_ENTITY in roles and not roles.isdisjoint(AUTHORISED_ROLES)


def judged_by_role(certificate: CertificateInfo) -> bool:
    """Whether the certificate speaks the NCA's role language at all: any role OID under
    1.2.398.3.3.4.1. Certificates of other CAs carry none and are judged by BIN alone."""
    return bool(nca_roles(certificate))


def may_act_as_authorised_person(certificate: CertificateInfo) -> bool:
    """Para 22's "authorised person" of a legal entity, from the certificate (ADR 0009,
    inference): where it carries the NCA's role OIDs, the first head or a signatory; where it
    carries none, nothing here speaks against it (the BIN decides, as before)."""
    return not judged_by_role(certificate) or is_authorised_person(certificate)


def is_first_head(certificate: CertificateInfo) -> bool:
    """A legal entity's first head (para 19's "head")."""
    roles = nca_roles(certificate)
    return NcaRole.LEGAL_ENTITY in roles and NcaRole.FIRST_HEAD in roles


def nca_subject(certificate: CertificateInfo) -> NcaSubject:
    name = certificate.certificate.subject
    return NcaSubject(
        common_name=certificate.subject_common_name,
        surname=_first(name, NameOID.SURNAME),
        given_name=_first(name, NameOID.GIVEN_NAME),
        iin=certificate.iin,
        bin=certificate.bin,
        organisation=certificate.organisation,
        country=_first(name, NameOID.COUNTRY_NAME),
        locality=_first(name, NameOID.LOCALITY_NAME),
        state=_first(name, NameOID.STATE_OR_PROVINCE_NAME),
        email=_first(name, NameOID.EMAIL_ADDRESS),
    )


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    for attribute in name.get_attributes_for_oid(oid):
        if isinstance(attribute.value, str):
            return attribute.value
    return None
