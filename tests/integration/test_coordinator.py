"""The coordinator: hourly refresh, unavailable on failure and back, each logged once."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.home_type import activity
from custom_components.home_type.const import DOMAIN, SERVICE_CLASSIFY, UPDATE_INTERVAL
from custom_components.home_type.diagnostics import async_get_config_entry_diagnostics
from custom_components.home_type.snapshot import async_read_home

from .common import failing_database
from .conftest import ENTRY_ID

pytestmark = pytest.mark.usefixtures("init_integration")


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta = UPDATE_INTERVAL
) -> None:
    freezer.tick(delta)
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
    """No polling option: a fixed hourly refresh, an hour after the last."""
    with patch(
        "custom_components.home_type.coordinator.async_read_home",
        wraps=async_read_home,
    ) as read_home:
        # Set up again on the frozen clock: the fixture's set-up scheduled the next refresh on
        # the real one, and the first tick of the frozen clock would fire it whenever it is due.
        await hass.config_entries.async_reload(ENTRY_ID)
        await hass.async_block_till_done(wait_background_tasks=True)
        read_home.reset_mock()
        for minutes, reads in ((59, 0), (1, 1), (59, 1), (1, 2)):
            await _tick(hass, freezer, timedelta(minutes=minutes))
            assert read_home.call_count == reads, minutes


async def test_reads_at_once_share_one_read(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """One read at a time: a large home's read fills the recorder's executor for tens of
    seconds, and the hourly update, the classify action and diagnostics coming at once each
    started one, which kept Home Assistant's own history waiting. Callers that come while a
    read runs share the next one, which begins when it ends: the running one may predate
    what they just changed (here, a new entity). A caller that is cancelled (a closed
    request) leaves the read to the others; a call after them all reads anew. Only one
    refresh is among the callers: Home Assistant 2026.10 serialises a coordinator's
    refreshes on the debouncer's lock, so a second would wait for the first instead of
    asking for the home."""
    coordinator = init_integration.runtime_data
    entities = er.async_get(hass)
    entities.async_get_or_create("light", "demo", "ceiling")
    # The database reads wait until every caller has asked for the home.
    released = threading.Event()
    real_summarize, real_read_home = activity._summarize, coordinator.async_read_home
    callers: list[str] = []
    all_asked = asyncio.Event()

    def summarize(*args: Any) -> Any:
        assert released.wait(10)
        return real_summarize(*args)

    async def read_home() -> Any:
        callers.append("caller")
        if len(callers) == 5:
            all_asked.set()
        return await real_read_home()

    with patch.object(activity, "_summarize", side_effect=summarize) as database, \
            patch.object(coordinator, "async_read_home", side_effect=read_home):
        running = hass.async_create_task(coordinator.async_read_home())
        entities.async_get_or_create("light", "demo", "new_lamp")
        gone = hass.async_create_task(coordinator.async_read_home())
        waiting = asyncio.gather(
            async_get_config_entry_diagnostics(hass, init_integration),
            hass.services.async_call(DOMAIN, SERVICE_CLASSIFY,
                                     {"config_entry_id": init_integration.entry_id},
                                     blocking=True, return_response=True),
            coordinator.async_read_home(),
        )
        await all_asked.wait()
        gone.cancel()
        released.set()
        diagnostics, result, (home, _) = await waiting
        first, _ = await running
        assert gone.cancelled()
        assert database.call_count == 2
        assert result == coordinator.data.as_dict()
        assert diagnostics["registries"]["entities"] == len(home.entities)
        assert "light.demo_new_lamp" not in {entity.entity_id for entity in first.entities}
        assert "light.demo_new_lamp" in {entity.entity_id for entity in home.entities}
        await coordinator.async_read_home()
        assert database.call_count == 3
