"""Residents' comings and goings: a trip starts after a night at home, an absence has no holes.

These run the real generator and simulation and read the world it leaves (who is home or asleep,
minute by minute), so any fix of the routines that keeps these promises passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from trainer.generate.design import HomeDesign
from trainer.generate.procedural import design_home
from trainer.generate.simulate import run_simulation
from trainer.generate.world import World, runs

#: Away this long is a trip or a vacation home's empty days; a day's outings are all shorter.
_TRIP_MINUTES = 20 * 60


def _homes(home_type: str, seeds: range, *, days: int, start: date,
           zone: str | None = None, occupancy: str | None = None,
           ) -> Iterator[tuple[int, HomeDesign, World]]:
    """Procedural homes of a type (in a zone, of an occupancy, if given), simulated."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        design = design_home(home_type, rng)
        if zone not in (None, design.timezone) or occupancy not in (None, design.occupancy):
            continue
        _, world = run_simulation(design, home_id="h", days=days, start_day=start, rng=rng)
        yield seed, design, world


def _trips(world: World, resident: int) -> list[int]:
    """Minutes at which a resident leaves home for a day or more."""
    starts, ends = runs(~world.home[resident])
    return [s for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
            if s > 0 and e - s >= _TRIP_MINUTES]


@pytest.mark.parametrize(("home_type", "occupancy"), [
    ("cottage", "vacation"), ("cottage", "primary"), ("single_family_house", "primary"),
    ("apartment", "primary"),
])
def test_a_trip_starts_after_a_night_slept_at_home(home_type: str, occupancy: str) -> None:
    """The night before a holiday, or before leaving the cottage after a weekend, is slept at
    home like any other, and the home empties after getting up: not at the stroke of midnight
    after an evening up, which put a garage door and a lock at 00:00 on every trip."""
    trips = 0
    for seed, design, world in _homes(home_type, range(400), days=14, start=date(2025, 1, 13),
                                      occupancy=occupancy):
        for r in range(len(design.residents)):
            for leave in _trips(world, r):
                trips += 1
                where = (seed, r, float(world.hour[leave]))
                assert world.hour[leave] != 0.0, where  # not at local midnight
                slept = world.asleep[r, max(0, leave - 16 * 60): leave].sum() / 60
                assert slept >= 3.0, (*where, slept)  # the night before, at home
        if trips >= 10:
            break
    assert trips >= 10


def _change_day(world: World) -> int:
    """The local day whose clocks change: one not 24 hours long."""
    lengths = np.bincount(world.day, minlength=int(world.day.max()) + 1)
    changed = np.flatnonzero(lengths[:-1] != 1440)  # the last day may be cut short
    assert changed.size == 1, changed
    return int(changed[0])


@pytest.mark.parametrize(("zone", "start"), [
    ("Europe/Berlin", date(2024, 10, 20)),   # clocks back on 27 October
    ("Europe/Berlin", date(2025, 3, 23)),    # forward on 30 March
    ("America/New_York", date(2024, 10, 28)),  # back on 3 November
])
def test_an_absence_has_no_hole_when_the_clocks_change(zone: str, start: date) -> None:
    """Whoever is away on consecutive days is away through each midnight in between. The night
    the clocks went back, an away day ended at its own 24:00 while the next began at its own
    00:00, an hour later: the resident came home at midnight and left at one, with the garage
    door, the lock and the phone's tracker saying so. Every night of every home is checked:
    away at 22:00 and at 06:00 is away in between (nobody drops in at night and leaves)."""
    on_change_night: set[int] = set()
    for seed, design, world in _homes("cottage", range(3000), days=14, start=start, zone=zone,
                                      occupancy="vacation"):
        change = _change_day(world)
        evenings = np.flatnonzero(world.hour == 22.0)
        mornings = np.flatnonzero(world.hour == 6.0)
        for r in range(len(design.residents)):
            home = world.home[r]
            for evening in map(int, evenings):
                later = mornings[mornings > evening]
                if not later.size:
                    continue
                morning = int(later[0])
                if home[evening] or home[morning]:  # not away all night: nothing to check
                    continue
                if world.day[morning] == change:
                    on_change_night.add(seed)
                back = evening + int(np.argmax(home[evening:morning]))
                assert not home[evening:morning].any(), (seed, r, datetime.fromtimestamp(
                    world.t[back], ZoneInfo(zone)).isoformat())
        if len(on_change_night) >= 3:
            break
    assert len(on_change_night) >= 3  # away over the night the clocks changed, in 3 homes
