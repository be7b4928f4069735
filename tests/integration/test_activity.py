"""The activity summary counted in the recorder's database: SQLite, PostgreSQL and MariaDB.

These tests carry the ``recorder`` marker: ``scripts/test`` runs them again against real
PostgreSQL and MariaDB servers (``--dburl``). Each one compares the database's counts with the
core's own count of the same events (the trainer's path), at the edges where databases differ:
a change at hh:59:59.9 (a rounding cast puts it in the next hour), midnight (the next day,
maybe the weekend), and both DST changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import select, text
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.dialects.mysql import mariadb
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError

from custom_components.home_type import activity
from custom_components.home_type.activity import async_activity_summary, hour_of_week
from custom_components.home_type.core.activity import (
    EMPTY_SUMMARY,
    ActivitySummary,
    summarize_events,
)
from custom_components.home_type.core.snapshot import EventLog
from custom_components.home_type.export import read_events

from .common import async_insert_events

pytestmark = pytest.mark.recorder

# SQLAlchemy's dialect classes, as typed constructors: theirs are not annotated.
PostgreSQL: Callable[[], Dialect] = postgresql.dialect
MySQL: Callable[[], Dialect] = mysql.dialect
SQLite: Callable[[], Dialect] = sqlite.dialect
#: What ``mariadb://`` gives: MySQL's dialect under the name ``mariadb``.
MariaDB: Callable[[], Dialect] = mariadb.loader("mysqldb")  # type: ignore[no-untyped-call]

DIALECTS = {"postgresql": PostgreSQL(), "mysql": MySQL()}

BERLIN = "Europe/Berlin"


def local(text: str, tz: str = BERLIN) -> float:
    """Epoch seconds of a local wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


def assert_same_summary(ours: ActivitySummary, theirs: ActivitySummary) -> None:
    assert ours.weekday_days == pytest.approx(theirs.weekday_days, abs=1e-12)
    assert ours.weekend_days == pytest.approx(theirs.weekend_days, abs=1e-12)
    assert ours.counts.keys() == theirs.counts.keys()
    for entity_id, grid in theirs.counts.items():
        np.testing.assert_array_equal(ours.counts[entity_id], grid, err_msg=entity_id)


async def _summaries(
    hass: HomeAssistant, events: EventLog, days: int, end: float, tz: str = BERLIN
) -> tuple[ActivitySummary, ActivitySummary]:
    """The database's summary and the trainer's, of the same events and window.

    ``events`` must be changes, as a home file's are: an entity's first event is where its
    record begins, and every later one differs from the one before.
    """
    await hass.config.async_set_time_zone(tz)
    await async_insert_events(hass, events)
    ours = await async_activity_summary(hass, list(events.entities), days, end)
    theirs = summarize_events(events, tz, end - days * 86400.0, end)
    return ours, theirs


@pytest.mark.usefixtures("recorder_mock")
async def test_database_is_the_one_asked_for(
    recorder_mock: Recorder, pytestconfig: pytest.Config
) -> None:
    """A server's leg really runs on that server (a guard against a silent SQLite rerun).

    MariaDB is SQLAlchemy's (and the recorder's) MySQL dialect: ``mysql://`` gives ``mysql``.
    """
    url = pytestconfig.getoption("dburl")
    expected = "sqlite" if url.startswith("sqlite") else url.split(":")[0].split("+")[0]
    assert recorder_mock.dialect_name == expected


async def test_hour_edges_and_midnight(hass: HomeAssistant) -> None:
    """hh:59:59.9 stays in its hour; midnight starts the next (weekend) day."""
    begins = local("2025-06-05T09:00")  # each entity's first state: where history begins
    stamps = {
        "light.hall": [begins, local("2025-06-06T10:59:59.900"), local("2025-06-06T11:00:00"),
                       local("2025-06-06T23:59:59.900"), local("2025-06-07T00:00:00")],
        "lock.front": [begins, local("2025-06-05T09:59:59.999"),
                       local("2025-06-08T23:59:59.900")],
    }
    ids = [e for e, times in stamps.items() for _ in times]
    times = [t for e in stamps for t in stamps[e]]
    states = [("off", "on")[i % 2] for e in stamps for i in range(len(stamps[e]))]
    events = EventLog.from_columns(ids, times, states)
    ours, theirs = await _summaries(hass, events, 7, local("2025-06-09T00:00"))

    assert_same_summary(ours, theirs)
    hall = ours.counts["light.hall"]
    assert hall[0, 10] == hall[0, 11] == hall[0, 23] == 1  # Friday
    assert hall[1, 0] == 1  # Saturday, midnight
    assert hall.sum() == 4
    lock = ours.counts["lock.front"]
    assert lock[0, 9] == 1 and lock[1, 23] == 1  # Thursday 9 h, Sunday 23 h
    assert ours.weekday_days + ours.weekend_days == pytest.approx(
        (local("2025-06-09T00:00") - begins) / 86400
    )


async def test_both_dst_changes(hass: HomeAssistant) -> None:
    """Across spring forward and fall back, each change counts in its local hour."""
    stamps = [
        local("2025-03-29T12:00"),  # the first state, where history begins
        local("2025-03-30T01:59:59.900"),  # CET, the last moment before 02:00 -> 03:00
        local("2025-03-30T03:00:00"),  # CEST, the first moment after
        datetime.fromisoformat("2025-10-26T00:30:00+00:00").timestamp(),  # 02:30 CEST
        datetime.fromisoformat("2025-10-26T01:30:00+00:00").timestamp(),  # 02:30 CET
        datetime.fromisoformat("2025-10-26T01:59:59.900+00:00").timestamp(),  # 02:59:59.9 CET
        local("2025-10-26T03:00:00"),
    ]
    events = EventLog.from_columns(["light.stairs"] * len(stamps), stamps,
                                   [("off", "on")[i % 2] for i in range(len(stamps))])
    ours, theirs = await _summaries(hass, events, 220, local("2025-10-28T00:00"))

    assert_same_summary(ours, theirs)
    sundays = ours.counts["light.stairs"][1]  # both changes happen on a Sunday night
    assert sundays[1] == 1 and sundays[3] == 2 and sundays[2] == 3
    assert sundays.sum() == 6


def _clock_changes(tz: str, year: int) -> list[float]:
    """The instants of ``year`` at which ``tz``'s offset from UTC changes (its DST)."""
    zone = ZoneInfo(tz)
    hours = [datetime(year, 1, 1, tzinfo=UTC).timestamp() + 3600.0 * h for h in range(8761)]
    offsets = [datetime.fromtimestamp(t, zone).utcoffset() for t in hours]
    changes = []
    for before, after, t in zip(offsets, offsets[1:], hours[1:], strict=False):
        if before != after:  # within the hour before t: find the second
            low, high = t - 3600.0, t
            while high - low > 1.0:
                middle = (low + high) / 2
                if datetime.fromtimestamp(middle, zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            changes.append(float(round(high)))
    return changes


@pytest.mark.parametrize("tz", ["Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide",
                                "Australia/Lord_Howe", "America/St_Johns"])
async def test_zones_off_the_whole_hour(hass: HomeAssistant, tz: str) -> None:
    """Zones half or a quarter of an hour off UTC, with southern, northern or half-hour
    daylight saving: the database counts each change in the local hour and kind of day the
    zone's own clock gives it, as the trainer does. (Berlin was the only zone tested; a
    review checked these by script and found no test.)"""
    zone = ZoneInfo(tz)
    day = datetime(2025, 6, 11, 10, tzinfo=zone).timestamp()  # a Wednesday, 10:00
    stamps = {day - 86400.0}  # the first state, where history begins
    for edge in (day, day + 1800.0, day + 3600.0, day + 4 * 86400.0):  # Sunday 10:00 too
        stamps |= {edge - 0.1, edge}
    for change in _clock_changes(tz, 2025):  # none in Kolkata and Kathmandu
        stamps |= {change - 0.1, change, change + 1799.9, change + 1800.0, change + 3599.9}
    ordered = sorted(stamps)
    events = EventLog.from_columns(["light.porch"] * len(ordered), ordered,
                                   [("off", "on")[i % 2] for i in range(len(ordered))])
    end = datetime(2025, 12, 31, tzinfo=zone).timestamp()
    ours, theirs = await _summaries(hass, events, 365, end, tz)

    assert_same_summary(ours, theirs)
    expected = np.zeros((2, 24))
    for stamp in ordered[1:]:  # the zone's own clock, from the standard library
        wall = datetime.fromtimestamp(stamp, zone)
        expected[int(wall.weekday() >= 5), wall.hour] += 1
    np.testing.assert_array_equal(ours.counts["light.porch"], expected)


async def test_window_bounds_and_entity_filter(hass: HomeAssistant) -> None:
    """The window is [start, end); only the entities asked for are counted."""
    end = local("2025-06-09T00:00")
    start = end - 2 * 86400.0
    events = EventLog.from_columns(
        ["light.a", "light.a", "light.a", "light.a", "light.b"],
        [start - 0.001, start, end - 0.001, end, start + 60],
        ["on", "off", "on", "off", "on"],
    )
    await hass.config.async_set_time_zone(BERLIN)
    await async_insert_events(hass, events)
    ours = await async_activity_summary(hass, ["light.a", "light.unknown"], 2, end)
    theirs = summarize_events(events, BERLIN, start, end, entity_ids=["light.a"])
    assert_same_summary(ours, theirs)
    assert ours.counts["light.a"].sum() == 2
    assert ours.days == pytest.approx(2.0)


async def test_history_shorter_than_the_window(hass: HomeAssistant) -> None:
    """A recorder that kept three days covers three days, whatever the window asks."""
    end = local("2025-06-09T00:00")
    events = EventLog.from_columns(
        ["light.a", "light.a", "sensor.other", "sensor.other"],
        [end - 7200.0, end - 3600.0, end - 3 * 86400.0, end - 2 * 86400.0],
        ["off", "on", "11", "12"],
    )
    ours, theirs = await _summaries(hass, events, 10, end)
    assert_same_summary(ours, theirs)
    assert ours.days == pytest.approx(3.0)
    assert set(ours.counts) == {"light.a", "sensor.other"}


async def test_no_history(hass: HomeAssistant) -> None:
    """An empty recorder, a window of 0 days, or no entities: structure only."""
    assert await async_activity_summary(hass, ["light.a"], 10, local("2025-06-09T00:00")) \
        is EMPTY_SUMMARY
    events = EventLog.from_columns(["light.a"], [local("2025-06-08T12:00")], ["on"])
    await async_insert_events(hass, events)
    end = local("2025-06-09T00:00")
    assert await async_activity_summary(hass, ["light.a"], 0, end) is EMPTY_SUMMARY
    assert await async_activity_summary(hass, [], 10, end) is EMPTY_SUMMARY
    assert await async_activity_summary(hass, ["light.b"], 10, end) is EMPTY_SUMMARY


async def test_a_read_on_sqlite_stops_when_home_assistant_stops(
    hass: HomeAssistant, recorder_mock: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recorder's shutdown closes every SQLite connection, ours too, and closing one
    under a running query crashed Home Assistant: a read (the summary's, the export's) ends
    with "interrupted" as soon as Home Assistant is stopping, and reads as before otherwise
    (here SQLite asks at every step, so even this small read is long enough)."""
    if recorder_mock.dialect_name != "sqlite":
        pytest.skip("SQLite's progress handler; the servers' connections are sockets")
    monkeypatch.setattr(activity, "STEPS_PER_LOOK", 1)
    end = local("2025-06-09T00:00")
    events = EventLog.from_columns(["light.a"] * 3, [end - 7200.0, end - 3600.0, end - 60.0],
                                   ["on", "off", "on"])
    ours, theirs = await _summaries(hass, events, 1, end)
    assert_same_summary(ours, theirs)
    instance = get_instance(hass)
    hass.set_state(CoreState.stopping)
    try:
        with pytest.raises(OperationalError, match="interrupted"):
            await async_activity_summary(hass, ["light.a"], 1, end)
        with pytest.raises(OperationalError, match="interrupted"):
            await instance.async_add_executor_job(
                read_events, hass, ["light.a"], (end - 86400.0, end), 100)
    finally:
        hass.set_state(CoreState.running)
    again = await async_activity_summary(hass, ["light.a"], 1, end)
    assert_same_summary(again, theirs)


async def test_the_connection_serves_other_readers_after_a_read_stopped(
    hass: HomeAssistant, recorder_mock: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read's progress handler goes with the read: left on the connection, which the
    recorder's pool gives that thread's next reader, it would stop their queries too."""
    if recorder_mock.dialect_name != "sqlite":
        pytest.skip("SQLite's progress handler; the servers' connections are sockets")
    monkeypatch.setattr(activity, "STEPS_PER_LOOK", 1)

    def stopped_read_then_another() -> bool:
        with activity.read_session(hass, lambda: True) as session:
            ours = session.connection().connection.driver_connection
            with pytest.raises(OperationalError, match="interrupted"):
                session.execute(text("SELECT count(*) FROM states")).scalar()
        with recorder_mock.get_session() as session:
            session.execute(text("SELECT count(*) FROM states")).scalar()  # not interrupted
            return session.connection().connection.driver_connection is ours

    # The same connection, or the test would prove nothing.
    assert await recorder_mock.async_add_executor_job(stopped_read_then_another)


def test_statement_is_portable() -> None:
    """The floor is explicit on every dialect, and GROUP BY repeats the selected text."""
    hour = hour_of_week(3600)
    statement = select(hour).group_by(hour)
    for dialect, floor in (
        (PostgreSQL(), "CAST(FLOOR((states.last_updated_ts + 3600) / CAST(3600 AS FLOAT))"
                       " AS BIGINT)"),
        (MySQL(), "CAST(FLOOR((states.last_updated_ts + 3600) / 3600) AS SIGNED)"),
        (SQLite(), "(CAST((states.last_updated_ts + 3600) / (3600 + 0.0) AS INTEGER) - "
                   "(CAST((states.last_updated_ts + 3600) / (3600 + 0.0) AS INTEGER) > "
                   "(states.last_updated_ts + 3600) / (3600 + 0.0)))"),
    ):
        sql = str(statement.compile(dialect=dialect))
        selected, grouped = sql.split(" \nFROM states GROUP BY ")
        assert floor in selected
        assert selected.removeprefix("SELECT ").rsplit(" AS ", 1)[0] == grouped
        assert ":" not in sql and "?" not in sql and "%(" not in sql  # no bound parameters


def test_a_database_error_is_its_first_line_only() -> None:
    """PostgreSQL adds lines after its reason: DETAIL and HINT, with the values concerned,
    which are the home's entity ids. Logs, errors and diagnostics show the reason alone."""
    reason = ('relation "states" does not exist\nDETAIL:  light.bedroom_2, lock.front_door\n'
              "HINT:  see the manual")
    err = OperationalError("SELECT states.state FROM states", {"id": 1}, Exception(reason))
    assert activity.database_error_text(err) == 'relation "states" does not exist'
    assert activity.database_error_text(OperationalError("SELECT", {}, Exception(""))) == (
        "OperationalError")


def test_states_compare_as_bytes_on_mysql_only() -> None:
    """MySQL's and MariaDB's collations would take Idle for idle (the next test runs on a
    real server only in MariaDB's leg): there, and only there, states are cast to bytes."""
    changes = activity.window_changes([1], 0.0, 1.0, dialect="mysql")
    statement = select(changes.c.state).where(*activity.counted(changes))
    # ``mysql://`` gives SQLAlchemy's mysql dialect; ``mariadb://`` its mariadb one.
    for dialect in (MySQL(), MariaDB()):
        mysql_sql = str(statement.compile(dialect=dialect))
        assert ("CAST(changes.previous_state AS BINARY) != CAST(changes.state AS BINARY)"
                in mysql_sql), dialect.name
        # Every state read against unavailable/unknown: the window's rows, the row that
        # old_state_id names, and the entity's latest earlier row.
        for row in ("states", "old_row", "earlier_row"):
            assert f"CAST({row}.state AS BINARY) NOT IN" in mysql_sql, (dialect.name, row)
        assert mysql_sql.count("NOT IN") == 3, dialect.name
    for form, dialect in (("postgresql", PostgreSQL()), ("sqlite", SQLite())):
        changes = activity.window_changes([1], 0.0, 1.0, dialect=form)
        sql = str(select(changes.c.state).where(*activity.counted(changes))
                  .compile(dialect=dialect))
        assert "BINARY" not in sql and "changes.previous_state != changes.state" in sql


async def test_attribute_updates_are_not_changes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Rows the recorder writes for attributes alone count for nothing, in the summary and in
    an exported home: the home files hold changes of state only, and a thermostat reporting
    its temperature every few minutes would otherwise outweigh every light of the home."""
    await hass.config.async_set_time_zone(BERLIN)
    start = local("2025-06-08T10:00")
    freezer.move_to(datetime.fromtimestamp(start - 60, UTC))
    hass.states.async_set("climate.hall", "off", {"current_temperature": 19.0})
    hass.states.async_set("light.desk", "off", {})
    freezer.tick(60)
    hass.states.async_set("climate.hall", "heat", {"current_temperature": 19.0})
    hass.states.async_set("light.desk", "on", {"brightness": 10})
    for minute in range(1, 11):  # ten measured temperatures, three brightness steps
        freezer.tick(60)
        hass.states.async_set("climate.hall", "heat", {"current_temperature": 19.0 + minute})
        if minute <= 3:
            hass.states.async_set("light.desk", "on", {"brightness": 10 + minute})
    freezer.tick(60)
    hass.states.async_set("light.desk", "off", {})
    await async_wait_recording_done(hass)
    end = start + 23 * 3600.0  # history of a day, less an hour: enough to count (0.9 day)

    summary = await async_activity_summary(hass, ["climate.hall", "light.desk"], 1, end)
    assert {entity: int(grid.sum()) for entity, grid in summary.counts.items()} == {
        "climate.hall": 1, "light.desk": 2}
    events, _ = await get_instance(hass).async_add_executor_job(
        read_events, hass, ["climate.hall", "light.desk"], (start - 1.0, end), 100)
    # The changes, each entity's led by the state it changed from (written before the window).
    assert sorted(zip([events.entities[i] for i in events.index], events.states,
                      strict=True)) == [
        ("climate.hall", "heat"), ("climate.hall", "off"),
        ("light.desk", "off"), ("light.desk", "off"), ("light.desk", "on")]
    assert events.timestamps.min() == start - 60

    # Older recorder schemas wrote a change of state with last_changed_ts equal to
    # last_updated_ts, not NULL: a database kept since then counts its rows alike.
    def as_older_schemas_wrote() -> None:
        with get_instance(hass).get_session() as session:
            session.execute(text("UPDATE states SET last_changed_ts = last_updated_ts "
                                 "WHERE last_changed_ts IS NULL"))
            session.commit()

    await get_instance(hass).async_add_executor_job(as_older_schemas_wrote)
    older = await async_activity_summary(hass, ["climate.hall", "light.desk"], 1, end)
    assert {entity: int(grid.sum()) for entity, grid in older.counts.items()} == {
        "climate.hall": 1, "light.desk": 2}


async def _a_restart_and_dropouts(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> float:
    """A light that drops off the network and has no state for a while, a lock, and then a
    start of Home Assistant; returns a time 23 hours after the first of them: a day's window
    that holds them all, and enough history to count (less than 0.9 day counts as none).

    The light is switched once while it is off the network, and comes back as it was once.
    """
    await hass.config.async_set_time_zone(BERLIN)
    start = local("2025-06-08T10:00")
    freezer.move_to(datetime.fromtimestamp(start, UTC))
    for state in ("off", "on", "unavailable", "off", "on", "unknown", "on", "off"):
        hass.states.async_set("light.desk", state)
        freezer.tick(60)
    hass.states.async_set("lock.door", "locked")
    freezer.tick(60)
    await async_wait_recording_done(hass)
    # Home Assistant restarts: a row for each entity, linked to nothing. The light is as it
    # was; the lock was opened while Home Assistant was off.
    restart = start + 3600.0
    await async_insert_events(hass, EventLog.from_columns(
        ["light.desk", "lock.door"], [restart, restart], ["off", "unlocked"]))
    return start + 23 * 3600.0


async def test_restarts_and_unavailable_are_not_activity(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Only a change from one known state to another counts, in the summary and the export.

    Not the row the recorder writes for every entity when Home Assistant starts -- it has no
    link to the row before (``old_state_id``), and repeats that row's state unless the state
    changed while Home Assistant was off -- nor ``unavailable`` or ``unknown``: a device
    dropping off the network is not the home's activity. But a state it comes back with is
    compared with the one it had before, and counts if it differs: the light was switched
    meanwhile. The trainer counts the exported file as the sensor counted the database.
    """
    end = await _a_restart_and_dropouts(hass, freezer)
    entity_ids = ["light.desk", "lock.door"]
    summary = await async_activity_summary(hass, entity_ids, 1, end)
    # The light: off -> on, on -> (unavailable) -> off, off -> on and on -> off, not on ->
    # (unknown) -> on; the lock: unlocked while Home Assistant was off, counted when it started.
    assert {entity: int(grid.sum()) for entity, grid in summary.counts.items()} == {
        "light.desk": 4, "lock.door": 1}
    events, oldest = await get_instance(hass).async_add_executor_job(
        read_events, hass, entity_ids, (end - 86400.0, end), 100)
    assert_same_summary(
        summarize_events(events, BERLIN, end - 86400.0, end, history_start=oldest), summary)


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
async def test_the_row_before_is_found_alike_on_every_database(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, dialect: str
) -> None:
    """PostgreSQL and MariaDB find each row's row before with LAG, SQLite by its link: both
    ways count the same rows, at a start, after ``unavailable`` and at an entity's first row.

    SQLite has LAG too, so the other databases' form runs here as well, on the same rows: a
    whole day, and a window that begins as the light drops off, so that the state it comes
    back with is compared with one from before the window, past the ``unavailable`` row.
    """
    end = await _a_restart_and_dropouts(hass, freezer)
    ids = list(await get_instance(hass).async_add_executor_job(
        _metadata_ids, hass, ["light.desk", "lock.door"]))

    columns = ("metadata_id", "last_updated_ts", "previous_time")
    light_on = end - 23 * 3600.0 + 60.0  # the light's state before it drops off
    # The light's four changes and the lock's one; the later window misses the light's first.
    for start, changes in ((end - 86400.0, 5), (light_on + 30.0, 4)):
        by_link = await _counted(hass, ids, (start, end), "sqlite", columns)
        assert len(by_link) == changes
        assert light_on in {previous for _, _, previous in by_link}
        assert await _counted(hass, ids, (start, end), dialect, columns) == by_link
    statement = select(activity.window_changes([1], 0.0, 1.0, dialect=dialect))
    assert "lag(" in str(statement.compile(dialect=DIALECTS[dialect])).lower()
    assert "lag(" not in str(select(activity.window_changes(
        [1], 0.0, 1.0, dialect="sqlite")).compile(dialect=SQLite())).lower()


async def test_a_change_the_recorder_missed_is_counted_on_sqlite_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The state an entity changed to while the recorder was disabled is first written by a
    row of attributes alone; the change back from it counts on SQLite, which follows the
    row's ``old_state_id`` there, and not where LAG runs over the changes alone (PostgreSQL,
    MariaDB): the difference :func:`activity.window_changes` documents and accepts.

    The television is switched on while ``recorder.disable`` holds, so no row says so; its
    volume then moves (a row with the new state, that is no change of state itself), and it
    is switched off: a change from ``playing``, as the row's link says.
    """
    await hass.config.async_set_time_zone(BERLIN)
    start = local("2025-06-08T10:00")
    freezer.move_to(datetime.fromtimestamp(start, UTC))
    hass.states.async_set("media_player.tv", "off", {"volume_level": 0.1})
    await async_wait_recording_done(hass)
    await hass.services.async_call("recorder", "disable", blocking=True)
    await async_wait_recording_done(hass)
    freezer.tick(60)
    hass.states.async_set("media_player.tv", "playing", {"volume_level": 0.1})
    await async_wait_recording_done(hass)
    await hass.services.async_call("recorder", "enable", blocking=True)
    await async_wait_recording_done(hass)
    freezer.tick(60)
    volume_moved = start + 120.0
    hass.states.async_set("media_player.tv", "playing", {"volume_level": 0.3})
    freezer.tick(60)
    switched_off = start + 180.0
    hass.states.async_set("media_player.tv", "off", {"volume_level": 0.3})
    await async_wait_recording_done(hass)
    end = start + 23 * 3600.0
    ids = list(await get_instance(hass).async_add_executor_job(
        _metadata_ids, hass, ["media_player.tv"]))

    summary = await async_activity_summary(hass, ["media_player.tv"], 1, end)
    by_link = get_instance(hass).dialect_name == "sqlite"
    assert {entity: int(grid.sum()) for entity, grid in summary.counts.items()} == (
        {"media_player.tv": 1} if by_link else {})

    columns = ("last_updated_ts", "previous_state", "previous_time")
    # A window from before the television was first recorded: LAG passes over the row.
    counted = [(switched_off, "playing", volume_moved)]
    for form, found in (("sqlite", counted), ("postgresql", []), ("mysql", [])):
        assert await _counted(hass, ids, (start - 60.0, end), form, columns) == found, form
    # One from between its last two rows: the link is all there is, on every database.
    for form in ("sqlite", "postgresql", "mysql"):
        assert await _counted(hass, ids, (switched_off - 30.0, end), form, columns) == \
            counted, form


async def test_states_are_compared_as_written(hass: HomeAssistant) -> None:
    """A state that changes only by case, accent or a trailing space is a change, and
    ``Unavailable`` is a state, on every database, as the trainer counts them.

    MariaDB and MySQL compare text by the table's collation, which Home Assistant makes
    ``utf8mb4_unicode_ci``: there ``Idle`` equals ``idle``, ``café`` equals ``cafe`` and
    ``on `` equals ``on``, while SQLite, PostgreSQL and the trainer tell them apart.
    """
    start = local("2025-06-09T08:00")
    states = ["idle", "Idle", "cafe", "café", "on", "on ", "Unavailable", "Unknown", "off"]
    events = EventLog.from_columns(["sensor.mood"] * len(states),
                                   [start + 60.0 * i for i in range(len(states))], states)
    ours, theirs = await _summaries(hass, events, 1, start + 23 * 3600.0)
    assert int(theirs.counts["sensor.mood"].sum()) == len(states) - 1
    assert_same_summary(ours, theirs)


async def _counted(hass: HomeAssistant, ids: list[int], window: tuple[float, float],
                   form: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The ``columns`` of the changes the summary counts in ``window``, as found by the query
    of dialect ``form`` (run on whichever database the test has: SQLite has LAG too)."""

    def read() -> list[tuple[Any, ...]]:
        with activity.read_session(hass) as session:
            changes = activity.window_changes(ids, *window, dialect=form, previous_time=True)
            statement = select(*(changes.c[name] for name in columns)).where(
                *activity.counted(changes))
            return sorted(session.execute(statement).tuples())

    return await get_instance(hass).async_add_executor_job(read)


def _metadata_ids(hass: HomeAssistant, entity_ids: list[str]) -> dict[int, str]:
    with activity.read_session(hass) as session:
        return activity.metadata_ids(session, entity_ids, 100)


async def test_reads_on_postgresql_run_without_jit(
    hass: HomeAssistant, recorder_mock: Recorder
) -> None:
    """PostgreSQL compiled the read with JIT for longer than the read took (module doc)."""
    if recorder_mock.dialect_name != "postgresql":
        pytest.skip("PostgreSQL only: its leg of scripts/test runs it")

    def jit() -> str:
        with activity.read_session(hass) as session:
            return str(session.execute(text("SHOW jit")).scalar())

    assert await recorder_mock.async_add_executor_job(jit) == "off"
