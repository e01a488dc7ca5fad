"""Load: workers that each live the whole lease-to-own story, over and over, with conflicts.

One story, on a property of its own (the steps and signers of tests/integration/story_helpers.py,
Algorithm paras 17-37):

1. two imports of the same cadastral number race (a "second registration" of the same flat):
   exactly one may commit (PROPERTY_ALREADY_EXISTS);
2. the lease application, its videoconference (para 21), the sending with the fee (para 22),
   the registrar's checks (paras 23-24);
3. two REGISTER decisions on the lease race: exactly one may commit;
4. two termination-and-ownership applications of the same lease (para 29) are formed at once;
   each is attested, sent and checked; then their REGISTER decisions race: the first ends the
   lease, so exactly one may commit (NO_ACTIVE_LEASE for the other).

A racing pair goes to two different nodes at once. A step that does not commit ends the story
(the checker still judges it). Each worker has its own seeded random source.

May import: tests.chaos, tests.integration.story_helpers, clients, tirkeu_pb.
"""

from __future__ import annotations

import itertools
import random
import threading
import traceback
from collections.abc import Callable, Sequence

from tirkeu_pb import transaction_pb2 as pb

from clients import transaction_builders as builders
from clients.envelopes import SigningIdentity, sign_body, transaction_id
from clients.pki.authority import IssuedCertificate
from clients.transaction_builders import Action
from tests.chaos.cluster import ChaosCluster
from tests.chaos.history import COMMITTED, History, Operation
from tests.chaos.load import LoadSettings, Submitter
from tests.integration.harness import CHAIN_ID
from tests.integration.story_helpers import Story, receipt
from tests.pki_fixtures import KTK_BIN, RECIPIENT_IIN


class StoryWorker(threading.Thread):
    def __init__(
        self,
        index: int,
        cluster: ChaosCluster,
        *,
        history: History,
        seed: int,
        stop: threading.Event,
        settings: LoadSettings,
        tip: Callable[[], int],
        height_of: Callable[[str], int],
    ) -> None:
        super().__init__(name=f"load-{index}", daemon=True)
        self.index = index
        self.rng = random.Random(f"{seed}/load/{index}")
        self.submitter = Submitter(cluster, history, self.rng, stop, settings, height_of=height_of)
        self.history = history
        self.stop = stop
        self.settings = settings
        self.tip = tip
        self.story = Story.on(cluster.validators[0])  # its builders and signers, not its client
        self.stories = 0
        self.errors: list[str] = []
        self._numbers = itertools.count(1)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.one_story(next(self._numbers))
            except Exception:  # a harness fault must show in the report, not kill the worker
                self.errors.append(traceback.format_exc(limit=5))
                self.stop.wait(1.0)

    # --- the story ----------------------------------------------------------------------------

    def one_story(self, number: int) -> None:
        self.stories += 1
        story, p = self.story, self.story.parties
        key = f"w{self.index}s{number}"
        cadastral = f"21:318:{100 + self.index:03d}:{number}:1/{number}"
        imports = [
            builders.property_import(
                cadastral_number=cadastral,
                address=f"Astana, Mangilik El avenue 54, apartment {number} ({side})",
                kind="apartment",
                area_square_metres="54.30",
                holder_bin=KTK_BIN,
            )
            for side in ("a", "b")
        ]
        if not self.race("property_import", f"{key}/import", imports, [p.registrar]):
            return
        lease = self.step(
            "lease_application", story.lease_application(cadastral), story.applicants()
        )
        if lease is None:
            return
        lease_id = lease.transaction_id
        if not self.prepare(lease_id, lease=True):
            return
        register = builders.registrar_decision(application_id=lease_id, decision="register")
        register_again = builders.registrar_decision(application_id=lease_id, decision="register")
        if not self.race(
            "register_lease", f"{key}/register", [register, register_again], [p.registrar]
        ):
            return
        pair_ids = self.twin_terminations(lease_id)
        ready = [pair_id for pair_id in pair_ids if self.prepare(pair_id, lease=False)]
        decisions = [
            builders.registrar_decision(application_id=pair_id, decision="register")
            for pair_id in ready
        ]
        if len(decisions) == 2:
            self.race("register_termination", f"{key}/terminate", decisions, [p.registrar])
        elif decisions:
            self.step("register_termination", decisions[0], (p.registrar,))

    def prepare(self, application_id: str, *, lease: bool) -> bool:
        """Videoconference (paras 21/30), sending with the fee (22/31), checks (23-24)."""
        story, p = self.story, self.story.parties
        sending = builders.application_sending(
            application_id, receipt(f"KZ-{application_id[:12]}", RECIPIENT_IIN)
        )
        # Built one at a time, just before sending: each carries "now" (the checks' query
        # time must follow the sending's block: ATTESTATION_OUT_OF_TIME otherwise).
        steps: list[tuple[str, Callable[[], Action], tuple[IssuedCertificate, ...]]] = [
            ("videoconference", lambda: story.videoconference(application_id), (p.registrar,)),
            ("application_sending", lambda: sending, story.applicants()),
            (
                "registrar_attestation",
                lambda: story.attestation(application_id, with_videoconference=False),
                (p.registrar,),
            ),
        ]
        for kind, action, signers in steps:
            if self.step(kind if lease else f"termination_{kind}", action(), signers) is None:
                return False
        return True

    def twin_terminations(self, lease_id: str) -> list[str]:
        """Two terminations of the same lease, formed at once (both may commit)."""
        officer = (self.story.parties.ktk_officer,)
        operations = [
            self.operation("termination_application", self.story.termination(lease_id), officer)
            for _ in range(2)
        ]
        self.concurrently(operations)
        return [o.transaction_id for o in operations if o.final == COMMITTED]

    # --- submitting ---------------------------------------------------------------------------

    def operation(
        self,
        kind: str,
        action: Action,
        signers: tuple[IssuedCertificate, ...] | list[IssuedCertificate],
        group: str = "",
    ) -> Operation:
        expiry = self.tip() + self.settings.expires_in_blocks
        body = builders.transaction_body(action, chain_id=CHAIN_ID, expiry_height=expiry)
        identities = [SigningIdentity(person.key, person.der) for person in signers]
        envelope: pb.Envelope = sign_body(body, identities)
        return self.history.new_operation(
            kind,
            transaction_id(envelope),
            expiry,
            envelope.SerializeToString(),
            group=group,
            story=self.index * 1_000_000 + self.stories,
        )

    def step(
        self, kind: str, action: Action, signers: tuple[IssuedCertificate, ...]
    ) -> Operation | None:
        self.stop.wait(self.rng.uniform(*self.settings.think_s))
        operation = self.operation(kind, action, signers)
        self.submitter.run(operation)
        return operation if operation.final == COMMITTED else None

    def race(
        self, kind: str, group: str, actions: Sequence[Action], signers: list[IssuedCertificate]
    ) -> bool:
        """Both at once, to two different nodes; True if (exactly) one committed."""
        operations = [self.operation(kind, action, signers, group) for action in actions]
        self.concurrently(operations)
        return sum(o.final == COMMITTED for o in operations) == 1

    def concurrently(self, operations: list[Operation]) -> None:
        # Right after the previous step commits only the node that answered may have applied
        # it: give the others a moment (bounded) so that both racers go to nodes that know the
        # application; failing that, both go to the nodes that do (a race in one mempool).
        ready = self.submitter.caught_up(len(operations))
        if len(ready) >= len(operations):
            nodes = self.rng.sample(ready, len(operations))
        else:
            nodes = [self.rng.choice(ready) for _ in operations]
        threads = [
            threading.Thread(target=self.submitter.run, args=(o,), kwargs={"node_id": n})
            for o, n in zip(operations, nodes, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
