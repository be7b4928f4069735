"""Trainer tests."""
