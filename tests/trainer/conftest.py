"""Trainer tests run process pools and joblib workers on purpose.

Home Assistant's test plugin fails any test that leaves a thread behind (its autouse
``verify_cleanup``). That check is about Home Assistant's event loop and does not apply to the
trainer, whose pools are shut down by the code under test; this folder overrides the fixture by
name, as ../shared/NOTES-testing.md describes, so the whole suite still runs in one pytest run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def verify_cleanup() -> Iterator[None]:
    """Replace the plugin's thread check for trainer tests."""
    yield
