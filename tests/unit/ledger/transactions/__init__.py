"""Tests of ledger/transactions."""
