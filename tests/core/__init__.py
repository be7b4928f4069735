"""Core tests (no Home Assistant)."""
