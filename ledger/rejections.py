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
    DOCUMENT_SIGNING_ORDER = "KTK must sign the contract after all other parties (para 18)"
    MISSING_CONSENT = "the personal-data consent is absent or not signed by its subject"
    KTK_LETTER_MISSING = "termination needs the KTK letter (para 29)"
    KTK_LETTER_INVALID = "the KTK letter is not validly signed by KTK"
    INVALID_PAYMENT = "the payment document is incomplete"
    INVALID_FIELD = "a field is missing or malformed"
    # Registry (paras 19-37).
    PILOT_NOT_IN_FORCE = "the pilot's rules do not apply at block time (order para 8)"
    PROPERTY_ALREADY_EXISTS = "a property with this cadastral number is already registered"
    PROPERTY_NOT_FOUND = "no property with this cadastral number"
    PROPERTY_NOT_HELD_BY_KTK = "a lease can be registered only on a property held by KTK"
    PRECLUDING_ENCUMBRANCE = "an encumbrance precludes registration (para 23(d))"
    APPLICATION_NOT_FOUND = "no application with this id"
    INVALID_STATUS_TRANSITION = "the decision is not allowed in the application's status"
    FEE_NOT_PAID = "the state-registration fee is not paid (para 23(a))"
    PAYMENT_ALREADY_CONFIRMED = "the application's payment is already confirmed"
    SPOUSE_ABSENT = "married, but the spouse did not take part (para 23(b))"
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
    ATTESTATION_STALE = "the attestation predates the application's last suspension (paras 26, 35)"
    CONFLICT_OF_INTEREST = (
        "one person acts on two sides: KTK's signer or representative is the recipient or the "
        "spouse, or the registrar is a party to the application"
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
    OCSP_INVALID = (
        "an OCSP response is malformed, not signed by a trusted CA or its delegated responder, "
        "or produced after the block time"
    )

    @property
    def explanation(self) -> str:
        return self.value


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
