"""Who a local cluster's genesis names (the organisations' BINs, the registrars', KTK's heads'
and the auditors' IINs), and the errors of `tirkeu-cluster`.

Re-exported by clients/cluster/layout.py, where callers import them from.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.identity.identifiers import has_valid_check_digit

__all__ = [
    "DEMO_PARTICIPANTS",
    "ClusterError",
    "InvalidClusterRequest",
    "NotImplementedYet",
    "Participants",
    "PortTaken",
]


class ClusterError(Exception):
    """The cluster could not do what was asked; `exit_code` is `tirkeu-cluster`'s."""

    exit_code = 1


class InvalidClusterRequest(ClusterError):
    """Bad input: nothing was changed."""

    exit_code = 2


class PortTaken(ClusterError):
    """A port the cluster's configs name is held by another process (issue 13)."""


class NotImplementedYet(InvalidClusterRequest):
    """Asked for what Tirkeu does not do yet."""


@dataclass(frozen=True, slots=True)
class Participants:
    """Who the genesis names: the organisations' BINs, the registrars', KTK's heads' (para 19)
    and the auditors' IINs."""

    ktk_bin: str
    state_corporation_bin: str
    first_credit_bureau_bin: str
    registrar_iins: tuple[str, ...]
    ktk_head_iins: tuple[str, ...]
    auditor_iins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        numbers = {
            "ktk_bin": [self.ktk_bin],
            "state_corporation_bin": [self.state_corporation_bin],
            "first_credit_bureau_bin": [self.first_credit_bureau_bin],
            "registrar_iins": list(self.registrar_iins),
            "ktk_head_iins": list(self.ktk_head_iins),
            "auditor_iins": list(self.auditor_iins),
        }
        for name, values in numbers.items():
            for value in values:
                if not has_valid_check_digit(value):
                    raise InvalidClusterRequest(
                        f"{name}: {value!r} is not 12 digits with a valid check digit"
                    )
        if not self.registrar_iins:
            raise InvalidClusterRequest("the genesis needs at least one registrar IIN")
        if not self.ktk_head_iins:
            raise InvalidClusterRequest("the genesis needs KTK's head's IIN (para 19)")

    @classmethod
    def from_file(cls, path: Path) -> Participants:
        """A JSON or TOML file with the field names of this class (IIN lists as arrays)."""
        try:
            text = path.read_text(encoding="utf-8")
            document: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (OSError, ValueError) as error:
            raise InvalidClusterRequest(f"cannot read participants from {path}: {error}") from None
        if not isinstance(document, dict):
            raise InvalidClusterRequest(f"{path} does not hold a table of participants")
        try:
            return cls(
                ktk_bin=str(document["ktk_bin"]),
                state_corporation_bin=str(document["state_corporation_bin"]),
                first_credit_bureau_bin=str(document["first_credit_bureau_bin"]),
                registrar_iins=tuple(str(iin) for iin in document["registrar_iins"]),
                ktk_head_iins=tuple(str(iin) for iin in document["ktk_head_iins"]),
                auditor_iins=tuple(str(iin) for iin in document.get("auditor_iins", ())),
            )
        except KeyError as error:
            raise InvalidClusterRequest(f"{path} lacks {error.args[0]!r}") from None


# A local test cluster starts on these when `tirkeu-cluster init` is given no participants
# (issue 13); each flag, or --participants FILE, overrides them. The same invented numbers as
# ./scripts/demo, with valid check digits (Algorithm para 2(4), 2(7)); never a real registry's.
DEMO_PARTICIPANTS = Participants(
    ktk_bin="050140000011",  # Kazakhstan Housing Company JSC (KTK)
    state_corporation_bin="160240000028",
    first_credit_bureau_bin="040840000075",
    registrar_iins=("900312400566",),
    ktk_head_iins=("720301300145",),  # KTK's head (para 19)
)
