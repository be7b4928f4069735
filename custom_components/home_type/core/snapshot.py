"""The home snapshot, format version 1: one home's registries and state history as a document.

The trainer writes synthetic homes in this format and the integration exports real homes in it,
so a synthetic home and a real one are the same kind of file and go through the same features.
Validation is strict and names the file, the field and what was expected, because a silently
accepted bad file becomes a silently wrong model.

Events are held in columns (:class:`EventLog`), not as one object each: a 90-day home has
hundreds of thousands of them and only their entity and time matter to the features.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

import numpy as np
import orjson
from numpy.typing import NDArray

from .atomic import atomic_write_bytes

SCHEMA_VERSION: Final = 1

HOME_TYPES: Final[tuple[str, ...]] = (
    "studio",
    "apartment",
    "condo",
    "townhouse",
    "single_family_house",
    "ranch_house",
    "multi_story",
    "cottage",
)

#: The ``generator`` of a home Home Assistant exported (a real home): the trainer reads it to
#: tell an export from a generated home.
EXPORT_GENERATOR: Final = "home_assistant_export"

#: The most a home file may hold, read or decompressed. The largest of `scripts/train`'s homes
#: (90 days) is 3.5 MB compressed and 35 MB of JSON; a file read without a bound (``/dev/zero``
#: given by mistake, or a gzip "bomb") would take all the memory there is before failing.
MAX_HOME_FILE_BYTES: Final = 512 * 1024 * 1024

_ENTITY_ID: Final = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
#: Times must fall in 1970-01-01 .. 9998-12-31 UTC: epoch seconds the recorder can hold and
#: ``datetime`` can show in every time zone. Year 9999 is left out: the activity summary
#: reads a window's end in the home's zone, and 9999-12-31T23:00Z is year 10000 in Tokyo.
#: numpy parses years beyond 9999 and before 1970 without complaint.
_YEAR_9999: Final = 253_370_764_800.0
_TIMESTAMP_RANGE: Final = "an ISO 8601 UTC timestamp from 1970 to 9998"
#: The format's own spelling of a time, ``2024-01-01T10:00:00.000Z`` (what
#: :func:`_format_timestamps` writes): its width, where its separators stand, and the columns
#: that must be digits. Stamps spelt so are parsed by numpy; see :func:`_written_form`.
_STAMP_WIDTH: Final = 24
_STAMP_SEPARATORS: Final = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: ".", 23: "Z"}
_STAMP_DIGITS: Final = [i for i in range(_STAMP_WIDTH) if i not in _STAMP_SEPARATORS]
#: Floor levels a building can have, and then some: a level of 400 digits cannot be a float.
_MAX_LEVEL: Final = 1000
_LEVEL_RANGE: Final = f"an integer from -{_MAX_LEVEL} to {_MAX_LEVEL}, or null"
#: Metadata times that cut the history windows: where the history ends, and where it starts.
_METADATA_TIMES: Final = ("end", "history_start")


class SnapshotError(ValueError):
    """A home file that cannot be read or breaks the format; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Floor:
    """A floor of the Home Assistant floor registry; ``level`` 0 is the ground floor."""

    floor_id: str
    name: str
    level: int | None = None


@dataclass(frozen=True, slots=True)
class Area:
    """An area of the area registry, optionally on a floor."""

    area_id: str
    name: str
    floor_id: str | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """A device of the device registry, optionally in an area."""

    device_id: str
    name: str
    area_id: str | None = None
    manufacturer: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity of the entity registry; its own area overrides its device's."""

    entity_id: str
    device_id: str | None = None
    area_id: str | None = None
    device_class: str | None = None
    unit: str | None = None

    @property
    def domain(self) -> str:
        """The integration domain part of the entity id (``light`` in ``light.kitchen``)."""
        return self.entity_id.partition(".")[0]


@dataclass(slots=True)
class EventLog:
    """State changes in columns: event ``i`` is ``entities[index[i]]`` becoming ``states[i]``.

    ``timestamps`` are UTC epoch seconds, the unit of the recorder's ``last_updated_ts``.
    """

    entities: tuple[str, ...] = ()
    index: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    timestamps: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    states: list[str] = field(default_factory=list)
    attributes: list[dict[str, Any] | None] | None = None
    #: Which events count as changes, once the activity summary has worked it out (it needs the
    #: whole log, and the trainer summarises two dozen windows of each).
    counted: NDArray[np.bool_] | None = field(default=None, init=False, repr=False,
                                              compare=False)

    def __len__(self) -> int:
        return len(self.states)

    @classmethod
    def from_columns(
        cls,
        entity_ids: Sequence[str],
        timestamps: Sequence[float] | NDArray[np.float64],
        states: Sequence[str],
        attributes: Sequence[dict[str, Any] | None] | None = None,
    ) -> EventLog:
        """Build a log from one entity id, time and state per event, sorted by time (stable)."""
        positions: dict[str, int] = {}
        index = np.fromiter((positions.setdefault(e, len(positions)) for e in entity_ids),
                            dtype=np.int32, count=len(entity_ids))
        return cls.in_time_order(tuple(positions), index, timestamps, states, attributes)

    @classmethod
    def in_time_order(
        cls,
        entities: tuple[str, ...],
        index: NDArray[np.int32],
        timestamps: Sequence[float] | NDArray[np.float64],
        states: Sequence[str],
        attributes: Sequence[dict[str, Any] | None] | None = None,
    ) -> EventLog:
        """Build a log from its columns, event ``i`` being ``entities[index[i]]``; stable sort.

        For a reader that numbers entities as it goes (the export's database read), so a
        large log never holds an entity id per event. The log owns its columns: they are
        copied, once -- a sort makes the new columns straight from the caller's, because the
        export's database rows come entity by entity, and a copy on the way was 16 bytes a
        change more at the export's peak.
        """
        ts = np.asarray(timestamps, dtype=np.float64)
        if ts.shape != index.shape or len(states) != index.size or (
                attributes is not None and len(attributes) != index.size):
            raise ValueError("an event log's columns must have one value per event each")
        if ts.size < 2 or bool((ts[1:] >= ts[:-1]).all()):
            # Already in order, as home files and the recorder give them: a stable sort would
            # change nothing, and skipping it takes ~40 % off this call for a 90-day home.
            made_here = ts is not timestamps and ts.base is None  # from a list: already ours
            return cls(entities=entities, index=index,
                       timestamps=ts if made_here else ts.copy(), states=list(states),
                       attributes=list(attributes) if attributes is not None else None)
        order = np.argsort(ts, kind="stable")
        return cls(
            entities=entities,
            index=index[order],
            timestamps=ts[order],
            states=[states[i] for i in order],
            attributes=[attributes[i] for i in order] if attributes is not None else None,
        )

    def previous_events(self, among: NDArray[np.bool_] | None = None) -> NDArray[np.int64]:
        """Where each event's entity had its event before it in the log, or -1 for its first.

        With ``among``, only the events it flags are looked at: an event's previous one is
        the entity's flagged event before it, and an event not flagged has none (-1). The log
        is in time order, so a stable sort by entity lists each entity's events in time order,
        and an event's previous one is its neighbour there.
        """
        rows = np.arange(len(self)) if among is None else np.flatnonzero(among)
        order = rows[np.argsort(self.index[rows], kind="stable")]
        same = self.index[order][1:] == self.index[order][:-1]
        previous = np.full(len(self), -1, dtype=np.int64)
        previous[order[1:][same]] = order[:-1][same]
        return previous

    @property
    def span(self) -> tuple[float, float] | None:
        """First and last event time, or None for an empty log."""
        if not len(self):
            return None
        return float(self.timestamps.min()), float(self.timestamps.max())


@dataclass(slots=True)
class HomeSnapshot:
    """One home: what its registries hold and, optionally, how its states changed."""

    home_id: str
    home_type: str | None
    metadata: dict[str, Any]
    floors: tuple[Floor, ...] = ()
    areas: tuple[Area, ...] = ()
    devices: tuple[Device, ...] = ()
    entities: tuple[Entity, ...] = ()
    events: EventLog = field(default_factory=EventLog)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self, *, events: bool = True) -> dict[str, Any]:
        """The JSON document of this home, keys in the order of the format's description.

        ``events=False`` leaves the events out (the writer adds them a slice at a time).
        """
        document = {
            "schema_version": self.schema_version,
            "home_id": self.home_id,
            "home_type": self.home_type,
            "metadata": self.metadata,
            "floors": [
                {"floor_id": f.floor_id, "name": f.name, "level": f.level} for f in self.floors
            ],
            "areas": [
                {"area_id": a.area_id, "name": a.name, "floor_id": a.floor_id} for a in self.areas
            ],
            "devices": [
                {
                    "device_id": d.device_id,
                    "name": d.name,
                    "area_id": d.area_id,
                    "manufacturer": d.manufacturer,
                    "model": d.model,
                }
                for d in self.devices
            ],
            "entities": [
                {
                    "entity_id": e.entity_id,
                    "device_id": e.device_id,
                    "area_id": e.area_id,
                    "device_class": e.device_class,
                    "unit": e.unit,
                }
                for e in self.entities
            ],
        }
        if events:
            document["events"] = _events_to_records(self.events, 0, len(self.events))
        return document

    @classmethod
    def from_dict(cls, document: Any, source: str = "<document>") -> HomeSnapshot:
        """Validate a parsed document and build the snapshot; raise :class:`SnapshotError`."""
        return _Parser(source).home(document)


def _seconds_of_micros(micros: NDArray[np.int64]) -> NDArray[np.float64]:
    """Epoch seconds of whole microseconds, as the reader makes them and the writer undoes."""
    seconds = micros.astype(np.float64)
    seconds /= 1e6
    return seconds


def _format_timestamps(timestamps: NDArray[np.float64]) -> list[str]:
    """ISO 8601 UTC with milliseconds, truncated (never rounded up into the next hour).

    A stamp read from a file is the float nearest its millisecond, often just under it
    (``.154`` held as ``.15399…``), so a truncated product would write the millisecond before.
    A fixed nudge is lost in the product's rounding once seconds pass mid-1970; instead, a time
    that is exactly the float of the next millisecond is written as that millisecond: the
    float nearest it, or the one the reader makes of it (:func:`_seconds_of_micros`, which
    rounds twice past 2255).
    """
    seconds = np.asarray(timestamps, dtype=np.float64)
    millis = np.floor(seconds * 1000.0).astype(np.int64)
    after = millis + 1
    millis += (after / 1000.0 == seconds) | (_seconds_of_micros(after * 1000) == seconds)
    text = np.datetime_as_string(millis.astype("datetime64[ms]"), unit="ms")
    return [f"{value}Z" for value in text.tolist()]


def _events_to_records(events: EventLog, start: int, stop: int) -> list[dict[str, Any]]:
    """Events ``start`` to ``stop`` as the format's records."""
    names = events.entities
    stamps = _format_timestamps(events.timestamps[start:stop])
    records: list[dict[str, Any]] = [
        {"entity_id": names[int(i)], "state": state, "timestamp": stamp}
        for i, state, stamp in zip(events.index[start:stop], events.states[start:stop], stamps,
                                   strict=True)
    ]
    if events.attributes is not None:
        for record, attrs in zip(records, events.attributes[start:stop], strict=True):
            if attrs:
                record["attributes"] = attrs
    return records


#: Events serialised at a time. As records (a dict and three strings each, ~400 bytes) a
#: large home's 90 days -- tens of millions of changes -- would not fit in the memory of the
#: machines Home Assistant runs on; a piece of this size costs about ten megabytes, and
#: larger pieces are no faster.
EVENTS_PER_PIECE: Final = 16_384
#: Compressed output handed on at a time.
_GZIP_PIECE: Final = 1 << 20


def iter_snapshot_bytes(snapshot: HomeSnapshot, *, compress: bool) -> Iterator[bytes]:
    """The home file's bytes in pieces, the events a slice at a time; see :func:`dumps_snapshot`.

    ``events`` is the document's last key, so the text is everything before the events'
    closing ``]}``, each slice's records without their brackets, comma-joined, and ``]}``.
    """
    text = _snapshot_text(snapshot)
    yield from _gzip_pieces(text) if compress else text


def _snapshot_text(snapshot: HomeSnapshot) -> Iterator[bytes]:
    shell = {**snapshot.to_dict(events=False), "events": []}
    head = _json_bytes(shell)
    if not head.endswith(b"[]}"):  # pragma: no cover - to_dict puts events last
        raise AssertionError("events must be a home file's last key")
    yield head[:-2]
    for start in range(0, len(snapshot.events), EVENTS_PER_PIECE):
        records = _json_bytes(_events_to_records(snapshot.events, start,
                                                  start + EVENTS_PER_PIECE))
        yield (b"," if start else b"") + records[1:-1]
    yield b"]}"


def _gzip_pieces(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buffer = io.BytesIO()
    # mtime=0 and no file name in the header: byte-identical output for identical homes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as gz:
        for piece in pieces:
            gz.write(piece)
            if buffer.tell() >= _GZIP_PIECE:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def dumps_snapshot(snapshot: HomeSnapshot, *, compress: bool) -> bytes:
    """Serialise deterministically: the same snapshot always gives the same bytes."""
    return b"".join(iter_snapshot_bytes(snapshot, compress=compress))


def _json_bytes(document: dict[str, Any] | list[dict[str, Any]]) -> bytes:
    """Compact UTF-8 JSON, by orjson: Home Assistant's own encoder, five times as fast as json.

    For every home the generator writes, the bytes are json's (``separators=(",", ":")``,
    ``ensure_ascii=False``). Elsewhere orjson spells exponents ``1e16`` (json: ``1e+16``) and
    writes NaN and infinities as ``null``, as Home Assistant does. What it refuses (an integer
    past 64 bits, a key that is not a string) json writes, as before.
    """
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _parse_json(raw: bytes) -> Any:
    """The document, by orjson: Home Assistant's own parser; a third less time than json here.

    What orjson refuses, json decides, so the files read and the errors stay as they were: a
    UTF-8 byte-order mark (Windows editors add one), UTF-16 or -32, NaN, and json's error
    message with its line and column. One difference: orjson reads an integer outside 64 bits
    (signed, or unsigned) as a float, which the checks refuse where a whole number is due.
    Text json reads but orjson refuses, a lone surrogate, raises :class:`UnicodeEncodeError`.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        document = json.loads(raw)
    # json reads "\ud800", half of a character, that orjson refuses and no UTF-8 can hold:
    # it would fail later, in whatever prints or writes it.
    json.dumps(document, ensure_ascii=False).encode()
    return document


def write_snapshot(snapshot: HomeSnapshot, path: str | os.PathLike[str]) -> Path:
    """Write a ``.json`` or ``.json.gz`` home file atomically."""
    target = Path(path)
    if not target.name.endswith((".json", ".json.gz")):
        raise SnapshotError(f"{target}: a home file must end in .json or .json.gz")
    return atomic_write_bytes(
        target, iter_snapshot_bytes(snapshot, compress=target.suffix == ".gz")
    )


def read_at_most(handle: io.BufferedIOBase, limit: int) -> bytes:
    """Up to ``limit`` bytes of the open file ``handle``, without asking for ``limit`` at once.

    ``read(limit)`` allocates its limit before it reads: 512 MiB for a home file of a few
    megabytes, 64 MiB for a model. This reads a regular file's size and a byte: a file grown
    since is read past its old end, and refused by its limit or its hash. Anything else (a
    device, a pipe) has no size to go by, and is read to the limit.
    """
    status = os.fstat(handle.fileno())
    return handle.read(min(limit, status.st_size + 1) if stat.S_ISREG(status.st_mode) else limit)


def _read_stream_at_most(stream: io.BufferedIOBase, limit: int) -> bytes:
    """:func:`read_at_most` for a stream of unknown length (gzip's): a chunk at a time."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit and (chunk := stream.read(min(_READ_CHUNK, limit + 1 - total))):
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


#: Decompressed bytes read at once: few reads for a large home, little memory asked each time.
_READ_CHUNK: Final = 4 * 1024 * 1024


def read_snapshot(path: str | os.PathLike[str]) -> HomeSnapshot:
    """Read and validate a ``.json`` or ``.json.gz`` home file."""
    source = Path(path)
    try:
        with source.open("rb") as handle:
            raw = read_at_most(handle, MAX_HOME_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SnapshotError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise SnapshotError(f"{source}: is a folder, not a home file") from None
    except OSError as err:
        raise SnapshotError(f"{source}: cannot read: {err.strerror}") from None
    if len(raw) > MAX_HOME_FILE_BYTES:
        raise _too_large(str(source))
    return loads_snapshot(raw, str(source))


def _too_large(source: str, decompressed: bool = False) -> SnapshotError:
    once = " once decompressed" if decompressed else ""
    return SnapshotError(f"{source}: more than {MAX_HOME_FILE_BYTES // 2**20} MiB{once}: "
                         "not a home file")


def loads_snapshot(raw: bytes, source: str = "<bytes>") -> HomeSnapshot:
    """Parse and validate the bytes of a home file, gzip-compressed or not."""
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as compressed:
                raw = _read_stream_at_most(compressed, MAX_HOME_FILE_BYTES + 1)
        except (OSError, EOFError, zlib.error) as err:
            raise SnapshotError(f"{source}: damaged gzip data ({err})") from None
        if len(raw) > MAX_HOME_FILE_BYTES:
            raise _too_large(source, decompressed=True)
    if not raw or raw.isspace():  # a copy cut short before its first byte, a `touch`
        raise SnapshotError(f"{source}: empty: not a home file")
    try:
        document = _parse_json(raw)
    except UnicodeError:  # undecodable bytes, or text with half a character (a surrogate)
        raise SnapshotError(f"{source}: not UTF-8 text") from None
    except RecursionError:
        raise SnapshotError(f"{source}: not a home file (JSON nested too deeply)") from None
    except json.JSONDecodeError as err:
        raise SnapshotError(
            f"{source}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    except ValueError:  # json's own limit: an integer of more than 4,300 digits
        raise SnapshotError(f"{source}: not a home file (a number of thousands of digits)"
                            ) from None
    return HomeSnapshot.from_dict(document, source)


def portable_zone(zone: str) -> bool:
    """Whether a zone name means the same wherever the file is read.

    zoneinfo also loads names that do not: ``localtime`` is the reading machine's own zone,
    ``posixrules`` a copy of whichever zone the system chose, and the ``posix/`` and
    ``right/`` folders exist only on some systems (``right/`` zones count leap seconds, so
    their hours start 27 seconds late). A home file naming one would give other features,
    and perhaps another answer, on another machine.
    """
    return zone not in {"localtime", "posixrules"} and not zone.startswith(("posix/", "right/"))


class _Parser:
    """Validates a document field by field, so each error names its exact place."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str, got: Any) -> SnapshotError:
        shown = repr(got)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return SnapshotError(f"{self.source}: {where}: expected {expected}, got {shown}")

    def field(self, obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...],
              expected: str, *, optional: bool = False) -> Any:
        if key not in obj:
            if optional:
                return None
            place = f"{self.source}: {where}" if where else self.source
            raise SnapshotError(f"{place}: missing field '{key}'")
        value = obj[key]
        if value is None and optional:
            return None
        # bool is an int in Python; a level or version of True is still a mistake.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise self.fail(f"{where}.{key}" if where else key, expected, value)
        return value

    def items(self, document: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = self.field(document, key, "", list, "a list")
        if not all(map(isinstance, value, repeat(dict))):  # in C: a home has 100,000s of events
            for position, item in enumerate(value):
                if not isinstance(item, dict):
                    raise self.fail(f"{key}[{position}]", "an object", item)
        return list(value)

    def home(self, document: Any) -> HomeSnapshot:
        if not isinstance(document, dict):
            raise self.fail("document", "a JSON object", type(document).__name__)
        version = self.field(document, "schema_version", "", int, "an integer")
        if version != SCHEMA_VERSION:
            raise SnapshotError(
                f"{self.source}: schema_version: this version reads {SCHEMA_VERSION}, "
                f"the file has {version}"
            )
        home_id = self.field(document, "home_id", "", str, "a string")
        home_type = self.field(document, "home_type", "", str, "a home type or null",
                               optional=True)
        if "home_type" not in document:
            raise SnapshotError(f"{self.source}: missing field 'home_type' (null if unknown)")
        if home_type is not None and home_type not in HOME_TYPES:
            raise self.fail("home_type", f"one of {', '.join(HOME_TYPES)} or null", home_type)
        metadata = self.field(document, "metadata", "", dict, "an object")
        self.timezone(metadata)
        for key in _METADATA_TIMES:
            self.metadata_time(metadata, key)

        floors = tuple(self.floor(item, f"floors[{i}]")
                       for i, item in enumerate(self.items(document, "floors")))
        floor_ids = self.unique([f.floor_id for f in floors], "floors", "floor_id")
        areas = tuple(self.area(item, f"areas[{i}]", floor_ids)
                      for i, item in enumerate(self.items(document, "areas")))
        area_ids = self.unique([a.area_id for a in areas], "areas", "area_id")
        devices = tuple(self.device(item, f"devices[{i}]", area_ids)
                        for i, item in enumerate(self.items(document, "devices")))
        device_ids = self.unique([d.device_id for d in devices], "devices", "device_id")
        entities = tuple(self.entity(item, f"entities[{i}]", area_ids, device_ids)
                         for i, item in enumerate(self.items(document, "entities")))
        entity_ids = self.unique([e.entity_id for e in entities], "entities", "entity_id")
        events = self.events(self.items(document, "events"), entity_ids)
        return HomeSnapshot(
            home_id=home_id,
            home_type=home_type,
            metadata=metadata,
            floors=floors,
            areas=areas,
            devices=devices,
            entities=entities,
            events=events,
        )

    def timezone(self, metadata: Mapping[str, Any]) -> None:
        """The activity summary cuts days in this zone: one zoneinfo loads, alike everywhere.

        See :func:`portable_zone`. Absent or null means UTC, as the summary reads it; anything
        else that is not a zone would fail later, in the middle of classifying or training.
        """
        zone = metadata.get("timezone")
        if zone is None:
            return
        if isinstance(zone, str) and portable_zone(zone):
            try:
                ZoneInfo(zone)
            except (KeyError, ValueError, OSError):  # unknown, malformed, a folder of zones
                pass
            else:
                return
        raise self.fail("metadata.timezone", "an IANA time zone like 'Europe/Berlin', or null "
                        "for UTC", zone)

    def metadata_time(self, metadata: Mapping[str, Any], key: str) -> float | None:
        """A metadata time as epoch seconds; absent or null is None.

        Held to the events' rules: without an offset, the time would be read in the zone of
        whichever machine reads the file, and the windows it ends would move with it.
        """
        value = metadata.get(key)
        if value is None:
            return None
        where = f"metadata.{key}"
        if not isinstance(value, str):
            raise self.fail(where, "an ISO 8601 timestamp with a UTC offset, or null", value)
        seconds = self.timestamp(value, where)
        if not 0.0 <= seconds < _YEAR_9999:
            raise self.fail(where, _TIMESTAMP_RANGE, value)
        return seconds

    def unique(self, ids: list[str], key: str, name: str) -> set[str]:
        seen: set[str] = set()
        for position, value in enumerate(ids):
            if value in seen:
                raise SnapshotError(f"{self.source}: {key}[{position}].{name}: "
                                    f"duplicate id {value!r}")
            seen.add(value)
        return seen

    def reference(self, value: str | None, known: set[str], where: str, what: str) -> None:
        if value is not None and value not in known:
            raise SnapshotError(f"{self.source}: {where}: {value!r} is not one of the {what}")

    def floor(self, item: Mapping[str, Any], where: str) -> Floor:
        """A floor; its level bounded, as the features subtract levels and make them floats."""
        level = self.field(item, "level", where, int, _LEVEL_RANGE, optional=True)
        if level is not None and not -_MAX_LEVEL <= level <= _MAX_LEVEL:
            raise self.fail(f"{where}.level", _LEVEL_RANGE, level)
        return Floor(
            floor_id=self.field(item, "floor_id", where, str, "a string"),
            name=self.field(item, "name", where, str, "a string"),
            level=level,
        )

    def area(self, item: Mapping[str, Any], where: str, floors: set[str]) -> Area:
        floor_id = self.field(item, "floor_id", where, str, "a floor id or null", optional=True)
        self.reference(floor_id, floors, f"{where}.floor_id", "floors")
        return Area(
            area_id=self.field(item, "area_id", where, str, "a string"),
            name=self.field(item, "name", where, str, "a string"),
            floor_id=floor_id,
        )

    def device(self, item: Mapping[str, Any], where: str, areas: set[str]) -> Device:
        area_id = self.field(item, "area_id", where, str, "an area id or null", optional=True)
        self.reference(area_id, areas, f"{where}.area_id", "areas")
        return Device(
            device_id=self.field(item, "device_id", where, str, "a string"),
            name=self.field(item, "name", where, str, "a string"),
            area_id=area_id,
            manufacturer=self.field(item, "manufacturer", where, str, "a string or null",
                                    optional=True),
            model=self.field(item, "model", where, str, "a string or null", optional=True),
        )

    def entity(self, item: Mapping[str, Any], where: str, areas: set[str],
               devices: set[str]) -> Entity:
        entity_id = self.field(item, "entity_id", where, str, "a string")
        if not _ENTITY_ID.fullmatch(entity_id):  # match() and $ let a final newline through
            raise self.fail(f"{where}.entity_id", "an entity id like 'light.kitchen'", entity_id)
        device_id = self.field(item, "device_id", where, str, "a device id or null",
                               optional=True)
        self.reference(device_id, devices, f"{where}.device_id", "devices")
        area_id = self.field(item, "area_id", where, str, "an area id or null", optional=True)
        self.reference(area_id, areas, f"{where}.area_id", "areas")
        return Entity(
            entity_id=entity_id,
            device_id=device_id,
            area_id=area_id,
            device_class=self.field(item, "device_class", where, str, "a string or null",
                                    optional=True),
            unit=self.field(item, "unit", where, str, "a string or null", optional=True),
        )

    def events(self, records: list[Mapping[str, Any]], known: set[str]) -> EventLog:
        # Column-wise on purpose: a 90-day home has hundreds of thousands of events, and a
        # per-record loop with checks would dominate training time. The slow, precise path
        # runs only to name the first bad record.
        entity_ids = [record.get("entity_id") for record in records]
        states = [record.get("state") for record in records]
        stamps = [record.get("timestamp") for record in records]
        attributes = [record.get("attributes") for record in records]
        ids = _distinct_strings(entity_ids)
        if (ids is None or _distinct_strings(states) is None
                or not all(map(isinstance, stamps, repeat(str)))):
            self.check_each_event(records)
        unknown = (set(entity_ids) if ids is None else ids) - known
        if unknown:
            position = next(i for i, e in enumerate(entity_ids) if e in unknown)
            raise SnapshotError(f"{self.source}: events[{position}].entity_id: "
                                f"{entity_ids[position]!r} is not one of the entities")
        any_attributes = False
        for position, attrs in enumerate(attributes):
            if attrs is not None:
                if not isinstance(attrs, dict):
                    raise self.fail(f"events[{position}].attributes", "an object", attrs)
                any_attributes = True
        return EventLog.from_columns(
            entity_ids,  # type: ignore[arg-type]
            self.timestamps(stamps),  # type: ignore[arg-type]
            states,  # type: ignore[arg-type]
            attributes if any_attributes else None,
        )

    def check_each_event(self, records: list[Mapping[str, Any]]) -> None:
        """Name the first event whose id, state or time is missing or not a string.

        The slow, precise path, for a column the quick check could not vouch for: one holding
        such a value, or (in a document built in code) a string that cannot be hashed.
        """
        for position, record in enumerate(records):
            where = f"events[{position}]"
            self.field(record, "entity_id", where, str, "a string")
            self.field(record, "state", where, str, "a string")
            self.field(record, "timestamp", where, str, "an ISO 8601 UTC timestamp")

    def timestamps(self, stamps: list[str]) -> NDArray[np.float64]:
        """Parse ISO 8601 times to epoch seconds; numpy for the usual UTC form, else one by one."""
        if not stamps:
            return np.zeros(0, dtype=np.float64)
        naive = _written_form(stamps)
        if naive is not None:
            try:
                micros = naive.astype("datetime64[us]").astype(np.int64)
            except ValueError:  # pragma: no cover - what passed _written_form, numpy parses
                pass
            else:
                return self.in_range(_seconds_of_micros(micros), stamps)
        return self.in_range(np.array([self.timestamp(s, f"events[{i}].timestamp")
                                       for i, s in enumerate(stamps)], dtype=np.float64), stamps)

    def in_range(self, seconds: NDArray[np.float64], stamps: list[str]) -> NDArray[np.float64]:
        outside = ~((seconds >= 0.0) & (seconds < _YEAR_9999))  # NaT parses as a huge negative
        if outside.any():
            position = int(np.argmax(outside))
            raise self.fail(f"events[{position}].timestamp", _TIMESTAMP_RANGE, stamps[position])
        return seconds

    def timestamp(self, stamp: str, where: str) -> float:
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            raise self.fail(where, "an ISO 8601 UTC timestamp", stamp) from None
        if moment.tzinfo is None or "T" not in stamp:
            raise self.fail(where, "an ISO 8601 timestamp with a UTC offset", stamp)
        try:
            return moment.astimezone(UTC).timestamp()
        except OverflowError:  # year 9999 or 1 pushed past the calendar by its offset
            raise self.fail(where, _TIMESTAMP_RANGE, stamp) from None


def _distinct_strings(column: list[Any]) -> set[str] | None:
    """The column's distinct values if every one is a string, else None.

    A home's few hundred entity ids or states are then checked one by one, not its 100,000s
    of events: checking each event was a quarter of parsing a 90-day home's document.
    """
    try:
        distinct = set(column)
    except Exception:  # a list, an object, a failing __hash__: looked at one by one instead
        return None
    return distinct if all(isinstance(value, str) for value in distinct) else None


def _written_form(stamps: list[str]) -> NDArray[np.bytes_] | None:
    """The stamps without their ``Z``, if every one is spelt as this format writes times.

    numpy reads those exactly as ``datetime`` does, and fast (a 90-day home has hundreds of
    thousands of stamps); None otherwise, and the stamps go one by one through ``datetime``,
    the reference. numpy reads more than ``datetime`` -- an offset left before the suffix
    (``10:00+05:00Z`` as 05:00 UTC), ``10:0000`` -- and warns on a basic-format ``T1000``;
    with the columns checked here, a stamp's fate never depends on the others'.
    """
    if set(map(len, stamps)) != {_STAMP_WIDTH}:  # each: joined, a short and a long could align
        return None
    joined = "".join(stamps)
    if not joined.isascii():
        return None
    cells = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, _STAMP_WIDTH)
    digits = cells[:, _STAMP_DIGITS]
    if not ((digits >= ord("0")) & (digits <= ord("9"))).all():
        return None
    for column, separator in _STAMP_SEPARATORS.items():
        if not (cells[:, column] == ord(separator)).all():
            return None
    if not _on_the_calendar(cells):
        return None
    return np.ascontiguousarray(cells[:, :-1]).view(f"S{_STAMP_WIDTH - 1}").ravel()


#: Days of each month, February of a common year; index 0 unused.
_MONTH_DAYS: Final = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _on_the_calendar(cells: NDArray[np.uint8]) -> bool:
    """Whether every stamp's month, day, hour, minute and second exist (no 30 February).

    numpy 2.2 and 2.3 crash -- a segmentation fault, not an exception -- when a cast of 505
    or more such strings meets one out of range, so none may reach the cast: a file with one
    is read one stamp at a time, and ``datetime`` names the stamp.
    """
    def number(start: int, width: int) -> NDArray[np.int64]:
        digits = cells[:, start:start + width].astype(np.int64) - ord("0")
        return cast(NDArray[np.int64], digits @ (10 ** np.arange(width - 1, -1, -1)))

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    if not ((month >= 1) & (month <= 12)).all():
        return False
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _MONTH_DAYS[month] + (leap & (month == 2))
    return bool(((day >= 1) & (day <= last)).all() and (number(11, 2) <= 23).all()
                and (number(14, 2) <= 59).all() and (number(17, 2) <= 59).all())


def metadata_time(snapshot: HomeSnapshot, key: str) -> float | None:
    """A snapshot's metadata ``end`` or ``history_start`` in epoch seconds, None if absent.

    A file's are checked as it is read; a snapshot built in memory gets the same check here,
    its error naming the home.
    """
    return _Parser(snapshot.home_id).metadata_time(snapshot.metadata, key)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def iter_home_files(folder: str | os.PathLike[str]) -> Iterable[Path]:
    """Home files of a folder in name order (``home_001.json.gz`` …), temporary files skipped."""
    base = Path(folder)
    return sorted(
        p for p in base.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.endswith((".json", ".json.gz"))
    )
