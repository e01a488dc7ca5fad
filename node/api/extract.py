"""Server side of GetPropertyExtract: a registry extract built from one store snapshot.

The extract is taken at the latest committed height H: the header of block H (whose state root
is the state after the block, ADR 0002), the stored commit certificate of that block, and for
the property record and the active-encumbrance record of the cadastral number, the stored bytes
(or their absence) with a sparse-Merkle proof against the header's state root. Reading from one
snapshot (``Store.view``) keeps header, certificate and records of one height even while a block
commits. Wired in node/api/service.py; verified by ledger/extract/extract.py.
"""

from __future__ import annotations

from tirkeu_pb import api_pb2

from ledger.chain.store import StoreInvariantError, StoreReader
from ledger.governance.schedule import read_committed_changes
from ledger.hashing import sha256
from ledger.merkle.smt import get_value_hash, prove
from ledger.merkle.smt_proof import proof_to_bytes
from ledger.state.access import active_encumbrance_key, property_key


class ExtractUnavailable(Exception):
    """No block is committed yet: there is no certified state root to prove against."""


def build_property_extract(reader: StoreReader, cadastral_number: str) -> api_pb2.PropertyExtract:
    """The extract of ``cadastral_number`` at the latest committed height of ``reader`` (a
    snapshot). Raises ExtractUnavailable before the first block, StoreInvariantError when the
    stored records or tree do not match the certified root (the node must not serve it)."""
    meta = reader.load_meta()
    if meta is None or meta.height == 0:
        raise ExtractUnavailable("no block is committed yet")
    block = reader.load_block(meta.height)
    certificate = reader.load_commit(meta.height)
    if block is None or certificate is None:
        raise StoreInvariantError(f"block {meta.height} or its commit certificate is missing")
    header = block.header
    if header.block_hash != meta.block_hash or certificate.block_hash != header.block_hash:
        raise StoreInvariantError(f"block {meta.height} is not the recorded tip")
    return api_pb2.PropertyExtract(
        cadastral_number=cadastral_number,
        height=header.height,
        header=header.encode(),
        commit=certificate.to_message(),
        property=_state_proof(reader, header.state_root, property_key(cadastral_number)),
        active_encumbrance=_state_proof(
            reader, header.state_root, active_encumbrance_key(cadastral_number)
        ),
        # The path from the genesis set to the set that certified this header (ADR 0011).
        validator_changes=[
            api_pb2.CommittedValidatorChange(height=record.height, change=record.change)
            for record in read_committed_changes(reader.state)
        ],
    )


def _state_proof(reader: StoreReader, state_root: bytes, key: bytes) -> api_pb2.StateProof:
    value = reader.state.get(key)
    proven_hash = get_value_hash(reader.smt_nodes, state_root, key)
    # The record served must be the one the root commits to; a mismatch is a damaged store.
    if (None if value is None else sha256(value)) != proven_hash:
        raise StoreInvariantError(f"state record {key!r} does not match the state tree")
    proof = prove(reader.smt_nodes, state_root, key)
    return api_pb2.StateProof(
        key=key, present=value is not None, value=value or b"", proof=proof_to_bytes(proof)
    )
