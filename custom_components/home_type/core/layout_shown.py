"""How much of a home's layout its registries show the model, and what an owner could add.

The model reads a home's layout from its floors, the levels they have, the areas on them and
the areas its devices are in. Many real registries hold little of that: most of their devices
in no area, far fewer than in the synthetic homes the model learned from, and often no floor
as well; a house whose registries say this little is often called a flat. Diagnostics show
these figures, so that an owner reading an odd answer sees what is missing rather than guessing.

Devices count as the model places them: one of no area that its name places
(:func:`.features.name_placement`) is in an area, and the room only its name says is an area
in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .features import NamePlacement, areas_in_use, name_placement
from .snapshot import HomeSnapshot

#: Below this share of devices in an area, the registries hardly say where anything is: the
#: homes the model learned from have most of their devices in an area once names place them,
#: except thinned copies with no room at all (``ROOMLESS_SHARE`` in ``trainer/dataset.py``).
FEW_DEVICES_IN_AREAS: Final = 0.5

#: The gaps :attr:`LayoutShown.gaps` can name, from floors to devices.
GAPS: Final[tuple[str, ...]] = (
    "no_floors", "no_floor_levels", "areas_on_no_floor", "most_devices_in_no_area")


@dataclass(frozen=True, slots=True)
class LayoutShown:
    """What of a home's layout the model can see, in counts."""

    floors: int
    floors_with_level: int
    #: The home's areas something is in, and the rooms only devices' names say. The model
    #: counts the home's empty areas as rooms too (all but onboarding's); they are left out
    #: here, as they say nothing of where anything is.
    areas_in_use: int
    areas_in_use_on_a_level: int  # of those, on a floor that has a level
    devices: int
    devices_in_an_area: int  # in one of their own, or placed by their names

    @property
    def gaps(self) -> tuple[str, ...]:
        """The gaps of :data:`GAPS` these registries have, in that order.

        No floors, or floors but no level on any: levels are what tell a ranch from a family
        house from a multi-storey one, and the model reads the levels, not the floors' names.
        Levelled floors but no area in use on one: the model cannot tell which rooms are on
        which level. Fewer than :data:`FEW_DEVICES_IN_AREAS` of the devices in an area: the
        model cannot tell where most of them are -- which room, indoors or out, the garage.
        """
        found = {
            "no_floors": self.floors == 0,
            "no_floor_levels": self.floors > 0 and self.floors_with_level == 0,
            "areas_on_no_floor": self.floors_with_level > 0 and self.areas_in_use_on_a_level == 0,
            "most_devices_in_no_area": self.devices_in_an_area
            < FEW_DEVICES_IN_AREAS * self.devices,
        }
        return tuple(gap for gap in GAPS if found[gap])


def layout_shown(home: HomeSnapshot, placement: NamePlacement | None = None) -> LayoutShown:
    """What ``home``'s registries show of its layout. ``placement``: the home's, if known."""
    if placement is None:
        placement = name_placement(home)
    used = areas_in_use(home, placement)
    own = [area for area in home.areas if area.area_id in used]
    levelled = {floor.floor_id for floor in home.floors if floor.level is not None}
    return LayoutShown(
        floors=len(home.floors),
        floors_with_level=len(levelled),
        areas_in_use=len(own) + len(placement.added),
        areas_in_use_on_a_level=sum(1 for area in own if area.floor_id in levelled),
        devices=len(home.devices),
        devices_in_an_area=sum(1 for device in home.devices if device.area_id is not None)
        + len(placement.devices),
    )
