"""The home type sensor: entity, state, attributes, and what the recorder keeps of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.home_type.const import DOMAIN
from custom_components.home_type.core.snapshot import HOME_TYPES

from .common import home_type_state


@pytest.mark.freeze_time("2025-06-01 12:00:00+00:00")
@pytest.mark.parametrize("init_integration", [Platform.SENSOR], indirect=True)
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_entities(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Entities and states, against the stored snapshot; all on the Home Type service."""
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
    # By config entry: looking a device up by identifier is deprecated in Home Assistant 2026.8+
    # (identifiers are unique per entry only), and an error there when tests call it.
    (device,) = dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
    assert device.identifiers == {(DOMAIN, mock_config_entry.entry_id)}
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id):
        assert entry.device_id == device.id


async def test_the_device_and_sensor_take_the_entry_s_name(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An owner who renamed the entry sees that name on the device and the sensor."""
    entry = MockConfigEntry(domain=DOMAIN, title="Our flat", data={},
                            options=dict(mock_config_entry.options))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.name == "Our flat"
    state = hass.states.get("sensor.our_flat")
    assert state is not None and state.attributes["friendly_name"] == "Our flat"


@pytest.mark.usefixtures("init_integration")
async def test_enum_options_are_the_labels(hass: HomeAssistant) -> None:
    """An ENUM sensor whose options are exactly the eight home types."""
    state = hass.states.get("sensor.home_type")
    assert state is not None
    assert state.attributes["device_class"] == "enum"
    assert state.attributes["options"] == list(HOME_TYPES)
    assert state.attributes["method"] == "structure"  # an empty test home has no history
    assert state.attributes["friendly_name"] == "Home Type"


@pytest.mark.usefixtures("init_integration")
async def test_large_attributes_are_not_recorded(hass: HomeAssistant) -> None:
    """Probabilities and the model version stay out of the recorder's history."""
    await async_wait_recording_done(hass)
    history = await get_instance(hass).async_add_executor_job(
        get_significant_states, hass, dt_util.utcnow() - timedelta(hours=1), None,
        ["sensor.home_type"],
    )
    recorded = history["sensor.home_type"][-1]
    assert isinstance(recorded, State)
    assert recorded.state == "apartment"
    assert set(recorded.attributes) >= {"confidence", "history_days", "method"}
    assert "probabilities" not in recorded.attributes
    assert "model_version" not in recorded.attributes
    assert "probabilities" in home_type_state(hass).attributes
