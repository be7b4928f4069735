"""Development only: a synthetic home in a real Home Assistant, so Home Type has a home to read.

Configured in ``configuration.yaml`` (``scripts/develop`` writes it)::

    home_fixture:
      path: /absolute/path/home_001.json.gz

On its first set-up it puts the home's floors, areas, devices and entities into the registries
and, once Home Assistant has started (the recorder runs its queue only then), the home's
history into the recorder, moved forward by whole weeks so that it ends just before now (whole
weeks keep weekdays and hours). Later starts load nothing again. At every start each entity
gets its last state from the file as its current state, stamped with that event's time, so the
UI shows a live-looking home rather than a wall of "unavailable" (each start so adds one
recorder row per entity).

``home_fixture.status`` says ``loading``, ``loaded`` or ``failed``, with the home's id, its
true label and its event count as attributes. It is a plain state, not a registry entity, so it
is not part of the home Home Type classifies.

This integration is never shipped: ``scripts/develop`` and ``tests/instance`` copy it into a
throw-away configuration folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import SOURCE_IMPORT, ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType

from custom_components.home_type.core.snapshot import HomeSnapshot, read_snapshot

from .const import CONF_PATH, DATA_HISTORY_LOADED, DATA_SHIFT, LOGGER, STATUS_ENTITY
from .load_home import (
    FIXTURE_PLATFORM,
    async_add_to_registries,
    async_insert_events,
    shifted,
    whole_weeks_before,
)

DOMAIN = FIXTURE_PLATFORM

CONFIG_SCHEMA = vol.Schema(
    {DOMAIN: vol.Schema({vol.Required(CONF_PATH): cv.isfile})}, extra=vol.ALLOW_EXTRA
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the import flow for the home named in configuration.yaml."""
    if DOMAIN in config:
        hass.async_create_task(
            hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_IMPORT}, data=dict(config[DOMAIN])
            )
        )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Load the home into the registries (first time), set current states, then the history."""
    home = await hass.async_add_executor_job(read_snapshot, Path(entry.data[CONF_PATH]))
    if DATA_SHIFT not in entry.data:
        end = _history_end(home)
        shift = whole_weeks_before(end, time.time()) if end is not None else 0.0
        async_add_to_registries(hass, home, entry)
        hass.config_entries.async_update_entry(entry, data={**entry.data, DATA_SHIFT: shift})
        LOGGER.info(
            "Loaded %s (%s) into the registries: %d floors, %d areas, %d devices, %d entities",
            home.home_id, home.home_type, len(home.floors), len(home.areas), len(home.devices),
            len(home.entities),
        )
    home = shifted(home, entry.data[DATA_SHIFT])
    _set_current_states(hass, home)
    if entry.data.get(DATA_HISTORY_LOADED):
        _set_status(hass, home, "loaded")
        return True
    _set_status(hass, home, "loading")

    async def load_history(hass: HomeAssistant) -> None:
        try:
            await async_insert_events(hass, home.events)
        except Exception:
            LOGGER.exception("Could not write %s's history into the recorder", home.home_id)
            _set_status(hass, home, "failed")
            return
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, DATA_HISTORY_LOADED: True}
        )
        LOGGER.info("Wrote %d past state changes of %s into the recorder",
                    len(home.events), home.home_id)
        _set_status(hass, home, "loaded")

    @callback
    def start_loading(hass: HomeAssistant) -> None:
        entry.async_create_background_task(hass, load_history(hass), "home_fixture_history")

    entry.async_on_unload(async_at_started(hass, start_loading))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Nothing to unload: the home stays in the registries and the recorder."""
    return True


def _history_end(home: HomeSnapshot) -> float | None:
    """When the home's history ends: its last event."""
    span = home.events.span
    return span[1] if span is not None else None


def _set_current_states(hass: HomeAssistant, home: HomeSnapshot) -> None:
    """Each entity's last state in the file, at that event's time."""
    events = home.events
    last = {int(number): position for position, number in enumerate(events.index)}
    described = {entity.entity_id: entity for entity in home.entities}
    for number, position in last.items():
        entity_id = events.entities[number]
        attributes: dict[str, Any] = {
            "friendly_name": entity_id.split(".", 1)[1].replace("_", " ").capitalize()
        }
        if (entity := described.get(entity_id)) is not None:
            if entity.device_class is not None:
                attributes["device_class"] = entity.device_class
            if entity.unit is not None:
                attributes["unit_of_measurement"] = entity.unit
        if events.attributes is not None and events.attributes[position]:
            attributes.update(events.attributes[position] or {})
        hass.states.async_set(
            entity_id, events.states[position], attributes,
            timestamp=float(events.timestamps[position]),
        )


def _set_status(hass: HomeAssistant, home: HomeSnapshot, status: str) -> None:
    hass.states.async_set(
        STATUS_ENTITY,
        status,
        {
            "friendly_name": "Development home",
            "home_id": home.home_id,
            "home_type": home.home_type,
            "events": len(home.events),
        },
    )
