"""Fuzzing what a client submits: envelope bytes, and bodies of every kind with fields set to
extremes, admitted exactly as a validator admits them (ledger/execution/executor.py
``check_transaction``: envelope decoding, signatures, chains, then the kind's registry rules) on a
state where a lease application is ready to register, so that the rules run past their first
lookups.

Named outcome: a Rejection (ledger/rejections.py, a RejectionReason) or the transaction id; the
executor turns every TransactionRejected into a Rejection, so any exception at all is an escape.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from tirkeu_pb import transaction_pb2 as pb

from clients.envelopes import decode_body, read_envelope
from clients.errors import InvalidEnvelopeFile
from clients.pki.authority import IssuedCertificate
from ledger.execution.executor import check_transaction
from ledger.rejections import Rejection
from ledger.transactions.envelope import transaction_id_of
from tests.registry_fixtures import sign_envelope
from tests.unit.fuzz.support import FUZZ, bytes_of, only_named, vectors, with_extreme_fields
from tests.unit.ledger.registry.story import Story

TRANSACTIONS = vectors("transactions")["transactions"]
SECOND_FLAT = "21:318:023:1245:2/46"
ACTION_KINDS = tuple(
    field.name for field in pb.TransactionBody.DESCRIPTOR.oneofs_by_name["action"].fields
)


@dataclass(frozen=True)
class Ready:
    story: Story
    bodies: tuple[pb.TransactionBody, ...]  # valid bodies of the story, then one per vector
    envelopes: tuple[bytes, ...]
    second_flat_application: pb.LeaseApplication  # valid; made once (CMS signing is randomized)


@cache
def ready() -> Ready:
    story = Story()
    application_id = story.lease_ready_to_register()
    # A second flat with no application yet: a lease application on it reaches the CMS checks.
    story.import_property(cadastral_number=SECOND_FLAT)
    bodies = [
        story.builder.body(action)
        for action in (
            story.property_import(cadastral_number="21:318:023:1245:3/47"),
            story.lease_application(cadastral_number=SECOND_FLAT),
            story.videoconference(application_id),
            story.attestation(application_id, with_videoconference=False),
            story.decision(application_id, pb.REGISTER),
        )
    ]
    for vector in TRANSACTIONS:  # every action kind, with the vectors' contents
        body = pb.TransactionBody.FromString(bytes.fromhex(vector["body_hex"]))
        body.chain_id = story.genesis.chain_id
        bodies.append(body)
    envelopes = [bytes.fromhex(vector["envelope_hex"]) for vector in TRANSACTIONS]
    envelopes += [sign_envelope(b.SerializeToString(), [story.parties.registrar]) for b in bodies]
    application = story.lease_application(cadastral_number=SECOND_FLAT)
    return Ready(story, tuple(bodies), tuple(envelopes), application)


def _admit(envelope: bytes) -> str | Rejection:
    ledger = ready().story.ledger
    outcome = only_named(lambda: check_transaction(ledger.state, envelope, ledger.context()), ())
    assert isinstance(outcome, str | Rejection)
    return outcome


@FUZZ
@given(st.deferred(lambda: bytes_of(ready().envelopes)))
def test_envelope_bytes_are_admitted_or_rejected_with_a_reason(raw: bytes) -> None:
    outcome = _admit(raw)
    if isinstance(outcome, str):
        assert outcome == transaction_id_of(raw)


def _signers() -> st.SearchStrategy[list[IssuedCertificate]]:
    parties = ready().story.parties
    people = [parties.registrar, parties.recipient, parties.ktk_officer, parties.ktk_head]
    return st.lists(st.sampled_from(people), min_size=1, max_size=3, unique_by=id)


@FUZZ
@given(st.deferred(lambda: with_extreme_fields(ready().bodies)), st.deferred(_signers))
def test_bodies_of_every_kind_with_extreme_fields_are_admitted_or_rejected_with_a_reason(
    body: pb.TransactionBody, signers: list[IssuedCertificate]
) -> None:
    envelope = sign_envelope(body.SerializeToString(), signers)
    _admit(envelope)


@FUZZ
@given(st.deferred(lambda: bytes_of([b.SerializeToString() for b in ready().bodies])))
def test_body_bytes_under_valid_signatures_are_admitted_or_rejected_with_a_reason(
    raw_body: bytes,
) -> None:
    # The signature covers the mutated bytes: the body decoder and the rules are what is tried.
    _admit(sign_envelope(raw_body, [ready().story.parties.registrar]))


def test_every_action_kind_has_a_seed() -> None:
    kinds = {body.WhichOneof("action") for body in ready().bodies}
    assert kinds == set(ACTION_KINDS)


def test_envelopes_and_bodies_survive_decode_then_encode() -> None:
    for vector in TRANSACTIONS:
        envelope = bytes.fromhex(vector["envelope_hex"])
        body = bytes.fromhex(vector["body_hex"])
        assert pb.Envelope.FromString(envelope).SerializeToString(deterministic=True) == envelope
        assert pb.TransactionBody.FromString(body).SerializeToString(deterministic=True) == body
        assert transaction_id_of(envelope) == vector["transaction_id"]


@FUZZ
@given(st.data())
def test_a_lease_application_with_damaged_cms_is_rejected_with_a_reason(
    data: st.DataObject,
) -> None:
    """The contract and the consent (Algorithm paras 18-20) as CMS bytes a client could send,
    in an application otherwise valid and signed by KTK's officer and the recipient."""
    story = ready().story
    application = pb.LeaseApplication()
    application.CopyFrom(ready().second_flat_application)
    documents = (application.contract, application.personal_data_consent)
    seeds = [document.cms for document in documents]
    target = data.draw(st.sampled_from(documents), label="document")
    original = target.cms
    target.cms = data.draw(bytes_of(seeds), label="cms")
    parties = story.parties
    outcome = _admit(story.envelope(application, parties.ktk_officer, parties.recipient))
    if target.cms == original:
        assert isinstance(outcome, str), outcome  # unchanged: the valid application is admitted


@FUZZ
@given(st.deferred(lambda: bytes_of(ready().envelopes)))
def test_envelope_files_a_client_reads_are_envelopes_or_invalid_envelope_files(raw: bytes) -> None:
    """``tirkeu sign`` / ``tirkeu submit`` read an envelope file someone handed over
    (clients/envelopes.py): InvalidEnvelopeFile for anything else."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "transaction.envelope"
        path.write_bytes(raw)
        envelope = only_named(lambda: read_envelope(path), (InvalidEnvelopeFile,))
    if isinstance(envelope, pb.Envelope):
        only_named(lambda: decode_body(envelope), (InvalidEnvelopeFile,))
