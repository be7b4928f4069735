"""Energy: smart plugs, whole-home and solar meters, and EV chargers.

Power sensors follow what draws it (an appliance, people at home, the sun); energy sensors count
up the same draw, so the two agree as they do on a real meter.
"""

from __future__ import annotations

import numpy as np

from ..registry import EntityPlan
from ..world import (
    MINUTE,
    NO_EVENTS,
    Array,
    Events,
    World,
    merge,
    power_series,
    quantized,
    sample_at,
    toggle,
)
from .triggers import area_runs, darkness, random_sessions


def _plug_on(world: World, plan: EntityPlan) -> tuple[str, Array, Array, float]:
    """What a smart plug powers (drawn once per device), its on-intervals and its watts."""
    key = ("plug", plan.device_index)
    if key not in world.cache:
        rng = world.rng
        role = str(rng.choice(["lamp", "kettle", "media", "fridge", "heater", "charger"],
                              p=[0.3, 0.15, 0.2, 0.1, 0.1, 0.15]))
        watts = {"lamp": 9.0, "kettle": 1800.0, "media": 110.0, "fridge": 120.0, "heater": 1500.0,
                 "charger": 18.0}[role]
        if role == "lamp":
            starts, ends = area_runs(world, plan.area_index)
            dark = darkness(world)[np.clip(starts, 0, world.minutes - 1)] if starts.size else starts
            pick = dark.astype(bool) & (rng.random(starts.size) < 0.6)
            on, off = world.seconds(starts[pick]), world.seconds(ends[pick])
        elif role == "kettle":
            morning = world.anyone_awake & (world.hour > 6) & (world.hour < 10)
            on, off = random_sessions(world, morning, 1.2, (3, 8))
        elif role == "media":
            evening = world.anyone_awake & (world.hour > 18)
            on, off = random_sessions(world, evening, 0.9, (60, 180))
        elif role == "fridge":
            cycle = rng.uniform(40, 70)
            starts = np.arange(0, world.minutes, cycle)
            on = world.start + starts * MINUTE
            off = on + cycle * rng.uniform(0.25, 0.45) * MINUTE
        elif role == "heater":
            cold = world.anyone_awake & (world.outdoor < 8)
            on, off = random_sessions(world, cold, 0.8, (30, 150))
        else:
            night = world.anyone_home & ((world.hour > 22) | (world.hour < 6))
            on, off = random_sessions(world, night, 0.9, (60, 180))
        on, off = merge(np.asarray(on, dtype=float), np.minimum(off, world.end - 1))
        world.cache[key] = (role, on, off, watts * rng.uniform(0.7, 1.3))
    return world.cache[key]  # type: ignore[return-value]


def plug_switch(world: World, plan: EntityPlan) -> Events:
    """Plug switches follow their appliance; fridges, media and chargers stay on."""
    role, on, off, _ = _plug_on(world, plan)
    if role in ("fridge", "media", "charger"):
        return NO_EVENTS  # the switch stays on; only power moves
    return toggle(on, off)


def plug_power(world: World, plan: EntityPlan) -> Events:
    """Plug meters read the appliance's draw while it runs, and standby or nothing otherwise."""
    role, on, off, watts = _plug_on(world, plan)
    idle = 0.0 if role in ("lamp", "kettle", "heater") else round(world.rng.uniform(0.5, 3), 1)
    interval = float(world.rng.choice([120.0, 300.0, 600.0]))
    return quantized(world, power_series(world, on, off, watts, idle), interval, 1.0, 0)


def _on_time(on: Array, off: Array, times: Array) -> Array:
    """Seconds spent inside disjoint sorted ``[on, off)`` intervals up to each time."""
    if on.size == 0:
        return np.zeros(times.shape)
    lengths = off - on
    before = np.concatenate(([0.0], np.cumsum(lengths)))
    k = np.searchsorted(on, times, side="right")
    current = np.clip(times - on[np.maximum(k - 1, 0)], 0, lengths[np.maximum(k - 1, 0)])
    spent: Array = before[np.maximum(k - 1, 0)] + np.where(k > 0, current, 0.0)
    return spent


def plug_energy(world: World, plan: EntityPlan) -> Events:
    """Plug energy meters count up the kWh their appliance used, every 10 minutes."""
    _, on, off, watts = _plug_on(world, plan)
    start_kwh = world.rng.uniform(0, 400)

    def series(times: Array) -> Array:
        return start_kwh + _on_time(on, off, times) * watts / 3.6e6
    return quantized(world, series, 600.0, 0.01, 2)


def _home_load(world: World) -> Array:
    """Whole-home draw (W) per minute: base load, people up, cooking, cold-weather heating."""
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
    """Whole-home power follows people at home, cooking times and cold-weather heating."""
    load = _home_load(world)
    interval = float(world.rng.choice([300.0, 600.0]))

    def series(times: Array) -> Array:
        return sample_at(world, load, times) * world.rng.lognormal(0, 0.25, times.shape)
    return quantized(world, series, interval, 10.0, 0)


def home_energy(world: World, plan: EntityPlan) -> Events:
    """The whole-home energy meter counts up the kWh the home draws."""
    cumulative = np.cumsum(_home_load(world)) / 60.0 / 1000.0 + world.rng.uniform(1000, 30000)

    def series(times: Array) -> Array:
        return sample_at(world, cumulative, times)
    return quantized(world, series, 600.0, 0.1, 1)


def _solar(world: World) -> Array:
    """Solar production (W) per minute: the sun's height times the day's clouds."""
    key = "solar"
    if key not in world.cache:
        capacity = world.rng.uniform(3000, 9000)
        clouds = world.rng.uniform(0.3, 1.0, int(world.day.max()) + 2)[world.day]
        world.cache[key] = capacity * clouds * np.clip(np.sin(np.radians(world.elevation)), 0,
                                                       None)
    return world.cache[key]  # type: ignore[return-value]


def solar_power(world: World, plan: EntityPlan) -> Events:
    """Solar inverters report production that follows the sun and the day's clouds."""
    produced = _solar(world)

    def series(times: Array) -> Array:
        value = sample_at(world, produced, times)
        return np.where(value > 5, value * world.rng.normal(1, 0.05, times.shape), 0.0)
    return quantized(world, series, 300.0, 1.0, 0)


def solar_energy(world: World, plan: EntityPlan) -> Events:
    """Solar energy meters count up the kWh produced."""
    cumulative = np.cumsum(_solar(world)) / 60.0 / 1000.0 + world.rng.uniform(500, 20000)

    def series(times: Array) -> Array:
        return sample_at(world, cumulative, times)
    return quantized(world, series, 900.0, 0.1, 1)


def _ev_sessions(world: World, plan: EntityPlan) -> tuple[Array, Array]:
    """Charging sessions after some of the drivers' evening arrivals, 1-4 hours each."""
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
        world.cache[key] = merge(on, off)
    return world.cache[key]  # type: ignore[return-value]


def ev_switch(world: World, plan: EntityPlan) -> Events:
    """EV chargers switch on after some evening arrivals by car and charge for 1-4 hours."""
    return toggle(*_ev_sessions(world, plan))


def ev_power(world: World, plan: EntityPlan) -> Events:
    """EV charger power reads about 7.2 kW while a session charges."""
    on, off = _ev_sessions(world, plan)
    return quantized(world, power_series(world, on, off, 7200.0, 0.0), 120.0, 1.0, 0)
