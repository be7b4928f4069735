"""The home snapshot format: round trips, strict validation, atomic writes."""

from __future__ import annotations

import gzip
import json
import os
import time
import warnings
from array import array
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from custom_components.home_type.core import snapshot as snapshot_module
from custom_components.home_type.core.snapshot import (
    Area,
    Device,
    Entity,
    EventLog,
    Floor,
    HomeSnapshot,
    SnapshotError,
    iter_home_files,
    iter_snapshot_bytes,
    loads_snapshot,
    read_snapshot,
    write_snapshot,
)
from tests.conftest import assert_peak_below


def make_home() -> HomeSnapshot:
    return HomeSnapshot(
        home_id="home_x",
        home_type="townhouse",
        metadata={"generator": "test", "seed": 1, "timezone": "Europe/Berlin"},
        floors=(Floor("ground", "Erdgeschoss", 0), Floor("upstairs", "Obergeschoss", 1)),
        areas=(Area("kuche", "Küche", "ground"), Area("garage", "Garage", None)),
        devices=(Device("d1", "Küche Light", "kuche", "Shelly", "Shelly 1PM"),
                 Device("d2", "Garage door", "garage", None, None)),
        entities=(Entity("light.kuche_light", "d1", "kuche", None, None),
                  Entity("cover.garage_door", "d2", "garage", "garage", None),
                  Entity("sensor.template_1", None, None, "temperature", "°C")),
        events=EventLog.from_columns(
            ["light.kuche_light", "cover.garage_door", "light.kuche_light",
             "sensor.template_1"],
            [1_700_000_100.5, 1_700_000_000.0, 1_700_003_599.999, 1_700_000_050.25],
            ["on", "open", "off", "21.5"],
            [None, {"current_position": 100}, None, None],
        ),
    )


def document() -> dict[str, Any]:
    return make_home().to_dict()


@pytest.mark.parametrize("name", ["home.json", "home.json.gz"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    home = make_home()
    path = write_snapshot(home, tmp_path / name)
    again = read_snapshot(path)
    assert again.to_dict() == home.to_dict()
    assert again.floors == home.floors and again.entities == home.entities
    np.testing.assert_array_equal(again.events.timestamps, np.sort(home.events.timestamps))
    assert again.events.states == ["open", "21.5", "on", "off"]
    assert again.events.attributes is not None
    assert again.events.attributes[0] == {"current_position": 100}
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    else:
        assert json.loads(path.read_text())["home_id"] == "home_x"


def test_same_home_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gzip stamps the clock (whole seconds) into its header unless told mtime=0: write the same
    home at two different clock seconds and expect the same bytes, with a zero header time."""
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    a = write_snapshot(make_home(), tmp_path / "a.json.gz").read_bytes()
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    b = write_snapshot(make_home(), tmp_path / "b.json.gz").read_bytes()
    assert a[4:8] == b"\0\0\0\0"  # the header's MTIME field
    assert a == b


def test_timestamps_keep_their_hour(tmp_path: Path) -> None:
    """hh:59:59.9996 must never be rounded into the next hour when written to milliseconds."""
    home = make_home()
    last = 1_700_006_399.9996  # 2023-11-14T23:59:59.9996Z
    home.events = EventLog.from_columns(["light.kuche_light"], [last], ["on"])
    again = read_snapshot(write_snapshot(home, tmp_path / "h.json"))
    assert int(again.events.timestamps[0] // 3600) == int(last // 3600)
    written = json.loads((tmp_path / "h.json").read_text())["events"][0]["timestamp"]
    assert written == "2023-11-14T23:59:59.999Z"  # the format's own spelling: milliseconds, Z


def _written_back(stamps: list[str]) -> list[str]:
    """The stamps a home whose events have ``stamps`` is written with once read."""
    doc = document()
    first = doc["events"][0]
    doc["events"] = [{**first, "timestamp": stamp} for stamp in stamps]
    again = HomeSnapshot.from_dict(json.loads(json.dumps(doc))).to_dict()
    return [event["timestamp"] for event in again["events"]]


def test_a_home_read_is_written_back_with_its_own_milliseconds() -> None:
    """The reader holds times as float seconds, where a millisecond is not always exact: one
    just under its value, truncated as is, was written as the millisecond before."""
    stamps = ["1970-07-17T17:18:18.345Z", "2023-11-14T22:13:20.123Z", "2025-06-01T12:00:00.001Z",
              "2025-06-01T12:59:59.999Z"]
    assert _written_back(stamps) == stamps


def test_a_millisecond_after_2038_is_written_back_as_read() -> None:
    """The format's times run to 9998, and a home read is written back as it was. The
    writer's nudge of 1e-6 ms was lost in the float product once seconds pass mid-1970: from
    2038 on about 1 stamp in 200 came back 1 ms early, and some before late 2004 did too
    (late 2004 to January 2038 happen to be exact)."""
    stamps = ["1972-02-27T06:12:34.776Z", "2004-02-16T17:53:22.462Z", "2038-05-07T17:01:32.154Z",
              "2039-05-11T01:13:55.213Z", "9998-12-31T23:59:59.999Z"]
    assert _written_back(stamps) == stamps


def test_no_events_is_a_valid_home() -> None:
    doc = document()
    doc["events"] = []
    doc["home_type"] = None
    home = HomeSnapshot.from_dict(doc)
    assert len(home.events) == 0 and home.events.span is None and home.home_type is None


def _broken(change: Any) -> str:
    doc = document()
    change(doc)
    with pytest.raises(SnapshotError) as info:
        HomeSnapshot.from_dict(doc, "home_7.json")
    return str(info.value)


def test_missing_field_is_named() -> None:
    message = _broken(lambda d: d["entities"][1].pop("entity_id"))
    assert message == "home_7.json: entities[1]: missing field 'entity_id'"


def test_missing_top_level_field() -> None:
    assert "missing field 'areas'" in _broken(lambda d: d.pop("areas"))


def test_wrong_version() -> None:
    for version in (2, 0):
        message = _broken(lambda d, version=version: d.update(schema_version=version))
        assert message == ("home_7.json: schema_version: this version reads 1, the file has "
                           f"{version}")


@pytest.mark.parametrize("stamp", ["yesterday at noon", "NaTZ"])  # NaT: numpy's not-a-time
def test_bad_timestamp(stamp: str) -> None:
    message = _broken(lambda d: d["events"][2].update(timestamp=stamp))
    assert message.startswith("home_7.json: events[2].timestamp: expected an ISO 8601")
    assert repr(stamp) in message


def test_timestamp_without_offset_is_refused() -> None:
    message = _broken(lambda d: d["events"][0].update(timestamp="2025-01-01T10:00:00"))
    assert "events[0].timestamp" in message and "UTC offset" in message


def test_other_utc_offsets_are_converted() -> None:
    doc = document()
    doc["events"] = [{"entity_id": "light.kuche_light", "state": "on",
                      "timestamp": "2023-11-14T23:13:20+01:00"}]
    home = HomeSnapshot.from_dict(doc)
    assert home.events.timestamps[0] == 1_700_000_000.0  # 22:13:20 UTC


@pytest.mark.parametrize("stamp", [
    "9999-12-31T23:00:00Z",  # year 10000 in Tokyo: a window ending there cannot be cut in days
    "9999-01-01T00:00:00+00:00",
    "1969-12-31T23:59:59Z",
    "1969-12-31T23:00:00-00:30",  # the slow path, for other offsets
    "9999-12-31T23:00:00-05:00",  # in UTC, year 10000
    "0001-01-01T00:00:00+05:00",  # in UTC, year 0
])
def test_timestamps_outside_1970_to_9998_are_refused(stamp: str) -> None:
    message = _broken(lambda d: d["events"][2].update(timestamp=stamp))
    assert message == ("home_7.json: events[2].timestamp: expected an ISO 8601 UTC timestamp "
                       f"from 1970 to 9998, got {stamp!r}")


@pytest.mark.parametrize("stamps", [("1970-01-01T00:00:00Z", "9998-12-31T23:59:59.999Z"),
                                    ("1970-01-01T01:00:00+01:00", "9998-12-31T23:59:59+00:00"),
                                    ("1970-01-01T01:00:00+01:00", "9998-12-31T18:59:59-05:00")])
def test_the_ends_of_the_range_are_valid(stamps: tuple[str, str]) -> None:
    doc = document()
    doc["events"] = [{"entity_id": "light.kuche_light", "state": state, "timestamp": stamp}
                     for state, stamp in zip(("on", "off"), stamps, strict=True)]
    span = HomeSnapshot.from_dict(doc).events.span
    assert span is not None and span[0] == 0.0 and span[1] == pytest.approx(253_370_764_799, abs=1)


@pytest.mark.parametrize("stamp", ["2024-01-01T10:00:00+05:00Z", "2024-01-01T10:00:00-00:00Z",
                                   "2024-01-01T10:00:00+00:00+00:00", "2024-01-01T10:00:00ZZ"])
def test_an_offset_before_the_utc_suffix_is_refused(stamp: str) -> None:
    """Refused whether or not another event has another offset (numpy's path, or one by one).

    numpy read the first as 05:00 UTC, with a warning, when every other stamp ended in Z.
    """
    def other_offset(doc: dict[str, Any]) -> None:
        doc["events"][0]["timestamp"] = "2023-11-14T23:13:20+01:00"

    for change in (lambda d: None, other_offset):
        message = _broken(lambda d, change=change: (change(d),
                                                   d["events"][2].update(timestamp=stamp)))
        assert message == ("home_7.json: events[2].timestamp: expected an ISO 8601 UTC "
                           f"timestamp, got {stamp!r}")


def _with_other_offset(doc: dict[str, Any]) -> None:
    """Another event in another spelling: every stamp then goes one by one through datetime."""
    doc["events"][0]["timestamp"] = "2023-11-14T23:13:20+01:00"


@pytest.mark.parametrize("stamp", ["2024-01-01T10:0000Z", "2024-01-01T1000:00Z",
                                   "99999-01-10T00:00:00.000Z",
                                   # the written form's width, but not a time
                                   "2024-02-30T10:00:00.000Z", "2024-01-01T10:00:00.0a0Z",
                                   "2024-01-01T10:00:00.000\uff3a",  # a full-width Z
                                   # a sign where a digit belongs: numpy reads 10:00:00
                                   "2024-01-01T10:00:00.-00Z", "2024-01-01T10:00:00.+00Z"])
def test_a_stamp_datetime_refuses_is_refused_whatever_the_others(stamp: str) -> None:
    """numpy read ``10:0000`` (the last digits as an offset) when every stamp ended in Z;
    it reads five-digit years too."""
    for change in (lambda d: None, _with_other_offset):
        message = _broken(lambda d, change=change: (change(d),
                                                   d["events"][2].update(timestamp=stamp)))
        assert message == ("home_7.json: events[2].timestamp: expected an ISO 8601 UTC "
                           f"timestamp, got {stamp!r}")


@pytest.mark.parametrize("stamp", ["2024-02-30T10:00:00.000Z", "2023-02-29T10:00:00.000Z",
                                   "2024-04-31T10:00:00.000Z", "2024-13-01T10:00:00.000Z",
                                   "2024-00-01T10:00:00.000Z", "2024-01-00T10:00:00.000Z",
                                   "2024-01-01T24:00:00.000Z", "2024-01-01T10:60:00.000Z",
                                   "2024-01-01T10:00:60.000Z",
                                   # a century is no leap year unless it divides by 400
                                   "2100-02-29T10:00:00.000Z", "1900-02-29T10:00:00.000Z"])
def test_a_day_that_does_not_exist_among_many_events_is_named(stamp: str) -> None:
    """numpy 2.2 and 2.3 crashed the process (a segmentation fault) casting 505 or more
    stamps of the written form when one of them was not on the calendar. Such a stamp is
    read as datetime reads it (Python 3.14's reads hour 24 as the next day's midnight)."""
    doc = document()
    first = doc["events"][0]
    doc["events"] = [{**first, "timestamp": f"2024-02-{1 + i % 28:02d}T10:00:00.000Z"}
                     for i in range(600)]
    doc["events"][555]["timestamp"] = stamp
    try:
        moment = datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        with pytest.raises(SnapshotError) as info:
            HomeSnapshot.from_dict(doc, "home_7.json")
        assert str(info.value) == ("home_7.json: events[555].timestamp: expected an ISO 8601 "
                                   f"UTC timestamp, got {stamp!r}")
    else:
        assert moment in cast(list[float], HomeSnapshot.from_dict(doc).events.timestamps.tolist())


def test_the_calendar_keeps_its_leap_days() -> None:
    """29 February of 2024 and 2000 exist; of 1900 and 2023 they do not."""
    doc = document()
    first = doc["events"][0]
    days = ["2024-02-29", "2000-02-29", "2023-12-31", "1970-01-01"]
    doc["events"] = [{**first, "timestamp": f"{days[i % 4]}T23:59:59.999Z"} for i in range(600)]
    assert len(HomeSnapshot.from_dict(doc).events) == 600


@pytest.mark.parametrize("stamp", ["2024-01-01T1000Z", "2024-01-01T100000Z",
                                   "2024-01-01T10:00:00,000Z", "2024-01-01T10Z"])
def test_other_spellings_of_a_time_are_read_as_datetime_reads_them(stamp: str) -> None:
    """ISO 8601's basic format, a comma, an hour alone: 10:00 UTC, read without a warning."""
    for change in (lambda d: None, _with_other_offset):
        doc = document()
        change(doc)
        doc["events"][2]["timestamp"] = stamp
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warned on the basic format
            home = HomeSnapshot.from_dict(doc)
        stamps = cast(list[float], home.events.timestamps.tolist())  # a 1-d array: floats
        assert 1_704_103_200.0 in stamps  # 2024-01-01T10:00:00Z


def test_a_stamp_with_a_space_for_its_t_is_refused_whatever_the_others() -> None:
    """SQL's spelling, a space where the T belongs, is refused as in metadata: numpy reads it
    as the format's own, so it must not reach numpy when every other stamp is written so."""
    stamp = "2024-01-01 10:00:00.000Z"
    for change in (lambda d: None, _with_other_offset):
        message = _broken(lambda d, change=change: (change(d),
                                                   d["events"][2].update(timestamp=stamp)))
        assert message == ("home_7.json: events[2].timestamp: expected an ISO 8601 timestamp "
                           f"with a UTC offset, got {stamp!r}")


def test_stamps_of_other_widths_are_not_read_across_each_other() -> None:
    """A short stamp and a long one are two bad stamps, not two good ones joined."""
    message = _broken(lambda d: (d["events"][1].update(timestamp="2024-01-01T10:00:00.000"),
                                 d["events"][2].update(timestamp="Z2024-01-01T10:00:00.000Z")))
    assert message.startswith("home_7.json: events[1].timestamp: expected an ISO 8601")


@pytest.mark.parametrize("key", ["end", "history_start"])
@pytest.mark.parametrize(("value", "expected"), [
    ("2025-01-20T22:00:00", "an ISO 8601 timestamp with a UTC offset"),  # whose local time?
    ("2025-01-20 22:00:00+00:00", "an ISO 8601 timestamp with a UTC offset"),  # no T: SQL's
    ("yesterday", "an ISO 8601 UTC timestamp"),
    (1_737_410_400, "an ISO 8601 timestamp with a UTC offset, or null"),
    ("9999-12-31T23:00:00Z", "an ISO 8601 UTC timestamp from 1970 to 9998"),
    ("9999-01-01T00:00:00Z", "an ISO 8601 UTC timestamp from 1970 to 9998"),  # the first out
    ("1969-12-31T23:00:00Z", "an ISO 8601 UTC timestamp from 1970 to 9998"),
])
def test_a_metadata_time_needs_a_utc_offset(key: str, value: object, expected: str) -> None:
    """``end`` and ``history_start`` cut the history windows; read in the training machine's
    zone, a time without an offset gave other windows with TZ=UTC than in New York."""
    message = _broken(lambda d: d["metadata"].update({key: value}))
    assert message == f"home_7.json: metadata.{key}: expected {expected}, got {value!r}"


@pytest.mark.parametrize("key", ["end", "history_start"])
@pytest.mark.parametrize("value", ["1970-01-01T00:00:00Z", "9998-12-31T23:59:59.999Z"])
def test_a_metadata_time_at_the_ends_of_the_range_is_valid(key: str, value: str) -> None:
    """Metadata times are held to the events' range, both of its ends included as for them."""
    doc = document()
    doc["metadata"][key] = value
    home = HomeSnapshot.from_dict(doc)
    assert snapshot_module.metadata_time(home, key) == datetime.fromisoformat(value).timestamp()


@pytest.mark.parametrize("zone", ["Mars/Base", "", "America", "../../etc/passwd", "/etc/hostname",
                                  1, ["UTC"], "localtime", "posixrules", "posix/Europe/Berlin",
                                  "right/Europe/Berlin"])
def test_a_time_zone_not_read_alike_everywhere_is_refused(zone: object) -> None:
    """Also a zone that means another one on each machine: the machine's own (localtime)."""
    message = _broken(lambda d: d["metadata"].update(timezone=zone))
    assert message == ("home_7.json: metadata.timezone: expected an IANA time zone like "
                       f"'Europe/Berlin', or null for UTC, got {zone!r}")


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Etc/GMT+5", None, "absent"])
def test_a_known_time_zone_or_none_is_valid(zone: str | None) -> None:
    doc = document()
    if zone == "absent":
        doc["metadata"].pop("timezone")
    else:
        doc["metadata"]["timezone"] = zone
    assert HomeSnapshot.from_dict(doc).metadata.get("timezone") == (
        None if zone == "absent" else zone)


def test_unknown_label() -> None:
    message = _broken(lambda d: d.update(home_type="castle"))
    assert message.startswith("home_7.json: home_type: expected one of studio, apartment")
    assert "'castle'" in message


def test_wrong_type() -> None:
    message = _broken(lambda d: d["floors"][0].update(level="ground"))
    assert message == ("home_7.json: floors[0].level: expected an integer from -1000 to 1000, "
                       "or null, got 'ground'")


def test_boolean_is_not_an_integer() -> None:
    assert "floors[0].level" in _broken(lambda d: d["floors"][0].update(level=True))


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["devices"][0].update(area_id="attic"),
     "devices[0].area_id: 'attic' is not one of the areas"),
    (lambda d: d["areas"][0].update(floor_id="cellar"),
     "areas[0].floor_id: 'cellar' is not one of the floors"),
    (lambda d: d["entities"][0].update(device_id="d9"),
     "entities[0].device_id: 'd9' is not one of the devices"),
    (lambda d: d["entities"][0].update(area_id="attic"),
     "entities[0].area_id: 'attic' is not one of the areas"),
])
def test_dangling_reference(change: Any, expected: str) -> None:
    assert _broken(change) == f"home_7.json: {expected}"


def test_event_for_unknown_entity() -> None:
    message = _broken(lambda d: d["events"][1].update(entity_id="light.nowhere"))
    assert "events[1].entity_id: 'light.nowhere' is not one of the entities" in message


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["floors"][1].update(floor_id="ground"),
     "floors[1].floor_id: duplicate id 'ground'"),
    (lambda d: d["areas"][1].update(area_id="kuche"), "areas[1].area_id: duplicate id 'kuche'"),
    (lambda d: d["devices"][1].update(device_id="d1"), "devices[1].device_id: duplicate id 'd1'"),
    (lambda d: d["entities"][2].update(entity_id="light.kuche_light"),
     "entities[2].entity_id: duplicate id 'light.kuche_light'"),
])
def test_duplicate_ids(change: Any, expected: str) -> None:
    """Every registry's ids are unique, as the format says: a second entity of one id would be
    counted twice by the features, its events given to whichever the reader kept."""
    assert _broken(change) == f"home_7.json: {expected}"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.update(home_id=None), "home_id"),
    (lambda d: d["floors"][0].update(name=None), "floors[0].name"),
    (lambda d: d["areas"][1].update(area_id=None), "areas[1].area_id"),
    (lambda d: d["devices"][1].update(name=None), "devices[1].name"),
    (lambda d: d["entities"][2].update(entity_id=None), "entities[2].entity_id"),
    (lambda d: d["events"][3].update(state=None), "events[3].state"),
])
def test_null_is_refused_where_the_format_does_not_allow_it(change: Any, expected: str) -> None:
    """Only the fields the format lets be null may be: a home id, a name or a state of null
    is a broken file, named as such, not a home whose id is None."""
    assert _broken(change) == f"home_7.json: {expected}: expected a string, got None"


@pytest.mark.parametrize("entity_id", ["Kitchen Light", "light.kitchen lamp", "light.kitchen.2",
                                       "light.Kitchen", "kitchen", "light.kitchen\n", "light.",
                                       ".kitchen"])
def test_bad_entity_id(entity_id: str) -> None:
    assert "an entity id like 'light.kitchen'" in _broken(
        lambda d: d["entities"][0].update(entity_id=entity_id))


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["events"][1].pop("entity_id"), "events[1]: missing field 'entity_id'"),
    (lambda d: d["events"][3].update(state=21.5),
     "events[3].state: expected a string, got 21.5"),
    (lambda d: d["events"][0].update(timestamp=1_700_000_000),
     "events[0].timestamp: expected an ISO 8601 UTC timestamp, got 1700000000"),
    (lambda d: d["events"][2].update(attributes=[1]), "events[2].attributes: expected an object"),
    (lambda d: d["events"][2].update(timestamp="2025-13-01T10:00:00Z"),
     "events[2].timestamp: expected an ISO 8601"),
    # A list or an object cannot go in the set the column check builds: still named.
    (lambda d: d["events"][1].update(entity_id=["light.kuche_light"]),
     "events[1].entity_id: expected a string, got ['light.kuche_light']"),
    (lambda d: d["events"][2].update(state={"value": "on"}),
     "events[2].state: expected a string, got {'value': 'on'}"),
    (lambda d: d["events"].insert(1, ["light.kuche_light", "on"]),
     "events[1]: expected an object, got ['light.kuche_light', 'on']"),
    (lambda d: d["areas"].append("Kitchen"), "areas[2]: expected an object, got 'Kitchen'"),
    (lambda d: d.pop("home_type"), "missing field 'home_type' (null if unknown)"),
    (lambda d: d.update(home_id=["x" * 100]),  # long values are cut to 60 characters
     "home_id: expected a string, got ['" + "x" * 55 + "..."),
])
def test_each_bad_field_is_named(change: Any, expected: str) -> None:
    """Events are checked column-wise for speed; the first bad record is still named."""
    assert expected in _broken(change)


def test_events_are_sorted_by_time_and_ties_keep_their_order() -> None:
    """Home files come in order and are taken as they are; any other order is sorted."""
    ids = ["light.a", "light.b", "light.a", "light.c"]
    stamps = np.array([10.0, 20.0, 20.0, 30.0])
    in_order = EventLog.from_columns(ids, stamps, ["1", "2", "3", "4"])
    stamps[0] = 99.0  # the log has its own copy
    assert in_order.timestamps.tolist() == [10.0, 20.0, 20.0, 30.0]
    assert in_order.states == ["1", "2", "3", "4"]
    assert in_order.entities == ("light.a", "light.b", "light.c")
    assert in_order.index.tolist() == [0, 1, 0, 2]
    shuffled = EventLog.from_columns(ids, [30.0, 20.0, 10.0, 20.0], ["1", "2", "3", "4"],
                                     [None, {"n": 2}, None, {"n": 4}])
    assert shuffled.timestamps.tolist() == [10.0, 20.0, 20.0, 30.0]
    assert shuffled.states == ["3", "2", "4", "1"]
    assert shuffled.index.tolist() == [0, 1, 2, 0]
    assert shuffled.attributes == [None, {"n": 2}, {"n": 4}, None]


def test_ties_keep_their_order_in_a_long_log() -> None:
    """Past 16 events numpy's default sort is not stable: events of one time (a device that
    dropped off and came back within a millisecond) must keep the file's order, or a change
    is counted from the wrong state. Python's sort is stable: the expected order."""
    stamps = np.random.default_rng(4).integers(0, 5, 300).astype(np.float64)
    log = EventLog.from_columns(["light.a"] * stamps.size, stamps,
                                [str(i) for i in range(stamps.size)])
    assert log.states == [str(i) for i in sorted(range(stamps.size), key=lambda i: stamps[i])]


def test_a_log_owns_its_columns_whatever_it_was_given() -> None:
    """The export hands over typed arrays and a list it keeps until the log is made; a log
    made of columns already in order must not share them (views or the same list)."""
    stamps, states = array("d", [10.0, 20.0]), ["on", "off"]
    index = np.zeros(2, dtype=np.int32)
    log = EventLog.in_time_order(("light.a",), index, stamps, states)
    stamps[0], states[0] = 99.0, "open"
    assert log.timestamps.tolist() == [10.0, 20.0]
    assert log.states == ["on", "off"]
    from_list = EventLog.in_time_order(("light.a",), index, [10.0, 20.0], states)
    assert from_list.timestamps.tolist() == [10.0, 20.0]
    assert from_list.timestamps.flags.owndata


def test_columns_of_other_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per event"):
        EventLog.from_columns(["light.a", "light.b"], [1.0, 2.0, 3.0], ["on", "off"])
    with pytest.raises(ValueError, match="one value per event"):
        EventLog.from_columns(["light.a", "light.b"], [1.0, 2.0], ["on"])
    with pytest.raises(ValueError, match="one value per event"):
        EventLog.from_columns(["light.a"], [1.0], ["on"], [None, None])
    with pytest.raises(ValueError, match="one value per event"):
        EventLog.from_columns(["light.a"], 1.0, ["on"])  # type: ignore[arg-type]


class _Unhashable(str):
    __hash__ = None  # type: ignore[assignment]


class _FailingHash:
    def __hash__(self) -> int:
        raise ValueError("no hash")


def test_values_a_set_cannot_hold_get_the_precise_check() -> None:
    """A document built in code may hold them; the quick check hashes, the precise one not."""
    doc = document()
    doc["events"][0]["state"] = _Unhashable("off")
    assert HomeSnapshot.from_dict(doc).events.states[0] == "off"
    doc["events"][0]["state"] = _FailingHash()
    with pytest.raises(SnapshotError, match=r"events\[0\]\.state: expected a string"):
        HomeSnapshot.from_dict(doc)


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no such file"):
        read_snapshot(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SnapshotError, match=r"bad.json: not valid JSON \(line 1, column 2"):
        read_snapshot(tmp_path / "bad.json")
    for empty in (b"", b"\n", gzip.compress(b"")):  # it said "not valid JSON … Expecting value"
        (tmp_path / "empty.json").write_bytes(empty)
        with pytest.raises(SnapshotError, match=r"^\S*empty\.json: empty: not a home file$"):
            read_snapshot(tmp_path / "empty.json")
    (tmp_path / "cut.json.gz").write_bytes(gzip.compress(b'{"a": 1}')[:-6])
    with pytest.raises(SnapshotError, match="damaged gzip data"):
        read_snapshot(tmp_path / "cut.json.gz")
    with pytest.raises(SnapshotError, match="a JSON object"):
        loads_snapshot(b"[1, 2]", "list.json")
    with pytest.raises(SnapshotError, match="is a folder"):
        read_snapshot(tmp_path)
    (tmp_path / "latin1.json").write_bytes('{"home_id": "Küche"}'.encode("latin-1"))
    with pytest.raises(SnapshotError, match=r"latin1\.json: not UTF-8 text"):
        read_snapshot(tmp_path / "latin1.json")
    with pytest.raises(SnapshotError, match=r"cannot read: Not a directory"):
        read_snapshot(tmp_path / "latin1.json" / "home.json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SnapshotError,
                       match=r"deep\.json: not a home file \(JSON nested too deeply\)"):
        read_snapshot(tmp_path / "deep.json")
    damaged = bytearray(gzip.compress(json.dumps(document()).encode()))
    damaged[10] ^= 0xFF  # the first byte of the deflate stream: zlib's own error
    (tmp_path / "flipped.json.gz").write_bytes(bytes(damaged))
    with pytest.raises(SnapshotError, match=r"flipped\.json\.gz: damaged gzip data"):
        read_snapshot(tmp_path / "flipped.json.gz")
    with pytest.raises(SnapshotError, match=r"digits\.json: not a home file \(a number of "):
        loads_snapshot(b'{"home_id": ' + b"1" * 5000 + b"}", "digits.json")


def test_a_file_too_large_for_a_home_is_refused_unread(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``/dev/zero`` given by mistake, or a small gzip file of gigabytes: read without a bound,
    either took all the machine's memory (23 GB, then the kernel killed the trainer). A home
    file of the bound itself is read as ever."""
    text = json.dumps(document()).encode()
    monkeypatch.setattr(snapshot_module, "MAX_HOME_FILE_BYTES", len(text))
    (tmp_path / "home.json").write_bytes(text)
    (tmp_path / "home.json.gz").write_bytes(gzip.compress(text))
    for name in ("home.json", "home.json.gz"):
        assert read_snapshot(tmp_path / name).home_id == document()["home_id"]
    (tmp_path / "big.json").write_bytes(text + b" ")
    with pytest.raises(SnapshotError, match=r"^\S+big\.json: more than 0 MiB: not a home file$"):
        read_snapshot(tmp_path / "big.json")
    (tmp_path / "bomb.json.gz").write_bytes(gzip.compress(text + b" " * 10_000))
    assert (tmp_path / "bomb.json.gz").stat().st_size < len(text)
    with pytest.raises(SnapshotError,
                       match=r"bomb\.json\.gz: more than 0 MiB once decompressed: not a home"):
        read_snapshot(tmp_path / "bomb.json.gz")
    if Path("/dev/zero").exists():
        with pytest.raises(SnapshotError, match=r"^/dev/zero: more than 0 MiB: not a home file$"):
            read_snapshot("/dev/zero")
    # The bound is on the reading, not a check after it: 64 MiB of spaces in 64 KiB of gzip,
    # against a bound of 1 MiB, never fill memory.
    monkeypatch.setattr(snapshot_module, "MAX_HOME_FILE_BYTES", 2**20)
    (tmp_path / "bigger.json.gz").write_bytes(gzip.compress(text + b" " * 2**26))
    with pytest.raises(SnapshotError, match="1 MiB once decompressed"):
        assert_peak_below(2**23, read_snapshot, tmp_path / "bigger.json.gz")


def test_a_small_home_is_read_without_asking_for_its_limit(tmp_path: Path) -> None:
    """read(limit) allocates its limit first: every home read asked for 512 MiB (twice, file
    and gzip) whatever its size. A home of kilobytes takes megabytes at most."""
    for name in ("h.json", "h.json.gz"):
        assert_peak_below(2**25, read_snapshot, write_snapshot(make_home(), tmp_path / name))


@pytest.mark.parametrize("text", [b'"\\ud800"', b'"\xed\xa0\x80"'])
def test_half_a_character_is_not_utf8(text: bytes) -> None:
    """orjson refuses a lone surrogate, json read it: a file that failed later, in whatever
    printed or wrote its name."""
    raw = json.dumps(document()).encode().replace(b'"home_x"', text)
    assert text in raw
    with pytest.raises(SnapshotError, match=r"^odd\.json: not UTF-8 text$"):
        loads_snapshot(raw, "odd.json")


@pytest.mark.parametrize(("level", "valid"), [(1000, True), (-1000, True), (1001, False),
                                              (-(10**400), False), (None, True)])
def test_floor_levels_are_a_building_s(level: int | None, valid: bool) -> None:
    """A level of 400 digits was read (by json, orjson refuses it) and broke the features.
    A floor without a level (null, as Home Assistant's registry allows) is a valid floor."""
    doc = document()
    doc["floors"][0]["level"] = level
    if valid:
        assert HomeSnapshot.from_dict(doc).floors[0].level == level
    else:
        assert _broken(lambda d: d["floors"][0].update(level=level)).startswith(
            "home_7.json: floors[0].level: expected an integer from -1000 to 1000, or null")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_files_json_reads_are_still_read(tmp_path: Path, encoding: str) -> None:
    """orjson reads home files, and refuses a byte-order mark, UTF-16 and UTF-32, which json
    read: such a file (a Windows editor's) is read as before, by json."""
    text = json.dumps(document(), ensure_ascii=False)
    (tmp_path / "home.json").write_bytes(text.encode(encoding))
    assert read_snapshot(tmp_path / "home.json").to_dict() == make_home().to_dict()


def test_home_files_are_written_as_json_writes_them(tmp_path: Path) -> None:
    """orjson writes home files with the bytes json wrote, non-ASCII names included."""
    home = make_home()
    expected = json.dumps(home.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()
    assert write_snapshot(home, tmp_path / "home.json").read_bytes() == expected


@pytest.mark.parametrize("events", [0, 1, 3, 4, 7])
def test_events_written_a_slice_at_a_time_make_the_whole_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, events: int
) -> None:
    """The writer serialises the events a slice at a time, so a large home's text is never
    whole in memory: the slices, commas and brackets make exactly json's document, for an
    empty log, one slice, a full one, and a part slice after full ones."""
    monkeypatch.setattr(snapshot_module, "EVENTS_PER_PIECE", 2)
    home = make_home()
    stamps = np.arange(events, dtype=np.float64) * 3600.0 + 1_700_000_000.0
    home.events = EventLog.from_columns(
        ["light.kuche_light"] * events, stamps, ["on"] * events,
        [{"n": i} if i % 2 else None for i in range(events)])
    pieces = list(iter_snapshot_bytes(home, compress=False))
    assert len(pieces) == 2 + (events + 1) // 2
    expected = json.dumps(home.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()
    assert b"".join(pieces) == expected
    path = write_snapshot(home, tmp_path / "home.json.gz")
    assert gzip.decompress(path.read_bytes()) == expected
    assert read_snapshot(path).to_dict() == home.to_dict()


def test_compressed_output_is_handed_on_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compressed file is not gathered whole either: it leaves in pieces of about the
    set size, which together are one gzip stream of the document."""
    monkeypatch.setattr(snapshot_module, "_GZIP_PIECE", 64)
    monkeypatch.setattr(snapshot_module, "EVENTS_PER_PIECE", 8)
    home = make_home()
    rng = np.random.default_rng(5)
    stamps = np.sort(rng.uniform(1_700_000_000.0, 1_800_000_000.0, 40_000))
    home.events = EventLog.from_columns(["sensor.template_1"] * 40_000, stamps,
                                        [f"{x:.3f}" for x in rng.uniform(0, 100, 40_000)])
    pieces = list(iter_snapshot_bytes(home, compress=True))
    assert len(pieces) > 3
    assert gzip.decompress(b"".join(pieces)) == b"".join(
        iter_snapshot_bytes(home, compress=False))


def test_what_orjson_cannot_write_json_still_writes(tmp_path: Path) -> None:
    """An integer past 64 bits (here in free-form metadata) is written as json writes it."""
    home = make_home()
    home.metadata["serial"] = 2**70
    raw = write_snapshot(home, tmp_path / "home.json").read_bytes()
    assert b'"serial":1180591620717411303424' in raw
    assert json.loads(raw)["metadata"]["serial"] == 2**70


def test_write_refuses_other_names(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"must end in \.json or \.json\.gz"):
        write_snapshot(make_home(), tmp_path / "home.txt")


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "home.json.gz"
    write_snapshot(make_home(), target)
    before = target.read_bytes()

    def explode(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", explode)
    with pytest.raises(KeyboardInterrupt):
        write_snapshot(make_home(), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home.json.gz"]


def test_home_files_of_a_folder_skip_temporary_and_other_files(tmp_path: Path) -> None:
    """A write in progress (hidden temporary) or a stray file is not a home."""
    for name in ("home_002.json.gz", "home_001.json", ".home_003.json.gz.x1.tmp", ".hidden.json",
                 "notes.txt"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "folder.json").mkdir()
    assert [p.name for p in iter_home_files(tmp_path)] == ["home_001.json", "home_002.json.gz"]
