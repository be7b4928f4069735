"""The activity summary: how often each entity changed state, by local hour and kind of day.

Features never need every event, only this summary. The trainer builds it from a home file's
events (:func:`summarize_events`); the integration builds it inside the recorder's database with an
aggregate query. Both reduce their data to the same rows -- entity, local hour bucket, count --
plus the time history starts (the oldest state kept), and finish through
:func:`summary_from_buckets`, so the two paths can only differ in the counting itself, which
the parity test checks.

A *local hour bucket* is ``floor((utc_epoch_seconds + utc_offset) / 3600)``: hours since the
epoch in the home's wall-clock time. Its remainder by 24 is the local hour, its quotient the
local day (1970-01-01, day 0, was a Thursday). The UTC offset is constant between DST changes,
so a window is cut into segments at those changes (:func:`utc_offset_segments`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from .snapshot import EventLog

HOURS: Final = 24
SECONDS_PER_HOUR: Final = 3600
SECONDS_PER_DAY: Final = 86400
#: Less history than this is treated as none: rates from a few minutes are noise.
MIN_HISTORY_DAYS: Final = 1.0 / 24.0
_THURSDAY: Final = 3  # weekday (Monday = 0) of 1970-01-01, local day 0
_SEGMENT_STEP: Final = 6 * SECONDS_PER_HOUR  # DST changes are months apart: 6 h steps find them


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
    history are comparable.
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


def _kind_of_day(day: int) -> int:
    """0 for a weekday, 1 for a weekend day, of a local day number (day 0 a Thursday)."""
    return 1 if (day + _THURSDAY) % 7 >= 5 else 0


def hours_covered(tz_name: str, start: float, end: float) -> NDArray[np.float64]:
    """How long ``[start, end)`` covered each local hour on weekdays and weekends, in hours.

    Row 0 weekdays, row 1 weekends, a column per local hour. Daylight saving is in it: the
    night the clocks go back covers 02:00-03:00 twice, the night they go forward not at all.
    """
    covered = _no_hours()
    for segment in utc_offset_segments(tz_name, start, end):
        local = segment.start + segment.offset
        local_end = segment.end + segment.offset
        while local < local_end:
            bucket = math.floor(local / SECONDS_PER_HOUR)
            stop = min((bucket + 1) * SECONDS_PER_HOUR, local_end)
            day, hour = divmod(bucket, HOURS)
            covered[_kind_of_day(day), hour] += stop - local
            local = stop
    return covered / SECONDS_PER_HOUR


def summary_from_buckets(
    rows: Iterable[tuple[str, int, int]],
    tz_name: str,
    window_start: float,
    end: float,
    history_start: float,
) -> ActivitySummary:
    """Finish a summary from ``(entity_id, local_hour_bucket, count)`` rows.

    The window covers ``[max(window_start, history_start), end)``: a recorder that has kept
    three days covers three days, whatever the window asked for. ``history_start`` is the oldest
    state kept (Home Assistant: the recorder's oldest row; a home file: its first event).
    """
    counts: dict[str, NDArray[np.float64]] = {}
    for entity_id, bucket, count in rows:
        grid = counts.get(entity_id)
        if grid is None:
            grid = counts[entity_id] = _no_hours()
        day, hour = divmod(int(bucket), HOURS)
        grid[_kind_of_day(day), hour] += count
    if not counts:
        return EMPTY_SUMMARY
    covered = hours_covered(tz_name, max(window_start, history_start), end)
    summary = ActivitySummary(hours_covered=covered, counts=counts)
    return summary if summary.has_history else EMPTY_SUMMARY


def summarize_events(
    events: EventLog,
    tz_name: str,
    window_start: float,
    end: float,
    entity_ids: Iterable[str] | None = None,
    history_start: float | None = None,
) -> ActivitySummary:
    """Summarise the events in ``[window_start, end)``, of ``entity_ids`` only if given.

    History starts at ``history_start`` if given, else at the log's first event.
    """
    if not len(events):
        return EMPTY_SUMMARY
    if history_start is None:
        history_start = float(events.timestamps.min())
    ts = events.timestamps
    mask = (ts >= window_start) & (ts < end)
    if entity_ids is not None:
        wanted = set(entity_ids)
        keep = np.array([name in wanted for name in events.entities], dtype=bool)
        if keep.size:
            mask &= keep[events.index]
    if not mask.any():
        return EMPTY_SUMMARY
    ts = ts[mask]
    index = events.index[mask].astype(np.int64)
    buckets = local_hour_buckets(ts, utc_offset_segments(tz_name, window_start, end))
    base = int(buckets.min())
    span = int(buckets.max()) - base + 1
    unique, count = np.unique(index * span + (buckets - base), return_counts=True)
    rows = (
        (events.entities[k // span], k % span + base, c)
        for k, c in zip(unique.tolist(), count.tolist(), strict=True)
    )
    return summary_from_buckets(rows, tz_name, window_start, end, history_start)
