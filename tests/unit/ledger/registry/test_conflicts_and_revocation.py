"""Legal-record integrity of decisions (review findings #10, #11, #12).

- Paras 26-27, 35-36: a suspension cites Art. 27, a refusal Art. 31, of the Law "On state
  registration of rights to real estate", and of no other law.
- Seed 003 para 18, Algorithm para 23(c): at registration the registrar checks the participants'
  EDS, revocation included; a CRL committed after the submission still counts at REGISTER.
- Paras 21-23 (ADR 0005): KTK's authorised person is not the recipient or the spouse; a registrar
  does not attest or decide an application to which they are a party.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.registry.decisions import REGISTRATION_LAW
from ledger.rejections import RejectionReason
from tests.pki_fixtures import GUARANTOR_IIN, KTK_OFFICER_IIN, RECIPIENT_IIN, SPOUSE_IIN
from tests.registry_fixtures import SECOND_REGISTRAR_IIN, DocumentSignature, Parties, make_genesis
from tests.unit.ledger.registry.story import Story, at

REVOKED_BEFORE_SUBMISSION = datetime(2026, 5, 2, tzinfo=UTC)  # the first block is 2026-05-04


def _decision_citing(
    application_id: str, decision: pb.Decision, law: str, article: int
) -> pb.RegistrarDecision:
    message = pb.RegistrarDecision(application_id=application_id, decision=decision, reason="r")
    message.ground.CopyFrom(pb.LegalGround(law=law, article=article, paragraph="1"))
    return message


@pytest.mark.parametrize(("decision", "article"), [(pb.SUSPEND, 27), (pb.REFUSE, 31)])
def test_suspension_and_refusal_cite_the_registration_law_paras_26_27_35_36(
    decision: pb.Decision, article: int
) -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register()
    wrong = _decision_citing(application_id, decision, "Criminal Code", article)
    rejection = story.rejected(RejectionReason.LEGAL_GROUND_REQUIRED, wrong, registrar)
    assert REGISTRATION_LAW in rejection.detail and "Criminal Code" in rejection.detail
    story.applied(_decision_citing(application_id, decision, REGISTRATION_LAW, article), registrar)


# -- revocation judged again at REGISTER (#11) ---------------------------------------------------


def _own_ca_story() -> Story:
    # Revocation changes the CA's list: this story gets a CA of its own.
    parties = Parties.create()
    return Story(parties=parties, genesis=make_genesis(parties))


def _crl(story: Story) -> pb.RevocationListUpdate:
    return pb.RevocationListUpdate(crl=story.parties.authority.crl())


@pytest.mark.parametrize("signer", ["ktk_officer", "guarantor"])
def test_register_refused_when_a_signer_was_revoked_after_submission_seed_003_para_18(
    signer: str,
) -> None:
    """The KTK officer signed the envelope (para 22), the guarantor only the contract (18)."""
    story = _own_ca_story()
    p = story.parties
    application_id = story.lease_ready_to_register()
    revoked = p.ktk_officer if signer == "ktk_officer" else p.guarantor
    p.authority.revoke(revoked, REVOKED_BEFORE_SUBMISSION)  # compromise found late
    story.applied(_crl(story), p.registrar)
    rejection = story.rejected(
        RejectionReason.CERTIFICATE_REVOKED,
        story.decision(application_id, pb.REGISTER),
        p.registrar,
    )
    expected_iin = KTK_OFFICER_IIN if signer == "ktk_officer" else GUARANTOR_IIN
    assert f"IIN {expected_iin}" in rejection.detail


def test_register_not_refused_for_a_revocation_after_its_block_para_23c() -> None:
    story = _own_ca_story()
    p = story.parties
    application_id = story.lease_ready_to_register()
    p.authority.revoke(p.recipient, story.ledger.next_time + timedelta(days=30))
    story.applied(_crl(story), p.registrar)
    story.applied(story.decision(application_id, pb.REGISTER), p.registrar)


def test_application_keeps_each_signing_certificate_once_para_23c() -> None:
    story = Story()
    application_id = story.lease_ready_to_register()
    application = story.ledger.application(application_id)
    assert application is not None
    signers = [link.signer for link in application.signing_certificates]
    # Envelope: KTK officer, recipient; contract adds the guarantor and KTK's head; all under one
    # issuing CA.
    assert len(signers) == len(set(signers)) == 5
    assert any(f"IIN {iin}" in s for s in signers for iin in (KTK_OFFICER_IIN,))
    assert {f"IIN {RECIPIENT_IIN}", f"IIN {GUARANTOR_IIN}"} <= set(signers)
    assert sum(s.startswith("CA ") for s in signers) == 1


# -- conflicts of interest (#12) -----------------------------------------------------------------


@pytest.mark.parametrize("side", ["recipient", "spouse"])
def test_ktk_authorised_person_is_neither_recipient_nor_spouse_inference_adr_0007(
    side: str,
) -> None:
    story = Story()
    p = story.parties
    story.import_property()
    iin = RECIPIENT_IIN if side == "recipient" else SPOUSE_IIN
    own_side = p.authority.issue_ktk_officer(f"KTK employee, the {side}", iin=iin)
    application = story.lease_application(married=True)
    rejection = story.rejected(
        RejectionReason.CONFLICT_OF_INTEREST, application, own_side, p.recipient
    )
    assert f"also the {side}" in rejection.detail
    assert rejection.detail.endswith("inference (ADR 0007 D12)")
    story.applied(application, p.ktk_officer, p.recipient)


def _guaranteed_by_second_registrar(story: Story) -> str:
    """A lease application, sent with its payment, whose guarantor is the second registrar."""
    p = story.parties
    guarantor = p.authority.issue_individual("Registrar as guarantor", SECOND_REGISTRAR_IIN)
    contract = story.contract(
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(guarantor, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    story.import_property()
    application_id = story.submit_lease(
        guarantors=[pb.Guarantor(iin=SECOND_REGISTRAR_IIN)], contract=contract
    )
    return application_id


def test_registrar_who_is_a_party_may_not_attest_or_decide_inference_adr_0007() -> None:
    story = Story()
    p = story.parties
    application_id = _guaranteed_by_second_registrar(story)
    interested = p.authority.issue_registrar("Second registrar", iin=SECOND_REGISTRAR_IIN)
    attestation = story.attestation(application_id)
    rejection = story.rejected(RejectionReason.CONFLICT_OF_INTEREST, attestation, interested)
    assert "is the guarantor" in rejection.detail
    story.applied(attestation, p.registrar)
    for decision in (
        story.decision(application_id, pb.SUSPEND, article=27, reason="clarify"),
        story.decision(application_id, pb.REFUSE, article=31, reason="refused"),
        story.decision(application_id, pb.REGISTER),
    ):
        story.rejected(RejectionReason.CONFLICT_OF_INTEREST, decision, interested)
    story.applied(story.decision(application_id, pb.REGISTER), p.registrar)
