"""Offline only: the node's stored state, state tree, indexes and metadata against the replay.

The stored state records must be exactly the replayed ones (a changed byte is located by its
key); every node of the replayed state tree must be stored, since the node serves proofs from
them; the transaction and block-hash indexes must point where the blocks say; the stored
notifications must be those the decisions emitted; the metadata must name the certified tip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from ledger.audit.anchor import TrustAnchor
from ledger.audit.defects import Defect, DefectKind
from ledger.audit.replay import reachable_tree
from ledger.audit.source import (
    StoredChainMeta,
    StoredLedger,
    TransactionPlace,
    UnreadableRecord,
)
from ledger.chain.blocks import BlockHeader
from ledger.hashing import sha256
from ledger.merkle.smt import MemorySmtStore
from ledger.registry.notifications import Notification, save_notification
from ledger.state.access import APPLICATION_PREFIX, MappingState
from ledger.state.records import ApplicationStatus, load_application


def state_key_text(key: bytes) -> str:
    return key.decode("utf-8", errors="backslashreplace")


def check_block_indexes(
    stored: StoredLedger,
    header: BlockHeader,
    transaction_ids: Sequence[str | None],
) -> list[Defect]:
    height = header.height
    defects = []
    try:
        found_height: int | str | None = stored.height_of_block(header.block_hash)
    except UnreadableRecord as error:
        found_height = f"unreadable ({error})"
    if found_height != height:
        defects.append(
            Defect(
                DefectKind.BLOCK_INDEX_WRONG,
                f"block-hash index entry of {header.block_hash.hex()}",
                height=height,
                field="index.block_hash",
                expected=str(height),
                found=str(found_height),
            )
        )
    for index, transaction_id in enumerate(transaction_ids):
        if transaction_id is None:
            continue  # not an envelope: replay has already named it
        try:
            place: TransactionPlace | str | None = stored.transaction_place(transaction_id)
        except UnreadableRecord as error:
            place = f"unreadable ({error})"
        if place != TransactionPlace(height, index):
            defects.append(
                Defect(
                    DefectKind.TRANSACTION_INDEX_WRONG,
                    "the transaction index must give the block and position of the transaction",
                    height=height,
                    field="index.transaction",
                    transaction_index=index,
                    transaction_id=transaction_id,
                    expected=f"height {height} index {index}",
                    found=_place_text(place),
                )
            )
    return defects


def _place_text(place: TransactionPlace | str | None) -> str:
    if isinstance(place, TransactionPlace):
        return f"height {place.height} index {place.index}"
    return "absent" if place is None else place


def check_unexpected_transactions(
    indexed: Iterable[str], committed: set[str], tip_height: int
) -> list[Defect]:
    return [
        Defect(
            DefectKind.TRANSACTION_INDEX_UNEXPECTED,
            f"indexed as committed, but no block up to {tip_height} carries it",
            field="index.transaction",
            transaction_id=transaction_id,
        )
        for transaction_id in indexed
        if transaction_id not in committed
    ]


def check_notifications(
    stored: StoredLedger, height: int, replayed: Sequence[bytes]
) -> list[Defect]:
    found = stored.notifications(height)
    defects = []
    for index in range(max(len(found), len(replayed))):
        expected = replayed[index] if index < len(replayed) else None
        actual = found[index] if index < len(found) else None
        if expected != actual:
            defects.append(
                Defect(
                    DefectKind.NOTIFICATION_MISMATCH,
                    "the stored notification is not the one the block's decisions emitted",
                    height=height,
                    field=f"notifications[{index}]",
                    expected=_digest(expected),
                    found=_digest(actual),
                )
            )
    return defects


def replayed_notifications(notifications: Iterable[Notification]) -> list[bytes]:
    return [save_notification(n) for n in notifications]


def _digest(value: bytes | None) -> str:
    return "absent" if value is None else "sha256 " + sha256(value).hex()


def compare_state(
    stored: Iterator[tuple[bytes, bytes]], replayed: Iterator[tuple[bytes, bytes]]
) -> tuple[list[Defect], int]:
    """Merge two key-ordered record streams; the defects and the number of keys compared."""
    defects: list[Defect] = []
    compared = 0
    found, expected = next(stored, None), next(replayed, None)
    while found is not None or expected is not None:
        compared += 1
        if expected is None or (found is not None and found[0] < expected[0]):
            if found is None:
                raise RuntimeError("the state merge lost its place")
            defects.append(_record_defect(DefectKind.STATE_RECORD_UNEXPECTED, found[0]))
            found = next(stored, None)
        elif found is None or expected[0] < found[0]:
            defects.append(_record_defect(DefectKind.STATE_RECORD_MISSING, expected[0]))
            expected = next(replayed, None)
        else:
            if found[1] != expected[1]:
                defects.append(
                    _record_defect(
                        DefectKind.STATE_RECORD_CHANGED,
                        found[0],
                        expected=_digest(expected[1]),
                        found=_digest(found[1]),
                    )
                )
            found, expected = next(stored, None), next(replayed, None)
    return defects, compared


def _record_defect(
    kind: DefectKind, key: bytes, expected: str | None = None, found: str | None = None
) -> Defect:
    return Defect(
        kind,
        kind.value,
        field="state",
        state_key=state_key_text(key),
        expected=expected,
        found=found,
    )


def check_state_tree(stored: StoredLedger, tree: MemorySmtStore, root: bytes) -> list[Defect]:
    """Every node under the replayed root must be stored with the same bytes."""
    defects = []
    for node_hash, ours in sorted(reachable_tree(tree, root).nodes.items()):
        theirs = stored.state_tree_node(node_hash)
        if theirs != ours:
            kind = (
                DefectKind.STATE_TREE_NODE_MISSING
                if theirs is None
                else DefectKind.STATE_TREE_NODE_CORRUPT
            )
            defects.append(Defect(kind, f"node {node_hash.hex()}", field="state_tree"))
    return defects


def check_meta(
    meta: StoredChainMeta,
    anchor: TrustAnchor,
    tip: BlockHeader | None,
    tip_hash: bytes | None,
    genesis_root: bytes,
) -> list[Defect]:
    """The recorded tip against the certified tip block (or the genesis state at height 0)."""
    expected: dict[str, object] = {
        "chain_id": anchor.chain_id,
        "genesis_sha256": anchor.genesis_sha256.hex(),
        "genesis_time_unix_ms": anchor.genesis_time_unix_ms,
    }
    if tip is None:
        expected["state_root"] = genesis_root.hex()
        expected["time_unix_ms"] = anchor.genesis_time_unix_ms
    else:
        expected["block_hash"] = (tip_hash or tip.block_hash).hex()
        expected["state_root"] = tip.state_root.hex()
        expected["time_unix_ms"] = tip.time_unix_ms
    found: dict[str, object] = {
        "chain_id": meta.chain_id,
        "genesis_sha256": meta.genesis_sha256.hex(),
        "genesis_time_unix_ms": meta.genesis_time_unix_ms,
        "block_hash": meta.block_hash.hex(),
        "state_root": meta.state_root.hex(),
        "time_unix_ms": meta.time_unix_ms,
    }
    return [
        Defect(
            DefectKind.CHAIN_META_MISMATCH,
            "the node's chain metadata disagrees with the certified chain",
            height=meta.height,
            field=f"meta.{name}",
            expected=str(value),
            found=str(found[name]),
        )
        for name, value in expected.items()
        if found[name] != value
    ]


def check_application_indexes(
    stored: StoredLedger,
    state: MappingState,
    stored_parties: Mapping[str, set[str]] | None = None,
    stored_statuses: Mapping[str, set[str]] | None = None,
) -> list[Defect]:
    """The by-party and by-status indexes against the replayed application records; with the
    whole index as stored (ledger/audit/records.py), also entries under a party or status that
    no application has."""
    by_party: dict[str, set[str]] = {}
    by_status: dict[str, set[str]] = {status.name: set() for status in ApplicationStatus}
    for key, value in state.items():
        if not key.startswith(APPLICATION_PREFIX):
            continue
        application = load_application(value)
        by_status[application.status.name].add(application.application_id)
        for party in application.party_identifiers():
            by_party.setdefault(party, set()).add(application.application_id)
    lookups: dict[str, Callable[[str], list[str]]] = {
        "status": stored.application_ids_by_status,
        "party": stored.application_ids_by_party,
    }
    for name in stored_parties or {}:
        by_party.setdefault(name, set())
    for name in stored_statuses or {}:
        by_status.setdefault(name, set())
    expectations = [("status", name, ids) for name, ids in by_status.items()]
    expectations += [("party", name, ids) for name, ids in sorted(by_party.items())]
    defects = []
    for index_name, indexed_value, expected_ids in expectations:
        found_ids = set(lookups[index_name](indexed_value))
        if found_ids != expected_ids:
            defects.append(
                Defect(
                    DefectKind.APPLICATION_INDEX_WRONG,
                    f"applications indexed under {index_name} {indexed_value}",
                    field=f"index.{index_name}/{indexed_value}",
                    expected=", ".join(sorted(expected_ids)) or "none",
                    found=", ".join(sorted(found_ids)) or "none",
                )
            )
    return defects
