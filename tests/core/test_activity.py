"""Activity summary: DST segments, local hour buckets at their edges, per-day normalisation."""

from __future__ import annotations

from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from custom_components.home_type.core import activity as activity_module
from custom_components.home_type.core.activity import (
    EMPTY_SUMMARY,
    ActivitySummary,
    counted_changes,
    hours_covered,
    local_hour_buckets,
    summarize_events,
    summary_from_buckets,
    summary_of,
    utc_offset_segments,
)
from custom_components.home_type.core.snapshot import EventLog

BERLIN = "Europe/Berlin"


def ts(text: str, tz: str = BERLIN) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


def test_segments_split_at_dst_changes() -> None:
    start, end = ts("2025-03-20T00:00"), ts("2025-11-10T00:00")
    segments = utc_offset_segments(BERLIN, start, end)
    assert [s.offset for s in segments] == [3600, 7200, 3600]
    assert segments[1].start == ts("2025-03-30T03:00")  # 02:00 CET jumps to 03:00 CEST
    assert segments[2].start == ts("2025-10-26T02:00", "UTC") - 3600  # 03:00 CEST → 02:00 CET
    assert segments[0].start == start and segments[-1].end == end


@pytest.mark.parametrize("late", [1.0, 1234.567, 3601.0])
def test_a_change_is_found_to_the_second_whatever_second_the_window_starts(late: float) -> None:
    """The search for a change runs from the window's start: one that starts at an odd
    second finds the change where it is, not a second after it."""
    start = ts("2025-03-20T00:00") + late
    segments = utc_offset_segments(BERLIN, start, ts("2025-04-20T00:00"))
    assert [s.offset for s in segments] == [3600, 7200]
    assert segments[1].start == ts("2025-03-30T03:00")


def test_clocks_that_change_twice_within_weeks_are_cut_at_both() -> None:
    """Morocco leaves summer time for Ramadan, five weeks in 2026: a search that stepped over
    both changes would read the whole window in one offset."""
    segments = utc_offset_segments("Africa/Casablanca", ts("2026-02-01T00:00", "UTC"),
                                   ts("2026-05-01T00:00", "UTC"))
    assert [s.offset for s in segments] == [3600, 0, 3600]
    assert [s.start for s in segments[1:]] == [ts("2026-02-15T02:00", "UTC"),
                                               ts("2026-03-22T02:00", "UTC")]


def test_no_dst_zone_is_one_segment() -> None:
    segments = utc_offset_segments("America/Phoenix", 0.0, 200 * 86400.0)
    assert len(segments) == 1 and segments[0].offset == -7 * 3600


def test_empty_window_has_no_segments() -> None:
    """A window that ends where it starts (or before) covers no time, in any zone."""
    assert utc_offset_segments(BERLIN, 1_700_000_000.0, 1_700_000_000.0) == []
    assert utc_offset_segments(BERLIN, 1_700_000_000.0, 1_600_000_000.0) == []


@pytest.mark.parametrize(
    ("local", "hour"),
    [("2025-06-02T09:59:59.900", 9), ("2025-06-02T10:00:00", 10),
     ("2025-06-02T23:59:59.900", 23), ("2025-06-03T00:00:00", 0)],
)
def test_hour_bucket_edges(local: str, hour: int) -> None:
    t = ts(local)
    buckets = local_hour_buckets(np.array([t]), utc_offset_segments(BERLIN, t - 10, t + 10))
    assert buckets[0] % 24 == hour


def test_the_first_hours_of_1970_west_of_utc_are_the_evening_before() -> None:
    """The format's times start at 1970-01-01T00:00Z, which is 19:00 on 31 December in New
    York: a local time before the epoch is rounded down to its hour, not toward zero."""
    stamp = 1800.0  # 00:30 UTC, 19:30 in New York
    buckets = local_hour_buckets(np.array([stamp]),
                                 utc_offset_segments("America/New_York", 0.0, 3600.0))
    assert buckets[0] % 24 == 19


def test_hours_across_spring_forward() -> None:
    before, after = ts("2025-03-30T01:30"), ts("2025-03-30T03:30")
    buckets = local_hour_buckets(np.array([before, after]),
                                 utc_offset_segments(BERLIN, before - 1, after + 1))
    assert [b % 24 for b in buckets] == [1, 3]


def test_hours_covered() -> None:
    # Monday 00:00 to the next Monday 00:00: every hour five times on weekdays, twice on weekends.
    covered = hours_covered(BERLIN, ts("2025-06-02T00:00"), ts("2025-06-09T00:00"))
    np.testing.assert_allclose(covered, [[5.0] * 24, [2.0] * 24])
    # The week with the autumn change has a 25-hour Sunday: 02:00-03:00 comes twice.
    covered = hours_covered(BERLIN, ts("2025-10-20T00:00"), ts("2025-10-27T00:00"))
    assert covered[1, 2] == pytest.approx(3.0) and covered[1, 3] == pytest.approx(2.0)
    assert covered[0].sum() == pytest.approx(5 * 24.0)
    # A day from Friday 14:30: Friday's hours from 14:30 on, Saturday's until then.
    covered = hours_covered(BERLIN, ts("2025-06-06T14:30"), ts("2025-06-07T14:30"))
    assert covered[0, 14] == pytest.approx(0.5) and covered[1, 14] == pytest.approx(0.5)
    assert covered[0, 15] == 1.0 and covered[1, 15] == 0.0
    assert covered[0, 13] == 0.0 and covered[1, 13] == 1.0
    assert covered.sum() == pytest.approx(24.0)
    # A window that ends where it starts covers nothing.
    empty = hours_covered(BERLIN, ts("2025-06-06T14:30"), ts("2025-06-06T14:30"))
    assert empty.shape == (2, 24) and not empty.any()


def test_summary_counts_by_hour_and_kind_of_day() -> None:
    saturday_8 = ts("2025-06-07T08:15")
    monday_8 = ts("2025-06-09T08:15")
    # Each light's first event is the state its record begins with, not a change.
    events = EventLog.from_columns(
        ["light.a", "light.b", "light.a", "light.a", "light.a", "light.b"],
        [saturday_8, saturday_8, saturday_8 + 60, monday_8, monday_8 + 60, monday_8 + 3600],
        ["off", "off", "on", "off", "on", "on"],
    )
    start, end = ts("2025-06-07T00:00"), ts("2025-06-10T00:00")
    summary = summarize_events(events, BERLIN, start, end)
    assert summary.weekday_days == pytest.approx(1.0)
    # History starts at the first state kept, Saturday 08:15, not at the window's start.
    assert summary.weekend_days == pytest.approx(2.0 - 8.25 / 24)
    assert summary.counts["light.a"][1, 8] == 1 and summary.counts["light.a"][0, 8] == 2
    assert summary.counts["light.b"][0, 9] == 1
    # So asking for a longer window changes nothing ...
    longer = summarize_events(events, BERLIN, start - 30 * 86400, end)
    assert longer.days == pytest.approx(summary.days)
    # ... unless the recorder is older than what happened in the window.
    older = summarize_events(events, BERLIN, start, end, history_start=start - 86400)
    assert older.days == pytest.approx(3.0)


def test_a_recorder_read_with_no_change_is_no_history() -> None:
    """The integration's path: a window in which the recorder holds no change gives what a
    home file's window with no change gives, no history (the home is classified from its
    structure), however long the recorder has kept states."""
    end = ts("2025-06-09T00:00")
    assert summary_from_buckets([], BERLIN, end - 10 * 86400, end, end - 30 * 86400) is (
        EMPTY_SUMMARY)
    events = EventLog.from_columns(["light.a"], [end - 20 * 86400], ["on"])
    assert summarize_events(events, BERLIN, end - 10 * 86400, end) is EMPTY_SUMMARY


def test_window_and_entity_filter() -> None:
    events = EventLog.from_columns(["light.a", "light.b", "light.a", "light.b"],
                                   [500.0, 500.0, 1000.0, 2000.0], ["off", "off", "on", "on"])
    assert summarize_events(events, "UTC", 1500.0, 90000.0).counts.keys() == {"light.b"}
    assert summarize_events(events, "UTC", 0.0, 90000.0, ["light.a"]).counts.keys() == {
        "light.a"}
    assert not summarize_events(events, "UTC", 5000.0, 90000.0).has_history


def test_a_few_minutes_is_no_history() -> None:
    events = EventLog.from_columns(["light.a", "light.a"], [1000.0, 1010.0], ["off", "on"])
    summary = summarize_events(events, "UTC", 0.0, 1000.0 + 120)
    assert not summary.has_history and summary.days == 0


def test_window_is_start_inclusive_end_exclusive() -> None:
    """An event at the window's first instant counts, in its local hour; one at its end not."""
    start, end = ts("2025-06-02T10:00"), ts("2025-06-09T10:00")
    events = EventLog.from_columns(["light.a", "light.a", "light.a"],
                                   [start - 100, start, end], ["off", "on", "off"])
    summary = summarize_events(events, BERLIN, start, end)
    assert summary.counts["light.a"].sum() == 1 and summary.counts["light.a"][0, 10] == 1


def test_less_than_a_day_of_history_is_none() -> None:
    """The model never learned from less than a day: a new install's first hours, as rates,
    said its afternoons were quiet. A day's window whose history begins an hour late (Home
    Assistant started after it began) still counts."""
    events = EventLog.from_columns(["light.a", "light.a"], [1000.0, 1001.0], ["off", "on"])
    assert not summarize_events(events, "UTC", 0.0, 1000.0 + 21 * 3600).has_history
    assert summarize_events(events, "UTC", 0.0, 1000.0 + 22 * 3600).has_history
    for late, counts in ((1, True), (3, False)):  # 23 hours of the day, then 21
        begin = late * 3600.0
        events = EventLog.from_columns(["light.a", "light.a"], [begin, begin + 1], ["off", "on"])
        summary = summarize_events(events, "UTC", 0.0, 86400.0, history_start=begin)
        assert summary.has_history == counts, late
    # The bound itself counts: 0.9 of a day is history, a second less is none.
    start = 1_700_000_000.0
    for seconds, counts in ((0.9 * 86400, True), (0.9 * 86400 - 1, False)):
        covered = hours_covered("UTC", start, start + seconds)
        assert ActivitySummary(hours_covered=covered).has_history == counts, seconds


def test_what_counts_as_a_change() -> None:
    """An entity's first state, unavailable and unknown are not; a change across them is.

    A change's previous state is the entity's last one before it that was a state, wherever
    it is in the log: before the window, or before the device dropped off.
    """
    start = ts("2025-06-02T00:00")
    states = ["unknown", "on", "off", "unavailable", "on", "off", "unknown", "unavailable",
              "on"]
    events = EventLog.from_columns(["light.a"] * len(states),
                                   [start + 600.0 * i for i in range(len(states))], states)
    counted = counted_changes(events)
    assert counted.tolist() == [False, False, True, False, True, True, False, False, True]
    # The window starts at the first "off": the "on" before it is still its previous state.
    summary = summarize_events(events, "UTC", start + 1200, start + 2 * 86400)
    assert summary.counts["light.a"].sum() == 4
    # Only the first state of each entity, with nothing after it: no change, no history.
    alone = EventLog.from_columns(["light.a", "light.b"], [start, start + 60], ["on", "on"])
    assert not counted_changes(alone).any()
    assert summarize_events(alone, "UTC", start - 86400, start + 86400) is EMPTY_SUMMARY
    # No state before: coming back from unavailable is where the entity's record begins.
    late = EventLog.from_columns(["lock.a"] * 3, [start, start + 60, start + 120],
                                 ["unavailable", "locked", "unlocked"])
    assert counted_changes(late).tolist() == [False, False, True]


def test_changes_are_worked_out_per_entity_across_the_log() -> None:
    """Entities interleave in time; each event's previous state is its own entity's."""
    events = EventLog.from_columns(
        ["lock.a", "light.b", "lock.a", "light.b", "lock.a", "light.b", "lock.a"],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        ["locked", "unavailable", "unavailable", "on", "unlocked", "off", "locked"])
    assert counted_changes(events).tolist() == [False, False, False, False, True, True, True]


@pytest.mark.parametrize("per_pass", [1, 7, 1000])
def test_summing_a_pass_at_a_time_changes_no_count(
    monkeypatch: pytest.MonkeyPatch, per_pass: int
) -> None:
    """A large export is summarised in passes; every count and entity must be as in one.

    Passes that see no change in the window, an entity whose changes are all outside it, and
    one left out by name are in it, across a DST change.
    """
    rng = np.random.default_rng(3)
    start, end = ts("2025-03-20T00:00"), ts("2025-04-10T00:00")
    stamps = np.sort(rng.uniform(start - 5 * 86400, end + 86400, 600))
    names = rng.choice(["light.a", "light.b", "lock.door", "switch.out"], stamps.size)
    names[(stamps >= start) & (stamps < end) & (names == "switch.out")] = "light.a"
    events = EventLog.from_columns(cast(list[str], names.tolist()), stamps, ["on"] * stamps.size)
    wanted = ["light.a", "light.b", "switch.out"]
    whole = summarize_events(events, BERLIN, start, end, wanted)
    monkeypatch.setattr(activity_module, "CHANGES_PER_PASS", per_pass)
    parts = summarize_events(events, BERLIN, start, end, wanted)
    assert list(parts.counts) == list(whole.counts) == ["light.a", "light.b"]
    for name, grid in whole.counts.items():
        assert np.array_equal(parts.counts[name], grid)
    assert np.array_equal(parts.hours_covered, whole.hours_covered)
    assert sum(grid.sum() for grid in parts.counts.values()) == np.count_nonzero(
        (stamps >= start) & (stamps < end) & np.isin(names, wanted))


def test_a_summary_of_fewer_entities_is_what_a_read_of_them_gives() -> None:
    """The integration classifies an edit that removed entities with the read it has: the
    summary of those left must be the summary of a read of those alone."""
    end = ts("2025-06-09T00:00")
    events = EventLog.from_columns(
        ["light.a", "light.a", "light.b", "light.b"],
        [end - 7200.0, end - 3600.0, end - 5400.0, end - 1800.0], ["on", "off", "on", "off"])
    both = summarize_events(events, BERLIN, end - 86400.0, end, history_start=end - 86400.0)
    only_a = EventLog.from_columns(["light.a", "light.a"], [end - 7200.0, end - 3600.0],
                                   ["on", "off"])
    assert summary_of(both, {"light.a", "light.b", "light.c"}) is both
    kept = summary_of(both, {"light.a"})
    expected = summarize_events(only_a, BERLIN, end - 86400.0, end, history_start=end - 86400.0)
    assert list(kept.counts) == ["light.a"]
    np.testing.assert_array_equal(kept.counts["light.a"], expected.counts["light.a"])
    np.testing.assert_array_equal(kept.hours_covered, expected.hours_covered)
    assert summary_of(both, {"light.c"}) is EMPTY_SUMMARY  # a read of it finds no row
