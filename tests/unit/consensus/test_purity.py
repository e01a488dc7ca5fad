"""consensus/ stays a pure state machine: no clock, randomness, threads, I/O or node code."""

from __future__ import annotations

import ast
from pathlib import Path

import consensus

FORBIDDEN = {
    "time",
    "random",
    "asyncio",
    "threading",
    "socket",
    "grpc",
    "plyvel",
    "node",
    "clients",
    "tirkeu_pb",
    "os",
    "subprocess",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
    return found


def test_consensus_imports_nothing_impure() -> None:
    package = Path(consensus.__file__).parent
    sources = sorted(package.glob("*.py"))
    assert len(sources) >= 8
    for source in sources:
        roots = {name.split(".")[0] for name in imported_modules(source)}
        assert not roots & FORBIDDEN, f"{source.name} imports {sorted(roots & FORBIDDEN)}"


def test_modules_stay_small() -> None:
    package = Path(consensus.__file__).parent
    for source in package.glob("*.py"):
        assert len(source.read_text(encoding="utf-8").splitlines()) < 400, source.name
