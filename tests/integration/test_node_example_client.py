"""The second implementation of the contract: the Node.js client in clients/examples/node, written
from the .proto files, docs/protocol.md and the golden vectors only, checks the vectors offline and
then submits a signed property import to a real node process, verifies the blocks' certificates
and the extracts' proofs (docs/protocol.md §14).

Needs `node` (20+) and `npm` on PATH; without them the tests are skipped, saying so. The npm
packages are installed with `npm ci` from package-lock.json into clients/examples/node/node_modules
(ignored by git), with npm's cache outside the repository ($TIRKEU_NPM_CACHE, default
~/.cache/tirkeu-npm). TIRKEU_SKIP_NODE_CLIENT=1 skips on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.harness import NodeProcess, shared_node

__all__ = ["shared_node"]

pytestmark = pytest.mark.integration

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "examples" / "node"
NPM_TIMEOUT_SECONDS = 300
NODE_TEST_TIMEOUT_SECONDS = 240


def _toolchain() -> tuple[str, str]:
    if os.environ.get("TIRKEU_SKIP_NODE_CLIENT") == "1":
        pytest.skip("the Node.js example client is skipped: TIRKEU_SKIP_NODE_CLIENT=1")
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the Node.js example client is skipped: `node` and `npm` are not both on PATH")
    return node, npm


@pytest.fixture(scope="module")
def node_binary() -> str:
    node, npm = _toolchain()
    if not (CLIENT / "node_modules" / "@grpc" / "grpc-js").is_dir():
        cache = os.environ.get("TIRKEU_NPM_CACHE", str(Path.home() / ".cache" / "tirkeu-npm"))
        installed = subprocess.run(
            [npm, "ci", "--cache", cache, "--no-audit", "--no-fund"],
            cwd=CLIENT,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}\n{installed.stderr}"
    return node


def _node_test(node: str, files: list[str], env: dict[str, str]) -> str:
    finished = subprocess.run(
        [node, "--test", *files],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=NODE_TEST_TIMEOUT_SECONDS,
        env={**os.environ, **env},
        check=False,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    return output


def test_the_node_client_reproduces_the_golden_vectors(node_binary: str) -> None:
    output = _node_test(
        node_binary,
        ["test/unit.test.mjs", "test/vectors.test.mjs", "test/set-changes.test.mjs"],
        {},
    )
    assert "# fail 0" in output and "# skipped 0" in output, output


def test_the_node_client_works_against_a_real_node(
    node_binary: str, shared_node: NodeProcess, tmp_path: Path
) -> None:
    registrar = shared_node.parties.registrar
    files = {
        "TIRKEU_CERT": registrar.pem,
        "TIRKEU_KEY": registrar.key_pem,
        "TIRKEU_CA": shared_node.trust_pem,
    }
    env = {"TIRKEU_NODE": shared_node.address}
    for name, content in files.items():
        path = tmp_path / f"{name.lower()}.pem"
        path.write_bytes(content)
        env[name] = str(path)
    env["TIRKEU_SIGNER_CERT"], env["TIRKEU_SIGNER_KEY"] = env["TIRKEU_CERT"], env["TIRKEU_KEY"]
    env["TIRKEU_GENESIS"] = str(shared_node.workdir / "genesis.json")
    output = _node_test(node_binary, ["test/integration.test.mjs"], env)
    assert "# pass 1" in output and "# skipped 0" in output, output
