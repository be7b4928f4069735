"""The live home as a snapshot: Home Assistant's registries in the core's snapshot format.

What counts as the home: its floors and areas, every enabled device that is not a service
(the sun, a weather forecast, Home Type itself are not part of the building) with its enabled
child devices (Home Assistant 2026.9+), once however many integrations registered it, and
every enabled entity of those devices or of no device (helpers, automations) that stands for
what the device is or does -- not its settings and diagnostics, nor people and zones
(:func:`_part_of_the_home`). An entity's area is its own, else its device's -- the effective
area, as in a home file. A floor
or area that a registry entry names but its registry no longer holds (a registry edited by
hand, or files restored from different days; Home Assistant loads them as they are) counts as
none: a home file cannot name it, and an area that is not there holds nothing. So does a
device an entity names that the device registry does not hold (removed, or never in the file
saved): the entity stays, on no device, as Home Assistant 2026.8+ detaches it when it loads
the registries (:func:`_detached_on_upgrade`). Two kinds of
stale entries that registries kept from older releases hold, and that later releases clean
up, are not part of the home either: a device that no integration provides any more (no config
entry; 2026.8 drops it, and its entities are then on no device, as here), and an enabled
entity of a disabled integration (2026.11 disables it).

The result is the same kind of document the trainer reads, so the features of the live home
are computed by the same code as those of a synthetic one, and a later export of the home as
a file needs nothing but events added to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.util import dt as dt_util

from .activity import async_activity_summary, never_stop
from .core.activity import ActivitySummary
from .core.snapshot import Area, Device, Entity, Floor, HomeSnapshot


@callback
def async_home_snapshot(hass: HomeAssistant) -> HomeSnapshot:
    """Read the registries into a snapshot without events and without a label."""
    floors = tuple(
        Floor(floor.floor_id, floor.name, floor.level)
        for floor in fr.async_get(hass).async_list_floors()
    )
    floor_ids = {floor.floor_id for floor in floors}
    areas = tuple(
        Area(area.id, area.name, area.floor_id if area.floor_id in floor_ids else None)
        for area in ar.async_get(hass).async_list_areas()
    )
    area_ids = {area.area_id for area in areas}
    device_registry = dr.async_get(hass)
    devices = _home_devices(device_registry, area_ids)
    entities: list[Entity] = []
    for entity in er.async_get(hass).entities.values():
        if (entity.disabled or not _part_of_the_home(entity)
                or _of_a_disabled_integration(hass, entity)):
            continue
        device_id = entity.device_id
        if device_id is not None and _detached_on_upgrade(device_registry, entity, device_id):
            device_id = None
        device = devices.get(device_id) if device_id is not None else None
        if device_id is not None and device is None:
            continue  # an entity of a disabled or service device
        own_area = entity.area_id if entity.area_id in area_ids else None
        entities.append(
            Entity(
                entity_id=entity.entity_id,
                device_id=device.device_id if device is not None else None,
                area_id=own_area or (device.area_id if device is not None else None),
                device_class=entity.device_class or entity.original_device_class,
                unit=entity.unit_of_measurement,
            )
        )
    return HomeSnapshot(
        home_id=hass.config.location_name,
        home_type=None,
        metadata={"source": "home_assistant", "timezone": hass.config.time_zone},
        floors=floors,
        areas=areas,
        devices=tuple(dict.fromkeys(devices.values())),  # the parts of a split device: once
        entities=tuple(entities),
    )


def _home_devices(registry: dr.DeviceRegistry, area_ids: Set[str]) -> dict[str, Device]:
    """The home's devices, under the registry id of every entry that stands for one.

    A device is in an area of ``area_ids``, or in none.

    Enabled main devices that are not services, and their enabled children. Two upgrades of
    Home Assistant change what the registry holds for the same home, and both are undone here
    so that its devices -- and the entities on them -- stay what they were in 2025.4:

    - 2026.8 keeps one device per config entry. A device that belonged to several is split
      into parts (new ids; each keeps the old id as ``composite_device_id``), and a device
      that a second integration registers later with the same identifier or connection (a
      bulb's MAC address seen by the router, a companion's battery sensor) is a device of its
      own. Each is one device again (``_same_devices``), under the old id if it has one: the
      composite's primary entry's part gives the fields, then the first registered with a
      maker or model; the others fill what it lacks.
    - 2026.9 moves sub-devices (a hub's channels; MQTT, SmartThings, Netatmo… sub-devices,
      converted in place with their ids) out of ``devices`` into ``child_devices``, and makes
      ``devices`` an iterable whose use as a mapping is deprecated (it breaks in 2027.9). A
      child is part of its parent: it takes the parent's maker and model (it has none of its
      own) and, without an area of its own, the parent's (as Home Assistant's effective area
      does); it is left out with a disabled or service parent.
    """
    devices: dict[str, Device] = {}
    for entries in _same_devices(
        entry for entry in _main_devices(registry)
        if not entry.disabled and entry.entry_type is not dr.DeviceEntryType.SERVICE
        and _provided(entry)
    ):
        entries.sort(key=lambda entry: (
            getattr(entry, "config_entry_id", None)
            != getattr(entry, "composite_primary_config_entry", None),
            not (entry.manufacturer or entry.model),
            entry.created_at,
            entry.id,
        ))
        device = Device(
            device_id=_first(getattr(entry, "composite_device_id", None) for entry in entries)
            or entries[0].id,
            name=_first(entry.name_by_user or entry.name for entry in entries) or "",
            area_id=_first(entry.area_id for entry in entries if entry.area_id in area_ids),
            manufacturer=_first(entry.manufacturer for entry in entries),
            model=_first(entry.model for entry in entries),
        )
        devices.update(dict.fromkeys((entry.id for entry in entries), device))
    for child in getattr(registry, "child_devices", ()):
        parent = devices.get(child.parent_device_id)
        if child.disabled or parent is None:
            continue
        devices[child.id] = Device(
            device_id=child.id,
            name=child.name_by_user or child.name or "",
            area_id=child.area_id if child.area_id in area_ids else parent.area_id,
            manufacturer=parent.manufacturer,
            model=parent.model,
        )
    return devices


def _main_devices(registry: dr.DeviceRegistry) -> Iterable[dr.DeviceEntry]:
    """The registry's devices that are not children (2026.9+: an iterable, not a mapping)."""
    registry_devices = registry.devices
    return registry_devices.values() if isinstance(registry_devices, Mapping) else registry_devices


def _detached_on_upgrade(registry: dr.DeviceRegistry, entity: er.RegistryEntry,
                         device_id: str) -> bool:
    """Whether 2026.8+ leaves the entity on no device when it loads the registries.

    It does so when the entity names a device the device registry does not hold (registry
    files saved on different days: removed since, or never saved), or one that no integration
    provides any more (which 2026.8 drops: :func:`_provided`), and when it sits on a device of
    several config entries, none of them its own (which of the split parts it belongs to cannot
    be told). Older releases keep all three as they are; the snapshot is the same on every
    release.
    """
    entry = registry.async_get(device_id)
    if entry is None or not _provided(entry):
        return True
    # 2026.8+ has done it already (its devices have one config entry each).
    return (not hasattr(entry, "config_entry_id") and len(entry.config_entries) > 1
            and entity.config_entry_id not in entry.config_entries)


def _provided(entry: dr.DeviceEntry) -> bool:
    """Whether an integration still provides the device: one config entry at least.

    A registry kept since before 2026.8 can hold devices of no config entry (seen in a real
    home: a router's, stored in 2019), which 2026.8 drops when it loads them. From 2026.8 on,
    every device has its one entry (``config_entries`` is then deprecated: not read).
    """
    if hasattr(entry, "config_entry_id"):
        return entry.config_entry_id is not None
    return bool(entry.config_entries)


def _part_of_the_home(entity: er.RegistryEntry) -> bool:
    """Whether the entity is one a home file's devices have: what a device is or does.

    Integrations add settings (a firmware update, an identify button, a power-on behaviour)
    and diagnostics (signal strength, uptime) beside a device's own entities; a real home has
    several per device, the simulator none. Counted, they put a home's features far from any
    the model was trained on: the 100 evaluation homes given a firmware update on 70 % of
    devices, an identify button on half, a signal sensor on 30 % and a person per phone had
    3.2 more entities per area and twice the changes per day (5 answers of the 100 changed;
    accuracy 0.78 against 0.77, one home). A battery level is the exception: the
    simulator's devices have one, which most integrations mark as a diagnostic. People and
    zones are who and where, not the building, and a person's state repeats their phone's
    tracker, which counts already.
    """
    if entity.domain in ("person", "zone"):
        return False
    if entity.entity_category is None:
        return True
    return (entity.entity_category is EntityCategory.DIAGNOSTIC and entity.domain == "sensor"
            and (entity.device_class or entity.original_device_class)
            == SensorDeviceClass.BATTERY)


def _of_a_disabled_integration(hass: HomeAssistant, entity: er.RegistryEntry) -> bool:
    """Whether the entity belongs to a disabled config entry although itself enabled.

    Disabling an integration disables its entities, but registries kept from older releases
    can hold enabled ones (seen in a real home: 21 entities of a disabled integration);
    Home Assistant 2026.11 marks them disabled at start-up.
    """
    if entity.config_entry_id is None:
        return False
    config_entry = hass.config_entries.async_get_entry(entity.config_entry_id)
    return config_entry is not None and config_entry.disabled_by is not None


def _same_devices(entries: Iterable[dr.DeviceEntry]) -> list[list[dr.DeviceEntry]]:
    """Registry entries grouped by the physical device they stand for.

    Entries are one device when they share a composite id, an identifier or a connection,
    directly or through another entry -- what made Home Assistant before 2026.8 keep them as
    one. Before 2026.8 Home Assistant does not create two such entries, but a registry kept
    from older releases can still hold some (seen in real homes: one router as nine UPnP
    entries linked by shared identifiers, a MAC address on two entries); they are one device
    here too, which is what they stand for, though Home Assistant lists each.
    """
    listed = list(entries)
    parent = list(range(len(listed)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_with: dict[tuple[str, ...], int] = {}
    for index, entry in enumerate(listed):
        composite = getattr(entry, "composite_device_id", None)
        marks: list[tuple[str, ...]] = [("composite", composite)] if composite else []
        marks += [("identifier", *identifier) for identifier in entry.identifiers]
        marks += [("connection", *connection) for connection in entry.connections]
        for mark in marks:
            parent[root(index)] = root(first_with.setdefault(mark, index))
    groups: dict[int, list[dr.DeviceEntry]] = {}
    for index, entry in enumerate(listed):
        groups.setdefault(root(index), []).append(entry)
    return list(groups.values())


def _first(values: Iterable[str | None]) -> str | None:
    return next((value for value in values if value), None)


async def async_read_home(
    hass: HomeAssistant, history_days: int, stop: Callable[[], bool] = never_stop
) -> tuple[HomeSnapshot, ActivitySummary]:
    """Read the home: its snapshot, and its activity over the last ``history_days`` days.

    This is the one way the integration reads the live home; the sensor, the classify action
    and the parity test all go through it. ``stop``: see :func:`async_activity_summary`.
    """
    home = async_home_snapshot(hass)
    summary = await async_activity_summary(
        hass,
        [entity.entity_id for entity in home.entities],
        history_days,
        dt_util.utcnow().timestamp(),
        stop,
    )
    return home, summary
