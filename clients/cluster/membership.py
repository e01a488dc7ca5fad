"""Changing a running local cluster's validators by transaction (issue 12, ADR 0011).

    add_validator(cluster, "registrar-5", signer)     # new node, then in the set from H + 2
    remove_validator(cluster, "registrar-1", signer)  # out of the set from H + 2, then stopped
    rotate_key(cluster, "registrar-3", signer)        # new certificate and key from H + 2

Each builds one ``ValidatorSetChange``, has it approved by every validator of the set in force
(the cluster holds their node keys: in production each operator signs with their own key and
the approvals are gathered the same way), has a registrar submit it (``signer``: the registrar's
certificate and key, issued with `tirkeu-pki issue`), waits until it is COMMITTED at a height H,
does the node-side work (new node directory, peer lists, key files, restarts one at a time) and
waits until every running node has passed H + 2, where the change is in force. A rejected
change is a ClusterError naming the node's reason; nothing on disk changes then.

cluster.json records the validators in force and how many changes were committed (the next
change's sequence number): this tool is the only one to change a local cluster's set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import transaction_pb2

from clients.client import ClientError, ConnectionSettings, LedgerClient
from clients.cluster.layout import (
    LOOPBACK,
    NODE_CERTIFICATE_DAYS,
    RETIRED,
    Cluster,
    ClusterNode,
    free_port,
    node_config,
    peers_section,
    save_cluster,
)
from clients.cluster.participants import ClusterError, InvalidClusterRequest
from clients.cluster.processes import (
    DEFAULT_START_DEADLINE_SECONDS,
    connection,
    is_serving,
    restart_node,
    running_pid,
    start_node,
    stop_node,
)
from clients.envelopes import SigningIdentity, sign_body
from clients.pki.authority import issue_node
from clients.pki.directory import (
    default_validity,
    locked,
    open_ca_directory,
    record_issued,
    write_new_file,
)
from ledger.governance.rules import sign_upgrade
from ledger.governance.schedule import EFFECTIVE_DISTANCE
from ledger.governance.validator_changes import (
    ChangeKind,
    ValidatorChange,
    change_message,
    sign_approval,
)
from ledger.identity.certificates import load_certificates_pem

DEFAULT_EFFECT_DEADLINE_SECONDS = 120.0
_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class Registrar:
    """Who submits the change: a registrar's certificate and key (PEM files)."""

    certificate: Path
    key: Path

    def identity(self) -> SigningIdentity:
        try:
            return SigningIdentity.from_pem(self.key.read_bytes(), self.certificate.read_bytes())
        except (OSError, ValueError) as error:
            raise InvalidClusterRequest(f"unusable registrar certificate or key: {error}") from None


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    kind: str
    validator_id: str
    transaction_id: str
    committed_height: int
    in_force_from: int
    validators: tuple[str, ...]  # the set in force from in_force_from

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "validator_id": self.validator_id,
            "transaction_id": self.transaction_id,
            "committed_height": self.committed_height,
            "in_force_from": self.in_force_from,
            "validators": list(self.validators),
        }


def add_validator(
    cluster: Cluster,
    name: str,
    registrar: Registrar,
    *,
    deadline_seconds: float = DEFAULT_EFFECT_DEADLINE_SECONDS,
) -> ChangeOutcome:
    if any(node.node_id == name for node in cluster.nodes):
        raise InvalidClusterRequest(f"{name!r} is already a node of {cluster.directory}")
    directory = cluster.directory / name
    if directory.exists():
        raise InvalidClusterRequest(f"{directory} exists")
    node = ClusterNode(name, "validator", f"{LOOPBACK}:{free_port()}", directory)
    certificate_pem, key_pem = _issue_node_identity(cluster, name)
    der = load_certificates_pem(certificate_pem)[0].der
    outcome = _change(cluster, ChangeKind.ADD, name, registrar, der=der, power=1)
    directory.mkdir(mode=0o700)
    write_new_file(node.key, key_pem, 0o600)
    write_new_file(node.certificate, certificate_pem, 0o644)
    write_new_file(node.trust, cluster.ca_chain.read_bytes(), 0o644)
    others = [other for other in cluster.nodes if other.role != RETIRED]
    text = node_config(node, cluster.batch_delay_ms) + peers_section(others)
    write_new_file(node.config, text.encode(), 0o644)
    updated = cluster.after_change((*cluster.nodes, node))
    save_cluster(updated)
    # Every node learns the new peer; restarted one at a time, so a quorum stays up.
    for other in others:
        with other.config.open("a", encoding="utf-8") as config:
            config.write(peers_section([node]))
        if running_pid(other) is not None:
            restart_node(other, deadline_seconds=DEFAULT_START_DEADLINE_SECONDS)
    start_node(node, deadline_seconds=DEFAULT_START_DEADLINE_SECONDS)
    wait_for_height(updated, outcome.in_force_from, deadline_seconds)
    return outcome


def remove_validator(
    cluster: Cluster,
    name: str,
    registrar: Registrar,
    *,
    deadline_seconds: float = DEFAULT_EFFECT_DEADLINE_SECONDS,
) -> ChangeOutcome:
    leaving = _validator(cluster, name)
    outcome = _change(cluster, ChangeKind.REMOVE, name, registrar)
    # Kept in cluster.json as "retired" (its directory and data stay, for the record); `start`
    # and `status` pass it by.
    nodes = tuple(
        ClusterNode(n.node_id, RETIRED, n.api, n.directory) if n.node_id == name else n
        for n in cluster.nodes
    )
    updated = cluster.after_change(nodes)
    save_cluster(updated)
    wait_for_height(updated, outcome.in_force_from, deadline_seconds)
    # Out of the set: its node has no more work.
    stop_node(leaving)
    return outcome


def rotate_key(
    cluster: Cluster,
    name: str,
    registrar: Registrar,
    *,
    deadline_seconds: float = DEFAULT_EFFECT_DEADLINE_SECONDS,
) -> ChangeOutcome:
    node = _validator(cluster, name)
    certificate_pem, key_pem = _issue_node_identity(cluster, name)
    der = load_certificates_pem(certificate_pem)[0].der
    outcome = _change(cluster, ChangeKind.ROTATE_KEY, name, registrar, der=der)
    # The old key signs until H + 1 is committed, the new one from H + 2: switching earlier
    # would cost the chain this node's vote at H + 1, which a cluster at its bare quorum
    # cannot spare. The old files are kept beside the new ones, for the record.
    wait_for_height(cluster, outcome.in_force_from - 1, deadline_seconds)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    node.certificate.rename(node.directory / f"node.cert.{stamp}.retired.pem")
    node.key.rename(node.directory / f"node.key.{stamp}.retired.pem")
    write_new_file(node.key, key_pem, 0o600)
    write_new_file(node.certificate, certificate_pem, 0o644)
    updated = cluster.after_change(cluster.nodes)
    save_cluster(updated)
    if running_pid(node) is not None:
        restart_node(node, deadline_seconds=DEFAULT_START_DEADLINE_SECONDS)
    wait_for_height(updated, outcome.in_force_from, deadline_seconds)
    return outcome


@dataclass(frozen=True, slots=True)
class UpgradeOutcome:
    rules_version: int
    activation_height: int
    transaction_id: str
    committed_height: int
    stopped: tuple[str, ...]  # nodes that were running and stopped at the activation height

    def describe(self) -> dict[str, object]:
        return {
            "rules_version": self.rules_version,
            "activation_height": self.activation_height,
            "transaction_id": self.transaction_id,
            "committed_height": self.committed_height,
            "stopped": list(self.stopped),
        }


def upgrade_rules(
    cluster: Cluster,
    registrar: Registrar,
    *,
    rules_version: int,
    activation_height: int,
    authority: str,
    pilot_in_force_until: str = "",
    deadline_seconds: float = DEFAULT_EFFECT_DEADLINE_SECONDS,
) -> UpgradeOutcome:
    """Schedule ``rules_version`` from ``activation_height`` (ADR 0012) and wait until every
    node still running has committed that height; a node without the version stops there."""
    validators = [node for node in cluster.nodes if node.role == "validator"]
    running = [node for node in cluster.nodes if running_pid(node) is not None]
    upgrade = transaction_pb2.RulesUpgrade(
        rules_version=rules_version,
        activation_height=activation_height,
        authority=authority,
        pilot_in_force_until=pilot_in_force_until,
        sequence=cluster.rules_upgrades,
    )
    keys = {node.node_id: _node_key(node) for node in validators}
    committed = _submit(cluster, registrar, sign_upgrade(upgrade, cluster.chain_id, keys))
    save_cluster(cluster.after_upgrade())
    wait_for_height(cluster, activation_height, deadline_seconds)
    stopped = tuple(node.node_id for node in running if running_pid(node) is None)
    return UpgradeOutcome(
        rules_version, activation_height, committed.transaction_id, committed.height, stopped
    )


def _validator(cluster: Cluster, name: str) -> ClusterNode:
    node = cluster.node(name)
    if node.role != "validator":
        raise InvalidClusterRequest(f"{name!r} is not a validator")
    return node


def _issue_node_identity(cluster: Cluster, name: str) -> tuple[bytes, bytes]:
    with locked(cluster.ca_directory):
        ca = open_ca_directory(cluster.ca_directory)
        issued = issue_node(
            ca.intermediate,
            name,
            validity=default_validity(datetime.now(UTC), NODE_CERTIFICATE_DAYS),
        )
        record_issued(ca, issued)
    return issued.pem, issued.key_pem


def _change(
    cluster: Cluster,
    kind: ChangeKind,
    name: str,
    registrar: Registrar,
    *,
    der: bytes = b"",
    power: int = 0,
) -> ChangeOutcome:
    validators = [node for node in cluster.nodes if node.role == "validator"]
    change = ValidatorChange(kind, name, der, power, cluster.validator_changes)
    approvals = tuple(
        sign_approval(_node_key(node), node.node_id, cluster.chain_id, change)
        for node in validators
    )
    committed = _submit(cluster, registrar, change_message(change, approvals))
    after = {
        ChangeKind.ADD: [*(n.node_id for n in validators), name],
        ChangeKind.REMOVE: [n.node_id for n in validators if n.node_id != name],
    }.get(kind, [n.node_id for n in validators])
    return ChangeOutcome(
        kind=kind.name,
        validator_id=name,
        transaction_id=committed.transaction_id,
        committed_height=committed.height,
        in_force_from=committed.height + EFFECTIVE_DISTANCE,
        validators=tuple(after),
    )


def _submit(
    cluster: Cluster,
    registrar: Registrar,
    action: transaction_pb2.ValidatorSetChange | transaction_pb2.RulesUpgrade,
) -> api.SubmitTransactionResponse:
    """Submitted by the registrar to the first serving validator; COMMITTED or ClusterError."""
    validators = [node for node in cluster.nodes if node.role == "validator"]
    identity = registrar.identity()
    committed = None
    for node in validators:
        if running_pid(node) is None or not is_serving(node):
            continue
        settings = ConnectionSettings.from_files(
            node.api, cert=registrar.certificate, key=registrar.key, ca=cluster.ca_chain
        )
        try:
            with LedgerClient.connect(settings, timeout_seconds=60) as client:
                body = client.new_body(action)
                committed = client.submit(sign_body(body, [identity]), wait_for_commit=True)
        except ClientError as error:
            raise ClusterError(f"{node.node_id} did not take the change: {error}") from None
        break
    if committed is None:
        raise ClusterError("no validator of the cluster is serving")
    if committed.status != api.COMMITTED:
        rejection = committed.rejection
        raise ClusterError(f"not committed: {rejection.reason}: {rejection.detail}")
    return committed


def _node_key(node: ClusterNode) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(node.key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ClusterError(f"{node.key} is not an EC private key")
    return key


def wait_for_height(cluster: Cluster, height: int, deadline_seconds: float) -> None:
    """Until every running node of ``cluster`` has committed ``height``."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        behind = [
            node.node_id
            for node in cluster.nodes
            if running_pid(node) is not None and _height(node) < height
        ]
        if not behind:
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"{', '.join(behind)} did not reach height {height} in time")
        time.sleep(_POLL_SECONDS)


def _height(node: ClusterNode) -> int:
    try:
        with LedgerClient.connect(connection(node), timeout_seconds=5) as client:
            return client.chain_info().height
    except ClientError:
        return -1
