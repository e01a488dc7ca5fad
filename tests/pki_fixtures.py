"""In-memory certificates for tests of any module: a root and an issuing CA (P-256), and leaves
for individuals, KTK/State Corporation employees and nodes, with revocation and CRLs.

    authority = TestAuthority()
    recipient = authority.issue_individual("Recipient", RECIPIENT_IIN)
    signature = sign_ecdsa_p256(recipient.key, body)
    verify_chain(recipient.info, authority.trust_store(), FIXTURE_NOW)

Defaults are chosen so that tests work both at the fixed FIXTURE_NOW and at wall-clock time:
every certificate is valid from DEFAULT_NOT_BEFORE (2025) to DEFAULT_NOT_AFTER (2045) unless a
test asks otherwise. Issuance goes through clients/pki/authority.py, the same code as `tirkeu-pki`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from clients.pki.authority import (
    IssuedCertificate,
    Revocation,
    Validity,
    build_revocation_list,
    issue_employee,
    issue_intermediate,
    issue_node,
    issue_root,
)
from clients.pki.authority import issue_individual as _issue_individual
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.identifiers import Bin, Iin, complete_with_check_digit
from ledger.identity.nca import NcaRole
from ledger.identity.private_keys import SigningKey, generate_signing_key
from ledger.identity.revocation import TrustStore, load_revocation_list, verify_revocation_list

FIXTURE_NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
DEFAULT_NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)
DEFAULT_NOT_AFTER = datetime(2045, 1, 1, tzinfo=UTC)


def _complete(first_eleven: str) -> str:
    number = complete_with_check_digit(first_eleven)
    if number is None:
        raise ValueError(f"{first_eleven} has no valid check digit; pick other digits")
    return number


# Valid test identifiers (check digits computed, Algorithm para 2(4), 2(7)). IINs start with a
# birth date (YYMMDD) and a century/sex digit; BINs with registration year and month.
RECIPIENT_IIN = Iin(_complete("85051530012"))
SPOUSE_IIN = Iin(_complete("86072040023"))
GUARANTOR_IIN = Iin(_complete("79110350034"))
KTK_OFFICER_IIN = Iin(_complete("80020130045"))
KTK_HEAD_IIN = Iin(_complete("72030130014"))  # KTK's head (para 19), listed in genesis
REGISTRAR_IIN = Iin(_complete("90031240056"))
KTK_BIN = Bin(_complete("05014000001"))
STATE_CORPORATION_BIN = Bin(_complete("16024000002"))
OTHER_BIN = Bin(_complete("12113000003"))
TEST_IINS = (
    RECIPIENT_IIN,
    SPOUSE_IIN,
    GUARANTOR_IIN,
    KTK_OFFICER_IIN,
    KTK_HEAD_IIN,
    REGISTRAR_IIN,
)
TEST_BINS = (KTK_BIN, STATE_CORPORATION_BIN, OTHER_BIN)
KTK_NAME = 'АО "Казахстанская жилищная компания"'
STATE_CORPORATION_NAME = 'НАО "Государственная корпорация "Правительство для граждан"'


def with_wrong_check_digit(number: str) -> str:
    """The same twelve digits with the last one changed: always an invalid IIN/BIN."""
    return number[:11] + str((int(number[11]) + 1) % 10)


class TestAuthority:
    """A root ("Test National CA") and an issuing CA under it; leaves come from the issuing CA.

    Every issue_* method returns an IssuedCertificate with .key, .certificate, .der, .pem,
    .key_pem and .info (CertificateInfo). not_before/not_after make expired or not-yet-valid
    certificates; key= reuses a key (e.g. a P-384 key to test WRONG_KEY_TYPE).
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        name: str = "Test National CA",
        *,
        issuing_name: str = "Test Issuing CA",
        not_before: datetime = DEFAULT_NOT_BEFORE,
        not_after: datetime = DEFAULT_NOT_AFTER,
        key_type: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
        person_key_type: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
    ) -> None:
        """`key_type`: the CAs' keys (an RSA or GOST hierarchy as the NCA has them);
        `person_key_type`: the keys of individuals and employees (nodes are always P-256)."""
        validity = Validity(not_before, not_after)
        # Any: the CAs' keys are whatever key_type says (P-256 unless a test asks).
        self.root: IssuedCertificate[Any] = issue_root(
            name, validity, key=generate_signing_key(key_type)
        )
        self.intermediate: IssuedCertificate[Any] = issue_intermediate(
            self.root, issuing_name, validity, key=generate_signing_key(key_type)
        )
        self.person_key_type = person_key_type
        self._revocations: list[Revocation] = []
        self._crl_number = 0

    @property
    def chain_pem(self) -> bytes:
        """The issuing CA then the root, as a PEM bundle (what `tirkeu-pki` writes)."""
        return self.intermediate.pem + self.root.pem

    def issue_individual(
        self,
        name: str,
        iin: str = RECIPIENT_IIN,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key: SigningKey | None = None,
    ) -> IssuedCertificate[Any]:
        # Any: a person's key is whatever person_key_type says (P-256 unless a test asks).
        return _issue_individual(
            self.intermediate,
            name,
            iin,
            validity=_validity(not_before, not_after),
            key=key or generate_signing_key(self.person_key_type),
        )

    def issue_employee(
        self,
        name: str,
        iin: str = KTK_OFFICER_IIN,
        bin_: str = KTK_BIN,
        organisation: str = KTK_NAME,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key: SigningKey | None = None,
        role: NcaRole = NcaRole.EMPLOYEE,
    ) -> IssuedCertificate[Any]:
        validity = _validity(not_before, not_after)
        return issue_employee(
            self.intermediate,
            name,
            iin,
            bin_,
            organisation,
            validity=validity,
            key=key or generate_signing_key(self.person_key_type),
            role=role,
        )

    def issue_ktk_officer(
        self,
        name: str = "KTK Officer",
        iin: str = KTK_OFFICER_IIN,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> IssuedCertificate:
        """A KTK authorised person: an employee certificate bound to KTK's BIN, with the NCA's
        signatory role (para 22, ADR 0009)."""
        return self.issue_employee(
            name,
            iin,
            KTK_BIN,
            KTK_NAME,
            not_before=not_before,
            not_after=not_after,
            role=NcaRole.SIGNATORY,
        )

    def issue_registrar(
        self,
        name: str = "Registrar",
        iin: str = REGISTRAR_IIN,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> IssuedCertificate:
        """A State Corporation employee acting as the registering body."""
        return self.issue_employee(
            name,
            iin,
            STATE_CORPORATION_BIN,
            STATE_CORPORATION_NAME,
            not_before=not_before,
            not_after=not_after,
        )

    def issue_node(
        self,
        node_id: str,
        *,
        extra_names: tuple[str, ...] = (),
        organisation: str | None = None,
        bin_: str | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> IssuedCertificate:
        return issue_node(
            self.intermediate,
            node_id,
            validity=_validity(not_before, not_after),
            extra_names=extra_names,
            organisation=organisation,
            bin_=bin_,
            key=key,
        )

    def revoke(
        self,
        serial: int | IssuedCertificate[Any],
        at: datetime,
        reason: x509.ReasonFlags | None = None,
    ) -> None:
        """Revoke a leaf of the issuing CA from `at`; seen after the next crl()/trust_store()."""
        serial_number = serial if isinstance(serial, int) else serial.serial_number
        self._revocations.append(Revocation(serial_number, at, reason))

    def crl(
        self, *, this_update: datetime | None = None, next_update: datetime | None = None
    ) -> bytes:
        """A DER CRL of every revocation so far, signed by the issuing CA; the CRL number
        increases with each call."""
        self._crl_number += 1
        latest = max((r.revoked_at for r in self._revocations), default=DEFAULT_NOT_BEFORE)
        crl = build_revocation_list(
            self.intermediate,
            self._revocations,
            self._crl_number,
            this_update or latest,
            next_update or DEFAULT_NOT_AFTER,
        )
        return crl.public_bytes(serialization.Encoding.DER)

    def trust_store(self, *, include_revocations: bool = True) -> TrustStore:
        """Root and issuing CA trusted; with a verified CRL applied when there are revocations."""
        trust = TrustStore(authorities=(self.root.info, self.intermediate.info))
        if include_revocations and self._revocations:
            crl = verify_revocation_list(load_revocation_list(self.crl()), trust)
            trust = trust.with_revocation_list(crl)
        return trust


def _validity(not_before: datetime | None, not_after: datetime | None) -> Validity:
    return Validity(not_before or DEFAULT_NOT_BEFORE, not_after or DEFAULT_NOT_AFTER)
