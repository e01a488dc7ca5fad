"""Who is calling, and what they may read (api.proto header; DESIGN.md §6).

The caller's identity is the client certificate of the mutual-TLS connection. TLS has already
checked it against the node's CA bundle; here it is judged again against consensus state, the
way every node judges signatures: its chain must lead to a CA trusted in state and it must not
be revoked by a CRL in state at the time of the call (UNAUTHENTICATED otherwise). Its roles come
from ledger/identity/roles.py. Submissions are not judged here: a transaction is authorised by its
own
signatures (the registry rules), whoever carries it.

Read rights (api.proto):
  - registrars, auditors and the chain's own nodes read everything: the genesis validators and
    KTK's observer (a node certificate bound to KTK's BIN; ledger/identity/roles.py
    ``is_chain_node``).
    Any other node certificate of a trusted CA reads only what any authenticated caller may;
  - KTK employees read every application KTK is party to and every property; no notification
    (para 28 addresses both cabinets to the recipient; ADR 0007 D8);
  - an individual reads their own applications (as recipient, spouse, guarantor or the
    authorised representative of one of them), the
    properties those applications concern, and the EGOV_CABINET and PLATFORM_CABINET
    notifications addressed to them (paras 28, 37);
  - First Credit Bureau employees read FIRST_CREDIT_BUREAU notifications.
Decisions the header leaves open, taken here: any authenticated caller may ask for the chain
info and a transaction's status; the envelope itself (personal data) is shown only to those who
read everything and to KTK; blocks are shown only to those who read everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.identity.certificates import CertificateInfo, MalformedCertificate, load_certificate
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.revocation import CertificateRejected
from ledger.identity.roles import Role, is_chain_node, roles_of
from ledger.registry.notifications import Notification, NotificationChannel
from ledger.registry.revocation import load_trust_store
from ledger.state.access import StateReader, read_authorities
from ledger.state.records import Application, Authorities

FULL_READERS = frozenset({Role.REGISTRAR, Role.AUDITOR})


class Unauthenticated(Exception):
    """The caller presented no usable certificate, or one revoked or untrusted in state."""


@dataclass(frozen=True, slots=True)
class Caller:
    certificate: CertificateInfo
    roles: frozenset[Role]
    ktk_bin: str
    chain_node: bool = False  # a genesis validator or KTK's observer (ledger/identity/roles.py)

    @property
    def reads_everything(self) -> bool:
        return self.chain_node or bool(self.roles & FULL_READERS)

    @property
    def is_ktk(self) -> bool:
        return Role.KTK_EMPLOYEE in self.roles

    @property
    def individual_iin(self) -> str | None:
        """The IIN under which the caller reads as a private person (recipient, spouse, ...)."""
        return self.certificate.iin if Role.INDIVIDUAL in self.roles else None

    def describe(self) -> str:
        roles = ",".join(sorted(role.name for role in self.roles))
        return f"{self.certificate.subject} [{roles}]"

    # --- read rights -----------------------------------------------------------------------------

    def may_read_application(self, application: Application) -> bool:
        if self.reads_everything:
            return True
        if self.is_ktk and application.ktk_bin == self.ktk_bin:
            return True
        iin = self.individual_iin
        return iin is not None and iin in _private_parties(application)

    def may_read_any_property(self) -> bool:
        return self.reads_everything or self.is_ktk

    def may_read_notification(self, notification: Notification) -> bool:
        if self.reads_everything:
            return True
        channel = notification.channel
        if channel is NotificationChannel.FIRST_CREDIT_BUREAU:
            return Role.FIRST_CREDIT_BUREAU in self.roles
        iin = self.individual_iin
        return iin is not None and notification.addressee == iin

    def may_list_applications(self) -> bool:
        return self.reads_everything or self.is_ktk or self.individual_iin is not None

    def may_read_envelopes(self) -> bool:
        return self.reads_everything or self.is_ktk

    def may_read_blocks(self) -> bool:
        return self.reads_everything


def _private_parties(application: Application) -> frozenset[str]:
    parties = {application.recipient_iin}
    if application.spouse_iin is not None:
        parties.add(application.spouse_iin)
    parties.update(g.identifier for g in application.guarantors)
    if application.new_holder_iin is not None:
        parties.add(application.new_holder_iin)
    # A party's authorised representative acts for her (para 21, ADR 0007 D7).
    parties.update(r.representative_iin for r in application.representations)
    return frozenset(parties)


def identify_caller(peer_certificates: list[bytes], state: StateReader, at: datetime) -> Caller:
    """The caller behind the TLS client certificate (PEM, as gRPC's auth context gives it)."""
    if not peer_certificates:
        raise Unauthenticated("no client certificate")
    try:
        certificate = load_certificate(peer_certificates[0])
    except (MalformedCertificate, InvalidIdentifier) as error:
        raise Unauthenticated(f"client certificate not accepted: {error}") from None
    authorities: Authorities = read_authorities(state)
    try:
        verify_chain(certificate, load_trust_store(state, authorities), at)
    except CertificateRejected as error:
        raise Unauthenticated(f"client certificate not accepted: {error}") from None
    return Caller(
        certificate,
        roles_of(certificate, authorities),
        authorities.ktk_bin,
        chain_node=is_chain_node(certificate, authorities),
    )
