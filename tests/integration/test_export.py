"""Exporting the live home: anonymisation that keeps the features, and where a file may go.

The action itself (registries and recorder in, a file the trainer classifies as the sensor
does out) is tested in ``test_export_action.py``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from pathlib import Path

import pytest

from custom_components.home_type.core.activity import summarize_events
from custom_components.home_type.core.features import FEATURE_NAMES, extract_features
from custom_components.home_type.core.snapshot import (
    Area,
    Device,
    Entity,
    HomeSnapshot,
    dumps_snapshot,
    iter_home_files,
    loads_snapshot,
    read_snapshot,
)
from custom_components.home_type.core.vocabulary import (
    AREA_KINDS,
    area_kind,
    is_onboarding_name,
    names_level,
)
from custom_components.home_type.export import (
    KIND_NAMES,
    LEVEL_WORD,
    ONBOARDING_NAMES,
    REDACTED_STATE,
    ExportFilenameError,
    anonymize,
    export_path,
)

from .homes import END, SECRETS, TIMEZONE, tiny_home


@pytest.mark.parametrize("kind", AREA_KINDS)
@pytest.mark.parametrize("level", [False, True])
def test_kind_names_read_back(kind: str, level: bool) -> None:
    """Each room kind's pseudonym is read as that kind, with or without the level word."""
    name = f"{LEVEL_WORD} {KIND_NAMES[kind]} 12" if level else f"{KIND_NAMES[kind]} 3"
    assert area_kind(name) == kind
    assert names_level(name) is level


def assert_same_features(original: HomeSnapshot, anonymous: HomeSnapshot) -> None:
    """Every feature equal, for no history and for windows short and long."""
    end = max(float(original.events.timestamps.max()) + 1.0, END.timestamp())
    timezone = original.metadata.get("timezone", TIMEZONE)
    for days in (0, 1, 3, 14):
        start = end - days * 86400.0
        ours = extract_features(original, summarize_events(original.events, timezone, start,
                                                           end))
        theirs = extract_features(anonymous, summarize_events(anonymous.events, timezone,
                                                              start, end))
        different = [name for name, a, b in zip(FEATURE_NAMES, ours, theirs, strict=True)
                     if a != b]
        assert not different, (original.home_id, days, different)


def test_anonymized_tiny_home() -> None:
    """Names and ids replaced by pseudonyms; the same features; nothing of the home left."""
    home = tiny_home()
    anonymous = anonymize(home)
    assert_same_features(home, anonymous)

    assert anonymous.home_id == "home"
    assert [f.floor_id for f in anonymous.floors] == ["floor_1", "floor_2"]
    assert [(f.name, f.level) for f in anonymous.floors] == [("Floor 1", 0), ("Floor 2", 1)]
    assert [(a.area_id, a.name, a.floor_id) for a in anonymous.areas] == [
        ("area_1", "Kitchen 1", "floor_1"),
        ("area_2", "Living room 1", "floor_1"),
        ("area_3", "Upstairs Bedroom 1", "floor_2"),
        ("area_4", "Area 1", "floor_2"),
        ("area_5", "Garden 1", None),
    ]
    assert [(d.device_id, d.name, d.area_id, d.manufacturer, d.model)
            for d in anonymous.devices] == [
        ("device_1", "Device 1", "area_1", "Manufacturer 1", None),
        ("device_2", "Wood stove 1", "area_2", "Manufacturer 2", None),
        ("device_3", "Hallway 1 Device 3", None, "Manufacturer 3", None),
        ("device_4", "Device 4", None, "Manufacturer 4", None),
    ]
    assert [e.entity_id for e in anonymous.entities] == [
        "light.entity_1", "binary_sensor.entity_2", "lock.entity_3", "sensor.entity_4",
        "device_tracker.entity_5", "input_text.entity_6"]
    assert anonymous.entities[3].device_class == "temperature"
    assert anonymous.entities[3].unit == "°C"
    assert set(anonymous.events.states) == {"on", "off", "locked", "unlocked", "home",
                                         REDACTED_STATE}
    assert len(anonymous.events) == len(home.events)
    assert anonymous.metadata["anonymized"] is True

    text = dumps_snapshot(anonymous, compress=False).decode()
    leaked = [secret for secret in SECRETS if secret.casefold() in text.casefold()]
    assert not leaked
    # Still a valid home file, and the same one again for the same home (stable pseudonyms).
    assert loads_snapshot(text.encode()).to_dict() == anonymous.to_dict()
    assert dumps_snapshot(anonymize(tiny_home()), compress=True) == dumps_snapshot(
        anonymous, compress=True)


def test_onboarding_areas_nothing_is_in_keep_their_names() -> None:
    """Onboarding's areas left empty keep the name onboarding gave them, by which the features
    leave them out; one with a device in it is a room like any other, and anonymised so."""
    home = dataclasses.replace(
        tiny_home(),
        areas=(*tiny_home().areas, Area("kitchen_ob", "Kitchen"), Area("bed_ob", "Schlafzimmer")),
        devices=(*tiny_home().devices, Device("lamp", "Lamp", "bed_ob")),
    )
    anonymous = anonymize(home)
    names = {area.area_id: new.name for area, new in zip(home.areas, anonymous.areas,
                                                         strict=True)}
    assert names["kitchen_ob"] == "Kitchen"
    assert re.fullmatch(r"Bedroom \d+", names["bed_ob"])
    assert_same_features(home, anonymous)


def test_onboarding_areas_are_written_as_english_onboarding_names_them() -> None:
    """Never as the owner spelt them, and never as a word an anonymised name begins with:
    Romanian onboarding's "Living" kept would take in "Living room 1 Device 5", the lounge
    lamp's, and count as a room upstairs."""
    base = tiny_home()
    home = dataclasses.replace(
        base,
        areas=(*base.areas, Area("living_ob", "Living", base.floors[-1].floor_id),
               Area("kitchen_ob", "KITCHEN  ")),
        devices=(*base.devices, Device("lamp", "Lounge Lamp")),
    )
    anonymous = anonymize(home)
    assert [a.name for a in anonymous.areas[-2:]] == ["Living Room", "Kitchen"]
    assert_same_features(home, anonymous)
    assert "KITCHEN" not in dumps_snapshot(anonymous, compress=False).decode()


def test_anonymized_products_and_units() -> None:
    """A shared manufacturer stays one, an absent one absent; units are Home Assistant's own.

    A DIY device's manufacturer and model and a template sensor's unit are its owner's words.
    """
    home = tiny_home()
    diy = Device("dev_node", "Node", "aliceroom", "Alice Smith DIY", "alice-bedroom-node")
    home = replace(
        home,
        devices=(*home.devices, diy, Device("dev_bulb", "Bulb", "kuche", "Signify", None),
                 Device("dev_plug", "Plug", None, None, None),
                 Device("dev_switch", "Switch", None, "", "")),
        entities=(*home.entities, Entity("sensor.pills", "dev_node", None, None, "Alice's pills"),
                  Entity("sensor.power", "dev_plug", None, "power", "W")),
    )
    anonymous = anonymize(home)
    assert_same_features(home, anonymous)
    assert [d.manufacturer for d in anonymous.devices] == [
        "Manufacturer 1", "Manufacturer 2", "Manufacturer 3", "Manufacturer 4",
        "Manufacturer 5", "Manufacturer 1", None, ""]
    assert {d.model for d in anonymous.devices} == {None}
    assert [e.unit for e in anonymous.entities] == [None, None, None, "°C", None, None, None,
                                                    "W"]
    text = dumps_snapshot(anonymous, compress=False).decode()
    assert not [secret for secret in ("Alice", "alice", "pills", "DIY", "Signify")
                if secret in text]


def test_anonymized_generated_homes(small_homes: Path) -> None:
    """Every generated home (every label, names in many languages) keeps its features."""
    paths = list(iter_home_files(small_homes))
    assert len(paths) == 16
    for path in paths:
        home = read_snapshot(path)
        anonymous = anonymize(home)
        assert_same_features(home, anonymous)
        kinds = "|".join(KIND_NAMES.values())
        assert all(re.fullmatch(rf"({LEVEL_WORD} )?({kinds}) \d+", a.name)
                   or (is_onboarding_name(home.areas[i].name)
                       and a.name in ONBOARDING_NAMES.values())
                   for i, a in enumerate(anonymous.areas))
        rooms = rf"(({LEVEL_WORD} )?({kinds}) \d+ )?"  # a device placed by its name
        assert all(re.fullmatch(rf"{rooms}(Device|Wood stove) \d+", d.name)
                   for d in anonymous.devices)
        assert all(re.fullmatch(r"[a-z_]+\.entity_\d+", e.entity_id)
                   for e in anonymous.entities)


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("../outside.json", "not_plain"),
        ("/etc/passwd.json", "not_plain"),
        ("sub/home.json", "not_plain"),
        ("sub\\home.json", "not_plain"),
        ("..json", "not_plain"),
        ("home..json.gz", "not_plain"),
        (".hidden.json", "not_plain"),
        ("   ", "not_plain"),
        ("home\0.json", "not_plain"),
        ("home.txt", "suffix"),
        ("home.json.zip", "suffix"),
        (".json", "not_plain"),
        ("json.gz", "suffix"),
        ("home\n2025-06-01 INFO (MainThread) all is well.json", "not_plain"),
        ("home\u202egz.json", "not_plain"),  # right-to-left override: shows as "homenosj.zg"
        pytest.param(f"{'x' * 236}.json", "too_long", id="241 bytes"),
        pytest.param(f"{'é' * 117}.json.gz", "too_long", id="125 characters, 242 bytes"),
    ],
)
def test_export_path_refuses(tmp_path: Path, filename: str, reason: str) -> None:
    """A plain .json or .json.gz name, nothing else: never a folder, never outside."""
    with pytest.raises(ExportFilenameError) as err:
        export_path(str(tmp_path), filename)
    assert err.value.reason == reason


def test_export_path_accepts(tmp_path: Path) -> None:
    """A plain name lands in the configuration folder itself."""
    assert export_path(str(tmp_path), " my home.json.gz ") == tmp_path / "my home.json.gz"
    assert export_path(str(tmp_path), "home.json") == tmp_path / "home.json"
    longest = f"{'x' * 235}.json"  # 240 bytes: its temporary file's name is 254
    assert export_path(str(tmp_path), longest) == tmp_path / longest
