"""Regenerate clients/examples/node/test/fixtures/set-changes.json (explicitly only: committed).

A chain whose validator set changes three times (tests/unit/ledger/audit/test_audit_set_changes.py
``build_changing_chain``: validator-4's key rotated at height 1, validator-5 added at 3,
validator-1 removed at 5), so the Node.js example client is tested on what protocol.md §5 says
about the set in force: its genesis file, every block with its certificate, and an extract.json
made at the tip, which carries ``validator_changes``. Keys and signatures are random: a
regeneration changes every byte, never the story. Usage (from the repository root):

    .venv/bin/python scripts/gen_set_change_fixture.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from ledger.chain.store import Store  # noqa: E402
from ledger.extract.extract import extract_document, extract_from_message  # noqa: E402
from node.api.extract import build_property_extract  # noqa: E402
from tests.unit.ledger.audit.test_audit_set_changes import build_changing_chain  # noqa: E402

FIXTURE = REPOSITORY / "clients" / "examples" / "node" / "test" / "fixtures" / "set-changes.json"


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "node"
        genesis_bytes = build_changing_chain(data_dir)
        with Store(data_dir / "ledger") as store:
            meta = store.load_meta()
            assert meta is not None
            blocks = []
            for height in range(1, meta.height + 1):
                raw, commit = store.load_block_bytes(height), store.load_commit_bytes(height)
                block = store.load_block(height)
                assert raw is not None and commit is not None and block is not None
                blocks.append(
                    {
                        "height": height,
                        "block_hex": raw.hex(),
                        "block_hash": block.header.block_hash.hex(),
                        "commit_hex": commit.hex(),
                    }
                )
            message = build_property_extract(store, "21:318:023:1245:1/45")
        fixture = {
            "genesis": json.loads(genesis_bytes),
            "blocks": blocks,
            "extract": extract_document(extract_from_message(message)),
        }
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(REPOSITORY)}: {len(blocks)} blocks")


if __name__ == "__main__":
    main()
