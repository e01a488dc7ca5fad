from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PropertyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROPERTY_KIND_UNSPECIFIED: _ClassVar[PropertyKind]
    APARTMENT: _ClassVar[PropertyKind]
    HOUSE: _ClassVar[PropertyKind]

class MaritalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MARITAL_STATUS_UNSPECIFIED: _ClassVar[MaritalStatus]
    NOT_MARRIED: _ClassVar[MaritalStatus]
    MARRIED: _ClassVar[MaritalStatus]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    KTK_REPRESENTATIVE: _ClassVar[ParticipantRole]
    RECIPIENT: _ClassVar[ParticipantRole]
    SPOUSE: _ClassVar[ParticipantRole]
    GUARANTOR: _ClassVar[ParticipantRole]

class CheckKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHECK_KIND_UNSPECIFIED: _ClassVar[CheckKind]
    FEE_PAID: _ClassVar[CheckKind]
    SPOUSES_PARTICIPATE: _ClassVar[CheckKind]
    SIGNATURES_AND_IDENTIFIERS: _ClassVar[CheckKind]
    NO_PRECLUDING_ENCUMBRANCE: _ClassVar[CheckKind]
    NOT_ON_TERRORISM_FINANCING_LIST: _ClassVar[CheckKind]

class SourceDatabase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOURCE_DATABASE_UNSPECIFIED: _ClassVar[SourceDatabase]
    INDIVIDUALS_DATABASE: _ClassVar[SourceDatabase]
    LEGAL_ENTITIES_DATABASE: _ClassVar[SourceDatabase]
    CIVIL_STATUS_REGISTRY: _ClassVar[SourceDatabase]
    REAL_ESTATE_CADASTRE: _ClassVar[SourceDatabase]
    TERRORISM_FINANCING_LIST: _ClassVar[SourceDatabase]
    PAYMENT_SYSTEM: _ClassVar[SourceDatabase]

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    REGISTER: _ClassVar[Decision]
    SUSPEND: _ClassVar[Decision]
    RESUME: _ClassVar[Decision]
    REFUSE: _ClassVar[Decision]

class ValidatorChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALIDATOR_CHANGE_KIND_UNSPECIFIED: _ClassVar[ValidatorChangeKind]
    ADD_VALIDATOR: _ClassVar[ValidatorChangeKind]
    REMOVE_VALIDATOR: _ClassVar[ValidatorChangeKind]
    REWEIGHT_VALIDATOR: _ClassVar[ValidatorChangeKind]
    ROTATE_VALIDATOR_KEY: _ClassVar[ValidatorChangeKind]
PROPERTY_KIND_UNSPECIFIED: PropertyKind
APARTMENT: PropertyKind
HOUSE: PropertyKind
MARITAL_STATUS_UNSPECIFIED: MaritalStatus
NOT_MARRIED: MaritalStatus
MARRIED: MaritalStatus
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
KTK_REPRESENTATIVE: ParticipantRole
RECIPIENT: ParticipantRole
SPOUSE: ParticipantRole
GUARANTOR: ParticipantRole
CHECK_KIND_UNSPECIFIED: CheckKind
FEE_PAID: CheckKind
SPOUSES_PARTICIPATE: CheckKind
SIGNATURES_AND_IDENTIFIERS: CheckKind
NO_PRECLUDING_ENCUMBRANCE: CheckKind
NOT_ON_TERRORISM_FINANCING_LIST: CheckKind
SOURCE_DATABASE_UNSPECIFIED: SourceDatabase
INDIVIDUALS_DATABASE: SourceDatabase
LEGAL_ENTITIES_DATABASE: SourceDatabase
CIVIL_STATUS_REGISTRY: SourceDatabase
REAL_ESTATE_CADASTRE: SourceDatabase
TERRORISM_FINANCING_LIST: SourceDatabase
PAYMENT_SYSTEM: SourceDatabase
DECISION_UNSPECIFIED: Decision
REGISTER: Decision
SUSPEND: Decision
RESUME: Decision
REFUSE: Decision
VALIDATOR_CHANGE_KIND_UNSPECIFIED: ValidatorChangeKind
ADD_VALIDATOR: ValidatorChangeKind
REMOVE_VALIDATOR: ValidatorChangeKind
REWEIGHT_VALIDATOR: ValidatorChangeKind
ROTATE_VALIDATOR_KEY: ValidatorChangeKind

class Envelope(_message.Message):
    __slots__ = ("body", "signatures")
    BODY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    signatures: _containers.RepeatedCompositeFieldContainer[Signature]
    def __init__(self, body: _Optional[bytes] = ..., signatures: _Optional[_Iterable[_Union[Signature, _Mapping]]] = ...) -> None: ...

class Signature(_message.Message):
    __slots__ = ("certificate", "signature")
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    certificate: bytes
    signature: bytes
    def __init__(self, certificate: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class TransactionBody(_message.Message):
    __slots__ = ("chain_id", "expiry_height", "nonce", "property_import", "lease_application", "registrar_attestation", "registrar_decision", "termination_ownership_application", "revocation_list_update", "application_sending", "videoconference_attestation", "validator_set_change", "rules_upgrade")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    PROPERTY_IMPORT_FIELD_NUMBER: _ClassVar[int]
    LEASE_APPLICATION_FIELD_NUMBER: _ClassVar[int]
    REGISTRAR_ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    REGISTRAR_DECISION_FIELD_NUMBER: _ClassVar[int]
    TERMINATION_OWNERSHIP_APPLICATION_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_LIST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_SENDING_FIELD_NUMBER: _ClassVar[int]
    VIDEOCONFERENCE_ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_SET_CHANGE_FIELD_NUMBER: _ClassVar[int]
    RULES_UPGRADE_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    expiry_height: int
    nonce: bytes
    property_import: PropertyImport
    lease_application: LeaseApplication
    registrar_attestation: RegistrarAttestation
    registrar_decision: RegistrarDecision
    termination_ownership_application: TerminationOwnershipApplication
    revocation_list_update: RevocationListUpdate
    application_sending: ApplicationSending
    videoconference_attestation: VideoconferenceAttestation
    validator_set_change: ValidatorSetChange
    rules_upgrade: RulesUpgrade
    def __init__(self, chain_id: _Optional[str] = ..., expiry_height: _Optional[int] = ..., nonce: _Optional[bytes] = ..., property_import: _Optional[_Union[PropertyImport, _Mapping]] = ..., lease_application: _Optional[_Union[LeaseApplication, _Mapping]] = ..., registrar_attestation: _Optional[_Union[RegistrarAttestation, _Mapping]] = ..., registrar_decision: _Optional[_Union[RegistrarDecision, _Mapping]] = ..., termination_ownership_application: _Optional[_Union[TerminationOwnershipApplication, _Mapping]] = ..., revocation_list_update: _Optional[_Union[RevocationListUpdate, _Mapping]] = ..., application_sending: _Optional[_Union[ApplicationSending, _Mapping]] = ..., videoconference_attestation: _Optional[_Union[VideoconferenceAttestation, _Mapping]] = ..., validator_set_change: _Optional[_Union[ValidatorSetChange, _Mapping]] = ..., rules_upgrade: _Optional[_Union[RulesUpgrade, _Mapping]] = ...) -> None: ...

class SignedDocument(_message.Message):
    __slots__ = ("sha256", "cms", "title", "streebog256", "streebog512")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CMS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    STREEBOG256_FIELD_NUMBER: _ClassVar[int]
    STREEBOG512_FIELD_NUMBER: _ClassVar[int]
    sha256: bytes
    cms: bytes
    title: str
    streebog256: bytes
    streebog512: bytes
    def __init__(self, sha256: _Optional[bytes] = ..., cms: _Optional[bytes] = ..., title: _Optional[str] = ..., streebog256: _Optional[bytes] = ..., streebog512: _Optional[bytes] = ...) -> None: ...

class PaymentDocument(_message.Message):
    __slots__ = ("sha256", "amount_tiyn", "payment_reference", "payer_iin", "paid_at_unix_ms")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_TIYN_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAYER_IIN_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    sha256: bytes
    amount_tiyn: int
    payment_reference: str
    payer_iin: str
    paid_at_unix_ms: int
    def __init__(self, sha256: _Optional[bytes] = ..., amount_tiyn: _Optional[int] = ..., payment_reference: _Optional[str] = ..., payer_iin: _Optional[str] = ..., paid_at_unix_ms: _Optional[int] = ...) -> None: ...

class PropertyImport(_message.Message):
    __slots__ = ("cadastral_number", "address", "kind", "area_square_metres", "holder_bin")
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AREA_SQUARE_METRES_FIELD_NUMBER: _ClassVar[int]
    HOLDER_BIN_FIELD_NUMBER: _ClassVar[int]
    cadastral_number: str
    address: str
    kind: PropertyKind
    area_square_metres: str
    holder_bin: str
    def __init__(self, cadastral_number: _Optional[str] = ..., address: _Optional[str] = ..., kind: _Optional[_Union[PropertyKind, str]] = ..., area_square_metres: _Optional[str] = ..., holder_bin: _Optional[str] = ...) -> None: ...

class Guarantor(_message.Message):
    __slots__ = ("iin", "bin")
    IIN_FIELD_NUMBER: _ClassVar[int]
    BIN_FIELD_NUMBER: _ClassVar[int]
    iin: str
    bin: str
    def __init__(self, iin: _Optional[str] = ..., bin: _Optional[str] = ...) -> None: ...

class LeaseApplication(_message.Message):
    __slots__ = ("cadastral_number", "recipient_iin", "recipient_marital_status", "spouse_iin", "guarantors", "contract", "personal_data_consent", "representations")
    CADASTRAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IIN_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_MARITAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    SPOUSE_IIN_FIELD_NUMBER: _ClassVar[int]
    GUARANTORS_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_DATA_CONSENT_FIELD_NUMBER: _ClassVar[int]
    REPRESENTATIONS_FIELD_NUMBER: _ClassVar[int]
    cadastral_number: str
    recipient_iin: str
    recipient_marital_status: MaritalStatus
    spouse_iin: str
    guarantors: _containers.RepeatedCompositeFieldContainer[Guarantor]
    contract: SignedDocument
    personal_data_consent: SignedDocument
    representations: _containers.RepeatedCompositeFieldContainer[Representation]
    def __init__(self, cadastral_number: _Optional[str] = ..., recipient_iin: _Optional[str] = ..., recipient_marital_status: _Optional[_Union[MaritalStatus, str]] = ..., spouse_iin: _Optional[str] = ..., guarantors: _Optional[_Iterable[_Union[Guarantor, _Mapping]]] = ..., contract: _Optional[_Union[SignedDocument, _Mapping]] = ..., personal_data_consent: _Optional[_Union[SignedDocument, _Mapping]] = ..., representations: _Optional[_Iterable[_Union[Representation, _Mapping]]] = ...) -> None: ...

class ApplicationSending(_message.Message):
    __slots__ = ("application_id", "payment")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    payment: PaymentDocument
    def __init__(self, application_id: _Optional[str] = ..., payment: _Optional[_Union[PaymentDocument, _Mapping]] = ...) -> None: ...

class VideoconferenceParticipant(_message.Message):
    __slots__ = ("iin", "role", "on_behalf_of_iin")
    IIN_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_IIN_FIELD_NUMBER: _ClassVar[int]
    iin: str
    role: ParticipantRole
    on_behalf_of_iin: str
    def __init__(self, iin: _Optional[str] = ..., role: _Optional[_Union[ParticipantRole, str]] = ..., on_behalf_of_iin: _Optional[str] = ...) -> None: ...

class Representation(_message.Message):
    __slots__ = ("principal_iin", "representative_iin", "power_of_attorney", "legal_representative")
    PRINCIPAL_IIN_FIELD_NUMBER: _ClassVar[int]
    REPRESENTATIVE_IIN_FIELD_NUMBER: _ClassVar[int]
    POWER_OF_ATTORNEY_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    principal_iin: str
    representative_iin: str
    power_of_attorney: SignedDocument
    legal_representative: bool
    def __init__(self, principal_iin: _Optional[str] = ..., representative_iin: _Optional[str] = ..., power_of_attorney: _Optional[_Union[SignedDocument, _Mapping]] = ..., legal_representative: _Optional[bool] = ...) -> None: ...

class Videoconference(_message.Message):
    __slots__ = ("held_at_unix_ms", "participants", "signatures_authentic", "legal_capacity_confirmed", "will_conforms_to_expression")
    HELD_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_AUTHENTIC_FIELD_NUMBER: _ClassVar[int]
    LEGAL_CAPACITY_CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    WILL_CONFORMS_TO_EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    held_at_unix_ms: int
    participants: _containers.RepeatedCompositeFieldContainer[VideoconferenceParticipant]
    signatures_authentic: bool
    legal_capacity_confirmed: bool
    will_conforms_to_expression: bool
    def __init__(self, held_at_unix_ms: _Optional[int] = ..., participants: _Optional[_Iterable[_Union[VideoconferenceParticipant, _Mapping]]] = ..., signatures_authentic: _Optional[bool] = ..., legal_capacity_confirmed: _Optional[bool] = ..., will_conforms_to_expression: _Optional[bool] = ...) -> None: ...

class Check(_message.Message):
    __slots__ = ("kind", "source", "passed", "detail", "queried_at_unix_ms")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    QUERIED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    kind: CheckKind
    source: SourceDatabase
    passed: bool
    detail: str
    queried_at_unix_ms: int
    def __init__(self, kind: _Optional[_Union[CheckKind, str]] = ..., source: _Optional[_Union[SourceDatabase, str]] = ..., passed: _Optional[bool] = ..., detail: _Optional[str] = ..., queried_at_unix_ms: _Optional[int] = ...) -> None: ...

class CivilStatus(_message.Message):
    __slots__ = ("married", "spouse_iin")
    MARRIED_FIELD_NUMBER: _ClassVar[int]
    SPOUSE_IIN_FIELD_NUMBER: _ClassVar[int]
    married: bool
    spouse_iin: str
    def __init__(self, married: _Optional[bool] = ..., spouse_iin: _Optional[str] = ...) -> None: ...

class RegistrarAttestation(_message.Message):
    __slots__ = ("application_id", "videoconference", "checks", "recipient_civil_status")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEOCONFERENCE_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_CIVIL_STATUS_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    videoconference: Videoconference
    checks: _containers.RepeatedCompositeFieldContainer[Check]
    recipient_civil_status: CivilStatus
    def __init__(self, application_id: _Optional[str] = ..., videoconference: _Optional[_Union[Videoconference, _Mapping]] = ..., checks: _Optional[_Iterable[_Union[Check, _Mapping]]] = ..., recipient_civil_status: _Optional[_Union[CivilStatus, _Mapping]] = ...) -> None: ...

class VideoconferenceAttestation(_message.Message):
    __slots__ = ("application_id", "videoconference")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEOCONFERENCE_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    videoconference: Videoconference
    def __init__(self, application_id: _Optional[str] = ..., videoconference: _Optional[_Union[Videoconference, _Mapping]] = ...) -> None: ...

class LegalGround(_message.Message):
    __slots__ = ("law", "article", "paragraph", "subparagraph")
    LAW_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    PARAGRAPH_FIELD_NUMBER: _ClassVar[int]
    SUBPARAGRAPH_FIELD_NUMBER: _ClassVar[int]
    law: str
    article: int
    paragraph: str
    subparagraph: str
    def __init__(self, law: _Optional[str] = ..., article: _Optional[int] = ..., paragraph: _Optional[str] = ..., subparagraph: _Optional[str] = ...) -> None: ...

class RegistrarDecision(_message.Message):
    __slots__ = ("application_id", "decision", "ground", "reason")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    GROUND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    decision: Decision
    ground: LegalGround
    reason: str
    def __init__(self, application_id: _Optional[str] = ..., decision: _Optional[_Union[Decision, str]] = ..., ground: _Optional[_Union[LegalGround, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class TerminationOwnershipApplication(_message.Message):
    __slots__ = ("lease_application_id", "ktk_letter", "transfer_agreement", "new_holder_iin", "personal_data_consent", "recipient_marital_status", "spouse_iin", "representations")
    LEASE_APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    KTK_LETTER_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    NEW_HOLDER_IIN_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_DATA_CONSENT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_MARITAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    SPOUSE_IIN_FIELD_NUMBER: _ClassVar[int]
    REPRESENTATIONS_FIELD_NUMBER: _ClassVar[int]
    lease_application_id: str
    ktk_letter: SignedDocument
    transfer_agreement: SignedDocument
    new_holder_iin: str
    personal_data_consent: SignedDocument
    recipient_marital_status: MaritalStatus
    spouse_iin: str
    representations: _containers.RepeatedCompositeFieldContainer[Representation]
    def __init__(self, lease_application_id: _Optional[str] = ..., ktk_letter: _Optional[_Union[SignedDocument, _Mapping]] = ..., transfer_agreement: _Optional[_Union[SignedDocument, _Mapping]] = ..., new_holder_iin: _Optional[str] = ..., personal_data_consent: _Optional[_Union[SignedDocument, _Mapping]] = ..., recipient_marital_status: _Optional[_Union[MaritalStatus, str]] = ..., spouse_iin: _Optional[str] = ..., representations: _Optional[_Iterable[_Union[Representation, _Mapping]]] = ...) -> None: ...

class RevocationListUpdate(_message.Message):
    __slots__ = ("crl", "ocsp_responses")
    CRL_FIELD_NUMBER: _ClassVar[int]
    OCSP_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    crl: bytes
    ocsp_responses: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, crl: _Optional[bytes] = ..., ocsp_responses: _Optional[_Iterable[bytes]] = ...) -> None: ...

class ValidatorApproval(_message.Message):
    __slots__ = ("validator_id", "signature")
    VALIDATOR_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    validator_id: str
    signature: bytes
    def __init__(self, validator_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class ValidatorSetChange(_message.Message):
    __slots__ = ("kind", "validator_id", "certificate", "power", "sequence", "approvals")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    POWER_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    kind: ValidatorChangeKind
    validator_id: str
    certificate: bytes
    power: int
    sequence: int
    approvals: _containers.RepeatedCompositeFieldContainer[ValidatorApproval]
    def __init__(self, kind: _Optional[_Union[ValidatorChangeKind, str]] = ..., validator_id: _Optional[str] = ..., certificate: _Optional[bytes] = ..., power: _Optional[int] = ..., sequence: _Optional[int] = ..., approvals: _Optional[_Iterable[_Union[ValidatorApproval, _Mapping]]] = ...) -> None: ...

class RulesUpgrade(_message.Message):
    __slots__ = ("rules_version", "activation_height", "authority", "pilot_in_force_until", "sequence", "approvals")
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    PILOT_IN_FORCE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    rules_version: int
    activation_height: int
    authority: str
    pilot_in_force_until: str
    sequence: int
    approvals: _containers.RepeatedCompositeFieldContainer[ValidatorApproval]
    def __init__(self, rules_version: _Optional[int] = ..., activation_height: _Optional[int] = ..., authority: _Optional[str] = ..., pilot_in_force_until: _Optional[str] = ..., sequence: _Optional[int] = ..., approvals: _Optional[_Iterable[_Union[ValidatorApproval, _Mapping]]] = ...) -> None: ...
