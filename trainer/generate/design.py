"""A home's design: what is where and who lives there, before any event happens.

Both generators produce a :class:`HomeDesign` -- the procedural one from distributions, the
OpenAI one from a language model -- and the same simulator turns it into registries and 90 days
of state changes. Keeping the design this small and explicit is what lets an LLM fill it in with
one structured-output request per home.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final, Literal, get_args
from zoneinfo import available_timezones

from custom_components.home_type.core.snapshot import portable_zone

from .catalog import DEVICE_KINDS

#: What a room is for; the simulator places people and devices by kind, never by name.
AREA_KINDS: Final[tuple[str, ...]] = (
    "living_room", "kitchen", "dining_room", "bedroom", "kids_room", "guest_room", "bathroom",
    "toilet", "hallway", "entrance", "stairs", "office", "laundry", "storage", "closet",
    "utility_room", "pantry", "mudroom", "gym", "media_room", "playroom", "workshop", "sauna",
    "studio_room", "loft", "basement", "attic", "garage", "carport", "parking", "driveway",
    "front_yard", "back_yard", "garden", "patio", "terrace", "balcony", "porch", "deck", "pool",
    "shed", "other",
)

OUTDOOR_KINDS: Final[frozenset[str]] = frozenset({
    "carport", "parking", "driveway", "front_yard", "back_yard", "garden", "patio", "terrace",
    "balcony", "porch", "deck", "pool", "shed",
})

Occupancy = Literal["primary", "vacation"]
Setting = Literal["urban", "suburban", "rural"]


@dataclass(frozen=True, slots=True)
class FloorDesign:
    """A level of the home; 0 is the ground floor, negative levels are below ground."""

    name: str
    level: int


@dataclass(frozen=True, slots=True)
class AreaDesign:
    """A room or outdoor space. ``floor_level`` None: not assigned to a floor in the registry."""

    name: str
    kind: str
    floor_level: int | None = None


@dataclass(frozen=True, slots=True)
class DeviceDesign:
    """A device of a catalogue kind (see ``catalog.DEVICE_KINDS``), in an area or in none."""

    kind: str
    name: str
    area: str | None = None
    manufacturer: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class ResidentDesign:
    """A person's routine, in local hours (``sleep`` may pass midnight: 23.5, 24.5 …)."""

    name: str
    wake: float = 7.0
    sleep: float = 23.0
    leave: float | None = 8.0
    back: float | None = 17.5
    weekend_wake: float = 8.5
    weekend_sleep: float = 24.0
    works_from_home: bool = False
    has_car: bool = True


@dataclass(slots=True)
class HomeDesign:
    """Everything the simulator needs to bring a home to life."""

    home_type: str | None
    timezone: str
    latitude: float
    longitude: float
    floors: list[FloorDesign] = field(default_factory=list)
    areas: list[AreaDesign] = field(default_factory=list)
    devices: list[DeviceDesign] = field(default_factory=list)
    residents: list[ResidentDesign] = field(default_factory=list)
    occupancy: Occupancy = "primary"
    #: How busy the street is: passers-by on cameras, deliveries at the door.
    setting: Setting = "suburban"
    #: Helpers that live in every real installation: automations, scripts, input booleans.
    helpers: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class DesignError(ValueError):
    """A design the simulator cannot bring to life; the message lists what is wrong."""


def _registry_name(name: str) -> str:
    """A floor's or area's name as Home Assistant compares them, which refuses a second.

    Case and spaces do not count: "Top Floor", "top floor" and "TopFloor" are one name.
    """
    return name.casefold().replace(" ", "")


def _named_again(names: Iterable[str]) -> set[int]:
    """Positions of the names Home Assistant would take for an earlier one of the list."""
    seen: set[str] = set()
    again: set[int] = set()
    for i, name in enumerate(names):
        key = _registry_name(name)
        if key in seen:
            again.add(i)
        seen.add(key)
    return again


def design_problems(design: HomeDesign) -> list[str]:
    """List what would make the simulator fail or lie, whoever drew the design.

    Both generators go through this check before a home is simulated: the procedural one can only
    fail it through a bug, the OpenAI one whenever the model invents a room kind, names an area
    that does not exist or gives someone a bedtime before they wake up. Each problem names its
    place (``devices[3].area``) so it can be sent back to the model as a repair hint.
    """
    problems: list[str] = []
    if design.timezone not in _timezones() or not portable_zone(design.timezone):
        problems.append(f"timezone: {design.timezone!r} is not an IANA time zone")
    if not (math.isfinite(design.latitude) and -90.0 <= design.latitude <= 90.0):
        problems.append(f"latitude: {design.latitude} is not between -90 and 90")
    if not (math.isfinite(design.longitude) and -180.0 <= design.longitude <= 180.0):
        problems.append(f"longitude: {design.longitude} is not between -180 and 180")
    if design.occupancy not in get_args(Occupancy):
        problems.append(f"occupancy: {design.occupancy!r} is not one of {get_args(Occupancy)}")
    if design.helpers < 0:
        problems.append("helpers: must not be negative")
    levels = [floor.level for floor in design.floors]
    if len(set(levels)) != len(levels):
        problems.append(f"floors: levels {sorted(levels)} repeat a level")
    problems += [f"floors[{i}].name: {design.floors[i].name!r} is used by another floor"
                 for i in sorted(_named_again(floor.name for floor in design.floors))]
    names = {area.name for area in design.areas}
    areas_named_again = _named_again(area.name for area in design.areas)
    for i, area in enumerate(design.areas):
        if area.kind not in AREA_KINDS:
            problems.append(f"areas[{i}].kind: {area.kind!r} is not an area kind")
        if i in areas_named_again:
            problems.append(f"areas[{i}].name: {area.name!r} is used by another area")
        if area.floor_level is not None and area.floor_level not in levels:
            problems.append(f"areas[{i}].floor_level: no floor has level {area.floor_level}")
    for i, device in enumerate(design.devices):
        if device.kind not in DEVICE_KINDS:
            problems.append(f"devices[{i}].kind: {device.kind!r} is not a device kind")
        if device.area is not None and device.area not in names:
            problems.append(f"devices[{i}].area: {device.area!r} is not the name of an area")
    for i, person in enumerate(design.residents):
        problems += [f"residents[{i}].{p}" for p in _routine_problems(person)]
    return problems


def check_design(design: HomeDesign) -> None:
    """Raise :class:`DesignError` listing every problem of :func:`design_problems`."""
    problems = design_problems(design)
    if problems:
        raise DesignError("; ".join(problems))


def _routine_problems(person: ResidentDesign) -> list[str]:
    problems = []
    for day, wake, sleep in (("", person.wake, person.sleep),
                             ("weekend_", person.weekend_wake, person.weekend_sleep)):
        if not 0.0 <= wake < 24.0:
            problems.append(f"{day}wake: {wake} is not an hour of the day (0-24)")
        if not wake < sleep <= wake + 24.0:
            problems.append(f"{day}sleep: {sleep} must come after {day}wake ({wake}) and within"
                            " a day of it (past midnight is 24+, e.g. 24.5)")
    if (person.leave is None) != (person.back is None):
        problems.append("leave/back: give both (a daily absence) or neither (stays home)")
    elif person.leave is not None and person.back is not None and not (
            person.wake <= person.leave < person.back):
        problems.append(f"leave/back: must satisfy wake <= leave < back, got {person.wake}, "
                        f"{person.leave}, {person.back}")
    return problems


@cache
def _timezones() -> frozenset[str]:
    """Read the tz database's zone names once: they do not change during a run."""
    return frozenset(available_timezones())
