#!/usr/bin/env python3
"""Print the module map of docs/architecture.md §2 from the modules' own docstrings.

    .venv/bin/python scripts/module_map.py > /tmp/map.md   # then paste it into §2

tests/unit/test_layout.py checks that every module is in the map, so a new module is listed.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
GROUPS = (
    ("ledger/", "the deterministic core", ("ledger/*.py", "ledger/*/*.py")),
    ("consensus/", "the Tendermint state machine", ("consensus/*.py",)),
    ("node/", "everything with I/O", ("node/*.py", "node/*/*.py")),
    ("clients/", "the client library and the console scripts", ("clients/*.py", "clients/*/*.py")),
)


def module_map() -> str:
    out = []
    for name, description, patterns in GROUPS:
        out.append(f"### `{name}` — {description}\n| Module | What it is |\n|---|---|\n")
        files = sorted({path for pattern in patterns for path in REPOSITORY.glob(pattern)})
        for path in files:
            if path.name == "__init__.py":
                continue
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            first = docstring.split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
            out.append(f"| `{path.relative_to(REPOSITORY)}` | {first} |\n")
        out.append("\n")
    return "".join(out)


if __name__ == "__main__":
    print(module_map(), end="")
