"""Helper entities that belong to no device: automations, scripts, input booleans, templates."""

from __future__ import annotations

import numpy as np

from ..registry import EntityPlan
from ..world import NO_EVENTS, Events, World, toggle
from .triggers import random_minutes, random_sessions


def automation(world: World, plan: EntityPlan) -> Events:
    """One automation in ten is switched off now and then for a while; the rest stay on."""
    if world.rng.random() > 0.1:
        return NO_EVENTS
    return toggle(*random_sessions(world, np.ones(world.minutes, dtype=bool), 0.05, (60, 2000)),
                  "off", "on")


def script(world: World, plan: EntityPlan) -> Events:
    """Scripts run for a few seconds, now and then while someone is awake."""
    runs = world.seconds(random_minutes(world, world.anyone_awake, world.rng.uniform(0, 1.5)))
    return toggle(runs, runs + world.rng.uniform(1, 15, runs.size))


def input_boolean(world: World, plan: EntityPlan) -> Events:
    """Input booleans are switched on by hand for a while, now and then."""
    return toggle(*random_sessions(world, world.anyone_awake, world.rng.uniform(0, 0.6), (5, 600)))


def template_sensor(world: World, plan: EntityPlan) -> Events:
    """Half of the template sensors report an hourly random walk; the rest never change."""
    rng = world.rng
    if rng.random() < 0.5:
        return NO_EVENTS
    hourly = np.arange(world.start + rng.uniform(0, 3600), world.end, 3600.0)
    values = np.round(rng.normal(0, 1, hourly.size).cumsum(), 1)
    return hourly, [f"{v:.1f}" for v in values.tolist()]


def sauna_static(world: World, plan: EntityPlan) -> Events:
    """Entities that keep their start-up state: cameras, valves, problem sensors and the like."""
    return NO_EVENTS
