"""The coordinator: hourly refresh, unavailable on failure and back, each logged once."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.event_type import EventType
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from sqlalchemy.exc import OperationalError

from custom_components.home_type import activity
from custom_components.home_type.const import (
    DOMAIN,
    REGISTRY_LOOK_COOLDOWN,
    REGISTRY_REFRESH_COOLDOWN,
    SERVICE_CLASSIFY,
    SERVICE_RELOAD_MODEL,
    UPDATE_INTERVAL,
)
from custom_components.home_type.coordinator import HomeTypeConfigEntry, HomeTypeCoordinator
from custom_components.home_type.core.classify import classify
from custom_components.home_type.core.snapshot import HOME_TYPES
from custom_components.home_type.snapshot import async_home_snapshot, async_read_home

from .common import (
    async_record_history,
    async_stop_meeting,
    failing_database,
    home_type_state,
    model_bundle,
    read_held_until_stopping,
    write_model,
)
from .conftest import ENTRY_ID

pytestmark = pytest.mark.usefixtures("init_integration")


def _coordinator(hass: HomeAssistant) -> HomeTypeCoordinator:
    """The entry's coordinator as it is now: a reload makes a new one."""
    entry: HomeTypeConfigEntry | None = hass.config_entries.async_get_entry(ENTRY_ID)
    assert entry is not None
    return entry.runtime_data


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
    assert home_type_state(hass).state == "apartment"
    # An entity of the home, so that its history is read.
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")
    # Set up again on the frozen clock, so that the hourly update is due an hour from now.
    await hass.config_entries.async_reload(ENTRY_ID)
    await hass.async_block_till_done(wait_background_tasks=True)
    with failing_database(hass, "database is locked", "min(states.last_updated_ts)"), patch(
        "custom_components.home_type.coordinator.async_read_home", wraps=async_read_home
    ) as read_home:
        await _tick(hass, freezer)
        assert home_type_state(hass).state == STATE_UNAVAILABLE
        # Still polled hourly while down: no quicker retry that would hammer a locked database.
        for minutes, reads in ((59, 1), (1, 2)):
            await _tick(hass, freezer, timedelta(minutes=minutes))
            assert read_home.call_count == reads, minutes
        assert home_type_state(hass).state == STATE_UNAVAILABLE
    await _tick(hass, freezer)
    assert home_type_state(hass).state == "apartment"

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


async def _set_up_answering_by_floors(
    hass: HomeAssistant, model_path: Path, read_home: Any
) -> None:
    """Set up again on the frozen clock, with a model that answers apartment without floors
    and single-family house with one, so that an edit shows in the sensor's state."""
    write_model(model_path, model_bundle(split_on="floors"))
    await hass.config_entries.async_reload(ENTRY_ID)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert home_type_state(hass).state == "apartment"
    read_home.reset_mock()


async def test_follows_edits_of_the_home(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    model_path: Path,
    floor_registry: fr.FloorRegistry,
    area_registry: ar.AreaRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An edit of the home shows at once, not at the next hourly update. Registry events are
    looked at no more than every 10 seconds, and one that leaves the home as it was does
    nothing (one that leaves the answer as it was writes no state). Floors, areas and devices
    edited are classified at the look with the history
    already read; new entities are read, then at most once a minute, edits in that minute
    waiting for the read."""
    with patch(
        "custom_components.home_type.coordinator.async_read_home", wraps=async_read_home
    ) as read_home, patch(
        "custom_components.home_type.coordinator.async_home_snapshot", wraps=async_home_snapshot
    ) as look, patch(
        "custom_components.home_type.coordinator.classify", wraps=classify
    ) as classified:
        await _set_up_answering_by_floors(hass, model_path, read_home)
        look.reset_mock()
        classified.reset_mock()
        # Home Type's own sensor is no part of the home; an icon is no part of the answer.
        for icon, looks in (("mdi:home-search", 1), ("mdi:home-outline", 1)):
            entity_registry.async_update_entity("sensor.home_type", icon=icon)
            await hass.async_block_till_done(wait_background_tasks=True)
            assert look.call_count == looks
            await _tick(hass, freezer, timedelta(seconds=1))
        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
        assert look.call_count == 2
        assert read_home.call_count == 0
        assert classified.call_count == 0  # the home as it was: not even classified again

        # Classified again to the same answer: not written again (a state written unchanged
        # still goes to the state machine, and to the recorder's last-reported time).
        reported = home_type_state(hass).last_reported
        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
        area_registry.async_create("Hall")  # no floor: still an apartment
        await hass.async_block_till_done(wait_background_tasks=True)
        assert classified.call_count == 1
        assert home_type_state(hass).last_reported == reported

        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
        upstairs = floor_registry.async_create("Upstairs", level=1)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert home_type_state(hass).state == "single_family_house"
        floor_registry.async_delete(upstairs.floor_id)
        area_registry.async_create("Garage")
        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN - timedelta(seconds=1))
        assert home_type_state(hass).state == "single_family_house"
        await _tick(hass, freezer, timedelta(seconds=1))
        assert home_type_state(hass).state == "apartment"
        assert read_home.call_count == 0  # the history read at set-up served both

        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
        entity_registry.async_get_or_create("light", "demo", "porch")
        await hass.async_block_till_done(wait_background_tasks=True)
        assert read_home.call_count == 1  # a new entity: its history is read
        entity_registry.async_get_or_create("light", "demo", "shed")
        floor_registry.async_create("Upstairs", level=1)
        # A minute, as integration.md says (the constant's own value is not the promise).
        await _tick(hass, freezer, timedelta(seconds=59))
        assert read_home.call_count == 1
        assert home_type_state(hass).state == "apartment"
        await _tick(hass, freezer, timedelta(seconds=1))
        assert read_home.call_count == 2
        assert home_type_state(hass).state == "single_family_house"


async def test_an_edit_during_a_refresh_is_not_lost(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    model_path: Path,
    floor_registry: fr.FloorRegistry,
) -> None:
    """An edit made while a refresh reads the recorder, after it read the registries, is
    seen by the next look, and classified with that refresh's history."""
    edits: list[Callable[[], object]] = []

    async def read_then_edit(*args: Any) -> Any:
        home = await async_read_home(*args)
        while edits:
            edits.pop()()
        return home

    with patch(
        "custom_components.home_type.coordinator.async_read_home", side_effect=read_then_edit
    ) as read_home:
        await _set_up_answering_by_floors(hass, model_path, read_home)
        edits.append(lambda: floor_registry.async_create("Upstairs", level=1))
        er.async_get(hass).async_get_or_create("light", "demo", "attic")
        await hass.async_block_till_done(wait_background_tasks=True)
        assert read_home.call_count == 1  # the new light, read before the floor came
        assert home_type_state(hass).state == "apartment"
        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)  # sees the floor
        assert read_home.call_count == 1
        assert home_type_state(hass).state == "single_family_house"


async def test_what_an_edit_reads_depends_on_the_entities_and_the_last_update(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    model_path: Path,
    floor_registry: fr.FloorRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An entity removed leaves the read valid for the rest: classified again, nothing read.
    After an update that failed there is no answer to build on: an edit refreshes, reads."""
    entity_registry.async_get_or_create("light", "demo", "ceiling")
    lamp = entity_registry.async_get_or_create("light", "demo", "lamp")
    with patch(
        "custom_components.home_type.coordinator.async_read_home", wraps=async_read_home
    ) as read_home:
        await _set_up_answering_by_floors(hass, model_path, read_home)
        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
        entity_registry.async_remove(lamp.entity_id)
        floor_registry.async_create("Upstairs", level=1)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert home_type_state(hass).state == "single_family_house"
        assert read_home.call_count == 0
        coordinator = _coordinator(hass)
        assert coordinator.classified_read is not None
        home, _ = coordinator.classified_read
        assert "light.demo_lamp" not in {entity.entity_id for entity in home.entities}

        with failing_database(hass, "database is locked", "min(states.last_updated_ts)"):
            await coordinator.async_refresh()
        assert home_type_state(hass).state == STATE_UNAVAILABLE
        read_home.reset_mock()
        await _tick(hass, freezer, REGISTRY_REFRESH_COOLDOWN)
        floor_registry.async_create("Attic", level=2)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert read_home.call_count == 1
        assert home_type_state(hass).state == "single_family_house"


async def test_an_edit_looked_at_while_an_update_reads_is_not_overwritten(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    model_path: Path,
    floor_registry: fr.FloorRegistry,
) -> None:
    """An update reads the registries, then the recorder for seconds; a floor added and looked
    at meanwhile waits for the update's answer, then is classified with its read. (Found by a
    review: the look answered first, and the update's older home then stood for an hour.)"""
    gate = asyncio.Event()
    hold = False

    async def slow_read(*args: Any) -> Any:
        home = await async_read_home(*args)  # the registries are read first
        if hold:
            await gate.wait()  # the recorder's part
        return home

    with patch("custom_components.home_type.coordinator.async_read_home",
               side_effect=slow_read) as read_home:
        await _set_up_answering_by_floors(hass, model_path, read_home)
        coordinator = _coordinator(hass)
        await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
        hold = True
        # Not one of hass's tasks, nor waited for with them: the look waits for it.
        update = asyncio.get_running_loop().create_task(coordinator.async_refresh())
        for _ in range(20):
            await asyncio.sleep(0)
        assert read_home.call_count == 1  # the update's home: no floor
        floor_registry.async_create("Upstairs", level=1)
        for _ in range(20):  # looked at: waits for the update
            await asyncio.sleep(0)
        assert home_type_state(hass).state == "apartment"
        gate.set()
        await update
        await hass.async_block_till_done(wait_background_tasks=True)
        assert home_type_state(hass).state == "single_family_house"
        assert coordinator.data.home_type == "single_family_house"
        assert read_home.call_count == 1


async def test_an_edit_that_removes_every_changing_entity_leaves_no_history(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Classified again without the entities whose changes made the history, the home is
    as a read of what is left gives it: no history, answered from its structure."""
    await async_record_history(hass, entity_registry, freezer)
    coordinator = _coordinator(hass)
    await coordinator.async_refresh()
    assert coordinator.data.method == "history"
    await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
    with patch("custom_components.home_type.coordinator.async_read_home") as read_home:
        entity_registry.async_remove("light.hall")
        await hass.async_block_till_done(wait_background_tasks=True)
    read_home.assert_not_called()
    assert (coordinator.data.method, coordinator.data.history_days) == ("structure", 0.0)


async def test_a_clock_set_back_holds_no_look_past_a_minute(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    floor_registry: fr.FloorRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """Looks are timed by the clock, which can be set back (a Raspberry Pi's at boot, before
    NTP): set back a day after a look, the next edit is looked at a minute later, not a day."""
    await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
    area_registry.async_create("Attic")
    await hass.async_block_till_done(wait_background_tasks=True)  # looked at now
    freezer.tick(-timedelta(days=1))
    with patch(
        "custom_components.home_type.coordinator.async_call_later", wraps=async_call_later
    ) as look_later:
        floor_registry.async_create("Upstairs", level=1)
    assert look_later.call_args.args[1] == REGISTRY_REFRESH_COOLDOWN.total_seconds()


async def test_a_disabled_sensor_is_not_refreshed_by_edits(
    hass: HomeAssistant, floor_registry: fr.FloorRegistry, entity_registry: er.EntityRegistry
) -> None:
    """With the sensor disabled an edit reads nothing, as the hourly update stops then too."""
    entity_registry.async_update_entity(
        "sensor.home_type", disabled_by=er.RegistryEntryDisabler.USER
    )
    with patch(
        "custom_components.home_type.coordinator.async_read_home", wraps=async_read_home
    ) as read_home, patch(
        "custom_components.home_type.coordinator.classify", wraps=classify
    ) as classified:
        await hass.config_entries.async_reload(ENTRY_ID)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert hass.states.get("sensor.home_type") is None
        read_home.reset_mock()
        classified.reset_mock()
        # A floor and a new entity (which, in one look, asks for a read): neither is read or
        # classified.
        floor_registry.async_create("Upstairs", level=1)
        entity_registry.async_get_or_create("light", "demo", "porch")
        await hass.async_block_till_done(wait_background_tasks=True)
        assert read_home.call_count == 0 and classified.call_count == 0


async def test_unloading_stops_following_edits(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Once unloaded, no registry's event schedules a check."""
    coordinator = init_integration.runtime_data
    await hass.config_entries.async_unload(ENTRY_ID)
    await hass.async_block_till_done()
    events: tuple[EventType[Any], ...] = (
        fr.EVENT_FLOOR_REGISTRY_UPDATED, ar.EVENT_AREA_REGISTRY_UPDATED,
        dr.EVENT_DEVICE_REGISTRY_UPDATED, er.EVENT_ENTITY_REGISTRY_UPDATED)
    for event in events:
        hass.bus.async_fire(event, {"action": "create"})
        assert coordinator._registry_check is None, event  # set at once by a listener


async def test_a_look_waiting_for_an_answer_when_its_entry_unloads_ends(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """A look at an edit waits while an update answers; an unload meanwhile ends it there,
    instead of its setting a look a minute later that nothing would cancel. (Found by a
    review: the look asked whether its sensor listened only before it waited.)"""
    coordinator = _coordinator(hass)
    await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
    entity_registry.async_get_or_create("light", "demo", "porch")
    await hass.async_block_till_done(wait_background_tasks=True)  # read: a minute to the next
    await _tick(hass, freezer, REGISTRY_LOOK_COOLDOWN)
    with patch(
        "custom_components.home_type.coordinator.async_call_later", wraps=async_call_later
    ) as look_later:
        async with coordinator._answer_lock:  # an update answering
            entity_registry.async_get_or_create("light", "demo", "shed")
            for _ in range(20):  # looked at: waits for the update
                await asyncio.sleep(0)
            assert coordinator._registry_check is None
            await hass.config_entries.async_unload(ENTRY_ID)
        await hass.async_block_till_done(wait_background_tasks=True)
    look_later.assert_not_called()
    assert coordinator._registry_check is None


async def test_a_read_running_when_its_entry_unloads_ends(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A reload (each save of the options) used to leave the old entry's read running in the
    recorder's executor, beside the new entry's first: for tens of seconds on a large home.
    On SQLite the read now ends with "interrupted" once its entry unloads, and the reloaded
    entry reads and answers as before (here SQLite asks at every step)."""
    if get_instance(hass).dialect_name != "sqlite":
        pytest.skip("SQLite's progress handler; the servers' connections are sockets")
    monkeypatch.setattr(activity, "STEPS_PER_LOOK", 1)
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")
    asked, released = threading.Event(), threading.Event()
    outcomes: list[str] = []
    real_summarize = activity._summarize

    def summarize(*args: Any) -> Any:
        asked.set()
        assert released.wait(10)
        try:
            summary = real_summarize(*args)
        except OperationalError as err:
            outcomes.append(str(err.orig))
            raise
        outcomes.append("read")
        return summary

    before = _coordinator(hass).data.as_dict()
    with patch.object(activity, "_summarize", side_effect=summarize):
        call = hass.async_create_task(hass.services.async_call(
            DOMAIN, SERVICE_CLASSIFY, {"config_entry_id": ENTRY_ID},
            blocking=True, return_response=True))
        assert await hass.async_add_executor_job(asked.wait, 10)  # the action's read has begun
        caplog.clear()
        assert await hass.config_entries.async_unload(ENTRY_ID)
        released.set()
        # Nothing failed: the action has the answer there was, and no ERROR says the
        # database could not be read.
        assert await call == before
        assert outcomes == ["interrupted"]
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert await hass.config_entries.async_setup(ENTRY_ID)
        await hass.async_block_till_done()
        assert outcomes == ["interrupted", "read"]
    assert home_type_state(hass).state in HOME_TYPES


async def test_a_read_the_stop_ends_is_no_database_failure(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An automation on Home Assistant's shutdown asks for the home type (here SQLite asks at
    every step, as it does often in a large home's read). The stop ends the read, and the
    answer was "could not read the recorder's history: interrupted": an ERROR, the sensor
    unavailable and the action failed, all for a database that was fine. Home Assistant does
    not unload entries as it stops, so the unload's rule (the last answer stands) never
    applied. It applies to the stop now."""
    monkeypatch.setattr(activity, "STEPS_PER_LOOK", 1)
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")  # a history to read
    await hass.async_block_till_done(wait_background_tasks=True)
    before = _coordinator(hass).data.as_dict()
    answers = _classify_on_stop(hass)
    await hass.async_stop()
    assert answers == [before]
    assert home_type_state(hass).state == before["home_type"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_refresh_the_stop_cancels_leaves_the_last_answer(
    hass: HomeAssistant, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture,
) -> None:
    """The stop cancels a shared refresh, a background task, under a caller still waiting for
    it (the classify action, the endpoint's ``?refresh=1``): the caller got a bare
    CancelledError it had not asked for, and from Home Assistant 2026.10, which marks a
    cancelled refresh as failed, "could not classify the home: Home Assistant is stopping".
    It gets the last answer, as when the stop ends the read itself."""
    coordinator = _coordinator(hass)
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")  # a history to read
    await hass.async_block_till_done(wait_background_tasks=True)
    before = coordinator.data
    with read_held_until_stopping(hass) as reading:
        call = hass.async_create_task(hass.services.async_call(
            DOMAIN, SERVICE_CLASSIFY, {"config_entry_id": ENTRY_ID}, blocking=True,
            return_response=True))
        assert await hass.async_add_executor_job(reading.wait, 10)
        assert await async_stop_meeting(hass, call) == before.as_dict()
    assert coordinator.data is before
    assert coordinator.last_update_success
    assert home_type_state(hass).state == before.home_type
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_stop_during_the_hourly_update_leaves_the_last_answer(
    hass: HomeAssistant, init_integration: MockConfigEntry, freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stop cancels the hourly update as it reads; from Home Assistant 2026.10 that marked
    the update failed, and a shutdown automation's classify call then said Home Assistant was
    stopping, where earlier releases gave the last answer. Every release gives it now."""
    monkeypatch.setattr(activity, "STEPS_PER_LOOK", 1)
    coordinator = _coordinator(hass)
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")  # a history to read
    await hass.async_block_till_done(wait_background_tasks=True)
    before = coordinator.data.as_dict()
    outcomes = _classify_on_stop(hass)
    with read_held_until_stopping(hass) as reading:
        freezer.tick(UPDATE_INTERVAL)
        async_fire_time_changed(hass)  # the hourly update, a background task
        assert await hass.async_add_executor_job(reading.wait, 10)
        await hass.async_stop()
    assert outcomes == [before]
    assert coordinator.last_update_success


def _classify_on_stop(hass: HomeAssistant) -> list[Any]:
    """What a classify call by an automation on Home Assistant's shutdown gets, once it stops:
    its answer, or its error's translation key."""
    outcomes: list[Any] = []

    async def classify(_event: object) -> None:
        try:
            outcomes.append(await hass.services.async_call(
                DOMAIN, SERVICE_CLASSIFY, {"config_entry_id": ENTRY_ID}, blocking=True,
                return_response=True))
        except HomeAssistantError as err:
            outcomes.append(err.translation_key)

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, classify)
    return outcomes


async def test_a_database_failing_as_home_assistant_stops_is_still_a_failure(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Only the read's own stop ("interrupted") keeps the last answer: a database that fails
    as Home Assistant stops -- or that was failing already, when the stop ends the read --
    is not made good by the stop ("recovered", and an old answer given as new)."""
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")  # a history to read
    await hass.async_block_till_done(wait_background_tasks=True)
    outcomes = _classify_on_stop(hass)
    with failing_database(hass, "disk I/O error", "min(states.last_updated_ts)"):
        await hass.async_stop()
    assert outcomes == ["recorder_error"]
    assert not _coordinator(hass).last_update_success


async def test_a_read_the_stop_ends_after_failures_says_it_stopped(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database was failing; then the stop ends a read: the answer there was is not
    given back as new, the sensor stays unavailable, and the action says why it stopped."""
    if get_instance(hass).dialect_name != "sqlite":
        pytest.skip("SQLite's progress handler; the servers' connections are sockets")
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")  # a history to read
    await hass.async_block_till_done(wait_background_tasks=True)
    with (failing_database(hass, "disk I/O error", "min(states.last_updated_ts)"),
          pytest.raises(HomeAssistantError)):
        await hass.services.async_call(DOMAIN, SERVICE_CLASSIFY,
                                       {"config_entry_id": ENTRY_ID}, blocking=True)
    monkeypatch.setattr(activity, "STEPS_PER_LOOK", 1)
    outcomes = _classify_on_stop(hass)
    await hass.async_stop()
    assert outcomes == ["stopping"]
    assert not _coordinator(hass).last_update_success
    assert home_type_state(hass).state == STATE_UNAVAILABLE


async def test_reads_at_once_share_one_read(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """One read at a time: a large home's read fills the recorder's executor for tens of
    seconds, and the hourly update, the classify action and diagnostics coming at once each
    started one, which kept Home Assistant's own history waiting (diagnostics now show the
    read behind the result instead). Callers that come while a read runs share the next
    one, which begins when it ends: the running one may predate what they just changed
    (here, a new entity). A caller that is cancelled (a closed request) leaves the read to
    the others. A caller that comes once the shared read has begun gets the read after it,
    as does a call after them all. Only one refresh is among the callers: refreshes share
    among themselves first (the next test)."""
    coordinator = init_integration.runtime_data
    entities = er.async_get(hass)
    entities.async_get_or_create("light", "demo", "ceiling")
    # The database reads wait until every caller has asked for the home, and the shared read,
    # once begun, until a caller has come late for it.
    released, late_came = threading.Event(), threading.Event()
    real_summarize, real_read_home = activity._summarize, coordinator.async_read_home
    callers: list[str] = []
    all_asked = asyncio.Event()
    reads = itertools.count(1)

    def summarize(*args: Any) -> Any:
        assert released.wait(10)
        if next(reads) == 2:  # one read at a time: no two threads count at once
            assert late_came.wait(10)
        return real_summarize(*args)

    async def read_home() -> Any:
        callers.append("caller")
        if len(callers) == 4:
            all_asked.set()
        return await real_read_home()

    with patch.object(activity, "_summarize", side_effect=summarize) as database, \
            patch.object(coordinator, "async_read_home", side_effect=read_home):
        running = hass.async_create_task(coordinator.async_read_home())
        entities.async_get_or_create("light", "demo", "new_lamp")
        gone = hass.async_create_task(coordinator.async_read_home())
        waiting = asyncio.gather(
            hass.services.async_call(DOMAIN, SERVICE_CLASSIFY,
                                     {"config_entry_id": init_integration.entry_id},
                                     blocking=True, return_response=True),
            coordinator.async_read_home(),
        )
        await all_asked.wait()
        gone.cancel()
        released.set()
        async with asyncio.timeout(10):
            while database.call_count < 2:  # the shared read has begun
                await asyncio.sleep(0.01)
        late = hass.async_create_task(coordinator.async_read_home())
        await asyncio.sleep(0)
        late_came.set()
        result, (home, _) = await waiting
        first, _ = await running
        assert gone.cancelled()
        assert result == coordinator.data.as_dict()
        assert "light.demo_new_lamp" not in {entity.entity_id for entity in first.entities}
        assert "light.demo_new_lamp" in {entity.entity_id for entity in home.entities}
        await late
        assert database.call_count == 3  # the first, the shared one, the late caller's
        await coordinator.async_read_home()
        assert database.call_count == 4


@pytest.mark.parametrize("running", ["a_refresh", "the_hourly_update"])
async def test_refreshes_at_once_share_one_refresh(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client: ClientSessionGenerator,
    running: str,
) -> None:
    """The classify action, the endpoint's ``?refresh=1`` and ``reload_model`` that come while
    a refresh runs share the next one. Each used to take the answer lock (and, from Home
    Assistant 2026.10, the debouncer's) before asking for the home, so none ever waited beside
    another: callers at once read the recorder one after another, the last waiting for all.
    The shared refresh begins after the running one, and sees what changed meanwhile (a new
    entity); a caller that is cancelled (a closed request) leaves it to the others. The hourly
    update is Home Assistant's, not a shared one: the first caller's refresh, waiting behind
    it, had begun for the others, who made a third."""
    coordinator = init_integration.runtime_data
    entities = er.async_get(hass)
    entities.async_get_or_create("light", "demo", "ceiling")
    async_fire_time_changed(hass, dt_util.utcnow() + REGISTRY_LOOK_COOLDOWN)  # its look: read
    await hass.async_block_till_done()
    entry = {"config_entry_id": init_integration.entry_id}
    reading, released = threading.Event(), threading.Event()
    real_summarize, real_refresh = activity._summarize, coordinator.async_refresh
    asked: list[str] = []
    all_asked = asyncio.Event()

    def summarize(*args: Any) -> Any:
        reading.set()
        assert released.wait(10)
        return real_summarize(*args)

    async def refresh() -> None:
        asked.append("caller")
        if len(asked) == (7 if running == "a_refresh" else 6):
            all_asked.set()
        await real_refresh()

    client = await hass_client()
    with patch.object(activity, "_summarize", side_effect=summarize) as database, \
            patch.object(coordinator, "async_refresh", side_effect=refresh):
        if running == "a_refresh":
            first = hass.async_create_task(coordinator.async_refresh())
        else:
            async_fire_time_changed(hass, dt_util.utcnow() + UPDATE_INTERVAL)
        assert await hass.async_add_executor_job(reading.wait, 10)
        entities.async_get_or_create("light", "demo", "new_lamp")
        gone = hass.async_create_task(coordinator.async_refresh())
        actions = asyncio.gather(*(
            hass.services.async_call(DOMAIN, service, entry, blocking=True, return_response=True)
            for service in (SERVICE_CLASSIFY, SERVICE_CLASSIFY, SERVICE_RELOAD_MODEL)))
        views = asyncio.gather(*(client.get("/api/home_type/classify", params={"refresh": "1"})
                                 for _ in range(2)))
        await all_asked.wait()
        gone.cancel()
        released.set()
        if running == "a_refresh":
            await first
        classified, again, reloaded = await actions
        answers = [await response.json() for response in await views]
        assert gone.cancelled()
        assert database.call_count == 2
        assert classified == again == answers[0] == answers[1] == coordinator.data.as_dict()
        assert reloaded == {"model_version": coordinator.data.model_version,
                            "previous_model_version": coordinator.data.model_version}
        assert coordinator.classified_read is not None
        home = coordinator.classified_read[0]
        assert "light.demo_new_lamp" in {entity.entity_id for entity in home.entities}
        await hass.services.async_call(DOMAIN, SERVICE_CLASSIFY, entry, blocking=True,
                                       return_response=True)
        assert database.call_count == 3
