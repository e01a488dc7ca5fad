"""Four registrar validators and the KTK observer behind ``LedgerTarget``: ``scripts/bench
--cluster``.

The nodes are the integration tests' ``LocalCluster`` (tests/integration/cluster_harness.py):
five ``tirkeu-node`` processes on 127.0.0.1 over mutual TLS, one test CA, one genesis naming
the four validators (one vote each). Two things differ from the tests, both so that the
numbers are those of a deployment rather than of a test in a hurry:

- consensus timeouts: the harness writes short ones (propose 800 ms...) into every node.toml;
  here that ``[consensus]`` section is removed before start, so every node runs the node's
  defaults (node/operations/config.py, consensus/config.py: propose 3 s + 0.5 s per round, prevote
  and
  precommit 1 s + 0.5 s, regossip and sync every 1 s). On a healthy loopback cluster no
  timeout fires in the happy path; they set what a missed proposal or vote costs.
  With ``--validators N`` above 4 the timeouts are the defaults scaled by N / 4: N nodes
  share this machine's two cores, and each verifies N prevotes and N precommits per height,
  so a height takes longer on this machine than on N separate servers.
- the idle heartbeat: 1 s, as the single-validator run (tests/integration/harness.py), so the
  block counts of both runs mean the same.

Clients submit through the KTK observer by default, as KTK's platform would (the observer
forwards to the validators in its configured order, registrar-1 first, and answers COMMITTED
once it holds the block itself: node/engine/observer.py), or round-robin to the
validators, client ``i`` to validator ``i mod 4`` (``--submit-via validators``).
"""

from __future__ import annotations

import enum
from pathlib import Path

import grpc

from consensus.config import TimeoutConfig
from tests.bench.node_target import commit_rounds
from tests.integration.cluster_harness import CONSENSUS, ClusterNode, LocalCluster
from tests.integration.harness import CHAIN_ID
from tests.registry_fixtures import Parties

VALIDATORS = 4
EMPTY_BLOCK_INTERVAL_MS = 1000  # as the single-validator run's node (harness NodeSettings)


class SubmitVia(enum.StrEnum):
    OBSERVER = "observer"  # every client to ktk-observer, as KTK's platform submits
    VALIDATORS = "validators"  # client i to registrar-(i mod 4 + 1)


class ClusterTarget:
    """A LocalCluster of ``validators`` validators and the KTK observer in ``workdir``."""

    def __init__(
        self,
        workdir: Path,
        submit_via: SubmitVia = SubmitVia.OBSERVER,
        validators: int = VALIDATORS,
    ) -> None:
        self.submit_via = submit_via
        self.validator_count = validators
        self._cluster = LocalCluster(
            workdir,
            validators=validators,
            observer=True,
            empty_block_interval_ms=EMPTY_BLOCK_INTERVAL_MS,
        )
        for node in self._cluster.nodes:
            _use_default_consensus_timeouts(node, max(1.0, validators / VALIDATORS))

    @property
    def chain_id(self) -> str:
        return CHAIN_ID

    @property
    def parties(self) -> Parties:
        return self._cluster.parties

    @property
    def description(self) -> str:
        return (
            f"{self.validator_count} validators + KTK observer, "
            f"clients submit via {self.submit_via}"
        )

    @property
    def nodes(self) -> list[ClusterNode]:
        return self._cluster.nodes

    def start(self) -> None:
        # Each start returns once that node's health service says SERVING.
        self._cluster.start_all()

    def client_channel(self, client: int) -> grpc.Channel:
        # Submitting needs only an authenticated caller: every client presents the registrar.
        return self._entry_node(client).channel(self.parties.tls_client)

    def _entry_node(self, client: int) -> ClusterNode:
        if self.submit_via is SubmitVia.VALIDATORS:
            return self._cluster.validators[client % len(self._cluster.validators)]
        observer = self._cluster.observer
        if observer is None:
            raise RuntimeError("the cluster was built without its observer")
        return observer

    def height(self) -> int:
        # The first validator: it has every block the clients were told is committed.
        return self._cluster.validators[0].height()

    def process_ids(self) -> dict[str, int]:
        found = {}
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                raise RuntimeError(f"{node.node_id} is not running:\n{node.log_tail()}")
            found[node.node_id] = node.process.pid
        return found

    def data_dirs(self) -> dict[str, Path]:
        return {node.node_id: node.data_dir for node in self.nodes}

    def commit_rounds(self, after_height: int) -> list[int]:
        """The round of each block's commit certificate above ``after_height``, from the first
        validator's database (stopped)."""
        return commit_rounds(self._cluster.validators[0].data_dir, after_height)

    def stop(self) -> None:
        # The observer first: it follows the validators and must not wait for them to return.
        failures = []
        for node in reversed(self.nodes):
            code = node.stop()
            if code != 0:
                failures.append(f"{node.node_id} exited with {code}:\n{node.log_tail()}")
        if failures:
            raise RuntimeError("\n".join(failures))

    def close(self) -> None:
        self._cluster.close()


def _use_default_consensus_timeouts(node: ClusterNode, scale: float) -> None:
    text = node.config_path.read_text()
    if CONSENSUS not in text:
        raise RuntimeError(f"{node.config_path}: the harness's [consensus] section is not there")
    if scale == 1.0:
        node.config_path.write_text(text.replace(CONSENSUS, "\n"))
        return
    defaults = TimeoutConfig()
    scaled = "".join(
        f"{name} = {round(getattr(defaults, name) * scale)}\n"
        for name in (
            "timeout_propose_ms",
            "timeout_propose_delta_ms",
            "timeout_prevote_ms",
            "timeout_prevote_delta_ms",
            "timeout_precommit_ms",
            "timeout_precommit_delta_ms",
        )
    )
    node.config_path.write_text(text.replace(CONSENSUS, f"\n[consensus]\n{scaled}\n"))
