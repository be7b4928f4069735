"""From home files to feature rows: history windows, augmentation, splits by home.

A home file holds 90 days; Home Assistant keeps 10 by default and a fresh install has none. So
each home becomes several rows: its features with no history and with the last 1, 3, 10, 30 and
90 days (training windows end at a random day, evaluation windows at the file's end). Training
rows also lose random devices and entities, as real homes are missing what a synthetic one has.
Every row carries its home's id: splits are made by home, before any of this, so no window of a
test home is ever seen in training.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray

from custom_components.home_type.core.activity import (
    EMPTY_SUMMARY,
    ActivitySummary,
    summarize_events,
)
from custom_components.home_type.core.features import extract_features
from custom_components.home_type.core.snapshot import (
    EventLog,
    HomeSnapshot,
    SnapshotError,
    iter_home_files,
    metadata_time,
    read_snapshot,
)
from custom_components.home_type.core.vocabulary import fold, room_phrase

from .folder_lock import FolderBusy, reading_homes
from .generate.registry import onboarding_areas
from .signals import workers_ignore_ctrl_c

#: History windows in days; ``None`` is structure only (a recorder with no history).
WINDOWS: Final[tuple[int | None, ...]] = (None, 1, 3, 10, 30, 90)
EVALUATION_WINDOWS: Final[tuple[int | None, ...]] = (None, 1, 10, 90)
DEFAULT_WINDOW: Final = 10  # Home Assistant's default recorder keep
#: How a row of the ``None`` window (structure only) records its window: rows hold numbers.
NO_HISTORY: Final = -1
#: Training learns to tell types apart: homes of one type alone teach it nothing.
MIN_TYPES: Final = 2


class DatasetError(Exception):
    """A folder of homes, or a setting, that cannot be used for training or evaluation."""


@dataclass(slots=True)
class Home:
    """A labelled home with its history, ready to be cut into windows."""

    snapshot: HomeSnapshot
    timezone: str
    end: float
    #: The oldest state the source kept; an exported real home says it, a synthetic home's
    #: history starts with its first event.
    history_start: float | None = None

    @property
    def label(self) -> str:
        """The home type to learn ("" for an unlabelled home)."""
        return self.snapshot.home_type or ""

    @property
    def home_id(self) -> str:
        """The home's id, from its snapshot."""
        return self.snapshot.home_id


def home_end(snapshot: HomeSnapshot) -> float:
    """Where a home's history ends: its metadata ``end``, else just after its last event."""
    end = metadata_time(snapshot, "end")
    if end is not None:
        return end
    span = snapshot.events.span
    return span[1] + 1.0 if span else 0.0


def as_home(snapshot: HomeSnapshot) -> Home:
    """A snapshot ready for training: its time zone and where its history ends and starts."""
    timezone = snapshot.metadata.get("timezone")
    return Home(snapshot, timezone if isinstance(timezone, str) else "UTC", home_end(snapshot),
                metadata_time(snapshot, "history_start"))


def _load(path: Path) -> Home:
    return as_home(read_snapshot(path))


#: How provenance names the origin of a home no seed made (an export of a real home).
UNSEEDED_PREFIX: Final = "home "


def origin(seed: object, home_id: str) -> str:
    """A home's origin as provenance's ``seeds`` record it: its generator's seed, else itself.

    Exports of real homes have no seed. Recorded as one ``None``, every export trained on
    would make every other export count as seen (and evaluate, train and publish refuse
    figures on seen homes); named by its id, only that very home does.
    """
    return str(seed) if seed is not None else f"{UNSEEDED_PREFIX}{home_id}"


def shared_seeds(trained: Iterable[object], evaluated: Iterable[object]) -> list[str]:
    """Seeds that made both the training and the evaluation homes (figures not on unseen homes).

    Compared as text: bundles, results files and home files do not all hold seeds as strings.
    """
    return sorted({str(seed) for seed in trained} & {str(seed) for seed in evaluated})


def describe_shared(shared: Sequence[str]) -> str:
    """Shared origins as a message names them: "seed 7", "seeds 7, 8", "home home_2025…Z"."""
    seeds = [item for item in shared if not item.startswith(UNSEEDED_PREFIX)]
    homes = [item for item in shared if item.startswith(UNSEEDED_PREFIX)]
    parts = [f"seed{'s' if len(seeds) > 1 else ''} {', '.join(seeds)}"] if seeds else []
    if homes:
        parts.append(f"home{'s' if len(homes) > 1 else ''} "
                     + ", ".join(item.removeprefix(UNSEEDED_PREFIX) for item in homes))
    return " and ".join(parts)


def home_files(folder: Path) -> list[Path]:
    """The home files of a folder; a missing, empty or busy one is refused before any work.

    Busy: ``generate`` is writing into it. What is there so far is not the folder's homes,
    and counting them said "no home files" or "at most 2 homes" of a folder being filled.
    """
    try:
        if folder.exists() and not folder.is_dir():
            raise DatasetError(f"{folder}: is a file; give the folder of home files")
        if not folder.is_dir():
            raise DatasetError(f"{folder}: no such folder (generate homes first: "
                               "python -m trainer generate)")
        with reading_homes(folder):
            files = list(iter_home_files(folder))
    except OSError as err:  # a folder, or a file in it, this user may not read
        where = os.fsdecode(err.filename) if err.filename else folder
        raise DatasetError(f"{where}: cannot read it ({err.strerror})") from None
    except FolderBusy as err:
        raise DatasetError(str(err)) from None
    if not files:
        raise DatasetError(f"{folder}: no home files (home_001.json.gz …) in it")
    return files


def in_workers(jobs: Iterable[Any], n_jobs: int) -> Iterator[Any]:
    """The results of ``jobs`` (joblib's ``delayed`` calls), in order, from worker processes.

    They leave Ctrl-C to this process (:func:`~trainer.signals.workers_ignore_ctrl_c`). A
    generator's first tasks start the workers, so the block that ignores Ctrl-C holds only
    their start, not the work.
    """
    with workers_ignore_ctrl_c():
        results: Iterator[Any] = Parallel(n_jobs=n_jobs, backend="loky",
                                          return_as="generator")(jobs)
    return results


def load_homes(folder: str | os.PathLike[str], *, labelled: bool = True,
               n_jobs: int = -1) -> list[Home]:
    """Every home file of a folder, read in parallel, in file-name order."""
    base = Path(folder)
    files = home_files(base)
    try:
        homes: list[Home] = list(in_workers((delayed(_load)(p) for p in files), n_jobs))
    except SnapshotError as err:
        # generate checks a home it keeps from its head only (reading all of them would take
        # minutes), so a file cut short by a copy passes there and is found here.
        raise DatasetError(f"{err} (a home generate made is made again once deleted: delete "
                           "it and run generate with the same flags)") from None
    if labelled:
        missing = [h.home_id for h in homes if not h.snapshot.home_type]
        if missing:
            raise DatasetError(f"{base}: homes without a label: {', '.join(missing[:5])}")
    return homes


def window_summary(home: Home, days: int | None, end: float | None = None) -> ActivitySummary:
    """The activity summary of the last ``days`` days before ``end`` (default: the file's end)."""
    if days is None:
        return EMPTY_SUMMARY
    stop = home.end if end is None else end
    return summarize_events(home.snapshot.events, home.timezone, stop - days * 86400.0, stop,
                            history_start=home.history_start)


#: Share of thinned copies that show no room at all: unsorted, and no device's name saying
#: one (:func:`without_room_names`). Without them the model had never seen a home without
#: rooms, and took such homes for studios, the type with fewest rooms (docs/model.md: 56 of the
#: 100 evaluation homes so stripped, 0.13 right), where owners who neither sorted nor renamed
#: anything have every type.
ROOMLESS_SHARE: Final = 0.05


def thin(snapshot: HomeSnapshot, rng: np.random.Generator) -> HomeSnapshot:
    """A copy missing random devices, entities, areas and sometimes the floor registry.

    Now and then (:data:`ROOMLESS_SHARE`) it loses every room too, as in a home nobody sorted
    whose devices keep the names they paired with.
    """
    p_device = rng.uniform(0.0, 0.25)
    p_entity = rng.uniform(0.0, 0.1)
    devices = tuple(d for d in snapshot.devices if rng.random() >= p_device)
    kept_devices = {d.device_id for d in devices}
    entities = tuple(
        e for e in snapshot.entities
        if (e.device_id is None or e.device_id in kept_devices) and rng.random() >= p_entity
    )
    used_areas = {d.area_id for d in devices} | {e.area_id for e in entities}
    areas = tuple(a for a in snapshot.areas if a.area_id in used_areas or rng.random() >= 0.3)
    drop_floors = bool(snapshot.floors) and rng.random() < 0.1
    area_ids = {a.area_id for a in areas}
    devices = tuple(d if d.area_id in area_ids or d.area_id is None else
                    replace(d, area_id=None) for d in devices)
    entities = tuple(e if e.area_id in area_ids or e.area_id is None else
                     replace(e, area_id=None) for e in entities)
    thinned = replace(snapshot, areas=areas, devices=devices, entities=entities,
                      events=EventLog())
    thinned = without_floor_registry(thinned) if drop_floors else thinned
    if rng.random() < ROOMLESS_SHARE:
        thinned = without_room_names(unsorted_registry(thinned))
    return thinned


def without_floor_registry(snapshot: HomeSnapshot) -> HomeSnapshot:
    """The home as an owner who never set floors up has it: no floors, no area on a floor."""
    return replace(snapshot, floors=(), areas=tuple(replace(a, floor_id=None)
                                                    for a in snapshot.areas))


def home_language(snapshot: HomeSnapshot) -> str:
    """The language the generator named the home in (its metadata; English when unsaid)."""
    return str(snapshot.metadata.get("language", "en"))


def unsorted_registry(snapshot: HomeSnapshot) -> HomeSnapshot:
    """The home as an owner who never sorted it: onboarding's areas, no floors, nothing placed.

    Real installations have them -- devices stay where their integration put them, in no
    area -- and the generator leaves only a tenth of its homes so, so the evaluation scores
    every home this way too (``unsorted_registry`` in the results): how sure the model is of
    a home that shows so little, against how often it is right. The areas are named in the
    home's language, as onboarding names them and as the generator's own unsorted homes have
    them: English ones beside devices named in German would read as a second set of rooms.
    """
    return replace(snapshot, floors=(), areas=onboarding_areas(home_language(snapshot)),
                   devices=tuple(replace(d, area_id=None) for d in snapshot.devices),
                   entities=tuple(replace(e, area_id=None) for e in snapshot.entities))


def name_without_room(name: str) -> str:
    """A device's name, folded, without the words that say its room; "device" if none is left.

    "Bedroom 2 Blinds" becomes "blinds", "Lampe Salon" "lampe". The words are those the
    features read as the room (:func:`room_phrase`), taken out until none is left, so that
    what remains places the device nowhere.
    """
    # Folded as room_phrase folds, so that its phrase is found in what it was given.
    words = fold(name)
    while (phrase := room_phrase(words)) is not None:
        kept = " ".join(f" {words} ".replace(f" {phrase} ", " ", 1).split())
        if kept == words:  # the phrase touches punctuation: "Lampe (Salon)", "Office/Guest"
            kept = " ".join(words.replace(phrase, " ", 1).split())
        if kept == words:
            break
        words = kept
    return words or "device"


def without_room_names(snapshot: HomeSnapshot) -> HomeSnapshot:
    """The home with no device's name saying a room (:func:`name_without_room`).

    Devices paired and never renamed keep the names their integrations give them ("TRADFRI
    bulb E27", "Motion Sensor"). Unsorted so too (``names_without_rooms`` in the results),
    a home shows the model no room at all: the floor of what it can do.
    """
    devices = tuple(replace(device, name=name_without_room(device.name))
                    for device in snapshot.devices)
    return replace(snapshot, devices=devices)


def with_onboarding_leftovers(snapshot: HomeSnapshot) -> HomeSnapshot:
    """The home with onboarding's three areas left empty beside its own, as many owners have.

    Onboarding creates a living room, a kitchen and a bedroom; an owner who makes areas of
    their own and never deletes those keeps rooms with nothing in them. A user's walkthrough
    saw them turn a studio into a surer apartment, so the evaluation scores every sorted home
    so too (``onboarding_leftovers`` in the results). Named in the home's language. Only those
    whose names the home does not have: Home Assistant refuses a second area of a name, so an
    owner with a "Kitchen" of their own took onboarding's for it. Ids are suffixed all the same.
    """
    taken = {area.name.casefold() for area in snapshot.areas}
    leftovers = tuple(replace(area, area_id=f"{area.area_id}_onboarding")
                      for area in onboarding_areas(home_language(snapshot))
                      if area.name.casefold() not in taken)
    return replace(snapshot, areas=snapshot.areas + leftovers)


@dataclass(slots=True)
class Rows:
    """Feature rows with, for each, its label, home and history window (-1: none)."""

    X: NDArray[Any]
    y: NDArray[Any]
    groups: NDArray[Any]
    windows: NDArray[Any]

    def __len__(self) -> int:
        return int(self.y.size)

    def select(self, mask: NDArray[Any]) -> Rows:
        """The rows where ``mask`` is True."""
        return Rows(self.X[mask], self.y[mask], self.groups[mask], self.windows[mask])


def _home_rows(home: Home, windows: Sequence[int | None], copies: int, seed: int,
               random_end: bool) -> list[tuple[NDArray[Any], int]]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, _stable_hash(home.home_id)]))
    span = home.snapshot.events.span
    start = span[0] if span else home.end
    rows: list[tuple[NDArray[Any], int]] = []
    for days in windows:
        for copy in range(copies):
            end = home.end
            if random_end and days is not None:
                earliest = min(start + days * 86400.0, home.end)
                end = float(rng.uniform(earliest, home.end))
            summary = window_summary(home, days, end)
            structure = home.snapshot if copy == 0 else thin(home.snapshot, rng)
            rows.append((extract_features(structure, summary),
                         NO_HISTORY if days is None else days))
    return rows


def copies_text(copies: int) -> str:
    """``--copies`` as the protocol records it: the home itself is the first copy, not thinned."""
    thinned = copies - 1
    return f"{copies} per window: the home" + (f" and {thinned} thinned" if thinned else " only")


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode())


@dataclass(slots=True)
class HomeRows:
    """Everything training needs from one home file, computed where the file was read."""

    label: str
    home_id: str
    seed: object
    generator: object
    days: object
    train: list[tuple[NDArray[Any], int]]
    test: list[tuple[NDArray[Any], int]]
    #: The 10-day row again with the floor registry removed, for a home that has one: scored
    #: beside its own, it shows what floors change in the same homes (``by_floor_registry``).
    unfloored: list[tuple[NDArray[Any], int]] = field(default_factory=list)
    #: The 10-day row again with the registry unsorted (:func:`unsorted_registry`).
    unsorted: list[tuple[NDArray[Any], int]] = field(default_factory=list)
    #: That row again with no device's name saying a room (:func:`without_room_names`).
    unnamed: list[tuple[NDArray[Any], int]] = field(default_factory=list)
    #: The 10-day row again with onboarding's areas left beside the home's own
    #: (:func:`with_onboarding_leftovers`); none for a home the generator left unsorted, or
    #: one whose own areas have all three names.
    leftovers: list[tuple[NDArray[Any], int]] = field(default_factory=list)
    #: The generator left the home itself unsorted (its metadata's ``unsorted``).
    left_unsorted: bool = False
    #: The language its onboarding areas are named in when unsorted (:func:`home_language`).
    language: str = "en"
    #: Its metadata's ``simulator_version``: a folder must not hold two simulations.
    simulator_version: object = None


def training_rows(path: Path, copies: int, seed: int) -> HomeRows:
    """Augmented rows (random window ends, thinned copies) and evaluation rows of one file."""
    home = _load(path)
    meta = home.snapshot.metadata
    return HomeRows(
        label=home.label, home_id=home.home_id, seed=meta.get("seed"),
        generator=meta.get("generator"), days=meta.get("days"),
        train=_home_rows(home, WINDOWS, copies, seed, True),
        test=_home_rows(home, EVALUATION_WINDOWS, 1, seed, False),
        left_unsorted=meta.get("unsorted") is True, language=home_language(home.snapshot),
        simulator_version=meta.get("simulator_version"),
    )


def evaluation_rows(path: Path) -> HomeRows:
    """Only the evaluation rows of one file (for scoring a model that is already trained)."""
    home = _load(path)
    meta = home.snapshot.metadata
    ten_days = window_summary(home, DEFAULT_WINDOW)
    unfloored = []
    if home.snapshot.floors:
        unfloored.append((extract_features(without_floor_registry(home.snapshot), ten_days),
                          DEFAULT_WINDOW))
    unsorted = [(extract_features(unsorted_registry(home.snapshot), ten_days), DEFAULT_WINDOW)]
    unnamed = [(extract_features(unsorted_registry(without_room_names(home.snapshot)), ten_days),
                DEFAULT_WINDOW)]
    left_unsorted = meta.get("unsorted") is True
    with_leftovers = with_onboarding_leftovers(home.snapshot)
    leftovers = [] if left_unsorted or with_leftovers.areas == home.snapshot.areas else [
        (extract_features(with_leftovers, ten_days), DEFAULT_WINDOW)]
    return HomeRows(label=home.label, home_id=home.home_id, seed=meta.get("seed"),
                    generator=meta.get("generator"), days=meta.get("days"), train=[],
                    test=_home_rows(home, EVALUATION_WINDOWS, 1, 0, False), unfloored=unfloored,
                    unsorted=unsorted, unnamed=unnamed, leftovers=leftovers,
                    left_unsorted=left_unsorted, language=home_language(home.snapshot),
                    simulator_version=meta.get("simulator_version"))


def stack(homes: Sequence[HomeRows], which: str) -> Rows:
    """Rows of the given homes; ``which`` names a :class:`HomeRows` list (``test`` …)."""
    X, y, groups, wins = [], [], [], []
    for home in homes:
        for vector, days in getattr(home, which):
            X.append(vector)
            y.append(home.label)
            groups.append(home.home_id)
            wins.append(days)
    if not X:
        raise DatasetError("no rows: no homes were given")
    return Rows(np.vstack(X), np.asarray(y), np.asarray(groups), np.asarray(wins))


def _file_rows(path: Path, windows: Sequence[int | None], copies: int, seed: int,
               augment: bool) -> tuple[str, str, list[tuple[NDArray[Any], int]]]:
    home = _load(path)
    return home.label, home.home_id, _home_rows(home, windows, copies, seed, augment)


def build_rows(homes: Iterable[Home | Path], windows: Sequence[int | None] = WINDOWS, *,
               copies: int = 1, seed: int = 0, augment: bool = False,
               n_jobs: int = -1) -> Rows:
    """Rows for every home × window (× ``copies`` when augmenting: the home, then thinned ones).

    Homes may be given as files: each worker then reads its own, so no history crosses
    process boundaries -- the fast path for training.
    """
    copies = copies if augment else 1
    jobs = []
    for home in homes:
        if isinstance(home, Home):
            jobs.append(delayed(lambda h: (h.label, h.home_id, _home_rows(
                h, windows, copies, seed, augment)))(home))
        else:
            jobs.append(delayed(_file_rows)(home, windows, copies, seed, augment))
    try:
        results = list(in_workers(jobs, n_jobs))
    except SnapshotError as err:
        raise DatasetError(str(err)) from None
    X, y, groups, wins = [], [], [], []
    for label, home_id, rows in results:
        for vector, days in rows:
            X.append(vector)
            y.append(label)
            groups.append(home_id)
            wins.append(days)
    if not X:
        raise DatasetError("no rows: no homes were given")
    return Rows(np.vstack(X), np.asarray(y), np.asarray(groups), np.asarray(wins))


#: The largest seed scikit-learn takes: its ``random_state`` is a 32-bit unsigned integer.
MAX_SEED: Final = 2**32 - 1


def check_seed(seed: int, fits: int = 1) -> None:
    """Refuse a seed before any home is read, rather than when scikit-learn rejects it after.

    A run of ``fits`` fits seeds them ``seed``, ``seed + 1``, … (the curve's repeats).
    """
    top = MAX_SEED - (fits - 1)
    if not 0 <= seed <= top:
        raise DatasetError(f"--seed {seed}: give a whole number from 0 to {top}"
                           + (f" (the {fits} fits use --seed to --seed + {fits - 1})"
                              if fits > 1 else ""))


#: Copies of a home per window: 4 by default; a hundred is already 25 times the rows, and a
#: count without bound only fills memory before anything is read.
MAX_COPIES: Final = 100


def check_copies(copies: int) -> None:
    """Refuse a copy count before any home is read."""
    if copies < 1:
        raise DatasetError("--copies must be at least 1")
    if copies > MAX_COPIES:
        raise DatasetError(f"--copies must be at most {MAX_COPIES}, not {copies}")


#: Rows a leaf may be asked to hold at most: far more than a run has (24 per home), and a
#: count the tree builder's integers hold.
MAX_MIN_SAMPLES_LEAF: Final = 1_000_000


def check_min_samples_leaf(rows: int) -> None:
    """Refuse a leaf size before any home is read."""
    if rows < 1:
        raise DatasetError("--min-samples-leaf must be at least 1")
    if rows > MAX_MIN_SAMPLES_LEAF:
        raise DatasetError(f"--min-samples-leaf must be at most {MAX_MIN_SAMPLES_LEAF:,}, "
                           f"not {rows}")


#: More workers than any machine has cores; a larger count overflows a C int in joblib.
MAX_JOBS: Final = 1024


def check_jobs(n_jobs: int, flag: str = "--jobs") -> None:
    """Refuse a worker count joblib would refuse only once reading has started."""
    if n_jobs != -1 and not 1 <= n_jobs <= MAX_JOBS:
        raise DatasetError(f"{flag} {n_jobs}: give -1 (all cores) or a number of workers, "
                           f"from 1 to {MAX_JOBS}")


def check_test_size(test_size: float) -> None:
    """Refuse a held-out share that is no share; NaN fails the comparison, so it is refused."""
    if not 0.0 < test_size < 1.0:
        raise DatasetError(f"--test-size {test_size}: give a share of the homes between 0 and 1, "
                           "e.g. 0.2")


def held_out(homes: int, test_size: float) -> int:
    """How many of a type's ``homes`` :func:`split_by_home` holds out: one stays in training."""
    n_test = math.floor(homes * test_size + 0.5) if homes > 1 else 0
    return min(n_test, homes - 1)


def split_by_home(homes: Sequence[Home], test_size: float, seed: int) -> tuple[list[Home],
                                                                               list[Home]]:
    """Stratified split of homes (not rows): every label keeps its share on both sides."""
    check_test_size(test_size)
    rng = np.random.default_rng(seed)
    train: list[Home] = []
    test: list[Home] = []
    labels = sorted({h.label for h in homes})
    for label in labels:
        group = [h for h in homes if h.label == label]
        order = rng.permutation(len(group))
        n_test = held_out(len(group), test_size)
        test += [group[i] for i in order[:n_test]]
        train += [group[i] for i in order[n_test:]]
    if not test:
        raise DatasetError(f"--test-size {test_size} leaves no home for testing: homes are held "
                           "out type by type, rounded, and one of each type stays in training; "
                           "use more homes of each type, or a larger --test-size")
    return train, test
