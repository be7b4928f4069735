"""The live home's activity summary, counted inside the recorder's database.

A home keeps hundreds of thousands of state rows; loading them as ``State`` objects would take
seconds and a lot of memory. The database counts them instead: one aggregate query per stretch
of constant UTC offset (DST cuts a window into at most a few), grouped by entity and local hour,
filtered to the window and to the home's entities, so the index on ``(metadata_id,
last_updated_ts)`` finds the rows, and to the rows that are changes (:func:`counted`):
not the rows the recorder writes for attributes alone, nor the one it writes for every entity
at every start, nor ``unavailable`` and ``unknown``, nor the state a device comes back with
if it had it before. That costs a read of each row and of the entity's last state before it.
The rows it returns go through the core's :func:`summary_from_buckets`, and on to the same
code as the trainer's events.

Only SQLAlchemy Core constructs are used, and the one operation databases disagree on -- turning
a float into an integer (SQLite truncates, PostgreSQL and MySQL round) -- is compiled per
dialect to an explicit floor.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import batched
from typing import Any

from homeassistant.components.recorder.db_schema import States, StatesMeta
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from sqlalchemy import ColumnElement, Subquery, and_, func, literal_column, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import BigInteger, Float, Integer, String

from .core.activity import (
    EMPTY_SUMMARY,
    HOURS,
    NO_STATE,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    ActivitySummary,
    OffsetSegment,
    summary_from_buckets,
    utc_offset_segments,
)

#: Hours in a week. The summary needs only the local hour and the weekday of each change, and
#: both survive ``bucket mod 168`` (a week is 7 whole days, 1970-01-01 fixing the weekday), so
#: the database groups by hour of the week: at most 168 rows per entity, whatever the window.
HOURS_PER_WEEK = 7 * HOURS
ROWS_PER_FETCH = 1024


#: SQLite virtual machine steps between two looks at whether Home Assistant is stopping. A
#: look is Python, so the query's thread must take the GIL back for it, and while the event
#: loop holds it that can take up to the switch interval (5 ms). A large home's 10-day read
#: ran 195 million steps in 25 s: a look every ~0.1 s stops it at once and costs next to nothing.
STEPS_PER_LOOK = 1_000_000


def never_stop() -> bool:
    """The ``stop`` of a read that only Home Assistant's stop ends."""
    return False


@contextmanager
def read_session(
    hass: HomeAssistant, stop: Callable[[], bool] = never_stop
) -> Iterator[Session]:
    """A recorder session for reading, closed on exit; recorder executor only.

    Not ``session_scope``: it logs every failed query with a traceback before raising it, so
    a database that stays down would put one in the log each hour. Home Type reports the
    failure itself, once (the coordinator logs when it breaks and when it recovers).

    On SQLite a read stops when Home Assistant stops: the recorder's shutdown closes every
    connection of its pool, ours included, and closing one under a running query crashed
    Home Assistant (a segmentation fault, 3 times in 4, in a 10-day read of a large home's
    90-day database) or held its stop up for 16-20 s (a 10-day database, 4 times in 4). SQLite
    asks a progress handler every :data:`STEPS_PER_LOOK` steps whether to go on; ours says no
    once Home Assistant is stopping, or once ``stop()`` says so, and the query ends at once
    with "interrupted". The coordinator's ``stop`` is its entry's unloading: a reload (each
    save of the options) otherwise ran its first read beside the old entry's, still busy in
    the recorder's executor for tens of seconds on a large home.

    On PostgreSQL the read's transaction runs without JIT compilation. The planner prices the
    lookups of each entity's row before the window (:func:`window_changes`) as if they ran for
    every row, which puts the query over the JIT threshold, and compiling then took 0.5-1.1 s
    of a read that takes 0.3 s without it (10 days of a million-row home).
    """
    with get_instance(hass).get_session() as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":  # pragma: no cover - PostgreSQL's leg
            connection.execute(text("SET LOCAL jit = off"))  # until this read's rollback
        driver = connection.connection.driver_connection
        sqlite = driver if isinstance(driver, sqlite3.Connection) else None
        if sqlite is not None:
            sqlite.set_progress_handler(lambda: hass.is_stopping or stop(), STEPS_PER_LOOK)
        try:
            yield session
        finally:
            if sqlite is not None:
                # The connection serves the recorder's other readers after this one.
                sqlite.set_progress_handler(None, 0)


def read_stopped(err: SQLAlchemyError) -> bool:
    """Whether ``err`` is a read's own stop (:func:`read_session`): SQLite's "interrupted".

    Only that error is Home Assistant's stop, or the entry's unload, and not a fault: any
    other -- on a server's database too, which no progress handler stops -- is the database's.
    """
    cause = getattr(err, "orig", None)  # the driver's error, under SQLAlchemy's DBAPIError
    return isinstance(cause, sqlite3.OperationalError) and str(cause) == "interrupted"


def database_error_text(err: SQLAlchemyError) -> str:
    """The database's own one-line reason, e.g. "database is locked".

    ``str(err)`` adds the SQL and its parameters -- the recorder's engine does not hide them,
    and the states_meta lookup's parameters are the home's entity ids -- which have no place
    in a log line, an action's error or diagnostics meant to be shared.
    """
    reason = str(getattr(err, "orig", None) or err).strip()
    return reason.splitlines()[0] if reason else type(err).__name__


class floor_int(FunctionElement[int]):
    """``floor(x)`` as an integer on every database the recorder supports."""

    type = BigInteger()
    name = "floor_int"
    inherit_cache = True


@compiles(floor_int)
def _floor_int_default(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL (and the SQL standard): FLOOR gives a double, then a cast that cannot round."""
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS BIGINT)"


@compiles(floor_int, "mysql")
@compiles(floor_int, "mariadb")
def _floor_int_mysql(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    """MySQL and MariaDB cast to SIGNED, not BIGINT."""
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS SIGNED)"


@compiles(floor_int, "sqlite")
def _floor_int_sqlite(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite may lack FLOOR; its cast truncates, so step down one where that went up."""
    value = compiler.process(element.clauses, **kw)
    return f"(CAST({value} AS INTEGER) - (CAST({value} AS INTEGER) > {value}))"


class exact_text(FunctionElement[str]):
    """A text to compare character for character: case, accents and spaces count.

    As SQLite, PostgreSQL and the trainer compare states. MySQL and MariaDB compare text by
    its collation, and Home Assistant creates the recorder's tables with
    ``utf8mb4_unicode_ci``, where ``Idle`` equals ``idle``, ``café`` equals ``cafe`` and
    ``on `` equals ``on``, and ``Unknown`` would be no state.
    """

    type = String()
    name = "exact_text"
    inherit_cache = True


@compiles(exact_text)
def _exact_text_default(element: exact_text, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite's and PostgreSQL's (deterministic) collations already compare byte for byte."""
    return str(compiler.process(element.clauses, **kw))


@compiles(exact_text, "mysql")
@compiles(exact_text, "mariadb")
def _exact_text_mysql(element: exact_text, compiler: SQLCompiler, **kw: Any) -> str:
    """Bytes compare as bytes. Not ``COLLATE utf8mb4_bin``: an older table's utf8mb3 refuses it."""
    return f"CAST({compiler.process(element.clauses, **kw)} AS BINARY)"


def a_state(column: Any) -> ColumnElement[bool]:
    """Rows whose ``column`` is a state: not ``unavailable`` or ``unknown``, as written."""
    return exact_text(column).not_in(NO_STATE)


def hour_of_week(offset: int, time: Any = States.last_updated_ts) -> ColumnElement[int]:
    """Compute the local hour of the week of ``time`` (``last_updated_ts``) for a UTC ``offset``.

    ``floor((ts + offset) / 3600)`` is the core's local hour bucket, computed with the same
    float operations as numpy does on the trainer's side. Constants are literal SQL, not bound
    parameters: PostgreSQL only matches the GROUP BY expression to the selected one when both
    are the same text.
    """
    local = time + literal_column(str(int(offset)), Integer())
    # A float divisor: SQLAlchemy then divides in double precision on every dialect
    # (CAST(3600 AS FLOAT) on PostgreSQL, 3600 + 0.0 on SQLite), as numpy does.
    bucket = floor_int(local / literal_column(str(SECONDS_PER_HOUR), Float()))
    return bucket % literal_column(str(HOURS_PER_WEEK), Integer())


def state_changed() -> ColumnElement[bool]:
    """Rows that are a change of state, not an update of attributes alone.

    The recorder also writes a row when only attributes change (a thermostat's measured
    temperature, a media player's position, a light's brightness), with ``last_changed_ts``
    set to the earlier change of state; a change of state leaves it NULL (equal, in rows of
    older schemas). The summary counts changes of state, as the home files and the trainer
    do; counting every row would make a thermostat look busier than any light. The same test
    as Home Assistant's own history uses for significant changes.
    """
    return or_(
        States.last_changed_ts.is_(None), States.last_changed_ts == States.last_updated_ts
    )


#: The entity's last state before a row of ``states``, when it is not in the window read: the
#: row its ``old_state_id`` names, or else the latest earlier row of its entity with a state.
_OLD_ROW = aliased(States, name="old_row")
_EARLIER_ROW = aliased(States, name="earlier_row")


def _linked(column: Any, rows: Subquery) -> ColumnElement[Any]:
    """``column`` of the row that a row's ``old_state_id`` names, if it has a state.

    Found by its primary key. NULL if that row is ``unavailable`` or ``unknown``: the state
    before those is further back, where :func:`_earlier` looks. PostgreSQL and MariaDB only;
    SQLite joins that row (:func:`window_changes`).
    """
    return (
        select(column)
        .where(_OLD_ROW.state_id == rows.c.old_state_id, a_state(_OLD_ROW.state))
        .correlate(rows)
        .scalar_subquery()
    )


def _earlier(column: Any, rows: Subquery) -> ColumnElement[Any]:
    """``column`` of the entity's latest row with a state before a row.

    The index walks back from the row, usually a step (a few more past a device's drop-outs).
    """
    return (
        select(column)
        .where(
            _EARLIER_ROW.metadata_id == rows.c.metadata_id,
            _EARLIER_ROW.last_updated_ts < rows.c.last_updated_ts,
            a_state(_EARLIER_ROW.state),
        )
        .order_by(_EARLIER_ROW.last_updated_ts.desc())
        .limit(1)
        .correlate(rows)
        .scalar_subquery()
    )


def window_changes(
    ids: Iterable[int], start: float, end: float, *, dialect: str, previous_time: bool = False
) -> Subquery:
    """The changes of state of entities ``ids`` in ``[start, end)``, each with the state before.

    Columns ``metadata_id``, ``state``, ``last_updated_ts``, ``previous_state`` and, if asked
    for (the export), ``previous_time``. Every row that changed the state is here but those
    to ``unavailable`` and ``unknown``, which are no state: the row after one is compared
    with the entity's last state before it. :func:`counted` keeps those the summary counts. Entity
    first, then time: the index on ``(metadata_id, last_updated_ts)`` finds them.

    The row before a row is the one its ``old_state_id`` names -- the recorder links every
    row to the one before, except the row it writes at start-up, having no state in memory
    yet, and a row whose previous one was purged -- or else, and when the linked row has no
    state, the entity's latest earlier row with a state.
    How it is found depends on the database (``dialect``), for speed only:

    - SQLite follows each row's link, a rowid lookup, joined once: as a scalar subquery it
      was looked up again for every mention of a column, three times a row for the export
      (a join made the export's query 35 % quicker, the summary's 18-22 %). Its window
      functions took twice as long over the benchmark's home.
    - PostgreSQL and MariaDB take the row before each row in the window from LAG, and look
      it up only before an entity's first row of the window: once per entity. Lookups for
      every row made PostgreSQL's plan walk the index in entity order (6 s for 90 days of a
      million rows); joining the linked row instead made it hash the whole table, every day
      the recorder keeps, to read ten. The lookups are a query around the one with LAG:
      in the same query, MariaDB made them for every row, before LAG was known (76 s for a
      studio's 90 days). COALESCE makes them only where LAG gave nothing.

    The two ways differ in one case, left so: a change the recorder never wrote (it was
    disabled, or dropped events) puts its new state first in a row of attributes alone, which
    a link may name but LAG, over the changes of state alone, passes over. The change back
    from that state counts on SQLite, not on PostgreSQL or MariaDB -- one change, where both
    miss the one before it. LAG over every row with a state would count it, and took 1.6 and
    1.9 times as long over a home with as many rows of attributes alone as changes (90 days,
    two million rows: PostgreSQL 1.3 s to 2.2 s, MariaDB 5.4 s to 10.1 s).
    """
    by_lag = dialect != "sqlite"

    def lag(column: Any) -> Any:
        return func.lag(column).over(partition_by=States.metadata_id,
                                     order_by=States.last_updated_ts)

    found = [lag(States.state).label("lag_state"),
             lag(States.last_updated_ts).label("lag_time")] if by_lag else []
    rows = (
        select(States.metadata_id, States.state, States.last_updated_ts, States.old_state_id,
               *found)
        .where(
            States.metadata_id.in_(ids),
            States.last_updated_ts >= start,
            States.last_updated_ts < end,
            state_changed(),
            a_state(States.state),
        )
        .subquery("window_rows")
    )

    def before(name: str, old: Any, earlier: Any) -> ColumnElement[Any]:
        if not by_lag:  # the linked row is joined (below); the walk back only where it fails
            return func.coalesce(old, _earlier(earlier, rows)).label(f"previous_{name}")
        return func.coalesce(rows.c[f"lag_{name}"], _linked(old, rows),
                             _earlier(earlier, rows)).label(f"previous_{name}")

    columns = [rows.c.metadata_id, rows.c.state, rows.c.last_updated_ts,
               before("state", _OLD_ROW.state, _EARLIER_ROW.state)]
    if previous_time:
        columns.append(before("time", _OLD_ROW.last_updated_ts, _EARLIER_ROW.last_updated_ts))
    statement = select(*columns)
    if not by_lag:
        statement = statement.select_from(rows.outerjoin(_OLD_ROW, and_(
            _OLD_ROW.state_id == rows.c.old_state_id, a_state(_OLD_ROW.state))))
    return statement.subquery("changes")


def counted(changes: Subquery) -> tuple[ColumnElement[bool], ...]:
    """The rows of :func:`window_changes` that the summary counts, as the core counts events.

    A state other than the entity's last one before it (the core's rule: see its activity
    module); neither is ``unavailable`` or ``unknown``, which :func:`window_changes` leaves
    out. SQL's comparisons with NULL are never true, so an entity's first state, and a row
    with no state, never count. The state before is named once: PostgreSQL evaluates each
    mention of it.
    """
    return (exact_text(changes.c.previous_state) != exact_text(changes.c.state),)


def oldest_state(session: Session) -> float | None:
    """When the recorder's oldest kept state was written, or None for an empty database.

    History starts there: a recorder that kept 3 days covers 3 days of any window. The
    export writes it as ``history_start`` so that the trainer covers the hours the sensor did.
    """
    oldest = session.execute(select(func.min(States.last_updated_ts))).scalar()
    return float(oldest) if oldest is not None else None


def metadata_ids(
    session: Session, entity_ids: Sequence[str], max_bind_vars: int
) -> dict[int, str]:
    """Map the recorder's ``metadata_id`` to each entity it has states of."""
    names: dict[int, str] = {}
    for chunk in batched(entity_ids, max_bind_vars, strict=False):
        statement = select(StatesMeta.metadata_id, StatesMeta.entity_id).where(
            StatesMeta.entity_id.in_(chunk)
        )
        for metadata_id, entity_id in session.connection().execute(statement):
            names[metadata_id] = entity_id
    return names


def _count_rows(
    session: Session,
    names: dict[int, str],
    segments: Sequence[OffsetSegment],
    max_bind_vars: int,
) -> Iterator[tuple[str, int, int]]:
    """Yield ``(entity_id, hour of week, count)`` as the database returns them.

    Streamed, not listed: each row's numbers go into compact arrays and the row is dropped. A
    list of a large home's rows (an entity and an hour each) would be a hundred thousand live
    objects or more, enough to start Python's full garbage collection -- which pauses every
    thread, the event loop's included, for a quarter of a second in a large Home Assistant.
    """
    for ids in batched(names, max_bind_vars, strict=False):
        for segment in segments:
            changes = window_changes(ids, segment.start, segment.end,
                                     dialect=session.connection().dialect.name)
            hour = hour_of_week(segment.offset, changes.c.last_updated_ts)
            statement = (
                select(changes.c.metadata_id, hour, func.count())
                .where(*counted(changes))
                .group_by(changes.c.metadata_id, hour)
                .execution_options(yield_per=ROWS_PER_FETCH)
            )
            # Core rows fetched a batch at a time: the ORM's session.execute would fetch them
            # all into a list first. The option, set on the statement, also makes PostgreSQL's
            # and MySQL's drivers stream from a server-side cursor; without it they buffer the
            # whole result (hundreds of megabytes for the export's rows), and ``yield_per``
            # on the result would only hand that buffer out in batches.
            for metadata_id, bucket, count in session.connection().execute(statement):
                yield names[metadata_id], bucket, count


def _summarize(
    hass: HomeAssistant,
    entity_ids: Sequence[str],
    window: tuple[float, float],
    max_bind_vars: int,
    stop: Callable[[], bool],
) -> ActivitySummary:
    """Count in the database and finish the summary as the trainer does; recorder executor."""
    tz_name = hass.config.time_zone
    window_start, end = window
    segments = utc_offset_segments(tz_name, window_start, end)
    with read_session(hass, stop) as session:
        history_start = oldest_state(session)
        if history_start is None:
            return EMPTY_SUMMARY
        rows = _count_rows(
            session, metadata_ids(session, entity_ids, max_bind_vars), segments, max_bind_vars
        )
        return summary_from_buckets(rows, tz_name, window_start, end, history_start)


async def async_activity_summary(
    hass: HomeAssistant,
    entity_ids: Sequence[str],
    days: int,
    end: float,
    stop: Callable[[], bool] = never_stop,
) -> ActivitySummary:
    """State changes of ``entity_ids`` in ``[end - days, end)``, by local hour and weekday.

    Local time is the home's time zone (``hass.config.time_zone``), DST included. Runs on the
    recorder's executor; ``days`` 0 means structure only and reads nothing. On SQLite the
    read ends with "interrupted" once ``stop()`` is true (:func:`read_session`).
    """
    if days <= 0 or not entity_ids:
        return EMPTY_SUMMARY
    instance = get_instance(hass)
    return await instance.async_add_executor_job(
        _summarize,
        hass,
        entity_ids,
        (end - days * SECONDS_PER_DAY, end),
        instance.max_bind_vars,
        stop,
    )
