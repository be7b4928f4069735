"""Behaviours: how each kind of entity changes state in the simulated world.

Every behaviour is a function ``(world, plan) -> (times, states)``: the moments an entity changes
and the state it enters. Its start-up state is the one entered last at or before the start, if
any (a light switched on the evening before), else :func:`initial_state`'s. The catalogue
names an entity's behaviour (``catalog.EntityTemplate.behaviour``); :data:`BEHAVIOURS` finds it.
Behaviours draw from the world's one random generator, so the order in which the simulator runs
them is part of what makes a home reproducible from its seed.
"""

from __future__ import annotations

from collections.abc import Callable

from ..registry import EntityPlan
from ..world import Events, World
from .appliances import (
    irrigation,
    media,
    router,
    sump,
    vacuum,
    washer_power,
    washer_state,
    water_flow,
)
from .climate_sensors import (
    air_quality,
    battery,
    dehumidifier,
    fan,
    fireplace,
    humidity,
    illuminance,
    indoor_temperature,
    outdoor_temp,
    phone_battery,
    radiator_valve,
    stove_temperature,
    tank_temperature,
    thermostat,
    wind,
)
from .doors_access import blinds, door, doorbell, garage_door, gate, intercom, lock, window
from .energy import (
    ev_power,
    ev_switch,
    home_energy,
    home_power,
    plug_energy,
    plug_power,
    plug_switch,
    solar_energy,
    solar_power,
)
from .helper_entities import automation, input_boolean, sauna_static, script, template_sensor
from .lights_presence import light, motion, occupancy, outdoor_light, outdoor_motion, tracker

BEHAVIOURS: dict[str, Callable[[World, EntityPlan], Events]] = {
    "light": light, "outdoor_light": outdoor_light, "motion": motion, "occupancy": occupancy,
    "door": door, "window": window, "garage_door": garage_door, "gate": gate, "lock": lock,
    "intercom": intercom, "blinds": blinds, "media": media, "vacuum": vacuum,
    "irrigation": irrigation, "thermostat": thermostat, "radiator_valve": radiator_valve,
    "indoor_temperature": indoor_temperature,
    "outdoor_temperature": outdoor_temp, "humidity": humidity, "illuminance": illuminance,
    "battery": battery, "phone_battery": phone_battery, "tracker": tracker,
    "plug_switch": plug_switch, "plug_power": plug_power, "plug_energy": plug_energy,
    "home_power": home_power, "home_energy": home_energy, "solar_power": solar_power,
    "solar_energy": solar_energy, "ev_switch": ev_switch, "ev_power": ev_power, "wind": wind,
    "stove_temperature": stove_temperature, "fireplace": fireplace, "fan": fan,
    "air_quality": air_quality, "dehumidifier": dehumidifier, "washer_power": washer_power,
    "washer_state": washer_state, "tank_temperature": tank_temperature, "sump": sump,
    "router": router, "water_flow": water_flow, "doorbell": doorbell,
    "outdoor_motion": outdoor_motion, "automation": automation, "script": script,
    "input_boolean": input_boolean, "template_sensor": template_sensor, "static": sauna_static,
}

#: State at start-up, by behaviour; behaviours not listed start in their first event's state.
_INITIAL: dict[str, str] = {
    "light": "off", "outdoor_light": "off", "motion": "off", "occupancy": "off", "door": "off",
    "window": "off", "garage_door": "closed", "gate": "closed", "lock": "locked",
    "intercom": "locked", "blinds": "closed", "media": "off", "vacuum": "docked",
    "irrigation": "closed", "tracker": "home", "plug_switch": "off",
    "ev_switch": "off", "fireplace": "off", "fan": "off", "dehumidifier": "off",
    "washer_state": "idle", "sump": "off", "water_flow": "0.0", "doorbell": "unknown",
    "outdoor_motion": "off", "automation": "on", "script": "off", "input_boolean": "off",
}
#: Start-up state of a ``static`` entity, by domain.
_STATIC_STATES: dict[str | None, str] = {
    "camera": "idle", "water_heater": "eco", "valve": "open", "binary_sensor": "off",
}


def initial_state(plan: EntityPlan, events: Events) -> str:
    """The state Home Assistant records at start-up, before the first change."""
    if plan.behaviour in _INITIAL:
        state = _INITIAL[plan.behaviour]
        if plan.behaviour == "plug_switch" and not events[1]:
            return "on"
        return state
    if plan.behaviour == "static":
        domain = plan.entity_id.partition(".")[0]
        if plan.entity_id.endswith("_wan"):
            return "on"
        return _STATIC_STATES.get(domain, "unknown")
    _, states = events
    return states[0] if states else "unknown"
