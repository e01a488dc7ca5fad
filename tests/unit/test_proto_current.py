"""The committed protobuf modules are current, and importable from a pip-installed copy.

DESIGN.md §7: the generated modules live under proto/ as the package `tirkeu_pb` (a top-level
`proto` package would collide with the unrelated `proto-plus` distribution).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
PROTO_DIR = REPOSITORY / "proto"


def generate_into(output: Path) -> None:
    sources = sorted(
        str(path.relative_to(PROTO_DIR)) for path in (PROTO_DIR / "tirkeu_pb").glob("*.proto")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_DIR}",
            f"--python_out={output}",
            f"--pyi_out={output}",
            f"--grpc_python_out={output}",
            *sources,
        ],
        check=True,
        cwd=PROTO_DIR,
    )


def test_generated_protobuf_modules_match_the_proto_files(tmp_path: Path) -> None:
    generate_into(tmp_path)
    generated = sorted((tmp_path / "tirkeu_pb").glob("*_pb2*.py*"))
    assert generated, "protoc produced nothing"
    for fresh in generated:
        committed = PROTO_DIR / "tirkeu_pb" / fresh.name
        assert committed.exists(), f"{fresh.name} is not committed; run scripts/gen-proto"
        assert committed.read_bytes() == fresh.read_bytes(), (
            f"{fresh.name} is stale; run scripts/gen-proto"
        )


def test_generated_code_imports_from_a_pip_installed_copy(tmp_path: Path) -> None:
    """Install the project (a built wheel, not the editable tree) into a target directory and
    import the generated code from there, with the source tree out of the way."""
    source = tmp_path / "source"
    shutil.copytree(
        REPOSITORY,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "*.egg-info", "__pycache__", "demo-run", "var"
        ),
    )
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    probe = (
        "import tirkeu_pb.api_pb2 as a, tirkeu_pb.transaction_pb2 as t;"
        "assert t.Envelope(body=b'x').SerializeToString() == b'\\n\\x01x';"
        "print(a.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip().startswith(str(target)), result.stdout
