"""The store's key layout (DESIGN.md §5): the prefix of every kind of record, in one place.

The LevelDB store writes and reads by these (ledger/chain/store.py, store_checks.py,
store_indexes.py), and the auditor judges every key of a database by them
(ledger/audit/records.py), without importing LevelDB. Before they were here the auditor kept a
copy of the layout: a prefix added to the store and not to the copy would have been reported as
an unknown key on every healthy node. Pure: constants only.
"""

from __future__ import annotations

META_KEY = b"meta/chain"
FIRST_HEIGHT_KEY = b"meta/first-height"  # the first height whose block is held (ADR 0019)
BLOCK_PREFIX = b"block/"  # + big-endian height (8 bytes)
BLOCK_HASH_PREFIX = b"block-hash/"  # + block hash
COMMIT_PREFIX = b"commit/"  # + big-endian height (8 bytes)
TRANSACTION_PREFIX = b"tx/"  # + transaction id
REJECTION_PREFIX = b"rejected/"  # + transaction id
STATE_PREFIX = b"state/"  # + state key
SMT_PREFIX = b"smt/"  # + node hash (32 bytes)
NOTIFICATION_PREFIX = b"notification/"  # + big-endian height (8) and index (4)
SIGNED_PREFIX = b"signed/"  # the double-sign guard's records
SIGNED_LAST_KEY = b"signed-last"
WAL_PREFIX = b"wal/"  # the consensus write-ahead log
PARTY_INDEX_PREFIX = b"index/party/"  # + IIN or BIN + "/" + application id
STATUS_INDEX_PREFIX = b"index/status/"  # + status + "/" + application id
