"""Tests of node/peers."""
