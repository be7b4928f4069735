"""Bring a home design to life: residents move through rooms and devices react, minute by minute.

The simulation is what makes the activity features honest. Residents follow routines (wake,
leave, return, sleep; weekdays differ from weekends; some work from home; holidays happen; a
vacation cottage is empty most weekdays). Motion and presence sensors follow people, lights
follow darkness and presence, doors and locks follow leaving and returning, garage doors open
only where a garage exists, heating follows the weather, and sensors report plausible values at
their real reporting rates. Every entity changes state the way it does in Home Assistant: a
light goes on and later off, a lock unlocks and locks again.

Everything runs on a one-minute grid with numpy; only per-interval work loops in Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
from scipy.signal import lfilter

from custom_components.home_type.core.activity import utc_offset_segments
from custom_components.home_type.core.snapshot import EventLog, HomeSnapshot

from .design import OUTDOOR_KINDS, HomeDesign
from .environment import outdoor_temperature, solar_elevation
from .registry import EntityPlan, Registry, build_registry

SIMULATOR_VERSION = 1
_MIN = 60.0

_DARK_KINDS = frozenset({
    "bathroom", "toilet", "hallway", "entrance", "stairs", "closet", "laundry", "basement",
    "garage", "pantry", "mudroom", "utility_room", "storage", "workshop", "attic", "sauna",
})
_TRANSIT_KINDS = ("hallway", "stairs", "entrance")

# Share of time spent per room kind, by part of the day: night 0-6, morning 6-10, day 10-17,
# evening 17-21, late 21-24.
_ROOM_WEIGHTS: dict[str, tuple[float, float, float, float, float]] = {
    "living_room": (0.5, 1.0, 2.0, 3.0, 4.0), "studio_room": (1.0, 3.0, 4.0, 5.0, 5.0),
    "kitchen": (0.5, 3.0, 1.2, 3.0, 0.8), "dining_room": (0.1, 1.2, 0.5, 2.0, 0.3),
    "bedroom": (2.0, 0.8, 0.4, 0.3, 1.2), "kids_room": (0.5, 0.3, 0.5, 0.6, 0.6),
    "guest_room": (0.1, 0.05, 0.1, 0.1, 0.05), "bathroom": (1.0, 2.0, 0.4, 0.5, 0.9),
    "toilet": (0.2, 0.4, 0.3, 0.3, 0.2), "hallway": (0.2, 0.4, 0.3, 0.4, 0.2),
    "entrance": (0.1, 0.3, 0.2, 0.3, 0.1), "stairs": (0.1, 0.2, 0.2, 0.2, 0.1),
    "office": (0.2, 0.4, 1.5, 0.5, 0.3), "laundry": (0.0, 0.2, 0.4, 0.3, 0.1),
    "storage": (0.0, 0.05, 0.1, 0.05, 0.0), "closet": (0.0, 0.3, 0.1, 0.1, 0.2),
    "utility_room": (0.0, 0.05, 0.05, 0.05, 0.0), "pantry": (0.0, 0.2, 0.1, 0.2, 0.0),
    "mudroom": (0.0, 0.3, 0.1, 0.3, 0.0), "gym": (0.0, 0.4, 0.3, 0.4, 0.1),
    "media_room": (0.2, 0.0, 0.3, 1.0, 2.0), "playroom": (0.0, 0.2, 0.6, 0.5, 0.0),
    "workshop": (0.0, 0.0, 0.5, 0.3, 0.0), "sauna": (0.0, 0.0, 0.1, 0.3, 0.2),
    "loft": (0.3, 0.3, 0.5, 0.6, 0.8), "basement": (0.0, 0.1, 0.3, 0.3, 0.1),
    "attic": (0.0, 0.05, 0.1, 0.05, 0.0), "garage": (0.0, 0.1, 0.3, 0.2, 0.0),
    "other": (0.0, 0.05, 0.1, 0.05, 0.0),
    # outdoors: only when warm and light (applied below)
    "balcony": (0.0, 0.3, 0.5, 0.8, 0.3), "terrace": (0.0, 0.3, 0.6, 0.9, 0.3),
    "patio": (0.0, 0.3, 0.6, 0.9, 0.3), "deck": (0.0, 0.3, 0.6, 0.9, 0.3),
    "porch": (0.0, 0.3, 0.4, 0.6, 0.2), "garden": (0.0, 0.2, 0.8, 0.6, 0.0),
    "back_yard": (0.0, 0.2, 0.8, 0.6, 0.0), "front_yard": (0.0, 0.1, 0.3, 0.2, 0.0),
    "pool": (0.0, 0.0, 0.8, 0.3, 0.0), "shed": (0.0, 0.0, 0.2, 0.1, 0.0),
}
_STAY_MINUTES = {"bathroom": 9.0, "toilet": 4.0, "hallway": 1.5, "entrance": 1.5, "stairs": 1.0,
                 "closet": 3.0, "pantry": 2.0, "storage": 4.0, "kitchen": 16.0,
                 "living_room": 45.0, "studio_room": 50.0, "office": 55.0, "media_room": 60.0}


def _part_of_day(hour: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array([6.0, 10.0, 17.0, 21.0]), hour, side="right")


@dataclass(slots=True)
class World:
    """Shared per-minute state of the simulated home and its surroundings."""

    design: HomeDesign
    rng: np.random.Generator
    start: float
    minutes: int
    t: np.ndarray                 # epoch seconds of each minute
    hour: np.ndarray              # local hour of day (float)
    day: np.ndarray               # local day index, 0 = first day
    weekend: np.ndarray           # bool per minute
    elevation: np.ndarray         # sun elevation, degrees
    outdoor: np.ndarray           # outdoor temperature, °C
    home: np.ndarray              # (residents, minutes) bool
    asleep: np.ndarray            # (residents, minutes) bool
    room: np.ndarray              # (residents, minutes) area index, -1 away
    occupied: np.ndarray          # (areas, minutes) bool, someone awake there
    heating: np.ndarray           # bool per minute: heating season
    cooling: np.ndarray           # bool per minute
    has_ac: bool
    departures: list[np.ndarray] = field(default_factory=list)  # minute indices per resident
    arrivals: list[np.ndarray] = field(default_factory=list)
    cache: dict[object, object] = field(default_factory=dict)

    @property
    def end(self) -> float:
        return self.start + self.minutes * _MIN

    @property
    def anyone_home(self) -> np.ndarray:
        key = "anyone_home"
        if key not in self.cache:
            self.cache[key] = self.home.any(axis=0) if self.home.size else np.zeros(
                self.minutes, dtype=bool)
        return self.cache[key]  # type: ignore[return-value]

    @property
    def anyone_awake(self) -> np.ndarray:
        key = "anyone_awake"
        if key not in self.cache:
            self.cache[key] = (self.home & ~self.asleep).any(axis=0) if self.home.size else \
                np.zeros(self.minutes, dtype=bool)
        return self.cache[key]  # type: ignore[return-value]

    def kind(self, area: int | None) -> str:
        return self.design.areas[area].kind if area is not None else "other"

    def seconds(self, minute_indices: np.ndarray) -> np.ndarray:
        """Random second inside each given minute."""
        m = np.asarray(minute_indices, dtype=np.float64)
        return self.start + m * _MIN + self.rng.uniform(0.0, _MIN, m.shape)


# ---------------------------------------------------------------------------------------------
# Interval helpers


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the True runs of a boolean array."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    change = np.diff(padded)
    return np.flatnonzero(change == 1), np.flatnonzero(change == -1)


def _mark(starts: np.ndarray, ends: np.ndarray, length: int) -> np.ndarray:
    """Boolean array, True inside each ``[start, end)``; intervals are clipped to the array."""
    s = np.clip(np.asarray(starts, dtype=np.int64), 0, length)
    e = np.clip(np.asarray(ends, dtype=np.int64), 0, length)
    keep = e > s
    delta = np.zeros(length + 1, dtype=np.int32)
    np.add.at(delta, s[keep], 1)
    np.add.at(delta, e[keep], -1)
    return np.cumsum(delta[:-1]) > 0


def _merge(on: np.ndarray, off: np.ndarray, gap: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Union of ``[on, off)`` intervals (seconds); intervals closer than ``gap`` are joined."""
    if on.size == 0:
        return on, off
    order = np.argsort(on, kind="stable")
    on, off = on[order], np.maximum(off[order], on[order] + 1.0)
    reach = np.maximum.accumulate(off)
    new = np.ones(on.size, dtype=bool)
    new[1:] = on[1:] > reach[:-1] + gap
    group = np.cumsum(new) - 1
    starts = on[new]
    ends = np.zeros(starts.size)
    np.maximum.at(ends, group, off)
    return starts, ends


def _toggle(on: np.ndarray, off: np.ndarray, on_state: str = "on",
            off_state: str = "off") -> tuple[np.ndarray, list[str]]:
    """Events for a set of on-intervals: on at each start, off at each end."""
    on, off = _merge(np.asarray(on, dtype=np.float64), np.asarray(off, dtype=np.float64))
    times = np.empty(on.size * 2)
    times[0::2], times[1::2] = on, off
    return times, [on_state, off_state] * on.size


def _cycle(world: World, times: np.ndarray, steps: list[tuple[str, tuple[float, float]]]
           ) -> tuple[np.ndarray, list[str]]:
    """A fixed sequence of states after each trigger, e.g. opening → open → closing → closed."""
    rng = world.rng
    all_t: list[np.ndarray] = []
    all_s: list[str] = []
    times = np.sort(np.asarray(times, dtype=np.float64))
    # Triggers inside an unfinished cycle are dropped, like a second button press.
    kept: list[float] = []
    busy_until = -math.inf
    offsets = np.cumsum([[rng.uniform(*delay) for _, delay in steps] for _ in times], axis=1) \
        if times.size else np.zeros((0, len(steps)))
    for trigger, offs in zip(times, offsets, strict=True):
        if trigger < busy_until:
            continue
        kept.append(trigger)
        all_t.append(trigger + offs)
        all_s.extend(state for state, _ in steps)
        busy_until = trigger + offs[-1] + 1.0
    if not kept:
        return np.zeros(0), []
    return np.concatenate(all_t), all_s


def _quantized(world: World, series: Callable[[np.ndarray], np.ndarray], interval: float,
               resolution: float, decimals: int) -> tuple[np.ndarray, list[str]]:
    """A sensor sampled every ``interval`` s (jittered), reporting when its rounded value moves."""
    rng = world.rng
    n = int((world.end - world.start) / interval) + 2
    steps = interval * rng.uniform(0.85, 1.15, n)
    times = world.start + rng.uniform(0, interval) + np.cumsum(steps) - steps[0]
    times = times[times < world.end]
    values = np.round(series(times) / resolution) * resolution
    change = np.ones(values.size, dtype=bool)
    change[1:] = values[1:] != values[:-1]
    times, values = times[change], values[change]
    fmt = f"{{:.{decimals}f}}"
    return times, [fmt.format(v) for v in values.tolist()]


def _at(world: World, values_per_minute: np.ndarray, times: np.ndarray) -> np.ndarray:
    idx = np.clip(((times - world.start) // _MIN).astype(np.int64), 0, world.minutes - 1)
    return values_per_minute[idx]


def _ar_noise(rng: np.random.Generator, times: np.ndarray, sigma: float,
              tau_hours: float) -> np.ndarray:
    """Smooth noise (an Ornstein-Uhlenbeck walk) at roughly evenly spaced sample times."""
    if times.size == 0:
        return times
    step = float(np.mean(np.diff(times))) / 3600.0 if times.size > 1 else 1.0
    decay = math.exp(-step / tau_hours)
    shocks = rng.normal(0.0, sigma * math.sqrt(1 - decay ** 2), times.size)
    shocks[0] = rng.normal(0.0, sigma)
    return lfilter([1.0], [1.0, -decay], shocks)


# ---------------------------------------------------------------------------------------------
# Residents


def _day_offsets(design: HomeDesign, first_local_midnight: float, n_days: int) -> np.ndarray:
    zone = ZoneInfo(design.timezone)
    noons = [first_local_midnight + (d + 0.5) * 86400 for d in range(-1, n_days + 1)]
    out = []
    for local_noon in noons:
        offset = datetime.fromtimestamp(local_noon, UTC).replace(tzinfo=None)
        delta = zone.utcoffset(offset)
        out.append(delta.total_seconds() if delta else 0.0)
    return np.asarray(out)


def _simulate_residents(world: World, first_local_midnight: float, n_days: int) -> None:
    design, rng = world.design, world.rng
    offsets = _day_offsets(design, first_local_midnight, n_days)  # index d+1 for day d

    def minute(day: int, hour: float) -> int:
        utc = first_local_midnight + day * 86400 + hour * 3600 - offsets[day + 1]
        return round((utc - world.start) / _MIN)

    def weekday(day: int) -> int:
        return (math.floor(first_local_midnight / 86400) + day + 3) % 7

    count = len(design.residents)
    home = np.zeros((count, world.minutes), dtype=bool)
    asleep = np.zeros((count, world.minutes), dtype=bool)
    # Home-wide absences: a holiday trip, or a vacation home's empty weeks.
    away_days = np.zeros(n_days + 2, dtype=bool)
    if design.occupancy == "vacation":
        away_days[:] = True
        for day in range(-1, n_days + 1):
            if weekday(day) == 4 and rng.random() < 0.55:  # a weekend at the cottage
                away_days[day + 1: day + 4] = False
        if rng.random() < 0.6:
            first = int(rng.integers(0, max(1, n_days - 7)))
            away_days[first + 1: first + 1 + int(rng.integers(5, 15))] = False
    elif rng.random() < 0.45:
        first = int(rng.integers(0, max(1, n_days - 3)))
        away_days[first + 1: first + 1 + int(rng.integers(3, 13))] = True

    for r, person in enumerate(design.residents):
        away_s: list[int] = []
        away_e: list[int] = []
        sleep_s: list[int] = []
        sleep_e: list[int] = []
        previous_sleep: float | None = None
        for day in range(-1, n_days + 1):
            off_day = away_days[day + 1]
            weekend = weekday(day) >= 5
            if off_day:
                away_s.append(minute(day, 0.0))
                away_e.append(minute(day, 24.0))
                previous_sleep = None
                continue
            wake = (person.weekend_wake if weekend else person.wake) + rng.normal(0, 0.35)
            sleep = (person.weekend_sleep if weekend else person.sleep) + rng.normal(0, 0.45)
            arrived_late = day > -1 and away_days[day]  # came back this morning
            if previous_sleep is not None:
                sleep_s.append(minute(day - 1, previous_sleep))
                sleep_e.append(minute(day, wake))
            elif arrived_late:
                away_s.append(minute(day, 0.0))
                away_e.append(minute(day, float(rng.uniform(10.0, 17.0))))
            previous_sleep = sleep
            vacation_stay = design.occupancy == "vacation"
            if (not weekend and not vacation_stay and person.leave is not None
                    and person.back is not None and rng.random() > 0.04):
                leave = person.leave + rng.normal(0, 0.2)
                back = person.back + rng.normal(0, 0.6)
                away_s.append(minute(day, leave))
                away_e.append(minute(day, back))
                if rng.random() < 0.15:  # gym, shopping, friends
                    out = back + float(rng.uniform(1.0, 3.0))
                    away_s.append(minute(day, out))
                    away_e.append(minute(day, out + float(rng.uniform(1.0, 2.5))))
            else:
                p_out = 0.6 if weekend or vacation_stay else 0.45
                if rng.random() < p_out:
                    out = float(rng.uniform(wake + 1.5, max(wake + 2.0, 16.0)))
                    away_s.append(minute(day, out))
                    away_e.append(minute(day, out + float(rng.uniform(0.7, 4.5))))
                if weekend and rng.random() < 0.25:
                    out = float(rng.uniform(17.5, 20.0))
                    away_s.append(minute(day, out))
                    away_e.append(minute(day, out + float(rng.uniform(2.0, 4.0))))
        away = _mark(np.array(away_s), np.array(away_e), world.minutes)
        home[r] = ~away
        asleep[r] = _mark(np.array(sleep_s), np.array(sleep_e), world.minutes) & home[r]
        moves = np.diff(home[r].astype(np.int8))
        world.departures.append(np.flatnonzero(moves == -1) + 1)
        world.arrivals.append(np.flatnonzero(moves == 1) + 1)
    world.home, world.asleep = home, asleep
    _place_residents(world)


def _place_residents(world: World) -> None:
    """Which room each resident is in, each minute: stays drawn by time of day and room kind."""
    design, rng = world.design, world.rng
    areas = design.areas
    n_areas = len(areas)
    count = len(design.residents)
    room = np.full((count, world.minutes), -1, dtype=np.int16)
    occupied = np.zeros((max(n_areas, 1), world.minutes), dtype=bool)
    if n_areas == 0 or count == 0:
        world.room, world.occupied = room, occupied[:0]
        return
    kinds = [a.kind for a in areas]
    outdoor = np.array([k in OUTDOOR_KINDS for k in kinds])
    weights = np.array([_ROOM_WEIGHTS.get(k, (0.0, 0.05, 0.1, 0.05, 0.0)) for k in kinds])
    weights *= rng.uniform(0.6, 1.4, weights.shape)  # every household uses rooms differently
    stay = np.array([_STAY_MINUTES.get(k, 20.0) for k in kinds])
    bedrooms = [i for i, k in enumerate(kinds) if k in ("bedroom", "studio_room", "loft")] or \
        [i for i in range(n_areas) if not outdoor[i]] or [0]
    kids_rooms = [i for i, k in enumerate(kinds) if k == "kids_room"]
    bathrooms = [i for i, k in enumerate(kinds) if k in ("bathroom", "toilet")]
    transit = [i for i, k in enumerate(kinds) if k in _TRANSIT_KINDS]
    offices = [i for i, k in enumerate(kinds) if k == "office"]
    part = _part_of_day(world.hour)
    warm_light = (world.outdoor > 16.0) & (world.elevation > 5.0)

    for r, person in enumerate(design.residents):
        child = r >= 2 and kids_rooms
        own_bed = kids_rooms[r % len(kids_rooms)] if child else bedrooms[min(r, 1) %
                                                                         len(bedrooms)]
        person_weights = weights.copy()
        if person.works_from_home and offices:
            person_weights[offices, 2] += 6.0
        if child:
            person_weights[own_bed] += 1.5
        track = room[r]
        track[world.asleep[r]] = own_bed
        awake_home = world.home[r] & ~world.asleep[r]
        starts, ends = _runs(awake_home)
        draws = iter(rng.random(world.minutes // 2 + 64).tolist())
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            t = s
            last = -1
            while t < e:
                w = person_weights[:, part[t]].copy()
                if not warm_light[t]:
                    w[outdoor] = 0.0
                if last >= 0:
                    w[last] *= 0.2
                total = w.sum()
                if total <= 0:
                    choice = own_bed
                else:
                    choice = int(np.searchsorted(np.cumsum(w), next(draws, 0.5) * total))
                    choice = min(choice, n_areas - 1)
                if transit and last >= 0 and next(draws, 0.5) < 0.5 and t + 1 < e:
                    track[t] = transit[int(next(draws, 0.0) * len(transit)) % len(transit)]
                    t += 1
                duration = max(1, int(-stay[choice] * math.log(max(next(draws, 0.5), 1e-9))))
                track[t: min(t + duration, e)] = choice
                last = choice
                t += duration
        # A night-time trip to the bathroom now and then.
        if bathrooms:
            sleep_starts, sleep_ends = _runs(world.asleep[r])
            for s, e in zip(sleep_starts.tolist(), sleep_ends.tolist(), strict=True):
                if e - s > 120 and rng.random() < 0.35:
                    at = int(rng.integers(s + 60, e - 30))
                    track[at: at + int(rng.integers(3, 9))] = bathrooms[0]
        # Occupied: awake at home, or up at night (out of bed).
        up = (world.home[r] & ~world.asleep[r]) | (world.asleep[r] & (track != own_bed))
        idx = np.flatnonzero(up & (track >= 0))
        occupied[track[idx], idx] = True
    world.room, world.occupied = room, occupied


# ---------------------------------------------------------------------------------------------
# Behaviours: each returns (event times in seconds, states), initial state excluded.

Events = tuple[np.ndarray, list[str]]
NO_EVENTS: Events = (np.zeros(0), [])


def _area_runs(world: World, area: int | None, gap: int = 2) -> tuple[np.ndarray, np.ndarray]:
    if area is None or area >= world.occupied.shape[0]:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = ("runs", area, gap)
    if key not in world.cache:
        mask = world.occupied[area].copy()
        s, e = _runs(mask)
        if s.size > 1:  # close short gaps: a person popping out for a minute
            short = (s[1:] - e[:-1]) <= gap
            keep_start = np.concatenate(([True], ~short))
            keep_end = np.concatenate((~short, [True]))
            s, e = s[keep_start], e[keep_end]
        world.cache[key] = (s, e)
    return world.cache[key]  # type: ignore[return-value]


def _dark(world: World) -> np.ndarray:
    key = "dark"
    if key not in world.cache:
        cloud = world.rng.uniform(-2.0, 8.0, int(world.day.max()) + 2)[world.day]
        world.cache[key] = world.elevation < (3.0 + cloud)
    return world.cache[key]  # type: ignore[return-value]


def light(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    starts, ends = _area_runs(world, plan.area_index)
    dark = _dark(world)
    always_dark = world.kind(plan.area_index) in _DARK_KINDS
    p_use = rng.uniform(0.7, 0.95)
    on: list[float] = []
    off: list[float] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if rng.random() > p_use:
            continue
        if always_dark and rng.random() < 0.85:
            first = s
        else:
            window = dark[s:e]
            if not window.any():
                continue
            first = s + int(window.argmax())
        begin = world.start + first * _MIN + rng.uniform(2, 40)
        finish = world.start + e * _MIN + rng.uniform(5, 240)
        if rng.random() < 0.03:  # left on
            finish += rng.uniform(1, 5) * 3600
        on.append(begin)
        off.append(min(finish, world.end - 1))
    return _toggle(np.array(on), np.array(off))


def outdoor_light(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    night_s, night_e = _runs(world.elevation < -1.0)
    mode = rng.choice(["timer", "dusk_to_dawn", "motion"], p=[0.45, 0.3, 0.25])
    if mode == "motion":
        moves = np.concatenate(world.departures + world.arrivals) if world.departures else \
            np.zeros(0, dtype=np.int64)
        moves = moves[(world.elevation[np.clip(moves, 0, world.minutes - 1)] < -1.0)] \
            if moves.size else moves
        extra = rng.choice(np.flatnonzero(world.elevation < -1.0),
                           size=int(rng.poisson(0.8 * world.minutes / 1440))) \
            if (world.elevation < -1.0).any() else np.zeros(0, dtype=np.int64)
        begins = world.seconds(np.concatenate([moves, extra]))
        return _toggle(begins, begins + rng.uniform(60, 300, begins.size))
    begins = world.start + night_s * _MIN + rng.normal(0, 300, night_s.size)
    if mode == "dusk_to_dawn":
        finish = world.start + night_e * _MIN + rng.normal(0, 300, night_e.size)
    else:
        local_midnight_gap = (24.0 - world.hour[np.clip(night_s, 0, world.minutes - 1)]) * 3600
        finish = begins + local_midnight_gap - rng.uniform(0, 1.5, night_s.size) * 3600
        finish = np.maximum(finish, begins + 600)
    return _toggle(begins, np.minimum(finish, world.end - 1))


def motion(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    starts, ends = _area_runs(world, plan.area_index, gap=0)
    if starts.size == 0:
        return NO_EVENTS
    cooldown = rng.choice([60.0, 90.0, 120.0])
    mean_gap = rng.uniform(3.0, 7.0)
    lengths = (ends - starts).astype(np.float64)
    extra = rng.poisson(lengths / mean_gap)
    first = world.start + starts * _MIN + rng.uniform(0, 30, starts.size)
    more_run = np.repeat(np.arange(starts.size), extra)
    more = world.start + (starts[more_run] + rng.uniform(0, 1, more_run.size) *
                          lengths[more_run]) * _MIN
    triggers = np.concatenate([first, more])
    return _toggle(triggers, triggers + cooldown)


def occupancy(world: World, plan: EntityPlan) -> Events:
    starts, ends = _area_runs(world, plan.area_index, gap=1)
    begin = world.start + starts * _MIN + world.rng.uniform(1, 10, starts.size)
    return _toggle(begin, np.minimum(world.start + ends * _MIN + 30.0, world.end - 1))


def _moves(world: World, cars_only: bool = False) -> np.ndarray:
    picks = []
    for r, person in enumerate(world.design.residents):
        if cars_only and not person.has_car:
            continue
        picks += [world.departures[r], world.arrivals[r]]
    return np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)


def _random_minutes(world: World, mask: np.ndarray, per_day: float) -> np.ndarray:
    candidates = np.flatnonzero(mask)
    if candidates.size == 0 or per_day <= 0:
        return np.zeros(0, dtype=np.int64)
    n = int(world.rng.poisson(per_day * world.minutes / 1440))
    return world.rng.choice(candidates, size=n)


def door(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    kind = world.kind(plan.area_index)
    if kind == "garage":
        trigger = _moves(world, cars_only=True)
        extra = _random_minutes(world, world.anyone_awake, 0.4)
    elif kind in ("entrance", "hallway", "living_room", "studio_room") or plan.area_index is None:
        trigger = _moves(world)
        extra = _random_minutes(world, world.anyone_awake, 1.3)
    else:  # back or patio door: people stepping outside
        outside = np.zeros(world.minutes, dtype=bool)
        for a, area in enumerate(world.design.areas):
            if area.kind in OUTDOOR_KINDS and a < world.occupied.shape[0]:
                outside |= world.occupied[a]
        s, e = _runs(outside)
        trigger = np.concatenate([s, e])
        extra = _random_minutes(world, world.anyone_awake, 0.6)
    opens = world.seconds(np.concatenate([trigger, extra]))
    return _toggle(opens, opens + rng.uniform(4, 45, opens.size), "on", "off")


def window(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    warm = world.outdoor > 15.0
    opens = np.concatenate([
        _random_minutes(world, world.anyone_awake & warm, 1.6),
        _random_minutes(world, world.anyone_awake & ~warm, 0.25),
    ])
    begins = world.seconds(opens)
    return _toggle(begins, np.minimum(begins + rng.exponential(2400, begins.size) + 60,
                                      world.end - 1))


_DOOR_CYCLE = [("opening", (0.0, 2.0)), ("open", (10.0, 16.0)), ("closing", (20.0, 150.0)),
               ("closed", (10.0, 16.0))]


def garage_door(world: World, plan: EntityPlan) -> Events:
    trips = world.seconds(_moves(world, cars_only=True)) - 20.0
    chores = world.seconds(_random_minutes(world, world.anyone_awake & world.weekend, 0.3))
    times, states = _cycle(world, np.concatenate([trips, chores]), _DOOR_CYCLE)
    return times, states


def gate(world: World, plan: EntityPlan) -> Events:
    trips = world.seconds(_moves(world, cars_only=True)) - 40.0
    return _cycle(world, trips, _DOOR_CYCLE)


def lock(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    arrivals = world.seconds(np.concatenate(world.arrivals)) if world.arrivals else np.zeros(0)
    departures = world.seconds(np.concatenate(world.departures)) if world.departures else \
        np.zeros(0)
    deliveries = world.seconds(_random_minutes(world, world.anyone_awake, 0.3))
    unlock = np.concatenate([arrivals - rng.uniform(5, 20, arrivals.size),
                             departures - rng.uniform(20, 90, departures.size), deliveries])
    relock = unlock + rng.uniform(30, 300, unlock.size)
    return _toggle(unlock, relock, "unlocked", "locked")


def intercom(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    buzz = world.seconds(np.concatenate([
        np.concatenate(world.arrivals) if world.arrivals else np.zeros(0, dtype=np.int64),
        _random_minutes(world, world.anyone_awake, 0.5)]))
    keep = rng.random(buzz.size) < 0.5  # residents mostly use their key
    buzz = buzz[keep]
    return _toggle(buzz, buzz + rng.uniform(3, 6, buzz.size), "unlocked", "locked")


def blinds(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    awake = world.anyone_awake & (world.elevation > 0)
    s, e = _runs(awake)
    steps_open = [("opening", (0.0, 1.0)), ("open", (15.0, 25.0))]
    steps_close = [("closing", (0.0, 1.0)), ("closed", (15.0, 25.0))]
    keep = (e - s) > 60
    t_open, s_open = _cycle(world, world.seconds(s[keep]) + rng.uniform(0, 600, keep.sum()),
                            steps_open)
    t_close, s_close = _cycle(world, world.seconds(e[keep]) + rng.uniform(0, 900, keep.sum()),
                              steps_close)
    return np.concatenate([t_open, t_close]), s_open + s_close


def media(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    starts, ends = _area_runs(world, plan.area_index, gap=5)
    evening_bias = plan.device_kind == "tv"
    times: list[float] = []
    states: list[str] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if e - s < 15:
            continue
        hour = world.hour[s]
        p = (0.7 if hour >= 17 else 0.15) if evening_bias else (0.45 if 6 <= hour < 10 or
                                                                 hour >= 17 else 0.15)
        if rng.random() > p:
            continue
        begin = world.start + (s + rng.uniform(1, 8)) * _MIN
        finish = world.start + (e - rng.uniform(0, 3)) * _MIN
        if finish <= begin + 120:
            continue
        times += [begin, begin + rng.uniform(5, 40)]
        states += ["on", "playing"]
        t = begin + 300
        while True:
            t += rng.exponential(2400)
            if t >= finish - 300:
                break
            times += [t, t + rng.uniform(60, 600)]
            states += ["paused", "playing"]
            t = times[-1]
        times += [finish]
        states += ["off" if evening_bias else "idle"]
    return np.array(times), states


def vacuum(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    empty = ~world.anyone_home & (world.hour >= 9) & (world.hour < 16)
    s, e = _runs(empty)
    candidates = s[(e - s) >= 90]
    if candidates.size == 0 or rng.random() < 0.3:  # never empty: on a schedule anyway
        candidates = np.flatnonzero((world.hour >= 10.0) & (world.hour < 10.0 + 1 / 60))
    picks = candidates[rng.random(candidates.size) < rng.uniform(0.4, 0.8)]
    steps = [("cleaning", (0.0, 10.0)), ("returning", (1800.0, 5400.0)), ("docked", (60.0, 300.0))]
    return _cycle(world, world.seconds(picks) + 600, steps)


def irrigation(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    zone_delay = rng.uniform(0, 3) * 1200
    days = np.unique(world.day)
    times: list[float] = []
    for d in days.tolist():
        in_day = np.flatnonzero((world.day == d) & (world.hour >= 5.0) & (world.hour < 5.0 + 1 / 60))
        if in_day.size == 0:
            continue
        today = world.outdoor[world.day == d].mean()
        if today < 14.0 or rng.random() < 0.45:
            continue
        times.append(world.start + in_day[0] * _MIN + zone_delay)
    begins = np.array(times)
    return _toggle(begins, begins + rng.uniform(600, 1800, begins.size), "open", "closed")


def thermostat(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    daily = {}
    for d in np.unique(world.day).tolist():
        daily[d] = float(world.outdoor[world.day == d].mean())
    times: list[float] = []
    states: list[str] = []
    current = None
    for d, temp in daily.items():
        if temp < 14.0:
            mode = "heat"
        elif temp > 22.0 and world.has_ac:
            mode = "cool"
        else:
            mode = "off" if rng.random() < 0.7 else "heat_cool"
        if rng.random() < 0.03:
            mode = "off"
        if mode != current:
            first = np.flatnonzero(world.day == d)
            times.append(world.start + (first[0] + rng.uniform(420, 1200)) * _MIN)
            states.append(mode)
            current = mode
    return np.array(times), states


def _indoor_base(world: World) -> np.ndarray:
    key = "indoor_base"
    if key not in world.cache:
        rng = world.rng
        setpoint = np.where(world.anyone_awake, rng.uniform(20.0, 22.0), rng.uniform(16.5, 19.0))
        passive = 0.35 * world.outdoor + 0.65 * 21.0 + 1.2 * np.clip(
            np.sin(np.radians(world.elevation)), 0, None)
        base = np.where(world.heating, np.maximum(passive, setpoint), passive)
        if world.has_ac:
            base = np.where(world.cooling, np.minimum(base, rng.uniform(23.5, 25.5)), base)
        # Heating cycles: a sawtooth of a few tenths of a degree.
        period = rng.uniform(25, 60)
        saw = 0.35 * (np.mod(np.arange(world.minutes), period) / period - 0.5)
        world.cache[key] = base + np.where(world.heating, saw, 0.0)
    return world.cache[key]  # type: ignore[return-value]


def indoor_temperature(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    base = _indoor_base(world)
    offset = rng.normal(0, 0.8)
    interval = float(rng.choice([600.0, 900.0, 1800.0]))

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, base, times) + offset + _ar_noise(rng, times, 0.25, 2.0)
    return _quantized(world, series, interval, 0.1, 1)


def outdoor_temp(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    interval = float(rng.choice([300.0, 600.0]))

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, world.outdoor, times) + _ar_noise(rng, times, 0.4, 1.0)
    return _quantized(world, series, interval, 0.1, 1)


def humidity(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    interval = float(rng.choice([600.0, 900.0, 1800.0]))
    base = rng.uniform(38, 55) + (15.0 if plan.outdoor else 0.0)
    shower = np.zeros(world.minutes)
    if world.kind(plan.area_index) == "bathroom" and plan.area_index is not None:
        occupied = world.occupied[plan.area_index].astype(np.float64)
        kernel = np.exp(-np.arange(60) / 20.0)
        shower = np.convolve(occupied, kernel)[: world.minutes] * 1.2
    season = -0.4 * (world.outdoor - 12.0) if plan.outdoor else 0.25 * (world.outdoor - 12.0)

    def series(times: np.ndarray) -> np.ndarray:
        value = base + _at(world, season + shower, times) + _ar_noise(rng, times, 1.5, 6.0)
        return np.clip(value, 15, 99)
    return _quantized(world, series, interval, 1.0, 0)


def illuminance(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    interval = float(rng.choice([900.0, 1800.0]))
    factor = rng.uniform(40, 400) * (0.2 if world.kind(plan.area_index) in _DARK_KINDS else 1.0)
    occupied = world.occupied[plan.area_index] if plan.area_index is not None and \
        plan.area_index < world.occupied.shape[0] else np.zeros(world.minutes, dtype=bool)
    lamp = occupied & _dark(world)
    lux = factor * np.clip(np.sin(np.radians(world.elevation)), 0, None) + lamp * 120.0

    def series(times: np.ndarray) -> np.ndarray:
        value = _at(world, lux, times) * np.exp(_ar_noise(rng, times, 0.15, 1.0))
        return np.where(value < 5, 0, np.round(value, -1))
    return _quantized(world, series, interval, 1.0, 0)


def battery(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    level = int(rng.integers(35, 101))
    t = world.start + rng.exponential(2.5) * 86400
    times: list[float] = []
    states: list[str] = []
    while t < world.end:
        level -= 1
        if level < 8:
            level = 100
        times.append(t)
        states.append(str(level))
        t += rng.exponential(2.5) * 86400
    return np.array(times), states


def phone_battery(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    owner = _owner(world, plan)
    charging = world.asleep[owner] if owner is not None else (world.hour < 7)
    drain = np.where(charging, 40.0, -rng.uniform(3.0, 7.0)) / 12.0  # % per 5 minutes
    level = np.empty(drain.size // 5 + 1)
    current = rng.uniform(40, 100)
    for i, d in enumerate(drain[::5].tolist()):  # a clipped accumulation, 5-minute steps
        current = min(100.0, max(5.0, current + d))
        level[i] = current

    def series(times: np.ndarray) -> np.ndarray:
        idx = np.clip(((times - world.start) // 300).astype(np.int64), 0, level.size - 1)
        return level[idx]
    return _quantized(world, series, 900.0, 1.0, 0)


def _owner(world: World, plan: EntityPlan) -> int | None:
    residents = world.design.residents
    if not residents or plan.device_index is None:
        return None
    name = world.design.devices[plan.device_index].name
    for r, person in enumerate(residents):
        if name.startswith(f"{person.name}'s"):
            return r
    return plan.device_index % len(residents)


def tracker(world: World, plan: EntityPlan) -> Events:
    owner = _owner(world, plan)
    if owner is None:
        return NO_EVENTS
    lag = world.rng.uniform(30, 240)
    leave = world.seconds(world.departures[owner]) + lag
    back = world.seconds(world.arrivals[owner]) - lag
    times = np.concatenate([leave, back])
    states = ["not_home"] * leave.size + ["home"] * back.size
    return times, states


def _sessions(world: World, mask: np.ndarray, per_day: float, minutes: tuple[float, float]
              ) -> tuple[np.ndarray, np.ndarray]:
    begins = world.seconds(_random_minutes(world, mask, per_day))
    return begins, begins + world.rng.uniform(*minutes, begins.size) * _MIN


def _plug_on(world: World, plan: EntityPlan) -> tuple[str, np.ndarray, np.ndarray, float]:
    key = ("plug", plan.device_index)
    if key not in world.cache:
        rng = world.rng
        role = str(rng.choice(["lamp", "kettle", "media", "fridge", "heater", "charger"],
                              p=[0.3, 0.15, 0.2, 0.1, 0.1, 0.15]))
        watts = {"lamp": 9.0, "kettle": 1800.0, "media": 110.0, "fridge": 120.0, "heater": 1500.0,
                 "charger": 18.0}[role]
        if role == "lamp":
            starts, ends = _area_runs(world, plan.area_index)
            dark = _dark(world)[np.clip(starts, 0, world.minutes - 1)] if starts.size else starts
            pick = dark.astype(bool) & (rng.random(starts.size) < 0.6)
            on, off = world.seconds(starts[pick]), world.seconds(ends[pick])
        elif role == "kettle":
            morning = world.anyone_awake & (world.hour > 6) & (world.hour < 10)
            on, off = _sessions(world, morning, 1.2, (3, 8))
        elif role == "media":
            evening = world.anyone_awake & (world.hour > 18)
            on, off = _sessions(world, evening, 0.9, (60, 180))
        elif role == "fridge":
            cycle = rng.uniform(40, 70)
            starts = np.arange(0, world.minutes, cycle)
            on = world.start + starts * _MIN
            off = on + cycle * rng.uniform(0.25, 0.45) * _MIN
        elif role == "heater":
            cold = world.anyone_awake & (world.outdoor < 8)
            on, off = _sessions(world, cold, 0.8, (30, 150))
        else:
            night = world.anyone_home & ((world.hour > 22) | (world.hour < 6))
            on, off = _sessions(world, night, 0.9, (60, 180))
        on, off = _merge(np.asarray(on, dtype=float), np.minimum(off, world.end - 1))
        world.cache[key] = (role, on, off, watts * rng.uniform(0.7, 1.3))
    return world.cache[key]  # type: ignore[return-value]


def plug_switch(world: World, plan: EntityPlan) -> Events:
    role, on, off, _ = _plug_on(world, plan)
    if role in ("fridge", "media", "charger"):
        return NO_EVENTS  # the switch stays on; only power moves
    return _toggle(on, off)


def _power_series(world: World, on: np.ndarray, off: np.ndarray, watts: float,
                  idle: float) -> Callable[[np.ndarray], np.ndarray]:
    def series(times: np.ndarray) -> np.ndarray:
        inside = np.searchsorted(on, times, side="right") - 1
        active = (inside >= 0) & (times < off[np.clip(inside, 0, None)]) if on.size else \
            np.zeros(times.shape, dtype=bool)
        noise = world.rng.normal(1.0, 0.04, times.shape)
        return np.where(active, watts * noise, idle)
    return series


def plug_power(world: World, plan: EntityPlan) -> Events:
    role, on, off, watts = _plug_on(world, plan)
    idle = 0.0 if role in ("lamp", "kettle", "heater") else round(world.rng.uniform(0.5, 3), 1)
    interval = float(world.rng.choice([120.0, 300.0, 600.0]))
    return _quantized(world, _power_series(world, on, off, watts, idle), interval, 1.0, 0)


def _on_time(on: np.ndarray, off: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Seconds spent inside disjoint sorted ``[on, off)`` intervals up to each time."""
    if on.size == 0:
        return np.zeros(times.shape)
    lengths = off - on
    before = np.concatenate(([0.0], np.cumsum(lengths)))
    k = np.searchsorted(on, times, side="right")
    current = np.clip(times - on[np.maximum(k - 1, 0)], 0, lengths[np.maximum(k - 1, 0)])
    return before[np.maximum(k - 1, 0)] + np.where(k > 0, current, 0.0)


def plug_energy(world: World, plan: EntityPlan) -> Events:
    _, on, off, watts = _plug_on(world, plan)
    start_kwh = world.rng.uniform(0, 400)

    def series(times: np.ndarray) -> np.ndarray:
        return start_kwh + _on_time(on, off, times) * watts / 3.6e6
    return _quantized(world, series, 600.0, 0.01, 2)


def _home_load(world: World) -> np.ndarray:
    key = "home_load"
    if key not in world.cache:
        rng = world.rng
        people = (world.home & ~world.asleep).sum(axis=0) if world.home.size else \
            np.zeros(world.minutes)
        cooking = world.anyone_awake & (((world.hour > 6.5) & (world.hour < 8)) |
                                        ((world.hour > 17.5) & (world.hour < 19.5)))
        base = rng.uniform(120, 450)
        world.cache[key] = base + 180 * people + 1200 * cooking + 600 * world.heating * (
            world.outdoor < 0)
    return world.cache[key]  # type: ignore[return-value]


def home_power(world: World, plan: EntityPlan) -> Events:
    load = _home_load(world)
    interval = float(world.rng.choice([300.0, 600.0]))

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, load, times) * world.rng.lognormal(0, 0.25, times.shape)
    return _quantized(world, series, interval, 10.0, 0)


def home_energy(world: World, plan: EntityPlan) -> Events:
    cumulative = np.cumsum(_home_load(world)) / 60.0 / 1000.0 + world.rng.uniform(1000, 30000)

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, cumulative, times)
    return _quantized(world, series, 600.0, 0.1, 1)


def _solar(world: World) -> np.ndarray:
    key = "solar"
    if key not in world.cache:
        capacity = world.rng.uniform(3000, 9000)
        clouds = world.rng.uniform(0.3, 1.0, int(world.day.max()) + 2)[world.day]
        world.cache[key] = capacity * clouds * np.clip(np.sin(np.radians(world.elevation)), 0,
                                                       None)
    return world.cache[key]  # type: ignore[return-value]


def solar_power(world: World, plan: EntityPlan) -> Events:
    produced = _solar(world)

    def series(times: np.ndarray) -> np.ndarray:
        value = _at(world, produced, times)
        return np.where(value > 5, value * world.rng.normal(1, 0.05, times.shape), 0.0)
    return _quantized(world, series, 300.0, 1.0, 0)


def solar_energy(world: World, plan: EntityPlan) -> Events:
    cumulative = np.cumsum(_solar(world)) / 60.0 / 1000.0 + world.rng.uniform(500, 20000)

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, cumulative, times)
    return _quantized(world, series, 900.0, 0.1, 1)


def _ev_sessions(world: World, plan: EntityPlan) -> tuple[np.ndarray, np.ndarray]:
    key = ("ev", plan.device_index)
    if key not in world.cache:
        rng = world.rng
        drivers = [r for r, p in enumerate(world.design.residents) if p.has_car]
        arrivals = np.concatenate([world.arrivals[r] for r in drivers]) if drivers else \
            np.zeros(0, dtype=np.int64)
        evening = arrivals[(world.hour[np.clip(arrivals, 0, world.minutes - 1)] > 15)] \
            if arrivals.size else arrivals
        pick = evening[rng.random(evening.size) < 0.35]
        on = world.seconds(pick) + rng.uniform(120, 900, pick.size)
        off = np.minimum(on + rng.uniform(1, 4, pick.size) * 3600, world.end - 1)
        world.cache[key] = _merge(on, off)
    return world.cache[key]  # type: ignore[return-value]


def ev_switch(world: World, plan: EntityPlan) -> Events:
    return _toggle(*_ev_sessions(world, plan))


def ev_power(world: World, plan: EntityPlan) -> Events:
    on, off = _ev_sessions(world, plan)
    return _quantized(world, _power_series(world, on, off, 7200.0, 0.0), 120.0, 1.0, 0)


def wind(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    mean = rng.uniform(5, 18)

    def series(times: np.ndarray) -> np.ndarray:
        return np.clip(mean * np.exp(_ar_noise(rng, times, 0.5, 2.0)), 0, 120)
    return _quantized(world, series, float(rng.choice([300.0, 600.0])), 0.1, 1)


def stove_temperature(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    evening = world.anyone_awake & (world.hour > 16) & (world.hour < 20) & (world.outdoor < 9)
    days_with_fire = np.unique(world.day[evening])
    heat = np.zeros(world.minutes)
    for d in days_with_fire.tolist():
        if rng.random() > 0.7:
            continue
        candidates = np.flatnonzero(evening & (world.day == d))
        lit = int(candidates[0] + rng.integers(0, 60))
        burn = int(rng.uniform(120, 300))
        peak = rng.uniform(160, 320)
        t = np.arange(world.minutes - lit)
        curve = np.where(t < burn, peak * (1 - np.exp(-t / 25.0)),
                         peak * (1 - np.exp(-burn / 25.0)) * np.exp(-(t - burn) / 70.0))
        heat[lit:] = np.maximum(heat[lit:], curve)
    room = _indoor_base(world) + heat

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, room, times)
    return _quantized(world, series, 180.0, 1.0, 0)


def fireplace(world: World, plan: EntityPlan) -> Events:
    cold_evening = world.anyone_awake & (world.hour > 17) & (world.outdoor < 10)
    return _toggle(*_sessions(world, cold_evening, 0.25, (60, 200)))


def fan(world: World, plan: EntityPlan) -> Events:
    if plan.device_kind == "air_purifier":
        return _toggle(*_sessions(world, world.anyone_awake, 0.8, (60, 400)))
    starts, ends = _area_runs(world, plan.area_index, gap=5)
    warm = world.outdoor[np.clip(starts, 0, world.minutes - 1)] > 22 if starts.size else starts
    pick = warm.astype(bool) & (world.rng.random(starts.size) < 0.7)
    return _toggle(world.seconds(starts[pick]), world.seconds(ends[pick]))


def air_quality(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    cooking = world.anyone_awake & (((world.hour > 7) & (world.hour < 8)) |
                                    ((world.hour > 18) & (world.hour < 19.5)))
    level = 6 + 25 * cooking

    def series(times: np.ndarray) -> np.ndarray:
        return np.clip(_at(world, level, times) * np.exp(_ar_noise(rng, times, 0.35, 1.5)), 0,
                       500)
    return _quantized(world, series, 300.0, 1.0, 0)


def dehumidifier(world: World, plan: EntityPlan) -> Events:
    humid = world.outdoor > 12
    return _toggle(*_sessions(world, humid, 3.0, (20, 90)))


def _washer_loads(world: World, plan: EntityPlan) -> tuple[np.ndarray, np.ndarray]:
    key = ("washer", plan.device_index)
    if key not in world.cache:
        per_day = 0.2 * max(1, len(world.design.residents))
        mask = world.anyone_awake & (world.hour > 8) & (world.hour < 20)
        on, off = _sessions(world, mask, per_day, (55, 130))
        world.cache[key] = _merge(on, np.minimum(off, world.end - 1), gap=600)
    return world.cache[key]  # type: ignore[return-value]


def washer_power(world: World, plan: EntityPlan) -> Events:
    on, off = _washer_loads(world, plan)
    return _quantized(world, _power_series(world, on, off, 450.0, 0.4), 120.0, 1.0, 0)


def washer_state(world: World, plan: EntityPlan) -> Events:
    on, off = _washer_loads(world, plan)
    length = off - on
    times = np.concatenate([on, on + 0.6 * length, on + 0.85 * length, off])
    states = ["washing"] * on.size + ["rinsing"] * on.size + ["spinning"] * on.size + \
        ["idle"] * on.size
    return times, states


def tank_temperature(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    use = world.anyone_awake & (((world.hour > 6) & (world.hour < 8.5)) | (world.hour > 20.5))
    kernel = np.exp(-np.arange(240) / 80.0)
    dip = np.convolve(use.astype(np.float64), kernel)[: world.minutes] * 0.12
    tank = rng.uniform(48, 58) - np.clip(dip, 0, 15)

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, tank, times) + _ar_noise(rng, times, 0.3, 1.0)
    return _quantized(world, series, 600.0, 1.0, 0)


def sump(world: World, plan: EntityPlan) -> Events:
    on, _ = _sessions(world, np.ones(world.minutes, dtype=bool), 2.0, (1, 2))
    return _toggle(on, on + world.rng.uniform(40, 120, on.size))


def router(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    people = (world.home & ~world.asleep).sum(axis=0) if world.home.size else \
        np.zeros(world.minutes)
    base = 5 + 300 * people * (world.hour > 18)

    def series(times: np.ndarray) -> np.ndarray:
        return _at(world, base, times) * np.exp(rng.normal(0, 0.6, times.shape))
    return _quantized(world, series, float(rng.choice([600.0, 900.0])), 1.0, 0)


def water_flow(world: World, plan: EntityPlan) -> Events:
    bath = [i for i, a in enumerate(world.design.areas) if a.kind == "bathroom"]
    if not bath or bath[0] >= world.occupied.shape[0]:
        return NO_EVENTS
    starts, ends = _area_runs(world, bath[0])
    long = (ends - starts) >= 6
    on = world.seconds(starts[long]) + 60
    off = np.minimum(on + world.rng.uniform(240, 720, on.size), world.end - 1)
    times, states = _toggle(on, off, "8.5", "0.0")
    return times, states


def doorbell(world: World, plan: EntityPlan) -> Events:
    presses = np.sort(world.seconds(_random_minutes(world, world.anyone_awake,
                                                    _DELIVERIES[world.design.setting])))
    stamps = [datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
              for t in presses.tolist()]
    return presses, stamps


#: Passers-by a day seen by an outdoor camera, by the home's setting.
_PASSERS = {"urban": (10.0, 30.0), "suburban": (2.0, 8.0), "rural": (0.1, 1.5)}
#: Parcels and visitors at the door a day, by setting.
_DELIVERIES = {"urban": 0.5, "suburban": 0.35, "rural": 0.15}


def outdoor_motion(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    daytime = (world.hour > 6) & (world.hour < 23)
    passers = _random_minutes(world, daytime, rng.uniform(*_PASSERS[world.design.setting]))
    triggers = world.seconds(np.concatenate([_moves(world), passers]))
    return _toggle(triggers, triggers + rng.uniform(10, 40, triggers.size))


def automation(world: World, plan: EntityPlan) -> Events:
    if world.rng.random() > 0.1:
        return NO_EVENTS
    return _toggle(*_sessions(world, np.ones(world.minutes, dtype=bool), 0.05, (60, 2000)),
                   "off", "on")


def script(world: World, plan: EntityPlan) -> Events:
    runs = world.seconds(_random_minutes(world, world.anyone_awake, world.rng.uniform(0, 1.5)))
    return _toggle(runs, runs + world.rng.uniform(1, 15, runs.size))


def input_boolean(world: World, plan: EntityPlan) -> Events:
    return _toggle(*_sessions(world, world.anyone_awake, world.rng.uniform(0, 0.6), (5, 600)))


def template_sensor(world: World, plan: EntityPlan) -> Events:
    rng = world.rng
    if rng.random() < 0.5:
        return NO_EVENTS
    hourly = np.arange(world.start + rng.uniform(0, 3600), world.end, 3600.0)
    values = np.round(rng.normal(0, 1, hourly.size).cumsum(), 1)
    return hourly, [f"{v:.1f}" for v in values.tolist()]


def sauna_static(world: World, plan: EntityPlan) -> Events:
    return NO_EVENTS


BEHAVIOURS: dict[str, Callable[[World, EntityPlan], Events]] = {
    "light": light, "outdoor_light": outdoor_light, "motion": motion, "occupancy": occupancy,
    "door": door, "window": window, "garage_door": garage_door, "gate": gate, "lock": lock,
    "intercom": intercom, "blinds": blinds, "media": media, "vacuum": vacuum,
    "irrigation": irrigation, "thermostat": thermostat, "indoor_temperature": indoor_temperature,
    "outdoor_temperature": outdoor_temp, "humidity": humidity, "illuminance": illuminance,
    "battery": battery, "phone_battery": phone_battery, "tracker": tracker,
    "plug_switch": plug_switch, "plug_power": plug_power, "plug_energy": plug_energy,
    "home_power": home_power, "home_energy": home_energy, "solar_power": solar_power,
    "solar_energy": solar_energy, "ev_switch": ev_switch, "ev_power": ev_power, "wind": wind,
    "stove_temperature": stove_temperature, "fireplace": fireplace, "fan": fan,
    "air_quality": air_quality, "dehumidifier": dehumidifier, "washer_power": washer_power,
    "washer_state": washer_state, "tank_temperature": tank_temperature, "sump": sump,
    "router": router, "water_flow": water_flow, "doorbell": doorbell,
    "outdoor_motion": outdoor_motion, "automation": automation, "script": script,
    "input_boolean": input_boolean, "template_sensor": template_sensor, "static": sauna_static,
}

_INITIAL: dict[str, str] = {
    "light": "off", "outdoor_light": "off", "motion": "off", "occupancy": "off", "door": "off",
    "window": "off", "garage_door": "closed", "gate": "closed", "lock": "locked",
    "intercom": "locked", "blinds": "closed", "media": "off", "vacuum": "docked",
    "irrigation": "closed", "thermostat": "heat", "tracker": "home", "plug_switch": "off",
    "ev_switch": "off", "fireplace": "off", "fan": "off", "dehumidifier": "off",
    "washer_state": "idle", "sump": "off", "water_flow": "0.0", "doorbell": "unknown",
    "outdoor_motion": "off", "automation": "on", "script": "off", "input_boolean": "off",
}
_STATIC_STATES: dict[str | None, str] = {
    "camera": "idle", "water_heater": "eco", "valve": "open", "binary_sensor": "off",
}


def _initial_state(plan: EntityPlan, events: Events) -> str:
    """The state Home Assistant records at start-up, before the first change."""
    if plan.behaviour in _INITIAL:
        state = _INITIAL[plan.behaviour]
        if plan.behaviour == "plug_switch" and not events[1]:
            return "on"
        return state
    if plan.behaviour == "static":
        domain = plan.entity_id.partition(".")[0]
        if plan.entity_id.endswith("_wan"):
            return "on"
        return _STATIC_STATES.get(domain, "unknown")
    times, states = events
    return states[0] if states else "unknown"


def _dedupe(times: np.ndarray, states: list[str]) -> tuple[np.ndarray, list[str]]:
    """Drop repeats of the same state: Home Assistant records a change, not a repeat."""
    if not states:
        return times, states
    order = np.argsort(times, kind="stable")
    ordered = np.array(states, dtype=object)[order]
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return times[order][keep], ordered[keep].tolist()


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
) -> HomeSnapshot:
    """Registries plus ``days`` days of state changes for a design, as a home snapshot."""
    return run_simulation(design, home_id=home_id, days=days, start_day=start_day, rng=rng,
                          metadata=metadata)[0]


def run_simulation(
    design: HomeDesign,
    *,
    home_id: str,
    days: int,
    start_day: date,
    rng: np.random.Generator,
    metadata: dict[str, object] | None = None,
) -> tuple[HomeSnapshot, World]:
    """:func:`simulate`, also returning the simulated world (who was home, the sun …) for tests."""
    registry: Registry = build_registry(design, rng)
    start = local_midnight(start_day, design.timezone)
    minutes = days * 1440
    t = start + np.arange(minutes) * _MIN
    offsets = np.zeros(minutes)
    for segment in utc_offset_segments(design.timezone, start, start + minutes * _MIN):
        offsets[(t >= segment.start) & (t < segment.end)] = segment.offset
    local = t + offsets
    first_local_midnight = math.floor(local[0] / 86400) * 86400
    day = ((local - first_local_midnight) // 86400).astype(np.int64)
    hour = np.mod(local, 86400) / 3600.0
    weekend = ((np.floor(local / 86400).astype(np.int64) + 3) % 7) >= 5
    elevation = solar_elevation(t, design.latitude, design.longitude)
    outdoor = outdoor_temperature(t, hour, design.latitude, rng)
    daily_mean = np.convolve(outdoor, np.ones(1440) / 1440, mode="same")
    has_ac = design.timezone.startswith(("America/", "Australia/")) or rng.random() < 0.2
    world = World(
        design=design, rng=rng, start=start, minutes=minutes, t=t, hour=hour, day=day,
        weekend=weekend, elevation=elevation, outdoor=outdoor,
        home=np.zeros((0, minutes), dtype=bool), asleep=np.zeros((0, minutes), dtype=bool),
        room=np.zeros((0, minutes), dtype=np.int16),
        occupied=np.zeros((0, minutes), dtype=bool),
        heating=daily_mean < 15.0, cooling=daily_mean > 22.0, has_ac=has_ac,
    )
    _simulate_residents(world, first_local_midnight, days)

    all_times: list[np.ndarray] = []
    all_ids: list[np.ndarray] = []
    all_states: list[str] = []
    names: list[str] = []
    for position, plan in enumerate(registry.plans):
        names.append(plan.entity_id)
        times, states = BEHAVIOURS[plan.behaviour](world, plan)
        times = np.asarray(times, dtype=np.float64)
        keep = (times > start) & (times < world.end)
        times = times[keep]
        states = [s for s, k in zip(states, keep.tolist(), strict=True) if k]
        initial = _initial_state(plan, (times, states))
        times, states = _dedupe(np.concatenate([[start], times]), [initial, *states])
        all_times.append(times)
        all_ids.append(np.full(times.size, position, dtype=np.int32))
        all_states.extend(states)
    times = np.concatenate(all_times) if all_times else np.zeros(0)
    ids = np.concatenate(all_ids) if all_ids else np.zeros(0, dtype=np.int32)
    # Times on the millisecond grid the file keeps, so a home reads back exactly as written.
    times = np.floor(times * 1000.0) / 1000.0
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
