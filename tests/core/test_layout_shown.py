"""What a home's registries show of its layout: the model's own view, and the gaps named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.home_type.core.layout_shown import GAPS, LayoutShown, layout_shown
from custom_components.home_type.core.snapshot import Area, Device, Entity, Floor, HomeSnapshot


def _home(*, floors: tuple[Floor, ...] = (Floor("g", "Ground", 0),),
          device_areas: tuple[str | None, ...] = ("kitchen", "bedroom")) -> HomeSnapshot:
    """A kitchen and an empty hall on the first floor listed, a bedroom on none, and a "Hue
    Lamp" in each of ``device_areas``."""
    floor = floors[0].floor_id if floors else None
    return HomeSnapshot(
        home_id="h", home_type=None, metadata={}, floors=floors,
        areas=(Area("kitchen", "Kitchen", floor), Area("bedroom", "Bedroom", None),
               Area("hall", "Hall", floor)),
        devices=tuple(Device(f"d{i}", "Hue Lamp", area) for i, area in enumerate(device_areas)),
        entities=tuple(Entity(f"light.l{i}", f"d{i}") for i in range(len(device_areas))),
    )


def test_a_sorted_home_with_levelled_floors_has_no_gap() -> None:
    shown = layout_shown(_home())
    assert shown == LayoutShown(floors=1, floors_with_level=1, areas_in_use=2,
                                areas_in_use_on_a_level=1, devices=2, devices_in_an_area=2)
    assert shown.gaps == ()


def test_every_gap_is_named_in_order() -> None:
    assert layout_shown(_home(floors=(), device_areas=(None, None, "kitchen"))).gaps == (
        "no_floors", "most_devices_in_no_area")
    assert layout_shown(_home(floors=(Floor("g", "Ground"),))).gaps == ("no_floor_levels",)
    # Levelled floors, and the kitchen on one with none: no room in use has a level.
    unlevelled_first = (Floor("g", "Ground"), Floor("u", "Upstairs", 1))
    assert layout_shown(_home(floors=unlevelled_first)).gaps == ("areas_on_no_floor",)
    assert set(GAPS) == {"no_floors", "no_floor_levels", "areas_on_no_floor",
                         "most_devices_in_no_area"}


def test_floors_some_of_which_have_a_level_are_no_gap() -> None:
    """A level on one floor is enough for the model to place the rooms on it."""
    shown = layout_shown(_home(floors=(Floor("g", "Ground", 0), Floor("a", "Attic"))))
    assert (shown.floors, shown.floors_with_level, shown.areas_in_use_on_a_level) == (2, 1, 1)
    assert shown.gaps == ()


@pytest.mark.parametrize(("device_areas", "gap"), [
    (("kitchen", None), False),  # half in an area is not fewer than half
    (("kitchen", "kitchen", None, None, None), True),  # two of five
    (("kitchen", None, None), True),
    ((), False),  # no device: nothing to put anywhere
])
def test_fewer_than_half_of_the_devices_in_an_area_is_a_gap(
        device_areas: tuple[str | None, ...], gap: bool) -> None:
    assert ("most_devices_in_no_area" in layout_shown(_home(device_areas=device_areas)).gaps
            ) is gap


def test_a_device_its_name_places_is_in_an_area() -> None:
    """As the features see it: "Bedroom Lamp" of no area is in the bedroom, and "Study Lamp"
    and "Study Blinds" in one room of their own that no area is -- one more area in use, on
    no floor."""
    home = _home(device_areas=("kitchen", None, None, None))
    home = replace(home, devices=(home.devices[0], replace(home.devices[1], name="Bedroom Lamp"),
                                  replace(home.devices[2], name="Study Lamp"),
                                  replace(home.devices[3], name="Study Blinds")))
    shown = layout_shown(home)
    assert (shown.devices_in_an_area, shown.areas_in_use, shown.areas_in_use_on_a_level) == (
        4, 3, 1)
    assert shown.gaps == ()


def test_an_entity_alone_puts_its_area_in_use() -> None:
    home = _home()
    home = replace(home, entities=(*home.entities, Entity("sensor.t", None, "hall")))
    assert layout_shown(home).areas_in_use_on_a_level == 2
