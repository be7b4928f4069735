"""A home's design: what is where and who lives there, before any event happens.

Both generators produce a :class:`HomeDesign` -- the procedural one from distributions, the
OpenAI one from a language model -- and the same simulator turns it into registries and 90 days
of state changes. Keeping the design this small and explicit is what lets an LLM fill it in with
one structured-output request per home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

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
