"""The feature vector: one function, used by the trainer and by the integration alike.

Features come from a home's registries (structure) and its activity summary (history). Rules
that keep them honest between a synthetic home file and a live Home Assistant:

- nothing depends on the order of lists or on how an entity id is spelled -- only on domains,
  device classes, area and device names (through :mod:`.vocabulary`) and counts;
- activity is normalised per day of an average week, so 1 day and 90 days of the same
  routine give the same rates wherever in the day the window starts, and -- for a routine
  that repeats every weekday and every weekend day, once the window covers each local hour
  of both kinds of day -- wherever in the week; the number of events matters only as a rate;
- with no history, every activity feature is 0 and ``has_history`` says so, so one model
  serves homes with and without a recorder.

Changing what a feature means requires a new :data:`FEATURE_VERSION`: a model trained on one
version refuses to run on another.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
from numpy.typing import NDArray

from .activity import HOURS, ActivitySummary
from .snapshot import Area, HomeSnapshot
from .vocabulary import (
    AREA_KINDS,
    OUTDOOR_AREA_KINDS,
    area_kind,
    device_lead,
    fold,
    is_onboarding_name,
    names_fire,
    names_level,
    room_phrase,
)

FEATURE_VERSION: Final = 5

_DOMAINS: Final = (
    "light", "switch", "binary_sensor", "sensor", "climate", "cover", "lock", "media_player",
    "vacuum", "valve", "fan", "camera", "device_tracker", "event", "humidifier", "water_heater",
    "automation", "script", "input_boolean",
)
_DEVICE_CLASSES: Final = (
    ("binary_sensor", "motion"), ("binary_sensor", "occupancy"), ("binary_sensor", "door"),
    ("binary_sensor", "window"), ("binary_sensor", "moisture"), ("binary_sensor", "smoke"),
    ("cover", "garage"), ("cover", "gate"), ("cover", "blind"), ("sensor", "temperature"),
    ("sensor", "humidity"), ("sensor", "power"), ("sensor", "energy"), ("sensor", "battery"),
    ("sensor", "illuminance"), ("sensor", "wind_speed"), ("valve", "water"),
    ("switch", "outlet"), ("event", "doorbell"),
)
#: Domains of devices fixed to the building; plug-in and battery devices are the renter's kind.
_INSTALLED_DOMAINS: Final = frozenset({"climate", "lock", "cover", "valve", "water_heater"})
_ACTIVITY_GROUPS: Final = (
    "light", "motion", "door", "lock", "garage", "outdoor", "climate", "media", "tracker",
    "sensor",
)
_RHYTHM_BINS: Final = 6  # four-hour blocks of the local day, from midnight
#: Hours: a kind of day seen in a local hour for less than this, beside one seen longer, is
#: left out of that hour's rate (minutes of history make a noisy rate).
_MIN_HOUR_COVER: Final = 0.5
#: Weekdays and weekend days in a week: how an average day weighs the two kinds.
_WEEK: Final[NDArray[np.float64]] = np.array([5.0, 2.0])
_WEEK.setflags(write=False)


def _feature_names() -> tuple[str, ...]:
    names = [
        "floors", "floor_levels", "level_span", "lowest_level", "highest_level",
        "has_floor_registry", "areas_log", "areas_per_floor", "areas_on_floor_share",
        "indoor_rooms", "outdoor_areas", "unknown_area_share", "level_named_areas",
        "levels_with_rooms", "main_level_room_share", "bedrooms_on_main_level",
        "bedrooms_above_main_level", "rooms_below_main_level",
    ]
    names += [f"area_{kind}" for kind in AREA_KINDS]
    names += [
        "devices_log", "entities_log", "entities_per_device", "devices_without_area_share",
        "entities_without_device_share", "entities_per_area", "devices_per_room",
        "installed_share", "battery_share", "outdoor_entity_share", "fire_devices",
        "manufacturers_log",
    ]
    names += [f"domain_{domain}" for domain in _DOMAINS]
    names += [f"class_{domain}_{device_class}" for domain, device_class in _DEVICE_CLASSES]
    names += [
        "has_history", "changes_per_day_log", "changes_per_entity_day_log",
        "daily_entity_share", "weekend_ratio_log", "night_share",
    ]
    names += [f"rhythm_{4 * b:02d}h" for b in range(_RHYTHM_BINS)]
    names += [f"share_{group}" for group in _ACTIVITY_GROUPS]
    names += [f"rate_{group}_log" for group in ("door", "garage", "lock", "outdoor", "motion",
                                               "tracker")]
    return tuple(names)


FEATURE_NAMES: Final[tuple[str, ...]] = _feature_names()


def _log(value: float) -> float:
    return math.log1p(max(value, 0.0))


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


@dataclass(frozen=True, slots=True)
class NamePlacement:
    """Where :func:`name_placement` puts the devices of no area whose names say a room."""

    devices: dict[str, str]  # device id → the area id it is placed in
    added: tuple[Area, ...]  # the rooms no area is, one per room named, on no floor


def _area_begun(words: list[str], areas_by_name: dict[str, str]) -> str | None:
    """The area whose folded name the ``words`` begin with, the longest such name first."""
    leads = (" ".join(words[:n]) for n in range(len(words), 0, -1)
             if n == len(words) or not words[n].isdigit())  # "Bedroom 2" is not "Bedroom"
    return next((areas_by_name[lead] for lead in leads if lead in areas_by_name), None)


def _chosen_first(home: HomeSnapshot) -> Callable[[Area], tuple[bool, bool, str, str]]:
    """Of two areas named alike ("Living Room", "Living-Room"), the one a device joins first.

    One that holds something, then one on a floor, then by name. Never by the order of the
    lists, and by id only when nothing else tells them apart: chosen by id, onboarding's empty
    ``living_room`` won over the owner's own on a floor, and the owner's was then the room the
    features left out.
    """
    used = {d.area_id for d in home.devices} | {e.area_id for e in home.entities}
    return lambda area: (area.area_id not in used, area.floor_id is None, area.name, area.area_id)


def name_placement(home: HomeSnapshot) -> NamePlacement:
    """Where each device of no area goes, by the room its name says.

    Owners who never sort devices into areas still name them after their rooms ("Kitchen
    Light", "Sovrum 2 Blinds"), and even in a sorted home some devices were paired and never
    given an area. Such a device joins the area whose name its name begins with ("Alice's Room
    Lamp"), or begins with after what the device is ("Lampe Alice", "Licht im Gästebad"); else,
    read by its room words (:func:`.vocabulary.room_phrase`), the area of that
    name or whose name they end with ("Hue Kitchen" joins "Kitchen"), else an area of its own,
    on no floor, one per room named. So a home nobody sorted shows its bedrooms, garage and
    garden as a sorted one does. Devices in an area, and names that say no room, stay as they
    are. The export and diagnostics read the placement itself; the features, the home placed.
    """
    areas_by_name: dict[str, str] = {}
    for area in sorted(home.areas, key=_chosen_first(home)):
        areas_by_name.setdefault(fold(area.name), area.area_id)
    longest_first = sorted(areas_by_name, key=len, reverse=True)
    added: dict[str, Area] = {}
    placed: dict[str, str] = {}
    for device in home.devices:
        if device.area_id is not None:
            continue
        folded = fold(device.name)
        area_id = _area_begun(folded.split(), areas_by_name)
        if area_id is None and (lead := device_lead(folded)):  # "Lampe Alice"
            area_id = _area_begun(folded[lead:].split(), areas_by_name)
        if area_id is None:
            phrase = room_phrase(device.name)
            if phrase is None:
                continue
            own = f"named: {phrase}"  # no registry area id has a colon and a space
            area_id = areas_by_name.get(phrase) or next(
                (areas_by_name[name] for name in longest_first if phrase.endswith(f" {name}")),
                own)
            if area_id == own:
                added.setdefault(own, Area(own, phrase))
        placed[device.device_id] = area_id
    return NamePlacement(placed, tuple(added.values()))


def placed_by_name(home: HomeSnapshot, placement: NamePlacement | None = None) -> HomeSnapshot:
    """The home with its devices of no area placed by :func:`name_placement`, entities too.

    The rooms no area is come after the registry's areas; an entity without an area of its own
    follows its device. ``placement``: the home's, if already worked out.
    """
    if placement is None:
        placement = name_placement(home)
    placed = placement.devices
    if not placed:
        return home
    return replace(
        home,
        areas=(*home.areas, *placement.added),
        devices=tuple(replace(device, area_id=placed[device.device_id])
                      if device.device_id in placed else device for device in home.devices),
        entities=tuple(replace(entity, area_id=placed[entity.device_id])
                       if entity.area_id is None and entity.device_id in placed else entity
                       for entity in home.entities),
    )


def areas_in_use(home: HomeSnapshot, placement: NamePlacement) -> set[str | None]:
    """The ids of the areas something is in, as the features see them.

    A device of no area that its name places (``placement``, the home's) counts as in that area.
    """
    return ({d.area_id for d in home.devices} | {e.area_id for e in home.entities}
            | set(placement.devices.values()))


def onboarding_leftovers(home: HomeSnapshot, placement: NamePlacement) -> frozenset[str]:
    """The ids of the areas onboarding created that nothing is in, which the features leave out.

    Onboarding creates a living room, a kitchen and a bedroom in the user's language; an owner
    who makes areas of their own and never deletes those keeps rooms with nothing in them, and
    counted as rooms they turned a studio into an apartment. Only an empty area of exactly such
    a name goes (nothing in it once devices are placed by name): an empty area of another name
    is a room the owner made -- a patio, a hallway with no sensor yet -- and counts, as the
    synthetic homes' empty rooms do. Diagnostics count them and the export names them by this
    one rule.
    """
    used = areas_in_use(home, placement)
    return frozenset(area.area_id for area in home.areas
                     if area.area_id not in used and is_onboarding_name(area.name))


def _structure(home: HomeSnapshot) -> tuple[list[float], dict[str, str], set[str]]:
    """Structure features, plus each entity's activity group and the outdoor entity ids."""
    # How many devices the owner left without an area is read before they are placed by name.
    unplaced = _share(sum(1 for d in home.devices if d.area_id is None), len(home.devices))
    placement = name_placement(home)
    left_out = onboarding_leftovers(home, placement)
    home = placed_by_name(home, placement)
    if left_out:
        home = replace(home, areas=tuple(a for a in home.areas if a.area_id not in left_out))
    floors = home.floors
    levels = sorted({f.level for f in floors if f.level is not None})
    level_span = float(levels[-1] - levels[0] + 1) if levels else 0.0
    kinds = {area.area_id: area_kind(area.name) for area in home.areas}
    kind_counts = Counter(kinds.values())
    n_areas = len(home.areas)
    outdoor_areas = sum(kind_counts[k] for k in OUTDOOR_AREA_KINDS)
    on_floor = sum(1 for area in home.areas if area.floor_id is not None)
    values = [
        float(len(floors)),
        float(len(levels)),
        level_span,
        float(np.clip(levels[0], -3, 3)) if levels else 0.0,
        float(np.clip(levels[-1], -3, 6)) if levels else 0.0,
        1.0 if floors else 0.0,
        _log(n_areas),
        _share(on_floor, len(floors)) if floors else 0.0,
        _share(on_floor, n_areas),
        float(n_areas - outdoor_areas),
        float(outdoor_areas),
        _share(kind_counts["unknown"], n_areas),
    ]
    values.append(float(sum(1 for area in home.areas if names_level(area.name))))
    values += _layout(home, kinds)
    values += [float(kind_counts[kind]) for kind in AREA_KINDS]

    entities = home.entities
    n_devices = len(home.devices)
    n_entities = len(entities)
    by_device: dict[str, list[str]] = {}
    for entity in entities:
        if entity.device_id is not None:
            by_device.setdefault(entity.device_id, []).append(entity.domain)
    battery_devices = {e.device_id for e in entities
                       if e.device_class == "battery" and e.device_id is not None}
    installed = sum(1 for domains in by_device.values() if _INSTALLED_DOMAINS & set(domains))
    outdoor_ids = {e.entity_id for e in entities
                   if e.area_id is not None and kinds.get(e.area_id) in OUTDOOR_AREA_KINDS}
    indoor_rooms = max(n_areas - outdoor_areas, 1)
    values += [
        _log(n_devices),
        _log(n_entities),
        _share(n_entities, n_devices),
        unplaced,
        _share(sum(1 for e in entities if e.device_id is None), n_entities),
        _share(sum(1 for e in entities if e.area_id is not None), n_areas),
        n_devices / indoor_rooms,
        _share(installed, len(by_device)),
        _share(len(battery_devices), len(by_device)),
        _share(len(outdoor_ids), n_entities),
        float(sum(1 for d in home.devices if names_fire(d.name))),
        # "IKEA" and "IKEA of Sweden" are two makers, "IKEA" and "ikea " one.
        _log(len({fold(d.manufacturer) for d in home.devices if d.manufacturer} - {""})),
    ]
    domains = Counter(e.domain for e in entities)
    values += [_log(domains[domain]) for domain in _DOMAINS]
    classes = Counter((e.domain, e.device_class) for e in entities)
    values += [_log(classes[pair]) for pair in _DEVICE_CLASSES]

    groups: dict[str, str] = {}
    for entity in entities:
        groups[entity.entity_id] = _activity_group(
            entity.domain, entity.device_class, entity.entity_id in outdoor_ids,
            kinds.get(entity.area_id or "") == "garage")
    return values, groups, outdoor_ids


def _layout(home: HomeSnapshot, kinds: dict[str, str]) -> list[float]:
    """Where rooms are: how many levels hold rooms, and bedrooms above or on the main level.

    The main level is the one with the most kitchen and living rooms. A ranch house sleeps on
    it, a family house above it; a multi-storey house spreads over three or more. Homes whose
    areas are on no floor with a level get zeros (``has_floor_registry`` tells the model why).
    """
    level_of = {f.floor_id: f.level for f in home.floors if f.level is not None}
    placed = [(kinds[a.area_id], level_of[a.floor_id]) for a in home.areas
              if a.floor_id in level_of and kinds[a.area_id] not in OUTDOOR_AREA_KINDS]
    if not placed:
        return [0.0] * 5
    living = Counter(level for kind, level in placed if kind in ("kitchen", "living", "dining",
                                                                  "studio"))
    levels = [level for _, level in placed]
    if living:
        # A tie (kitchen downstairs and living room upstairs, or a den in the basement and the
        # kitchen on the ground floor) goes to the level nearest the ground, at or above it
        # first: where the home is entered, and where the main level is below without a kitchen.
        # Never the list's order: features must not depend on it.
        most = max(living.values())
        main = min((lv for lv, n in living.items() if n == most), key=lambda lv: (lv < 0, abs(lv)))
    else:
        main = min(lv for lv in levels if lv >= 0) if any(lv >= 0 for lv in levels) \
            else min(levels)
    bedrooms = [level for kind, level in placed if kind == "bedroom"]
    return [
        float(len(set(levels))),
        sum(1 for lv in levels if lv == main) / len(levels),
        float(sum(1 for lv in bedrooms if lv == main)),
        float(sum(1 for lv in bedrooms if lv > main)),
        float(sum(1 for lv in levels if lv < main)),
    ]


def _activity_group(domain: str, device_class: str | None, outdoor: bool, garage: bool) -> str:
    if (domain == "cover" and device_class in ("garage", "gate")) or garage:
        return "garage"
    if outdoor:
        return "outdoor"
    if domain == "light":
        return "light"
    if domain == "binary_sensor" and device_class in ("motion", "occupancy", "presence"):
        return "motion"
    if domain == "binary_sensor" and device_class in ("door", "opening", "window"):
        return "door"
    if domain == "lock":
        return "lock"
    if domain in ("climate", "water_heater", "humidifier", "fan"):
        return "climate"
    if domain == "media_player":
        return "media"
    if domain in ("device_tracker", "person"):
        return "tracker"
    if domain == "sensor":
        return "sensor"
    return "other"


def _hour_weights(by_hour: NDArray[np.float64], covered: NDArray[np.float64]
                  ) -> NDArray[np.float64]:
    """What a change in each local hour of each kind of day weighs in an average day of a week.

    ``(grid * weights).sum(axis=0)`` is a count grid's changes in each local hour of an
    average day (``by_hour``, ``covered`` and the weights are weekday/weekend rows by 24
    hours). A count is a rate over its own hour's coverage, so a window that starts
    mid-afternoon does not make the afternoon look busier, and the two kinds of day weigh as
    in a week, five to two, so 10 days from a Friday, which hold two weekends, give the rates
    10 days from a Monday give (of a routine that repeats every weekday and weekend day). A
    kind of day seen in an hour for less than half an hour is left out of it, and the other,
    if seen longer, stands for the whole week there: a rate from minutes is noise, and every
    rate and share is built on these weights (an hour that a recorder younger than a day saw
    for three minutes made one change twenty). The weights are linear, the same for every
    entity and group, so their rates add up to the home's.
    """
    usable = covered >= _MIN_HOUR_COVER
    in_week = _WEEK[:, None] * usable
    weights: NDArray[np.float64] = np.divide(
        in_week, in_week.sum(axis=0) * covered, out=np.zeros_like(covered), where=usable)
    if (by_hour * weights).sum() <= 0:
        # Every change fell where the window looked for minutes: pool the kinds. A change
        # in an hour the two together saw for less than half an hour, or never (a home file
        # whose history starts after some of its events), counts as it is: over three
        # minutes, one change was twenty a day, and the day's shape never divides by zero.
        pooled = covered.sum(axis=0)
        rates = np.divide(1.0, pooled, out=np.ones(HOURS), where=pooled >= _MIN_HOUR_COVER)
        weights = np.broadcast_to(rates, covered.shape)
    return weights


def _weekend_ratio(summary: ActivitySummary, by_hour: NDArray[np.float64]) -> float:
    """The weekend-to-weekday log ratio of rates, over the hours both kinds cover well.

    0 when either kind has less than half a day: that says nothing of it.
    """
    if min(summary.weekday_days, summary.weekend_days) < 0.5:
        return 0.0
    covered = summary.hours_covered
    shared = (covered[0] >= _MIN_HOUR_COVER) & (covered[1] >= _MIN_HOUR_COVER)
    rates = by_hour[:, shared] / covered[:, shared]
    return math.log((float(rates[1].sum()) + 1.0) / (float(rates[0].sum()) + 1.0))


def _activity(summary: ActivitySummary, entity_ids: Iterable[str],
              groups: dict[str, str]) -> list[float]:
    n_features = 6 + _RHYTHM_BINS + len(_ACTIVITY_GROUPS) + 6
    if not summary.has_history:
        return [0.0] * n_features
    known = set(entity_ids)
    changed = [(entity_id, grid) for entity_id, grid in summary.counts.items()
               if entity_id in known and grid.any()]
    if not changed:
        return [1.0] + [0.0] * (n_features - 1)
    grids = np.stack([grid for _, grid in changed])
    by_hour = grids.sum(axis=0)
    weights = _hour_weights(by_hour, summary.hours_covered)
    daily = (by_hour * weights).sum(axis=0)
    per_day = float(daily.sum())
    # Whole counts add up exactly in any order; rates do not. So groups add their counts
    # first and are weighed once, and each entity is weighed on its own: the order of the
    # summary's entities changes no bit (a matrix product's rows do depend on their place).
    per_entity = (grids * weights).sum(axis=(1, 2))
    group_counts: dict[str, NDArray[np.float64]] = {}
    for entity_id, grid in changed:
        group = groups.get(entity_id, "other")
        group_counts[group] = group_counts.get(group, 0.0) + grid
    by_group = {group: float((grid * weights).sum()) for group, grid in group_counts.items()}
    # Rhythm: the share of an average day's changes in each block.
    blocks = daily.reshape(_RHYTHM_BINS, HOURS // _RHYTHM_BINS).sum(axis=1)
    values = [
        1.0,
        _log(per_day),
        _log(_share(per_day, len(known))),
        # Entities that change once a day or more (to rounding: the weights' sums land a
        # hair off a whole number). The share that changed at all grew with the window, as
        # longer ones caught a lock used once a week: 0.56 at 1 day, 0.86 at 90 (docs/model.md).
        _share(int((per_entity.round(9) >= 1.0).sum()), len(known)),
        _weekend_ratio(summary, by_hour),
        float(daily[:5].sum() / per_day),
    ]
    values += [float(v) for v in blocks / per_day]
    values += [by_group.get(group, 0.0) / per_day for group in _ACTIVITY_GROUPS]
    values += [_log(by_group.get(group, 0.0)) for group in ("door", "garage", "lock", "outdoor",
                                                            "motion", "tracker")]
    return values


def extract_features(home: HomeSnapshot, summary: ActivitySummary) -> NDArray[np.float64]:
    """The feature vector of a home, in :data:`FEATURE_NAMES` order (float64)."""
    structure, groups, _ = _structure(home)
    values = structure + _activity(summary, groups.keys(), groups)
    vector = np.asarray(values, dtype=np.float64)
    if vector.shape != (len(FEATURE_NAMES),):  # a programming error, caught by the tests
        raise AssertionError(f"{vector.shape[0]} features for {len(FEATURE_NAMES)} names")
    return vector
