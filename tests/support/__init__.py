"""Test support: real services started by the tests themselves (no pytest imports here)."""
