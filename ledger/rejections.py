"""Named rejection reasons: every way a transaction from outside can be refused.

A rejected transaction changes nothing. The reason name is the stable contract shown to clients
(gRPC `Rejection.reason`) and written in logs; the detail says which field, what was expected and
what was found.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RejectionReason(enum.Enum):
    # Envelope and transport.
    MALFORMED_ENVELOPE = "the bytes are not a valid Envelope"
    MALFORMED_BODY = "the envelope body is not a valid TransactionBody"
    OVERSIZED_TRANSACTION = "the envelope is larger than the chain's transaction size limit"
    TRANSACTION_EXCEEDS_BLOCK = (
        "the envelope is larger than any block of this chain can carry (ADR 0015)"
    )
    NONCE_TOO_LONG = "the body's nonce is longer than the chain allows (ADR 0015)"
    MISSING_ACTION = "the body carries no action"
    WRONG_CHAIN_ID = "the body names another chain"
    TRANSACTION_EXPIRED = "the body's expiry height has passed"
    EXPIRY_TOO_FAR = "the body's expiry height is further ahead than the chain allows"
    REPLAYED_TRANSACTION = "a transaction with this id was already committed or is pending"
    MEMPOOL_FULL = "the node's queue of pending transactions is full"
    # Signatures and certificates (DESIGN.md §3; seed 003 para 18(6)-(7)).
    MISSING_SIGNATURE = "the envelope carries no signature"
    DUPLICATE_SIGNER = "the same certificate signs the envelope twice"
    MALFORMED_CERTIFICATE = "a signer's certificate cannot be parsed"
    BAD_SIGNATURE = "a signature does not verify with its certificate's key"
    UNKNOWN_CERTIFICATE_AUTHORITY = "a certificate does not chain to a CA trusted in state"
    CERTIFICATE_EXPIRED = "a certificate is past its validity at block time"
    CERTIFICATE_NOT_YET_VALID = "a certificate is not yet valid at block time"
    CERTIFICATE_REVOKED = "a certificate is revoked in consensus state"
    CERTIFICATE_NOT_FOR_SIGNING = "a certificate lacks the key usage for signatures"
    INVALID_IIN = "an IIN is not 12 digits with a valid check digit"
    INVALID_BIN = "a BIN is not 12 digits with a valid check digit"
    # Roles (DESIGN.md §2: who may submit what).
    NOT_KTK_AUTHORISED_PERSON = "only a KTK authorised person may submit this"
    NOT_REGISTRAR = "only a registrar of the State Corporation may submit this"
    MISSING_REQUIRED_SIGNATURE = "a party whose signature the Algorithm requires did not sign"
    UNEXPECTED_SIGNER = "the envelope is signed by someone who is not a party"
    # Documents and their CMS signatures (paras 17-19, 29).
    MISSING_DOCUMENT = "a required document is absent"
    DOCUMENT_SIGNATURE_INVALID = "a document's CMS signature does not verify"
    DOCUMENT_SIGNER_MISSING = "a required party did not sign the document"
    DOCUMENT_SIGNING_ORDER = (
        "the contract is signed by the recipient, then the guarantors, then KTK (paras 17-18), "
        "each stage strictly after the previous"
    )
    CONTRACT_NOT_SIGNED_BY_KTK_HEAD = (
        "the contract's e-copy is signed for KTK by its head (para 19)"
    )
    MISSING_CONSENT = "the personal-data consent is absent or not signed by its subject"
    POWER_OF_ATTORNEY_INVALID = (
        "a representative acts without a power of attorney signed by the party she represents "
        "(para 21)"
    )
    KTK_LETTER_MISSING = "termination needs the KTK letter (para 29)"
    KTK_LETTER_INVALID = (
        "the KTK letter is not signed by KTK, or carries a signature of someone other than KTK "
        "and the certifying recipient (para 29)"
    )
    ECOPY_NOT_CERTIFIED = "an attached e-copy is not certified by the recipient's EDS (para 29)"
    INVALID_PAYMENT = "the payment document is incomplete"
    INVALID_FIELD = "a field is missing or malformed"
    # Registry (paras 19-37).
    PILOT_NOT_IN_FORCE = "a new application is formed outside the pilot's window (order para 8)"
    PROPERTY_ALREADY_EXISTS = "a property with this cadastral number is already registered"
    PROPERTY_NOT_FOUND = "no property with this cadastral number"
    PROPERTY_NOT_HELD_BY_KTK = (
        "a lease can be registered only on a property held by KTK, the lessor — "
        "inference (ADR 0007 D11)"
    )
    PRECLUDING_ENCUMBRANCE = "an encumbrance precludes registration (para 23(d))"
    APPLICATION_NOT_FOUND = "no application with this id"
    INVALID_STATUS_TRANSITION = "the decision is not allowed in the application's status"
    PAYMENT_REQUIRED_BEFORE_SENDING = (
        "the application is sent after the fee is paid, with the payment document (paras 22, 31)"
    )
    PAYER_NOT_RECIPIENT = "the fee is paid by the recipient (para 22)"
    PAYMENT_AFTER_SENDING = "the payment is dated after the sending (para 22: sent after paying)"
    PAYMENT_ALREADY_USED = (
        "the payment document already paid for another application — inference (ADR 0007 D4)"
    )
    SPOUSE_ABSENT = (
        "married, but the spouse did not take part in the videoconference (paras 21, 23(b), 30, "
        "32(b))"
    )
    ATTESTATION_MISSING = "no videoconference attestation by a registrar (paras 21, 23)"
    VIDEOCONFERENCE_NOT_CONFIRMED = (
        "the videoconference did not confirm signatures, capacity and will (paras 21, 23, 30, 32)"
    )
    PARTICIPANT_ABSENT = "a required participant did not take part in the videoconference (para 21)"
    CHECK_NOT_PASSED = "a required registrar check is missing or failed (paras 23-24, 32-33)"
    ATTESTATION_OUT_OF_TIME = (
        "a check or the videoconference is dated before the application or after the block "
        "(para 23: checked when the e-application reaches ЖМБМК АЖ)"
    )
    ATTESTATION_STALE = (
        "the attestation predates the application's last suspension — inference (ADR 0007 D3)"
    )
    CONFLICT_OF_INTEREST = (
        "one person acts on two sides: KTK's signer is the recipient, the spouse, the new holder "
        "or a party's representative, KTK's videoconference representative is the recipient or "
        "the spouse, or the registrar is a party to the application or a party's representative "
        "— inference (ADR 0007 D12)"
    )
    LEGAL_GROUND_REQUIRED = (
        'suspension needs Art. 27, refusal Art. 31 of the Law "On state registration of rights '
        'to real estate", with a reason'
    )
    NO_ACTIVE_LEASE = "termination needs an active lease encumbrance (para 29)"
    OWNERSHIP_NOT_TO_LESSEE = "ownership may pass only to the lessee (para 34(2))"
    # Revocation lists.
    CRL_INVALID = "the revocation list is malformed or not signed by a trusted CA"
    CRL_NOT_NEWER = "the revocation list is not newer than the one in state"
    # Validator-set changes (issue 12, docs/adr/0011-validator-set-changes.md).
    VALIDATOR_CHANGE_INVALID = (
        "the validator-set change is malformed or impossible on this set (ADR 0011)"
    )
    VALIDATOR_CHANGE_PENDING = "a previous validator-set change has not taken effect yet (ADR 0011)"
    VALIDATOR_CHANGE_STALE = "the change's sequence number is not the next one (ADR 0011)"
    VALIDATOR_APPROVAL_INVALID = (
        "an approval is not a good signature of a validator in force (ADR 0011)"
    )
    VALIDATOR_APPROVAL_NO_QUORUM = (
        "the approvers hold no more than 2/3 of the power in force (ADR 0011)"
    )
    # Rules upgrades (ADR 0012).
    RULES_UPGRADE_INVALID = (
        "the rules upgrade is malformed, not ahead, or names no authority (ADR 0012)"
    )
    RULES_UPGRADE_STALE = "the upgrade's sequence number is not the next one (ADR 0012)"
    OCSP_INVALID = (
        "an OCSP response is malformed, not signed by a trusted CA or its delegated responder, "
        "or produced after the block time (RFC 6960; ADR 0009)"
    )

    # Canonical input (issue 13, docs/adr/0018-canonical-text.md; ledger/transactions/text.py).
    TEXT_NOT_NFC = "a text field is not in Unicode NFC: normalise it before signing (ADR 0018)"
    TEXT_CONTROL_CHARACTER = (
        "a text field holds a control character (C0, DEL, C1, line or paragraph separator) "
        "(ADR 0018)"
    )
    TEXT_FORMAT_CHARACTER = (
        "a text field holds a bidi control or another invisible format character that changes "
        "how the text displays (ADR 0018)"
    )
    TEXT_CHARACTER_NOT_ALLOWED = (
        "a text field holds a character outside the registry's repertoire (Cyrillic, Latin, "
        "punctuation) (ADR 0018)"
    )
    IDENTIFIER_NOT_ASCII = (
        "an identifier, number or date holds a character that is not printable ASCII, e.g. "
        "digits of another script (ADR 0018)"
    )

    @property
    def explanation(self) -> str:
        return self.value


# Rules the Algorithm does not state (ADR 0007): their explanations say "inference (ADR 0007 …)"
# and cite no paragraph, so nobody reads them as the text's own rule.
INFERENCE_REASONS = frozenset(
    {
        RejectionReason.PROPERTY_NOT_HELD_BY_KTK,
        RejectionReason.CONFLICT_OF_INTEREST,
        RejectionReason.ATTESTATION_STALE,
        RejectionReason.PAYMENT_ALREADY_USED,
    }
)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: RejectionReason
    detail: str

    def __str__(self) -> str:
        return f"{self.reason.name}: {self.detail}"


class TransactionRejected(Exception):
    """Raised inside the pure core when a transaction is refused; carries the named reason."""

    def __init__(self, reason: RejectionReason, detail: str) -> None:
        super().__init__(f"{reason.name}: {detail}")
        self.rejection = Rejection(reason, detail)

    @property
    def reason(self) -> RejectionReason:
        return self.rejection.reason
