"""Committed test vectors and the scripts that made them (each directory says whose)."""
