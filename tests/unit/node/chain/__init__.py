"""Tests of node/chain."""
