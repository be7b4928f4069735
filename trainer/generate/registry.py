"""Turn a design into Home Assistant registry entries: floors, areas, devices and entities.

Ids follow Home Assistant's own habits (slugified names for floors and areas, 32-hex device ids,
``domain.object_id`` entity ids), so a synthetic home's registries look like an exported real one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from custom_components.home_type.core.snapshot import Area, Device, Entity, Floor
from custom_components.home_type.core.vocabulary import fold

from .catalog import DEVICE_KINDS, HELPER_ENTITIES, OUTDOOR_DEVICE_KINDS, EntityTemplate
from .design import OUTDOOR_KINDS, HomeDesign
from .names import ONBOARDING_AREA_NAMES
from .streams import REGISTRY_HABITS_STREAM, side_stream

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "unnamed") -> str:
    """Home Assistant-like slug: lower case, underscores, letters written out in ASCII.

    As Home Assistant's own for every name the generator writes (not for every text: its
    "°" is ``deg``): "Außenlicht" is ``aussenlicht`` and "Jøtul" ``jotul``, where
    dropping what ASCII lacks made ``auenlicht`` and ``jtul``. Its typographic apostrophe
    joins words ("Salle d’eau" is ``salle_deau``), the typed one parts them (``salle_d_eau``).
    """
    ascii_only = fold(text.replace("\u2019", "")).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("_", ascii_only).strip("_")
    return slug or fallback


def _unique(base: str, used: set[str]) -> str:
    candidate, number = base, 2
    while candidate in used:
        candidate = f"{base}_{number}"
        number += 1
    used.add(candidate)
    return candidate


#: The shares of homes whose integrations give plugs the class ``outlet``, make plugs meter
#: power, and make motion sensors measure light too.
_OUTLET_CLASS: Final = 0.35
_METERING_PLUGS: Final = 0.6
_LIGHT_MEASURING_MOTION: Final = 0.5
#: How often a home's integrations give a cover of the "blinds" kind each class (None: none).
_COVER_CLASSES: Final = {"shutter": 0.35, "curtain": 0.2, "blind": 0.2, "shade": 0.15, None: 0.1}
#: How often they give door and window contacts their kind's own class (door, window), the
#: class "opening", or none.
_OWN_CLASS: Final = "own"
_CONTACT_CLASSES: Final = {_OWN_CLASS: 0.7, "opening": 0.15, None: 0.15}


@dataclass(frozen=True, slots=True)
class RegistryHabits:
    """Which classes and entities a home's integrations give its devices, once for the home.

    The catalogue lists a kind's entities as the most thorough integration registers them: a
    plug with class ``outlet`` that meters its power, a motion sensor with a light sensor.
    Real registries are plainer, and one home mostly has one integration for a kind. Of 25
    public configurations of houses (2026-12-07), 7 had a switch of class ``outlet``, 11 an
    illuminance sensor and 15 a power or energy sensor, where 93 %, 97 % and 97 % of the
    generator's houses had one; their covers were shutters and curtains, none a blind. The
    shares are set between the catalogue and those homes, as they are few and their
    registries thin: a fifth of the homes' covers are still blinds (simulator version 9).

    Drawn here, so that both generators' homes get them (an OpenAI design names kinds of
    device, not entities), from a stream of the home's own (:mod:`.streams`), so that the
    habits are the home's whatever was drawn before. A skipped entity is one draw fewer for
    what follows it, though: the registry's later ids and the history differ.
    """

    plug_class: str | None
    plugs_meter: bool
    motion_illuminance: bool
    cover_class: str | None
    #: Whether contacts have their kind's own class; if not, this one (or none).
    contacts_own_class: bool
    contact_class: str | None

    @classmethod
    def draw(cls, home: np.random.Generator) -> RegistryHabits:
        """The home's habits, the same for the same home whatever it has drawn so far."""
        rng = side_stream(home, REGISTRY_HABITS_STREAM)

        def pick(shares: dict[str | None, float]) -> str | None:
            return list(shares)[int(rng.choice(len(shares), p=list(shares.values())))]

        plug_class = "outlet" if rng.random() < _OUTLET_CLASS else None
        plugs_meter = bool(rng.random() < _METERING_PLUGS)
        motion_illuminance = bool(rng.random() < _LIGHT_MEASURING_MOTION)
        cover_class = pick(_COVER_CLASSES)
        contact_class = pick(_CONTACT_CLASSES)
        return cls(plug_class, plugs_meter, motion_illuminance, cover_class,
                   contacts_own_class=contact_class == _OWN_CLASS,
                   contact_class=None if contact_class == _OWN_CLASS else contact_class)

    def entity(self, kind: str, template: EntityTemplate) -> EntityTemplate | None:
        """The catalogue's entity as this home registers it, or None: it registers none."""
        if kind == "smart_plug" and template.domain == "switch":
            return replace(template, device_class=self.plug_class)
        if kind == "smart_plug" and template.device_class in ("power", "energy"):
            return template if self.plugs_meter else None
        if kind == "motion_sensor" and template.device_class == "illuminance":
            return template if self.motion_illuminance else None
        if kind == "blinds" and template.domain == "cover":
            return replace(template, device_class=self.cover_class)
        if (kind in ("door_sensor", "window_sensor") and template.domain == "binary_sensor"
                and not self.contacts_own_class):
            return replace(template, device_class=self.contact_class)
        return template


@dataclass(frozen=True, slots=True)
class EntityPlan:
    """How the simulator drives one entity: its behaviour and where the device physically is."""

    entity_id: str
    behaviour: str
    device_index: int | None
    device_kind: str | None
    area_index: int | None  # the design area the device is physically in
    outdoor: bool


@dataclass(slots=True)
class Registry:
    """The registry side of a snapshot plus the simulator's plan for every entity."""

    floors: tuple[Floor, ...]
    areas: tuple[Area, ...]
    devices: tuple[Device, ...]
    entities: tuple[Entity, ...]
    plans: tuple[EntityPlan, ...]
    #: Left as onboarding made it: its three areas, no floors, nothing placed in an area.
    unsorted: bool = False


def build_registry(design: HomeDesign, rng: np.random.Generator, *,
                   unsorted: bool = False) -> Registry:
    """Registry entries for a design; devices with no area get a physical place for the sim."""
    used_floor: set[str] = set()
    floors = tuple(Floor(_unique(slugify(f.name, "floor"), used_floor), f.name, f.level)
                   for f in design.floors)
    floor_by_level = {f.level: f.floor_id for f in floors}
    used_area: set[str] = set()
    areas = tuple(
        Area(_unique(slugify(a.name, "area"), used_area), a.name,
             floor_by_level.get(a.floor_level) if a.floor_level is not None else None)
        for a in design.areas
    )
    area_index = {a.name: i for i, a in enumerate(design.areas)}
    indoor = [i for i, a in enumerate(design.areas) if a.kind not in OUTDOOR_KINDS]

    devices: list[Device] = []
    entities: list[Entity] = []
    plans: list[EntityPlan] = []
    used_entity: set[str] = set()
    habits = RegistryHabits.draw(rng)
    for d_index, device in enumerate(design.devices):
        kind = DEVICE_KINDS[device.kind]
        registry_area = area_index.get(device.area) if device.area is not None else None
        physical = registry_area
        if physical is None and indoor and device.kind != "phone":
            physical = indoor[int(rng.integers(len(indoor)))]
        device_id = rng.bytes(16).hex()
        devices.append(Device(
            device_id=device_id,
            name=device.name,
            area_id=areas[registry_area].area_id if registry_area is not None else None,
            manufacturer=device.manufacturer,
            model=device.model,
        ))
        base = slugify(device.name, "device")
        outdoor_device = device.kind in OUTDOOR_DEVICE_KINDS or (
            physical is not None and design.areas[physical].kind in OUTDOOR_KINDS)
        for template in filter(None, (habits.entity(device.kind, t) for t in kind.entities)):
            object_id = f"{base}_{template.suffix}" if template.suffix else base
            entity_id = _unique(f"{template.domain}.{object_id}", used_entity)
            entity_area = devices[-1].area_id
            if areas and rng.random() < 0.03:  # an entity moved to another area by hand
                entity_area = areas[int(rng.integers(len(areas)))].area_id
            entities.append(Entity(entity_id, device_id, entity_area, template.device_class,
                                   template.unit))
            plans.append(EntityPlan(entity_id, template.behaviour, d_index, device.kind,
                                    physical, outdoor_device))
    for _ in range(design.helpers):
        domain, behaviour, device_class = HELPER_ENTITIES[int(rng.integers(len(HELPER_ENTITIES)))]
        entity_id = _unique(f"{domain}.{behaviour}_{int(rng.integers(1, 999))}", used_entity)
        entities.append(Entity(entity_id, None, None, device_class, None))
        plans.append(EntityPlan(entity_id, behaviour, None, None, None, False))
    if unsorted:  # which homes are, the run's plan says (runner.left_unsorted)
        return _unsorted(design, devices, entities, plans)
    return Registry(floors, areas, tuple(devices), tuple(entities), tuple(plans))


def onboarding_areas(language: str = "en") -> tuple[Area, ...]:
    """The areas onboarding creates, named and given ids as Home Assistant does.

    English for a language the table lacks: the generator's homes and the evaluation's
    unsorted copies get their areas from here alike.
    """
    names = ONBOARDING_AREA_NAMES.get(language, ONBOARDING_AREA_NAMES["en"])
    return tuple(Area(slugify(name), name) for name in names)


def _unsorted(design: HomeDesign, devices: list[Device], entities: list[Entity],
              plans: list[EntityPlan]) -> Registry:
    """The registries of an owner who never sorted the home; the devices stay where they are.

    Only the registries forget the rooms: the plans keep each device's physical place, so the
    garage door still opens in a garage and the history is the home's own. Without such homes
    the model learnt that onboarding's three areas mean a small flat, and was sure of it.
    """
    areas = onboarding_areas(str(design.extra.get("language", "en")))
    return Registry((), areas, tuple(replace(d, area_id=None) for d in devices),
                    tuple(replace(e, area_id=None) for e in entities), tuple(plans),
                    unsorted=True)
