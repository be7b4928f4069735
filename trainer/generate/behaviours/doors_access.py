"""Doors and access: contacts, garage doors, gates, locks, intercoms, blinds and doorbells.

They follow residents leaving and coming home, visitors at the door, and the day's light.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import numpy as np

from ..design import OUTDOOR_KINDS
from ..registry import EntityPlan
from ..world import Events, World, cycle, runs, toggle
from .triggers import comings_and_goings, random_minutes


def door(world: World, plan: EntityPlan) -> Events:
    """Doors open briefly as people come and go or step outside, and for the odd errand."""
    rng = world.rng
    kind = world.kind(plan.area_index)
    if kind == "garage":
        trigger = comings_and_goings(world, cars_only=True)
        extra = random_minutes(world, world.anyone_awake, 0.4)
    elif kind in ("entrance", "hallway", "living_room", "studio_room") or plan.area_index is None:
        trigger = comings_and_goings(world)
        extra = random_minutes(world, world.anyone_awake, 1.3)
    else:  # back or patio door: people stepping outside
        outside = np.zeros(world.minutes, dtype=bool)
        for a, area in enumerate(world.design.areas):
            if area.kind in OUTDOOR_KINDS and a < world.occupied.shape[0]:
                outside |= world.occupied[a]
        s, e = runs(outside)
        trigger = np.concatenate([s, e])
        extra = random_minutes(world, world.anyone_awake, 0.6)
    opens = world.seconds(np.concatenate([trigger, extra]))
    return toggle(opens, opens + rng.uniform(4, 45, opens.size), "on", "off")


def window(world: World, plan: EntityPlan) -> Events:
    """Windows open now and then while someone is up, mostly on warm days, ~40 min each."""
    rng = world.rng
    warm = world.outdoor > 15.0
    opens = np.concatenate([
        random_minutes(world, world.anyone_awake & warm, 1.6),
        random_minutes(world, world.anyone_awake & ~warm, 0.25),
    ])
    begins = world.seconds(opens)
    return toggle(begins, np.minimum(begins + rng.exponential(2400, begins.size) + 60,
                                     world.end - 1))


#: A motorised door's states after each trigger, with the delay (s) before each.
_DOOR_CYCLE = [("opening", (0.0, 2.0)), ("open", (10.0, 16.0)), ("closing", (20.0, 150.0)),
               ("closed", (10.0, 16.0))]


def garage_door(world: World, plan: EntityPlan) -> Events:
    """Garage doors open and close for car trips and for weekend chores."""
    trips = world.seconds(comings_and_goings(world, cars_only=True)) - 20.0
    chores = world.seconds(random_minutes(world, world.anyone_awake & world.weekend, 0.3))
    times, states = cycle(world, np.concatenate([trips, chores]), _DOOR_CYCLE)
    return times, states


def gate(world: World, plan: EntityPlan) -> Events:
    """Gates open and close shortly before a driver leaves or comes home."""
    trips = world.seconds(comings_and_goings(world, cars_only=True)) - 40.0
    return cycle(world, trips, _DOOR_CYCLE)


def lock(world: World, plan: EntityPlan) -> Events:
    """Locks unlock as residents leave or arrive and for deliveries, relocking in minutes."""
    rng = world.rng
    arrivals = world.seconds(np.concatenate(world.arrivals)) if world.arrivals else np.zeros(0)
    departures = world.seconds(np.concatenate(world.departures)) if world.departures else \
        np.zeros(0)
    deliveries = world.seconds(random_minutes(world, world.anyone_awake, 0.3))
    unlock = np.concatenate([arrivals - rng.uniform(5, 20, arrivals.size),
                             departures - rng.uniform(20, 90, departures.size), deliveries])
    relock = unlock + rng.uniform(30, 300, unlock.size)
    return toggle(unlock, relock, "unlocked", "locked")


def intercom(world: World, plan: EntityPlan) -> Events:
    """Intercoms buzz the door open for about half the arrivals (others use a key)."""
    rng = world.rng
    buzz = world.seconds(np.concatenate([
        np.concatenate(world.arrivals) if world.arrivals else np.zeros(0, dtype=np.int64),
        random_minutes(world, world.anyone_awake, 0.5)]))
    keep = rng.random(buzz.size) < 0.5  # residents mostly use their key
    buzz = buzz[keep]
    return toggle(buzz, buzz + rng.uniform(3, 6, buzz.size), "unlocked", "locked")


def blinds(world: World, plan: EntityPlan) -> Events:
    """Blinds open once the sun is up and someone is awake; they close at dusk or bedtime."""
    rng = world.rng
    awake = world.anyone_awake & (world.elevation > 0)
    s, e = runs(awake)
    steps_open = [("opening", (0.0, 1.0)), ("open", (15.0, 25.0))]
    steps_close = [("closing", (0.0, 1.0)), ("closed", (15.0, 25.0))]
    keep = (e - s) > 60
    t_open, s_open = cycle(world, world.seconds(s[keep]) + rng.uniform(0, 600, keep.sum()),
                           steps_open)
    t_close, s_close = cycle(world, world.seconds(e[keep]) + rng.uniform(0, 900, keep.sum()),
                             steps_close)
    return np.concatenate([t_open, t_close]), s_open + s_close


#: Parcels and visitors at the door a day, by setting.
_DELIVERIES = {"urban": 0.5, "suburban": 0.35, "rural": 0.15}


def doorbell(world: World, plan: EntityPlan) -> Events:
    """Doorbells ring for parcels and visitors (more in town); each state is a timestamp."""
    presses = np.sort(world.seconds(random_minutes(world, world.anyone_awake,
                                                   _DELIVERIES[world.design.setting])))
    stamps = [datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
              for t in cast("list[float]", presses.tolist())]
    return presses, stamps
