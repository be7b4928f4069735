"""What devices react to, shared by every behaviour family.

Occupied stretches of a room, darkness, comings and goings, and random moments or sessions while
a condition holds.
"""

from __future__ import annotations

import numpy as np

from ..registry import EntityPlan
from ..world import MINUTE, Array, World, runs

#: Rooms without much daylight: a light goes on there whatever the sun does.
DARK_KINDS = frozenset({
    "bathroom", "toilet", "hallway", "entrance", "stairs", "closet", "laundry", "basement",
    "garage", "pantry", "mudroom", "utility_room", "storage", "workshop", "attic", "sauna",
})


def area_runs(world: World, area: int | None, gap: int = 2) -> tuple[Array, Array]:
    """Minutes ``[start, end)`` someone is up in an area; gaps of ``gap`` minutes are bridged."""
    if area is None or area >= world.occupied.shape[0]:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = ("runs", area, gap)
    if key not in world.cache:
        mask = world.occupied[area].copy()
        s, e = runs(mask)
        if s.size > 1:  # close short gaps: a person popping out for a minute
            short = (s[1:] - e[:-1]) <= gap
            keep_start = np.concatenate(([True], ~short))
            keep_end = np.concatenate((~short, [True]))
            s, e = s[keep_start], e[keep_end]
        world.cache[key] = (s, e)
    return world.cache[key]  # type: ignore[return-value]


def darkness(world: World) -> Array:
    """Per minute: too dark indoors without a lamp (the sun low, later on a cloudy day)."""
    key = "dark"
    if key not in world.cache:
        cloud = world.rng.uniform(-2.0, 8.0, int(world.day.max()) + 2)[world.day]
        world.cache[key] = world.elevation < (3.0 + cloud)
    return world.cache[key]  # type: ignore[return-value]


def comings_and_goings(world: World, cars_only: bool = False) -> Array:
    """Minutes anyone (or, with ``cars_only``, anyone with a car) left or came home."""
    picks = []
    for r, person in enumerate(world.design.residents):
        if cars_only and not person.has_car:
            continue
        picks += [world.departures[r], world.arrivals[r]]
    return np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)


def random_minutes(world: World, mask: Array, per_day: float) -> Array:
    """About ``per_day`` random minutes a day, drawn among the minutes where ``mask`` holds."""
    candidates = np.flatnonzero(mask)
    if candidates.size == 0 or per_day <= 0:
        return np.zeros(0, dtype=np.int64)
    n = int(world.rng.poisson(per_day * world.minutes / 1440))
    return world.rng.choice(candidates, size=n)


def random_sessions(world: World, mask: Array, per_day: float, minutes: tuple[float, float]
                    ) -> tuple[Array, Array]:
    """Sessions (begin, end seconds) at ``random_minutes``, each lasting ``minutes`` (range)."""
    begins = world.seconds(random_minutes(world, mask, per_day))
    return begins, begins + world.rng.uniform(*minutes, begins.size) * MINUTE


def device_owner(world: World, plan: EntityPlan) -> int | None:
    """The resident a personal device (phone, tracker) belongs to: by name, else by index."""
    residents = world.design.residents
    if not residents or plan.device_index is None:
        return None
    name = world.design.devices[plan.device_index].name
    for r, person in enumerate(residents):
        if name.startswith(f"{person.name}'s"):
            return r
    return plan.device_index % len(residents)
