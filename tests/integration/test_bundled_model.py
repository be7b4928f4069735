"""The model that ships with the integration: it loads, and the sensor uses it by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.home_type.const import BUNDLED_MODEL
from custom_components.home_type.core.model import load_model
from custom_components.home_type.core.snapshot import HOME_TYPES


@pytest.fixture
def bundled_model() -> Path:
    """The real bundled model, where the other tests use their one-stump stand-in."""
    return BUNDLED_MODEL


def test_bundled_model_loads() -> None:
    """Hash, allow-list, versions and labels all pass: the model knows every label, no other."""
    model = load_model(BUNDLED_MODEL)
    assert set(model.classes) == set(HOME_TYPES)


async def test_default_options_use_the_bundled_model(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An entry with an empty model path classifies with the bundled model."""
    assert init_integration.state is ConfigEntryState.LOADED
    coordinator = init_integration.runtime_data
    assert coordinator.model_error is None
    state = hass.states.get("sensor.home_type")
    assert state.state in HOME_TYPES
    assert state.attributes["model_version"] == coordinator.model.version
    assert coordinator.model.version == load_model(BUNDLED_MODEL).version  # not a stand-in
    assert state.attributes["method"] == "structure"
