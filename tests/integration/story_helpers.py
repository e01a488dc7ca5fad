"""The lease-to-own story's steps, sent through clients/client.py to a real node (harness).

Every step builds its action with clients/transaction_builders.py, signs it as the parties of
tests/registry_fixtures.py would, and submits it with `wait_for_commit`. Documents are CMS-signed
in the order the Algorithm asks (recipient, guarantor, KTK last: paras 17-18), one second apart,
so that the ledger's signing-order check has distinct times to compare.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tirkeu_pb import api_pb2 as api
from tirkeu_pb import transaction_pb2 as pb

from clients import transaction_builders as builders
from clients.client import ConnectionSettings, LedgerClient, SigningIdentity, sign_body
from clients.pki.authority import IssuedCertificate
from clients.transaction_builders import Action
from tests.integration.harness import NodeProcess
from tests.pki_fixtures import (
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_OFFICER_IIN,
    OTHER_BIN,
    RECIPIENT_IIN,
    SPOUSE_IIN,
)
from tests.registry_fixtures import FIRST_CREDIT_BUREAU_BIN, DocumentSignature, Parties
from tests.registry_fixtures import signed_document as cms_document

BANK_EMPLOYEE_IIN = "880912300043"
FEE_TIYN = 172_500


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def settings_for(node: NodeProcess, person: IssuedCertificate) -> ConnectionSettings:
    return ConnectionSettings(
        target=node.address,
        certificate_chain_pem=person.pem + node.parties.authority.intermediate.pem,
        private_key_pem=person.key_pem,
        trusted_authorities_pem=node.trust_pem,
    )


def signed_by(content: bytes, title: str, *people: IssuedCertificate) -> pb.SignedDocument:
    """A document CMS-signed by `people` in order, their signing times a second apart."""
    start = datetime.now(UTC) - timedelta(seconds=len(people) + 1)
    signatures = [
        DocumentSignature(person, start + timedelta(seconds=index))
        for index, person in enumerate(people)
    ]
    return cms_document(content, signatures, title)


def receipt(reference: str, payer_iin: str) -> pb.PaymentDocument:
    """Paid now: before the sending that carries it (para 22)."""
    return builders.payment_document(
        f"receipt {reference}".encode(),
        amount_tiyn=FEE_TIYN,
        payment_reference=reference,
        payer_iin=payer_iin,
        paid_at_unix_ms=_now_ms() - 1000,
    )


@dataclass
class Story:
    """One node, the test parties, and a registrar's client; numbers properties uniquely."""

    node: NodeProcess
    client: LedgerClient
    bank_employee: IssuedCertificate
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def on(cls, node: NodeProcess) -> Story:
        parties = node.parties
        client = LedgerClient.connect(settings_for(node, parties.registrar), timeout_seconds=60)
        bank = parties.authority.issue_employee("Bank Clerk", BANK_EMPLOYEE_IIN, OTHER_BIN, "Bank")
        return cls(node, client, bank)

    @property
    def parties(self) -> Parties:
        return self.node.parties

    def state_root(self) -> bytes:
        return self.client.chain_info().state_root

    def envelope(
        self, action: Action, *signers: IssuedCertificate, expiry_height: int | None = None
    ) -> bytes:
        body = self.client.new_body(action, expires_in=100)
        if expiry_height is not None:
            body.expiry_height = expiry_height
        identities = [SigningIdentity(person.key, person.der) for person in signers]
        return sign_body(body, identities).SerializeToString()

    def submit(self, envelope: bytes) -> api.SubmitTransactionResponse:
        return self.client.submit(envelope, wait_for_commit=True)

    def commit(self, action: Action, *signers: IssuedCertificate) -> str:
        """Submit, insist that it commits, and return the transaction id."""
        response = self.submit(self.envelope(action, *signers))
        if response.status != api.COMMITTED:
            raise AssertionError(f"not committed: {response}")
        return response.transaction_id

    # -- steps ----------------------------------------------------------------------------------

    def import_property(self, holder_bin: str = KTK_BIN) -> str:
        number = next(self._numbers)
        cadastral_number = f"21:318:023:{1200 + number}:1/{number}"
        action = builders.property_import(
            cadastral_number=cadastral_number,
            address=f"Astana, Mangilik El avenue 54, apartment {number}",
            kind="apartment",
            area_square_metres="54.30",
            holder_bin=holder_bin,
        )
        self.commit(action, self.parties.registrar)
        return cadastral_number

    def contract(self, cadastral_number: str) -> pb.SignedDocument:
        p = self.parties
        text = f"Lease-to-own contract for {cadastral_number}".encode()
        return signed_by(text, "Lease-to-own contract", p.recipient, p.guarantor, p.ktk_head)

    def consent(self) -> pb.SignedDocument:
        text = f"Consent of {RECIPIENT_IIN}".encode()
        return signed_by(text, "Personal-data consent", self.parties.recipient)

    def lease_application(
        self,
        cadastral_number: str,
        *,
        married: bool = True,
        recipient_iin: str | None = None,
    ) -> pb.LeaseApplication:
        """Paras 19-20: as KTK forms it (FORMED); sent with `send` (para 22)."""
        return builders.lease_application(
            cadastral_number=cadastral_number,
            recipient_iin=recipient_iin or RECIPIENT_IIN,
            married=married,
            spouse_iin=SPOUSE_IIN if married else "",
            guarantors=[builders.GuarantorIdentity(GUARANTOR_IIN)],
            contract=self.contract(cadastral_number),
            personal_data_consent=self.consent(),
        )

    def send(self, application_id: str, payer_iin: str = RECIPIENT_IIN) -> str:
        """Paras 22, 31: sent by KTK and the recipient with the payment document."""
        sending = builders.application_sending(
            application_id, receipt(f"KZ-{application_id[:12]}", payer_iin)
        )
        return self.commit(sending, *self.applicants())

    def submitted_lease(self, cadastral_number: str, *, married: bool = True) -> str:
        """Formed and sent: SUBMITTED; its id."""
        lease_id = self.commit(
            self.lease_application(cadastral_number, married=married), *self.applicants()
        )
        self.send(lease_id)
        return lease_id

    def submitted_pair(self, lease_id: str) -> str:
        """Para 29: initiated by KTK alone; para 31: sent by KTK and the recipient."""
        pair_id = self.commit(self.termination(lease_id), self.parties.ktk_officer)
        self.send(pair_id)
        return pair_id

    def applicants(self) -> tuple[IssuedCertificate, ...]:
        """Paras 22, 31: KTK's authorised person and the recipient; the spouse takes part in the
        videoconference and signs nothing."""
        p = self.parties
        return (p.ktk_officer, p.recipient)

    def held(self, *, married: bool = True, spouse_joined: bool = True) -> pb.Videoconference:
        participants = [f"{KTK_OFFICER_IIN}:ktk-representative", f"{RECIPIENT_IIN}:recipient"]
        if married and spouse_joined:
            participants.append(f"{SPOUSE_IIN}:spouse")
        return builders.videoconference(
            held_at_unix_ms=_now_ms(),
            participants=[builders.parse_participant(text) for text in participants],
            signatures_authentic=True,
            legal_capacity_confirmed=True,
            will_conforms_to_expression=True,
        )

    def videoconference(
        self, application_id: str, *, married: bool = True
    ) -> pb.VideoconferenceAttestation:
        """Paras 21, 30: recorded from the forming on."""
        return builders.videoconference_attestation(application_id, self.held(married=married))

    def attestation(
        self,
        application_id: str,
        *,
        married: bool = True,
        spouse_joined: bool = True,
        with_videoconference: bool = True,
    ) -> pb.RegistrarAttestation:
        """The checks on arrival (paras 23-24), with the videoconference unless told otherwise."""
        return builders.registrar_attestation(
            application_id=application_id,
            held=self.held(married=married, spouse_joined=spouse_joined)
            if with_videoconference
            else None,
            checks=builders.passed_checks(queried_at_unix_ms=_now_ms()),
            recipient_married=married,
            recipient_spouse_iin=SPOUSE_IIN if married else "",
        )

    def decide(self, application_id: str, decision: str, reason: str = "") -> str:
        action = builders.registrar_decision(
            application_id=application_id, decision=decision, reason=reason
        )
        return self.commit(action, self.parties.registrar)

    def registered_lease(self) -> tuple[str, str]:
        """A property with an ACTIVE lease encumbrance: (cadastral number, lease id)."""
        cadastral_number = self.import_property()
        lease_id = self.commit(self.lease_application(cadastral_number), *self.applicants())
        self.commit(self.videoconference(lease_id), self.parties.registrar)  # para 21
        self.send(lease_id)  # para 22
        checks = self.attestation(lease_id, with_videoconference=False)  # paras 23-24
        self.commit(checks, self.parties.registrar)
        self.decide(lease_id, "register")
        return cadastral_number, lease_id

    def termination(
        self, lease_id: str, *, new_holder_iin: str | None = None, with_letter: bool = True
    ) -> pb.TerminationOwnershipApplication:
        p = self.parties
        # Para 29: signed by KTK, its e-copy certified by the recipient.
        letter = signed_by(
            f"KTK letter on {lease_id}".encode(), "KTK letter", p.ktk_officer, p.recipient
        )
        return builders.termination_ownership_application(
            lease_application_id=lease_id,
            ktk_letter=letter if with_letter else pb.SignedDocument(),
            transfer_agreement=signed_by(
                f"Transfer agreement on {lease_id}".encode(),
                "Transfer agreement",
                p.recipient,
                p.ktk_officer,
            ),
            new_holder_iin=new_holder_iin or RECIPIENT_IIN,
            personal_data_consent=self.consent(),
            married=True,
            spouse_iin=SPOUSE_IIN,
        )


# -- notifications (Algorithm paras 28 and 37) --------------------------------------------------

# Para 28: the recipient's cabinets on e-gov and on the platform; para 37: First Credit Bureau and
# e-gov.
PARA_28 = (("EGOV_CABINET", RECIPIENT_IIN), ("PLATFORM_CABINET", RECIPIENT_IIN))
PARA_37 = (
    ("FIRST_CREDIT_BUREAU", FIRST_CREDIT_BUREAU_BIN),
    ("EGOV_CABINET", RECIPIENT_IIN),
)
EVENTS = {"SUSPEND": "SUSPENDED", "REGISTER": "REGISTERED", "REFUSE": "REFUSED"}


def expected_notifications(
    application: api.ApplicationView,
    decision: api.DecisionView,
    channels: tuple[tuple[str, str], ...],
    basis: str,
) -> list[tuple[object, ...]]:
    return [
        (
            decision.height,
            channel,
            addressee,
            application.application_id,
            application.kind,
            EVENTS[decision.decision],
            application.cadastral_number,
            decision.transaction_id,
            basis,
            decision.reason,
        )
        for channel, addressee in channels
    ]


def described(notification: api.Notification) -> tuple[object, ...]:
    n = notification
    channel = api.NotificationChannel.Name(n.channel)
    return (
        n.height,
        channel,
        n.addressee,
        n.application_id,
        n.application_kind,
        n.event,
        n.cadastral_number,
        n.transaction_id,
        n.legal_basis,
        n.reason,
    )


def notifications_of(
    client: LedgerClient, application_ids: set[str], count: int
) -> list[api.Notification]:
    """`count` notifications about these applications, streamed from height 1."""
    stream = client.notifications(from_height=1, timeout_seconds=60)
    found: list[api.Notification] = []
    try:
        for notification in stream:
            if notification.application_id in application_ids:
                found.append(notification)
            if len(found) == count:
                break
    finally:
        stream.cancel()
    return found
