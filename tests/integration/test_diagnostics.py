"""Diagnostics: the model, the home in numbers, its features -- and no name or id of it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

# Diagnostics import hassio for the system information; its models compile datetime parsers
# on import, which fails under a frozen clock: import it before any test freezes one.
import homeassistant.components.hassio  # noqa: F401
import numpy as np
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.home_type import activity, diagnostics as diagnostics_module
from custom_components.home_type.const import CONF_HISTORY_DAYS, CONF_MODEL_PATH, DOMAIN
from custom_components.home_type.core.features import FEATURE_NAMES
from custom_components.home_type.core.snapshot import Area, Device, Entity, HomeSnapshot
from custom_components.home_type.diagnostics import async_get_config_entry_diagnostics
from trainer.dataset import UNSEEDED_PREFIX, origin

from .common import (
    async_load_home,
    async_record_history,
    async_stop_meeting,
    failing_database,
    model_bundle,
    read_held_until_stopping,
    write_model,
)
from .homes import END, SECRETS, TIMEZONE, tiny_home


@pytest.fixture
async def home_loaded(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """The tiny home in the registries and the recorder, time frozen at its end."""
    freezer.move_to(END)
    await hass.config.async_set_time_zone(TIMEZONE)
    hass.config.location_name = "Smith residence"
    await async_load_home(hass, tiny_home())


@pytest.mark.recorder
@pytest.mark.usefixtures("home_loaded", "init_integration")
async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Model, registries, activity, features and the result, as the snapshot shows."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    # The test model records the numpy it was saved with: this environment's, which is Home
    # Assistant's own pin (scripts/test-newer-ha runs a newer one).
    assert diagnostics == snapshot(exclude=props("created_at", "modified_at", "numpy_version"))
    assert diagnostics["model"]["provenance"]["numpy_version"] == np.__version__

    assert list(diagnostics["features"]) == list(FEATURE_NAMES)
    assert diagnostics["registries"]["area_kinds"] == {
        "bedroom": 1, "kitchen": 1, "living": 1, "unknown": 1, "yard": 1}
    # Nothing in the bedroom, Alice's hideout or the garden: only the kitchen's light and the
    # living room's stove are placed.
    assert diagnostics["registries"]["areas_with_nothing_in_them"] == 3
    assert diagnostics["activity"]["has_history"] is True
    assert diagnostics["result"]["method"] == "history"
    text = json.dumps(diagnostics, ensure_ascii=False)
    leaked = [secret for secret in SECRETS if secret.casefold() in text.casefold()]
    assert not leaked


@pytest.mark.recorder
async def test_diagnostics_name_what_the_registries_leave_out(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The tiny home as an owner who never set floors up nor sorted its devices: only the front
    door lock, which its name places in a hallway, is in an area. The kitchen and the living
    room are still in use: an entity of each keeps an area of its own."""
    home = tiny_home()
    await async_load_home(hass, replace(
        home, floors=(), areas=tuple(replace(a, floor_id=None) for a in home.areas),
        devices=tuple(replace(d, area_id=None) for d in home.devices)))
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await async_get_config_entry_diagnostics(hass, mock_config_entry)
    assert diagnostics["layout_shown"] == {
        "floors": 0, "floors_with_level": 0, "areas_in_use": 3, "areas_in_use_on_a_level": 0,
        "devices": 4, "devices_in_an_area": 1, "gaps": ["no_floors", "most_devices_in_no_area"]}


@pytest.mark.recorder
@pytest.mark.usefixtures("init_integration")
async def test_diagnostics_explain_the_result_shown(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The features beside the result are those it was computed from, and diagnostics read
    nothing: they used to read the home anew, so history recorded since the last update
    showed beside an answer made without it (and a large home's download waited on a read).
    Called as the diagnostics component calls it: the test client's token would have
    expired in the two hours the clock moves."""
    await async_record_history(hass, entity_registry, freezer)
    with patch.object(activity, "_summarize", side_effect=AssertionError("read")):
        diagnostics = await async_get_config_entry_diagnostics(hass, mock_config_entry)
    assert diagnostics["home_read"] == "with the result"
    assert diagnostics["result"]["method"] == "structure"
    assert diagnostics["activity"]["has_history"] is False
    assert diagnostics["features"]["has_history"] == 0.0

    await mock_config_entry.runtime_data.async_refresh()
    diagnostics = await async_get_config_entry_diagnostics(hass, mock_config_entry)
    assert diagnostics["result"]["method"] == "history"
    assert diagnostics["activity"]["has_history"] is True
    assert diagnostics["features"]["has_history"] == 1.0


async def _set_up_with_a_tampered_model(hass: HomeAssistant,
                                        config_dir: Path) -> tuple[MockConfigEntry, Path]:
    """An entry whose model file (home_type/mine.pkl) was changed after training."""
    model = write_model(config_dir / "home_type" / "mine.pkl")
    model.write_bytes(model.read_bytes() + b"\0")
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type", options={
        CONF_HISTORY_DAYS: 0, CONF_MODEL_PATH: "home_type/mine.pkl"})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry, model


async def test_diagnostics_of_an_unusable_model(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_dir: Path,
) -> None:
    """The model's reason, with the path as the option names it, and no result."""
    entry, _ = await _set_up_with_a_tampered_model(hass, config_dir)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["model"] == {
        "file": "home_type/mine.pkl",
        "bundled": False,
        "loaded": False,
        "error": {
            "reason": "tampered",
            "message": "home_type/mine.pkl: SHA-256 does not match mine.pkl.sha256; the file "
                       "was changed after training",
        },
    }
    assert diagnostics["last_update_success"] is False
    assert diagnostics["last_error"].startswith("Home Type does not trust its model file")
    assert diagnostics["result"] is None
    assert diagnostics["home_read"] == "now"  # no result to explain: the home as it is
    assert diagnostics["activity"]["has_history"] is False  # window 0: structure only
    assert str(config_dir) not in json.dumps(diagnostics)


async def test_diagnostics_name_a_model_outside_the_configuration_by_its_name(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    bundled_model: Path,
) -> None:
    """A bundled model installed outside the configuration folder (a development checkout):
    its error names it as "file" does, with no folder of the machine in the download."""
    bundled_model.unlink()
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type", options={
        CONF_HISTORY_DAYS: 0, CONF_MODEL_PATH: ""})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["model"]["error"] == {
        "reason": "missing", "message": "home_type_classifier.pkl: no model file there"}


async def test_diagnostics_name_no_folder_or_home_a_model_came_from(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_dir: Path,
) -> None:
    """A model trained on its owner's own exports, its path given whole: the trainer records
    each export by its home id (the home's name, unless anonymised) and the folder as typed,
    and the option held the folders above the configuration (found by a security review)."""
    model = write_model(config_dir / "home_type" / "mine.pkl", model_bundle() | {
        "training_data": {"folder": "/home/alice/home-type/my_exports/", "homes": 3,
                          "generators": ["export", "procedural"], "days": [10],
                          "labels": {"condo": 3},
                          "seeds": ["42", "home Smith residence_20260101T120000Z",
                                    "home 5f3c_20260102T080000Z"]}})
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type", options={
        CONF_HISTORY_DAYS: 0, CONF_MODEL_PATH: str(model)})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["model"]["loaded"] is True
    assert diagnostics["model"]["file"] == "home_type/mine.pkl"
    assert diagnostics["config_entry"]["options"][CONF_MODEL_PATH] == "**REDACTED**"
    assert diagnostics["model"]["provenance"]["training_data"] == {
        "folder": "my_exports", "homes": 3, "generators": ["export", "procedural"],
        "days": [10], "labels": {"condo": 3}, "seeds": ["42"], "exported_homes": 2}
    text = json.dumps(diagnostics)
    assert "Smith" not in text and "alice" not in text and str(config_dir) not in text
    # The trainer's own prefix for a home of no seed, which diagnostics cannot import.
    assert diagnostics_module._EXPORT_PREFIX == UNSEEDED_PREFIX
    assert origin(None, "x") == f"{UNSEEDED_PREFIX}x"


async def test_diagnostics_forget_the_error_of_a_fixed_model(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_dir: Path,
) -> None:
    """Once a good model loads, its file's earlier error is gone from diagnostics too: a bug
    report must not blame a file that is fine now."""
    entry, model = await _set_up_with_a_tampered_model(hass, config_dir)
    write_model(model)
    await hass.services.async_call(DOMAIN, "reload_model", {"config_entry_id": entry.entry_id},
                                   blocking=True)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["model"]["loaded"] is True
    assert "error" not in diagnostics["model"]
    assert diagnostics["last_error"] is None


@pytest.mark.recorder
@pytest.mark.usefixtures("home_loaded", "init_integration")
async def test_diagnostics_with_a_database_error(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A database error still gives the model, says what failed in one line -- and names
    nothing of the home, though the failed query's parameters are its entity ids and the
    database's error carries them."""
    before = mock_config_entry.runtime_data.data
    with failing_database(hass, "database is locked", "FROM states_meta"):
        await mock_config_entry.runtime_data.async_refresh()
        diagnostics = await get_diagnostics_for_config_entry(
            hass, hass_client, mock_config_entry)
    assert diagnostics["home_error"] == "could not read the recorder's history: database is locked"
    assert diagnostics["last_error"] == (
        "Home Type could not read the recorder's history: database is locked")
    assert "features" not in diagnostics
    assert diagnostics["model"]["file"] == "home_type_classifier.pkl"
    assert diagnostics["model"]["bundled"] is True
    assert before.home_type == "single_family_house" and diagnostics["result"] is None
    text = json.dumps(diagnostics, ensure_ascii=False).casefold()
    assert [secret for secret in SECRETS if secret.casefold() in text] == []


@pytest.mark.usefixtures("home_loaded", "init_integration")
async def test_diagnostics_read_as_home_assistant_stops(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """With no result to explain, diagnostics read the home; the stop cancels that read, and
    the download said nothing but an error (500) with a traceback in the log. It says that
    Home Assistant is stopping."""
    with failing_database(hass, "database is locked", "FROM states_meta"):
        await mock_config_entry.runtime_data.async_refresh()  # no result now
    with read_held_until_stopping(hass) as reading:
        download = hass.async_create_task(
            async_get_config_entry_diagnostics(hass, mock_config_entry))
        assert await hass.async_add_executor_job(reading.wait, 10)
        diagnostics = await async_stop_meeting(hass, download)
    assert diagnostics["home_error"] == "Home Assistant is stopping"
    assert "features" not in diagnostics


@pytest.mark.usefixtures("home_loaded", "init_integration")
async def test_diagnostics_of_a_disabled_entry(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Home Assistant serves diagnostics for an entry in any state: a disabled one says so
    and names its model file, rather than failing the download with a server error."""
    await hass.config_entries.async_set_disabled_by(
        mock_config_entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert diagnostics["state"] == "not_loaded" and diagnostics["reason"] is None
    assert diagnostics["config_entry"]["disabled_by"] == "user"
    assert diagnostics["model"] == {"file": "home_type_classifier.pkl", "bundled": True}
    assert "features" not in diagnostics and "result" not in diagnostics


@pytest.mark.usefixtures("home_loaded")
async def test_diagnostics_of_an_entry_waiting_to_retry(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Set-up that failed on the database is retried later; meanwhile diagnostics give the
    reason, as the entry's card does, and nothing of the home."""
    mock_config_entry.add_to_hass(hass)
    with failing_database(hass, "database is locked", "FROM states_meta"):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert diagnostics["state"] == "setup_retry"
    assert diagnostics["reason"] == (
        "Home Type could not read the recorder's history: database is locked")
    text = json.dumps(diagnostics, ensure_ascii=False).casefold()
    assert [secret for secret in SECRETS if secret.casefold() in text] == []


@pytest.mark.usefixtures("home_loaded")
async def test_diagnostics_name_files_of_an_unexpected_error_as_options_do(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An error nobody foresaw may name a file in the configuration folder, whose path tells
    where Home Assistant lives (a user's home folder, say): written relative to it, as the
    options write the model file, in the reason a waiting entry gives and in the last error
    of a loaded one."""
    config_dir = hass.config.config_dir
    denied = OSError(13, "Permission denied", f"{config_dir}/private/home-v2.db")
    read = "custom_components.home_type.coordinator.async_read_home"
    mock_config_entry.add_to_hass(hass)
    with patch(read, side_effect=denied):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    waiting = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert "'private/home-v2.db'" in waiting["reason"] and config_dir not in waiting["reason"]

    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state: ConfigEntryState = mock_config_entry.state  # not narrowed by the assert above
    assert state is ConfigEntryState.LOADED
    with patch(read, side_effect=denied):
        await mock_config_entry.runtime_data.async_refresh()
    loaded = await get_diagnostics_for_config_entry(hass, hass_client, mock_config_entry)
    assert "'private/home-v2.db'" in loaded["last_error"]
    assert config_dir not in json.dumps(loaded)


def test_an_area_a_device_is_placed_in_by_its_name_is_not_empty() -> None:
    """A "Kitchen Light" in no area joins the "Kitchen" for the model: that area is in use.
    (A home nobody sorted otherwise showed onboarding's three as empty, beside the advice to
    delete empty ones.)"""
    home = HomeSnapshot(
        home_id="h", home_type=None, metadata={}, floors=(),
        areas=(Area("kitchen", "Kitchen"), Area("bedroom", "Bedroom")),
        devices=(Device("d1", "Kitchen Light", None, None, None),),
        entities=(Entity("light.kitchen_light", "d1", None),))
    registries, _ = diagnostics_module._registries(home)
    assert (registries["areas_with_nothing_in_them"], registries["onboarding_areas_left_out"]) == (
        0, 1)  # the bedroom, which the model leaves out as onboarding's
    # Placed in a room that exists: counted as placed, no room added for it.
    assert (registries["devices_placed_by_name"], registries["rooms_named_by_devices"]) == (
        1, {})
