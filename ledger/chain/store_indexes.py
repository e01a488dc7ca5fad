"""The application indexes the store keeps beside the records (DESIGN.md §5): applications by
party (IIN or BIN) and by status, as empty-valued keys rewritten in the block's own batch.

    index/party/<IIN or BIN>/<application>
    index/status/<STATUS>/<application>
"""

from __future__ import annotations

import plyvel

from ledger.chain.store_checks import StoreInvariantError
from ledger.chain.store_keys import PARTY_INDEX_PREFIX, STATUS_INDEX_PREFIX
from ledger.state.records import Application, CorruptRecord, load_application


def reindex_application(batch: plyvel.WriteBatch, old: bytes | None, new: bytes | None) -> None:
    # Deletes go first: within a batch the later put wins, so keys the old and new record share
    # (the parties) stay indexed while the old status entry goes.
    if old is not None:
        for key in _index_keys(_load_application(old)):
            batch.delete(key)
    if new is not None:
        for key in _index_keys(_load_application(new)):
            batch.put(key, b"")


def _load_application(encoded: bytes) -> Application:
    try:
        return load_application(encoded)
    except CorruptRecord as error:
        raise StoreInvariantError(f"an application record does not decode: {error}") from error


def _index_keys(application: Application) -> list[bytes]:
    application_id = application.application_id.encode()
    keys = [
        PARTY_INDEX_PREFIX + party.encode() + b"/" + application_id
        for party in sorted(application.party_identifiers())
    ]
    keys.append(STATUS_INDEX_PREFIX + application.status.name.encode() + b"/" + application_id)
    return keys
