"""Notifications of registration, suspension and refusal (Algorithm paras 28 and 37).

Para 28 (lease encumbrance): «көрсетілетін қызметті алушының https://egov.kz электрондық үкімет
веб-порталындағы және платформадағы жеке кабинетіне жолданады», "sent to the recipient's personal
cabinet on the e-government web portal and on the platform": one owner, the recipient, two
places. The platform cabinet is the recipient's, not KTK's (the consent form names the platform's
organisation and BIN apart from KTK's), so both are addressed to the recipient's IIN. KTK receives
no para 28 notification; it follows its applications through its read right on them (ADR 0007
D8). Para 37 (termination + ownership): to the personal
cabinet of First Credit Bureau LLP and to the recipient's egov.kz cabinet. The ledger emits them
as part of block execution, so every node derives the same notifications from the same block;
the node serves them as a stream (api.proto SubscribeNotifications).

A resumption (SUSPENDED -> SUBMITTED) emits nothing: paras 28 and 37 name registration,
suspension and refusal only, and the seeds do not describe resumption at all (digest §1.9(12)).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ledger.state.records import Application, ApplicationKind, Authorities, load_record, save_record

PARA_28 = "Algorithm para 28"
PARA_37 = "Algorithm para 37"


class NotificationChannel(enum.Enum):
    EGOV_CABINET = "EGOV_CABINET"  # the recipient's cabinet on egov.kz (paras 28, 37)
    PLATFORM_CABINET = "PLATFORM_CABINET"  # the recipient's cabinet on the platform (para 28)
    FIRST_CREDIT_BUREAU = "FIRST_CREDIT_BUREAU"  # First Credit Bureau LLP (para 37)


class NotificationEvent(enum.Enum):
    REGISTERED = "REGISTERED"
    SUSPENDED = "SUSPENDED"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class Notification:
    channel: NotificationChannel
    addressee: str  # IIN (the recipient's cabinets) or BIN (the bureau)
    application_id: str
    application_kind: ApplicationKind
    event: NotificationEvent
    cadastral_number: str
    transaction_id: str  # the registrar's decision
    height: int
    time: datetime  # block time
    legal_basis: str  # PARA_28 or PARA_37
    reason: str  # the decision's reason text (empty for registration)


def decision_notifications(
    application: Application,
    event: NotificationEvent,
    authorities: Authorities,
    *,
    transaction_id: str,
    height: int,
    time: datetime,
    reason: str,
) -> tuple[Notification, ...]:
    """The notifications one decision emits, in the order the paragraph names the cabinets."""
    if application.kind is ApplicationKind.LEASE_REGISTRATION:
        legal_basis = PARA_28
        addressees = (
            (NotificationChannel.EGOV_CABINET, application.recipient_iin),
            (NotificationChannel.PLATFORM_CABINET, application.recipient_iin),
        )
    else:
        legal_basis = PARA_37
        addressees = (
            (NotificationChannel.FIRST_CREDIT_BUREAU, authorities.first_credit_bureau_bin),
            (NotificationChannel.EGOV_CABINET, application.recipient_iin),
        )
    return tuple(
        Notification(
            channel=channel,
            addressee=addressee,
            application_id=application.application_id,
            application_kind=application.kind,
            event=event,
            cadastral_number=application.cadastral_number,
            transaction_id=transaction_id,
            height=height,
            time=time,
            legal_basis=legal_basis,
            reason=reason,
        )
        for channel, addressee in addressees
    )


def save_notification(notification: Notification) -> bytes:
    """For the node's notification index; the same deterministic encoding as state records."""
    return save_record(notification)


def load_notification(data: bytes) -> Notification:
    return load_record(Notification, data)
