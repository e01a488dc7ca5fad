"""Tests of node/engine."""
