"""The registry's state as data: records and their msgpack codec, state keys, the reader
protocol and the per-block overlay.

May import: ledger.hashing, ledger.rejections, ledger.calendar. Pure.
"""
