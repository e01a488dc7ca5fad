"""Tests of node/api."""
