"""Export the live home as a home file (snapshot format 1), to share it or check the sensor.

The file holds what the sensor reads: the registries (as :func:`async_home_snapshot` sees
them) and every state change of the home's entities in the configured history window -- the
very rows the activity query counts, each entity's led by the state it changed from -- plus
the metadata the trainer needs to cut the same window again: ``timezone``, ``end``,
``history_start`` (the recorder's oldest state) and ``days``. ``python -m trainer classify
FILE --history-days DAYS`` therefore computes the same features, and gives the same answer,
as the sensor at the moment of the export.

Anonymised (the default), nothing in the file names the home or anything in it, and the
features are unchanged, because the features read names through keyword tables only:

- floors become ``floor_1`` … "Floor 1" (levels kept); areas ``area_1`` … named for their room
  kind, as :func:`~.core.vocabulary.area_kind` reads the original name ("Kitchen 1",
  "Bedroom 2"; "Area 3" when the name says nothing), prefixed "Upstairs" when the original
  name placed the room on a level; an area nothing is in that bears the name onboarding gives
  it in some language ("Küche") is named as English onboarding names it ("Kitchen"), as the
  features leave such an area out by that name;
  devices ``device_1`` … "Device 1", or "Wood stove 1" when
  the original name said fire, and a device in no area whose name says its room (which the
  features place it in: :func:`~.core.features.name_placement`) is named after that room as
  anonymised, "Kitchen 1 Device 4", or after a room of the same kind that no area is, "Bedroom
  3 Device 5"; entity ids ``<domain>.entity_1`` …; the home ``home``;
- manufacturers become "Manufacturer 1" … (the features count how many there are), models
  are dropped, and a unit is kept only when it is one of Home Assistant's own (``°C``,
  ``kWh``), because a DIY device's or a template sensor's are typed by its owner;
- device classes are kept, and so are states that are Home Assistant's standard words ("on",
  "open", "home", "playing" …); any other state (a zone's name, a media title, a text
  helper's value, and every number: a door code or a postcode is a number too) becomes
  ``redacted``. The features count state changes and read no state but ``unavailable`` and
  ``unknown``, which the read leaves out (in the database) before any state is replaced.

What stays is when things happened: the file shows the home's daily rhythm (when doors
opened, when its people came and went), which is what the activity features read.

Pseudonyms follow the registries' order, so they are stable between two exports of the same
home, and say nothing the registry does not.
"""

from __future__ import annotations

import contextlib
import math
import os
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import batched
from pathlib import Path
from typing import Any, Final

import numpy as np
from homeassistant.components.number.const import DEVICE_CLASS_UNITS as NUMBER_UNITS
from homeassistant.components.sensor.const import DEVICE_CLASS_UNITS as SENSOR_UNITS
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from sqlalchemy import select

from .activity import (
    ROWS_PER_FETCH,
    counted,
    metadata_ids,
    oldest_state,
    read_session,
    window_changes,
)
from .coordinator import HomeTypeConfigEntry
from .core.activity import SECONDS_PER_DAY, counted_changes, summarize_events
from .core.atomic import atomic_create_first_free, temporary_names
from .core.classify import Classification, classify
from .core.features import name_placement, onboarding_leftovers
from .core.model import HomeTypeModel
from .core.snapshot import (
    EXPORT_GENERATOR,
    Area,
    Device,
    Entity,
    EventLog,
    Floor,
    HomeSnapshot,
    iter_snapshot_bytes,
)
from .core.vocabulary import area_kind, names_fire, names_level
from .snapshot import async_home_snapshot

SUFFIXES: Final = (".json.gz", ".json")
REDACTED_STATE: Final = "redacted"

#: A name for each room kind that :func:`area_kind` reads back as that kind (a test checks
#: every kind, with and without the level word).
KIND_NAMES: Final[dict[str, str]] = {
    "kitchen": "Kitchen", "living": "Living room", "dining": "Dining room",
    "bedroom": "Bedroom", "bathroom": "Bathroom", "toilet": "Toilet", "hallway": "Hallway",
    "office": "Office", "laundry": "Laundry room", "storage": "Storage",
    "basement": "Basement", "attic": "Attic", "garage": "Garage", "parking": "Parking",
    "yard": "Garden", "patio": "Patio", "balcony": "Balcony", "driveway": "Driveway",
    "pool": "Pool", "shed": "Shed", "leisure": "Hobby room", "studio": "Studio",
    "unknown": "Area",
}
#: An area nothing is in that bears onboarding's name is written as onboarding's English name
#: for its kind: never the owner's spelling, and no word an anonymised room's name begins with
#: ("Living" is Romanian onboarding's living room, and the start of "Living room 1").
ONBOARDING_NAMES: Final[dict[str, str]] = {
    "living": "Living Room", "kitchen": "Kitchen", "bedroom": "Bedroom"}
LEVEL_WORD: Final = "Upstairs"
FIRE_NAME: Final = "Wood stove"
DEVICE_NAME: Final = "Device"
MANUFACTURER_NAME: Final = "Manufacturer"

#: Units kept in an anonymised export: those Home Assistant itself knows for a device class.
HOME_ASSISTANT_UNITS: Final[frozenset[str]] = frozenset(
    str(unit)
    for units in (*SENSOR_UNITS.values(), *NUMBER_UNITS.values())
    for unit in units
    if isinstance(unit, str)
)

#: States kept as they are in an anonymised export: Home Assistant's own words, which say
#: what a device did and nothing about who lives there.
STANDARD_STATES: Final = frozenset({
    "on", "off", "open", "closed", "opening", "closing", "stopped", "locked", "unlocked",
    "locking", "unlocking", "jammed", "home", "not_home", "playing", "paused", "idle",
    "standby", "buffering", "heat", "cool", "heat_cool", "auto", "dry", "fan_only",
    "cleaning", "docked", "returning", "error", "charging", "armed_home", "armed_away",
    "armed_night", "armed_vacation", "armed_custom_bypass", "disarmed", "triggered",
    "pending", "arming", "disarming", "above_horizon", "below_horizon", "unavailable",
    "unknown", "problem", "ok", "detected", "clear", "active", "inactive", "low", "normal",
    "high", "wet", "motion", "no_motion", "occupied", "not_occupied", "present",
    "not_present", "connected", "disconnected", "running", "not_running", "safe", "unsafe",
    "smoke", "no_smoke", "true", "false", "yes", "no",
})


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written, and the answer the integration gives for exactly that window."""

    path: Path
    snapshot: HomeSnapshot
    classification: Classification | None

    @property
    def changes(self) -> int:
        """State changes in the file: its events but each entity's first (module doc).

        On the event loop: a sum of flags the export's read worked out on the executor (a
        million events' flags take 0.1 s to work out, a millisecond to sum).
        """
        return int(counted_changes(self.snapshot.events).sum())

    def as_dict(self, config_dir: str) -> dict[str, Any]:
        """The action's response."""
        return {
            "path": str(self.path),
            "filename": os.path.relpath(self.path, config_dir),
            "anonymized": bool(self.snapshot.metadata["anonymized"]),
            "home_type": self.snapshot.home_type,
            "window_days": self.snapshot.metadata["days"],
            "floors": len(self.snapshot.floors),
            "areas": len(self.snapshot.areas),
            "devices": len(self.snapshot.devices),
            "entities": len(self.snapshot.entities),
            "events": self.changes,
            "classification": (self.classification.as_dict()
                               if self.classification is not None else None),
        }


class ExportFilenameError(ValueError):
    """A file name the export refuses; ``reason`` is the translation key's tail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: The longest file name the export takes, in bytes of UTF-8: file systems take 255, and the
#: atomic write's temporary file beside it adds 14 (``.NAME.12345678.tmp``).
MAX_FILENAME_BYTES: Final = 240

#: How many exports of one second get a default name: ``…_143000``, then ``…_143000_2`` and on.
DEFAULT_NAMES_PER_SECOND: Final = 100


def default_filenames(now: datetime) -> list[str]:
    """``home_type_export_2025-06-01_143000.json.gz`` (local time), then ``…_143000_2.json.gz``.

    The export takes the first that is free when it writes, so two exports in the same second
    (an automation's, say) each get a file rather than the second an "already exists".
    """
    stem = f"home_type_export_{now.strftime('%Y-%m-%d_%H%M%S')}"
    return [f"{stem}.json.gz",
            *(f"{stem}_{n}.json.gz" for n in range(2, DEFAULT_NAMES_PER_SECOND + 1))]


def export_path(config_dir: str, filename: str) -> Path:
    """Where ``filename`` goes: straight into the configuration folder, or refuse.

    A plain file name only -- no folder, no ``..``, not hidden (the atomic write's temporary
    files are hidden), nothing unprintable (a line break would start a false line in the log
    line that names the file) -- ending in ``.json`` or ``.json.gz``, and short enough for
    the file system: checked here, before the history is read, rather than found by the write
    after it. Touches no file.
    """
    name = filename.strip()
    separators = {"/", "\\", os.sep, os.altsep or "/"}
    if (not name or any(sep in name for sep in separators) or ".." in name or name[0] == "."
            or not name.isprintable()):
        raise ExportFilenameError("not_plain")
    if not name.endswith(SUFFIXES):
        raise ExportFilenameError("suffix")
    if len(name.encode()) > MAX_FILENAME_BYTES:
        raise ExportFilenameError("too_long")
    base = os.path.normpath(os.path.abspath(config_dir))
    path = os.path.normpath(os.path.join(base, name))
    if os.path.dirname(path) != base:  # pragma: no cover - the checks above make it so
        raise ExportFilenameError("not_plain")
    return Path(path)


def _safe_state(state: str) -> str:
    return state if state in STANDARD_STATES else REDACTED_STATE


def _safe_unit(unit: str | None) -> str | None:
    return unit if unit in HOME_ASSISTANT_UNITS else None


def anonymize(home: HomeSnapshot) -> HomeSnapshot:
    """The same home with every name and id replaced, and the same features (module doc)."""
    floors = {f.floor_id: f"floor_{i}" for i, f in enumerate(home.floors, 1)}
    areas = {a.area_id: f"area_{i}" for i, a in enumerate(home.areas, 1)}
    devices = {d.device_id: f"device_{i}" for i, d in enumerate(home.devices, 1)}
    entities = {e.entity_id: f"{e.domain}.entity_{i}" for i, e in enumerate(home.entities, 1)}

    kinds: Counter[str] = Counter()

    def room_name(name: str) -> str:
        """A room's name as anonymised: its kind, numbered on, and the level word it had."""
        kind = area_kind(name)
        kinds[kind] += 1
        anonymous = f"{KIND_NAMES[kind]} {kinds[kind]}"
        return f"{LEVEL_WORD} {anonymous}" if names_level(name) else anonymous

    placement = name_placement(home)
    left_out = onboarding_leftovers(home, placement)

    def area_name(area: Area) -> str:
        """The anonymised name, or onboarding's for an area nothing is in that bears it.

        The features leave such an area out by that name. Luxembourgish onboarding's "Stuff"
        reads as no living room; any of the three names is left out alike.
        """
        if area.area_id in left_out:
            return ONBOARDING_NAMES.get(area_kind(area.name), ONBOARDING_NAMES["living"])
        return room_name(area.name)

    new_areas = [Area(areas[area.area_id], area_name(area),
                      floors[area.floor_id] if area.floor_id is not None else None)
                 for area in home.areas]
    # Where the features place each device of no area, by its name: its room's name as above.
    rooms = {area.area_id: new.name for area, new in zip(home.areas, new_areas, strict=True)}
    rooms |= {area.area_id: room_name(area.name) for area in placement.added}
    room_of = {device_id: rooms[area_id] for device_id, area_id in placement.devices.items()}
    makers: dict[str, str] = {}
    for device in home.devices:
        if device.manufacturer and device.manufacturer not in makers:
            makers[device.manufacturer] = f"{MANUFACTURER_NAME} {len(makers) + 1}"
    fires = 0
    new_devices = []
    for number, device in enumerate(home.devices, 1):
        if names_fire(device.name):
            fires += 1
            name = f"{FIRE_NAME} {fires}"
        else:
            name = f"{DEVICE_NAME} {number}"
        if device.device_id in room_of:
            name = f"{room_of[device.device_id]} {name}"
        new_devices.append(Device(devices[device.device_id], name,
                                  areas[device.area_id] if device.area_id is not None else None,
                                  makers[device.manufacturer] if device.manufacturer
                                  else device.manufacturer,
                                  None))
    events = home.events
    safe_events = EventLog(
        entities=tuple(entities[name] for name in events.entities),
        index=events.index,
        timestamps=events.timestamps,
        states=[_safe_state(state) for state in events.states],
    )
    # The same events in the same order (the read left unavailable and unknown out): the same
    # ones count (worked out off the event loop already; the action's response reads them).
    safe_events.counted = events.counted
    return HomeSnapshot(
        home_id="home",
        home_type=home.home_type,
        metadata={**home.metadata, "anonymized": True},
        floors=tuple(Floor(floors[f.floor_id], f"Floor {i}", f.level)
                     for i, f in enumerate(home.floors, 1)),
        areas=tuple(new_areas),
        devices=tuple(new_devices),
        entities=tuple(
            Entity(entities[e.entity_id],
                   devices[e.device_id] if e.device_id is not None else None,
                   areas[e.area_id] if e.area_id is not None else None,
                   e.device_class, _safe_unit(e.unit))
            for e in home.entities
        ),
        events=safe_events,
    )


def read_events(
    hass: HomeAssistant,
    entity_ids: Sequence[str],
    window: tuple[float, float],
    max_bind_vars: int,
) -> tuple[EventLog, float | None]:
    """The changes of ``entity_ids`` in ``[start, end)``, led by the states before them.

    Also returns the oldest state kept. Runs on the recorder's executor. The rows are the
    activity query's (:func:`~.activity.counted`), so the file has exactly the changes
    the sensor counted. Before an entity's first change comes the state it changed from, at
    its row's own time (often before the window, and before any ``unavailable`` in between): a
    home file's first event of an entity is where its record begins and never counts, so the
    trainer counts that first change, as the sensor did.
    The rows are streamed a batch at a time into slim columns -- an entity number (4 bytes), a
    time (8) and one of a few shared state strings (8) per change -- because a large home's
    90 days are tens of millions of changes, and a Python object per change would take
    gigabytes.
    """
    start, end = window
    index = array("i")
    stamps = array("d")
    states: list[str] = []
    seen: dict[str, str] = {}
    #: Per entity number: the time of its earliest change so far, and the row before that one.
    before: dict[int, tuple[float, float, str]] = {}
    with read_session(hass) as session:
        oldest = oldest_state(session)
        if oldest is None:
            return EventLog(), None
        names = metadata_ids(session, entity_ids, max_bind_vars)
        numbers = {metadata_id: number for number, metadata_id in enumerate(names)}
        for ids in batched(names, max_bind_vars, strict=False):
            changes = window_changes(ids, start, end, previous_time=True,
                                     dialect=session.connection().dialect.name)
            statement = (
                select(changes.c.metadata_id, changes.c.state, changes.c.last_updated_ts,
                       changes.c.previous_time, changes.c.previous_state)
                .where(*counted(changes))
                .execution_options(yield_per=ROWS_PER_FETCH)
            )
            rows = session.connection().execute(statement)
            for metadata_id, state, stamp, earlier, was in rows:
                number = numbers[metadata_id]
                index.append(number)
                states.append(seen.setdefault(state, state))
                stamps.append(stamp)
                if number not in before or stamp < before[number][0]:
                    before[number] = (stamp, earlier, was)
    for number, (_, earlier, was) in before.items():
        index.append(number)
        states.append(seen.setdefault(was, was))
        stamps.append(earlier)
    log = EventLog.in_time_order(
        tuple(names.values()), np.frombuffer(index, dtype=np.int32), stamps, states
    )
    # The log has its own columns now (sorted copies): these would stay alive, 20 bytes a
    # change, through counted_changes' temporaries, the export's peak.
    del index, stamps, states
    counted_changes(log)  # here, on the executor: the action's response counts them
    return log, oldest


def _classify_rows(home: HomeSnapshot, window: tuple[float, float],
                   history_start: float | None, model: HomeTypeModel) -> Classification:
    """The sensor's answer for the rows read for the file; blocking (a million events).

    Counted from those rows rather than by the activity query again: the database is read
    once, and the answer is the file's even if the recorder committed a change in between.
    The summary is the activity query's (the parity tests prove it to 1e-9).
    """
    start, end = window
    summary = summarize_events(home.events, home.metadata["timezone"], start, end,
                               history_start=history_start)
    return classify(home, summary, model)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


async def async_build_export(
    hass: HomeAssistant, entry: HomeTypeConfigEntry, *, anonymized: bool,
    home_type: str | None = None,
) -> tuple[HomeSnapshot, Classification | None]:
    """The live home with its window's events, and the integration's answer for that window.

    ``home_type`` is the label the owner gives the file (``None``: unlabelled); the answer is
    the model's own, whatever the label says.

    The window ends now, on a whole second: the file keeps times to the millisecond
    (truncated), and a window that starts and ends on whole seconds keeps every exported
    event on the same side of both edges, and in the same hour, as in the database.
    """
    coordinator = entry.runtime_data
    days = coordinator.history_days
    end = float(math.floor(dt_util.utcnow().timestamp()))
    home = async_home_snapshot(hass)
    entity_ids = [entity.entity_id for entity in home.entities]
    events, history_start = EventLog(), None
    if days > 0 and entity_ids:
        instance = get_instance(hass)
        events, history_start = await instance.async_add_executor_job(
            read_events, hass, entity_ids, (end - days * SECONDS_PER_DAY, end),
            instance.max_bind_vars,
        )
    home.events = events
    home.home_type = home_type
    home.metadata = {
        "generator": EXPORT_GENERATOR,
        "source": "home_assistant",
        "timezone": hass.config.time_zone,
        "end": _iso(end),
        "history_start": _iso(history_start) if history_start is not None else None,
        "days": days,
        "anonymized": False,
    }
    classification = None
    if coordinator.model is not None:
        classification = await hass.async_add_executor_job(
            _classify_rows, home, (end - days * SECONDS_PER_DAY, end), history_start,
            coordinator.model,
        )
    if anonymized:
        # Every event's state is looked at: a million for a large home's 90 days.
        home = await hass.async_add_executor_job(anonymize, home)
    # The trainer tells a folder's homes apart by their ids (and refuses two of one id as a
    # copy): with one id for every anonymised export ("home"), or every home Home Assistant
    # named "Home", homes shared for evaluation could not be scored together. The moment is
    # the file's "end" already.
    home.home_id = f"{home.home_id}_{datetime.fromtimestamp(end, UTC):%Y%m%dT%H%M%SZ}"
    return home, classification


def write_export(snapshot: HomeSnapshot, paths: Sequence[Path]) -> Path:
    """Serialise and write atomically to the first free name; blocking: run it in the executor.

    Refuses to replace an existing file (:class:`FileExistsError` when every name is taken):
    the configuration folder holds the user's own files, and an export never overwrites one. A
    file with the home's real names is readable by its owner only; an anonymised one, like any
    other file. All ``paths`` end alike (``.json.gz`` or ``.json``).
    """
    data = iter_snapshot_bytes(snapshot, compress=paths[0].name.endswith(".gz"))
    mode = 0o644 if snapshot.metadata.get("anonymized") else 0o600
    return atomic_create_first_free(paths, data, mode)


#: The atomic write's temporary name of an export: ``.home_type_export.json.gz.uc9y0fkw.tmp``.
_TEMPORARY_EXPORT: Final = temporary_names(r"[^/]+\.json(?:\.gz)?")
#: A temporary export this old is no write in progress: a 90-day export writes in seconds.
STALE_EXPORT_SECONDS: Final = 3600


def remove_stale_exports(config_dir: str, now: float) -> tuple[list[str], float | None]:
    """Delete what exports killed mid-write left in the configuration folder; blocking.

    A write that fails or is stopped removes its temporary file, but not one Home Assistant
    never finished: a power cut, the kernel ending it for lack of memory. Such a file can be
    large, hold the home's real names, and go into every backup. Returns the names removed,
    and how many seconds from ``now`` the youngest kept is stale (``None`` if none is kept):
    Home Assistant killed for lack of memory is restarted within seconds by the Supervisor's
    watchdog, and what it left is then too young to tell from a write in progress.
    """
    removed = []
    youngest: float | None = None
    with os.scandir(config_dir) as entries:
        for entry in entries:
            if not _TEMPORARY_EXPORT.fullmatch(entry.name) or not entry.is_file(
                    follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):  # gone meanwhile, or not ours to delete
                age = now - entry.stat(follow_symlinks=False).st_mtime
                if age > STALE_EXPORT_SECONDS:
                    os.unlink(entry.path)
                    removed.append(entry.name)
                elif age >= 0:  # one dated in the future: not looked at again until a start
                    youngest = age if youngest is None else min(youngest, age)
    return removed, None if youngest is None else STALE_EXPORT_SECONDS - youngest + 1
