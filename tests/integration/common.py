"""Helpers for the integration tests: a tiny deterministic model, and homes loaded into HA.

``write_model`` builds a real model bundle by hand -- one decision stump on ``has_history``
-- so sensor and action snapshots do not change when the trainer does. ``async_load_home``
puts a home file into a Home Assistant test instance the way a real home lives there: floors,
areas, devices and entities in the registries (entity ids exactly as in the file) and its
events as recorder rows with their past timestamps, inserted directly for speed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.components.recorder.util import session_scope
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.home_type.core.features import FEATURE_NAMES, FEATURE_VERSION
from custom_components.home_type.core.model import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    dumps_bundle,
    sha256_line,
    sha256_path,
)
from custom_components.home_type.core.snapshot import (
    HOME_TYPES,
    SCHEMA_VERSION,
    EventLog,
    HomeSnapshot,
)

#: What the stump answers without history (row 0) and with it (row 1), in HOME_TYPES order.
STRUCTURE_PROBABILITIES = (0.05, 0.5, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05)
HISTORY_PROBABILITIES = (0.05, 0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.05)
FIXTURE_PLATFORM = "home_fixture"


def model_bundle(version: str = "test-1", classes: tuple[str, ...] = HOME_TYPES) -> dict:
    """A valid bundle: one tree, split on ``has_history`` (apartment without, house with)."""
    split = FEATURE_NAMES.index("has_history")
    return {
        "format": BUNDLE_FORMAT,
        "bundle_version": BUNDLE_VERSION,
        "feature_version": FEATURE_VERSION,
        "feature_names": list(FEATURE_NAMES),
        "snapshot_schema_version": SCHEMA_VERSION,
        "numpy_version": np.__version__,
        "model_version": version,
        "classes": list(classes),
        "scaler": None,
        "calibration": None,
        "forest": {
            "roots": np.array([0]),
            "feature": np.array([split, -2, -2]),
            "threshold": np.array([0.5, -2.0, -2.0]),
            "left": np.array([1, -1, -2]),
            "right": np.array([2, -1, -1]),
            "leaf_values": np.array([STRUCTURE_PROBABILITIES, HISTORY_PROBABILITIES]),
        },
    }


def write_model(path: Path, bundle: dict | None = None) -> Path:
    """Write a bundle and its ``.sha256`` as the trainer does."""
    data = dumps_bundle(bundle if bundle is not None else model_bundle())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sha256_path(path).write_text(sha256_line(data, path.name))
    return path


async def async_load_home(hass: HomeAssistant, home: HomeSnapshot) -> None:
    """Registries and recorder rows for a home file; ids are Home Assistant's own but entity ids."""
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM, title=home.home_id)
    entry.add_to_hass(hass)
    floor_registry = fr.async_get(hass)
    floors = {
        floor.floor_id: floor_registry.async_create(floor.name, level=floor.level).floor_id
        for floor in home.floors
    }
    area_registry = ar.async_get(hass)
    areas = {
        area.area_id: area_registry.async_create(
            area.name, floor_id=floors.get(area.floor_id or "")
        ).id
        for area in home.areas
    }
    device_registry = dr.async_get(hass)
    devices: dict[str, tuple[str, str | None]] = {}
    for device in home.devices:
        created = device_registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(FIXTURE_PLATFORM, device.device_id)},
            name=device.name,
            manufacturer=device.manufacturer,
            model=device.model,
        )
        area_id = areas[device.area_id] if device.area_id is not None else None
        if area_id is not None:
            device_registry.async_update_device(created.id, area_id=area_id)
        devices[device.device_id] = (created.id, area_id)
    entity_registry = er.async_get(hass)
    for entity in home.entities:
        domain, object_id = entity.entity_id.split(".", 1)
        device_id, device_area = devices.get(entity.device_id or "", (None, None))
        created = entity_registry.async_get_or_create(
            domain,
            FIXTURE_PLATFORM,
            entity.entity_id,
            suggested_object_id=object_id,
            config_entry=entry,
            device_id=device_id,
            original_device_class=entity.device_class,
            unit_of_measurement=entity.unit,
        )
        assert created.entity_id == entity.entity_id
        area_id = areas[entity.area_id] if entity.area_id is not None else None
        # A file's entity area is the effective one; the registry keeps only an override.
        assert area_id is not None or device_area is None, entity
        if area_id != device_area:
            entity_registry.async_update_entity(created.entity_id, area_id=area_id)
    # The recorder writes the registries' events first, so that the bulk insert does not
    # hold the database's write lock against it.
    await async_wait_recording_done(hass)
    await async_insert_events(hass, home.events)


async def async_insert_events(hass: HomeAssistant, events: EventLog) -> None:
    """Events as ``states`` rows, written straight into the recorder's database."""
    if not len(events):
        return

    def insert() -> None:
        with session_scope(hass=hass) as session:
            metas = [StatesMeta(entity_id=entity_id) for entity_id in events.entities]
            session.add_all(metas)
            session.flush()
            ids = np.array([meta.metadata_id for meta in metas])[events.index].tolist()
            stamps = events.timestamps.tolist()
            for start in range(0, len(ids), 50_000):
                stop = start + 50_000
                session.execute(
                    States.__table__.insert(),
                    [
                        {"metadata_id": metadata_id, "state": state, "last_updated_ts": stamp}
                        for metadata_id, state, stamp in zip(
                            ids[start:stop], events.states[start:stop], stamps[start:stop],
                            strict=True,
                        )
                    ],
                )

    await get_instance(hass).async_add_executor_job(insert)
