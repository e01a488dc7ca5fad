"""The audit of a whole chain, genesis to tip: ``audit_chain``.

For each height, in order (docs/adr/0003-audit-replay.md):

1. the block and its stored commit certificate are read and decoded;
2. the height's CERTIFIED hash is established from the stored certificate and from the last
   commit the next block carries, each checked against the validators in force at the height:
   genesis's, then each set change's, followed through its approvals like a light client
   (ledger/audit/validator_history.py, ADR 0011);
3. the block must be the certified one, at its own height, linked to the certified previous
   hash, with contents that match its header (a transaction that is not in the certified block
   is located), within the chain's block size limits;
4. the registry rules are replayed on the certified transactions and the state root compared;
5. offline, the node's indexes and notifications are compared with the blocks and the replay.

At the tip, offline, every key of the database is read once (LevelDB damage, signing records,
keys no node writes, blocks above the tip), and the stored state records, state tree,
application indexes and metadata are compared with the replayed state. Nothing stops at the
first defect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.audit.anchor import TrustAnchor, genesis_state
from ledger.audit.commits import CommitCheck, CommitPlace, check_commit, decode_stored_commit
from ledger.audit.defects import AuditReport, Defect, DefectKind
from ledger.audit.prefetch import BlockVerdicts
from ledger.audit.records import scan_records
from ledger.audit.replay import ReplayedBlock, StateReplay
from ledger.audit.source import ChainSource, SourceUnusable, StoredLedger, UnreadableRecord
from ledger.audit.stored import (
    check_application_indexes,
    check_block_indexes,
    check_meta,
    check_notifications,
    check_state_tree,
    check_unexpected_transactions,
    compare_state,
    replayed_notifications,
)
from ledger.audit.structure import check_contents, check_limits, check_link, decode_stored_block
from ledger.audit.validator_history import ValidatorHistory
from ledger.chain.blocks import GENESIS_PREVIOUS_BLOCK_HASH, Block, BlockHeader, CommitCertificate
from ledger.governance.rules import rules_version_at
from ledger.transactions.envelope import transaction_id_of

ProgressCallback = Callable[[int, int], None]  # (height just verified, tip height)
# The pure verdicts of a height's block computed elsewhere (ledger/audit/prefetch.py), or None.
Prefetched = Callable[[int], BlockVerdicts | None]


@dataclass(slots=True)
class _Stored:
    """One height as the source holds it, decoded once."""

    height: int
    block: Block | None
    commit: CommitCertificate | None
    load_defects: list[Defect]

    @property
    def in_place(self) -> bool:
        return self.block is not None and self.block.header.height == self.height


def _load(source: ChainSource, height: int) -> _Stored:
    block, block_defects = _load_block(source, height)
    commit, commit_defects = _load_commit(source, height)
    return _Stored(height, block, commit, block_defects + commit_defects)


def _load_block(source: ChainSource, height: int) -> tuple[Block | None, list[Defect]]:
    try:
        raw = source.block_bytes(height)
    except UnreadableRecord as error:
        return None, [Defect(DefectKind.BLOCK_MALFORMED, str(error), height=height, field="block")]
    if raw is None:
        return None, [Defect(DefectKind.BLOCK_MISSING, "no block", height=height, field="block")]
    return decode_stored_block(raw, height)


def _load_commit(source: ChainSource, height: int) -> tuple[CommitCertificate | None, list[Defect]]:
    place = CommitPlace(height, "commit")
    try:
        raw = source.commit_bytes(height)
    except UnreadableRecord as error:
        return None, [Defect(DefectKind.COMMIT_MALFORMED, str(error), height, place.field)]
    if raw is None:
        return None, [Defect(DefectKind.COMMIT_MISSING, "no certificate", height, place.field)]
    decoded = decode_stored_commit(raw, place)
    return (None, [decoded]) if isinstance(decoded, Defect) else (decoded, [])


@dataclass(slots=True)
class _Previous:
    """What height h - 1 left for height h to link to."""

    block_hash: bytes | None
    time_unix_ms: int | None


@dataclass(slots=True)
class _ChainAudit:
    source: ChainSource
    anchor: TrustAnchor
    stored: StoredLedger | None
    report: AuditReport
    replay: StateReplay
    tip: int
    history: ValidatorHistory
    window: dict[int, _Stored] = field(default_factory=dict)
    committed_ids: set[str] = field(default_factory=set)
    all_blocks_known: bool = True
    tip_header: BlockHeader | None = None
    tip_hash: bytes | None = None

    def at(self, height: int) -> _Stored:
        if height not in self.window:
            self.window[height] = _load(self.source, height)
        return self.window[height]

    def add(self, defects: list[Defect] | tuple[Defect, ...]) -> None:
        self.report.defects.extend(defects)

    def verify_height(self, height: int, previous: _Previous) -> _Previous:
        current = self.at(height)
        self.add(current.load_defects)
        certified_hash = self.certified_hash(height)
        block = current.block
        if block is None:
            self.all_blocks_known = False
            self.replay.stop(f"block {height} is missing or unreadable")
            return _Previous(certified_hash, None)
        if not current.in_place:
            self.all_blocks_known = False
            self.add([_misplaced(height, block.header)])
            self.replay.stop(f"the block stored at {height} is block {block.header.height}")
            return _Previous(certified_hash, None)
        header = block.header
        trusted = certified_hash is None or certified_hash == header.block_hash
        if not trusted and certified_hash is not None:
            self.add([_not_certified(header, certified_hash)])
        validators = self.history.validators_at(height)
        # The rules version in force comes from the replayed state (ADR 0012).
        rules_version = rules_version_at(self.replay.state, height)
        self.add(
            check_link(
                header,
                self.anchor,
                validators,
                previous.block_hash,
                previous.time_unix_ms,
                rules_version=rules_version,
            )
        )
        contents = check_contents(block)
        self.add(contents.defects)
        certified = contents.certified_transactions
        self.add(check_limits(block, certified, self.anchor.genesis.limits))
        authentic = trusted and certified is not None
        # Transactions that are not the certified ones are still executed, to name the one
        # that fails; the state does not advance on them.
        self.replay_block(header, block.transactions if certified is None else certified, authentic)
        if authentic and certified is not None:
            self.check_indexes(header, certified)
            self.add(self.history.follow_block(height, certified))
        else:
            self.all_blocks_known = False
            if self.history.carries_change(block.transactions):
                # The certified change cannot be read from this block: later heights are judged
                # with the sets known before it, and their defects may follow from this one.
                self.report.not_verified.append(
                    f"validator sets after height {height} are not established: the block's "
                    "stored transactions are not the certified ones and carry a set change"
                )
        if height == self.tip:
            self.tip_header, self.tip_hash = header, certified_hash
        return _Previous(certified_hash or header.block_hash, header.time_unix_ms)

    def certified_hash(self, height: int) -> bytes | None:
        """The hash the valid certificates of ``height`` agree on (None: none, or a conflict)."""
        current = self.at(height)
        hashes: dict[bytes, str] = {}
        validators = self.history.validators_at(height)
        chain_id = self.anchor.chain_id
        if current.commit is not None:
            place = CommitPlace(height, "commit")
            check = check_commit(current.commit, chain_id, validators, height, place)
            self.note_check(check, hashes, f"the stored commit of {height}")
        following = self.at(height + 1) if height < self.tip else None
        if following is not None and following.in_place and following.block is not None:
            last_commit = following.block.last_commit
            if last_commit is not None:
                place = CommitPlace(height + 1, "last_commit")
                check = check_commit(last_commit, chain_id, validators, height, place)
                self.note_check(check, hashes, f"the last commit of {height + 1}")
        if len(hashes) > 1:
            (first, first_from), (second, second_from) = list(hashes.items())[:2]
            self.add([_conflict(height, first, first_from, second, second_from)])
            self.replay.stop(f"two different blocks are certified at height {height}")
            self.all_blocks_known = False
            return None
        return next(iter(hashes), None)

    def note_check(self, check: CommitCheck, hashes: dict[bytes, str], origin: str) -> None:
        self.report.counts.commit_certificates += 1
        self.add(check.defects)
        if check.certified_hash is not None:
            hashes.setdefault(check.certified_hash, origin)

    def replay_block(
        self, header: BlockHeader, transactions: tuple[bytes, ...], authentic: bool
    ) -> None:
        if not self.replay.running:
            return
        replayed, defects = self.replay.replay(header, transactions, authentic=authentic)
        self.add(defects)
        if replayed is None:
            return
        self.report.counts.transactions_replayed += len(transactions)
        if self.stored is not None:
            self.add(self.stored_checks(replayed))

    def stored_checks(self, replayed: ReplayedBlock) -> list[Defect]:
        if self.stored is None:
            return []
        notifications = replayed_notifications(replayed.execution.notifications)
        try:
            return check_notifications(self.stored, replayed.height, notifications)
        except UnreadableRecord as error:
            return [_unreadable(f"notifications of {replayed.height}", error, replayed.height)]

    def check_indexes(self, header: BlockHeader, transactions: tuple[bytes, ...]) -> None:
        ids = [transaction_id_of(envelope) for envelope in transactions]
        self.committed_ids.update(i for i in ids if i is not None)
        if self.stored is not None:
            self.add(check_block_indexes(self.stored, header, ids))


def audit_chain(
    source: ChainSource,
    anchor: TrustAnchor,
    *,
    stored: StoredLedger | None = None,
    progress: ProgressCallback | None = None,
    prefetched: Prefetched | None = None,
) -> AuditReport:
    """Verify the chain of ``source`` from genesis to its tip against ``anchor`` alone.

    ``stored`` (offline only) adds the comparison of the node's own state and indexes.
    ``prefetched`` gives each height's pure verdicts computed by other processes; the report
    is the same with or without it.
    Raises SourceUnusable when the source holds another chain or none."""
    chain_id = source.chain_id()
    if chain_id != anchor.chain_id:
        raise SourceUnusable(
            f"the source holds chain {chain_id!r}; the genesis file is for {anchor.chain_id!r}"
        )
    tip = source.tip_height()
    report = AuditReport(source.description, anchor.chain_id, anchor.genesis_sha256.hex(), tip)
    history = ValidatorHistory(anchor)
    audit = _ChainAudit(source, anchor, stored, report, StateReplay(anchor), tip, history)
    previous = _Previous(GENESIS_PREVIOUS_BLOCK_HASH, anchor.genesis_time_unix_ms)
    for height in range(1, tip + 1):
        ahead = prefetched(height) if prefetched is not None else None
        if ahead is not None:
            ahead.supply()
        try:
            previous = audit.verify_height(height, previous)
        finally:
            BlockVerdicts.forget()
        report.counts.blocks += 1
        for old in [h for h in audit.window if h < height]:
            del audit.window[old]
        if progress is not None:
            progress(height, tip)
    _finish(audit)
    return report


def _finish(audit: _ChainAudit) -> None:
    report, replay = audit.report, audit.replay
    report.replayed_to_height = replay.height
    report.state_root = replay.state_root.hex()
    if replay.stopped_reason is not None:
        report.not_verified.append(
            f"state replay stopped at height {replay.height + 1} ({replay.stopped_reason}): "
            f"state roots above {replay.height} were not recomputed"
        )
    if audit.stored is not None:
        _finish_stored(audit, audit.stored)


def _finish_stored(audit: _ChainAudit, stored: StoredLedger) -> None:
    report, replay, tip = audit.report, audit.replay, audit.tip
    # Every key once, also those the replay never asks for (ledger/audit/records.py).
    scan = scan_records(stored.records(), tip)
    audit.add(scan.defects)
    if not scan.complete:
        report.not_verified.append(
            f"LevelDB could not read the database past its damage: {scan.keys_read} keys read"
        )
    meta = stored.meta()
    if meta is None:
        raise SourceUnusable("the data directory holds no chain metadata")
    genesis_root = genesis_state(audit.anchor).state_root
    audit.add(check_meta(meta, audit.anchor, audit.tip_header, audit.tip_hash, genesis_root))
    indexed = stored.indexed_transaction_ids()
    if indexed is not None and audit.all_blocks_known and scan.complete:
        audit.add(check_unexpected_transactions(list(indexed), audit.committed_ids, tip))
    if not replay.running or replay.height != tip or not scan.complete:
        report.not_verified.append(
            "the stored state records, state tree and application indexes were not compared"
        )
        return
    try:
        defects, compared = compare_state(stored.state_items(), replay.state.items())
        audit.add(defects)
        report.counts.state_records_compared = compared
        audit.add(check_state_tree(stored, replay.tree, replay.state_root))
        audit.add(check_application_indexes(stored, replay.state, scan.by_party, scan.by_status))
    except UnreadableRecord as error:
        audit.add([_unreadable("the stored state", error, None)])
        report.not_verified.append("the stored state could not be read to its end")


def _unreadable(what: str, error: UnreadableRecord, height: int | None) -> Defect:
    return Defect(DefectKind.STORE_CORRUPT, f"{what}: {error}", height=height, field="database")


def _misplaced(height: int, header: BlockHeader) -> Defect:
    return Defect(
        DefectKind.BLOCK_MISPLACED,
        f"the block stored at height {height} is the block of height {header.height}",
        height=height,
        field="header.height",
        expected=str(height),
        found=str(header.height),
    )


def _not_certified(header: BlockHeader, certified_hash: bytes) -> Defect:
    return Defect(
        DefectKind.BLOCK_NOT_CERTIFIED,
        "the stored header is not the header the validators committed",
        height=header.height,
        field="header",
        expected=certified_hash.hex(),
        found=header.block_hash.hex(),
    )


def _conflict(
    height: int, first: bytes, first_from: str, second: bytes, second_from: str
) -> Defect:
    return Defect(
        DefectKind.CONFLICTING_COMMITS,
        f"{first_from} and {second_from} commit different blocks (a fork, or forged keys)",
        height=height,
        field="commit",
        expected=first.hex(),
        found=second.hex(),
    )
