"""Regenerate the golden vectors in proto/vectors/ (explicitly only: they are committed).

Runs the lease-to-own story on a real in-process node (LevelDB in a temporary directory, the
solo engine sealing one block per transaction, a manual clock starting at a fixed time), and
writes what an implementation in another language must reproduce: every body kind with its
envelope and id, the blocks with their certificates, extracts with presence and absence proofs,
vote/proposal sign bytes, a 4-validator commit certificate, RFC 6962 roots and state records.

Times, nonces, record contents, the story, every private key (derived from its name) and every
certificate serial are fixed; ECDSA signatures are randomised, so a regeneration changes the
signatures, the certificates (signed by the CAs) and every hash over them. That is why the
vectors are stored, and tests/unit/test_golden_vectors.py verifies the stored bytes rather than
regenerating them. Usage (from the repository root):

    .venv/bin/python scripts/gen_vectors.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from google.protobuf.json_format import MessageToDict  # noqa: E402
from tirkeu_pb import transaction_pb2 as pb  # noqa: E402

from clients.pki.authority import (  # noqa: E402
    Validity,
    issue_employee,
    issue_individual,
    issue_intermediate,
    issue_node,
    issue_root,
)
from consensus.types import (  # noqa: E402
    Height,
    Round,
    ValidatorId,
    VoteType,
)
from consensus.validators import Validator, ValidatorSet  # noqa: E402
from ledger.chain.blocks import BlockHeader  # noqa: E402
from ledger.chain.commit_certificates import (  # noqa: E402
    CertifyingValidators,
    CommitSignature,
    build_commit_certificate,
    proposal_sign_bytes,
    sign_precommit,
    vote_sign_bytes,
)
from ledger.extract.extract import extract_document, extract_from_message  # noqa: E402
from ledger.governance.rules import sign_upgrade  # noqa: E402
from ledger.governance.validator_changes import (  # noqa: E402
    ChangeKind,
    ValidatorChange,
    change_message,
    sign_approval,
)
from ledger.hashing import sha256  # noqa: E402
from ledger.identity.nca import NcaRole  # noqa: E402
from ledger.merkle.transaction_tree import merkle_root  # noqa: E402
from ledger.state.records import from_unix_ms  # noqa: E402
from node.api.extract import build_property_extract  # noqa: E402
from node.chain.open import chain_setup  # noqa: E402
from tests.pki_fixtures import (  # noqa: E402
    DEFAULT_NOT_AFTER,
    DEFAULT_NOT_BEFORE,
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_HEAD_IIN,
    KTK_NAME,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    REGISTRAR_IIN,
    SPOUSE_IIN,
    STATE_CORPORATION_BIN,
    STATE_CORPORATION_NAME,
    TestAuthority,
)
from tests.registry_fixtures import (  # noqa: E402
    Parties,
    make_genesis_document,
    payment_document,
)
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story  # noqa: E402
from tests.unit.node.conftest import VALIDATOR, InProcessNode, make_node  # noqa: E402

OUTPUT = REPOSITORY / "proto" / "vectors"
UNKNOWN_CADASTRAL_NUMBER = "99:999:999:9999:9/99"


def fixed_key(label: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 key that is the same in every regeneration: never use outside test vectors."""
    scalar = int.from_bytes(sha256(f"tirkeu golden vector key: {label}".encode()), "big")
    return ec.derive_private_key(scalar % (_P256_ORDER - 1) + 1, ec.SECP256R1())


_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_SERIALS = iter(range(0x7E570001, 0x7E580000))


class VectorAuthority(TestAuthority):
    """The test CA with fixed keys and serials for the root, the issuing CA and every leaf."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        validity = Validity(DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER)
        self.root = issue_root(
            "Test National CA", validity, key=fixed_key("root"), serial_number=next(_SERIALS)
        )
        self.intermediate = issue_intermediate(
            self.root,
            "Test Issuing CA",
            validity,
            key=fixed_key("issuing"),
            serial_number=next(_SERIALS),
        )

    def person(
        self,
        name: str,
        iin: str,
        bin_: str = "",
        organisation: str = "",
        role: NcaRole = NcaRole.EMPLOYEE,
    ) -> Any:
        validity = Validity(DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER)
        if bin_:
            return issue_employee(
                self.intermediate,
                name,
                iin,
                bin_,
                organisation,
                validity=validity,
                key=fixed_key(name),
                serial_number=next(_SERIALS),
                role=role,
            )
        return issue_individual(
            self.intermediate,
            name,
            iin,
            validity=validity,
            key=fixed_key(name),
            serial_number=next(_SERIALS),
        )

    def node(self, node_id: str) -> Any:
        return issue_node(
            self.intermediate,
            node_id,
            validity=Validity(DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER),
            key=fixed_key(node_id),
            serial_number=next(_SERIALS),
        )


def vector_parties() -> tuple[Parties, VectorAuthority]:
    authority = VectorAuthority()
    registrar = authority.person(
        "Registrar", REGISTRAR_IIN, STATE_CORPORATION_BIN, STATE_CORPORATION_NAME
    )
    parties = Parties(
        authority=authority,
        registrar=registrar,
        # Para 22's authorised person and para 19's head, by the NCA's roles (ADR 0009).
        ktk_officer=authority.person(
            "KTK Officer", KTK_OFFICER_IIN, KTK_BIN, KTK_NAME, NcaRole.SIGNATORY
        ),
        ktk_head=authority.person("KTK Head", KTK_HEAD_IIN, KTK_BIN, KTK_NAME, NcaRole.FIRST_HEAD),
        recipient=authority.person("Recipient", RECIPIENT_IIN),
        spouse=authority.person("Spouse", SPOUSE_IIN),
        guarantor=authority.person("Guarantor", GUARANTOR_IIN),
        validator=authority.node("validator-1"),
    )
    return parties, authority


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    parties, authority = vector_parties()
    genesis_bytes = (json.dumps(make_genesis_document(parties), indent=2) + "\n").encode()
    setup = chain_setup(genesis_bytes)
    with tempfile.TemporaryDirectory() as directory:
        node = make_node(Path(directory) / "data", setup, parties)
        try:
            transactions, extracts = _story(node, parties, Story(parties), authority)
            blocks = _blocks(node)
        finally:
            node.store.close()
    (OUTPUT / "genesis.json").write_bytes(genesis_bytes)
    _write("transactions.json", {"chain_id": setup.chain_id, "transactions": transactions})
    _write("blocks.json", {"chain_id": setup.chain_id, "blocks": blocks})
    _write("extracts.json", {"extracts": extracts})
    _write("signing.json", _signing(authority))
    _write("merkle.json", _merkle())


def _write(name: str, document: dict[str, Any]) -> None:
    (OUTPUT / name).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _submit(node: InProcessNode, action: Any, *signers: Any) -> tuple[bytes, int]:
    envelope = node.builder.envelope(action, *signers)
    state = node.node.submit(envelope, wait_for_commit=False)
    if state.rejection is not None:
        raise RuntimeError(f"the story's transaction was refused: {state.rejection}")
    committed = node.engine.seal_block()
    if committed.rejections:
        raise RuntimeError(f"refused at execution: {dict(committed.rejections)}")
    return envelope, committed.meta.height


def _story(
    node: InProcessNode, parties: Parties, story: Story, authority: VectorAuthority
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    p = parties
    out: list[dict[str, Any]] = []
    extracts: list[dict[str, Any]] = []

    def record(action: Any, *signers: Any) -> str:
        envelope, height = _submit(node, action, *signers)
        out.append(_transaction_vector(envelope, height))
        return str(out[-1]["transaction_id"])

    def latest_time() -> Any:
        meta = node.store.load_meta()
        assert meta is not None
        return from_unix_ms(meta.time_unix_ms)

    def extract(cadastral_number: str, what: str) -> None:
        with node.store.view() as view:
            message = build_property_extract(view, cadastral_number)
        extracts.append(
            {"description": what, "document": extract_document(extract_from_message(message))}
        )

    record(story.property_import(), p.registrar)
    extract(CADASTRAL_NUMBER, "property present, no active encumbrance (absence)")
    # In the Algorithm's order (ADR 0007): formed, videoconference, sent with the payment,
    # checked on arrival, registered.
    lease_id = record(story.lease_application(), p.ktk_officer, p.recipient)
    out[-1]["application_id"] = lease_id  # an application's id is its creating transaction's
    record(story.videoconference(lease_id, at=latest_time()), p.registrar)
    record(story.sending(lease_id), p.ktk_officer, p.recipient)
    checks = story.attestation(lease_id, at=latest_time(), with_videoconference=False)
    record(checks, p.registrar)
    record(story.decision(lease_id, pb.REGISTER), p.registrar)
    extract(CADASTRAL_NUMBER, "property present, ACTIVE lease encumbrance present")
    extract(UNKNOWN_CADASTRAL_NUMBER, "no such property: both records absent")
    pair_id = record(story.termination(lease_id), p.ktk_officer)
    out[-1]["application_id"] = pair_id
    record(story.videoconference(pair_id, at=latest_time()), p.registrar)
    pair_payment = payment_document(reference="KZ-PAY-2")
    record(story.sending(pair_id, pair_payment), p.ktk_officer, p.recipient)
    checks = story.attestation(pair_id, at=latest_time(), with_videoconference=False)
    record(checks, p.registrar)
    record(story.decision(pair_id, pb.REGISTER), p.registrar)
    extract(CADASTRAL_NUMBER, "ownership passed, lease terminated: encumbrance absent")
    revoked = authority.person("Revoked person", "900101300007")
    p.authority.revoke(revoked, latest_time())
    record(pb.RevocationListUpdate(crl=p.authority.crl()), p.registrar)
    # The chain's own lifecycle, last, so that no later block of this one-validator story runs
    # under the changed set or rules: a rules upgrade scheduled far ahead (ADR 0012) and a
    # re-weighting of the validator approved by itself (ADR 0011), in force at H+2.
    chain_id = node.setup.chain_id
    approver = {str(VALIDATOR): p.validator.key}
    upgrade = pb.RulesUpgrade(
        rules_version=2,
        activation_height=1000,
        authority="Joint order No. 166/НҚ, 236 as amended (vector)",
        sequence=0,
    )
    record(sign_upgrade(upgrade, chain_id, approver), p.registrar)
    change = ValidatorChange(ChangeKind.REWEIGHT, str(VALIDATOR), b"", 2, 0)
    approvals = (sign_approval(p.validator.key, str(VALIDATOR), chain_id, change),)
    record(change_message(change, approvals), p.registrar)
    return out, extracts


def _transaction_vector(envelope_bytes: bytes, height: int) -> dict[str, Any]:
    envelope = pb.Envelope.FromString(envelope_bytes)
    body = pb.TransactionBody.FromString(envelope.body)
    return {
        "kind": body.WhichOneof("action"),
        "height": height,
        "body": MessageToDict(body, preserving_proto_field_name=True),
        "body_hex": envelope.body.hex(),
        "transaction_id": sha256(envelope.body).hex(),
        "signatures": [
            {"certificate_hex": s.certificate.hex(), "signature_hex": s.signature.hex()}
            for s in envelope.signatures
        ],
        "envelope_hex": envelope_bytes.hex(),
    }


def _blocks(node: InProcessNode) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    with node.store.view() as view:
        meta = view.load_meta()
        assert meta is not None
        for height in range(1, meta.height + 1):
            raw = view.load_block_bytes(height)
            commit = view.load_commit_bytes(height)
            assert raw is not None and commit is not None
            block = view.load_block(height)
            assert block is not None
            header = block.header
            blocks.append(
                {
                    "height": height,
                    "block_hex": raw.hex(),
                    "header_hex": header.encode().hex(),
                    "header": _header_fields(header),
                    "block_hash": header.block_hash.hex(),
                    "commit_hex": commit.hex(),
                    "commit_hash": sha256(commit).hex(),
                }
            )
    return blocks


def _header_fields(header: BlockHeader) -> dict[str, Any]:
    return {
        "chain_id": header.chain_id,
        "height": header.height,
        "time_unix_ms": header.time_unix_ms,
        "previous_block_hash": header.previous_block_hash.hex(),
        "transactions_root": header.transactions_root.hex(),
        "state_root": header.state_root.hex(),
        "validator_set_hash": header.validator_set_hash.hex(),
        "proposer": header.proposer,
        "last_commit_hash": header.last_commit_hash.hex(),
        "transaction_count": header.transaction_count,
        "evidence_hash": header.evidence_hash.hex(),
    }


def _signing(authority: VectorAuthority) -> dict[str, Any]:
    chain_id = "tirkeu-vectors"
    block_hash = sha256(b"a block")
    votes = [
        (VoteType.PREVOTE, 1, 0, block_hash),
        (VoteType.PRECOMMIT, 7, 2, block_hash),
        (VoteType.PREVOTE, 2**40 + 5, 4_000_000_000, None),
        (VoteType.PRECOMMIT, 3, 1, None),
    ]
    vote_vectors = [
        {
            "chain_id": chain_id,
            "type": kind.name,
            "height": height,
            "round": round_number,
            "block_hash": None if hash_ is None else hash_.hex(),
            "sign_bytes_hex": vote_sign_bytes(chain_id, kind, height, round_number, hash_).hex(),
        }
        for kind, height, round_number, hash_ in votes
    ]
    proposals = [(1, 0, -1), (9, 3, 1)]
    proposal_vectors = [
        {
            "chain_id": chain_id,
            "height": height,
            "round": round_number,
            "valid_round": valid_round,
            "block_hash": block_hash.hex(),
            "sign_bytes_hex": proposal_sign_bytes(
                chain_id, height, round_number, valid_round, block_hash
            ).hex(),
        }
        for height, round_number, valid_round in proposals
    ]
    # Ids deliberately not in sorted order: set order is the genesis file's order.
    ids_and_powers = [
        ("validator-c", 1),
        ("validator-a", 2),
        ("validator-d", 3),
        ("validator-b", 4),
    ]
    nodes = {name: authority.node(name) for name, _ in ids_and_powers}
    validator_set = ValidatorSet(tuple(Validator(ValidatorId(n), w) for n, w in ids_and_powers))
    certifying = CertifyingValidators(
        validator_set, {ValidatorId(n): nodes[n].info for n, _ in ids_and_powers}
    )
    height, round_number = Height(12), Round(1)
    signers = ["validator-b", "validator-c", "validator-d"]  # power 8 of 10: more than 2/3
    certificate = build_commit_certificate(
        validator_set,
        height,
        round_number,
        block_hash,
        [
            CommitSignature(
                ValidatorId(n),
                sign_precommit(nodes[n].key, chain_id, height, round_number, block_hash),
            )
            for n in signers
        ],
    )
    return {
        "votes": vote_vectors,
        "proposals": proposal_vectors,
        "validator_set": {
            "chain_id": chain_id,
            "validators": [
                {"id": n, "power": w, "certificate_der_hex": nodes[n].der.hex()}
                for n, w in ids_and_powers
            ],
            "id_power_hash": validator_set.validator_set_hash().hex(),
            "validator_set_hash": certifying.set_hash().hex(),
            "commit_certificate": {
                "height": height,
                "round": round_number,
                "block_hash": block_hash.hex(),
                "signers_in_order": [s.validator_id for s in certificate.signatures],
                "certificate_hex": certificate.encode().hex(),
                "certificate_hash": certificate.certificate_hash.hex(),
            },
        },
    }


def _merkle() -> dict[str, Any]:
    cases = []
    for count in range(0, 6):
        leaves = [f"leaf {index}".encode() for index in range(count)]
        cases.append(
            {"leaves_hex": [leaf.hex() for leaf in leaves], "root": merkle_root(leaves).hex()}
        )
    return {"rfc6962_roots": cases}


if __name__ == "__main__":
    main()
