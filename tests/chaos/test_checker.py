"""The checker fails a run for each kind of violation it names, and passes a clean one (its
inputs built by hand: no cluster)."""

from __future__ import annotations

from typing import cast

from tests.chaos.checker import NodeChain, Verdict, check
from tests.chaos.cluster import ChaosCluster
from tests.chaos.history import Attempt, History, Operation
from tests.chaos.monitor import ChainMonitor
from tests.chaos.nemesis import Fault


class _NoNodes:
    nodes: tuple[object, ...] = ()


def _monitor(commit_times: list[float]) -> ChainMonitor:
    monitor = ChainMonitor(cast(ChaosCluster, _NoNodes()), History())
    monitor.commit_times = commit_times
    return monitor


def _operation(op_id: int, answers: list[tuple[str, str, int, bool]], group: str = "") -> Operation:
    operation = Operation(op_id, "step", f"{op_id:064x}", 100, group)
    for answer, reason, height, retry in answers:
        operation.attempts.append(Attempt("registrar-1", 1.0, 2.0, answer, reason, height, retry))
    if answers[-1][0] in ("COMMITTED", "REJECTED"):
        operation.final, operation.final_reason, operation.final_height = answers[-1][:3]
    return operation


def _chain(node_id: str, locations: dict[int, int], fork_at: int = 0) -> NodeChain:
    blocks = {h: (f"hash{h}{'x' if h == fork_at else ''}", f"root{h}") for h in range(1, 6)}
    return NodeChain(node_id, blocks, {f"{k:064x}": v for k, v in locations.items()})


def _verdict(
    operations: list[Operation],
    chains: list[NodeChain],
    *,
    faults: list[Fault] | None = None,
    resolutions: dict[str, dict[str, str]] | None = None,
) -> Verdict:
    return check(
        operations,
        chains,
        monitor=_monitor([1.0, 5.0, 20.0]),
        faults=faults or [],
        audits={"registrar-1": (True, "clean")},
        resolutions=resolutions or {},
    )


def _failing(verdict: Verdict) -> set[str]:
    return {name for name, problems in verdict.violations.items() if problems}


def test_a_clean_history_passes() -> None:
    committed = _operation(1, [("NO_ANSWER", "UNAVAILABLE", 0, False), ("COMMITTED", "", 3, True)])
    verdict = _verdict([committed], [_chain("a", {1: 3}), _chain("b", {1: 3})])
    assert verdict.ok, verdict.violations


def test_a_commit_missing_from_one_node_is_lost() -> None:
    committed = _operation(1, [("COMMITTED", "", 3, False)])
    verdict = _verdict([committed], [_chain("a", {1: 3}), _chain("b", {})])
    assert _failing(verdict) == {"lost_commits"}


def test_a_node_stopped_below_the_commit_height_is_not_a_loss() -> None:
    committed = _operation(1, [("COMMITTED", "", 5, False)])
    lower = _chain("b", {})
    del lower.blocks[5]
    assert _verdict([committed], [_chain("a", {1: 5}), lower]).ok


def test_two_blocks_at_one_height_are_a_fork() -> None:
    verdict = _verdict([], [_chain("a", {}), _chain("b", {}, fork_at=4)])
    assert _failing(verdict) == {"forks"}


def test_both_of_two_conflicting_transactions_committed() -> None:
    first = _operation(1, [("COMMITTED", "", 3, False)], group="race")
    second = _operation(2, [("COMMITTED", "", 4, False)], group="race")
    verdict = _verdict([first, second], [_chain("a", {1: 3, 2: 4})])
    assert _failing(verdict) == {"conflicts"}


def test_a_rejected_answer_for_a_transaction_that_commits_is_wrong() -> None:
    retried = _operation(
        1,
        [
            ("NO_ANSWER", "DEADLINE_EXCEEDED", 0, False),
            ("REJECTED", "REPLAYED_TRANSACTION", 0, True),
        ],
    )
    verdict = _verdict([retried], [_chain("a", {1: 3})])
    assert _failing(verdict) == {"wrong_answers"}


def test_a_rejection_from_get_transaction_for_a_transaction_that_commits_is_wrong() -> None:
    followed = _operation(1, [("NO_ANSWER", "UNAVAILABLE", 0, False)])
    followed.final, followed.final_reason = "REJECTED", "REPLAYED_TRANSACTION"
    followed.settled_by_lookup_at = "ktk-observer"
    verdict = _verdict([followed], [_chain("a", {1: 3})])
    assert _failing(verdict) == {"wrong_answers"}
    assert "GetTransaction on ktk-observer" in verdict.violations["wrong_answers"][0]


def test_a_pending_answer_that_no_node_can_settle_is_lost() -> None:
    pending = _operation(1, [("PENDING", "", 0, False)])
    unknown = {pending.transaction_id: {"a": "UNKNOWN", "b": "unreachable"}}
    assert _failing(_verdict([pending], [_chain("a", {})], resolutions=unknown)) == {"pending_lost"}
    expired = {pending.transaction_id: {"a": "REJECTED TRANSACTION_EXPIRED"}}
    assert _verdict([pending], [_chain("a", {})], resolutions=expired).ok


def test_a_fault_with_no_commit_after_its_heal_is_a_stall() -> None:
    fault = Fault("kill-two", ["registrar-1", "registrar-2"], started=21.0, healed=30.0)
    verdict = _verdict([], [_chain("a", {})], faults=[fault])
    assert _failing(verdict) == {"stalls"}
    assert verdict.figures["recovery"]["heal_to_next_commit_s"] == {"count": 0}


def test_the_longest_commit_gap_spans_the_fault() -> None:
    fault = Fault("kill-two", ["registrar-1", "registrar-2"], started=2.0, healed=10.0)
    verdict = _verdict([], [_chain("a", {})], faults=[fault])  # commits at 1, 5 and 20
    gaps = verdict.figures["recovery"]["longest_commit_gap_during_fault_by_kind_s"]
    assert gaps["kill-two"]["max"] == 15.0
