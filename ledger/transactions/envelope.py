"""Verifying a transaction envelope: from raw bytes to a body with identified, trusted signers.

The order of checks is fixed so that every node names the same first problem:
size (the transaction limit, then the block limit) -> envelope -> body -> nonce -> action -> text
of every string field (ledger/transactions/text.py) -> chain id -> expiry -> replay -> each
signature (certificate,
signature over the body bytes exactly as carried (once per distinct envelope:
ledger/transactions/verdicts.py), chain to a CA trusted in state at block time,
revocation from consensus state, key usage) -> duplicate signers. Any failure raises
TransactionRejected with a named reason; nothing is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.unknown_fields import UnknownFieldSet
from tirkeu_pb import transaction_pb2

from ledger.hashing import sha256_hex
from ledger.identity.certificates import (
    CertificateInfo,
    CertificateKind,
    MalformedCertificate,
    load_certificate,
)
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.revocation import CertificateProblem, CertificateRejected, TrustStore
from ledger.identity.roles import Role, roles_of
from ledger.identity.signatures import verify_certificate_signature
from ledger.rejections import RejectionReason, TransactionRejected
from ledger.state.access import StateReader, transaction_key
from ledger.state.records import Authorities
from ledger.transactions.text import check_body_text
from ledger.transactions.verdicts import envelope_verdict

if TYPE_CHECKING:
    from ledger.transactions.context import BlockContext

M = TypeVar("M", bound=Message)

# A nonce only makes two equal requests two transactions: 16 random bytes do (clients/
# transaction_builders.py NONCE_BYTES); 64 leave room for any client's scheme. Without a bound a
# valid transaction could carry megabytes that no rule reads (issue 13). Inference.
MAX_NONCE_BYTES = 64

_CHAIN_PROBLEMS = {
    CertificateProblem.UNKNOWN_AUTHORITY: RejectionReason.UNKNOWN_CERTIFICATE_AUTHORITY,
    CertificateProblem.BAD_CHAIN_SIGNATURE: RejectionReason.UNKNOWN_CERTIFICATE_AUTHORITY,
    CertificateProblem.NOT_A_CA: RejectionReason.UNKNOWN_CERTIFICATE_AUTHORITY,
    CertificateProblem.EXPIRED: RejectionReason.CERTIFICATE_EXPIRED,
    CertificateProblem.NOT_YET_VALID: RejectionReason.CERTIFICATE_NOT_YET_VALID,
    CertificateProblem.REVOKED: RejectionReason.CERTIFICATE_REVOKED,
    CertificateProblem.WRONG_KEY_TYPE: RejectionReason.CERTIFICATE_NOT_FOR_SIGNING,
    CertificateProblem.WRONG_KEY_USAGE: RejectionReason.CERTIFICATE_NOT_FOR_SIGNING,
}


@dataclass(frozen=True, slots=True)
class Signer:
    certificate: CertificateInfo
    roles: frozenset[Role]

    @property
    def iin(self) -> str | None:
        return self.certificate.iin

    @property
    def bin(self) -> str | None:
        return self.certificate.bin

    def describe(self) -> str:
        parts = [f"IIN {self.iin}" if self.iin else self.certificate.subject_common_name]
        if self.bin:
            parts.append(f"BIN {self.bin}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class VerifiedTransaction:
    transaction_id: str  # hex SHA-256 of the envelope body
    body: transaction_pb2.TransactionBody
    kind: str  # the body's action, e.g. "lease_application"
    signers: tuple[Signer, ...]  # in envelope order

    def signers_with(self, role: Role) -> tuple[Signer, ...]:
        return tuple(signer for signer in self.signers if role in signer.roles)


def reject(reason: RejectionReason, detail: str) -> TransactionRejected:
    """The exception to raise; `raise reject(...)` reads as the rule it enforces."""
    return TransactionRejected(reason, detail)


def transaction_id_of(raw_envelope: bytes) -> str | None:
    """The transaction id (hex SHA-256 of the body) when the envelope decodes, else None."""
    try:
        envelope = transaction_pb2.Envelope.FromString(raw_envelope)
    except (DecodeError, ValueError):
        return None
    return sha256_hex(envelope.body)


def verify_transaction(
    raw_envelope: bytes,
    state: StateReader,
    context: BlockContext,
    trust: TrustStore,
    authorities: Authorities,
) -> VerifiedTransaction:
    """The verified transaction, or TransactionRejected naming the first problem found."""
    limit = context.limits.max_transaction_bytes
    if len(raw_envelope) > limit:
        raise reject(
            RejectionReason.OVERSIZED_TRANSACTION, f"{len(raw_envelope)} bytes, limit {limit}"
        )
    fitting = context.limits.largest_fitting_transaction
    if len(raw_envelope) > fitting:
        raise reject(
            RejectionReason.TRANSACTION_EXCEEDS_BLOCK,
            f"{len(raw_envelope)} bytes; a block of at most {context.limits.max_block_bytes} "
            f"bytes carries envelopes of at most {fitting}",
        )
    envelope = _decode(transaction_pb2.Envelope, raw_envelope, RejectionReason.MALFORMED_ENVELOPE)
    body = _decode(transaction_pb2.TransactionBody, envelope.body, RejectionReason.MALFORMED_BODY)
    if len(body.nonce) > MAX_NONCE_BYTES:
        raise reject(
            RejectionReason.NONCE_TOO_LONG,
            f"the nonce has {len(body.nonce)} bytes, at most {MAX_NONCE_BYTES}",
        )
    kind = body.WhichOneof("action")
    if kind is None:
        raise reject(RejectionReason.MISSING_ACTION, "the body sets none of the actions")
    # Canonical text (ADR 0018) before any field is read: at admission and in every block.
    check_body_text(body)
    if body.chain_id != context.chain_id:
        raise reject(
            RejectionReason.WRONG_CHAIN_ID,
            f"body names chain {body.chain_id!r}, this is {context.chain_id!r}",
        )
    _check_expiry(body.expiry_height, context)
    transaction_id = sha256_hex(envelope.body)
    if state.get(transaction_key(transaction_id)) is not None:
        raise reject(RejectionReason.REPLAYED_TRANSACTION, f"{transaction_id} is committed")
    signers = _verify_signatures(
        envelope, envelope_verdict(raw_envelope), trust, authorities, context
    )
    return VerifiedTransaction(transaction_id, body, kind, signers)


def _decode(message_type: type[M], data: bytes, reason: RejectionReason) -> M:
    try:
        message = message_type.FromString(data)
    except (DecodeError, ValueError, RecursionError) as error:
        raise reject(reason, f"cannot decode {message_type.__name__}: {error}") from None
    problem = _unrecognised_content(message)
    if problem is not None:
        raise reject(reason, f"{message_type.__name__}: {problem}")
    return message


def _unrecognised_content(message: Message) -> str | None:
    """A field or enum value this ledger does not know. Such content cannot be judged, and
    silently ignoring it would let two versions of the ledger read one body differently."""
    if len(UnknownFieldSet(message)):
        return f"{message.DESCRIPTOR.full_name} carries unknown fields"
    for field, value in message.ListFields():
        values: Sequence[object] = value if field.is_repeated else (value,)
        for item in values:
            if field.type == FieldDescriptor.TYPE_ENUM and isinstance(item, int):
                known = field.enum_type is not None and item in field.enum_type.values_by_number
                if not known:
                    return f"{field.full_name} has unknown value {item}"
            elif field.type == FieldDescriptor.TYPE_MESSAGE and isinstance(item, Message):
                problem = _unrecognised_content(item)
                if problem is not None:
                    return problem
    return None


def _check_expiry(expiry_height: int, context: BlockContext) -> None:
    if expiry_height < context.height:
        raise reject(
            RejectionReason.TRANSACTION_EXPIRED,
            f"expiry height {expiry_height} is below block height {context.height}",
        )
    furthest = context.height + context.limits.max_expiry_blocks
    if expiry_height > furthest:
        raise reject(
            RejectionReason.EXPIRY_TOO_FAR,
            f"expiry height {expiry_height} is beyond {furthest} "
            f"({context.limits.max_expiry_blocks} blocks ahead)",
        )


def _verify_signatures(
    envelope: transaction_pb2.Envelope,
    verified_before: bool,
    trust: TrustStore,
    authorities: Authorities,
    context: BlockContext,
) -> tuple[Signer, ...]:
    if not envelope.signatures:
        raise reject(RejectionReason.MISSING_SIGNATURE, "the envelope carries no signature")
    signers: list[Signer] = []
    for index, signature in enumerate(envelope.signatures):
        certificate = _certificate(signature.certificate, index)
        if any(s.certificate.fingerprint == certificate.fingerprint for s in signers):
            raise reject(
                RejectionReason.DUPLICATE_SIGNER,
                f"signature {index}: {certificate.subject!r} already signed this envelope",
            )
        # The body exactly as carried: never re-serialized before verifying (DESIGN.md §3).
        # ``verified_before``: every signature verified (a pure, remembered verdict); when one
        # does not, each is checked here in order, so the first bad one is named.
        if not verified_before and not verify_certificate_signature(
            certificate, signature.signature, envelope.body
        ):
            raise reject(
                RejectionReason.BAD_SIGNATURE,
                f"signature {index} does not verify with the key of {certificate.subject!r}",
            )
        _check_certificate(certificate, trust, context, index)
        signers.append(Signer(certificate, roles_of(certificate, authorities)))
    return tuple(signers)


def _certificate(data: bytes, index: int) -> CertificateInfo:
    try:
        return load_certificate(data)
    except MalformedCertificate as error:
        raise reject(RejectionReason.MALFORMED_CERTIFICATE, f"signature {index}: {error}") from None
    except InvalidIdentifier as error:
        # The national CA never issues a wrong check digit: such a certificate is forged or
        # broken, and the client is told which number is wrong.
        reason = RejectionReason.INVALID_BIN if "BIN" in str(error) else RejectionReason.INVALID_IIN
        raise reject(reason, f"signature {index}: certificate subject: {error}") from None


def _check_certificate(
    certificate: CertificateInfo, trust: TrustStore, context: BlockContext, index: int
) -> None:
    if certificate.kind is CertificateKind.AUTHORITY:
        raise reject(
            RejectionReason.CERTIFICATE_NOT_FOR_SIGNING,
            f"signature {index}: {certificate.subject!r} is a CA certificate",
        )
    try:
        verify_chain(certificate, trust, context.time)
    except CertificateRejected as error:
        raise reject(_CHAIN_PROBLEMS[error.problem], f"signature {index}: {error.detail}") from None
