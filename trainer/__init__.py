"""Home Type trainer: generates synthetic homes, trains, evaluates and publishes the classifier.

The trainer shares the integration's HA-free ``core`` package. Importing
``custom_components.home_type.core`` normally runs the integration's ``__init__``, which needs
Home Assistant; the trainer container does not install Home Assistant, so there the integration
package is registered without running its ``__init__`` (see :func:`_register_integration_package`).
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

INTEGRATION_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "home_type"


def _register_integration_package() -> None:
    """Make ``custom_components.home_type.core`` importable where Home Assistant is absent."""
    if "custom_components.home_type" in sys.modules:
        return
    if importlib.util.find_spec("homeassistant") is not None:
        return  # the real package imports fine; keep one module identity for tests
    for name, path in (
        ("custom_components", INTEGRATION_DIR.parent),
        ("custom_components.home_type", INTEGRATION_DIR),
    ):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(path)]
            sys.modules[name] = module


_register_integration_package()
