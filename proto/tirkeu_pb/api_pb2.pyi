from tirkeu_pb import block_pb2 as _block_pb2
from tirkeu_pb import rejection_pb2 as _rejection_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransactionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_STATUS_UNSPECIFIED: _ClassVar[TransactionStatus]
    UNKNOWN: _ClassVar[TransactionStatus]
    PENDING: _ClassVar[TransactionStatus]
    COMMITTED: _ClassVar[TransactionStatus]
    REJECTED: _ClassVar[TransactionStatus]

class NotificationChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_CHANNEL_UNSPECIFIED: _ClassVar[NotificationChannel]
    EGOV_CABINET: _ClassVar[NotificationChannel]
    PLATFORM_CABINET: _ClassVar[NotificationChannel]
    FIRST_CREDIT_BUREAU: _ClassVar[NotificationChannel]
TRANSACTION_STATUS_UNSPECIFIED: TransactionStatus
UNKNOWN: TransactionStatus
PENDING: TransactionStatus
COMMITTED: TransactionStatus
REJECTED: TransactionStatus
NOTIFICATION_CHANNEL_UNSPECIFIED: NotificationChannel
EGOV_CABINET: NotificationChannel
PLATFORM_CABINET: NotificationChannel
FIRST_CREDIT_BUREAU: NotificationChannel

class SubmitTransactionRequest(_message.Message):
    __slots__ = ("envelope", "wait_for_commit")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    WAIT_FOR_COMMIT_FIELD_NUMBER: _ClassVar[int]
    envelope: bytes
    wait_for_commit: bool
    def __init__(self, envelope: _Optional[bytes] = ..., wait_for_commit: _Optional[bool] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("reason", "detail", "reason_code")
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    detail: str
    reason_code: _rejection_pb2.RejectionReason
    def __init__(self, reason: _Optional[str] = ..., detail: _Optional[str] = ..., reason_code: _Optional[_Union[_rejection_pb2.RejectionReason, str]] = ...) -> None: ...

class SubmitTransactionResponse(_message.Message):
    __slots__ = ("transaction_id", "status", "rejection", "height")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    status: TransactionStatus
    rejection: Rejection
    height: int
    def __init__(self, transaction_id: _Optional[str] = ..., status: _Optional[_Union[TransactionStatus, str]] = ..., rejection: _Optional[_Union[Rejection, _Mapping]] = ..., height: _Optional[int] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("transaction_id",)
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    def __init__(self, transaction_id: _Optional[str] = ...) -> None: ...

class TransactionStatusView(_message.Message):
    __slots__ = ("transaction_id", "status", "height", "rejection", "envelope", "kind")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    status: TransactionStatus
    height: int
    rejection: Rejection
    envelope: bytes
    kind: str
    def __init__(self, transaction_id: _Optional[str] = ..., status: _Optional[_Union[TransactionStatus, str]] = ..., height: _Optional[int] = ..., rejection: _Optional[_Union[Rejection, _Mapping]] = ..., envelope: _Optional[bytes] = ..., kind: _Optional[str] = ...) -> None: ...

class GetPropertyRequest(_message.Message):
    __slots__ = ("cadastral_number",)
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    cadastral_number: str
    def __init__(self, cadastral_number: _Optional[str] = ...) -> None: ...

class RightHolder(_message.Message):
    __slots__ = ("identifier_kind", "identifier")
    IDENTIFIER_KIND_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    identifier_kind: str
    identifier: str
    def __init__(self, identifier_kind: _Optional[str] = ..., identifier: _Optional[str] = ...) -> None: ...

class EncumbranceView(_message.Message):
    __slots__ = ("kind", "status", "application_id", "lessor_bin", "lessee_iin", "registered_height", "terminated_height", "contract_sha256")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    LESSOR_BIN_FIELD_NUMBER: _ClassVar[int]
    LESSEE_IIN_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_SHA256_FIELD_NUMBER: _ClassVar[int]
    kind: str
    status: str
    application_id: str
    lessor_bin: str
    lessee_iin: str
    registered_height: int
    terminated_height: int
    contract_sha256: bytes
    def __init__(self, kind: _Optional[str] = ..., status: _Optional[str] = ..., application_id: _Optional[str] = ..., lessor_bin: _Optional[str] = ..., lessee_iin: _Optional[str] = ..., registered_height: _Optional[int] = ..., terminated_height: _Optional[int] = ..., contract_sha256: _Optional[bytes] = ...) -> None: ...

class RegistrationSheetEntryView(_message.Message):
    __slots__ = ("number", "kind", "application_id", "transaction_id", "height", "registered_at_unix_ms", "registrar_iin", "basis_document_sha256", "right_holder", "lessee_iin", "legal_basis")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REGISTRAR_IIN_FIELD_NUMBER: _ClassVar[int]
    BASIS_DOCUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    RIGHT_HOLDER_FIELD_NUMBER: _ClassVar[int]
    LESSEE_IIN_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    number: int
    kind: str
    application_id: str
    transaction_id: str
    height: int
    registered_at_unix_ms: int
    registrar_iin: str
    basis_document_sha256: bytes
    right_holder: RightHolder
    lessee_iin: str
    legal_basis: str
    def __init__(self, number: _Optional[int] = ..., kind: _Optional[str] = ..., application_id: _Optional[str] = ..., transaction_id: _Optional[str] = ..., height: _Optional[int] = ..., registered_at_unix_ms: _Optional[int] = ..., registrar_iin: _Optional[str] = ..., basis_document_sha256: _Optional[bytes] = ..., right_holder: _Optional[_Union[RightHolder, _Mapping]] = ..., lessee_iin: _Optional[str] = ..., legal_basis: _Optional[str] = ...) -> None: ...

class PropertyView(_message.Message):
    __slots__ = ("cadastral_number", "address", "kind", "area_square_metres", "holder", "encumbrances", "registration_sheet", "imported_height")
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AREA_SQUARE_METRES_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    ENCUMBRANCES_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_SHEET_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    cadastral_number: str
    address: str
    kind: str
    area_square_metres: str
    holder: RightHolder
    encumbrances: _containers.RepeatedCompositeFieldContainer[EncumbranceView]
    registration_sheet: _containers.RepeatedCompositeFieldContainer[RegistrationSheetEntryView]
    imported_height: int
    def __init__(self, cadastral_number: _Optional[str] = ..., address: _Optional[str] = ..., kind: _Optional[str] = ..., area_square_metres: _Optional[str] = ..., holder: _Optional[_Union[RightHolder, _Mapping]] = ..., encumbrances: _Optional[_Iterable[_Union[EncumbranceView, _Mapping]]] = ..., registration_sheet: _Optional[_Iterable[_Union[RegistrationSheetEntryView, _Mapping]]] = ..., imported_height: _Optional[int] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("application_id",)
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    def __init__(self, application_id: _Optional[str] = ...) -> None: ...

class DocumentView(_message.Message):
    __slots__ = ("title", "sha256", "signers")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    title: str
    sha256: bytes
    signers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, title: _Optional[str] = ..., sha256: _Optional[bytes] = ..., signers: _Optional[_Iterable[str]] = ...) -> None: ...

class PaymentView(_message.Message):
    __slots__ = ("sha256", "amount_tiyn", "payment_reference", "payer_iin", "confirmed_height", "confirmed_on", "paid_at_unix_ms")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_TIYN_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAYER_IIN_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_ON_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    sha256: bytes
    amount_tiyn: int
    payment_reference: str
    payer_iin: str
    confirmed_height: int
    confirmed_on: str
    paid_at_unix_ms: int
    def __init__(self, sha256: _Optional[bytes] = ..., amount_tiyn: _Optional[int] = ..., payment_reference: _Optional[str] = ..., payer_iin: _Optional[str] = ..., confirmed_height: _Optional[int] = ..., confirmed_on: _Optional[str] = ..., paid_at_unix_ms: _Optional[int] = ...) -> None: ...

class CheckView(_message.Message):
    __slots__ = ("kind", "source", "passed", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    source: str
    passed: bool
    detail: str
    def __init__(self, kind: _Optional[str] = ..., source: _Optional[str] = ..., passed: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class VideoconferenceView(_message.Message):
    __slots__ = ("registrar_iin", "transaction_id", "height", "held_at_unix_ms", "participants", "signatures_authentic", "legal_capacity_confirmed", "will_conforms_to_expression")
    REGISTRAR_IIN_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HELD_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_AUTHENTIC_FIELD_NUMBER: _ClassVar[int]
    LEGAL_CAPACITY_CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    WILL_CONFORMS_TO_EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    registrar_iin: str
    transaction_id: str
    height: int
    held_at_unix_ms: int
    participants: _containers.RepeatedScalarFieldContainer[str]
    signatures_authentic: bool
    legal_capacity_confirmed: bool
    will_conforms_to_expression: bool
    def __init__(self, registrar_iin: _Optional[str] = ..., transaction_id: _Optional[str] = ..., height: _Optional[int] = ..., held_at_unix_ms: _Optional[int] = ..., participants: _Optional[_Iterable[str]] = ..., signatures_authentic: _Optional[bool] = ..., legal_capacity_confirmed: _Optional[bool] = ..., will_conforms_to_expression: _Optional[bool] = ...) -> None: ...

class AttestationView(_message.Message):
    __slots__ = ("registrar_iin", "transaction_id", "height", "checks", "recipient_married", "recipient_spouse_iin")
    REGISTRAR_IIN_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_MARRIED_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_SPOUSE_IIN_FIELD_NUMBER: _ClassVar[int]
    registrar_iin: str
    transaction_id: str
    height: int
    checks: _containers.RepeatedCompositeFieldContainer[CheckView]
    recipient_married: bool
    recipient_spouse_iin: str
    def __init__(self, registrar_iin: _Optional[str] = ..., transaction_id: _Optional[str] = ..., height: _Optional[int] = ..., checks: _Optional[_Iterable[_Union[CheckView, _Mapping]]] = ..., recipient_married: _Optional[bool] = ..., recipient_spouse_iin: _Optional[str] = ...) -> None: ...

class DecisionView(_message.Message):
    __slots__ = ("decision", "law", "article", "paragraph", "subparagraph", "reason", "registrar_iin", "transaction_id", "height", "decided_at_unix_ms")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    LAW_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    PARAGRAPH_FIELD_NUMBER: _ClassVar[int]
    SUBPARAGRAPH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REGISTRAR_IIN_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    decision: str
    law: str
    article: int
    paragraph: str
    subparagraph: str
    reason: str
    registrar_iin: str
    transaction_id: str
    height: int
    decided_at_unix_ms: int
    def __init__(self, decision: _Optional[str] = ..., law: _Optional[str] = ..., article: _Optional[int] = ..., paragraph: _Optional[str] = ..., subparagraph: _Optional[str] = ..., reason: _Optional[str] = ..., registrar_iin: _Optional[str] = ..., transaction_id: _Optional[str] = ..., height: _Optional[int] = ..., decided_at_unix_ms: _Optional[int] = ...) -> None: ...

class ApplicationView(_message.Message):
    __slots__ = ("application_id", "kind", "status", "cadastral_number", "recipient_iin", "spouse_iin", "marital_status", "guarantors", "ktk_bin", "submitted_by_iin", "submitted_height", "submitted_at_unix_ms", "documents", "payment", "service_deadline", "attestation", "decisions", "lease_application_id", "new_holder_iin", "overdue", "formed_height", "formed_at_unix_ms", "videoconference")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IIN_FIELD_NUMBER: _ClassVar[int]
    SPOUSE_IIN_FIELD_NUMBER: _ClassVar[int]
    MARITAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    GUARANTORS_FIELD_NUMBER: _ClassVar[int]
    KTK_BIN_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_IIN_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    LEASE_APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_HOLDER_IIN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    FORMED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FORMED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    VIDEOCONFERENCE_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    kind: str
    status: str
    cadastral_number: str
    recipient_iin: str
    spouse_iin: str
    marital_status: str
    guarantors: _containers.RepeatedScalarFieldContainer[str]
    ktk_bin: str
    submitted_by_iin: str
    submitted_height: int
    submitted_at_unix_ms: int
    documents: _containers.RepeatedCompositeFieldContainer[DocumentView]
    payment: PaymentView
    service_deadline: str
    attestation: AttestationView
    decisions: _containers.RepeatedCompositeFieldContainer[DecisionView]
    lease_application_id: str
    new_holder_iin: str
    overdue: bool
    formed_height: int
    formed_at_unix_ms: int
    videoconference: VideoconferenceView
    def __init__(self, application_id: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., cadastral_number: _Optional[str] = ..., recipient_iin: _Optional[str] = ..., spouse_iin: _Optional[str] = ..., marital_status: _Optional[str] = ..., guarantors: _Optional[_Iterable[str]] = ..., ktk_bin: _Optional[str] = ..., submitted_by_iin: _Optional[str] = ..., submitted_height: _Optional[int] = ..., submitted_at_unix_ms: _Optional[int] = ..., documents: _Optional[_Iterable[_Union[DocumentView, _Mapping]]] = ..., payment: _Optional[_Union[PaymentView, _Mapping]] = ..., service_deadline: _Optional[str] = ..., attestation: _Optional[_Union[AttestationView, _Mapping]] = ..., decisions: _Optional[_Iterable[_Union[DecisionView, _Mapping]]] = ..., lease_application_id: _Optional[str] = ..., new_holder_iin: _Optional[str] = ..., overdue: _Optional[bool] = ..., formed_height: _Optional[int] = ..., formed_at_unix_ms: _Optional[int] = ..., videoconference: _Optional[_Union[VideoconferenceView, _Mapping]] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("party_iin", "party_bin", "status", "overdue_only", "as_of", "limit")
    PARTY_IIN_FIELD_NUMBER: _ClassVar[int]
    PARTY_BIN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    party_iin: str
    party_bin: str
    status: str
    overdue_only: bool
    as_of: str
    limit: int
    def __init__(self, party_iin: _Optional[str] = ..., party_bin: _Optional[str] = ..., status: _Optional[str] = ..., overdue_only: _Optional[bool] = ..., as_of: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications",)
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[ApplicationView]
    def __init__(self, applications: _Optional[_Iterable[_Union[ApplicationView, _Mapping]]] = ...) -> None: ...

class GetBlockRequest(_message.Message):
    __slots__ = ("height",)
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    height: int
    def __init__(self, height: _Optional[int] = ...) -> None: ...

class GetBlockResponse(_message.Message):
    __slots__ = ("block", "block_hash", "header", "commit")
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    block: _block_pb2.Block
    block_hash: bytes
    header: _block_pb2.BlockHeader
    commit: _block_pb2.CommitCertificate
    def __init__(self, block: _Optional[_Union[_block_pb2.Block, _Mapping]] = ..., block_hash: _Optional[bytes] = ..., header: _Optional[_Union[_block_pb2.BlockHeader, _Mapping]] = ..., commit: _Optional[_Union[_block_pb2.CommitCertificate, _Mapping]] = ...) -> None: ...

class GetChainInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChainInfo(_message.Message):
    __slots__ = ("chain_id", "height", "latest_block_hash", "state_root", "latest_block_time_unix_ms", "node_id", "role", "validator_count", "pending_transactions")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LATEST_BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    LATEST_BLOCK_TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_COUNT_FIELD_NUMBER: _ClassVar[int]
    PENDING_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    latest_block_hash: bytes
    state_root: bytes
    latest_block_time_unix_ms: int
    node_id: str
    role: str
    validator_count: int
    pending_transactions: int
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., latest_block_hash: _Optional[bytes] = ..., state_root: _Optional[bytes] = ..., latest_block_time_unix_ms: _Optional[int] = ..., node_id: _Optional[str] = ..., role: _Optional[str] = ..., validator_count: _Optional[int] = ..., pending_transactions: _Optional[int] = ...) -> None: ...

class SubscribeNotificationsRequest(_message.Message):
    __slots__ = ("from_height",)
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    def __init__(self, from_height: _Optional[int] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("height", "index", "channel", "addressee", "application_id", "application_kind", "event", "cadastral_number", "transaction_id", "time_unix_ms", "legal_basis", "reason")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ADDRESSEE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_KIND_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    height: int
    index: int
    channel: NotificationChannel
    addressee: str
    application_id: str
    application_kind: str
    event: str
    cadastral_number: str
    transaction_id: str
    time_unix_ms: int
    legal_basis: str
    reason: str
    def __init__(self, height: _Optional[int] = ..., index: _Optional[int] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., addressee: _Optional[str] = ..., application_id: _Optional[str] = ..., application_kind: _Optional[str] = ..., event: _Optional[str] = ..., cadastral_number: _Optional[str] = ..., transaction_id: _Optional[str] = ..., time_unix_ms: _Optional[int] = ..., legal_basis: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetPropertyExtractRequest(_message.Message):
    __slots__ = ("cadastral_number",)
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    cadastral_number: str
    def __init__(self, cadastral_number: _Optional[str] = ...) -> None: ...

class StateProof(_message.Message):
    __slots__ = ("key", "present", "value", "proof")
    KEY_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    present: bool
    value: bytes
    proof: bytes
    def __init__(self, key: _Optional[bytes] = ..., present: _Optional[bool] = ..., value: _Optional[bytes] = ..., proof: _Optional[bytes] = ...) -> None: ...

class PropertyExtract(_message.Message):
    __slots__ = ("cadastral_number", "height", "header", "commit", "property", "active_encumbrance", "validator_changes")
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    PROPERTY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ENCUMBRANCE_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_CHANGES_FIELD_NUMBER: _ClassVar[int]
    cadastral_number: str
    height: int
    header: bytes
    commit: _block_pb2.CommitCertificate
    property: StateProof
    active_encumbrance: StateProof
    validator_changes: _containers.RepeatedCompositeFieldContainer[CommittedValidatorChange]
    def __init__(self, cadastral_number: _Optional[str] = ..., height: _Optional[int] = ..., header: _Optional[bytes] = ..., commit: _Optional[_Union[_block_pb2.CommitCertificate, _Mapping]] = ..., property: _Optional[_Union[StateProof, _Mapping]] = ..., active_encumbrance: _Optional[_Union[StateProof, _Mapping]] = ..., validator_changes: _Optional[_Iterable[_Union[CommittedValidatorChange, _Mapping]]] = ...) -> None: ...

class CommittedValidatorChange(_message.Message):
    __slots__ = ("height", "change")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    height: int
    change: bytes
    def __init__(self, height: _Optional[int] = ..., change: _Optional[bytes] = ...) -> None: ...
