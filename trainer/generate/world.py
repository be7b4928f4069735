"""The simulated world every behaviour reads, and the interval and series helpers they share.

A :class:`World` holds one home's minute grid: the clock, the sun and the weather, and where each
resident is. Behaviours turn it into Home Assistant state changes with the helpers below, which
work on whole arrays (runs of minutes, ``[on, off)`` intervals, sampled sensor series).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .design import HomeDesign

#: Seconds in a minute: the simulation's time step.
MINUTE = 60.0

#: A numpy array of any shape and dtype; what it holds per minute is said where it is used.
Array = npt.NDArray[Any]

#: What a behaviour returns: event times (epoch seconds) and the state entered at each, the
#: initial state excluded.
Events = tuple[Array, list[str]]
NO_EVENTS: Events = (np.zeros(0), [])


@dataclass(slots=True)
class World:
    """Shared per-minute state of the simulated home and its surroundings."""

    design: HomeDesign
    rng: np.random.Generator
    start: float
    minutes: int
    t: Array                 # epoch seconds of each minute
    hour: Array              # local hour of day (float)
    day: Array               # local day index, 0 = first day
    weekend: Array           # bool per minute
    elevation: Array         # sun elevation, degrees
    outdoor: Array           # outdoor temperature, °C
    home: Array              # (residents, minutes) bool
    asleep: Array            # (residents, minutes) bool
    room: Array              # (residents, minutes) area index, -1 away
    occupied: Array          # (areas, minutes) bool, someone awake there
    heating: Array           # bool per minute: heating season
    cooling: Array           # bool per minute
    has_ac: bool
    departures: list[Array] = field(default_factory=list)  # minute indices per resident
    arrivals: list[Array] = field(default_factory=list)
    cache: dict[object, object] = field(default_factory=dict)

    @property
    def end(self) -> float:
        """Epoch seconds just after the last simulated minute."""
        return self.start + self.minutes * MINUTE

    @property
    def anyone_home(self) -> Array:
        """Per minute: at least one resident is at home, awake or asleep."""
        key = "anyone_home"
        if key not in self.cache:
            self.cache[key] = self.home.any(axis=0) if self.home.size else np.zeros(
                self.minutes, dtype=bool)
        return self.cache[key]  # type: ignore[return-value]

    @property
    def anyone_awake(self) -> Array:
        """Per minute: at least one resident is at home and awake."""
        key = "anyone_awake"
        if key not in self.cache:
            self.cache[key] = (self.home & ~self.asleep).any(axis=0) if self.home.size else \
                np.zeros(self.minutes, dtype=bool)
        return self.cache[key]  # type: ignore[return-value]

    def kind(self, area: int | None) -> str:
        """The kind of a design area (``"other"`` for a device in no area)."""
        return self.design.areas[area].kind if area is not None else "other"

    def seconds(self, minute_indices: Array) -> Array:
        """Random second inside each given minute."""
        m = np.asarray(minute_indices, dtype=np.float64)
        return self.start + m * MINUTE + self.rng.uniform(0.0, MINUTE, m.shape)


# ---------------------------------------------------------------------------------------------
# Interval helpers


def runs(mask: Array) -> tuple[Array, Array]:
    """Start and end (exclusive) indices of the True runs of a boolean array."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    change = np.diff(padded)
    return np.flatnonzero(change == 1), np.flatnonzero(change == -1)


def mark(starts: Array, ends: Array, length: int) -> Array:
    """Boolean array, True inside each ``[start, end)``; intervals are clipped to the array."""
    s = np.clip(np.asarray(starts, dtype=np.int64), 0, length)
    e = np.clip(np.asarray(ends, dtype=np.int64), 0, length)
    keep = e > s
    delta = np.zeros(length + 1, dtype=np.int32)
    np.add.at(delta, s[keep], 1)
    np.add.at(delta, e[keep], -1)
    return np.cumsum(delta[:-1]) > 0


def merge(on: Array, off: Array, gap: float = 0.0) -> tuple[Array, Array]:
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


def toggle(on: Array, off: Array, on_state: str = "on",
           off_state: str = "off") -> Events:
    """Events for a set of on-intervals: on at each start, off at each end."""
    on, off = merge(np.asarray(on, dtype=np.float64), np.asarray(off, dtype=np.float64))
    times = np.empty(on.size * 2)
    times[0::2], times[1::2] = on, off
    return times, [on_state, off_state] * on.size


def cycle(world: World, times: Array, steps: list[tuple[str, tuple[float, float]]]) -> Events:
    """A fixed sequence of states after each trigger, e.g. opening → open → closing → closed."""
    rng = world.rng
    all_t: list[Array] = []
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


# ---------------------------------------------------------------------------------------------
# Sensor series


def quantized(world: World, series: Callable[[Array], Array], interval: float,
              resolution: float, decimals: int) -> Events:
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


def sample_at(world: World, values_per_minute: Array, times: Array) -> Array:
    """A per-minute series read at arbitrary times (clamped to the simulated span)."""
    idx = np.clip(((times - world.start) // MINUTE).astype(np.int64), 0, world.minutes - 1)
    return values_per_minute[idx]


def ar_noise(rng: np.random.Generator, times: Array, sigma: float,
             tau_hours: float) -> Array:
    """Smooth noise (an Ornstein-Uhlenbeck walk) at roughly evenly spaced sample times."""
    # Imported here, not with the module: scipy.signal takes most of a second to load, and every
    # ``python -m trainer`` loads this module, also to refuse a flag in one line.
    from scipy.signal import lfilter

    if times.size == 0:
        return times
    step = float(np.mean(np.diff(times))) / 3600.0 if times.size > 1 else 1.0
    decay = math.exp(-step / tau_hours)
    shocks = rng.normal(0.0, sigma * math.sqrt(1 - decay ** 2), times.size)
    shocks[0] = rng.normal(0.0, sigma)
    walk: Array = lfilter([1.0], [1.0, -decay], shocks)
    return walk


def power_series(world: World, on: Array, off: Array, watts: float,
                 idle: float) -> Callable[[Array], Array]:
    """Power (W) at given times: ``watts`` with noise inside ``[on, off)``, else ``idle``."""
    def series(times: Array) -> Array:
        inside = np.searchsorted(on, times, side="right") - 1
        active = (inside >= 0) & (times < off[np.clip(inside, 0, None)]) if on.size else \
            np.zeros(times.shape, dtype=bool)
        noise = world.rng.normal(1.0, 0.04, times.shape)
        return np.where(active, watts * noise, idle)
    return series
