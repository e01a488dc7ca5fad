"""Benchmarks of Tirkeu (``scripts/bench``): each number reported next to the bound it is
measured against. Not installed by pip; run from the repository root (``python -m
tests.bench.run``).
See docs/benchmarks.md."""
