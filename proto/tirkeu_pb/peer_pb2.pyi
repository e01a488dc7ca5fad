from tirkeu_pb import api_pb2 as _api_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VoteKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOTE_KIND_UNSPECIFIED: _ClassVar[VoteKind]
    PREVOTE: _ClassVar[VoteKind]
    PRECOMMIT: _ClassVar[VoteKind]
VOTE_KIND_UNSPECIFIED: VoteKind
PREVOTE: VoteKind
PRECOMMIT: VoteKind

class SignedProposal(_message.Message):
    __slots__ = ("height", "round", "valid_round", "block_hash", "proposer", "signature", "block")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    VALID_ROUND_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    height: int
    round: int
    valid_round: int
    block_hash: bytes
    proposer: str
    signature: bytes
    block: bytes
    def __init__(self, height: _Optional[int] = ..., round: _Optional[int] = ..., valid_round: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., proposer: _Optional[str] = ..., signature: _Optional[bytes] = ..., block: _Optional[bytes] = ...) -> None: ...

class SignedVote(_message.Message):
    __slots__ = ("kind", "height", "round", "block_hash", "validator", "signature")
    KIND_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    kind: VoteKind
    height: int
    round: int
    block_hash: bytes
    validator: str
    signature: bytes
    def __init__(self, kind: _Optional[_Union[VoteKind, str]] = ..., height: _Optional[int] = ..., round: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., validator: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class ConsensusMessage(_message.Message):
    __slots__ = ("proposal", "vote")
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    VOTE_FIELD_NUMBER: _ClassVar[int]
    proposal: SignedProposal
    vote: SignedVote
    def __init__(self, proposal: _Optional[_Union[SignedProposal, _Mapping]] = ..., vote: _Optional[_Union[SignedVote, _Mapping]] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("vote_a", "vote_b")
    VOTE_A_FIELD_NUMBER: _ClassVar[int]
    VOTE_B_FIELD_NUMBER: _ClassVar[int]
    vote_a: SignedVote
    vote_b: SignedVote
    def __init__(self, vote_a: _Optional[_Union[SignedVote, _Mapping]] = ..., vote_b: _Optional[_Union[SignedVote, _Mapping]] = ...) -> None: ...

class SendConsensusResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GossipTransactionsRequest(_message.Message):
    __slots__ = ("envelopes",)
    ENVELOPES_FIELD_NUMBER: _ClassVar[int]
    envelopes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, envelopes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class GossipTransactionsResponse(_message.Message):
    __slots__ = ("admitted",)
    ADMITTED_FIELD_NUMBER: _ClassVar[int]
    admitted: int
    def __init__(self, admitted: _Optional[int] = ...) -> None: ...

class GetPeerStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPeerStatusResponse(_message.Message):
    __slots__ = ("node_id", "role", "height", "block_hash", "state_root")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    role: str
    height: int
    block_hash: bytes
    state_root: bytes
    def __init__(self, node_id: _Optional[str] = ..., role: _Optional[str] = ..., height: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., state_root: _Optional[bytes] = ...) -> None: ...

class GetBlocksRequest(_message.Message):
    __slots__ = ("from_height", "max_blocks")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    MAX_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    max_blocks: int
    def __init__(self, from_height: _Optional[int] = ..., max_blocks: _Optional[int] = ...) -> None: ...

class CertifiedBlock(_message.Message):
    __slots__ = ("block", "certificate")
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    block: bytes
    certificate: bytes
    def __init__(self, block: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class GetBlocksResponse(_message.Message):
    __slots__ = ("blocks",)
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    blocks: _containers.RepeatedCompositeFieldContainer[CertifiedBlock]
    def __init__(self, blocks: _Optional[_Iterable[_Union[CertifiedBlock, _Mapping]]] = ...) -> None: ...

class AnnounceBlockResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PeerBatch(_message.Message):
    __slots__ = ("sequence", "consensus", "announcements", "envelopes")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CONSENSUS_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENTS_FIELD_NUMBER: _ClassVar[int]
    ENVELOPES_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    consensus: _containers.RepeatedCompositeFieldContainer[ConsensusMessage]
    announcements: _containers.RepeatedCompositeFieldContainer[CertifiedBlock]
    envelopes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, sequence: _Optional[int] = ..., consensus: _Optional[_Iterable[_Union[ConsensusMessage, _Mapping]]] = ..., announcements: _Optional[_Iterable[_Union[CertifiedBlock, _Mapping]]] = ..., envelopes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class PeerBatchAck(_message.Message):
    __slots__ = ("sequence", "admitted", "refused", "refusal")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ADMITTED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    admitted: int
    refused: int
    refusal: str
    def __init__(self, sequence: _Optional[int] = ..., admitted: _Optional[int] = ..., refused: _Optional[int] = ..., refusal: _Optional[str] = ...) -> None: ...

class ForwardTransactionsRequest(_message.Message):
    __slots__ = ("envelopes", "wait_for_commit")
    ENVELOPES_FIELD_NUMBER: _ClassVar[int]
    WAIT_FOR_COMMIT_FIELD_NUMBER: _ClassVar[int]
    envelopes: _containers.RepeatedScalarFieldContainer[bytes]
    wait_for_commit: bool
    def __init__(self, envelopes: _Optional[_Iterable[bytes]] = ..., wait_for_commit: _Optional[bool] = ...) -> None: ...

class ForwardTransactionsResponse(_message.Message):
    __slots__ = ("answers",)
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    answers: _containers.RepeatedCompositeFieldContainer[_api_pb2.SubmitTransactionResponse]
    def __init__(self, answers: _Optional[_Iterable[_Union[_api_pb2.SubmitTransactionResponse, _Mapping]]] = ...) -> None: ...
