"""What every engine of a validator is wired to, named once for the solo and Tendermint engines.

Both take these as keyword arguments (``SoloEngine(**wiring)``,
``TendermintEngine(**wiring, consensus_config=..., peers=..., ...)``), so a new common input is
added here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NotRequired, TypedDict

from cryptography.hazmat.primitives.asymmetric import ec
from structlog.typing import FilteringBoundLogger

from consensus.types import ValidatorId
from ledger.chain.store import Store
from node.chain.clock import wall_clock_ms
from node.chain.commit import CommittedBlock
from node.chain.mempool import Mempool
from node.chain.open import ChainSetup
from node.operations.config import BlockConfig


class ValidatorWiring(TypedDict):
    store: Store
    setup: ChainSetup
    mempool: Mempool
    validator_id: ValidatorId
    signing_key: ec.EllipticCurvePrivateKey
    block_config: BlockConfig
    on_committed: Callable[[CommittedBlock], None]
    log: FilteringBoundLogger
    clock_ms: NotRequired[Callable[[], int]]  # the wall clock unless a test drives time


def clock_of(wiring: ValidatorWiring) -> Callable[[], int]:
    return wiring.get("clock_ms", wall_clock_ms)
