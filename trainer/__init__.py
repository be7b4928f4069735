"""Home Type trainer: generates synthetic homes, trains, evaluates and publishes the classifier.

The trainer shares the integration's HA-free ``core`` package. Importing
``custom_components.home_type.core`` normally runs the integration's ``__init__``, which imports
Home Assistant, its recorder and SQLAlchemy: about 4 s in every trainer process and worker, and
impossible in the trainer container, which does not install Home Assistant. So unless Home
Assistant is already loaded in this process, the integration package is registered without
running its ``__init__`` (see :func:`_register_integration_package`).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

INTEGRATION_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "home_type"


def _register_integration_package() -> None:
    """Make ``custom_components.home_type.core`` importable without the integration's set-up."""
    if "custom_components.home_type" in sys.modules:
        return
    if "homeassistant" in sys.modules:
        # Home Assistant is running here (the test suite: its plugin imports it first): the
        # integration may be set up in this process, so it must be the real package.
        return
    for name, path in (
        ("custom_components", INTEGRATION_DIR.parent),
        ("custom_components.home_type", INTEGRATION_DIR),
    ):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(path)]
            sys.modules[name] = module


_register_integration_package()
