"""``home_type.export_snapshot``: the live home as a file the trainer classifies as the sensor does.

A home is loaded into Home Assistant (registries and recorder rows), Home Type classifies it
with a trained model, the action exports it, and the trainer's own code -- ``as_home`` and
``window_summary`` on the file, then the same model -- must give the sensor's label and
probabilities to 1e-9, anonymised or not: the file is a faithful copy of what the sensor read.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import voluptuous as vol
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.home_type import _async_remove_stale_exports, activity as home_type_activity
from custom_components.home_type.const import CONF_HISTORY_DAYS, CONF_MODEL_PATH, DOMAIN
from custom_components.home_type.core import activity as activity_module
from custom_components.home_type.core.activity import counted_changes
from custom_components.home_type.core.classify import classify
from custom_components.home_type.core.features import FEATURE_NAMES, extract_features
from custom_components.home_type.core.model import load_model, sha256_path
from custom_components.home_type.core.snapshot import (
    HOME_TYPES,
    EventLog,
    HomeSnapshot,
    iter_home_files,
    read_snapshot,
)
from custom_components.home_type.export import (
    DEFAULT_NAMES_PER_SECOND,
    anonymize,
    async_build_export,
    default_filenames,
    read_events,
    remove_stale_exports,
)
from custom_components.home_type.snapshot import async_read_home
from tests.conftest import run_trainer
from trainer.dataset import as_home, window_summary

from .common import async_insert_events, async_load_home, failing_database, held
from .homes import END, SECRETS, tiny_home

MODEL_OPTION = "home_type/home_type_classifier.pkl"


async def export(hass: HomeAssistant, entry_id: str, **fields: object) -> dict[str, Any]:
    """Call home_type.export_snapshot and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "export_snapshot", {"config_entry_id": entry_id, **fields},
        blocking=True, return_response=True,
    )
    assert response is not None
    return response


def _install_model(model: Path, config_dir: Path) -> None:
    target = config_dir / MODEL_OPTION
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, target)
    shutil.copy(sha256_path(model), sha256_path(target))


async def _set_up_home(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, home: HomeSnapshot, days: int,
    option: str = "",
) -> MockConfigEntry:
    """The home in Home Assistant, time at its end, Home Type set up on it."""
    trainer_home = as_home(home)
    freezer.move_to(datetime.fromtimestamp(trainer_home.end, UTC))
    await hass.config.async_set_time_zone(trainer_home.timezone)
    await async_load_home(hass, home)
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type",
                            options={CONF_HISTORY_DAYS: days, CONF_MODEL_PATH: option})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture(scope="module")
def homes(small_homes: Path) -> dict[str, HomeSnapshot]:
    """The hand-made home and a generated cottage (wood stove) and multi-storey house."""
    found: dict[str, HomeSnapshot] = {"tiny": tiny_home()}
    for path in iter_home_files(small_homes):
        home = read_snapshot(path)
        found.setdefault(home.home_type or "", home)
    return found


@pytest.mark.recorder
@pytest.mark.parametrize("anonymize", [True, False])
@pytest.mark.parametrize(("name", "days"), [("tiny", 3), ("cottage", 10), ("multi_story", 90)])
async def test_trainer_gives_the_sensors_answer(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_dir: Path,
    trained_model: Path,
    homes: dict[str, HomeSnapshot],
    name: str,
    days: int,
    anonymize: bool,
) -> None:
    """Same features, label and probabilities (1e-9) from the exported file as the sensor."""
    _install_model(trained_model, config_dir)
    entry = await _set_up_home(hass, freezer, homes[name], days, MODEL_OPTION)
    sensor = entry.runtime_data.data
    live_home, live_summary = await async_read_home(hass, days)

    response = await export(hass, entry.entry_id, filename=f"{name}.json.gz",
                            anonymize=anonymize)
    path = config_dir / f"{name}.json.gz"
    assert response["path"] == str(path)
    assert response["filename"] == f"{name}.json.gz"
    assert response["anonymized"] is anonymize
    exported = read_snapshot(path)
    assert exported.home_type is None is response["home_type"]  # unlabelled unless told
    assert exported.metadata["generator"] == "home_assistant_export"
    assert exported.metadata["days"] == days
    assert exported.metadata["timezone"] == hass.config.time_zone
    assert len(exported.entities) == response["entities"] == len(live_home.entities)
    # The changes the sensor counted, each entity's led by the state it changed from.
    changes = sum(int(grid.sum()) for grid in live_summary.counts.values())
    assert int(counted_changes(exported.events).sum()) == response["events"] == changes
    assert len(exported.events) == changes + len(live_summary.counts)

    home = as_home(exported)
    summary = window_summary(home, exported.metadata["days"])
    theirs = extract_features(exported, summary)
    ours = extract_features(live_home, live_summary)
    different = [f"{feature}: {a!r} != {b!r}" for feature, a, b
                 in zip(FEATURE_NAMES, ours, theirs, strict=True) if abs(a - b) > 1e-9]
    assert not different
    result = classify(exported, summary, load_model(trained_model))
    state = hass.states.get("sensor.home_type")
    assert state is not None
    assert result.home_type == sensor.home_type == state.state
    assert result.probabilities == pytest.approx(sensor.probabilities, abs=1e-9)
    assert result.method == sensor.method == "history"
    assert response["classification"] == result.as_dict()

    # Real names are for the owner's eyes only, also on a shared host.
    assert path.stat().st_mode & 0o777 == (0o644 if anonymize else 0o600)
    text = gzip.decompress(path.read_bytes()).decode()
    if anonymize and name == "tiny":
        assert not [s for s in SECRETS if s.casefold() in text.casefold()]
    if not anonymize:
        assert {e.entity_id for e in exported.entities} == {
            e.entity_id for e in live_home.entities}


async def test_trainer_command_line(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_dir: Path,
    trained_model: Path,
) -> None:
    """``python -m trainer classify FILE --history-days DAYS`` prints the sensor's answer."""
    _install_model(trained_model, config_dir)
    entry = await _set_up_home(hass, freezer, tiny_home(), 10, MODEL_OPTION)
    await export(hass, entry.entry_id, filename="mine.json")
    result = await hass.async_add_executor_job(
        run_trainer, "classify", str(config_dir / "mine.json"), "--model", str(trained_model),
        "--history-days", "10")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    shown = hass.states.get("sensor.home_type")
    assert shown is not None
    assert printed["home_id"] == "home_20250315T120000Z"  # anonymised, and when
    assert printed["home_type"] == shown.state
    assert printed["probabilities"] == shown.attributes["probabilities"]
    assert printed["history_days"] == shown.attributes["history_days"]


async def test_labelled_exports_are_scored_by_evaluate(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_dir: Path,
    trained_model: Path,
) -> None:
    """The type an owner gives is the file's label, the answer stays the model's, and a
    folder of such files is what ``python -m trainer evaluate --homes`` scores a model on."""
    _install_model(trained_model, config_dir)
    entry = await _set_up_home(hass, freezer, tiny_home(), 10, MODEL_OPTION)
    answer = entry.runtime_data.data.home_type
    other = next(label for label in HOME_TYPES if label != answer)
    shared = config_dir / "shared"
    shared.mkdir()
    # Anonymised under a chosen name, and with the real names under the default one.
    for label, fields in ((answer, {"filename": "right.json.gz"}), (other, {"anonymize": False})):
        response = await export(hass, entry.entry_id, home_type=label, **fields)
        assert response["home_type"] == label
        assert response["classification"]["home_type"] == answer
        path = Path(response["path"])
        assert read_snapshot(path).home_type == label
        path.rename(shared / path.name)
        freezer.tick(1)  # another moment: another home id, as two owners' files have
    # No label: left out, null, or the empty text a template gives.
    for empty in (None, ""):
        response = await export(hass, entry.entry_id, home_type=empty)
        assert response["home_type"] is None
        assert read_snapshot(Path(response["path"])).home_type is None
        freezer.tick(1)

    result = await hass.async_add_executor_job(
        run_trainer, "evaluate", "--model", str(trained_model), "--homes", str(shared),
        "--jobs", "1")
    assert result.returncode == 0, result.stderr
    accuracy = re.search(r"^\W*10d\W+2\W+([\d.]+)", result.stdout, re.MULTILINE)
    assert accuracy is not None, result.stdout
    assert float(accuracy[1]) == 0.5  # one of the two labels is the model's answer


async def test_default_name_and_nothing_else_written(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path
) -> None:
    """A dated name in the configuration folder, local time; no temporary file left."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    before = set(config_dir.iterdir())
    response = await export(hass, entry.entry_id)
    # The home's end, 12:00 UTC, is 13:00 in Berlin.
    written = config_dir / "home_type_export_2025-03-15_130000.json.gz"
    assert response["path"] == str(written)
    assert set(config_dir.iterdir()) - before == {written}
    assert response["anonymized"] is True
    assert response["window_days"] == 10
    # The test model (a stump on has_history) answered too, for exactly this window.
    assert response["classification"]["home_type"] == "single_family_house"
    metadata = read_snapshot(written).metadata
    assert metadata["end"] == END.isoformat()
    assert metadata["history_start"] == datetime.fromtimestamp(
        float(tiny_home().events.timestamps.min()), UTC).isoformat()

    # A clock between two seconds: the window still ends on the whole second before it.
    freezer.tick(0.5)
    await export(hass, entry.entry_id, filename="half.json")
    assert read_snapshot(config_dir / "half.json").metadata["end"] == END.isoformat()

    # A second export, a second later: a new name, the first file untouched.
    freezer.tick(0.5)
    second = await export(hass, entry.entry_id)
    assert second["path"].endswith("home_type_export_2025-03-15_130001.json.gz")

    # Two more in that same second (an automation's): each gets a file, none is replaced.
    first_bytes = Path(second["path"]).read_bytes()
    third = await export(hass, entry.entry_id)
    fourth = await export(hass, entry.entry_id, anonymize=False)
    assert third["path"].endswith("home_type_export_2025-03-15_130001_2.json.gz")
    assert fourth["path"].endswith("home_type_export_2025-03-15_130001_3.json.gz")
    assert Path(second["path"]).read_bytes() == first_bytes
    assert read_snapshot(Path(fourth["path"])).metadata["anonymized"] is False
    # Homes shared for evaluation are scored together, told apart by their ids: every
    # anonymised home was "home", and a home Home Assistant named so kept that name (found by
    # a review: the trainer refused the second as a copy of the first).
    assert [read_snapshot(Path(done["path"])).home_id for done in (response, second, fourth)
            ] == ["home_20250315T120000Z", "home_20250315T120001Z",
                  f"{hass.config.location_name}_20250315T120001Z"]
    assert not [path for path in config_dir.iterdir() if path.name.startswith(".")]


@pytest.mark.usefixtures("init_integration")
async def test_default_names_all_taken(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path
) -> None:
    """A hundred exports in one second take every default name: the next one is refused, by
    the first name, and nothing is replaced."""
    with patch("custom_components.home_type.services.default_filenames",
               return_value=["a.json", "b.json"]):
        for name in ("a.json", "b.json"):
            (config_dir / name).write_text(name)
        with pytest.raises(ServiceValidationError) as err:
            await export(hass, mock_config_entry.entry_id)
    assert err.value.translation_key == "export_file_exists"
    assert err.value.translation_placeholders == {"filename": "a.json"}
    assert sorted(path.read_text() for path in config_dir.iterdir()) == ["a.json", "b.json"]


@pytest.mark.usefixtures("config_dir")
async def test_anonymising_runs_outside_the_event_loop(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Renaming looks at every event (a million for a big home's 90 days): not in the loop."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    threads: list[int] = []

    def anonymize_noting_the_thread(home: HomeSnapshot) -> HomeSnapshot:
        threads.append(threading.get_ident())
        return anonymize(home)

    with patch("custom_components.home_type.export.anonymize", anonymize_noting_the_thread):
        await export(hass, entry.entry_id)
    assert threads and threading.get_ident() not in threads


async def test_structure_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path
) -> None:
    """A window of 0 days exports the registries and no events; the trainer agrees."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 0)
    response = await export(hass, entry.entry_id, filename="structure.json")
    exported = read_snapshot(config_dir / "structure.json")
    assert len(exported.events) == 0 == response["events"]
    assert exported.metadata["history_start"] is None
    summary = window_summary(as_home(exported), None)
    assert response["classification"]["method"] == "structure"
    assert not summary.has_history


@pytest.mark.parametrize("anonymize", [True, False])
async def test_a_device_in_an_area_that_is_gone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path, anonymize: bool
) -> None:
    """Seen in a real home's registry: anonymised, the export failed (HTTP 500); plain, it
    wrote a file the trainer refuses. Now the device is in no area, in the file as in the
    sensor."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    before, _ = await async_read_home(hass, 10)
    placed = next(d for d in before.devices if d.area_id is not None)
    dr.async_get(hass).async_update_device(placed.device_id, area_id="gone_area")

    await export(hass, entry.entry_id, filename="home.json", anonymize=anonymize)

    exported = read_snapshot(config_dir / "home.json")
    live, _ = await async_read_home(hass, 10)
    assert len(exported.devices) == len(live.devices) == len(tiny_home().devices)
    unplaced = sum(d.area_id is None for d in tiny_home().devices) + 1
    assert sum(d.area_id is None for d in exported.devices) == unplaced


async def test_without_a_model(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path, bundled_model: Path
) -> None:
    """The export does not need a model: the file is written, with no answer beside it."""
    bundled_model.unlink()
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    response = await export(hass, entry.entry_id, filename="home.json.gz")
    assert response["classification"] is None
    assert len(read_snapshot(config_dir / "home.json.gz").events) == len(tiny_home().events)


@pytest.mark.parametrize("anonymize", [True, False])
async def test_changes_are_worked_out_off_the_event_loop(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path, anonymize: bool
) -> None:
    """Which events count is a pass over every event (0.1 s for a large home's million): the
    export does it on the executor, and the response and the log line only add it up."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    threads: list[int] = []
    work_out = activity_module._counted_changes

    def recorded(events: EventLog) -> Any:
        threads.append(threading.get_ident())
        return work_out(events)

    with patch.object(activity_module, "_counted_changes", recorded):
        response = await export(hass, entry.entry_id, filename="home.json.gz",
                                anonymize=anonymize)
    assert response["events"] == len(tiny_home().events) - len(tiny_home().events.entities)
    assert threads and hass.loop_thread_id not in threads


async def test_without_a_response(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path
) -> None:
    """Called as a plain action (an automation, a script): the file is written all the same."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    await hass.services.async_call(DOMAIN, "export_snapshot", {
        "config_entry_id": entry.entry_id, "filename": "plain.json"}, blocking=True)
    # A .json file is plain JSON, to read in an editor; only .json.gz is compressed.
    assert json.loads((config_dir / "plain.json").read_text())["home_id"].startswith("home_")


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("filename", "key"),
    [
        ("../outside.json.gz", "export_filename_not_plain"),
        ("/tmp/home.json.gz", "export_filename_not_plain"),
        ("folder/home.json", "export_filename_not_plain"),
        ("..", "export_filename_not_plain"),
        ("home.csv", "export_filename_suffix"),
        ("home\r\nsecond line.json", "export_filename_not_plain"),
        pytest.param(f"{'x' * 300}.json.gz", "export_filename_too_long", id="308 bytes"),
    ],
)
async def test_bad_file_names(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path,
    filename: str, key: str,
) -> None:
    """A file name that is not a plain .json/.json.gz name: a translated validation error."""
    before = set(config_dir.parent.rglob("*"))
    with pytest.raises(ServiceValidationError) as err:
        await export(hass, mock_config_entry.entry_id, filename=filename)
    assert err.value.translation_key == key
    assert filename in str(err.value)
    assert set(config_dir.parent.rglob("*")) == before


@pytest.mark.usefixtures("init_integration")
async def test_unknown_field(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """The schema refuses fields it does not know, and values of the wrong kind."""
    with pytest.raises(vol.Invalid):
        await export(hass, mock_config_entry.entry_id, folder="/tmp")
    with pytest.raises(vol.Invalid):
        await export(hass, mock_config_entry.entry_id, anonymize="perhaps")
    with pytest.raises(vol.Invalid, match="value must be one of"):
        await export(hass, mock_config_entry.entry_id, home_type="castle")


@pytest.mark.usefixtures("init_integration")
async def test_existing_file_is_never_replaced(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path
) -> None:
    """A name already taken is refused before the history is read, and the file there is left
    as it was; so is one that appears while it is read (checked again at the write)."""
    mine = config_dir / "mine.json"
    mine.write_text("my own notes")
    with patch("custom_components.home_type.services.async_build_export") as build, \
            pytest.raises(ServiceValidationError) as err:
        await export(hass, mock_config_entry.entry_id, filename="mine.json")
    assert err.value.translation_key == "export_file_exists" and not build.called
    with patch("custom_components.home_type.services.os.path.lexists", return_value=False), \
            pytest.raises(ServiceValidationError) as err:
        await export(hass, mock_config_entry.entry_id, filename="mine.json")
    assert err.value.translation_key == "export_file_exists"
    assert mine.read_text() == "my own notes"
    assert list(config_dir.iterdir()) == [mine]


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("reloaded", [False, True], ids=["meanwhile", "after_a_reload"])
async def test_one_export_at_a_time(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path, reloaded: bool
) -> None:
    """Each export holds a large home's events in memory: a second one, asked for while the
    first reads (a repeating automation, a second click), is refused, not run beside it; the
    next one after the first is taken. Also when the entry was reloaded meanwhile (the options
    saved): the first export goes on with the old entry's coordinator, whose lock the
    reloaded entry's export did not know."""
    with held("custom_components.home_type.services.async_build_export",
              async_build_export) as (reading, release):
        first = hass.async_create_task(export(hass, mock_config_entry.entry_id,
                                              filename="first.json"))
        await reading.wait()
        if reloaded:
            assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
            assert mock_config_entry.state is ConfigEntryState.LOADED
        # Within a time limit: run beside the first, the second would wait for its release.
        async with asyncio.timeout(5):
            with pytest.raises(HomeAssistantError) as err:
                await export(hass, mock_config_entry.entry_id, filename="second.json")
        assert not isinstance(err.value, ServiceValidationError)
        assert err.value.translation_key == "export_running"
        assert str(err.value) == ("Home Type is already exporting the home; wait for that "
                                  "export to finish")
        release.set()
        assert (await first)["path"] == str(config_dir / "first.json")
    assert (await export(hass, mock_config_entry.entry_id, filename="second.json"))["path"] \
        == str(config_dir / "second.json")
    assert sorted(p.name for p in config_dir.iterdir()) == ["first.json", "second.json"]


async def test_what_a_killed_export_left_is_removed_at_the_next_start(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant killed mid-write (a power cut, out of memory) leaves an export's hidden
    temporary file, which may hold the home's real names and goes into every backup. Home
    Type removes those an hour old or more when it starts; a younger one may be a write in
    progress, and other files are not its own."""
    hour_ago = time.time() - 3601
    names = {".home_type_export_20250101_120000.json.gz.uc9y0fkw.tmp": hour_ago,
             ".mine.json.a1b2c3d4.tmp": hour_ago, ".mine.json.z9y8x7w6.tmp": time.time(),
             ".mine.json.q5r6s7t8.tmp": time.time() - 3500,  # a slow write: not an hour yet
             ".notes.txt.a1b2c3d4.tmp": hour_ago, "mine.json": hour_ago}
    for name, stamp in names.items():
        (config_dir / name).write_text("{}")
        os.utime(config_dir / name, (stamp, stamp))
    # A link of that name is no file an export wrote: it stays (and so does what it names).
    (config_dir / ".linked.json.a1b2c3d4.tmp").symlink_to(config_dir / "mine.json")
    os.utime(config_dir / ".linked.json.a1b2c3d4.tmp", (hour_ago, hour_ago),
             follow_symlinks=False)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert sorted(p.name for p in config_dir.iterdir()) == [
        ".linked.json.a1b2c3d4.tmp", ".mine.json.q5r6s7t8.tmp", ".mine.json.z9y8x7w6.tmp",
        ".notes.txt.a1b2c3d4.tmp", "mine.json"]
    assert ("Removed the temporary files of exports that Home Assistant stopped before they "
            "were written whole: .home_type_export_20250101_120000.json.gz.uc9y0fkw.tmp, "
            ".mine.json.a1b2c3d4.tmp") in caplog.text


async def test_what_a_killed_export_left_is_removed_an_hour_after_it_was_left(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path,
    freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant killed for lack of memory mid-export is restarted within seconds by
    the Supervisor's watchdog: what the export left is then too young to remove at the start
    (it may be a write in progress), and stayed until a start an hour or more later. It is
    removed once it is an hour old, while Home Assistant runs; a file dated in the future
    (a clock set back) is not looked at again until a start, as before."""
    now = time.time()
    left = config_dir / ".home_type_export_20250101_120000.json.gz.uc9y0fkw.tmp"
    future = config_dir / ".mine.json.a1b2c3d4.tmp"
    for path, stamp in ((left, now - 60), (future, now + 7200)):
        path.write_text("{}")
        os.utime(path, (stamp, stamp))
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    waiting = _stop_listeners(hass)
    freezer.tick(3600 - 60 - 1)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert left.exists()
    freezer.tick(3)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert sorted(p.name for p in config_dir.iterdir()) == [future.name]
    assert ("Removed the temporary files of exports that Home Assistant stopped before they "
            f"were written whole: {left.name}") in caplog.text
    # The look done, its listener for the stop (which would cancel it) is gone with it.
    assert _stop_listeners(hass) == waiting - 1


def _stop_listeners(hass: HomeAssistant) -> int:
    return hass.bus.async_listeners().get(EVENT_HOMEASSISTANT_STOP, 0)


def test_a_kept_export_file_is_stale_when_the_sweep_says(tmp_path: Path) -> None:
    """The wait returned is when the youngest file kept turns stale: the sweep then removes
    it, where one that found it exactly an hour old would keep it and look again at once."""
    now = time.time()
    left = tmp_path / ".home_type_export_20250101_120000.json.gz.uc9y0fkw.tmp"
    left.write_text("{}")
    os.utime(left, (now - 60, now - 60))
    removed, wait = remove_stale_exports(str(tmp_path), now)
    assert removed == [] and wait is not None
    assert remove_stale_exports(str(tmp_path), now + wait) == ([left.name], None)


async def test_a_sweep_the_stop_caught_schedules_nothing(
    hass: HomeAssistant, config_dir: Path
) -> None:
    """Home Assistant stopping: what a young file needs is the next start's sweep, not a
    timer (or a listener for the stop) left behind."""
    left = config_dir / ".home_type_export_20250101_120000.json.gz.uc9y0fkw.tmp"
    left.write_text("{}")
    os.utime(left, (time.time() - 60,) * 2)
    before = _stop_listeners(hass)
    hass.set_state(CoreState.stopping)
    try:
        await _async_remove_stale_exports(hass)
    finally:
        hass.set_state(CoreState.running)
    assert _stop_listeners(hass) == before
    assert left.exists()


def test_a_second_holds_a_hundred_default_names() -> None:
    """integration.md promises ``…_2`` to ``…_100`` after the first name of a second."""
    names = default_filenames(datetime(2025, 3, 15, 13))
    assert len(set(names)) == len(names) == DEFAULT_NAMES_PER_SECOND == 100
    assert names[0] == "home_type_export_2025-03-15_130000.json.gz"
    assert names[1] == "home_type_export_2025-03-15_130000_2.json.gz"
    assert names[-1] == "home_type_export_2025-03-15_130000_100.json.gz"


@pytest.mark.usefixtures("init_integration")
async def test_unwritable_location(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path
) -> None:
    """A write that fails half-way leaves nothing behind and says why, translated."""
    with patch("custom_components.home_type.core.atomic.os.link",
               side_effect=OSError(28, "No space left on device")), \
            pytest.raises(HomeAssistantError) as err:
        await export(hass, mock_config_entry.entry_id, filename="home.json.gz")
    assert err.value.translation_key == "export_write_failed"
    assert "No space left on device" in str(err.value)
    assert list(config_dir.iterdir()) == []
    # A file the error names is named as the other actions name it: relative to the folder.
    denied = PermissionError(13, "Permission denied", str(config_dir / "home.json.gz"))
    with patch("custom_components.home_type.core.atomic.os.link", side_effect=denied), \
            pytest.raises(HomeAssistantError) as err:
        await export(hass, mock_config_entry.entry_id, filename="home.json.gz")
    assert str(config_dir) not in str(err.value)
    assert "[Errno 13] Permission denied: 'home.json.gz'" in str(err.value)


@pytest.mark.recorder
async def test_database_error(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path
) -> None:
    """A database error while reading the history: translated, in one line that names none
    of the entity ids the failed query was given, and no file."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    with failing_database(hass, "disk I/O error", "FROM states_meta"), \
            pytest.raises(HomeAssistantError) as err:
        await export(hass, entry.entry_id, filename="home.json")
    assert err.value.translation_key == "recorder_error"
    assert str(err.value) == "Home Type could not read the recorder's history: disk I/O error"
    assert list(config_dir.iterdir()) == []


def _export_on_stop(hass: HomeAssistant, entry_id: str) -> list[HomeAssistantError]:
    """The errors of an export an automation on Home Assistant's shutdown makes, once it has
    stopped."""
    errors: list[HomeAssistantError] = []

    async def on_stop(_event: object) -> None:
        try:
            await export(hass, entry_id, filename="home.json")
        except HomeAssistantError as err:
            errors.append(err)

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, on_stop)
    return errors


async def test_an_export_the_stop_ends_is_no_database_failure(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An export running as Home Assistant stops: the stop ends its read (on SQLite, asked at
    every step here, as in a large home's read), and the action said the recorder's history
    could not be read -- "interrupted", a database fault that was not one. It says that Home
    Assistant is stopping now, and writes nothing."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    if get_instance(hass).dialect_name != "sqlite":
        pytest.skip("SQLite's progress handler; the servers' connections are sockets")
    monkeypatch.setattr(home_type_activity, "STEPS_PER_LOOK", 1)
    errors = _export_on_stop(hass, entry.entry_id)
    await hass.async_stop()
    assert [err.translation_key for err in errors] == ["stopping"]
    assert str(errors[0]) == "Home Assistant is stopping: Home Type did not read the home"
    assert list(config_dir.iterdir()) == []


@pytest.mark.recorder
async def test_a_database_failing_as_home_assistant_stops_fails_the_export(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, config_dir: Path
) -> None:
    """Only the read's own stop is the stop: a database error during it is the database's."""
    entry = await _set_up_home(hass, freezer, tiny_home(), 10)
    errors = _export_on_stop(hass, entry.entry_id)
    with failing_database(hass, "disk I/O error", "FROM states_meta"):
        await hass.async_stop()
    assert [err.translation_key for err in errors] == ["recorder_error"]
    assert list(config_dir.iterdir()) == []


async def test_entry_not_loaded(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An unloaded entry exports nothing."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await export(hass, init_integration.entry_id)
    assert err.value.translation_key == "entry_not_loaded"


@pytest.mark.recorder
async def test_empty_recorder(hass: HomeAssistant) -> None:
    """A recorder with no state at all: no events and no history start, not an error."""
    await async_wait_recording_done(hass)
    events, history_start = await get_instance(hass).async_add_executor_job(
        read_events, hass, ["light.kitchen"], (0.0, 2e9), 100)
    assert len(events) == 0
    assert history_start is None


@pytest.mark.recorder
async def test_events_of_the_window_only(hass: HomeAssistant) -> None:
    """The file's events are the activity query's: [start, end), the entities asked for, each
    entity's led by the state it changed from, however long before the window."""
    start, end = 1_750_000_000.0, 1_750_086_400.0
    await async_insert_events(hass, EventLog.from_columns(
        ["light.a", "light.a", "light.a", "light.a", "light.b"],
        [start - 0.001, start, end - 0.001, end, start + 60],
        ["on", "off", "on", "off", "on"]))
    events, history_start = await get_instance(hass).async_add_executor_job(
        read_events, hass, ["light.a", "light.unknown"], (start, end), 100)
    assert [events.entities[i] for i in events.index] == ["light.a"] * 3
    assert events.states == ["on", "off", "on"]
    assert events.timestamps.tolist() == pytest.approx([start - 0.001, start, end - 0.001],
                                                       abs=1e-6)
    assert history_start == pytest.approx(start - 0.001, abs=1e-6)
