"""Tests of node/runtime."""
