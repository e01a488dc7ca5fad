"""Damaging a copy of a node's database byte by byte, with plyvel directly, as an attacker or a
failing disk would: the auditor must find each change and say exactly where it is.

Each helper flips or moves stored bytes at a place chosen by parsing the stored value, so the
test knows the place the auditor must report (height, transaction index, validator, key).
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import plyvel
from tirkeu_pb import block_pb2
from tirkeu_pb import transaction_pb2 as pb

BLOCK_PREFIX = b"block/"
COMMIT_PREFIX = b"commit/"
STATE_PREFIX = b"state/"
SMT_PREFIX = b"smt/"
TRANSACTION_INDEX_PREFIX = b"tx/"
META_KEY = b"meta/chain"


def block_key(height: int) -> bytes:
    return BLOCK_PREFIX + struct.pack(">Q", height)


def commit_key(height: int) -> bytes:
    return COMMIT_PREFIX + struct.pack(">Q", height)


def copy_data_dir(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def damage_leveldb_log(ledger_dir: Path) -> None:
    """Rewrite every record into LevelDB's log, one write each, then flip a byte in the middle
    of the log: a checksum error between good records, as a failing disk leaves it."""
    database = plyvel.DB(str(ledger_dir), create_if_missing=False)
    for key, value in list(database.iterator()):
        database.put(key, value)
    database.close()
    (log,) = [path for path in ledger_dir.glob("*.log") if path.stat().st_size > 0]
    data = bytearray(log.read_bytes())
    data[len(data) // 2] ^= 0xFF
    log.write_bytes(bytes(data))


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


def _offset_of(container: bytes, part: bytes) -> int:
    offset = container.find(part)
    if offset < 0 or container.find(part, offset + 1) >= 0:
        raise AssertionError("the part to damage is not found exactly once")
    return offset


class Tamperer:
    """A LevelDB opened directly (the node and the auditor are not running)."""

    def __init__(self, ledger_dir: Path) -> None:
        self.db = plyvel.DB(str(ledger_dir), create_if_missing=False)

    def __enter__(self) -> Tamperer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.db.close()

    def get(self, key: bytes) -> bytes:
        value = self.db.get(key)
        if value is None:
            raise AssertionError(f"{key!r} is not stored")
        return bytes(value)

    def flip_byte_at(self, key: bytes, offset: int) -> None:
        self.db.put(key, _flip(self.get(key), offset))

    def flip_byte_in(self, key: bytes, part: bytes, index_in_part: int) -> None:
        """Flip one bit of the byte ``index_in_part`` of ``part`` inside the value of ``key``."""
        value = self.get(key)
        self.db.put(key, _flip(value, _offset_of(value, part) + index_in_part))

    def block(self, height: int) -> block_pb2.Block:
        return block_pb2.Block.FromString(self.get(block_key(height)))

    def flip_header_state_root(self, height: int) -> None:
        header = block_pb2.BlockHeader.FromString(self.block(height).header)
        self.flip_byte_in(block_key(height), header.state_root, 7)

    def flip_transaction_signature(self, height: int, index: int) -> None:
        envelope = pb.Envelope.FromString(self.block(height).transactions[index])
        self.flip_byte_in(block_key(height), envelope.signatures[0].signature, 20)

    def flip_commit_signature(self, height: int, signer_index: int) -> str:
        """Damage one precommit of the stored certificate; the validator whose it is."""
        certificate = block_pb2.CommitCertificate.FromString(self.get(commit_key(height)))
        signature = certificate.signatures[signer_index]
        self.flip_byte_in(commit_key(height), signature.signature, 20)
        return signature.validator_id

    def insert_transaction(self, height: int, index: int, envelope: bytes) -> None:
        block = self.block(height)
        transactions = list(block.transactions)
        transactions.insert(index, envelope)
        del block.transactions[:]
        block.transactions.extend(transactions)
        self.db.put(block_key(height), block.SerializeToString(deterministic=True))

    def delete(self, key: bytes) -> None:
        self.get(key)
        self.db.delete(key)

    def swap(self, first: bytes, second: bytes) -> None:
        a, b = self.get(first), self.get(second)
        self.db.put(first, b)
        self.db.put(second, a)

    def put(self, key: bytes, value: bytes) -> None:
        self.db.put(key, value)

    def keys(self, prefix: bytes) -> list[bytes]:
        return [bytes(key) for key in self.db.iterator(prefix=prefix, include_value=False)]
