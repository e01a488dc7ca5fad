"""The deterministic core: pure functions of their inputs (no clock, network or threads).

May import: consensus (types, validator set), tirkeu_pb; never node/ or clients/.

Layers, top to bottom (enforced by import-linter, pyproject.toml [tool.importlinter]):
extract > audit > execution > registry > transactions > chain > documents > identity >
state | merkle > hashing, rejections, calendar. Only ledger/chain/store.py touches a disk.
"""
