"""Bring a home design to life: residents move through rooms and devices react, minute by minute.

The simulation is what makes the activity features honest. Residents follow routines (wake,
leave, return, sleep; weekdays differ from weekends; some work from home; holidays happen; a
vacation cottage is empty most weekdays). Motion and presence sensors follow people, lights
follow darkness and presence, doors and locks follow leaving and returning, garage doors open
only where a garage exists, heating follows the weather, and sensors report plausible values at
their real reporting rates. Every entity changes state the way it does in Home Assistant: a
light goes on and later off, a lock unlocks and locks again.

Everything runs on a one-minute grid with numpy; only per-interval work loops in Python. The
parts live next to this module: :mod:`.world` (the shared minute grid and interval helpers),
:mod:`.residents` (routines and rooms) and :mod:`.behaviours` (one function per kind of entity).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np

from custom_components.home_type.core.activity import utc_offset_segments
from custom_components.home_type.core.snapshot import EventLog, HomeSnapshot

from .behaviours import BEHAVIOURS, initial_state
from .design import HomeDesign
from .environment import outdoor_temperature, solar_elevation
from .registry import Registry, build_registry
from .residents import simulate_residents
from .world import MINUTE, Array, World

__all__ = ["SIMULATOR_VERSION", "World", "local_midnight", "run_simulation", "simulate"]

#: Version of the simulation, recorded in every home's metadata (`simulator_version`).
SIMULATOR_VERSION = 9


def _dedupe(times: Array, states: list[str]) -> tuple[Array, list[str]]:
    """One entity's changes as Home Assistant records them, on the file's millisecond grid.

    The recorder writes a change, not a repeat; and of two states set within one millisecond
    only the last is a change the file can tell apart (at the same time, the integration's
    database cannot say which came first). So the times are put on the grid first (a home
    then reads back exactly as written), the last state at each time kept, and then repeats
    dropped.
    """
    if not states:
        return times, states
    order = np.argsort(times, kind="stable")
    grid = np.floor(times[order] * 1000.0) / 1000.0
    ordered = np.array(states, dtype=object)[order]
    last = np.ones(grid.size, dtype=bool)
    last[:-1] = grid[1:] != grid[:-1]
    grid, ordered = grid[last], ordered[last]
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return grid[keep], ordered[keep].tolist()


def _running_daily_mean(values: Array, width: int = 1440) -> Array:
    """Running mean of a per-minute series over a day centred on each minute, in O(n).

    Near either end a centred day would reach past the simulated span; the window slides
    inward instead and stays a whole day of real minutes. Padding with zeros pulled the first
    and last half days toward 0 °C (heating in July); a shorter window would keep half the
    daily swing (a morning-only mean runs ~4 °C cold).
    """
    width = min(width, values.size)
    if width == 0:
        return values.astype(np.float64)
    sums = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
    low = np.clip(np.arange(values.size) - width // 2, 0, values.size - width)
    mean: Array = (sums[low + width] - sums[low]) / width
    return mean


def local_midnight(day: date, tz_name: str) -> float:
    """UTC epoch seconds of local midnight starting ``day`` in ``tz_name``."""
    return datetime.combine(day, time(0), ZoneInfo(tz_name)).timestamp()


def simulate(
    design: HomeDesign,
    *,
    home_id: str,
    days: int,
    start_day: date,
    rng: np.random.Generator,
    metadata: dict[str, object] | None = None,
    unsorted: bool = False,
) -> HomeSnapshot:
    """Registries plus ``days`` days of state changes for a design, as a home snapshot.

    ``unsorted``: its registries as onboarding left them (the history is the home's own).
    """
    return run_simulation(design, home_id=home_id, days=days, start_day=start_day, rng=rng,
                          metadata=metadata, unsorted=unsorted)[0]


def run_simulation(
    design: HomeDesign,
    *,
    home_id: str,
    days: int,
    start_day: date,
    rng: np.random.Generator,
    metadata: dict[str, object] | None = None,
    unsorted: bool = False,
) -> tuple[HomeSnapshot, World]:
    """:func:`simulate`, also returning the simulated world (who was home, the sun …) for tests."""
    registry: Registry = build_registry(design, rng, unsorted=unsorted)
    start = local_midnight(start_day, design.timezone)
    minutes = days * 1440
    t = start + np.arange(minutes) * MINUTE
    offsets = np.zeros(minutes)
    for segment in utc_offset_segments(design.timezone, start, start + minutes * MINUTE):
        offsets[(t >= segment.start) & (t < segment.end)] = segment.offset
    local = t + offsets
    first_local_midnight = math.floor(local[0] / 86400) * 86400
    day = ((local - first_local_midnight) // 86400).astype(np.int64)
    hour = np.mod(local, 86400) / 3600.0
    weekend = ((np.floor(local / 86400).astype(np.int64) + 3) % 7) >= 5
    elevation = solar_elevation(t, design.latitude, design.longitude)
    outdoor = outdoor_temperature(t, hour, design.latitude, rng)
    running = _running_daily_mean(outdoor)
    has_ac = design.timezone.startswith(("America/", "Australia/")) or rng.random() < 0.2
    world = World(
        design=design, rng=rng, start=start, minutes=minutes, t=t, hour=hour, day=day,
        weekend=weekend, elevation=elevation, outdoor=outdoor,
        home=np.zeros((0, minutes), dtype=bool), asleep=np.zeros((0, minutes), dtype=bool),
        room=np.zeros((0, minutes), dtype=np.int16),
        occupied=np.zeros((0, minutes), dtype=bool),
        heating=running < 15.0, cooling=running > 22.0, has_ac=has_ac,
    )
    simulate_residents(world, first_local_midnight, days)

    all_times: list[Array] = []
    all_ids: list[Array] = []
    all_states: list[str] = []
    names: list[str] = []
    for position, plan in enumerate(registry.plans):
        names.append(plan.entity_id)
        times, states = BEHAVIOURS[plan.behaviour](world, plan)
        times = np.asarray(times, dtype=np.float64)
        # A state entered at or before the start is the one recorded at start-up (a porch light
        # that came on the evening before); the catalogue's start-up state otherwise.
        before = np.flatnonzero(times <= start)
        entered = states[int(before[np.argmax(times[before])])] if before.size else None
        keep = (times > start) & (times < world.end)
        times = times[keep]
        states = [s for s, k in zip(states, cast("list[bool]", keep.tolist()), strict=True) if k]
        initial = entered if entered is not None else initial_state(plan, (times, states))
        times, states = _dedupe(np.concatenate([[start], times]), [initial, *states])
        all_times.append(times)
        all_ids.append(np.full(times.size, position, dtype=np.int32))
        all_states.extend(states)
    times = np.concatenate(all_times) if all_times else np.zeros(0)
    ids = np.concatenate(all_ids) if all_ids else np.zeros(0, dtype=np.int32)
    order = np.lexsort((ids, times))
    events = EventLog(
        entities=tuple(names),
        index=ids[order],
        timestamps=times[order],
        states=[all_states[i] for i in order.tolist()],
    )
    info: dict[str, object] = {
        "generator": "procedural",
        "simulator_version": SIMULATOR_VERSION,
        "days": days,
        "start": datetime.fromtimestamp(start, UTC).isoformat().replace("+00:00", "Z"),
        "end": datetime.fromtimestamp(world.end, UTC).isoformat().replace("+00:00", "Z"),
        "timezone": design.timezone,
        "latitude": design.latitude,
        "longitude": design.longitude,
        "residents": len(design.residents),
        "occupancy": design.occupancy,
        "setting": design.setting,
        "unsorted": registry.unsorted,
    }
    info.update(metadata or {})
    snapshot = HomeSnapshot(
        home_id=home_id,
        home_type=design.home_type,
        metadata=info,
        floors=registry.floors,
        areas=registry.areas,
        devices=registry.devices,
        entities=registry.entities,
        events=events,
    )
    return snapshot, world
