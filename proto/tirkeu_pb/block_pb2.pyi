from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BlockHeader(_message.Message):
    __slots__ = ("chain_id", "height", "time_unix_ms", "previous_block_hash", "transactions_root", "state_root", "validator_set_hash", "proposer", "last_commit_hash", "transaction_count", "evidence_hash", "rules_version")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_ROOT_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_SET_HASH_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    LAST_COMMIT_HASH_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_HASH_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    time_unix_ms: int
    previous_block_hash: bytes
    transactions_root: bytes
    state_root: bytes
    validator_set_hash: bytes
    proposer: str
    last_commit_hash: bytes
    transaction_count: int
    evidence_hash: bytes
    rules_version: int
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., time_unix_ms: _Optional[int] = ..., previous_block_hash: _Optional[bytes] = ..., transactions_root: _Optional[bytes] = ..., state_root: _Optional[bytes] = ..., validator_set_hash: _Optional[bytes] = ..., proposer: _Optional[str] = ..., last_commit_hash: _Optional[bytes] = ..., transaction_count: _Optional[int] = ..., evidence_hash: _Optional[bytes] = ..., rules_version: _Optional[int] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("header", "transactions", "last_commit", "evidence")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_COMMIT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    header: bytes
    transactions: _containers.RepeatedScalarFieldContainer[bytes]
    last_commit: CommitCertificate
    evidence: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, header: _Optional[bytes] = ..., transactions: _Optional[_Iterable[bytes]] = ..., last_commit: _Optional[_Union[CommitCertificate, _Mapping]] = ..., evidence: _Optional[_Iterable[bytes]] = ...) -> None: ...

class CommitSignature(_message.Message):
    __slots__ = ("validator_id", "signature")
    VALIDATOR_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    validator_id: str
    signature: bytes
    def __init__(self, validator_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CommitCertificate(_message.Message):
    __slots__ = ("height", "round", "block_hash", "signatures")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    height: int
    round: int
    block_hash: bytes
    signatures: _containers.RepeatedCompositeFieldContainer[CommitSignature]
    def __init__(self, height: _Optional[int] = ..., round: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., signatures: _Optional[_Iterable[_Union[CommitSignature, _Mapping]]] = ...) -> None: ...
