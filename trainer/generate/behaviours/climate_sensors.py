"""Climate and sensors: heating and cooling devices, and the sensors that measure the home.

Sensors report at their real rates, and only when their rounded value moves, as in Home Assistant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, cast

import numpy as np

from ..registry import EntityPlan
from ..world import MINUTE, Array, Events, World, ar_noise, quantized, sample_at, toggle
from .triggers import DARK_KINDS, area_runs, darkness, device_owner, random_sessions


def _daily_modes(world: World, pick: Callable[[float], str]) -> Events:
    """A climate entity's mode, chosen each day from the day's mean outdoor temperature.

    A new mode is set once in the day (between 7:00 and 20:00), only when it differs; now and
    then (3 % of days) the device is simply left off.
    """
    rng = world.rng
    daily = {}
    for d in np.unique(world.day).tolist():
        daily[d] = float(world.outdoor[world.day == d].mean())
    times: list[float] = []
    states: list[str] = []
    current = None
    for d, temp in daily.items():
        mode = pick(temp)
        if rng.random() < 0.03:
            mode = "off"
        if mode != current:
            first = np.flatnonzero(world.day == d)
            times.append(world.start + (first[0] + rng.uniform(420, 1200)) * MINUTE)
            states.append(mode)
            current = mode
    return np.array(times), states


def thermostat(world: World, plan: EntityPlan) -> Events:
    """Thermostats pick a mode each day from the weather: heat when cold, cool if there is AC."""
    def pick(temp: float) -> str:
        if temp < 14.0:
            return "heat"
        if temp > 22.0 and world.has_ac:
            return "cool"
        return "off" if world.rng.random() < 0.7 else "heat_cool"
    return _daily_modes(world, pick)


#: The modes a radiator valve reports: it opens hot water into a radiator or stays shut. Home
#: Assistant's tado, Danfoss Ally, FRITZ!DECT and Eve Thermo valves offer ``heat`` and ``off``
#: (some also ``auto``, a schedule that still only heats); none can cool.
RADIATOR_VALVE_MODES: Final = ("heat", "off")


def radiator_valve(world: World, plan: EntityPlan) -> Events:
    """Radiator valves heat on cold days and are off on warm ones, set day by day as thermostats.

    A valve can only open hot water into its radiator, so it never cools. On cool days in
    between (14-18 °C) some are still left heating, as a thermostat is left in ``heat_cool``.
    """
    def pick(temp: float) -> str:
        if temp < 14.0:
            return "heat"
        if temp >= 18.0:
            return "off"
        return "off" if world.rng.random() < 0.7 else "heat"
    return _daily_modes(world, pick)


def _decaying(signal: Array, kernel: Array) -> Array:
    """``signal`` (per minute, from the start) spread forward by a decay ``kernel``.

    What happened before the start is not simulated, and zeros there would say nobody showered
    the evening before (a dry bathroom, a full hot-water tank at midnight of the first day); the
    first day's last hours stand in for that evening instead.
    """
    lead = min(kernel.size - 1, 1440, signal.size)
    day = min(1440, signal.size)
    before = signal[day - lead:day]
    spread: Array = np.convolve(np.concatenate([before, signal]), kernel)[lead:lead + signal.size]
    return spread


def _indoor_base(world: World) -> Array:
    """Indoor temperature per minute: setpoint while heating, else drifting with the weather."""
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
    """Room temperature follows heating, weather and sun, reported every 10-30 min."""
    rng = world.rng
    base = _indoor_base(world)
    offset = rng.normal(0, 0.8)
    interval = float(rng.choice([600.0, 900.0, 1800.0]))

    def series(times: Array) -> Array:
        return sample_at(world, base, times) + offset + ar_noise(rng, times, 0.25, 2.0)
    return quantized(world, series, interval, 0.1, 1)


def outdoor_temp(world: World, plan: EntityPlan) -> Events:
    """Outdoor temperature follows the weather with sensor noise, every 5-10 min."""
    rng = world.rng
    interval = float(rng.choice([300.0, 600.0]))

    def series(times: Array) -> Array:
        return sample_at(world, world.outdoor, times) + ar_noise(rng, times, 0.4, 1.0)
    return quantized(world, series, interval, 0.1, 1)


def humidity(world: World, plan: EntityPlan) -> Events:
    """Humidity follows the season (inversely outdoors) and jumps after a shower."""
    rng = world.rng
    interval = float(rng.choice([600.0, 900.0, 1800.0]))
    base = rng.uniform(38, 55) + (15.0 if plan.outdoor else 0.0)
    shower: Array = np.zeros(world.minutes)
    if world.kind(plan.area_index) == "bathroom" and plan.area_index is not None:
        occupied = world.occupied[plan.area_index].astype(np.float64)
        kernel = np.exp(-np.arange(60) / 20.0)
        shower = _decaying(occupied, kernel) * 1.2
    season = -0.4 * (world.outdoor - 12.0) if plan.outdoor else 0.25 * (world.outdoor - 12.0)

    def series(times: Array) -> Array:
        value = base + sample_at(world, season + shower, times) + ar_noise(rng, times, 1.5, 6.0)
        return np.clip(value, 15, 99)
    return quantized(world, series, interval, 1.0, 0)


def illuminance(world: World, plan: EntityPlan) -> Events:
    """Light level follows the sun (dimmer in dark rooms), plus lamps while someone is in."""
    rng = world.rng
    interval = float(rng.choice([900.0, 1800.0]))
    factor = rng.uniform(40, 400) * (0.2 if world.kind(plan.area_index) in DARK_KINDS else 1.0)
    occupied = world.occupied[plan.area_index] if plan.area_index is not None and \
        plan.area_index < world.occupied.shape[0] else np.zeros(world.minutes, dtype=bool)
    lamp = occupied & darkness(world)
    lux = factor * np.clip(np.sin(np.radians(world.elevation)), 0, None) + lamp * 120.0

    def series(times: Array) -> Array:
        value = sample_at(world, lux, times) * np.exp(ar_noise(rng, times, 0.15, 1.0))
        return np.where(value < 5, 0, np.round(value, -1))
    return quantized(world, series, interval, 1.0, 0)


def wind(world: World, plan: EntityPlan) -> Events:
    """Wind speed wanders around the site's own mean in smooth gusts."""
    rng = world.rng
    mean = rng.uniform(5, 18)

    def series(times: Array) -> Array:
        return np.clip(mean * np.exp(ar_noise(rng, times, 0.5, 2.0)), 0, 120)
    return quantized(world, series, float(rng.choice([300.0, 600.0])), 0.1, 1)


def air_quality(world: World, plan: EntityPlan) -> Events:
    """PM2.5 stays low and rises while someone cooks breakfast or dinner."""
    rng = world.rng
    cooking = world.anyone_awake & (((world.hour > 7) & (world.hour < 8)) |
                                    ((world.hour > 18) & (world.hour < 19.5)))
    level = 6 + 25 * cooking

    def series(times: Array) -> Array:
        noise = np.exp(ar_noise(rng, times, 0.35, 1.5))
        pm25: Array = np.clip(sample_at(world, level, times) * noise, 0, 500)
        return pm25
    return quantized(world, series, 300.0, 1.0, 0)


def stove_temperature(world: World, plan: EntityPlan) -> Events:
    """A wood stove heats up when lit on cold evenings and cools slowly overnight."""
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

    def series(times: Array) -> Array:
        return sample_at(world, room, times)
    return quantized(world, series, 180.0, 1.0, 0)


def fireplace(world: World, plan: EntityPlan) -> Events:
    """Fireplaces go on now and then on cold evenings, for one to three hours."""
    cold_evening = world.anyone_awake & (world.hour > 17) & (world.outdoor < 10)
    return toggle(*random_sessions(world, cold_evening, 0.25, (60, 200)))


def fan(world: World, plan: EntityPlan) -> Events:
    """Ceiling fans run while a room is used on hot days; air purifiers while anyone is up."""
    if plan.device_kind == "air_purifier":
        return toggle(*random_sessions(world, world.anyone_awake, 0.8, (60, 400)))
    starts, ends = area_runs(world, plan.area_index, gap=5)
    warm = world.outdoor[np.clip(starts, 0, world.minutes - 1)] > 22 if starts.size else starts
    pick = warm.astype(bool) & (world.rng.random(starts.size) < 0.7)
    return toggle(world.seconds(starts[pick]), world.seconds(ends[pick]))


def dehumidifier(world: World, plan: EntityPlan) -> Events:
    """Dehumidifiers run several short sessions a day in the humid, mild season."""
    humid = world.outdoor > 12
    return toggle(*random_sessions(world, humid, 3.0, (20, 90)))


def tank_temperature(world: World, plan: EntityPlan) -> Events:
    """Hot-water tanks cool after morning and evening showers and heat back up."""
    rng = world.rng
    use = world.anyone_awake & (((world.hour > 6) & (world.hour < 8.5)) | (world.hour > 20.5))
    kernel = np.exp(-np.arange(240) / 80.0)
    dip = _decaying(use.astype(np.float64), kernel) * 0.12
    tank = rng.uniform(48, 58) - np.clip(dip, 0, 15)

    def series(times: Array) -> Array:
        return sample_at(world, tank, times) + ar_noise(rng, times, 0.3, 1.0)
    return quantized(world, series, 600.0, 1.0, 0)


def battery(world: World, plan: EntityPlan) -> Events:
    """Device batteries lose a percent every few days and are replaced when nearly flat."""
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
    """Phones drain through the day and charge overnight while their owner sleeps."""
    rng = world.rng
    owner = device_owner(world, plan)
    charging = world.asleep[owner] if owner is not None else (world.hour < 7)
    drain = np.where(charging, 40.0, -rng.uniform(3.0, 7.0)) / 12.0  # % per 5 minutes
    level = np.empty(drain.size // 5 + 1)
    current = rng.uniform(40, 100)
    # A clipped accumulation, in 5-minute steps.
    for i, d in enumerate(cast("list[float]", drain[::5].tolist())):
        current = min(100.0, max(5.0, current + d))
        level[i] = current

    def series(times: Array) -> Array:
        idx = np.clip(((times - world.start) // 300).astype(np.int64), 0, level.size - 1)
        return level[idx]
    return quantized(world, series, 900.0, 1.0, 0)
