"""The live home as a snapshot: what of the registries counts as the home, and how."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
    label_registry as lr,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.home_type.core.snapshot import (
    Area,
    Device,
    Entity,
    Floor,
    dumps_snapshot,
    loads_snapshot,
)
from custom_components.home_type.snapshot import async_home_snapshot
from devtools.home_fixture.load_home import async_add_to_registries

from .common import FIXTURE_PLATFORM
from .homes import tiny_home

FIXTURES = Path(__file__).parent / "fixtures"
# Tests of the registry's newer shapes, on a release that has them (scripts/test-newer-ha).
SINCE_2026_8 = pytest.mark.skipif(
    not hasattr(dr.DeviceEntry, "composite_device_id"),
    reason="one device per config entry came with Home Assistant 2026.8")
SINCE_2026_9 = pytest.mark.skipif(
    not hasattr(dr.DeviceRegistry, "async_get_or_create_child"),
    reason="child devices came with Home Assistant 2026.9")


async def test_registries_become_the_snapshot(
    hass: HomeAssistant,
    floor_registry: fr.FloorRegistry,
    area_registry: ar.AreaRegistry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Floors, areas, devices and entities; effective areas; disabled and services left out."""
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM)
    entry.add_to_hass(hass)
    upstairs = floor_registry.async_create("Upstairs", level=1)
    cellar = floor_registry.async_create("Cellar", level=None)
    bedroom = area_registry.async_create("Bedroom", floor_id=upstairs.floor_id)
    garden = area_registry.async_create("Garden")

    def device(key: str, **kwargs: Any) -> dr.DeviceEntry:
        return device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(FIXTURE_PLATFORM, key)}, **kwargs
        )

    lamp = device("lamp", name="Lamp", manufacturer="Signify", model="Hue")
    bed_lamp = device_registry.async_update_device(lamp.id, area_id=bedroom.id,
                                                   name_by_user="Bed lamp")
    assert bed_lamp is not None
    lamp = bed_lamp
    sensor = device("sensor", name="Multisensor")
    old = device("old", name="Old plug")
    device_registry.async_update_device(old.id, disabled_by=dr.DeviceEntryDisabler.USER)
    weather = device("weather", name="Forecast", entry_type=dr.DeviceEntryType.SERVICE)

    def entity(object_id: str, **kwargs: Any) -> er.RegistryEntry:
        domain = kwargs.pop("domain", "sensor")
        return entity_registry.async_get_or_create(
            domain, FIXTURE_PLATFORM, object_id, suggested_object_id=object_id,
            config_entry=entry, **kwargs,
        )

    entity("bed_lamp", domain="light", device_id=lamp.id)
    # Named: Home Assistant 2026.10+ gives an area of its own only to an entity with a name.
    moved = entity("bed_lamp_power", device_id=lamp.id, original_device_class="power",
                   unit_of_measurement="W", has_entity_name=True, original_name="Power")
    entity_registry.async_update_entity(moved.entity_id, area_id=garden.id)
    overridden = entity("multisensor_t", device_id=sensor.id, original_device_class="humidity",
                        unit_of_measurement="°C")
    entity_registry.async_update_entity(overridden.entity_id, device_class="temperature")
    entity("morning", domain="automation")
    entity("old_plug", domain="switch", device_id=old.id)
    entity("forecast", domain="weather", device_id=weather.id)
    entity("hidden_by_user", disabled_by=er.RegistryEntryDisabler.USER)

    home = async_home_snapshot(hass)

    assert home.home_type is None
    assert home.metadata == {"source": "home_assistant", "timezone": hass.config.time_zone}
    assert home.floors == (Floor(upstairs.floor_id, "Upstairs", 1),
                           Floor(cellar.floor_id, "Cellar", None))
    assert set(home.areas) == {Area(bedroom.id, "Bedroom", upstairs.floor_id),
                               Area(garden.id, "Garden", None)}
    assert set(home.devices) == {
        Device(lamp.id, "Bed lamp", bedroom.id, "Signify", "Hue"),
        Device(sensor.id, "Multisensor", None, None, None),
    }
    assert set(home.entities) == {
        Entity("light.bed_lamp", lamp.id, bedroom.id, None, None),
        Entity("sensor.bed_lamp_power", lamp.id, garden.id, "power", "W"),
        Entity("sensor.multisensor_t", sensor.id, None, "temperature", "°C"),
        Entity("automation.morning", None, None, None, None),
    }


async def test_a_floor_or_area_its_registry_no_longer_holds_counts_as_none(
    hass: HomeAssistant,
    area_registry: ar.AreaRegistry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Seen in a real home: a device in an area that is gone, which Home Assistant keeps.

    The snapshot named it, so the export wrote a file that names an area it does not hold
    (anonymised: a KeyError, HTTP 500), and the device counted as placed.
    """
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM)
    entry.add_to_hass(hass)
    hall = area_registry.async_create("Hall")
    area_registry.async_update(hall.id, floor_id="gone_floor")
    plug = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(FIXTURE_PLATFORM, "plug")}, name="Plug")
    device_registry.async_update_device(plug.id, area_id="gone_area")
    sensor = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(FIXTURE_PLATFORM, "sensor")},
        name="Sensor")
    device_registry.async_update_device(sensor.id, area_id=hall.id)
    moved = entity_registry.async_get_or_create(
        "sensor", FIXTURE_PLATFORM, "t", suggested_object_id="t", config_entry=entry,
        device_id=sensor.id, has_entity_name=True, original_name="T")
    entity_registry.async_update_entity(moved.entity_id, area_id="gone_area")
    kept = device_registry.async_get(plug.id)
    assert kept is not None and kept.area_id == "gone_area"  # kept as it is

    home = async_home_snapshot(hass)

    assert home.areas == (Area(hall.id, "Hall", None),)
    assert set(home.devices) == {Device(plug.id, "Plug", None, None, None),
                                 Device(sensor.id, "Sensor", hall.id, None, None)}
    assert home.entities == (Entity("sensor.t", sensor.id, hall.id, None, None),)
    loaded = loads_snapshot(dumps_snapshot(home, compress=False))  # a home file holds it
    assert (loaded.areas, loaded.devices, loaded.entities) == (
        home.areas, home.devices, home.entities)


@dataclass(frozen=True)
class _ChildDevice:
    """A child device as Home Assistant 2026.9+ keeps it: exactly the fields of 2026.11's
    ``ChildDeviceEntry`` (helpers/device_registry.py) that a reader can use; no maker, model
    or entry type, which 2026.11 answers with a deprecation warning and None."""

    id: str
    parent_device_id: str
    config_entry_id: str
    name: str | None = None
    name_by_user: str | None = None
    area_id: str | None = None
    disabled_by: dr.DeviceEntryDisabler | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_by is not None


class _DevicesView:
    """``DeviceRegistry.devices`` as 2026.9+ has it: iterating gives the main devices; using
    it as a mapping is deprecated there (a warning now, broken in 2027.9), so it fails here."""

    def __init__(self, entries: list[dr.DeviceEntry | _SplitPart]) -> None:
        self._entries = entries

    def __iter__(self) -> Iterator[dr.DeviceEntry | _SplitPart]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"devices used as a mapping: .{name}")


@dataclass
class _Parents:
    """A relay hub in the hall, a disabled spare hub and a cloud service, for child devices."""

    entry: MockConfigEntry
    hall: ar.AreaEntry
    porch: ar.AreaEntry
    hub: dr.DeviceEntry
    spare: dr.DeviceEntry
    cloud: dr.DeviceEntry


def _parents(hass: HomeAssistant, area_registry: ar.AreaRegistry,
             device_registry: dr.DeviceRegistry) -> _Parents:
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM)
    entry.add_to_hass(hass)

    def device(key: str, **kwargs: Any) -> dr.DeviceEntry:
        return device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(FIXTURE_PLATFORM, key)}, **kwargs
        )

    hall = area_registry.async_create("Hall")
    hub = device("hub", name="Relay hub", manufacturer="Shelly", model="Pro 4PM")
    spare = device("spare", name="Spare hub")
    porch = area_registry.async_create("Porch")
    placed_hub = device_registry.async_update_device(hub.id, area_id=hall.id)
    disabled_spare = device_registry.async_update_device(
        spare.id, disabled_by=dr.DeviceEntryDisabler.USER)
    assert placed_hub is not None and disabled_spare is not None
    return _Parents(
        entry, hall, porch, placed_hub, disabled_spare,
        device("cloud", name="Cloud", entry_type=dr.DeviceEntryType.SERVICE),
    )


def _assert_children_counted(hass: HomeAssistant, parents: _Parents, channel_1: str,
                             channel_2: str) -> None:
    """The hub's two enabled channels count, the second renamed and in the porch; no others."""
    home = async_home_snapshot(hass)
    hub, hall, porch = parents.hub, parents.hall.id, parents.porch.id
    assert set(home.devices) == {
        Device(hub.id, "Relay hub", hall, "Shelly", "Pro 4PM"),
        Device(channel_1, "Channel 1", hall, "Shelly", "Pro 4PM"),
        Device(channel_2, "Porch light", porch, "Shelly", "Pro 4PM"),
    }
    assert set(home.entities) == {
        Entity("switch.channel_1", channel_1, hall, None, None),
        Entity("switch.channel_2", channel_2, porch, None, None),
    }


async def test_child_devices_of_newer_home_assistant(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    area_registry: ar.AreaRegistry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Home Assistant 2026.9+ keeps sub-devices as child devices, apart from ``devices``.

    The pinned Home Assistant cannot make one, so the real registries hold every device, and
    the registry is given the 2026.9+ shape on top, as its migration does it: the sub-devices
    leave ``devices`` and become children with the same ids. Children count as devices, with
    their parent's maker, model and (without an area of their own that exists) area; their
    entities stay in the home.
    """
    parents = _parents(hass, area_registry, device_registry)
    keys = ("channel_1", "channel_2", "channel_3", "spare_channel", "cloud_part")
    subs = {key: device_registry.async_get_or_create(config_entry_id=parents.entry.entry_id,
                                                     identifiers={(FIXTURE_PLATFORM, key)})
            for key in keys}
    for key in keys:
        entity_registry.async_get_or_create("switch", FIXTURE_PLATFORM, key,
                                            suggested_object_id=key, device_id=subs[key].id)

    def child(key: str, parent: dr.DeviceEntry, **kwargs: Any) -> _ChildDevice:
        return _ChildDevice(id=subs[key].id, parent_device_id=parent.id,
                            config_entry_id=parents.entry.entry_id, **kwargs)

    monkeypatch.setattr(device_registry, "devices",
                        _DevicesView([parents.hub, parents.spare, parents.cloud]))
    monkeypatch.setattr(device_registry, "child_devices", [
        # An area id the area registry does not hold counts as none: the parent's area.
        child("channel_1", parents.hub, name="Channel 1", area_id="gone"),
        child("channel_2", parents.hub, name="Channel 2", name_by_user="Porch light",
              area_id=parents.porch.id),
        child("channel_3", parents.hub, disabled_by=dr.DeviceEntryDisabler.USER),
        child("spare_channel", parents.spare),
        child("cloud_part", parents.cloud),
    ], raising=False)

    _assert_children_counted(hass, parents, subs["channel_1"].id, subs["channel_2"].id)


@SINCE_2026_9
async def test_real_child_devices(
    hass: HomeAssistant,
    area_registry: ar.AreaRegistry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The stand-in test above, on the registry's own child devices, where it has them."""
    parents = _parents(hass, area_registry, device_registry)
    # Child devices are 2026.9+ API, unknown to the pinned release's types (skipped there).
    registry: Any = device_registry

    def child(key: str, parent: dr.DeviceEntry, **kwargs: Any) -> str:
        made = registry.async_get_or_create_child(
            config_entry_id=parents.entry.entry_id, identifiers={(FIXTURE_PLATFORM, key)},
            parent_device_id=parent.id, **kwargs)
        entity_registry.async_get_or_create("switch", FIXTURE_PLATFORM, key,
                                            suggested_object_id=key, device_id=made.id)
        return str(made.id)

    channel_1 = child("channel_1", parents.hub, name="Channel 1")
    channel_2 = child("channel_2", parents.hub, name="Channel 2")
    registry.async_update_child_device(channel_2, name_by_user="Porch light",
                                       area_id=parents.porch.id)
    child("channel_3", parents.hub, disabled_by=dr.DeviceEntryDisabler.USER)
    child("spare_channel", parents.spare)
    child("cloud_part", parents.cloud)

    _assert_children_counted(hass, parents, channel_1, channel_2)


class _SplitPart:
    """A part of a device that Home Assistant 2026.8+ split by config entry: a real registry
    entry, plus the fields 2026.11's ``DeviceEntry`` has for it (helpers/device_registry.py)."""

    def __init__(self, entry: dr.DeviceEntry, config_entry_id: str, composite_device_id: str,
                 composite_primary_config_entry: str) -> None:
        self._entry = entry
        self.config_entry_id = config_entry_id
        self.composite_device_id = composite_device_id
        self.composite_primary_config_entry = composite_primary_config_entry

    def __getattr__(self, name: str) -> object:
        return getattr(self._entry, name)


async def test_split_devices_of_newer_home_assistant(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    area_registry: ar.AreaRegistry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Home Assistant 2026.8+ splits a device of two config entries into two devices.

    The pinned Home Assistant keeps one device for both entries; here the real registries hold
    the two parts, given the fields 2026.8+ adds. They are one device again, under the old id,
    with the primary entry's part's fields and the other's area; the entities of both parts,
    and a child of either, are on it.
    """
    living = area_registry.async_create("Living room")
    first, second = MockConfigEntry(domain=FIXTURE_PLATFORM), MockConfigEntry(domain="companion")
    first.add_to_hass(hass)
    second.add_to_hass(hass)
    one = device_registry.async_get_or_create(
        config_entry_id=first.entry_id, identifiers={(FIXTURE_PLATFORM, "tv")},
        name="TV", manufacturer="LG", model="OLED55")
    other = device_registry.async_get_or_create(
        config_entry_id=second.entry_id, identifiers={("companion", "tv")}, name="Telly")
    placed = device_registry.async_update_device(other.id, area_id=living.id)
    assert placed is not None
    other = placed
    # The primary entry's part is the one that sorts last by id, so that taking the parts in
    # id order alone would give the other's name.
    primary, secondary = sorted((one, other), key=lambda entry: entry.id, reverse=True)
    primary_entry = first.entry_id if primary is one else second.entry_id
    entity_registry.async_get_or_create("media_player", FIXTURE_PLATFORM, "tv",
                                        suggested_object_id="tv", device_id=one.id)
    entity_registry.async_get_or_create("sensor", "companion", "tv_battery",
                                        suggested_object_id="tv_battery", device_id=other.id)
    remote = device_registry.async_get_or_create(
        config_entry_id=second.entry_id, identifiers={("companion", "remote")}, name="Remote")

    monkeypatch.setattr(device_registry, "devices", _DevicesView([
        _SplitPart(entry, entry_id, "0ld7v", primary_entry)
        for entry, entry_id in ((one, first.entry_id), (other, second.entry_id))
    ]))
    monkeypatch.setattr(device_registry, "child_devices", [_ChildDevice(
        id=remote.id, parent_device_id=secondary.id, config_entry_id=second.entry_id,
        name="Remote")], raising=False)

    home = async_home_snapshot(hass)

    expected_name = "TV" if primary is one else "Telly"
    assert len(home.devices) == 2  # the TV once, not once per part
    assert set(home.devices) == {
        Device("0ld7v", expected_name, living.id, "LG", "OLED55"),
        Device(remote.id, "Remote", living.id, "LG", "OLED55"),
    }
    assert set(home.entities) == {
        Entity("media_player.tv", "0ld7v", living.id, None, None),
        Entity("sensor.tv_battery", "0ld7v", living.id, None, None),
    }


async def test_empty_home(hass: HomeAssistant) -> None:
    """A home with nothing in its registries is still a snapshot."""
    home = async_home_snapshot(hass)
    assert (home.floors, home.areas, home.devices, home.entities) == ((), (), (), ())


async def test_hidden_entities_are_part_of_the_home(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Hiding is about dashboards, not the building: a hidden entity counts, a disabled not."""
    for key, extra in (("shown", {}), ("hidden", {"hidden_by": er.RegistryEntryHider.USER}),
                       ("disabled", {"disabled_by": er.RegistryEntryDisabler.USER})):
        entity_registry.async_get_or_create("light", FIXTURE_PLATFORM, key,
                                            suggested_object_id=key, **extra)
    home = async_home_snapshot(hass)
    assert [entity.entity_id for entity in home.entities] == ["light.shown", "light.hidden"]


async def test_settings_diagnostics_people_and_zones_are_not_part_of_the_home(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry, entity_registry: er.EntityRegistry
) -> None:
    """A device's own entities and its battery count; its settings and diagnostics do not
    (a home file's devices have none), nor do people and zones."""
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM)
    entry.add_to_hass(hass)
    bulb = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(FIXTURE_PLATFORM, "bulb")}, name="Bulb")
    for domain, key, extra in (
        ("light", "bulb", {}),
        ("update", "bulb_firmware", {"entity_category": EntityCategory.CONFIG}),
        ("button", "bulb_identify", {"entity_category": EntityCategory.CONFIG,
                                     "original_device_class": "identify"}),
        ("sensor", "bulb_signal", {"entity_category": EntityCategory.DIAGNOSTIC,
                                   "original_device_class": "signal_strength"}),
        ("sensor", "bulb_battery", {"entity_category": EntityCategory.DIAGNOSTIC,
                                    "original_device_class": "battery"}),
        # A low-battery warning is no battery level, which is what the synthetic devices have.
        ("binary_sensor", "bulb_battery_low", {"entity_category": EntityCategory.DIAGNOSTIC,
                                               "original_device_class": "battery"}),
        ("sensor", "bulb_power", {"entity_category": EntityCategory.DIAGNOSTIC}),
    ):
        entity_registry.async_get_or_create(
            domain, FIXTURE_PLATFORM, key, suggested_object_id=key, config_entry=entry,
            device_id=bulb.id, **extra)
    # A battery sensor its owner reclassified counts by the class it has now.
    renamed = entity_registry.async_get(cast(str, entity_registry.async_get_entity_id(
        "sensor", FIXTURE_PLATFORM, "bulb_power")))
    assert renamed is not None
    entity_registry.async_update_entity(renamed.entity_id, device_class="battery")
    entity_registry.async_get_or_create("person", "person", "owner", suggested_object_id="owner")
    entity_registry.async_get_or_create("zone", "zone", "work", suggested_object_id="work")
    entity_registry.async_get_or_create("automation", "automation", "morning",
                                        suggested_object_id="morning")

    home = async_home_snapshot(hass)

    assert sorted(entity.entity_id for entity in home.entities) == [
        "automation.morning", "light.bulb", "sensor.bulb_battery", "sensor.bulb_power"]


@pytest.mark.usefixtures("init_integration")
async def test_home_type_itself_is_not_part_of_the_home(hass: HomeAssistant) -> None:
    """The integration's own service device and sensor are not counted."""
    assert hass.states.get("sensor.home_type") is not None
    home = async_home_snapshot(hass)
    assert home.devices == () and home.entities == ()


async def test_home_without_areas_is_classified(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """No areas and no floors: the sensor still has an answer, from structure."""
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM)
    entry.add_to_hass(hass)
    for index in range(3):
        device = device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(FIXTURE_PLATFORM, str(index))},
            name=f"Plug {index}",
        )
        entity_registry.async_get_or_create("switch", FIXTURE_PLATFORM, str(index),
                                            device_id=device.id)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    home = async_home_snapshot(hass)
    assert home.areas == () and len(home.devices) == 3
    state = hass.states.get("sensor.home_type")
    assert state is not None
    assert state.state == "apartment"
    assert state.attributes["method"] == "structure"


async def test_home_without_history_is_classified_from_structure(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    area_registry: ar.AreaRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Areas and entities, but the recorder has none of their history: structure only."""
    kitchen = area_registry.async_create("Kitchen")
    light = entity_registry.async_get_or_create("light", FIXTURE_PLATFORM, "k",
                                                suggested_object_id="kitchen")
    entity_registry.async_update_entity(light.entity_id, area_id=kitchen.id)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get("sensor.home_type")
    assert state is not None
    assert state.state == "apartment"
    assert state.attributes["method"] == "structure"
    assert state.attributes["history_days"] == 0


async def test_home_file_takes_over_an_area_of_its_name(
    hass: HomeAssistant,
    floor_registry: fr.FloorRegistry,
    area_registry: ar.AreaRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """An area there before the home loads (as onboarding's) becomes the file's, on its floor.

    The development instance may be onboarded before its home loads, and onboarding creates
    Living Room, Kitchen and Bedroom; a home with one of them must still load.
    """
    before = area_registry.async_create("wohnzimmer")  # the same name to Home Assistant
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM)
    entry.add_to_hass(hass)

    async_add_to_registries(hass, tiny_home(), entry)

    ground = floor_registry.async_get_floor_by_name("Erdgeschoss")
    assert ground is not None
    living = area_registry.async_get_area(before.id)
    assert living is not None and living.floor_id == ground.floor_id
    [stove] = [device for device in dr.async_entries_for_config_entry(device_registry,
                                                                      entry.entry_id)
               if (FIXTURE_PLATFORM, "dev_stove") in device.identifiers]
    assert stove.area_id == before.id
    assert len(area_registry.areas) == len(tiny_home().areas)


def _stored_registries() -> dict[str, Any]:
    """What Home Assistant 2025.4.4 stored for a TV of two config entries."""
    stored: dict[str, Any] = json.loads(
        (FIXTURES / "registries_2025.4.4_device_of_two_entries.json").read_text())
    return stored


async def _load_registries(
    hass: HomeAssistant, hass_storage: dict[str, Any], stored: dict[str, Any],
    entries: list[MockConfigEntry],
) -> None:
    """Load stored registries as Home Assistant starts: config entries first, then each
    registry, migrated to this release's format on the way."""
    hass_storage.update(stored)
    for entry in entries:
        entry.add_to_hass(hass)
    if hasattr(dr, "async_setup"):
        dr.async_setup(hass)  # as bootstrap does it (2026.x); tests with registries skip it
    for registry in (fr, ar, lr, dr, er):
        await registry.async_load(hass)


@SINCE_2026_8
@pytest.mark.parametrize("load_registries", [False])
async def test_real_split_device(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """The stand-in test above, on a device that Home Assistant itself splits on upgrade.

    The fixture file is what Home Assistant 2025.4.4 stored for a TV of two config entries
    (an integration's and a companion's, whose battery sensor sits on the TV); 2026.8+
    migrates it into one device per entry. The home still has one TV, under its old id.
    """
    stored = _stored_registries()
    [old] = stored["core.device_registry"]["data"]["devices"]
    await _load_registries(hass, hass_storage, stored, [
        MockConfigEntry(domain=domain, entry_id=entry_id)
        for domain, entry_id in (("home_fixture", old["primary_config_entry"]),
                                 ("companion", next(e for e in old["config_entries"]
                                                    if e != old["primary_config_entry"])))])
    assert len(dr.async_get(hass).devices) == 2  # split, as it is on a real upgrade

    home = async_home_snapshot(hass)

    assert home.devices == (Device(old["id"], "TV", "living_room", "LG", "OLED55"),)
    assert set(home.entities) == {
        Entity("media_player.tv", old["id"], "living_room", None, None),
        Entity("sensor.tv_battery", old["id"], "living_room", None, None),
    }


@pytest.mark.parametrize("load_registries", [False])
async def test_stale_entries_of_a_registry_kept_from_older_releases(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Seen in real homes, as Home Assistant 2025.4.4 keeps them: a device of no config entry
    (a router's, stored in 2019) and an enabled entity of a disabled integration. Neither is
    part of the home, and the answer must not change when Home Assistant upgrades: 2026.8
    drops the device (its entities stay, on no device), 2026.11 disables the entity. An
    entity of an integration since removed is no disabled integration's: it stays, as Home
    Assistant keeps it on either release."""
    stored = _stored_registries()
    [tv] = stored["core.device_registry"]["data"]["devices"]
    stored["core.device_registry"]["data"]["devices"].append({
        **tv, "id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "config_entries": [],
        "config_entries_subentries": {}, "primary_config_entry": None,
        "identifiers": [["upnp", "router"]], "name": "Router", "area_id": None})
    entities = stored["core.entity_registry"]["data"]["entities"]
    entities.append({
        **entities[0], "id": "9a8b7c6d5e4f30211203f4e5d6c7b8a9", "entity_id": "switch.old_plug",
        "config_entry_id": "01OLDPLUG00000000000000000", "device_id": None,
        "platform": "old_plug", "unique_id": "old_plug"})
    entities.append({  # of an integration removed since: not of a disabled one, the home's
        **entities[0], "id": "7a6b5c4d3e2f10011203f4e5d6c7b8a9", "entity_id": "switch.gone_plug",
        "config_entry_id": "01GONEPLUG0000000000000000", "device_id": None,
        "platform": "gone_plug", "unique_id": "gone_plug"})
    entities.append({  # the router's, on it; 2026.8 keeps it on no device
        **entities[0], "id": "8a7b6c5d4e3f20111203f4e5d6c7b8a9", "entity_id": "sensor.bytes_sent",
        "device_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "unique_id": "bytes_sent"})
    await _load_registries(hass, hass_storage, stored, [
        MockConfigEntry(domain=domain, entry_id=entry_id, disabled_by=disabled_by)
        for domain, entry_id, disabled_by in (
            ("home_fixture", tv["primary_config_entry"], None),
            ("companion", "01COMPANION000000000000000", None),
            ("old_plug", "01OLDPLUG00000000000000000", ConfigEntryDisabler.USER))])

    home = async_home_snapshot(hass)

    assert home.devices == (Device(tv["id"], "TV", "living_room", "LG", "OLED55"),)
    assert {entity.entity_id for entity in home.entities} == {
        "media_player.tv", "sensor.tv_battery", "sensor.bytes_sent", "switch.gone_plug"}
    assert Entity("sensor.bytes_sent", None, None, None, None) in home.entities


@pytest.mark.parametrize("load_registries", [False])
async def test_an_entity_whose_device_its_registry_no_longer_holds_stays_on_no_device(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Seen in real homes (73 entities in one): registries saved on different days name
    devices the device registry does not hold, never saved in it or removed since (then
    listed among its deleted devices). 2025.4.4 keeps the entity pointing at it, 2026.8+
    detaches it at start-up; either way it is the home's, on no device, in its own area.

    Before, 2025.4.4's home lost those entities (taken for a disabled device's), so one home
    had two snapshots, and a different answer, on two releases.
    """
    stored = _stored_registries()
    [tv] = stored["core.device_registry"]["data"]["devices"]
    removed = "00000000000000000000000000000de1"
    stored["core.device_registry"]["data"]["deleted_devices"] = [{
        "id": removed, "config_entries": [tv["primary_config_entry"]],
        "config_entries_subentries": {tv["primary_config_entry"]: [None]},
        "connections": [], "identifiers": [["home_fixture", "desk_lamp"]],
        "orphaned_timestamp": None, "created_at": tv["created_at"],
        "modified_at": tv["modified_at"]}]  # the fields 2025.4.4 stores of a deleted device
    entities = stored["core.entity_registry"]["data"]["entities"]
    entities.append({
        **entities[0], "id": "7a6b5c4d3e2f10011203f4e5d6c7b8a9", "entity_id": "light.porch",
        "device_id": "00000000000000000000000000000bad", "unique_id": "porch",
        "area_id": None})
    entities.append({
        **entities[0], "id": "6a5b4c3d2e1f00011203f4e5d6c7b8a9", "entity_id": "light.desk",
        "device_id": removed, "unique_id": "desk",
        "area_id": "living_room"})
    await _load_registries(hass, hass_storage, stored, [
        MockConfigEntry(domain=domain, entry_id=entry_id)
        for domain, entry_id in (("home_fixture", tv["primary_config_entry"]),
                                 ("companion", "01COMPANION000000000000000"))])

    home = async_home_snapshot(hass)

    assert home.devices == (Device(tv["id"], "TV", "living_room", "LG", "OLED55"),)
    assert Entity("light.porch", None, None, None, None) in home.entities
    assert Entity("light.desk", None, "living_room", None, None) in home.entities
    assert len(home.entities) == 4


@pytest.mark.parametrize("load_registries", [False])
async def test_an_entity_on_a_shared_device_of_neither_entry_is_on_no_device(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """An entity of a third integration sitting on the TV of two config entries (a registry
    edited by hand, or files saved on different days). 2026.8+ splits the TV per entry and
    cannot tell which part the entity belongs to: it leaves it on no device. 2025.4.4 keeps it
    on the TV; the snapshot is the one of 2026.8+ on both, its area its own.

    An entity of one of the TV's own entries stays on the TV, and so does a third
    integration's entity on a device of one entry, which 2026.8+ does not split.
    """
    stored = _stored_registries()
    [tv] = stored["core.device_registry"]["data"]["devices"]
    lamp = {**tv, "id": "1f2e3d4c5b6a79880796a5b4c3d2e1f0", "name": "Lamp", "area_id": None,
            "config_entries": [tv["primary_config_entry"]],
            "config_entries_subentries": {tv["primary_config_entry"]: [None]},
            "identifiers": [["home_fixture", "lamp"]], "connections": [],
            "manufacturer": None, "model": None, "model_id": None}
    stored["core.device_registry"]["data"]["devices"].append(lamp)
    entities = stored["core.entity_registry"]["data"]["entities"]
    for key, device in (("tv_power", tv), ("lamp_power", lamp)):
        entities.append({
            **entities[0], "id": f"{key:0>32}", "entity_id": f"sensor.{key}",
            "config_entry_id": "01THIRD0000000000000000000", "platform": "third",
            "device_id": device["id"], "unique_id": key, "area_id": None})
    await _load_registries(hass, hass_storage, stored, [
        MockConfigEntry(domain=domain, entry_id=entry_id)
        for domain, entry_id in (("home_fixture", tv["primary_config_entry"]),
                                 ("companion", "01COMPANION000000000000000"),
                                 ("third", "01THIRD0000000000000000000"))])

    home = async_home_snapshot(hass)

    assert set(home.devices) == {Device(tv["id"], "TV", "living_room", "LG", "OLED55"),
                                 Device(lamp["id"], "Lamp", None, None, None)}
    assert set(home.entities) == {
        Entity("media_player.tv", tv["id"], "living_room", None, None),
        Entity("sensor.tv_battery", tv["id"], "living_room", None, None),
        Entity("sensor.tv_power", None, None, None, None),
        Entity("sensor.lamp_power", lamp["id"], None, None, None),
    }


@SINCE_2026_8
@pytest.mark.parametrize("maker", ["Signify", None])
async def test_device_of_two_integrations_counts_once(
    hass: HomeAssistant,
    area_registry: ar.AreaRegistry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    maker: str | None,
) -> None:
    """A bulb, as its router sees it (same MAC) and as a battery companion sees it (same
    identifier), is three devices to Home Assistant 2026.8+ and was one before: it is one.

    The router registered it first, without maker or model; the bulb's own integration's
    registration gives the fields, a model alone as well. The router itself, sharing
    nothing, stays apart.
    """
    kitchen, office = area_registry.async_create("Kitchen"), area_registry.async_create("Office")
    mac = (dr.CONNECTION_NETWORK_MAC, "aa:bb:cc:dd:ee:ff")

    def register(domain: str, key: str, **kwargs: Any) -> dr.DeviceEntry:
        entry = MockConfigEntry(domain=domain)
        entry.add_to_hass(hass)
        device = device_registry.async_get_or_create(config_entry_id=entry.entry_id, **kwargs)
        entity_domain, object_id = key.split(".")
        entity_registry.async_get_or_create(entity_domain, domain, key,
                                            suggested_object_id=object_id,
                                            config_entry=entry, device_id=device.id)
        return device

    client = register("unifi", "device_tracker.bulb_client", connections={mac},
                      name="bulb-client")
    device_registry.async_update_device(client.id, area_id=office.id)
    bulb = register("hue", "light.bulb", identifiers={("hue", "bulb")}, connections={mac},
                    name="Bulb", manufacturer=maker, model="LCT015")
    device_registry.async_update_device(bulb.id, area_id=kitchen.id)
    register("battery_notes", "sensor.bulb_battery", identifiers={("hue", "bulb")},
             name="Bulb battery")
    router = register("unifi", "sensor.router_uptime",
                      connections={(dr.CONNECTION_NETWORK_MAC, "11:22:33:44:55:66")},
                      name="Router", manufacturer="Ubiquiti", model="UDR")
    assert len(list(device_registry.devices)) == 4

    home = async_home_snapshot(hass)

    assert len(home.devices) == 2  # the bulb once, not once per registration
    assert set(home.devices) == {
        Device(bulb.id, "Bulb", kitchen.id, maker, "LCT015"),
        Device(router.id, "Router", None, "Ubiquiti", "UDR"),
    }
    assert {(entity.entity_id, entity.device_id) for entity in home.entities} == {
        ("device_tracker.bulb_client", bulb.id), ("light.bulb", bulb.id),
        ("sensor.bulb_battery", bulb.id), ("sensor.router_uptime", router.id),
    }
