"""The simulated climate: heating and cooling seasons, and the modes climate entities report."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from custom_components.home_type.core.snapshot import HomeSnapshot
from trainer.generate.behaviours.climate_sensors import RADIATOR_VALVE_MODES, _decaying
from trainer.generate.design import HomeDesign
from trainer.generate.procedural import design_home
from trainer.generate.runner import home_rng, plan_jobs
from trainer.generate.simulate import run_simulation
from trainer.generate.world import World

#: Hot-summer places (time zone, latitude, longitude): US zones, so there is air conditioning.
_NEW_YORK = ("America/New_York", 40.7, -74.0)
_PHOENIX = ("America/Phoenix", 33.4, -112.0)
_MIAMI = ("America/New_York", 25.8, -80.2)
_JULY = date(2025, 7, 7)
_JANUARY = date(2025, 1, 13)


def _design(home_type: str, index: int, seed: int = 123) -> tuple[HomeDesign, np.random.Generator]:
    """The procedural generator's ``index``-th home of a type, and the stream that simulates it."""
    jobs = plan_jobs(index + 1, 7, seed, Path("."), {home_type: 1})
    rng = home_rng(jobs[index])
    return design_home(home_type, rng), rng


def _moved(design: HomeDesign, place: tuple[str, float, float]) -> HomeDesign:
    """The same home elsewhere: its weather, daylight and air conditioning follow the place."""
    timezone, latitude, longitude = place
    return dataclasses.replace(design, timezone=timezone, latitude=latitude, longitude=longitude)


def _climate_states(design: HomeDesign, snapshot: HomeSnapshot, kind: str) -> list[str]:
    """Every state (start-up included) reported by the climate entities of devices of ``kind``."""
    device_of = {d.device_id: design.devices[i] for i, d in enumerate(snapshot.devices)}
    wanted = {e.entity_id for e in snapshot.entities if e.domain == "climate" and e.device_id
              and device_of[e.device_id].kind == kind}
    events = snapshot.events
    return [events.states[i] for i in range(len(events))
            if events.entities[events.index[i]] in wanted]


def _summer_homes(days: int) -> Iterator[World]:
    """Houses of a few seeds in New York, Phoenix and Miami, simulated for ``days`` days of July."""
    for place in (_NEW_YORK, _PHOENIX, _MIAMI):
        for index in range(3):
            design, rng = _design("single_family_house", index, seed=7)
            _, world = run_simulation(_moved(design, place), home_id="h", days=days,
                                      start_day=_JULY, rng=rng)
            yield world


def test_the_first_and_last_day_heat_and_cool_as_the_weather_says() -> None:
    """Heating and cooling follow a running daily mean of the outdoor temperature. At either
    end of the span that mean must be of real minutes: padded with zeros, it heated every July
    home for ~5 hours on its first and last day (the last being the evaluation's window).

    A minute's daily mean lies between the means of its own day and the days either side (give
    or take the weather's curvature, under 0.6 °C here); 1.5 °C of margin keeps the test off
    the thresholds (heating below 15 °C, cooling above 22 °C).
    """
    days, margin = 6, 1.5
    edges = {"no heating": 0, "cooling or not": 0}  # first and last days the weather decides
    for world in _summer_homes(days):
        means = [float(world.outdoor[world.day == d].mean()) for d in range(days)]
        for d in range(days):
            around = means[max(0, d - 1): d + 2]
            today = world.day == d
            edge = d in (0, days - 1)
            where = (world.design.timezone, world.design.latitude, d, around)
            if min(around) > 15.0 + margin:
                edges["no heating"] += edge
                assert not world.heating[today].any(), where
            if min(around) > 22.0 + margin:
                edges["cooling or not"] += edge
                assert world.cooling[today].all(), where
            if max(around) < 22.0 - margin:
                edges["cooling or not"] += edge
                assert not world.cooling[today].any(), where
    # July is warm in all three places; whether a day is clearly hot or clearly not is weather.
    assert edges["no heating"] >= 12 and edges["cooling or not"] >= 1, edges


def test_radiator_valves_only_heat_or_are_off() -> None:
    """A radiator valve (tado, Danfoss Ally, FRITZ!DECT, Eve Thermo) opens hot water into a
    radiator or stays shut: it reports ``heat`` or ``off``, never ``cool`` or ``heat_cool``,
    in a European summer, in an American one with air conditioning, and in winter. Thermostats
    of American houses still cool in July."""
    valve_homes = 0
    seen: set[str] = set()
    for index in range(40):
        design, _ = _design("apartment", index)
        if not any(device.kind == "radiator_valve" for device in design.devices):
            continue
        valve_homes += 1
        for place in (None, _NEW_YORK):
            for start in (_JULY, _JANUARY):
                _, rng = _design("apartment", index)  # the same stream the design came from
                home = design if place is None else _moved(design, place)
                snapshot, _ = run_simulation(home, home_id="h", days=7, start_day=start, rng=rng)
                states = _climate_states(home, snapshot, "radiator_valve")
                assert states and set(states) <= set(RADIATOR_VALVE_MODES), (index, set(states))
                seen.update(states)
        if valve_homes == 5:
            break
    assert valve_homes == 5 and seen == set(RADIATOR_VALVE_MODES), (valve_homes, seen)

    thermostat_states: list[str] = []
    for index in range(4):
        design, rng = _design("single_family_house", index, seed=7)
        home = _moved(design, _NEW_YORK)
        snapshot, world = run_simulation(home, home_id="h", days=7, start_day=_JULY, rng=rng)
        assert world.has_ac
        thermostat_states += _climate_states(home, snapshot, "thermostat")
    assert "cool" in thermostat_states


def test_the_evening_before_the_first_day_is_not_empty() -> None:
    """Showers and hot water spread forward in time: convolved from zeros, the first morning
    began with a dry bathroom and a full tank, as if nobody had showered the evening before.
    The first day's last hours stand in for that evening."""
    kernel = np.exp(-np.arange(60) / 20.0)
    steady = _decaying(np.ones(3 * 1440), kernel)
    assert steady[0] == pytest.approx(kernel.sum()) and np.ptp(steady) < 1e-9
    evening = np.zeros(1440)
    evening[1380:] = 1.0  # a shower at 23:00 every day
    spread = _decaying(np.tile(evening, 2), kernel)
    assert spread[0] == pytest.approx(spread[1440]) and spread[0] > 0.0
