"""The coordinator: hourly refresh, unavailable on failure and back, each logged once."""

from __future__ import annotations

import logging
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.home_type.const import UPDATE_INTERVAL
from custom_components.home_type.snapshot import async_read_home

from .common import failing_database

pytestmark = pytest.mark.usefixtures("init_integration")


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(UPDATE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_unavailable_then_back(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing database makes the sensor unavailable; it logs that once, in one line with
    the database's reason (no SQL, no traceback each hour), and recovery once."""
    assert hass.states.get("sensor.home_type").state == "apartment"
    # An entity of the home, so that its history is read.
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")
    with failing_database(hass, "database is locked", "min(states.last_updated_ts)"), patch(
        "custom_components.home_type.coordinator.async_read_home", wraps=async_read_home
    ) as read_home:
        await _tick(hass, freezer)
        assert hass.states.get("sensor.home_type").state == STATE_UNAVAILABLE
        await _tick(hass, freezer)
        assert hass.states.get("sensor.home_type").state == STATE_UNAVAILABLE
        assert read_home.call_count == 2  # still polled hourly while down
    await _tick(hass, freezer)
    assert hass.states.get("sensor.home_type").state == "apartment"

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "Error fetching home_type data: Home Type could not read the recorder's history: "
        "database is locked"]
    assert errors[0].exc_info is None
    assert caplog.text.count("Fetching home_type data recovered") == 1


async def test_refreshes_hourly(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """No polling option: a fixed hourly refresh."""
    with patch(
        "custom_components.home_type.coordinator.async_read_home",
        wraps=async_read_home,
    ) as read_home:
        await _tick(hass, freezer)
        await _tick(hass, freezer)
    assert read_home.call_count == 2
