"""Registry extracts ("үзінді көшірме", seed 002 para 11 and App. 1): what they hold and how
anyone verifies one offline, trusting only the genesis file: its validators (and the CAs behind
them), then each validator-set change the extract carries, approved by more than 2/3 of the
set before it (ADR 0011).

An extract states, for one cadastral number at one committed height, the property record and
whether it carries an ACTIVE encumbrance, each with a sparse-Merkle proof against the state root
of the header at that height, and the header's commit certificate. "No encumbrance" is a proof
of ABSENCE of the record at ``active_encumbrance_key`` (which exists iff the property has an
active lease encumbrance), not the node's word.

extract.json (``extract_document``): the header, certificate, record bytes and proofs in hex,
and a decoded view for people. ``verify_extract`` checks, in order: shape; chain; header; the
certificate (more than 2/3 of the power of the set in force at the height, valid signatures,
for exactly this header); the record keys; the proofs against the header's state root; the
records' consistency; and that the view is exactly what the proven bytes say. Any altered
field fails with a named reason (``ExtractProblem``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import DecodeError
from tirkeu_pb import api_pb2, transaction_pb2

from ledger.audit.anchor import TrustAnchor
from ledger.audit.validator_history import ValidatorHistory
from ledger.chain.blocks import (
    BlockHeader,
    CertifyingValidators,
    CommitCertificate,
    CommitProblem,
    InvalidBlock,
    InvalidCommitCertificate,
    verify_commit_certificate,
)
from ledger.extract.view import JsonValue, extract_view, first_difference
from ledger.governance.validator_changes import InvalidChange
from ledger.hashing import sha256
from ledger.merkle.smt_proof import proof_from_bytes, verify_proof
from ledger.merkle.transaction_tree import MalformedProof
from ledger.state.access import active_encumbrance_key, property_key
from ledger.state.records import CorruptRecord, Encumbrance, Property, load_property, load_record

EXTRACT_FORMAT = "tirkeu-property-extract/1"
_TOP_FIELDS = frozenset(
    {"format", "chain_id", "cadastral_number", "height", "header", "commit", "property"}
    | {"active_encumbrance", "view"}
)
_RECORD_FIELDS = frozenset({"key", "present", "value", "proof"})


class ExtractProblem(enum.Enum):
    MALFORMED = "the extract document does not have the extract's shape"
    WRONG_CHAIN = "the extract is for another chain than the genesis file's"
    HEADER_MALFORMED = "the header bytes are not a canonical block header"
    HEIGHT_MISMATCH = "the extract's height is not the header's"
    WRONG_VALIDATOR_SET = "the header names another validator set than the genesis"
    COMMIT_MALFORMED = "the certificate bytes are not a canonical commit certificate"
    NOT_CERTIFIED = "the certificate commits another block than this header"
    CERTIFICATE_INVALID = "the certificate lacks more than 2/3 of the power in valid signatures"
    WRONG_KEY = "a proven record key is not the key of this cadastral number"
    PROOF_MALFORMED = "a proof's bytes do not decode"
    PROOF_INVALID = "a proof does not prove the record (or its absence) under the state root"
    RECORD_MALFORMED = "a proven record's bytes are not the record they should be"
    RECORDS_INCONSISTENT = "the property record and its active-encumbrance record disagree"
    VIEW_MISMATCH = "the decoded view is not what the proven records say"
    VALIDATOR_CHANGE_UNAPPROVED = (
        "a validator-set change on the path from genesis is not approved by more than 2/3 of "
        "the set in force"
    )


class InvalidExtract(Exception):
    def __init__(self, problem: ExtractProblem, detail: str) -> None:
        super().__init__(f"{problem.name}: {detail}")
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ProvenRecord:
    """One state record (value None: absent) with its compact proof (smt_proof.proof_to_bytes)."""

    key: bytes
    value: bytes | None
    proof: bytes


@dataclass(frozen=True, slots=True)
class PropertyExtract:
    cadastral_number: str
    height: int
    header: bytes  # serialized BlockHeader
    commit: bytes  # serialized CommitCertificate of that header
    property_record: ProvenRecord
    active_encumbrance: ProvenRecord
    # (committing height, serialized ValidatorSetChange), in order: the path from the genesis
    # set to the set that certifies ``header`` (ADR 0011); empty under the genesis set.
    validator_changes: tuple[tuple[int, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class ExtractVerdict:
    ok: bool
    problem: ExtractProblem | None
    detail: str
    facts: Mapping[str, object] = field(default_factory=dict)  # what was proved, for people

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problem": None if self.problem is None else self.problem.name,
            "description": None if self.problem is None else self.problem.value,
            "detail": self.detail,
            "facts": dict(self.facts),
        }


# --- the wire message and the document ----------------------------------------------------------


def extract_from_message(message: api_pb2.PropertyExtract) -> PropertyExtract:
    def proven(state_proof: api_pb2.StateProof) -> ProvenRecord:
        value = state_proof.value if state_proof.present else None
        return ProvenRecord(state_proof.key, value, state_proof.proof)

    return PropertyExtract(
        cadastral_number=message.cadastral_number,
        height=message.height,
        header=message.header,
        commit=message.commit.SerializeToString(deterministic=True),
        property_record=proven(message.property),
        active_encumbrance=proven(message.active_encumbrance),
        validator_changes=tuple((c.height, c.change) for c in message.validator_changes),
    )


def extract_document(extract: PropertyExtract) -> dict[str, JsonValue]:
    """extract.json: the proven bytes in hex, and the view decoded from them (not verified:
    a client writes what the node sent; ``verify_extract`` is the judge). InvalidExtract when
    the node's bytes cannot be read into a document that ``extract_from_document`` reads back:
    a node's answer is untrusted input, and its errors are named here, not at each caller."""
    try:
        header = BlockHeader.decode(extract.header)
    except InvalidBlock as error:
        raise InvalidExtract(ExtractProblem.HEADER_MALFORMED, error.detail) from None
    try:
        certificate = CommitCertificate.decode(extract.commit)
    except InvalidCommitCertificate as error:
        raise InvalidExtract(ExtractProblem.COMMIT_MALFORMED, error.detail) from None
    record, lease = decode_records(extract)
    changes: dict[str, JsonValue] = {}
    if extract.validator_changes:  # absent under the genesis set: older extracts stay valid
        changes["validator_changes"] = [
            {"height": height, "change": change.hex()}
            for height, change in extract.validator_changes
        ]
    document: dict[str, JsonValue] = {
        **changes,
        "format": EXTRACT_FORMAT,
        "chain_id": header.chain_id,
        "cadastral_number": extract.cadastral_number,
        "height": extract.height,
        "header": extract.header.hex(),
        "commit": extract.commit.hex(),
        "property": _record_document(extract.property_record),
        "active_encumbrance": _record_document(extract.active_encumbrance),
        "view": extract_view(extract.cadastral_number, header, certificate, record, lease),
    }
    extract_from_document(document)  # found by fuzzing: an empty cadastral number was written
    return document


def _record_document(record: ProvenRecord) -> dict[str, JsonValue]:
    return {
        "key": record.key.hex(),
        "present": record.value is not None,
        "value": "" if record.value is None else record.value.hex(),
        "proof": record.proof.hex(),
    }


def extract_from_document(document: object) -> tuple[PropertyExtract, str, JsonValue]:
    """The extract, the chain id it names, and its view; InvalidExtract(MALFORMED) otherwise."""
    has_changes = isinstance(document, Mapping) and "validator_changes" in document
    keys = _TOP_FIELDS | {"validator_changes"} if has_changes else _TOP_FIELDS
    fields = _object(document, "the extract", keys)
    if fields["format"] != EXTRACT_FORMAT:
        raise InvalidExtract(ExtractProblem.MALFORMED, f"format is not {EXTRACT_FORMAT!r}")
    height = fields["height"]
    if not isinstance(height, int) or isinstance(height, bool) or height < 1:
        raise InvalidExtract(ExtractProblem.MALFORMED, "height must be a positive integer")
    extract = PropertyExtract(
        cadastral_number=_text(fields["cadastral_number"], "cadastral_number"),
        height=height,
        header=_hex(fields["header"], "header"),
        commit=_hex(fields["commit"], "commit"),
        property_record=_proven(fields["property"], "property"),
        active_encumbrance=_proven(fields["active_encumbrance"], "active_encumbrance"),
        validator_changes=_changes(fields["validator_changes"]) if has_changes else (),
    )
    return extract, _text(fields["chain_id"], "chain_id"), fields["view"]


def _object(value: object, name: str, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or set(value) != keys:
        raise InvalidExtract(
            ExtractProblem.MALFORMED, f"{name} must have exactly: {', '.join(sorted(keys))}"
        )
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidExtract(ExtractProblem.MALFORMED, f"{name} must be a non-empty string")
    return value


def _hex(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidExtract(ExtractProblem.MALFORMED, f"{name} must be a hex string")
    try:
        decoded = bytes.fromhex(value)
    except ValueError:
        raise InvalidExtract(ExtractProblem.MALFORMED, f"{name} is not hexadecimal") from None
    # One spelling per value (fromhex also takes spaces and capitals): lowercase, no spaces.
    if decoded.hex() != value:
        raise InvalidExtract(ExtractProblem.MALFORMED, f"{name} is not lowercase hex")
    return decoded


def _changes(value: object) -> tuple[tuple[int, bytes], ...]:
    if not isinstance(value, list) or not value:
        raise InvalidExtract(ExtractProblem.MALFORMED, "validator_changes must be a list")
    found = []
    for index, item in enumerate(value):
        name = f"validator_changes[{index}]"
        fields = _object(item, name, frozenset({"height", "change"}))
        height = fields["height"]
        if not isinstance(height, int) or isinstance(height, bool) or height < 1:
            raise InvalidExtract(ExtractProblem.MALFORMED, f"{name}.height must be positive")
        found.append((height, _hex(fields["change"], f"{name}.change")))
    return tuple(found)


def _proven(value: object, name: str) -> ProvenRecord:
    fields = _object(value, name, _RECORD_FIELDS)
    present = fields["present"]
    if not isinstance(present, bool):
        raise InvalidExtract(ExtractProblem.MALFORMED, f"{name}.present must be true or false")
    record_value = _hex(fields["value"], f"{name}.value")
    if not present and record_value:
        raise InvalidExtract(ExtractProblem.MALFORMED, f"{name}: an absent record has no value")
    return ProvenRecord(
        key=_hex(fields["key"], f"{name}.key"),
        value=record_value if present else None,
        proof=_hex(fields["proof"], f"{name}.proof"),
    )


def decode_records(extract: PropertyExtract) -> tuple[Property | None, Encumbrance | None]:
    """The records in the extract's bytes; InvalidExtract(RECORD_MALFORMED) when they do not
    decode. Says nothing about whether they are proven."""
    property_bytes = extract.property_record.value
    lease_bytes = extract.active_encumbrance.value
    try:
        record = None if property_bytes is None else load_property(property_bytes)
        lease = None if lease_bytes is None else load_active_encumbrance(lease_bytes)
    except CorruptRecord as error:
        raise InvalidExtract(ExtractProblem.RECORD_MALFORMED, str(error)) from None
    return record, lease


def load_active_encumbrance(data: bytes) -> Encumbrance:
    return load_record(Encumbrance, data)


# --- verification -------------------------------------------------------------------------------


def verify_extract(document: object, anchor: TrustAnchor) -> ExtractVerdict:
    """The verdict on an extract document (parsed extract.json), trusting only ``anchor``."""
    facts: dict[str, object] = {}
    try:
        _verify(document, anchor, facts)
    except InvalidExtract as error:
        return ExtractVerdict(False, error.problem, error.detail, facts)
    return ExtractVerdict(True, None, "the extract is proved by the chain's validators", facts)


def _verify(document: object, anchor: TrustAnchor, facts: dict[str, object]) -> None:
    extract, chain_id, view = extract_from_document(document)
    if chain_id != anchor.chain_id:
        raise InvalidExtract(ExtractProblem.WRONG_CHAIN, f"{chain_id!r}, not {anchor.chain_id!r}")
    header = _certified_header(extract, anchor, facts)
    _check_keys(extract)
    root = header.state_root
    _check_proof(root, extract.property_record, "the property record", facts, "property")
    _check_proof(
        root, extract.active_encumbrance, "the active-encumbrance record", facts, "encumbrance"
    )
    record, lease = decode_records(extract)
    _check_consistent(extract.cadastral_number, record, lease)
    certificate = CommitCertificate.decode(extract.commit)
    expected_view = extract_view(extract.cadastral_number, header, certificate, record, lease)
    difference = first_difference(expected_view, view)
    if difference is not None:
        raise InvalidExtract(
            ExtractProblem.VIEW_MISMATCH, f"{difference} is not what the proven records say"
        )
    facts["statement"] = expected_view["statement"]


def _certified_header(
    extract: PropertyExtract, anchor: TrustAnchor, facts: dict[str, object]
) -> BlockHeader:
    try:
        header = BlockHeader.decode(extract.header)
    except InvalidBlock as error:
        raise InvalidExtract(ExtractProblem.HEADER_MALFORMED, error.detail) from None
    if header.chain_id != anchor.chain_id:
        raise InvalidExtract(ExtractProblem.WRONG_CHAIN, f"the header names {header.chain_id!r}")
    if header.height != extract.height:
        raise InvalidExtract(
            ExtractProblem.HEIGHT_MISMATCH, f"extract {extract.height}, header {header.height}"
        )
    validators = validators_in_force(extract, anchor)
    if header.validator_set_hash != validators.set_hash():
        raise InvalidExtract(
            ExtractProblem.WRONG_VALIDATOR_SET, "not the set genesis and the changes put in force"
        )
    facts.update(
        chain_id=header.chain_id,
        height=header.height,
        block_hash=header.block_hash.hex(),
        block_time_unix_ms=header.time_unix_ms,
        state_root=header.state_root.hex(),
    )
    try:
        certificate = CommitCertificate.decode(extract.commit)
    except InvalidCommitCertificate as error:
        raise InvalidExtract(ExtractProblem.COMMIT_MALFORMED, error.detail) from None
    try:
        verify_commit_certificate(
            certificate,
            chain_id=anchor.chain_id,
            validators=validators,
            height=header.height,
            block_hash=header.block_hash,
        )
    except InvalidCommitCertificate as error:
        problem = (
            ExtractProblem.NOT_CERTIFIED
            if error.problem in (CommitProblem.WRONG_HEIGHT, CommitProblem.WRONG_BLOCK_HASH)
            else ExtractProblem.CERTIFICATE_INVALID
        )
        raise InvalidExtract(problem, f"{error.problem.name}: {error.detail}") from None
    validator_set = validators.validator_set
    signers = [signature.validator_id for signature in certificate.signatures]
    facts.update(
        certified_by=signers,
        certified_power=sum(validator_set.power_of(signer) for signer in signers),
        total_power=validator_set.total_power,
    )
    return header


def validators_in_force(extract: PropertyExtract, anchor: TrustAnchor) -> CertifyingValidators:
    """The set that must certify the extract's header: genesis's, then each change in turn,
    each approved by more than 2/3 of the set before it (light-client walk, ADR 0011)."""
    history = ValidatorHistory(anchor)
    previous_height = 0
    for index, (height, raw) in enumerate(extract.validator_changes):
        name = f"validator_changes[{index}]"
        # The node carries every change committed up to the header's height, the header's own
        # block included (in force only from height + 2): it is followed and changes nothing here.
        if not previous_height <= height <= extract.height:
            raise InvalidExtract(
                ExtractProblem.MALFORMED, f"{name}.height {height} is out of order"
            )
        previous_height = height
        try:
            message = transaction_pb2.ValidatorSetChange.FromString(raw)
        except (DecodeError, ValueError) as error:
            raise InvalidExtract(ExtractProblem.MALFORMED, f"{name}: {error}") from None
        try:
            history.follow_change(height, message)
        except InvalidChange as error:
            raise InvalidExtract(
                ExtractProblem.VALIDATOR_CHANGE_UNAPPROVED, f"{name}: {error}"
            ) from None
    return history.validators_at(extract.height)


def _check_keys(extract: PropertyExtract) -> None:
    expected = {
        "property.key": (property_key(extract.cadastral_number), extract.property_record.key),
        "active_encumbrance.key": (
            active_encumbrance_key(extract.cadastral_number),
            extract.active_encumbrance.key,
        ),
    }
    for name, (key, found) in expected.items():
        if key != found:
            raise InvalidExtract(
                ExtractProblem.WRONG_KEY, f"{name} is {found!r}, the cadastral number's is {key!r}"
            )


def _check_proof(
    root: bytes, record: ProvenRecord, name: str, facts: dict[str, object], fact: str
) -> None:
    try:
        proof = proof_from_bytes(record.proof)
    except MalformedProof as error:
        raise InvalidExtract(ExtractProblem.PROOF_MALFORMED, f"{name}: {error}") from None
    value_hash = None if record.value is None else sha256(record.value)
    if not verify_proof(root, record.key, value_hash, proof):
        claim = "presence" if record.value is not None else "absence"
        raise InvalidExtract(
            ExtractProblem.PROOF_INVALID, f"{name}: the proof of {claim} fails under the root"
        )
    facts[f"{fact}_proved"] = "present" if record.value is not None else "absent"
    facts[f"{fact}_proof_depth"] = proof.depth


def _check_consistent(
    cadastral_number: str, record: Property | None, lease: Encumbrance | None
) -> None:
    if record is not None and record.cadastral_number != cadastral_number:
        raise InvalidExtract(
            ExtractProblem.RECORDS_INCONSISTENT,
            f"the proven record is of {record.cadastral_number!r}",
        )
    active = None if record is None else record.active_lease()
    if active != lease:
        raise InvalidExtract(
            ExtractProblem.RECORDS_INCONSISTENT,
            "the property's active lease and the active-encumbrance record differ",
        )
