"""Rows from home files: splits by home, history windows, augmentation, seeds (no training)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from custom_components.home_type.core.activity import ActivitySummary
from custom_components.home_type.core.features import (
    FEATURE_NAMES,
    areas_in_use,
    extract_features,
    name_placement,
)
from custom_components.home_type.core.snapshot import (
    HOME_TYPES,
    Area,
    Device,
    Entity,
    EventLog,
    HomeSnapshot,
    SnapshotError,
    iter_home_files,
    read_snapshot,
    write_snapshot,
)
from tests.conftest import ROOT
from trainer import dataset
from trainer.dataset import (
    DEFAULT_WINDOW,
    EVALUATION_WINDOWS,
    MAX_COPIES,
    MAX_JOBS,
    MAX_MIN_SAMPLES_LEAF,
    MAX_SEED,
    WINDOWS,
    DatasetError,
    Home,
    HomeRows,
    as_home,
    check_copies,
    check_jobs,
    check_min_samples_leaf,
    check_seed,
    describe_shared,
    evaluation_rows,
    held_out,
    load_homes,
    name_without_room,
    origin,
    shared_seeds,
    split_by_home,
    stack,
    thin,
    training_rows,
    unsorted_registry,
    window_summary,
    with_onboarding_leftovers,
    without_floor_registry,
    without_room_names,
)
from trainer.generate.registry import onboarding_areas

DAY = 86400.0


@dataclass
class _Home:
    """What a split looks at: a label and an id."""

    label: str
    home_id: str


def _homes(**counts: int) -> list[_Home]:
    return [_Home(label, f"{label}{i}") for label, n in counts.items() for i in range(n)]


def _split(homes: list[_Home], test_size: float, seed: int) -> tuple[list[_Home], list[_Home]]:
    # _Home stands in for Home on purpose: a split reads only the label and the id
    return split_by_home(homes, test_size, seed)  # type: ignore[arg-type, return-value]


def test_split_holds_out_a_rounded_share_of_each_type() -> None:
    homes = _homes(a=5, b=3, c=1)
    train, test = _split(homes, 0.2, 0)
    assert sorted(h.label for h in test) == ["a", "b"]  # 5 × 0.2 = 1; 3 × 0.2 = 0.6 → 1
    assert {h.home_id for h in train} | {h.home_id for h in test} == {h.home_id for h in homes}
    assert not {h.home_id for h in train} & {h.home_id for h in test}
    assert "c0" in {h.home_id for h in train}  # a type's only home is trained on


def test_split_keeps_a_training_home_of_every_type() -> None:
    train, test = _split(_homes(a=2, b=2), 0.9, 0)
    assert sorted(h.label for h in train) == sorted(h.label for h in test) == ["a", "b"]


def test_half_a_home_is_held_out() -> None:
    """Rounded as the refusal below says, half up: two homes of a type at 0.25 hold one out
    (round() would hold none, and refuse the split), five at 0.5 hold three."""
    train, test = _split(_homes(a=2, b=2), 0.25, 0)
    assert sorted(h.label for h in test) == sorted(h.label for h in train) == ["a", "b"]
    assert held_out(5, 0.5) == 3


def test_split_that_leaves_no_test_home_is_refused() -> None:
    with pytest.raises(DatasetError) as refused:
        _split(_homes(a=1, b=1), 0.5, 0)
    assert str(refused.value) == (
        "--test-size 0.5 leaves no home for testing: homes are held out type by type, rounded, "
        "and one of each type stays in training; use more homes of each type, or a larger "
        "--test-size")


def test_split_follows_the_seed() -> None:
    homes = _homes(a=10, b=10)
    ids = [sorted(h.home_id for h in _split(homes, 0.3, seed)[1]) for seed in (1, 1, 2)]
    assert ids[0] == ids[1] != ids[2]


def test_the_ends_of_each_setting_s_range_are_accepted() -> None:
    """A check refuses what lies outside its range and nothing inside it: seed 0, 100 copies
    and 1024 workers are settings a user may give."""
    check_seed(0)
    check_seed(MAX_SEED)
    check_copies(1)
    check_copies(MAX_COPIES)
    check_min_samples_leaf(1)
    check_min_samples_leaf(MAX_MIN_SAMPLES_LEAF)
    for n_jobs in (-1, 1, MAX_JOBS):
        check_jobs(n_jobs)
    with pytest.raises(DatasetError, match=f"--jobs {MAX_JOBS + 1}: give -1"):
        check_jobs(MAX_JOBS + 1)


#: What a training run makes of a home file and of a set of homes, printed as JSON: the rows
#: of ``training_rows`` (seed 5) of the file named first, and the homes ``split_by_home``
#: holds out (seed 3) of four homes of each type.
_ROWS_AND_SPLIT = """
import json, sys
from pathlib import Path
from custom_components.home_type.core.snapshot import HOME_TYPES, HomeSnapshot
from trainer.dataset import Home, split_by_home, training_rows
rows = training_rows(Path(sys.argv[1]), 4, 5)
homes = [Home(HomeSnapshot(f"{label}{i}", label, {}), "UTC", 0.0)
         for label in HOME_TYPES for i in range(4)]
print(json.dumps({"rows": [vector.tolist() for vector, _ in rows.train],
                  "held_out": sorted(h.home_id for h in split_by_home(homes, 0.25, 3)[1])}))
"""


def test_a_seed_makes_the_same_rows_and_split_in_every_run(tmp_path: Path) -> None:
    """Training is repeatable from its seed: the draws that thin a home's copies (and cut its
    windows) and the homes held out must not depend on Python's string hashing, which differs
    from one run to the next."""
    devices = tuple(Device(f"d{i}", f"Lamp {i}", f"room{i % 4}") for i in range(12))
    snapshot = HomeSnapshot(
        "home_001", "condo", {}, areas=tuple(Area(f"room{i}", f"Room {i}") for i in range(4)),
        devices=devices,
        entities=tuple(Entity(f"light.lamp_{i}", f"d{i}", f"room{i % 4}") for i in range(12)))
    path = write_snapshot(snapshot, tmp_path / "home_001.json")
    runs = [subprocess.Popen([sys.executable, "-c", _ROWS_AND_SPLIT, str(path)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
            for seed in ("0", "1")]  # side by side: two interpreters' start-up, not one after
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    made = [json.loads(stdout) for stdout, _ in outputs]
    assert made[0] == made[1]
    assert len(made[0]["held_out"]) == len(HOME_TYPES)


def test_seeds_are_compared_as_text() -> None:
    assert shared_seeds([7, "8"], ["7", 9]) == ["7"]
    assert shared_seeds([7], [8]) == []


def test_a_home_no_seed_made_is_its_own_origin() -> None:
    """Two exports of real homes share no seed; the same export trained on is seen."""
    assert origin(7, "home_001") == "7"
    exports = [origin(None, "home_20250315T120000Z"), origin(None, "home_20250316T120000Z")]
    assert shared_seeds(exports[:1], exports[1:]) == []
    assert shared_seeds(["7", *exports], exports[1:]) == [exports[1]]
    assert describe_shared(["7"]) == "seed 7"
    assert describe_shared(["7", "8"]) == "seeds 7, 8"
    assert describe_shared(["7", exports[0]]) == "seed 7 and home home_20250315T120000Z"
    assert describe_shared(exports) == (
        "homes home_20250315T120000Z, home_20250316T120000Z")


def test_a_run_of_several_fits_keeps_every_seed_in_range() -> None:
    check_seed(MAX_SEED - 2, fits=3)
    with pytest.raises(DatasetError, match="to 4294967293"):
        check_seed(MAX_SEED - 1, fits=3)


def test_rows_are_grouped_by_home() -> None:
    homes = [HomeRows(label, home_id, None, None, None, [], [(np.zeros(2), -1), (np.ones(2), 10)])
             for label, home_id in (("a", "h1"), ("a", "h2"))]
    rows = stack(homes, "test")
    assert rows.groups.tolist() == ["h1", "h1", "h2", "h2"]
    assert rows.windows.tolist() == [-1, 10, -1, 10]


@pytest.fixture(scope="module")
def home_file(small_homes: Path) -> Path:
    return next(iter(iter_home_files(small_homes)))


def test_a_window_covers_its_days(home_file: Path) -> None:
    home = as_home(read_snapshot(home_file))
    assert window_summary(home, None).days == 0.0
    for days in (1, 10):
        assert window_summary(home, days).days == pytest.approx(days, abs=0.05)


def _light_home(metadata: dict[str, object], stamps: list[str]) -> Home:
    """A home of one light whose events, off and on by turns, come at ``stamps`` (UTC)."""
    times = [datetime.fromisoformat(stamp).timestamp() for stamp in stamps]
    return as_home(HomeSnapshot(
        "x", "studio", metadata, entities=(Entity("light.a"),),
        events=EventLog.from_columns(["light.a"] * len(times), times,
                                     [("off", "on")[i % 2] for i in range(len(times))])))


def test_without_a_metadata_end_history_ends_just_after_the_last_event() -> None:
    """As the format says; a window's end is not in it, so an end on the last event would
    leave the home's last change out of every window."""
    home = _light_home({}, ["2025-06-01T00:00:00+00:00", "2025-06-02T05:00:00+00:00"])
    assert home.end == datetime.fromisoformat("2025-06-02T05:00:01+00:00").timestamp()
    assert window_summary(home, 1).counts["light.a"][0, 5] == 1


def test_a_window_ends_where_it_is_asked_to() -> None:
    """Training cuts windows that end before the file does: only the changes before that end,
    and the day before it, are in the window."""
    home = _light_home({}, ["2025-06-01T00:00:00+00:00", "2025-06-02T01:00:00+00:00",
                            "2025-06-04T05:00:00+00:00"])
    summary = window_summary(home, 1, datetime.fromisoformat("2025-06-03T00:00Z").timestamp())
    assert summary.counts["light.a"].sum() == 1 and summary.counts["light.a"][0, 1] == 1


def test_an_exported_home_s_history_starts_at_its_recorder_s_oldest_state() -> None:
    """An export's first event is its first change in the window, not the start of what the
    recorder kept (metadata ``history_start``): the quiet days before it are history too,
    as the integration counts them, not hours the window missed."""
    home = _light_home({"end": "2025-06-10T00:00:00Z", "history_start": "2025-06-01T00:00:00Z"},
                       ["2025-06-08T00:00:00+00:00", "2025-06-08T01:00:00+00:00"])
    assert home.history_start == datetime.fromisoformat("2025-06-01T00:00Z").timestamp()
    assert window_summary(home, DEFAULT_WINDOW).days == pytest.approx(9.0)


def test_a_metadata_end_without_an_offset_is_refused() -> None:
    """Read in the training machine's zone, it moved the windows with TZ; a home built in
    memory (not read from a file, which is checked as it is read) is held to the same rule."""
    snapshot = HomeSnapshot("x", None, {"end": "2025-01-20T22:00:00",
                                        "timezone": "Europe/Madrid"})
    with pytest.raises(SnapshotError) as caught:
        as_home(snapshot)
    assert str(caught.value) == ("x: metadata.end: expected an ISO 8601 timestamp with a UTC "
                                 "offset, got '2025-01-20T22:00:00'")


def test_training_windows_end_at_random_days_inside_the_history(
        home_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Copy 0 of each window is the home as it is; the others are thinned, all seeded."""
    ends: list[tuple[int | None, float | None]] = []
    summary = dataset.window_summary

    def recorded(home: dataset.Home, days: int | None, end: float | None = None
                 ) -> ActivitySummary:
        ends.append((days, end))
        return summary(home, days, end)

    monkeypatch.setattr(dataset, "window_summary", recorded)
    home = as_home(read_snapshot(home_file))
    span = home.snapshot.events.span
    assert span is not None
    start = span[0]
    rows = training_rows(home_file, 3, 5)
    assert [days for _, days in rows.train] == [-1 if w is None else w
                                                for w in WINDOWS for _ in range(3)]
    train_ends = ends[:len(rows.train)]
    for days, end in train_ends:
        assert end is not None
        if days is not None:
            assert min(start + days * DAY, home.end) <= end <= home.end
    assert {end for days, end in train_ends if days in (1, 3)} - {home.end}, "not all at the end"
    assert [end for _, end in ends[len(rows.train):]] == [home.end] * len(EVALUATION_WINDOWS)

    evaluation = evaluation_rows(home_file)
    assert [days for _, days in rows.test] == [-1, 1, 10, 90]
    for (ours, _), (theirs, _) in zip(rows.test, evaluation.test, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    structure_only = [vector for vector, days in rows.train if days == -1]
    np.testing.assert_array_equal(structure_only[0], evaluation.test[0][0])  # copy 0 as is
    assert any((v != structure_only[0]).any() for v in structure_only[1:]), "copies thinned"

    again, other = training_rows(home_file, 3, 5), training_rows(home_file, 3, 6)
    same = [np.array_equal(a, b) for (a, _), (b, _) in zip(rows.train, again.train, strict=True)]
    differ = [not np.array_equal(a, b)
              for (a, _), (b, _) in zip(rows.train, other.train, strict=True)]
    assert all(same) and any(differ)
    # Seeded by the home too: two homes of one seed are not cut and thinned alike.
    ends.clear()
    twin = write_snapshot(replace(read_snapshot(home_file), home_id="twin"),
                          tmp_path / "twin.json")
    twin_rows = training_rows(twin, 3, 5)
    assert ends[:len(rows.train)] != train_ends
    assert any(not np.array_equal(a, b)
               for (a, _), (b, _) in zip(rows.train, twin_rows.train, strict=True))


def test_thinning_drops_a_few_devices_and_their_entities(small_homes: Path) -> None:
    """Up to a quarter of the devices go (a real home lacks some), not most of them."""
    snapshot = next(s for s in map(read_snapshot, iter_home_files(small_homes))
                    if s.floors and any(d.area_id for d in s.devices))
    rng = np.random.default_rng(0)
    kept = []
    own_area = {d.device_id: d.area_id for d in snapshot.devices}
    floorless = 0
    deviceless = sum(e.device_id is None for e in snapshot.entities)
    assert deviceless  # a template sensor, the sun: entities of no device
    entities_kept, deviceless_kept = [], []
    for _ in range(200):
        thinned = thin(snapshot, rng)
        devices = {d.device_id for d in thinned.devices}
        assert devices <= {d.device_id for d in snapshot.devices}
        assert all(e.device_id is None or e.device_id in devices for e in thinned.entities)
        assert not len(thinned.events)
        kept.append(len(devices) / len(snapshot.devices))
        # Up to a tenth of the entities left go too, those of no device alike.
        entities_kept.append(len(thinned.entities) / sum(
            e.device_id is None or e.device_id in devices for e in snapshot.entities))
        deviceless_kept.append(sum(e.device_id is None for e in thinned.entities) / deviceless)
        if any(d.area_id for d in thinned.devices):  # not one of the copies with no room
            # An area something is in is never dropped: its devices stay in it.
            assert all(d.area_id == own_area[d.device_id] for d in thinned.devices)
            floorless += not thinned.floors
    assert min(kept) >= 0.6 and 0.8 <= np.mean(kept) < 1.0
    assert min(entities_kept) >= 0.8 and 0.9 <= np.mean(entities_kept) < 1.0
    assert np.mean(deviceless_kept) >= 0.9
    # Now and then the floor registry goes too, as an owner may never have set it up.
    assert 5 <= floorless <= 40, floorless  # a tenth of about 190


def test_a_few_thinned_copies_show_no_room(home_file: Path) -> None:
    """A model that never saw a home without rooms called 90 of 100 such homes studios (the
    type with fewest): one thinned copy in twenty is unsorted, no device's name saying a room,
    so homes of every type without rooms are trained on."""
    snapshot = read_snapshot(home_file)
    assert any(area_id for area_id in areas_in_use(snapshot, name_placement(snapshot)))
    rng = np.random.default_rng(0)
    roomless = 0
    for _ in range(400):
        thinned = thin(snapshot, rng)
        if not any(area_id for area_id in areas_in_use(thinned, name_placement(thinned))):
            roomless += 1
            assert not thinned.floors and all(d.area_id is None for d in thinned.devices)
    assert 8 <= roomless <= 35, roomless  # 5 % of 400 is 20


def test_a_home_with_floors_is_scored_again_without_them(small_homes: Path,
                                                           tmp_path: Path) -> None:
    """The 10-day row of the same home, as an owner who never set floors up would have it."""
    snapshot = next(s for s in map(read_snapshot, iter_home_files(small_homes)) if s.floors)
    path = write_snapshot(snapshot, tmp_path / "floors.json")
    rows = evaluation_rows(path)
    ((vector, days),) = rows.unfloored
    own = next(v for v, d in rows.test if d == DEFAULT_WINDOW)
    has_floors = FEATURE_NAMES.index("has_floor_registry")
    assert days == DEFAULT_WINDOW and own[has_floors] == 1 and vector[has_floors] == 0

    stripped = without_floor_registry(snapshot)
    assert stripped.floors == () and all(a.floor_id is None for a in stripped.areas)
    assert [replace(a, floor_id=None) for a in snapshot.areas] == list(stripped.areas)
    assert replace(stripped, floors=snapshot.floors, areas=snapshot.areas) == snapshot
    np.testing.assert_array_equal(vector, extract_features(
        stripped, window_summary(as_home(snapshot), DEFAULT_WINDOW)))
    # Stripped, the home is one of those without floors: its own row is that row, and it has
    # no second one.
    without = evaluation_rows(write_snapshot(stripped, tmp_path / "no_floors.json"))
    assert without.unfloored == []
    np.testing.assert_array_equal(
        next(v for v, d in without.test if d == DEFAULT_WINDOW), vector)


def test_every_home_is_scored_again_unsorted(small_homes: Path, tmp_path: Path) -> None:
    """The 10-day row of the same home as an owner who never sorted it: onboarding's three
    areas, no floors, nothing in an area; devices, entities and history as they are."""
    snapshot = next(s for s in map(read_snapshot, iter_home_files(small_homes)) if s.floors)
    rows = evaluation_rows(write_snapshot(snapshot, tmp_path / "home.json"))
    ((vector, days),) = rows.unsorted
    unsorted = unsorted_registry(snapshot)
    assert rows.language == snapshot.metadata["language"]
    assert unsorted.floors == () and unsorted.areas == onboarding_areas(rows.language)
    assert all(d.area_id is None for d in unsorted.devices)
    assert all(e.area_id is None for e in unsorted.entities)
    assert [replace(d, area_id=None) for d in snapshot.devices] == list(unsorted.devices)
    assert [e.entity_id for e in unsorted.entities] == [e.entity_id for e in snapshot.entities]
    assert unsorted.events is snapshot.events
    without_area = FEATURE_NAMES.index("devices_without_area_share")
    assert days == DEFAULT_WINDOW and vector[without_area] == 1
    np.testing.assert_array_equal(vector, extract_features(
        unsorted, window_summary(as_home(snapshot), DEFAULT_WINDOW)))


@pytest.mark.parametrize(("name", "left"), [
    ("Bedroom 2 Blinds", "blinds"),
    ("Lampe Salon", "lampe"),  # the device word first, the room after it
    ("Trädgård Sprinkler", "sprinkler"),
    ("2nd Floor Bedroom Plug", "plug"),
    ("Elternschlafzimmer Licht", "licht"),  # a compound read by the room word it ends in
    ("Lampe (Salon)", "lampe ( )"),  # a room beside punctuation
    ("Veranda Camera", "camera"),  # alone, "camera" says no room: a camera, kept
    ("Camera 2 Luce", "luce"),  # a leading "camera" and a number: an Italian bedroom, gone
    ("𝐊𝐢𝐭𝐜𝐡𝐞𝐧 Light", "light"),  # mathematical bold letters: folded, then folded again
    ("Hue Kitchen Light", "light"),  # the words before the room go with it, as read
    ("Living Room", "device"),  # nothing but the room
    ("TRADFRI bulb E27", "tradfri bulb e27"),  # no room: as it was, folded
    ("Mia Camera", "mia camera"),  # a room word that says what the device is, kept
])
def test_a_name_without_its_room_places_the_device_nowhere(name: str, left: str) -> None:
    assert name_without_room(name) == left


def test_every_home_is_scored_again_unsorted_with_no_room_in_any_name(
        small_homes: Path, tmp_path: Path) -> None:
    """The unsorted row again, its devices' names saying no room: nothing is placed by name,
    and all else is as in the unsorted row."""
    snapshot = next(s for s in map(read_snapshot, iter_home_files(small_homes))
                    if name_placement(unsorted_registry(s)).devices)
    rows = evaluation_rows(write_snapshot(snapshot, tmp_path / "home.json"))
    ((vector, days),) = rows.unnamed
    unnamed = unsorted_registry(without_room_names(snapshot))
    placement = name_placement(unnamed)
    assert (placement.devices, placement.added) == ({}, ())
    assert [replace(d, name="") for d in unnamed.devices] == [
        replace(d, name="", area_id=None) for d in snapshot.devices]
    assert days == DEFAULT_WINDOW
    np.testing.assert_array_equal(vector, extract_features(
        unnamed, window_summary(as_home(snapshot), DEFAULT_WINDOW)))
    assert not np.array_equal(vector, rows.unsorted[0][0])


def test_a_sorted_home_is_scored_again_with_onboarding_leftovers(
        small_homes: Path, tmp_path: Path) -> None:
    """The 10-day row of the same home with onboarding's three areas, named in its language,
    left empty beside its own; a home the generator left unsorted has none."""
    snapshot = next(s for s in map(read_snapshot, iter_home_files(small_homes))
                    if s.metadata.get("unsorted") is not True)
    german = replace(snapshot, metadata={**snapshot.metadata, "language": "de"})
    rows = evaluation_rows(write_snapshot(german, tmp_path / "home.json"))
    ((vector, days),) = rows.leftovers
    left = with_onboarding_leftovers(german)
    added = left.areas[len(german.areas):]
    assert left.areas[:len(german.areas)] == german.areas
    own = {a.name.casefold() for a in german.areas}
    assert [a.name for a in added] == [name for name in ("Wohnzimmer", "Küche", "Schlafzimmer")
                                       if name.casefold() not in own]
    assert added and len({a.area_id for a in left.areas}) == len(left.areas)
    # A home with a "Küche" of its own took onboarding's for it: no second one.
    kitchen = replace(german, areas=(*german.areas, Area("kueche", "küche")))
    assert "Küche" not in [a.name for a in with_onboarding_leftovers(kitchen).areas]
    # An area of its own with onboarding's id and another name: the leftover gets another id.
    lounge = HomeSnapshot("x", "condo", {}, areas=(Area("living_room", "Lounge"),))
    assert [(a.area_id, a.name) for a in with_onboarding_leftovers(lounge).areas[:2]] == [
        ("living_room", "Lounge"), ("living_room_onboarding", "Living Room")]
    assert (left.devices, left.entities, left.floors) == (
        german.devices, german.entities, german.floors)
    assert days == DEFAULT_WINDOW
    np.testing.assert_array_equal(vector, extract_features(
        left, window_summary(as_home(german), DEFAULT_WINDOW)))
    unsorted = replace(german, metadata={**german.metadata, "unsorted": True})
    assert evaluation_rows(write_snapshot(unsorted, tmp_path / "unsorted.json")).leftovers == []


def test_an_unsorted_home_gets_onboarding_areas_in_its_own_language(
        small_homes: Path, tmp_path: Path) -> None:
    """As onboarding names them: German ones beside devices named in German, one set of rooms."""
    snapshot = next(iter(map(read_snapshot, iter_home_files(small_homes))))
    german = replace(snapshot, metadata={**snapshot.metadata, "language": "de"})
    assert [a.name for a in unsorted_registry(german).areas] == [
        "Wohnzimmer", "Küche", "Schlafzimmer"]
    path = write_snapshot(german, tmp_path / "home.json")
    assert evaluation_rows(path).language == training_rows(path, 1, 0).language == "de"
    unsaid = replace(snapshot, metadata={k: v for k, v in snapshot.metadata.items()
                                         if k != "language"})
    assert [a.name for a in unsorted_registry(unsaid).areas] == [
        "Living Room", "Kitchen", "Bedroom"]


def test_loading_labelled_homes_refuses_a_home_without_a_label(tmp_path: Path) -> None:
    """Homes to learn or score from need their type; unlabelled ones are asked for as such."""
    write_snapshot(HomeSnapshot("home_x", None, {}), tmp_path / "home_001.json")
    with pytest.raises(DatasetError) as refused:
        load_homes(tmp_path, n_jobs=1)
    assert str(refused.value) == f"{tmp_path}: homes without a label: home_x"
    assert [home.label for home in load_homes(tmp_path, labelled=False, n_jobs=1)] == [""]


def test_a_home_cut_short_says_how_to_make_it_again(small_homes: Path, tmp_path: Path) -> None:
    """generate keeps a home from its head alone, so a file cut by a copy gets past it; the
    run that reads it whole says what generate would do about it."""
    cut = tmp_path / "home_001.json.gz"
    cut.write_bytes((small_homes / "home_001.json.gz").read_bytes()[:20_000])
    with pytest.raises(DatasetError) as refused:
        load_homes(tmp_path, n_jobs=1)
    assert str(refused.value).startswith(f"{cut}: damaged gzip data")
    assert str(refused.value).endswith(
        "(a home generate made is made again once deleted: delete it and run generate with the "
        "same flags)")


#: In a process of its own (joblib keeps its workers for the next call): start the workers,
#: then say, for each, whether it ignores SIGINT.
_WORKERS_AND_CTRL_C = """
import os, signal, sys
from pathlib import Path
from trainer import dataset, runs, train
folder = Path(sys.argv[1])
{call}
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
ignores = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        parent = Path(f"/proc/{{pid}}/stat").read_text().rsplit(")", 1)[1].split()[1]
        command = Path(f"/proc/{{pid}}/cmdline").read_bytes()
        status = Path(f"/proc/{{pid}}/status").read_text().splitlines()
    except OSError:
        continue
    if parent == str(os.getpid()) and b"popen_loky_posix" in command:
        ignored = int(next(line.split()[1] for line in status if line.startswith("SigIgn:")), 16)
        ignores.append(bool(ignored >> (signal.SIGINT - 1) & 1))
print(ignores)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("call", [
    "dataset.load_homes(folder, n_jobs=2)",
    "dataset.build_rows(sorted(folder.glob('home_*')), n_jobs=2)",
    "train.read_rows(folder, 1, 0, 2, runs.no_progress, 'reading')",
], ids=["load_homes", "build_rows", "read_rows"])
def test_worker_processes_leave_ctrl_c_to_the_main_process(small_homes: Path, call: str) -> None:
    """A terminal's Ctrl-C reaches its whole process group: a joblib worker still importing
    when it came printed a traceback before the main process said "interrupted" (3 times in
    12 when evaluate was interrupted in its first second). Workers start with SIGINT ignored,
    and the main process has its own handler back once they have started."""
    result = subprocess.run([sys.executable, "-c", _WORKERS_AND_CTRL_C.format(call=call),
                             str(small_homes)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[True, True]"
