"""Who a certificate speaks for, judged against the authorities in consensus state.

DESIGN.md §2: a KTK authorised person is a person acting for KTK, i.e. an employee certificate
bound to KTK's BIN (Algorithm paras 3, 22, 29, 31); a registrar is a State Corporation employee
acting as the registering body (paras 21-37), i.e. an employee certificate with the State
Corporation's BIN whose IIN the genesis file lists as a registrar. Roles say nothing about the
certificate's validity: callers verify the chain (ledger/transactions/envelope.py) first.
"""

from __future__ import annotations

import enum

from ledger.hashing import sha256_hex
from ledger.identity.certificates import CertificateInfo, CertificateKind
from ledger.identity.nca import is_first_head
from ledger.state.records import Authorities


class Role(enum.Enum):
    REGISTRAR = "REGISTRAR"
    KTK_EMPLOYEE = "KTK_EMPLOYEE"  # the KTK authorised person / representative
    AUDITOR = "AUDITOR"
    FIRST_CREDIT_BUREAU = "FIRST_CREDIT_BUREAU"  # an employee of First Credit Bureau LLP
    INDIVIDUAL = "INDIVIDUAL"  # a person acting for themself: recipient, spouse, guarantor
    NODE = "NODE"  # a node certificate (validator or observer)
    UNKNOWN = "UNKNOWN"


def roles_of(certificate: CertificateInfo, authorities: Authorities) -> frozenset[Role]:
    """Every role the certificate holds; {UNKNOWN} when it holds none."""
    roles: set[Role] = set()
    kind = certificate.kind
    if kind is CertificateKind.EMPLOYEE:
        if certificate.bin == authorities.ktk_bin:
            roles.add(Role.KTK_EMPLOYEE)
        if (
            certificate.bin == authorities.state_corporation_bin
            and certificate.iin in authorities.registrar_iins
        ):
            roles.add(Role.REGISTRAR)
        if certificate.bin == authorities.first_credit_bureau_bin:
            roles.add(Role.FIRST_CREDIT_BUREAU)
    elif kind is CertificateKind.INDIVIDUAL:
        # An employee certificate acts for its organisation; only a personal certificate may
        # sign as a recipient, spouse or individual guarantor.
        roles.add(Role.INDIVIDUAL)
    elif kind is CertificateKind.NODE:
        # Any node certificate that chains to a trusted CA may observe; is_validator says
        # whether it also votes.
        roles.add(Role.NODE)
    if certificate.iin is not None and certificate.iin in authorities.auditor_iins:
        roles.add(Role.AUDITOR)
    return frozenset(roles) if roles else frozenset({Role.UNKNOWN})


def is_ktk_head(certificate: CertificateInfo, authorities: Authorities) -> bool:
    """Algorithm para 19: «ҚТК басшысының ЭЦҚ-мен қол қойылған … шарты» ("the contract signed
    with the EDS of KTK's head"). An employee certificate of KTK's BIN whose IIN genesis lists
    as a head (ADR 0007 D6), or whose certificate carries the national CA's first-head role
    (legal entity + first head, OIDs 1.2.398.3.3.4.1.2 and 1.2.398.3.3.4.1.2.1, ADR 0009): the
    CA that vouches for the BIN also vouches for the role. The one place that says who KTK's
    head is."""
    if certificate.kind is not CertificateKind.EMPLOYEE or certificate.bin != authorities.ktk_bin:
        return False
    listed = certificate.iin is not None and certificate.iin in authorities.ktk_head_iins
    return listed or is_first_head(certificate)


def is_validator(certificate: CertificateInfo, authorities: Authorities) -> bool:
    return certificate.kind is CertificateKind.NODE and any(
        validator_fingerprint(validator.certificate_der) == certificate.fingerprint
        for validator in authorities.validators
    )


def validator_fingerprint(certificate_der: bytes) -> str:
    # Same definition as CertificateInfo.fingerprint: SHA-256 of the DER, lowercase hex.
    return sha256_hex(certificate_der)


def is_chain_node(certificate: CertificateInfo, authorities: Authorities) -> bool:
    """A node of this chain, which may read everything (review finding #6): a validator of
    the schedule in state (``authorities.validators``: the set in force and the one a committed
    change brings, ledger/governance/schedule.py ``write_schedule``), or KTK's observer node,
    i.e. a node certificate bound to KTK's BIN (the CA vouches for the BIN as it does on
    employee certificates). Any other node certificate,
    however well it chains, reads nothing beyond what any authenticated caller may."""
    if certificate.kind is not CertificateKind.NODE:
        return False
    if is_validator(certificate, authorities):
        return True
    return certificate.bin is not None and certificate.bin == authorities.ktk_bin
