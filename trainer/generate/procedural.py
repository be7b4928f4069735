"""Procedural home designs: floors, rooms, devices and residents drawn per home type.

Each type follows its physical description (``HOME_TYPE_DESCRIPTIONS``), but every quantity is
drawn from a wide distribution and the types overlap the way real homes do: a large apartment
has more rooms than a small townhouse, a cottage may have a garage, a family house may have a
basement (three levels, like a multi-storey house). A dataset that one feature separates
teaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np

from custom_components.home_type.core.vocabulary import fold

from .catalog import DEVICE_KINDS
from .design import (
    OUTDOOR_KINDS,
    AreaDesign,
    DeviceDesign,
    FloorDesign,
    HomeDesign,
    ResidentDesign,
)
from .names import (
    AREA_NAMES,
    DEVICE_WORD_FIRST,
    DEVICE_WORDS,
    FLOOR_NAMES,
    LEVEL_PREFIXES,
    PERSON_NAMES,
    UNIT_FLOOR_NAMES,
    VAGUE_NAMES,
)
from .streams import NAMING_STREAM, OWNED_KINDS_STREAM, side_stream

#: (time zone, latitude range, longitude, language, weight)
LOCATIONS: Final = (
    ("America/New_York", 35.0, 45.0, -76.0, "en", 3.0),
    ("America/Chicago", 30.0, 46.0, -90.0, "en", 2.0),
    ("America/Denver", 35.0, 45.0, -105.0, "en", 1.0),
    ("America/Phoenix", 31.5, 35.0, -112.0, "en", 0.5),
    ("America/Los_Angeles", 33.0, 47.0, -121.0, "en", 2.0),
    ("America/Toronto", 43.0, 47.0, -79.0, "en", 1.0),
    ("Europe/London", 50.0, 57.0, -2.0, "en", 1.5),
    ("Europe/Berlin", 47.0, 54.5, 10.0, "de", 2.0),
    ("Europe/Paris", 43.0, 50.0, 2.0, "fr", 1.0),
    ("Europe/Madrid", 36.0, 43.0, -4.0, "es", 1.0),
    ("Europe/Amsterdam", 51.0, 53.0, 5.0, "nl", 1.0),
    ("Europe/Stockholm", 55.5, 64.0, 16.0, "sv", 1.0),
    ("Europe/Rome", 38.0, 46.0, 12.0, "it", 0.7),
    ("Australia/Sydney", -37.0, -28.0, 151.0, "en", 1.0),
)
_US_ZONES: Final = frozenset(z for z, *_ in LOCATIONS if z.startswith("America/"))

HOUSE_TYPES: Final = frozenset({
    "townhouse", "single_family_house", "ranch_house", "multi_story", "cottage",
})


@dataclass(slots=True)
class _Plan:
    """A home type's rooms and traits before devices are placed."""

    levels: list[int]
    rooms: list[tuple[str, int]]  # (area kind, level)
    residents: int
    owner: bool
    tech: float
    floors_defined: bool
    vacation: bool = False
    extras: dict[str, float] = field(default_factory=dict)


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def _count(rng: np.random.Generator, median: float, spread: float, low: int, high: int) -> int:
    """A log-normal count: most near the median, a long tail, clipped to [low, high]."""
    return int(np.clip(round(median * float(np.exp(rng.normal(0.0, spread)))), low, high))


def _residents(rng: np.random.Generator, weights: list[float]) -> int:
    probabilities = np.asarray(weights) / sum(weights)
    return int(rng.choice(np.arange(1, len(weights) + 1), p=probabilities))


def _plan_unit(rng: np.random.Generator, home_type: str) -> _Plan:
    """Studio, apartment or condo: one level (rarely two) in a multi-unit building."""
    building_floor = int(rng.integers(0, 14)) if _chance(rng, 0.5) else 0
    levels = [building_floor]
    rooms: list[tuple[str, int]] = []
    if home_type == "studio":
        rooms.append(("studio_room", building_floor))
        rooms.append(("bathroom", building_floor))
        for kind, p in (("kitchen", 0.45), ("entrance", 0.3), ("balcony", 0.15), ("closet", 0.1),
                        ("storage", 0.08), ("office", 0.06)):
            if _chance(rng, p):
                rooms.append((kind, building_floor))
        residents = _residents(rng, [0.8, 0.2])
        owner = _chance(rng, 0.15)
        tech = float(np.exp(rng.normal(-0.35, 0.5)))
    else:
        condo = home_type == "condo"
        bedrooms = _count(rng, 2.2 if condo else 1.5, 0.35, 1, 4)
        rooms += [("living_room", building_floor), ("kitchen", building_floor)]
        rooms += [("bedroom", building_floor)] * bedrooms
        rooms += [("bathroom", building_floor)] * (1 + int(_chance(rng, 0.7 if condo else 0.2)))
        extras = (("hallway", 0.55), ("office", 0.5 if condo else 0.28),
                  ("dining_room", 0.45 if condo else 0.18), ("laundry", 0.4 if condo else 0.12),
                  ("storage", 0.35 if condo else 0.18), ("closet", 0.3 if condo else 0.08),
                  ("balcony", 0.65 if condo else 0.45), ("terrace", 0.3 if condo else 0.04),
                  ("parking", 0.5 if condo else 0.06), ("toilet", 0.35 if condo else 0.12),
                  ("entrance", 0.3))
        for kind, p in extras:
            if _chance(rng, p):
                rooms.append((kind, building_floor))
        if condo and _chance(rng, 0.12):  # a two-level penthouse
            levels.append(building_floor + 1)
            rooms += [("bedroom", building_floor + 1), ("bathroom", building_floor + 1)]
        residents = _residents(rng, [0.3, 0.4, 0.18, 0.12] if condo else [0.35, 0.35, 0.2, 0.1])
        owner = _chance(rng, 0.9 if condo else 0.12)
        tech = float(np.exp(rng.normal(0.1 if condo else -0.1, 0.5)))
    return _Plan(levels, rooms, residents, owner, tech, floors_defined=_chance(rng, 0.5))


def _plan_house(rng: np.random.Generator, home_type: str) -> _Plan:
    """Attached or detached houses: levels, rooms by level, garage and outdoor spaces."""
    # Levels follow the labels' definitions (HOME_TYPE_DESCRIPTIONS): a ranch house is
    # single-level, a family house usually two, a multi-storey house three or more counting
    # basement and attic.
    # Overlap comes from size, rooms and devices -- not from houses that break their label.
    basement = False
    if home_type == "ranch_house":
        above, basement = 1, _chance(rng, 0.15)
    elif home_type == "cottage":
        above = 2 if _chance(rng, 0.35) else 1
    elif home_type == "townhouse":
        above = 3 if _chance(rng, 0.3) else 2
        basement = above == 2 and _chance(rng, 0.2)
    elif home_type == "single_family_house":
        above = 2 if _chance(rng, 0.93) else 1
        basement = above == 1 or _chance(rng, 0.04)
    else:  # multi_story
        above = int(rng.choice([2, 3, 4], p=[0.4, 0.45, 0.15]))
        basement = above == 2 or _chance(rng, 0.5)
    levels = ([-1] if basement else []) + list(range(above))

    size = {"townhouse": 0.95, "single_family_house": 1.35, "ranch_house": 1.25,
            "multi_story": 1.8, "cottage": 0.6}[home_type]
    size *= float(np.exp(rng.normal(0.0, 0.25)))
    bedrooms = int(np.clip(round(2.6 * size + rng.normal(0, 0.7)), 1, 7))
    bathrooms = int(np.clip(round(1.4 * size + rng.normal(0, 0.5)), 1, 5))
    top = levels[-1]
    ground = 0
    sleeping = [lv for lv in levels if lv > 0] or [ground]
    rooms: list[tuple[str, int]] = [("living_room", ground), ("kitchen", ground)]
    for i in range(bedrooms):
        rooms.append(("bedroom", sleeping[i % len(sleeping)]))
    for i in range(bathrooms):
        rooms.append(("bathroom", sleeping[i % len(sleeping)] if i else ground))

    optional = (
        ("dining_room", 0.35 + 0.3 * min(size, 1.5)), ("office", 0.3 + 0.25 * size),
        ("hallway", 0.55), ("entrance", 0.45), ("toilet", 0.25 + 0.2 * size),
        ("laundry", 0.25 + 0.35 * min(size, 1.4)), ("stairs", 0.6 if len(levels) > 1 else 0.0),
        ("guest_room", 0.25 * size), ("kids_room", 0.0), ("mudroom", 0.12 * size),
        ("gym", 0.15 * size), ("media_room", 0.12 * size), ("playroom", 0.1 * size),
        ("pantry", 0.15 * size), ("utility_room", 0.25), ("closet", 0.2), ("storage", 0.25),
    )
    for kind, p in optional:
        if _chance(rng, min(p, 0.95)):
            rooms.append((kind, sleeping[0] if kind in ("office", "guest_room") else ground))
    if basement:
        rooms.append(("basement", -1))
        for kind, p in (("laundry", 0.3), ("workshop", 0.25), ("gym", 0.15), ("storage", 0.3),
                        ("media_room", 0.15)):
            if _chance(rng, p):
                rooms.append((kind, -1))
    if top >= 2 and _chance(rng, 0.6):
        rooms.append(("attic" if _chance(rng, 0.6) else "loft", top))
    elif top == 1 and home_type == "cottage":
        rooms.append(("loft", top))

    p_garage = {"townhouse": 0.55, "single_family_house": 0.82, "ranch_house": 0.85,
                "multi_story": 0.72, "cottage": 0.15}[home_type]
    garage = _chance(rng, p_garage)
    if garage:
        rooms.append(("garage", ground))
    elif _chance(rng, 0.35):
        rooms.append(("carport" if home_type != "townhouse" else "parking", ground))
    outdoor = {
        # Attached: a small patio or yard behind, the street in front.
        "townhouse": (("patio", 0.55), ("back_yard", 0.3), ("garden", 0.2), ("balcony", 0.25),
                      ("front_yard", 0.04), ("driveway", 0.06), ("deck", 0.1)),
        "cottage": (("garden", 0.85), ("porch", 0.45), ("deck", 0.35), ("shed", 0.35),
                    ("patio", 0.2), ("driveway", 0.15), ("sauna", 0.2)),
    }.get(home_type, (("back_yard", 0.8), ("front_yard", 0.6), ("driveway", 0.65),
                      ("patio", 0.45), ("deck", 0.25), ("porch", 0.35), ("garden", 0.3),
                      ("shed", 0.2), ("pool", 0.1), ("balcony", 0.12)))
    for kind, p in outdoor:
        if _chance(rng, p):
            rooms.append((kind, ground))

    if home_type == "townhouse" and above == 3 and _chance(rng, 0.5):
        # The narrow three-storey kind: garage and entry below, living in the middle,
        # bedrooms on top.
        rooms = [(kind, 1 if kind in ("living_room", "kitchen", "dining_room", "toilet")
                  and level == ground else 2 if level >= 1 and kind in ("bedroom", "bathroom")
                  else level) for kind, level in rooms]
    vacation = home_type == "cottage" and _chance(rng, 0.45)
    residents = _residents(rng, [0.35, 0.45, 0.15, 0.05] if home_type == "cottage"
                           else [0.1, 0.35, 0.2, 0.22, 0.13])
    if residents >= 3:
        rooms += [("kids_room", sleeping[0])] * int(_chance(rng, 0.4))
    tech = float(np.exp(rng.normal(0.15 if home_type != "cottage" else -0.3, 0.5)))
    return _Plan(levels, rooms, residents, owner=_chance(rng, 0.93), tech=tech,
                 floors_defined=_chance(rng, 0.75), vacation=vacation)


#: How a studio's owner names its one room: as a living room, as the room they sleep in, or
#: "Main Room", "Wohnraum" … Never after the dwelling ("Studio", "Einzimmerwohnung"): up to
#: generator version 6 three studios in four had such a room, which told the model the label.
_STUDIO_ROOM_NAMED_AS: Final = {"living_room": 0.6, "bedroom": 0.1, "studio_room": 0.3}


def _area_name(rng: np.random.Generator, kind: str, language: str, used: set[str]) -> str:
    if kind == "studio_room":
        kind = str(rng.choice(list(_STUDIO_ROOM_NAMED_AS),
                              p=list(_STUDIO_ROOM_NAMED_AS.values())))
    table = AREA_NAMES[language] if _chance(rng, 0.75) else AREA_NAMES["en"]
    choices = table.get(kind) or AREA_NAMES["en"].get(kind) or ("Room",)
    name = str(rng.choice(choices))
    if _chance(rng, 0.05):
        name = str(rng.choice(VAGUE_NAMES))
    elif _chance(rng, 0.06):
        name = name.lower()
    base, number = name, 2
    while name.lower() in used:
        name = f"{base} {number}"
        number += 1
    used.add(name.lower())
    return name


def _floor_names(rng: np.random.Generator, plan: _Plan, language: str,
                 home_type: str) -> list[FloorDesign]:
    if home_type in HOUSE_TYPES:
        table = FLOOR_NAMES.get(language, FLOOR_NAMES["en"])
        floors: list[FloorDesign] = []
        for level in plan.levels:
            # Home Assistant refuses a second floor of a name ("Second Floor" may be level 1
            # or 2).
            taken = {floor.name for floor in floors}
            names = [name for name in table.get(level) or FLOOR_NAMES["en"].get(level) or ()
                     if name not in taken] or [f"Level {level}"]
            floors.append(FloorDesign(str(rng.choice(names)), level))
        # Some people number floors from 1.
        if _chance(rng, 0.12):
            floors = [FloorDesign(f.name, f.level + 1) for f in floors]
        return floors
    unit_names = UNIT_FLOOR_NAMES.get(language, UNIT_FLOOR_NAMES["en"])
    floors = [FloorDesign(str(rng.choice(unit_names)), plan.levels[0])]
    floors += [FloorDesign("Upper level", lv) for lv in plan.levels[1:]]
    return floors


#: Of these kinds, the share of homes whose owner has any at all (:func:`_kinds_shunned`).
_OWNED_KINDS: Final = {
    "irrigation_valve": 0.15, "water_shutoff": 0.15, "smoke_detector": 0.25,
    "window_sensor": 0.45, "door_sensor": 0.85, "doorbell": 0.6,
}


def _kinds_shunned(home: np.random.Generator) -> frozenset[str]:
    """The kinds of device this home's owner has none of: an owner automates a kind or not.

    Placed room by room alone, 60 % of the generator's houses had a water valve, 73 % a smoke
    sensor, 71 % a window sensor, 78 % a door sensor and 59 % a doorbell; of 25 public Home
    Assistant configurations of houses (recent registries, 2026-12-07), 1, 3, 6, 12 and 6 did.
    :data:`_OWNED_KINDS` is set between the two, as those configurations are few and their
    registries thin (simulator version 9). Drawn from a stream of the home's own and applied
    after the devices are drawn, so the design of a home without smoke sensors is otherwise
    the one its seed made (the registry's ids and the history, drawn later, differ).
    """
    owner = side_stream(home, OWNED_KINDS_STREAM)
    return frozenset(kind for kind, share in _OWNED_KINDS.items() if not _chance(owner, share))


# Device placement: (device kind, area kinds it goes in, base probability per such area)
_INDOOR_LIVING: Final = ("living_room", "studio_room", "kitchen", "bedroom", "kids_room",
                         "office", "dining_room", "guest_room", "media_room", "playroom", "loft")
_DARK_ROOMS: Final = ("bathroom", "toilet", "hallway", "entrance", "stairs", "closet",
                      "laundry", "basement", "garage", "pantry", "mudroom", "utility_room",
                      "storage", "workshop", "attic", "gym")


def _furnish(rng: np.random.Generator, plan: _Plan, home_type: str, timezone: str,
             areas: list[AreaDesign]) -> list[tuple[str, str | None]]:
    """Which devices go where: (device kind, area name or None)."""
    tech, owner = plan.tech, plan.owner
    house = home_type in HOUSE_TYPES
    us = timezone in _US_ZONES
    placed: list[tuple[str, str | None]] = []

    def add(kind: str, area: AreaDesign | None, p: float, count: int = 1) -> None:
        for _ in range(count):
            if _chance(rng, min(p, 0.97)):
                placed.append((kind, area.name if area else None))

    by_kind: dict[str, list[AreaDesign]] = {}
    for area in areas:
        by_kind.setdefault(area.kind, []).append(area)
    light_kind = "light_switch" if owner else "smart_bulb"
    for area in areas:
        kind = area.kind
        if kind in OUTDOOR_KINDS:
            if kind in ("balcony", "terrace", "patio", "deck", "porch", "garden", "back_yard"):
                add("outdoor_light", area, 0.35 * tech)
                add("outdoor_sensor", area, 0.15 * tech)
            if kind in ("driveway", "front_yard", "porch") and house:
                add("camera", area, 0.4 * tech)
            if kind in ("back_yard", "front_yard", "garden") and house:
                add("irrigation_valve", area, (0.1 if home_type == "townhouse" else 0.4) * tech,
                    count=1 + int(rng.integers(0, 3)))
            if kind == "pool":
                add("smart_plug", area, 0.6)
            continue
        lights = 1 + int(rng.poisson(0.6 if kind in ("living_room", "kitchen", "studio_room")
                                     else 0.2))
        p_light = 0.55 * tech if kind in _INDOOR_LIVING else 0.4 * tech
        for _ in range(lights):
            add(light_kind if _chance(rng, 0.75) else
                ("smart_bulb" if owner else "light_switch"), area, p_light)
        add("motion_sensor", area, (0.4 if kind in _DARK_ROOMS else 0.25) * tech)
        add("presence_sensor", area, 0.06 * tech)
        if kind in ("living_room", "bedroom", "kids_room", "office", "studio_room", "basement",
                    "guest_room", "attic", "bathroom"):
            add("climate_sensor", area, 0.3 * tech)
        if kind in ("living_room", "kitchen", "office", "bedroom", "studio_room", "media_room",
                    "garage", "workshop", "laundry"):
            add("smart_plug", area, 0.3 * tech, count=1 + int(rng.poisson(0.4)))
        add("window_sensor", area, (0.12 if kind not in _DARK_ROOMS else 0.04) * tech)
        add("blinds", area, (0.2 if owner else 0.03) * tech
            if kind in ("living_room", "bedroom", "office", "studio_room") else 0.0)
        if kind in ("bathroom", "laundry", "kitchen", "basement", "utility_room"):
            add("leak_sensor", area, (0.3 if owner else 0.08) * tech)
        if kind in ("bedroom", "hallway", "kitchen", "living_room", "basement", "studio_room"):
            add("smoke_detector", area, (0.25 if owner else 0.05) * tech)
        if kind in ("bedroom", "living_room") and us and house:
            add("ceiling_fan", area, 0.35)
        if kind in ("living_room", "media_room", "studio_room"):
            add("tv", area, 0.6)
        if kind in ("kitchen", "living_room", "bedroom", "office", "bathroom", "studio_room"):
            add("speaker", area, 0.2 * tech)
        if kind in ("laundry", "basement", "utility_room"):
            add("washer", area, 0.45 * tech)
        if kind == "basement":
            add("dehumidifier", area, 0.4)
            add("sump_pump", area, 0.3 if us else 0.05)
        if kind == "garage":
            add("garage_door_opener", area, 0.8, count=1 + int(_chance(rng, 0.25)))
            add("ev_charger", area, 0.18 * tech)
        if kind in ("bedroom", "living_room", "office", "studio_room"):
            add("air_purifier", area, 0.05 * tech)
        if kind in ("living_room", "studio_room", "kids_room", "entrance", "hallway"):
            add("indoor_camera", area,
                (0.12 if kind in ("living_room", "studio_room") else 0.05) * tech)

    # A home with none of the rooms a device is asked for gets it in one of its rooms (the
    # areas are shuffled: any one), never on its balcony or driveway.
    rooms = [area for area in areas if area.kind not in OUTDOOR_KINDS]

    def first(*kinds: str) -> AreaDesign | None:
        for kind in kinds:
            if by_kind.get(kind):
                return by_kind[kind][0]
        return rooms[0] if rooms else None

    entry = first("entrance", "hallway", "living_room", "studio_room", "kitchen")
    living = first("living_room", "studio_room")
    add("door_sensor", entry, (0.55 if house else 0.4) * tech ** 0.5)
    if house:
        add("door_sensor", first("kitchen", "mudroom", "living_room"), 0.35 * tech)
        add("door_sensor", first("garage"), 0.3 * tech if by_kind.get("garage") else 0.0)
        add("smart_lock", entry, 0.55 * tech ** 0.5)
        add("doorbell", entry, 0.5 * tech ** 0.5)
        add("smart_lock", first("kitchen", "mudroom", "garage"), 0.15 * tech)
        add("gate_opener", first("driveway"), 0.12 if by_kind.get("driveway") else 0.0)
    else:
        add("smart_lock", entry, (0.45 if owner else 0.1) * tech ** 0.5)
        add("doorbell", entry, 0.12)
        add("intercom", entry, 0.18)
        add("gate_opener", first("parking"), 0.15 if by_kind.get("parking") else 0.0)
    if owner and (house or home_type == "condo"):
        add("thermostat", living, 0.85 if house else 0.65)
        if house and len(plan.levels) > 1:
            add("thermostat", first("bedroom"), 0.3)
        add("water_heater", first("utility_room", "basement", "garage", "laundry"),
            0.2 if house else 0.08)
        add("water_shutoff", first("utility_room", "basement", "garage"), 0.08 if house else 0.03)
    else:
        for area in (by_kind.get("bedroom", []) + by_kind.get("living_room", [])
                     + by_kind.get("studio_room", [])):
            add("radiator_valve", area, 0.3 if timezone.startswith("Europe/") else 0.04)
    if house:
        add("energy_meter", first("garage", "utility_room", "basement"), 0.3 * tech)
        add("solar_inverter", first("garage", "utility_room", "basement"),
            0.2 if home_type != "townhouse" else 0.08)
        add("weather_station", first("garden", "back_yard"), 0.28 if home_type == "cottage"
            else 0.12)
    else:
        add("energy_meter", entry, (0.15 if owner else 0.06) * tech)
    stove_p = {"cottage": 0.8, "ranch_house": 0.12, "single_family_house": 0.08,
               "multi_story": 0.1, "townhouse": 0.04}.get(home_type, 0.0)
    add("wood_stove", living, stove_p)
    if house and home_type != "cottage":
        add("fireplace", living, 0.12)
    add("robot_vacuum", living, 0.35 * tech ** 0.5)
    if house and len(plan.levels) > 1:
        add("robot_vacuum", first("bedroom"), 0.12 * tech)
    add("router", None if _chance(rng, 0.6) else living, 0.4)
    return placed


def _residents_design(rng: np.random.Generator, plan: _Plan,
                      has_garage_or_parking: bool) -> list[ResidentDesign]:
    residents = []
    adults = min(plan.residents, 2)
    for i in range(plan.residents):
        child = i >= adults
        retired = not child and _chance(rng, 0.12)
        wfh = not child and not retired and _chance(rng, 0.25)
        wake = float(np.clip(rng.normal(6.9 if not child else 7.0, 0.7), 4.5, 10.0))
        sleep = float(np.clip(rng.normal(23.1 if not child else 21.0, 0.8), 20.0, 26.0))
        leave = wake + float(np.clip(rng.normal(1.0, 0.3), 0.3, 2.0))
        back = leave + float(np.clip(rng.normal(8.8 if not child else 7.5, 1.0), 3.0, 12.0))
        commutes = not (retired or wfh)
        residents.append(ResidentDesign(
            name=str(rng.choice(PERSON_NAMES)),
            wake=round(wake, 2),
            sleep=round(sleep, 2),
            leave=round(leave, 2) if commutes else None,
            back=round(back, 2) if commutes else None,
            weekend_wake=round(wake + float(np.clip(rng.normal(1.2, 0.6), 0, 3)), 2),
            weekend_sleep=round(sleep + float(np.clip(rng.normal(0.6, 0.4), 0, 2)), 2),
            works_from_home=wfh,
            has_car=not child and _chance(rng, 0.85 if has_garage_or_parking else 0.45),
        ))
    return residents


#: (urban, suburban, rural) chances by home type.
_SETTINGS: Final = {
    "studio": (0.85, 0.15, 0.0), "apartment": (0.75, 0.25, 0.0), "condo": (0.7, 0.3, 0.0),
    "townhouse": (0.55, 0.45, 0.0), "single_family_house": (0.1, 0.75, 0.15),
    "ranch_house": (0.03, 0.67, 0.3), "multi_story": (0.15, 0.75, 0.1),
    "cottage": (0.0, 0.15, 0.85),
}


class _DeviceNaming:
    """How a home's owner names devices: after the room and what the device is.

    In English, "Kitchen Light". A home in another language names its devices in it three
    times in four, as its rooms are, and puts what a device is first as its speakers often do
    ("Lampe Salon", "Licht Wohnzimmer"; :data:`DEVICE_WORD_FIRST`). A device whose word holds
    its room's name is just that word ("Garage door" in the garage, not "Garage Garage door").

    Its draws come from a stream of their own, derived from the home's: a home is the same
    home, room for room and device for device, whatever its devices are called.
    """

    def __init__(self, home: np.random.Generator, language: str) -> None:
        self._rng = side_stream(home, NAMING_STREAM)
        self._language = language
        self._words = (DEVICE_WORDS.get(language) if _chance(self._rng, 0.75) else None)

    def name(self, kind: str, area_name: str | None) -> str:
        if self._words is None:
            word, first = DEVICE_KINDS[kind].label, False
        else:
            word = self._words[kind]
            first = _chance(self._rng, DEVICE_WORD_FIRST[self._language])
        if area_name is None:
            return word if self._words is not None else f"Home {word}"
        if fold(area_name) in fold(word):
            return word
        return f"{word} {area_name}" if first else f"{area_name} {word}"


def design_home(home_type: str, rng: np.random.Generator) -> HomeDesign:
    """Draw one home of ``home_type``: rooms, devices and residents, with realistic mess."""
    weights = np.array([w for *_, w in LOCATIONS])
    tz, lat_lo, lat_hi, lon, language, _ = LOCATIONS[int(rng.choice(len(LOCATIONS),
                                                               p=weights / weights.sum()))]
    if home_type == "cottage":  # rural and often further north: the top of the latitude range
        latitude = float(rng.uniform((lat_lo + lat_hi) / 2, lat_hi)) if lat_lo > 0 else float(
            rng.uniform(lat_lo, (lat_lo + lat_hi) / 2))
    else:
        latitude = float(rng.uniform(lat_lo, lat_hi))
    longitude = lon + float(rng.uniform(-3.0, 3.0))

    plan = _plan_house(rng, home_type) if home_type in HOUSE_TYPES else _plan_unit(rng, home_type)
    floors = _floor_names(rng, plan, language, home_type) if plan.floors_defined else []
    level_shift = 1 if floors and floors[0].level == plan.levels[0] + 1 else 0
    used: set[str] = set()
    areas = []
    above_ground = {level for _, level in plan.rooms if level >= 0}
    entered_at = min(above_ground)
    prefixes = LEVEL_PREFIXES.get(language, LEVEL_PREFIXES["en"])
    for kind, level in plan.rooms:
        on_floor = floors and not _chance(rng, 0.08)
        name = _area_name(rng, kind, language, used)
        # "Upstairs Bath", "EG Flur": in a house, the level it is entered at is the ground
        # floor; a penthouse's lower level is not ("RDC"), and a cellar is below both.
        upper = level > entered_at
        if (len(above_ground) > 1 and kind not in OUTDOOR_KINDS and level >= 0
                and (upper or home_type in HOUSE_TYPES)
                and _chance(rng, 0.2 if upper else 0.08)):
            prefix = str(rng.choice(prefixes["upper" if upper else "ground"]))
            name = f"{prefix} {name}"
            used.add(name.lower())
        areas.append(AreaDesign(
            name=name,
            kind=kind,
            floor_level=level + level_shift if on_floor else None,
        ))
    # Areas beyond the plan's rooms: "Misc", a second "Storage" … Furnished below like any
    # indoor room, so most get a device or two (of the training homes' areas of no readable
    # kind, 20 in 91 are empty); never used at all is not what they model.
    for _ in range(int(rng.poisson(0.4))):
        areas.append(AreaDesign(_area_name(rng, "other", language, used), "other", None))
    order = rng.permutation(len(areas))
    areas = [areas[i] for i in order]

    placed = _furnish(rng, plan, home_type, tz, areas)
    naming = _DeviceNaming(rng, language)
    devices: list[DeviceDesign] = []
    counters: dict[str, int] = {}
    for kind, area_name in placed:
        catalog = DEVICE_KINDS[kind]
        maker, model = catalog.makers[int(rng.integers(len(catalog.makers)))]
        counters[kind] = counters.get(kind, 0) + 1
        # 15 %: left with the name it paired with
        name = (f"{model} {counters[kind]}" if _chance(rng, 0.15)
                else naming.name(kind, area_name))
        assigned = area_name
        if assigned is not None and kind != "phone" and _chance(rng, 0.1):
            assigned = None  # paired and never assigned
        if _chance(rng, 0.08):
            maker = model = None  # type: ignore[assignment]
        devices.append(DeviceDesign(kind, name, assigned, maker, model))
    shunned = _kinds_shunned(rng)
    devices = [device for device in devices if device.kind not in shunned]
    has_car_space = any(a.kind in ("garage", "carport", "parking", "driveway") for a in areas)
    residents = _residents_design(rng, plan, has_car_space)
    for person in residents:
        if _chance(rng, 0.75):
            catalog = DEVICE_KINDS["phone"]
            maker, model = catalog.makers[int(rng.integers(len(catalog.makers)))]
            devices.append(DeviceDesign("phone", f"{person.name}'s {model}", None, maker, model))
    helpers = int(rng.poisson(3 + 12 * plan.tech))
    return HomeDesign(
        home_type=home_type,
        timezone=tz,
        latitude=round(latitude, 3),
        longitude=round(longitude, 3),
        floors=floors,
        areas=areas,
        devices=devices,
        residents=residents,
        occupancy="vacation" if plan.vacation else "primary",
        setting=str(rng.choice(["urban", "suburban", "rural"],
                               p=_SETTINGS[home_type])),  # type: ignore[arg-type]
        helpers=helpers,
        extra={"owner": plan.owner, "tech": round(plan.tech, 3), "language": language},
    )
