"""The ceilings every other number is measured against, on this machine, in this run.

1. ECDSA P-256 verifications per second on one core (ledger.identity.certificates, the function
every
   transaction signature goes through).
2. Per transaction kind: how many ECDSA verifications a transaction needs, hence the
   **signature-verification bounds**: the most transactions per second one core could verify
   if verifying signatures were all it did. Two of them:
   - **cold** (``signature_bound_per_second``): each signer of the envelope and of every CMS
     document, plus each link of the signer's certificate chain: every certificate new;
   - **warm** (``warm_signature_bound_per_second``): one ECDSA per signer, over the body or the
     signed attributes; the chain is remembered (ledger.identity.certificates caches it per leaf and
     trusted CAs; validity and revocation are still checked, and cost no ECDSA). Every
     certificate of this benchmark is warm after its first use, so the warm bound is the one
     the in-process and committed rates are held against (tests/bench/report.py).
3. Per kind, the measured cost of ``verify_transaction`` (decode, signatures, chains) and of
   ``check_transaction`` (what mempool admission runs: verification plus the registry rule,
   nothing kept): the **admission bound**. A node runs admission for each submission and the
   same work again when it executes the block, so on one core it cannot commit faster than
   the admission bound, nor faster than admission and execution together (the node ceiling,
   tests/bench/report.py, with the executor's measurement).

Admission and verification are timed cold: the verify-once verdicts
(ledger/transactions/verdicts.py) are cleared before each round, since a node admits each
transaction once.

Each cost is timed in ROUNDS rounds and the fastest round counts, as timeit does: a bound
should be the least disturbed measurement, so that what is compared with it is never flattered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from google.protobuf.message import Message
from tirkeu_pb import transaction_pb2 as pb

from ledger.documents.cms import load_cms
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.certificates import CertificateInfo
from ledger.identity.chains import verify_chain
from ledger.identity.private_keys import SigningKey
from ledger.identity.signatures import sign_data, verify_certificate_signature
from ledger.registry.revocation import load_trust_store
from ledger.rejections import Rejection
from ledger.state.access import read_authorities
from ledger.transactions import verdicts
from ledger.transactions.envelope import verify_transaction
from tests.bench.memory_chain import DOCUMENTS_SIGNED_AT, BenchmarkInvalid, MemoryChain
from tests.bench.workloads import PlannedTransaction, Workload, WorkloadFactory, by_position
from tests.pki_fixtures import TestAuthority
from tests.registry_fixtures import Parties

BLOCK_SIZE = 200  # the harness node's max_transactions per block
ECDSA_BATCH = 200  # verifications between two looks at the clock
ROUNDS = 3  # each measurement is timed this many times; the fastest round counts


@dataclass(frozen=True, slots=True)
class SignatureRate:
    verifications_per_second: float
    verifications: int
    message_bytes: int


@dataclass(frozen=True, slots=True)
class KindCost:
    kind: str
    samples: int
    envelope_bytes: int  # mean size of the sampled envelopes
    signers: int  # envelope signatures + signers of the CMS documents it carries
    ecdsa_verifications: int  # signers x (1 + certificate-chain links): cold certificates
    signature_bound_per_second: float  # cold: ECDSA rate / ecdsa_verifications
    verify_per_second: float  # verify_transaction
    admission_per_second: float  # check_transaction

    @property
    def warm_ecdsa_verifications(self) -> int:
        """One per signer: every certificate's chain already verified and remembered."""
        return self.signers

    @property
    def warm_signature_bound_per_second(self) -> float:
        """The same ECDSA rate divided by one verification per signer, not 1 + chain links."""
        if self.signers == 0:
            return 0.0
        return self.signature_bound_per_second * self.ecdsa_verifications / self.signers


@dataclass(frozen=True, slots=True)
class AlgorithmRate:
    """Verifications per second of one signature algorithm over the same message, one core,
    with the key already read (its tables built once, as for any recurring signer)."""

    algorithm: str  # KeyAlgorithm value
    rate: SignatureRate


@dataclass(frozen=True, slots=True)
class Bounds:
    # The people's signature algorithm (P-256 unless --person-key-type): what "ECDSA" counts
    # below stand for. Chains are the test CA's P-256.
    ecdsa: SignatureRate
    chain_links: int  # ECDSA verifications to check one signer's certificate up to the root
    kinds: tuple[KindCost, ...]
    person_key_type: str = KeyAlgorithm.ECDSA_P256.value
    algorithms: tuple[AlgorithmRate, ...] = ()

    def mix_signature_bound(self, counts: Mapping[str, int]) -> float:
        """Transactions per second for a mix (kind -> count) on the cold verification bound."""
        return _mix_rate(counts, {c.kind: c.signature_bound_per_second for c in self.kinds})

    def mix_warm_signature_bound(self, counts: Mapping[str, int]) -> float:
        """The same on the warm bound: one ECDSA per signer, chains remembered."""
        return _mix_rate(counts, {c.kind: c.warm_signature_bound_per_second for c in self.kinds})

    def mix_admission_bound(self, counts: Mapping[str, int]) -> float:
        return _mix_rate(counts, {c.kind: c.admission_per_second for c in self.kinds})

    def mix_node_ceiling(
        self, counts: Mapping[str, int], execution_per_second: Mapping[str, float]
    ) -> float:
        """Admission, then execution in a block, one after the other on one core."""
        rates = {
            c.kind: 1 / (1 / c.admission_per_second + 1 / execution_per_second[c.kind])
            for c in self.kinds
            if c.kind in execution_per_second
        }
        return _mix_rate(counts, rates)


def _mix_rate(counts: Mapping[str, int], rates: Mapping[str, float]) -> float:
    """Transactions per second of a mix whose kinds run one after another at ``rates``."""
    total = sum(counts.values())
    if total == 0:
        return 0.0
    seconds = sum(count / rates[kind] for kind, count in counts.items() if count)
    return total / seconds


def measure_ecdsa(parties: Parties, message: bytes, seconds: float) -> SignatureRate:
    """Verifications of the registrar's signature over ``message`` (the people's algorithm)."""
    return measure_signature(parties.registrar.info, parties.registrar.key, message, seconds)


def measure_algorithms(message: bytes, seconds: float) -> tuple[AlgorithmRate, ...]:
    """The rate of every algorithm Tirkeu accepts, each with a key of its own (our test CA)."""
    rates = []
    for algorithm in (
        KeyAlgorithm.ECDSA_P256,
        KeyAlgorithm.RSA,
        KeyAlgorithm.GOST_2015_256,
        KeyAlgorithm.GOST_2015_512,
    ):
        signer = TestAuthority(person_key_type=algorithm).issue_individual("Bench Signer")
        rate = measure_signature(signer.info, signer.key, message, seconds)
        rates.append(AlgorithmRate(algorithm.value, rate))
    return tuple(rates)


def measure_signature(
    info: CertificateInfo, key: SigningKey, message: bytes, seconds: float
) -> SignatureRate:
    """Verifications of one signature over ``message`` for about ``seconds``, in rounds; the
    fastest round counts (as timeit does: the one least disturbed by other processes)."""
    signature = sign_data(key, message)
    batch = ECDSA_BATCH if info.key.algorithm is KeyAlgorithm.ECDSA_P256 else ECDSA_BATCH // 20
    verifications = 0
    best_rate = 0.0
    for _ in range(ROUNDS):
        round_verifications = 0
        started = time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds / ROUNDS or round_verifications == 0:
            for _ in range(batch):
                if not verify_certificate_signature(info, signature, message):
                    raise BenchmarkInvalid("the benchmark signature does not verify")
            round_verifications += batch
            elapsed = time.perf_counter() - started
        verifications += round_verifications
        best_rate = max(best_rate, round_verifications / elapsed)
    return SignatureRate(best_rate, verifications, len(message))


def measure_bounds(parties: Parties, *, samples_per_kind: int, ecdsa_seconds: float) -> Bounds:
    """Every kind of the registration workload, ``samples_per_kind`` envelopes each."""
    chain = MemoryChain.for_parties(parties)
    factory = WorkloadFactory(parties, chain.chain_id, DOCUMENTS_SIGNED_AT)
    chains = factory.chains(
        Workload.REGISTRATIONS, samples_per_kind * Workload.REGISTRATIONS.chain_length
    )
    first_body = pb.Envelope.FromString(chains[0][0].envelope).body
    ecdsa = measure_ecdsa(parties, first_body, ecdsa_seconds)
    authorities = read_authorities(chain.state)
    trust = load_trust_store(chain.state, authorities)
    chain_links = len(verify_chain(parties.registrar.info, trust, chain.next_time)) - 1
    kinds = []
    for group in by_position(chains):
        kinds.append(_measure_kind(chain, group, ecdsa, chain_links))
        chain.execute_in_blocks([planned.envelope for planned in group], BLOCK_SIZE)
    return Bounds(
        ecdsa,
        chain_links,
        tuple(kinds),
        person_key_type=parties.registrar.info.key.algorithm.value,
        algorithms=measure_algorithms(first_body, ecdsa_seconds / 2),
    )


def _measure_kind(
    chain: MemoryChain,
    group: Sequence[PlannedTransaction],
    ecdsa: SignatureRate,
    chain_links: int,
) -> KindCost:
    """Time verify_transaction and check_transaction over ``group`` on the current state
    (nothing is kept, so each round sees the same state); the fastest of ROUNDS counts."""
    envelopes = [planned.envelope for planned in group]
    context = chain.context()
    authorities = read_authorities(chain.state)
    trust = load_trust_store(chain.state, authorities)
    _admit(chain, envelopes[0])  # warm-up: lazy imports and first-use caches of libraries

    def verify_all() -> None:
        verdicts.clear()  # the cold cost: every envelope seen for the first time
        for envelope in envelopes:
            verify_transaction(envelope, chain.state, context, trust, authorities)

    def admit_all() -> None:
        verdicts.clear()
        for envelope in envelopes:
            _admit(chain, envelope)

    signers = count_signers(envelopes[0])
    verifications = signers * (1 + chain_links)
    return KindCost(
        kind=str(group[0].kind),
        samples=len(envelopes),
        envelope_bytes=round(sum(len(e) for e in envelopes) / len(envelopes)),
        signers=signers,
        ecdsa_verifications=verifications,
        signature_bound_per_second=ecdsa.verifications_per_second / verifications,
        verify_per_second=len(envelopes) / fastest_seconds(verify_all),
        admission_per_second=len(envelopes) / fastest_seconds(admit_all),
    )


def fastest_seconds(work: Callable[[], None]) -> float:
    fastest = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest


def _admit(chain: MemoryChain, envelope: bytes) -> None:
    outcome = chain.check(envelope)
    if isinstance(outcome, Rejection):
        raise BenchmarkInvalid(f"admission rejected a benchmark transaction: {outcome}")


def count_signers(envelope: bytes) -> int:
    """Signatures on the envelope plus the signers of every CMS document in its body."""
    decoded = pb.Envelope.FromString(envelope)
    body = pb.TransactionBody.FromString(decoded.body)
    return len(decoded.signatures) + _document_signers(body)


def _document_signers(message: Message) -> int:
    if isinstance(message, pb.SignedDocument):
        return len(load_cms(message.cms).signers) if message.cms else 0
    count = 0
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        items = value if field.is_repeated else [value]
        count += sum(_document_signers(item) for item in items)
    return count
