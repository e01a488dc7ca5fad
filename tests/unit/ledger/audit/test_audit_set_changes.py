"""The auditor across validator-set changes (issue 12, ADR 0011): from the genesis file alone it
follows a key rotation, an addition and a removal through their approvals, checks every
certificate with the set in force at its height, and refuses a change whose approval is forged
(the set stays what genesis and the good changes make)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
from tirkeu_pb import transaction_pb2 as pb

from clients.cli.audit_sources import DataDirectorySource
from clients.pki.authority import IssuedCertificate
from consensus.types import Round, ValidatorId
from ledger.audit import DefectKind, audit_chain, trust_anchor
from ledger.audit.validator_history import ValidatorHistory
from ledger.chain.blocks import CommitSignature, build_commit_certificate, sign_precommit
from ledger.chain.genesis import load_genesis
from ledger.chain.store import Store
from ledger.extract.extract import (
    ExtractProblem,
    extract_document,
    extract_from_message,
    verify_extract,
)
from ledger.governance.schedule import read_schedule, validators_at
from ledger.governance.validator_changes import (
    Approval,
    ChangeKind,
    ValidatorChange,
    change_message,
    sign_approval,
)
from ledger.state.records import unix_ms
from node.api.extract import build_property_extract
from node.chain.commit import persist_block
from node.chain.mempool import PendingTransaction
from node.chain.open import ChainSetup, chain_setup, open_chain
from node.chain.proposer import assemble_block
from tests.registry_fixtures import (
    FIRST_BLOCK_TIME,
    TEST_CHAIN_ID,
    EnvelopeBuilder,
    envelope_transaction_id,
)
from tests.unit.ledger.audit.chain import VALIDATOR_IDS, story_genesis_bytes, validator_certificates
from tests.unit.ledger.registry.story import shared_parties


class ChangingChain:
    """Blocks sealed by the node's own production, certified by the set in force at each
    height with each member's key of that height."""

    def __init__(self, store: Store, setup: ChainSetup) -> None:
        self.store = store
        self.setup = setup
        self.parties = shared_parties()
        self.pool: list[tuple[str, IssuedCertificate]] = list(
            zip(VALIDATOR_IDS, validator_certificates(self.parties), strict=True)
        )
        self.builder = EnvelopeBuilder(TEST_CHAIN_ID)
        self.time = FIRST_BLOCK_TIME

    def key_of(self, validator_id: str, der: bytes) -> IssuedCertificate:
        return next(c for n, c in self.pool if n == validator_id and c.der == der)

    def seal(self, *envelopes: bytes) -> int:
        meta = self.store.load_meta()
        height = 1 if meta is None else meta.height + 1
        in_force = validators_at(self.store.state, height)
        ids = in_force.validator_set.validator_ids
        proposer = in_force.validator_set.proposer(height, Round(0))  # type: ignore[arg-type]
        pending = [PendingTransaction(envelope_transaction_id(e), e) for e in envelopes]
        proposed = assemble_block(self.store, self.setup, proposer, unix_ms(self.time), pending)
        assert not proposed.rejections, proposed.rejections
        block = proposed.executed.block
        signatures = [
            CommitSignature(
                validator_id,
                sign_precommit(
                    self.key_of(validator_id, in_force.certificates[validator_id].der).key,
                    TEST_CHAIN_ID,
                    block.height,
                    Round(0),
                    block.block_hash,
                ),
            )
            for validator_id in ids
        ]
        certificate = build_commit_certificate(
            in_force.validator_set, block.height, Round(0), block.block_hash, signatures
        )
        persist_block(self.store, self.setup, proposed.executed, certificate)
        self.time += timedelta(minutes=1)
        return block.height

    def change_envelope(
        self, kind: ChangeKind, name: str, approvers: tuple[str, ...], *, der: bytes = b""
    ) -> bytes:
        sequence = read_schedule(self.store.state).changes_committed
        power = 1 if kind is ChangeKind.ADD else 0
        change = ValidatorChange(kind, name, der, power, sequence)
        meta = self.store.load_meta()
        height = 1 if meta is None else meta.height + 1
        in_force = validators_at(self.store.state, height)
        approvals = tuple(
            sign_approval(
                self.key_of(n, in_force.certificates[ValidatorId(n)].der).key,
                n,
                TEST_CHAIN_ID,
                change,
            )
            for n in approvers
        )
        return self.builder.envelope(change_message(change, approvals), self.parties.registrar)


def build_changing_chain(data_dir: Path) -> bytes:
    """Rotate validator-4's key (height 1, in force at 3), add validator-5 (3, in force at 5),
    remove validator-1 (5, in force at 7); 8 blocks. Returns the genesis bytes."""
    genesis_bytes = story_genesis_bytes(shared_parties())
    setup = chain_setup(genesis_bytes)
    with open_chain(data_dir, setup) as store:
        chain = ChangingChain(store, setup)
        authority = chain.parties.authority
        rotated = authority.issue_node("validator-4")
        chain.pool.append(("validator-4", rotated))
        first_three = VALIDATOR_IDS[:3]
        chain.seal(
            chain.change_envelope(
                ChangeKind.ROTATE_KEY, "validator-4", first_three, der=rotated.der
            )
        )
        chain.seal()
        newcomer = authority.issue_node("validator-5")
        chain.pool.append(("validator-5", newcomer))
        chain.seal(
            chain.change_envelope(ChangeKind.ADD, "validator-5", first_three, der=newcomer.der)
        )
        chain.seal()
        approvers = ("validator-2", "validator-3", "validator-4", "validator-5")
        chain.seal(chain.change_envelope(ChangeKind.REMOVE, "validator-1", approvers))
        chain.seal()
        chain.seal()
        chain.seal()
        assert validators_at(store.state, 9).validator_set.validator_ids == (
            "validator-2",
            "validator-3",
            "validator-4",
            "validator-5",
        )
    return genesis_bytes


def test_the_auditor_follows_three_changes_from_the_genesis_file_alone(tmp_path: Path) -> None:
    genesis_bytes = build_changing_chain(tmp_path / "node")
    with DataDirectorySource(tmp_path / "node") as source:
        report = audit_chain(source, trust_anchor(genesis_bytes), stored=source)
    assert report.ok, [d.describe() for d in report.defects]
    assert (report.tip_height, report.replayed_to_height) == (8, 8)
    assert report.counts.commit_certificates >= 15  # stored ones and carried last commits


def test_a_forged_approval_is_a_defect_and_changes_nothing() -> None:
    parties = shared_parties()
    genesis_bytes = story_genesis_bytes(parties)
    history = ValidatorHistory(trust_anchor(genesis_bytes))
    keys = dict(zip(VALIDATOR_IDS, validator_certificates(parties), strict=True))
    newcomer = parties.authority.issue_node("validator-5")
    change = ValidatorChange(ChangeKind.ADD, "validator-5", newcomer.der, 1, 0)
    approvals = [sign_approval(keys[n].key, n, TEST_CHAIN_ID, change) for n in VALIDATOR_IDS]
    last = approvals[-1]
    approvals[-1] = Approval(last.validator_id, last.signature[:-2] + b"\x00\x00")
    builder = EnvelopeBuilder(TEST_CHAIN_ID)
    forged = builder.envelope(change_message(change, tuple(approvals)), parties.registrar)
    defects = history.follow_block(4, [forged])
    assert [d.kind for d in defects] == [DefectKind.VALIDATOR_CHANGE_UNAPPROVED]
    assert defects[0].validator_id == "validator-5" and defects[0].transaction_index == 0
    assert "validator-4" in defects[0].detail  # the approval that fails is named
    assert history.validators_at(100).validator_set.validator_ids == VALIDATOR_IDS
    # The same change with good approvals is followed, from height 4 + 2.
    good = builder.envelope(change_message(change, tuple(approvals[:3])), parties.registrar)
    assert history.follow_block(4, [good]) == []
    assert "validator-5" not in history.validators_at(5).validator_set
    assert "validator-5" in history.validators_at(6).validator_set
    assert load_genesis(genesis_bytes).chain_id == TEST_CHAIN_ID


def test_an_extract_made_after_three_changes_verifies_offline_and_a_forged_approval_fails(
    tmp_path: Path,
) -> None:
    genesis_bytes = build_changing_chain(tmp_path / "node")
    anchor = trust_anchor(genesis_bytes)
    with Store(tmp_path / "node" / "ledger") as store:
        message = build_property_extract(store, "21:318:023:1245:1/45")
    document = extract_document(extract_from_message(message))
    changes = document["validator_changes"]
    assert isinstance(changes, list) and [c["height"] for c in changes] == [1, 3, 5]
    verdict = verify_extract(json.loads(json.dumps(document)), anchor)
    assert verdict.ok, verdict.detail
    # One approval signature of the second change altered: the walk from genesis stops there.
    forged = json.loads(json.dumps(document))
    second = forged["validator_changes"][1]
    change = pb.ValidatorSetChange.FromString(bytes.fromhex(second["change"]))
    signature = bytearray(change.approvals[0].signature)
    signature[-1] ^= 1
    change.approvals[0].signature = bytes(signature)
    forged["validator_changes"][1]["change"] = change.SerializeToString(deterministic=True).hex()
    verdict = verify_extract(forged, anchor)
    assert verdict.problem is ExtractProblem.VALIDATOR_CHANGE_UNAPPROVED, verdict.detail
    # Dropping the changes leaves the genesis set, which did not certify this header.
    dropped = json.loads(json.dumps(document))
    del dropped["validator_changes"]
    assert verify_extract(dropped, anchor).problem is ExtractProblem.WRONG_VALIDATOR_SET


SCHEMA = Path(__file__).resolve().parents[4] / "docs" / "extract.schema.json"


def test_an_extract_made_after_changes_follows_the_published_json_schema(tmp_path: Path) -> None:
    genesis_bytes = build_changing_chain(tmp_path / "node")
    with Store(tmp_path / "node" / "ledger") as store:
        message = build_property_extract(store, "21:318:023:1245:1/45")
    document = json.loads(json.dumps(extract_document(extract_from_message(message))))
    assert verify_extract(document, trust_anchor(genesis_bytes)).ok
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert [error.message for error in validator.iter_errors(document)] == []
    # The schema still refuses what the verifier refuses as MALFORMED: an empty list, a change
    # without its height, a stray field.
    for broken_changes in ([], [{"change": "0801"}], [{"height": 1, "change": "08", "x": 1}]):
        broken = {**document, "validator_changes": broken_changes}
        assert not validator.is_valid(broken), broken_changes
        assert verify_extract(broken, trust_anchor(genesis_bytes)).problem is (
            ExtractProblem.MALFORMED
        )


def test_an_extract_at_the_height_that_commits_a_change_verifies(tmp_path: Path) -> None:
    """The node's extract carries every change committed up to its height, the tip's own too
    (in force only from tip + 2): that change must not make the extract MALFORMED."""
    genesis_bytes = story_genesis_bytes(shared_parties())
    setup = chain_setup(genesis_bytes)
    with open_chain(tmp_path / "node", setup) as store:
        chain = ChangingChain(store, setup)
        chain.seal()
        newcomer = chain.parties.authority.issue_node("validator-5")
        chain.pool.append(("validator-5", newcomer))
        tip = chain.seal(
            chain.change_envelope(
                ChangeKind.ADD, "validator-5", VALIDATOR_IDS[:3], der=newcomer.der
            )
        )
        message = build_property_extract(store, "21:318:023:1245:1/45")
    document = json.loads(json.dumps(extract_document(extract_from_message(message))))
    assert [c["height"] for c in document["validator_changes"]] == [tip]
    verdict = verify_extract(document, trust_anchor(genesis_bytes))
    assert verdict.ok, verdict.detail
    late = json.loads(json.dumps(document))
    late["validator_changes"][0]["height"] = tip + 1
    assert verify_extract(late, trust_anchor(genesis_bytes)).problem is ExtractProblem.MALFORMED
