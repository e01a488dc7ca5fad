"""The registrar's decisions and the application status machine (paras 25-27, 34-36).

    SUBMITTED --REGISTER--> REGISTERED   (paras 25, 34)
    SUBMITTED --SUSPEND---> SUSPENDED    (paras 26, 35: Art. 27 of the Law)
    SUBMITTED --REFUSE----> REFUSED      (paras 27, 36: Art. 31 of the Law)
    SUSPENDED --RESUME----> SUBMITTED    (not in the seeds, digest §1.9(12); the para 38
                                          deadline restarts from the resumption: ADR 0007 D9)
    SUSPENDED --REFUSE----> REFUSED

Anything else is INVALID_STATUS_TRANSITION. The ledger records the legal reference and the
reason text; it does not invent the grounds of Arts. 27 and 31, which the seeds do not list, but
the article must be of REGISTRATION_LAW, the Law the Algorithm names. A registrar who is a party
to the application may not decide it (CONFLICT_OF_INTEREST, ADR 0005).
Every decision except RESUME notifies (paras 28, 37; see ledger/registry/notifications.py for why).
"""

from __future__ import annotations

from dataclasses import replace

from tirkeu_pb import transaction_pb2

from ledger.calendar import service_deadline
from ledger.registry.common import (
    RuleInput,
    RuleOutcome,
    require_application,
    require_registrar_not_party,
    require_sole_registrar,
)
from ledger.registry.notifications import NotificationEvent, decision_notifications
from ledger.registry.registration import (
    register_lease,
    register_termination_and_ownership,
    require_registrable,
)
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, write_application
from ledger.state.records import (
    ApplicationKind,
    ApplicationStatus,
    Decision,
    DecisionRecord,
    LegalGround,
)
from ledger.transactions.envelope import reject

# Paras 26-27, 35-36: "Article 27 / Article 31 of the Law of the Republic of Kazakhstan 'On
# state registration of rights to real estate'". The one spelling the ledger accepts.
REGISTRATION_LAW = "On state registration of rights to real estate"
SUSPENSION_ARTICLE = 27  # paras 26, 35
REFUSAL_ARTICLE = 31  # paras 27, 36
MAX_REASON_LENGTH = 4000

TRANSITIONS = {
    (ApplicationStatus.SUBMITTED, Decision.REGISTER): ApplicationStatus.REGISTERED,
    (ApplicationStatus.SUBMITTED, Decision.SUSPEND): ApplicationStatus.SUSPENDED,
    (ApplicationStatus.SUBMITTED, Decision.REFUSE): ApplicationStatus.REFUSED,
    (ApplicationStatus.SUSPENDED, Decision.RESUME): ApplicationStatus.SUBMITTED,
    (ApplicationStatus.SUSPENDED, Decision.REFUSE): ApplicationStatus.REFUSED,
}
_EVENTS = {
    Decision.REGISTER: NotificationEvent.REGISTERED,
    Decision.SUSPEND: NotificationEvent.SUSPENDED,
    Decision.REFUSE: NotificationEvent.REFUSED,
}
_REQUIRED_ARTICLES = {Decision.SUSPEND: SUSPENSION_ARTICLE, Decision.REFUSE: REFUSAL_ARTICLE}


def apply_registrar_decision(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    registrar = require_sole_registrar(rule_input.transaction)
    if registrar.iin is None:
        raise RuntimeError("a registrar certificate without an IIN")
    action = rule_input.transaction.body.registrar_decision
    if action.decision == transaction_pb2.DECISION_UNSPECIFIED:
        raise reject(RejectionReason.INVALID_FIELD, "decision is not given")
    decision = Decision[transaction_pb2.Decision.Name(action.decision)]
    application = require_application(state, action.application_id)
    attestation = application.attestation
    require_registrar_not_party(
        registrar.iin,
        application,
        attested_spouse_iin=None if attestation is None else attestation.recipient_spouse_iin,
    )
    new_status = TRANSITIONS.get((application.status, decision))
    if new_status is None:
        raise reject(
            RejectionReason.INVALID_STATUS_TRANSITION,
            f"cannot {decision.name} an application that is {application.status.name}",
        )
    ground = legal_ground(decision, action)
    if decision is Decision.REGISTER:
        require_registrable(application, rule_input.block.time, rule_input.trust)
        if application.kind is ApplicationKind.LEASE_REGISTRATION:
            register_lease(state, application, rule_input, registrar.iin)
        else:
            register_termination_and_ownership(state, application, rule_input, registrar.iin)
    block = rule_input.block
    record = DecisionRecord(
        decision=decision,
        ground=ground,
        reason=action.reason,
        registrar_iin=registrar.iin,
        transaction_id=rule_input.transaction.transaction_id,
        height=block.height,
        decided_at=block.time,
    )
    decided = replace(application, status=new_status, decisions=(*application.decisions, record))
    if decision is Decision.RESUME and application.payment is not None:
        # Inference (ADR 0007 D9): a suspension pauses the service; para 38's one working day
        # runs again from the day it resumes. The decision records keep the history.
        decided = replace(decided, service_deadline=service_deadline(block.calendar, block.time))
    write_application(state, decided)
    event = _EVENTS.get(decision)
    notifications = (
        ()
        if event is None
        else decision_notifications(
            decided,
            event,
            rule_input.authorities,
            transaction_id=record.transaction_id,
            height=block.height,
            time=block.time,
            reason=action.reason,
        )
    )
    return RuleOutcome(application_id=application.application_id, notifications=notifications)


def legal_ground(
    decision: Decision, action: transaction_pb2.RegistrarDecision
) -> LegalGround | None:
    """SUSPEND needs Art. 27 and a reason, REFUSE Art. 31 and a reason (a reasoned refusal,
    digest §6.4 V24). REGISTER and RESUME may cite a ground; it is recorded as given."""
    if len(action.reason) > MAX_REASON_LENGTH:
        raise reject(RejectionReason.INVALID_FIELD, f"reason exceeds {MAX_REASON_LENGTH} chars")
    ground = None
    if action.HasField("ground"):
        ground = LegalGround(
            law=action.ground.law,
            article=action.ground.article,
            paragraph=action.ground.paragraph,
            subparagraph=action.ground.subparagraph,
        )
    article = _REQUIRED_ARTICLES.get(decision)
    if article is not None:
        if ground is None or ground.article != article or ground.law != REGISTRATION_LAW:
            raise reject(
                RejectionReason.LEGAL_GROUND_REQUIRED,
                f'{decision.name} must cite Art. {article} of the Law "{REGISTRATION_LAW}" '
                f"(paras 26-27, 35-36); cites {_cited(ground)}",
            )
        if not action.reason.strip():
            raise reject(
                RejectionReason.LEGAL_GROUND_REQUIRED, f"{decision.name} must state a reason"
            )
    return ground


def _cited(ground: LegalGround | None) -> str:
    return "nothing" if ground is None else f'Art. {ground.article} of "{ground.law}"'
