"""Home Type tests."""
