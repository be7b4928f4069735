"""Lights and presence: room lights, outdoor lights, motion and occupancy sensors, trackers."""

from __future__ import annotations

import numpy as np

from ..registry import EntityPlan
from ..world import MINUTE, NO_EVENTS, Events, World, runs, toggle
from .triggers import (
    DARK_KINDS,
    area_runs,
    comings_and_goings,
    darkness,
    device_owner,
    random_minutes,
)


def light(world: World, plan: EntityPlan) -> Events:
    """Lights go on when someone is up in a dark room and go off a little after they leave."""
    rng = world.rng
    starts, ends = area_runs(world, plan.area_index)
    dark = darkness(world)
    always_dark = world.kind(plan.area_index) in DARK_KINDS
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
        begin = world.start + first * MINUTE + rng.uniform(2, 40)
        finish = world.start + e * MINUTE + rng.uniform(5, 240)
        if rng.random() < 0.03:  # left on
            finish += rng.uniform(1, 5) * 3600
        on.append(begin)
        off.append(min(finish, world.end - 1))
    return toggle(np.array(on), np.array(off))


def outdoor_light(world: World, plan: EntityPlan) -> Events:
    """Outdoor lights burn at night: on a timer, dusk to dawn, or briefly on motion."""
    rng = world.rng
    night_s, night_e = runs(world.elevation < -1.0)
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
        return toggle(begins, begins + rng.uniform(60, 300, begins.size))
    begins = world.start + night_s * MINUTE + rng.normal(0, 300, night_s.size)
    # The recording starts at midnight, in a night that began the evening before.
    under_way = night_s == 0
    if mode == "dusk_to_dawn":
        finish = world.start + night_e * MINUTE + rng.normal(0, 300, night_e.size)
        begins[under_way] = world.start  # on since dusk: on at start-up
    else:
        local_midnight_gap = (24.0 - world.hour[np.clip(night_s, 0, world.minutes - 1)]) * 3600
        finish = begins + local_midnight_gap - rng.uniform(0, 1.5, night_s.size) * 3600
        finish = np.maximum(finish, begins + 600)
        # That night's timer ran out before midnight (measured from midnight it would burn
        # for a day).
        begins, finish = begins[~under_way], finish[~under_way]
    return toggle(begins, np.minimum(finish, world.end - 1))


def motion(world: World, plan: EntityPlan) -> Events:
    """Motion sensors fire while someone is in the room and clear after their cool-down."""
    rng = world.rng
    starts, ends = area_runs(world, plan.area_index, gap=0)
    if starts.size == 0:
        return NO_EVENTS
    cooldown = rng.choice([60.0, 90.0, 120.0])
    mean_gap = rng.uniform(3.0, 7.0)
    lengths = (ends - starts).astype(np.float64)
    extra = rng.poisson(lengths / mean_gap)
    first = world.start + starts * MINUTE + rng.uniform(0, 30, starts.size)
    more_run = np.repeat(np.arange(starts.size), extra)
    more = world.start + (starts[more_run] + rng.uniform(0, 1, more_run.size) *
                          lengths[more_run]) * MINUTE
    triggers = np.concatenate([first, more])
    return toggle(triggers, triggers + cooldown)


def occupancy(world: World, plan: EntityPlan) -> Events:
    """Presence sensors stay on while someone is up in the room, clearing 30 s after."""
    starts, ends = area_runs(world, plan.area_index, gap=1)
    begin = world.start + starts * MINUTE + world.rng.uniform(1, 10, starts.size)
    return toggle(begin, np.minimum(world.start + ends * MINUTE + 30.0, world.end - 1))


#: Passers-by a day seen by an outdoor camera, by the home's setting.
_PASSERS = {"urban": (10.0, 30.0), "suburban": (2.0, 8.0), "rural": (0.1, 1.5)}


def outdoor_motion(world: World, plan: EntityPlan) -> Events:
    """Outdoor motion sees residents come and go, and passers-by (more in town)."""
    rng = world.rng
    daytime = (world.hour > 6) & (world.hour < 23)
    passers = random_minutes(world, daytime, rng.uniform(*_PASSERS[world.design.setting]))
    triggers = world.seconds(np.concatenate([comings_and_goings(world), passers]))
    return toggle(triggers, triggers + rng.uniform(10, 40, triggers.size))


def tracker(world: World, plan: EntityPlan) -> Events:
    """Phone trackers leave home a little after their owner does and return a bit before."""
    owner = device_owner(world, plan)
    if owner is None:
        return NO_EVENTS
    lag = world.rng.uniform(30, 240)
    leave = world.seconds(world.departures[owner]) + lag
    back = world.seconds(world.arrivals[owner]) - lag
    # An owner away at midnight (a holiday, a night shift) left before the recording began.
    gone = [world.start] if not world.home[owner][0] else []
    times = np.concatenate([gone, leave, back])
    states = ["not_home"] * (len(gone) + leave.size) + ["home"] * back.size
    return times, states
