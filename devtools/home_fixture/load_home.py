"""Load a home file into Home Assistant: registries through their APIs, history into the recorder.

One loader for two users: the integration tests (through ``tests/integration/common.py``, with
a ``MockConfigEntry``) and the development instance's ``home_fixture`` integration (with its
real config entry). Floors, areas, devices and entities go through Home Assistant's own registry
APIs, entity ids exactly as in the file; the events become rows of the recorder's ``states``
table with their past timestamps, written in bulk by a task on the recorder's own thread (the
one writer of its database; it commits what it holds before running the task). Each row is
linked to its entity's row before it (``old_state_id``), as the recorder links the rows it
writes, except an entity's first row of the file, which is linked to nothing, as the row the
recorder writes at a start is.

Ids are Home Assistant's own except entity ids; devices and entities belong to the config entry
given and to the ``home_fixture`` platform.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, cast

import numpy as np
from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.components.recorder.tasks import RecorderTask
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.helpers.recorder import get_instance, session_scope
from sqlalchemy import Table, func, select, text

from custom_components.home_type.core.snapshot import EventLog, HomeSnapshot

if TYPE_CHECKING:
    from homeassistant.components.recorder.core import Recorder

#: The platform (and, in the development instance, the integration) the home's devices and
#: entities belong to.
FIXTURE_PLATFORM: Final = "home_fixture"
ROWS_PER_INSERT: Final = 50_000
WEEK: Final = 7 * 86_400.0


async def async_load_home(hass: HomeAssistant, home: HomeSnapshot, entry: ConfigEntry) -> None:
    """Put a whole home into Home Assistant: registries, then the history."""
    async_add_to_registries(hass, home, entry)
    await async_insert_events(hass, home.events)


def async_add_to_registries(hass: HomeAssistant, home: HomeSnapshot, entry: ConfigEntry) -> None:
    """Floors, areas, devices and entities of a home, in the registries, for ``entry``."""
    floor_registry = fr.async_get(hass)
    floors = {
        floor.floor_id: floor_registry.async_create(floor.name, level=floor.level).floor_id
        for floor in home.floors
    }
    area_registry = ar.async_get(hass)
    areas = {
        area.area_id: _async_area(area_registry, area.name, floors.get(area.floor_id or ""))
        for area in home.areas
    }
    device_registry = dr.async_get(hass)
    devices: dict[str, tuple[str, str | None]] = {}
    for device in home.devices:
        created = device_registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(FIXTURE_PLATFORM, device.device_id)},
            name=device.name,
            manufacturer=device.manufacturer,
            model=device.model,
        )
        area_id = areas[device.area_id] if device.area_id is not None else None
        if area_id is not None:
            device_registry.async_update_device(created.id, area_id=area_id)
        devices[device.device_id] = (created.id, area_id)
    entity_registry = er.async_get(hass)
    for entity in home.entities:
        domain, object_id = entity.entity_id.split(".", 1)
        device_id, device_area = devices.get(entity.device_id or "", (None, None))
        area_id = areas[entity.area_id] if entity.area_id is not None else None
        # A file's entity area is the effective one; the registry keeps only an override.
        if area_id is None and device_area is not None:
            raise ValueError(f"{entity.entity_id}: no area, but its device has one")
        # Home Assistant 2026.10+ refuses an area of its own to an entity of a device that has
        # no name of its own (it would be shown under its device's name in another room).
        own_area = device_id is not None and area_id != device_area
        registered = entity_registry.async_get_or_create(
            domain,
            FIXTURE_PLATFORM,
            entity.entity_id,
            suggested_object_id=object_id,
            config_entry=entry,
            device_id=device_id,
            has_entity_name=own_area,
            original_name=object_id.replace("_", " ") if own_area else None,
            original_device_class=entity.device_class,
            unit_of_measurement=entity.unit,
        )
        if registered.entity_id != entity.entity_id:
            raise ValueError(f"{entity.entity_id} is taken: registered as {registered.entity_id}")
        if area_id != device_area:
            entity_registry.async_update_entity(registered.entity_id, area_id=area_id)


def _async_area(area_registry: ar.AreaRegistry, name: str, floor_id: str | None) -> str:
    """The id of a new area, or of the one already there by that name, on the file's floor.

    Onboarding creates Living Room, Kitchen and Bedroom, and the development instance may be
    onboarded before or after the home loads (Home Assistant 2026.10 is quick enough to do it
    first): the home takes them over, as a user's own would be.
    """
    if (existing := area_registry.async_get_area_by_name(name)) is not None:
        return area_registry.async_update(existing.id, floor_id=floor_id).id
    return area_registry.async_create(name, floor_id=floor_id).id


async def async_insert_events(hass: HomeAssistant, events: EventLog) -> None:
    """Events as ``states`` rows, written by the recorder's thread; returns once committed.

    The recorder runs its queue only once Home Assistant has started: await this after start
    (tests run started).
    """
    if not len(events):
        return
    loop = hass.loop
    done: asyncio.Future[None] = loop.create_future()

    def finished(error: BaseException | None) -> None:
        """Called on the recorder's thread."""
        def settle() -> None:
            if done.done():
                return
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

        loop.call_soon_threadsafe(settle)

    get_instance(hass).queue_task(_InsertEventsTask(events, finished))
    await done


@dataclass(slots=True)
class _InsertEventsTask(RecorderTask):
    """Bulk-insert a home's events; the recorder commits its own pending writes first."""

    events: EventLog
    finished: Callable[[BaseException | None], None]

    def run(self, instance: Recorder) -> None:
        """Write the rows in one transaction, then report back to the event loop."""
        try:
            _insert_rows(instance, self.events)
        except Exception as err:  # reported to the awaiting coroutine, which raises it
            self.finished(err)
        else:
            self.finished(None)


def _insert_rows(instance: Recorder, events: EventLog) -> None:
    """One ``states_meta`` row per entity (reusing any the recorder has), then the states.

    The rows get their ids here, the next free ones in time order, so that each can name the
    row before it; the database's own counter then carries on after them (SQLite and MySQL
    move theirs past an id given; PostgreSQL is told).
    """
    with session_scope(session=instance.get_session()) as session:
        known = instance.states_meta_manager.get_many(events.entities, session, True)
        missing = [StatesMeta(entity_id=e) for e in events.entities if known[e] is None]
        session.add_all(missing)
        session.flush()
        for meta in missing:
            known[meta.entity_id or ""] = meta.metadata_id
        per_entity = np.array([known[entity_id] for entity_id in events.entities])
        ids = cast(list[int], per_entity[events.index].tolist())
        stamps = cast(list[float], events.timestamps.tolist())
        first = (session.execute(select(func.max(States.state_id))).scalar() or 0) + 1
        state_ids = first + np.arange(len(events), dtype=np.int64)
        previous = events.previous_events()
        linked = cast(list[int], np.where(previous >= 0, state_ids[previous], -1).tolist())
        links = [link if link >= 0 else None for link in linked]
        numbers = state_ids.tolist()
        table = cast(Table, States.__table__)
        for start in range(0, len(ids), ROWS_PER_INSERT):
            stop = start + ROWS_PER_INSERT
            session.execute(
                table.insert(),
                [
                    {"state_id": state_id, "metadata_id": metadata_id, "state": state,
                     "last_updated_ts": stamp, "old_state_id": link}
                    for state_id, metadata_id, state, stamp, link in zip(
                        numbers[start:stop], ids[start:stop], events.states[start:stop],
                        stamps[start:stop], links[start:stop], strict=True,
                    )
                ],
            )
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(
                "SELECT setval(pg_get_serial_sequence('states', 'state_id'), "
                "(SELECT max(state_id) FROM states))"))


def whole_weeks_before(end: float, now: float) -> float:
    """The shift, in whole weeks, that brings a history ending at ``end`` to just before ``now``.

    Whole weeks keep every event's weekday and UTC hour (so its local hour too, but for a
    daylight-saving change in between), which the home's features are made of.
    """
    return math.floor((now - end) / WEEK) * WEEK


def shifted(home: HomeSnapshot, seconds: float) -> HomeSnapshot:
    """The same home with its history moved by ``seconds``."""
    if not seconds or not len(home.events):
        return home
    return replace(home, events=replace(home.events, timestamps=home.events.timestamps + seconds))
