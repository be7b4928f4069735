"""Appliances: media players, robot vacuums, sprinklers, washing machines, pumps and routers."""

from __future__ import annotations

import numpy as np

from ..registry import EntityPlan
from ..world import (
    MINUTE,
    NO_EVENTS,
    Array,
    Events,
    World,
    cycle,
    merge,
    power_series,
    quantized,
    runs,
    sample_at,
    toggle,
)
from .triggers import area_runs, random_sessions


def media(world: World, plan: EntityPlan) -> Events:
    """TVs and speakers play while a room is in use (TVs mostly evenings), with pauses."""
    rng = world.rng
    starts, ends = area_runs(world, plan.area_index, gap=5)
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
        begin = world.start + (s + rng.uniform(1, 8)) * MINUTE
        finish = world.start + (e - rng.uniform(0, 3)) * MINUTE
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
    """Robot vacuums clean while the home is empty in the daytime, or on a 10 am schedule."""
    rng = world.rng
    empty = ~world.anyone_home & (world.hour >= 9) & (world.hour < 16)
    s, e = runs(empty)
    candidates = s[(e - s) >= 90]
    if candidates.size == 0 or rng.random() < 0.3:  # never empty: on a schedule anyway
        candidates = np.flatnonzero((world.hour >= 10.0) & (world.hour < 10.0 + 1 / 60))
    picks = candidates[rng.random(candidates.size) < rng.uniform(0.4, 0.8)]
    steps = [("cleaning", (0.0, 10.0)), ("returning", (1800.0, 5400.0)), ("docked", (60.0, 300.0))]
    return cycle(world, world.seconds(picks) + 600, steps)


def irrigation(world: World, plan: EntityPlan) -> Events:
    """Sprinklers water at 5 am on warm days, skipping about half of them."""
    rng = world.rng
    zone_delay = rng.uniform(0, 3) * 1200
    days = np.unique(world.day)
    five_am = (world.hour >= 5.0) & (world.hour < 5.0 + 1 / 60)
    times: list[float] = []
    for d in days.tolist():
        in_day = np.flatnonzero((world.day == d) & five_am)
        if in_day.size == 0:
            continue
        today = world.outdoor[world.day == d].mean()
        if today < 14.0 or rng.random() < 0.45:
            continue
        times.append(world.start + in_day[0] * MINUTE + zone_delay)
    begins = np.array(times)
    return toggle(begins, begins + rng.uniform(600, 1800, begins.size), "open", "closed")


def _washer_loads(world: World, plan: EntityPlan) -> tuple[Array, Array]:
    """Washing-machine loads (on, off seconds) while someone is up in the daytime."""
    key = ("washer", plan.device_index)
    if key not in world.cache:
        per_day = 0.2 * max(1, len(world.design.residents))
        mask = world.anyone_awake & (world.hour > 8) & (world.hour < 20)
        on, off = random_sessions(world, mask, per_day, (55, 130))
        world.cache[key] = merge(on, np.minimum(off, world.end - 1), gap=600)
    return world.cache[key]  # type: ignore[return-value]


def washer_power(world: World, plan: EntityPlan) -> Events:
    """Washing machines draw about 450 W through a load and a trickle on standby."""
    on, off = _washer_loads(world, plan)
    return quantized(world, power_series(world, on, off, 450.0, 0.4), 120.0, 1.0, 0)


def washer_state(world: World, plan: EntityPlan) -> Events:
    """Washing machines go washing, rinsing, spinning, then idle through each load."""
    on, off = _washer_loads(world, plan)
    length = off - on
    times = np.concatenate([on, on + 0.6 * length, on + 0.85 * length, off])
    states = ["washing"] * on.size + ["rinsing"] * on.size + ["spinning"] * on.size + \
        ["idle"] * on.size
    return times, states


def sump(world: World, plan: EntityPlan) -> Events:
    """Sump pumps run for a minute or two a couple of times a day, whoever is home."""
    on, _ = random_sessions(world, np.ones(world.minutes, dtype=bool), 2.0, (1, 2))
    return toggle(on, on + world.rng.uniform(40, 120, on.size))


def router(world: World, plan: EntityPlan) -> Events:
    """Router traffic is light, and heavy in the evening with more people at home."""
    rng = world.rng
    people = (world.home & ~world.asleep).sum(axis=0) if world.home.size else \
        np.zeros(world.minutes)
    base = 5 + 300 * people * (world.hour > 18)

    def series(times: Array) -> Array:
        traffic: Array = sample_at(world, base, times) * np.exp(rng.normal(0, 0.6, times.shape))
        return traffic
    return quantized(world, series, float(rng.choice([600.0, 900.0])), 1.0, 0)


def water_flow(world: World, plan: EntityPlan) -> Events:
    """Water flow reads 8.5 L/min during longer bathroom visits (a shower), else zero."""
    bath = [i for i, a in enumerate(world.design.areas) if a.kind == "bathroom"]
    if not bath or bath[0] >= world.occupied.shape[0]:
        return NO_EVENTS
    starts, ends = area_runs(world, bath[0])
    long = (ends - starts) >= 6
    on = world.seconds(starts[long]) + 60
    off = np.minimum(on + world.rng.uniform(240, 720, on.size), world.end - 1)
    times, states = toggle(on, off, "8.5", "0.0")
    return times, states
