"""The house's shape (docs/architecture.md §1): no import circle, small folders and modules, and
the import contracts of pyproject.toml, which `./scripts/test` runs as `lint-imports`, really
refuse an import against the direction of dependence."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "consensus", "node", "clients")
MAX_MODULES_PER_FOLDER = 15
MAX_MODULE_LINES = 450


def test_no_import_circle_between_modules() -> None:
    # Imports only under TYPE_CHECKING bind no module at run time (the consensus core and its
    # rules name each other that way); every other import counts.
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    circles = _strongly_connected(graph)
    assert circles == [], f"import circles: {circles}"


def test_no_folder_holds_more_than_fifteen_modules() -> None:
    crowded = {
        str(folder.relative_to(REPOSITORY)): count
        for package in PACKAGES
        for folder in [REPOSITORY / package, *(REPOSITORY / package).rglob("*")]
        if folder.is_dir() and "__pycache__" not in folder.parts
        if (count := len(list(folder.glob("*.py")))) > MAX_MODULES_PER_FOLDER
    }
    assert crowded == {}


def test_no_module_is_longer_than_450_lines() -> None:
    long_modules = {
        str(path.relative_to(REPOSITORY)): lines
        for package in PACKAGES
        for path in (REPOSITORY / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long_modules == {}


def test_every_package_says_what_it_is_and_what_it_may_import() -> None:
    silent = [
        str(init.relative_to(REPOSITORY))
        for package in ("ledger", "node", "clients")
        for init in (REPOSITORY / package).rglob("__init__.py")
        if "may import" not in init.read_text(encoding="utf-8").lower()
    ]
    assert silent == []


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("ledger/hashing.py", "import node.runtime.main", "node above clients above ledger"),
        ("ledger/state/codec.py", "import ledger.registry.common", "ledger: extract > audit"),
        ("consensus/types.py", "import ledger.hashing", "consensus is pure"),
        ("node/chain/mempool.py", "import node.engine.tendermint", "node: runtime > engine"),
    ],
)
def test_a_broken_contract_fails_lint_imports(
    tmp_path: Path, module: str, forbidden_import: str, contract: str
) -> None:
    copy = tmp_path / "tree"
    for package in (*PACKAGES, "proto"):
        shutil.copytree(
            REPOSITORY / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPOSITORY / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(
        target.read_text(encoding="utf-8") + f"\n{forbidden_import}  # noqa\n", encoding="utf-8"
    )
    result = _lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout


def test_the_unbroken_tree_keeps_every_contract(tmp_path: Path) -> None:
    copy = tmp_path / "tree"
    for package in (*PACKAGES, "proto"):
        shutil.copytree(
            REPOSITORY / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPOSITORY / "pyproject.toml", copy / "pyproject.toml")
    result = _lint_imports(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # The editable install maps the packages to the repository with a meta-path finder that
    # would win over sys.path; drop it so that the copy in `tree` is the one analysed.
    program = (
        "import sys\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
        f"sys.path[:0] = [{str(tree)!r}, {str(tree / 'proto')!r}]\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _imports_of(graph: grimp.ImportGraph, module: str) -> Iterator[str]:
    return iter(sorted(graph.find_modules_directly_imported_by(module)))


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over the module graph: every group of modules that import each other
    in a circle, however long."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0

    def visit(root: str) -> None:
        nonlocal counter
        work = [(root, _imports_of(graph, root))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[module] = min(low[module], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1 or module in graph.find_modules_directly_imported_by(module):
                        circles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return circles


def test_the_drawing_of_the_layers_is_made_from_the_contracts() -> None:
    # docs/layers.svg is drawn from pyproject.toml's contracts (scripts/draw_layers.py): a
    # contract changed without redrawing fails here.
    result = subprocess.run(
        [sys.executable, str(REPOSITORY / "scripts" / "draw_layers.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_module_is_in_the_architecture_module_map() -> None:
    listed = set(
        re.findall(
            r"^\| `([\w/]+\.py)` \|",
            (REPOSITORY / "docs" / "architecture.md").read_text(encoding="utf-8"),
            flags=re.MULTILINE,
        )
    )
    modules = {
        str(path.relative_to(REPOSITORY))
        for package in PACKAGES
        for path in (REPOSITORY / package).rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }
    assert sorted(modules - listed) == [], "run scripts/module_map.py and update §2"
    assert sorted(listed - modules) == [], "docs/architecture.md §2 lists modules that are gone"
