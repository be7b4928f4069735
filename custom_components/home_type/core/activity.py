"""The activity summary: how often each entity changed state, by local hour and kind of day.

Features never need every event, only this summary. The trainer builds it from a home file's
events (:func:`summarize_events`); the integration builds it inside the recorder's database with an
aggregate query. Both reduce their data to the same columns -- entity, local hour bucket, count
-- plus the time history starts (the oldest state kept), and finish through
:func:`summary_from_arrays`, so the two paths can only differ in the counting itself, which
the parity test checks.

What counts as a change is one rule for both (:func:`counted_changes`): an event counts when
its state is a state -- not ``unavailable`` or ``unknown`` (:data:`NO_STATE`) -- and the entity
had a state before it, the last one it had, however many of those came in between. A home
file's first event of an entity is the state it had when its record began, not a change; a
device dropping off the network and coming back as it was, and an entity starting up with no
state yet, are not the home's activity, but a door that was closed, dropped off and came back
open did open. Home Assistant's recorder writes both in numbers -- a row per entity at every
start, rows to and from ``unavailable`` whenever a device drops off -- and a synthetic home
has neither, so counting them made a real home look busier than the homes the model learnt
from. The recorder's side adds that its row must differ from that last state, which a home
file's events always do (they are changes); see ``activity.py`` of the integration.

A *local hour bucket* is ``floor((utc_epoch_seconds + utc_offset) / 3600)``: hours since the
epoch in the home's wall-clock time. Its remainder by 24 is the local hour, its quotient the
local day (1970-01-01, day 0, was a Thursday). The UTC offset is constant between DST changes,
so a window is cut into segments at those changes (:func:`utc_offset_segments`).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from .snapshot import EventLog

HOURS: Final = 24
SECONDS_PER_HOUR: Final = 3600
SECONDS_PER_DAY: Final = 86400
#: Less history than this is treated as none. The model learned from windows of a day and
#: more: hours a fresh recorder never covered read as hours of no activity (a new install's
#: evening made its afternoon rhythm 0.21 off). 0.9, not 1: a day's window whose history
#: begins an hour late (Home Assistant started after the window did) still counts.
MIN_HISTORY_DAYS: Final = 0.9
_THURSDAY: Final = 3  # weekday (Monday = 0) of 1970-01-01, local day 0
#: States that say Home Assistant had no state for an entity: never a change, nor what one is
#: a change from (module doc).
NO_STATE: Final = ("unavailable", "unknown")
_SEGMENT_STEP: Final = 6 * SECONDS_PER_HOUR  # DST changes are months apart: 6 h steps find them
#: Events :func:`summarize_events` counts at a time. A home file's window is one pass; the
#: export of a large home's 90 days (tens of millions of changes) is many, so its temporaries
#: (times, buckets, grid cells) stay a few megabytes instead of the export's memory peak.
CHANGES_PER_PASS: Final = 1 << 18


@dataclass(frozen=True, slots=True)
class OffsetSegment:
    """A stretch ``[start, end)`` of UTC epoch seconds over which the UTC offset is constant."""

    start: float
    end: float
    offset: int


def _no_hours() -> NDArray[np.float64]:
    """An empty weekday/weekend × local hour grid, the layout of counts and coverage alike."""
    return np.zeros((2, HOURS), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    """State changes per entity, by local hour (columns) on weekdays (row 0) and weekends (row 1).

    ``hours_covered``, in the same layout, says how long the window covered each local hour of
    each kind of day, in hours: a 10-day window that starts at 14:30 covers 14:00-15:00 nine
    and a half times and 15:00-16:00 ten times. Each hour's count is a rate only over its own
    coverage, so where in the day the window starts tilts no rate, and 1 day and 90 days of
    the same routine give the same rates; the rows keep weekdays and weekend days apart, so
    the features can weigh them as a week does, whichever days the window holds.
    """

    hours_covered: NDArray[np.float64] = field(default_factory=_no_hours)
    counts: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    @property
    def weekday_days(self) -> float:
        """Days of weekday history covered."""
        return float(self.hours_covered[0].sum()) / HOURS

    @property
    def weekend_days(self) -> float:
        """Days of weekend history covered."""
        return float(self.hours_covered[1].sum()) / HOURS

    @property
    def days(self) -> float:
        """Days of history covered; 0 means structure only."""
        return float(self.hours_covered.sum()) / HOURS

    @property
    def has_history(self) -> bool:
        """Whether there is enough history for activity features to mean anything."""
        return self.days >= MIN_HISTORY_DAYS


EMPTY_SUMMARY: Final = ActivitySummary()


def summary_of(summary: ActivitySummary, entity_ids: Set[str]) -> ActivitySummary:
    """The summary as a read of ``entity_ids`` alone would give it.

    The counts of the others go; with no change left, it is :data:`EMPTY_SUMMARY`, as a
    read that finds no row is (no history: the home is classified from its structure).
    """
    if summary.counts.keys() <= entity_ids:
        return summary
    counts = {name: grid for name, grid in summary.counts.items() if name in entity_ids}
    return replace(summary, counts=counts) if counts else EMPTY_SUMMARY


@lru_cache(maxsize=64)
def _zone(tz_name: str) -> ZoneInfo:
    return ZoneInfo(tz_name)


def _offset_at(zone: ZoneInfo, ts: float) -> int:
    delta = datetime.fromtimestamp(ts, zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def utc_offset_segments(tz_name: str, start: float, end: float) -> list[OffsetSegment]:
    """Cut ``[start, end)`` at every UTC offset change of the time zone (DST), in order."""
    zone = _zone(tz_name)
    segments: list[OffsetSegment] = []
    if end <= start:
        return segments
    seg_start = start
    offset = _offset_at(zone, start)
    probe = start
    while probe < end:
        nxt = min(probe + _SEGMENT_STEP, end)
        if _offset_at(zone, nxt) != offset and nxt > probe:
            # Offset changes happen on whole seconds: bisect to the first second of the new one.
            low, high = math.floor(probe), math.ceil(nxt)
            while high - low > 1:
                mid = (low + high) // 2
                if _offset_at(zone, mid) == offset:
                    low = mid
                else:
                    high = mid
            change = float(max(high, seg_start))
            if change < end:
                segments.append(OffsetSegment(seg_start, change, offset))
                seg_start = change
                offset = _offset_at(zone, change)
        probe = nxt
    segments.append(OffsetSegment(seg_start, end, offset))
    return segments


def local_hour_buckets(timestamps: NDArray[np.float64],
                       segments: list[OffsetSegment]) -> NDArray[np.int64]:
    """The local hour bucket of each time; every time must lie inside one of the segments."""
    ts = np.asarray(timestamps, dtype=np.float64)
    offsets = np.zeros(ts.shape, dtype=np.float64)
    for segment in segments:
        offsets[(ts >= segment.start) & (ts < segment.end)] = segment.offset
    return np.floor((ts + offsets) / SECONDS_PER_HOUR).astype(np.int64)


def _cells(buckets: NDArray[np.int64]) -> NDArray[np.int64]:
    """Where each local hour bucket falls in a grid, flattened: weekend row, then hour column.

    Local day 0 (1970-01-01) was a Thursday; Saturdays and Sundays are the weekend.
    """
    weekend = ((buckets // HOURS + _THURSDAY) % 7 >= 5).astype(np.int64)
    return weekend * HOURS + buckets % HOURS


def hours_covered(tz_name: str, start: float, end: float) -> NDArray[np.float64]:
    """How long ``[start, end)`` covered each local hour on weekdays and weekends, in hours.

    Row 0 weekdays, row 1 weekends, a column per local hour. Daylight saving is in it: the
    night the clocks go back covers 02:00-03:00 twice, the night they go forward not at all.
    The seconds of each hour are added in time order, a float at a time, so the sums do not
    depend on how many hours the window holds at once.
    """
    buckets: list[NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
    seconds: list[NDArray[np.float64]] = [np.zeros(0, dtype=np.float64)]
    for segment in utc_offset_segments(tz_name, start, end):
        local = segment.start + segment.offset
        local_end = segment.end + segment.offset
        hours = np.arange(math.floor(local / SECONDS_PER_HOUR),
                          math.ceil(local_end / SECONDS_PER_HOUR), dtype=np.int64)
        begins = np.maximum(hours * float(SECONDS_PER_HOUR), local)
        stops = np.minimum((hours + 1) * float(SECONDS_PER_HOUR), local_end)
        buckets.append(hours)
        seconds.append(stops - begins)
    covered = np.bincount(_cells(np.concatenate(buckets)), weights=np.concatenate(seconds),
                          minlength=2 * HOURS)
    return covered.reshape(2, HOURS) / SECONDS_PER_HOUR


def summary_from_buckets(
    rows: Iterable[tuple[str, int, int]],
    tz_name: str,
    window_start: float,
    end: float,
    history_start: float,
) -> ActivitySummary:
    """Finish a summary from ``(entity_id, local_hour_bucket, count)`` rows.

    The rows are taken one at a time into compact arrays (no list of them is ever held: the
    integration streams a database cursor through here) and counted by
    :func:`summary_from_arrays`, as a home file's events are.
    """
    positions: dict[str, int] = {}
    index, buckets, counts = array("q"), array("q"), array("q")
    for entity_id, bucket, count in rows:
        index.append(positions.setdefault(entity_id, len(positions)))
        buckets.append(int(bucket))
        counts.append(int(count))
    return summary_from_arrays(
        tuple(positions), np.frombuffer(index, dtype=np.int64),
        np.frombuffer(buckets, dtype=np.int64), np.frombuffer(counts, dtype=np.int64),
        tz_name, window_start, end, history_start)


def _cell_counts(
    index: NDArray[np.integer[Any]],
    buckets: NDArray[np.integer[Any]],
    counts: NDArray[np.integer[Any]] | None,
    n: int,
) -> NDArray[np.float64]:
    """Changes per entity and cell of the grid, flattened (entity-major): ``n`` grids."""
    cell = np.asarray(index, dtype=np.int64) * (2 * HOURS) + _cells(
        np.asarray(buckets, dtype=np.int64))
    return np.asarray(np.bincount(cell, weights=counts, minlength=n * 2 * HOURS),
                      dtype=np.float64)


def _finish(
    entities: Sequence[str],
    grids: NDArray[np.float64],
    seen: NDArray[np.bool_],
    tz_name: str,
    window_start: float,
    end: float,
    history_start: float,
) -> ActivitySummary:
    by_entity = grids.reshape(len(entities), 2, HOURS)
    counted = {entities[int(i)]: by_entity[i] for i in np.flatnonzero(seen)}
    covered = hours_covered(tz_name, max(window_start, history_start), end)
    summary = ActivitySummary(hours_covered=covered, counts=counted)
    return summary if summary.has_history else EMPTY_SUMMARY


def summary_from_arrays(
    entities: Sequence[str],
    index: NDArray[np.integer[Any]],
    buckets: NDArray[np.integer[Any]],
    counts: NDArray[np.integer[Any]] | None,
    tz_name: str,
    window_start: float,
    end: float,
    history_start: float,
) -> ActivitySummary:
    """Finish a summary from changes in columns; both paths end here.

    ``entities[index[i]]`` changed ``counts[i]`` times (once if ``counts`` is None) in local
    hour bucket ``buckets[i]``. One piece of code tells the hours and kinds of day apart for
    the trainer and the integration. It is vectorised because the trainer calls it two dozen
    times per home file, on up to a hundred thousand changes each. An entity is in the summary
    if it has a change, in the order of ``entities``.

    The window covers ``[max(window_start, history_start), end)``: a recorder that has kept
    three days covers three days, whatever the window asked for. ``history_start`` is the oldest
    state kept (Home Assistant: the recorder's oldest row; a home file: its first event).
    """
    if not len(index):
        return EMPTY_SUMMARY
    n = len(entities)
    return _finish(entities, _cell_counts(index, buckets, counts, n),
                   np.bincount(index, minlength=n) > 0,
                   tz_name, window_start, end, history_start)


def counted_changes(events: EventLog) -> NDArray[np.bool_]:
    """Which events of a log count as changes (module doc), one flag per event.

    The log is in time order, so an event's previous state is the one of the entity's last
    event with a state before it in the log -- wherever that is, in the window or before it.
    Worked out once per log and kept on it: the trainer cuts two dozen windows from each.
    """
    if events.counted is None:
        events.counted = _counted_changes(events)
    return events.counted


def _counted_changes(events: EventLog) -> NDArray[np.bool_]:
    known = np.fromiter((state not in NO_STATE for state in events.states), dtype=bool,
                        count=len(events))
    counted: NDArray[np.bool_] = events.previous_events(among=known) >= 0
    return counted


def summarize_events(
    events: EventLog,
    tz_name: str,
    window_start: float,
    end: float,
    entity_ids: Iterable[str] | None = None,
    history_start: float | None = None,
) -> ActivitySummary:
    """Summarise the changes in ``[window_start, end)``, of ``entity_ids`` only if given.

    History starts at ``history_start`` if given, else at the log's first event. Only the
    events :func:`counted_changes` names count.
    """
    if not len(events):
        return EMPTY_SUMMARY
    if history_start is None:
        history_start = float(events.timestamps.min())
    keep = None
    if entity_ids is not None:
        wanted = set(entity_ids)
        keep = np.array([name in wanted for name in events.entities], dtype=bool)
    segments = utc_offset_segments(tz_name, window_start, end)
    counted = counted_changes(events)
    n = len(events.entities)
    grids = np.zeros(n * 2 * HOURS, dtype=np.float64)
    # Counts only add up, so a pass at a time gives the same sums (whole numbers, exact in a
    # float), and only one pass's temporaries are ever held.
    for first in range(0, len(events), CHANGES_PER_PASS):
        ts = events.timestamps[first:first + CHANGES_PER_PASS]
        index = events.index[first:first + CHANGES_PER_PASS]
        mask = (ts >= window_start) & (ts < end) & counted[first:first + CHANGES_PER_PASS]
        if keep is not None:
            mask &= keep[index]
        if not mask.all():
            ts, index = ts[mask], index[mask]
        if len(index):
            grids += _cell_counts(index, local_hour_buckets(ts, segments), None, n)
    seen = grids.reshape(n, -1).sum(axis=1) > 0  # each change counted one
    if not seen.any():
        return EMPTY_SUMMARY
    return _finish(events.entities, grids, seen, tz_name, window_start, end, history_start)
