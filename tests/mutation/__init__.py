"""Mutation testing helpers for ``nox -s mutants`` (docs/mutation.md); not a test module."""
