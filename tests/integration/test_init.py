"""Set-up and unload of Home Type, and what it does with a model or recorder it cannot use."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from sqlalchemy.exc import OperationalError

from custom_components.home_type.const import CONF_HISTORY_DAYS, CONF_MODEL_PATH, DOMAIN

from .common import (
    async_stop_meeting,
    failing_database,
    home_type_state,
    model_bundle,
    read_held_until_stopping,
    write_model,
)
from .conftest import ENTRY_ID

COORDINATOR_LOG = "custom_components.home_type"


async def test_load_unload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The entry loads, the sensor has a home type, and it unloads."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert home_type_state(hass).state == "apartment"
    assert init_integration.runtime_data.model_error is None
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    # Read anew: mypy would keep the attribute narrowed to LOADED across the unload.
    state: ConfigEntryState = init_integration.state
    assert state is ConfigEntryState.NOT_LOADED
    assert home_type_state(hass).state == STATE_UNAVAILABLE


def _missing(model: Path) -> None:
    model.unlink()


def _tampered(model: Path) -> None:
    model.write_bytes(model.read_bytes() + b"\0")


def _foreign(model: Path) -> None:
    write_model(model, {"format": "something else"})


def _incompatible(model: Path) -> None:
    write_model(model, {**model_bundle(), "feature_version": -1})


def _unknown_labels(model: Path) -> None:
    write_model(model, model_bundle(classes=("igloo", "apartment", "condo", "townhouse",
                                             "single_family_house", "ranch_house",
                                             "multi_story", "cottage")))


@pytest.mark.parametrize(
    ("damage", "reason", "words"),
    [
        (_missing, "missing", "no model file there"),
        (_tampered, "tampered", "SHA-256 does not match"),
        (_foreign, "foreign", "not a Home Type model bundle"),
        (_incompatible, "incompatible", "retrain the model"),
        (_unknown_labels, "incompatible", "predicts igloo"),
    ],
)
async def test_unusable_model_loads_unavailable(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    bundled_model: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], None],
    reason: str,
    words: str,
) -> None:
    """A bad model does not fail set-up: the sensor is unavailable, the log says why once."""
    damage(bundled_model)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert home_type_state(hass).state == STATE_UNAVAILABLE
    assert mock_config_entry.runtime_data.model_error.reason == reason
    lines = [r for r in caplog.records if r.name.startswith(COORDINATOR_LOG) and words in r.message]
    assert len(lines) == 1
    assert "\n" not in lines[0].getMessage()
    assert lines[0].levelname == "ERROR"
    assert lines[0].getMessage().endswith(
        "the sensor is unavailable until the model file is fixed (Home Type checks it hourly;"
        " the action home_type.reload_model loads it at once)")
    # A file to fix, not a bug: no traceback ("Unexpected error fetching …") anywhere.
    assert not [r for r in caplog.records if r.name.startswith(COORDINATOR_LOG) and r.exc_info]


async def _set_up_unavailable(hass: HomeAssistant, model_path: str) -> MockConfigEntry:
    """Set up an entry whose Model file option (edited by hand) Home Type cannot use: it
    loads, with the sensor unavailable."""
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type", options={
        CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: model_path})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert home_type_state(hass).state == STATE_UNAVAILABLE
    return entry


async def test_model_path_outside_config_is_refused(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """An entry pointing outside the config folder (edited by hand) reads nothing there."""
    model = write_model(tmp_path / "elsewhere" / "model.pkl")
    entry = await _set_up_unavailable(hass, str(model))
    assert entry.runtime_data.model_error.reason == "outside_config"
    errors = [r.getMessage() for r in caplog.records
              if r.name.startswith(COORDINATOR_LOG) and r.levelname == "ERROR"]
    assert len(errors) == 1
    assert f"{model}: outside the configuration folder" in errors[0]
    # Neither the hourly check nor reload_model reads a path outside the folder: only the
    # option can make it right, and the line says so.
    assert errors[0].endswith(
        "the sensor is unavailable until the Model file option names a file inside the"
        " configuration folder, or is empty for the bundled model (Home Type → Configure)")


async def test_a_nul_in_a_hand_edited_model_path_is_a_missing_model(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The forms refuse a NUL in the path; one in the stored option (edited by hand) is a file
    that cannot be there, not an unexpected error at set-up."""
    entry = await _set_up_unavailable(hass, "home_type/model\0.pkl")
    assert entry.runtime_data.model_error.reason == "missing"
    assert "not a possible file name (it holds a NUL)" in str(entry.runtime_data.model_error)
    assert not [r for r in caplog.records if r.exc_info]


async def _set_up_reading_fails(
    hass: HomeAssistant, entry: MockConfigEntry, error: Exception
) -> None:
    """Set the entry up while every read of the home raises ``error``."""
    entry.add_to_hass(hass)
    with patch("custom_components.home_type.coordinator.async_read_home", side_effect=error):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


async def test_recorder_error_retries_setup(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """A database error is transient: set-up is retried later, and the entry says why.

    Home Assistant logs a retry at debug level only (info in later releases), so the reason on
    the entry's card under Devices & services is the one word the user gets: in their
    language, from the translation key.
    """
    await _set_up_reading_fails(
        hass, mock_config_entry, OperationalError("SELECT", {}, Exception("database is locked")))
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason == (
        "Home Type could not read the recorder's history: database is locked")
    assert mock_config_entry.error_reason_translation_key == "recorder_error"


async def test_stopping_while_set_up_reads_logs_no_error(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant restarted while set-up's first read of a large home runs (at start, or
    in the reload a save of the options makes): its stop cancels the read, a background task,
    and set-up, which waited for it, took that for its own failure -- "Error setting up entry
    Home Type" and a CancelledError's traceback. Set-up now ends not ready, for the stop."""
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")  # a history to read
    mock_config_entry.add_to_hass(hass)
    with read_held_until_stopping(hass) as reading:
        setup = hass.async_create_task(hass.config_entries.async_setup(ENTRY_ID))
        assert await hass.async_add_executor_job(reading.wait, 10)
        assert not await async_stop_meeting(hass, setup)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.error_reason_translation_key == "stopping"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or (
        r.levelno >= logging.WARNING
        and r.name.startswith(("homeassistant.config_entries", COORDINATOR_LOG)))] == []


@pytest.mark.parametrize("days", [0, 10])
async def test_options_saved_while_set_up_waits_to_retry_apply_at_once(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, days: int
) -> None:
    """Options saved while set-up waits for its retry (the database failed) reload the entry
    at once, as the form says, changed (0 days: no history, the way round a broken database)
    or not. Changed ones waited for Home Assistant's next retry, up to minutes away, under
    the old error: the entry had no listener for them yet."""
    er.async_get(hass).async_get_or_create("light", "demo", "ceiling")  # a history to read
    mock_config_entry.add_to_hass(hass)
    with failing_database(hass, "database is locked", "min(states.last_updated_ts)"):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
        result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
        # The reload reads the entry's options: newer Home Assistant starts it at once
        # (eager tasks), so they must be stored before it is scheduled, on any release.
        at_reload: list[dict[str, Any]] = []
        schedule = hass.config_entries.async_schedule_reload

        def store_checked(entry_id: str) -> None:
            at_reload.append(dict(mock_config_entry.options))
            schedule(entry_id)

        with patch.object(hass.config_entries, "async_schedule_reload", store_checked):
            result = await hass.config_entries.options.async_configure(
                result["flow_id"], {CONF_HISTORY_DAYS: days, CONF_MODEL_PATH: ""})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert at_reload == [{CONF_HISTORY_DAYS: days, CONF_MODEL_PATH: ""}]
        await hass.async_block_till_done()
        assert _state(mock_config_entry) is (
            ConfigEntryState.LOADED if days == 0 else ConfigEntryState.SETUP_RETRY)
    if days:  # the database back: the next save of the same options loads it at once
        result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_HISTORY_DAYS: days, CONF_MODEL_PATH: ""})
        await hass.async_block_till_done()
        assert _state(mock_config_entry) is ConfigEntryState.LOADED


def _state(entry: MockConfigEntry) -> ConfigEntryState:
    """The entry's state now (read through a call: an assert on it narrows it for good)."""
    state: ConfigEntryState = entry.state
    return state


async def test_a_bug_at_setup_retries_with_its_traceback_logged(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error keeps Home Assistant's own reason (the error's text, untranslated)
    and its traceback in the log."""
    await _set_up_reading_fails(hass, mock_config_entry, ZeroDivisionError("division by zero"))
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.reason == "division by zero"
    assert mock_config_entry.error_reason_translation_key is None
    failures = [r for r in caplog.records if r.name.startswith(COORDINATOR_LOG) and r.exc_info]
    assert [r.getMessage() for r in failures] == ["Unexpected error fetching home_type data"]


async def test_an_update_of_home_type_changes_nothing_until_its_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, bundled_model: Path,
    issue_registry: ir.IssueRegistry,
) -> None:
    """HACS writes the next release's bundled model, made for a newer feature set, under the
    running release: it goes on answering with its own model, and raises no repair issue
    telling the user to update. Once that model is gone (never loaded), the file is watched
    again: a reinstall brings the sensor back without a restart."""
    coordinator = init_integration.runtime_data
    _incompatible(bundled_model)
    await coordinator.async_refresh()
    assert coordinator.model.version == "test-1" and coordinator.last_update_success
    assert issue_registry.async_get_issue(DOMAIN, "model") is None

    _missing(bundled_model)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert home_type_state(hass).state == STATE_UNAVAILABLE
    write_model(bundled_model, model_bundle(version="test-1c"))  # reinstalled
    await init_integration.runtime_data.async_refresh()
    assert init_integration.runtime_data.model.version == "test-1c"
    assert home_type_state(hass).state != STATE_UNAVAILABLE


async def test_options_change_reloads_with_new_model(
    hass: HomeAssistant, init_integration: MockConfigEntry, config_dir: Path,
    bundled_model: Path,
) -> None:
    """The bundled model is kept while Home Type runs, even when an update replaces its file
    (the new release's code loads it, at the restart); new options reload the entry."""
    first = init_integration.runtime_data.model
    assert first.version == "test-1"
    await init_integration.runtime_data.async_refresh()
    assert init_integration.runtime_data.model is first  # same file: not read again
    write_model(bundled_model, model_bundle(version="test-1b"))  # HACS updates the files
    await init_integration.runtime_data.async_refresh()
    assert init_integration.runtime_data.model is first
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.runtime_data.model.version == "test-1b"

    write_model(config_dir / "home_type" / "custom.pkl", model_bundle(version="test-2"))
    hass.config_entries.async_update_entry(
        init_integration,
        options={CONF_HISTORY_DAYS: 3, CONF_MODEL_PATH: "home_type/custom.pkl"},
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.model.version == "test-2"
    assert init_integration.runtime_data.history_days == 3
    assert home_type_state(hass).attributes["model_version"] == "test-2"


async def test_needs_neither_sklearn_nor_scipy(
    hass: HomeAssistant, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set up with scikit-learn and SciPy unimportable, and the integration imported afresh."""
    write_model(config_dir / "home_type_classifier.pkl")
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type", options={CONF_HISTORY_DAYS: 10,
                                                    CONF_MODEL_PATH: "home_type_classifier.pkl"})
    # The fresh config flow registers itself in Home Assistant's global table of flows, in
    # place of the one the other tests' patches reach (a later flow test then loaded the real
    # bundled model, not its damaged stand-in): put the table back afterwards too.
    monkeypatch.setitem(config_entries.HANDLERS, DOMAIN, config_entries.HANDLERS.get(DOMAIN))
    for name in list(sys.modules):
        if name.split(".")[0] in ("sklearn", "scipy", "joblib"):
            monkeypatch.setitem(sys.modules, name, None)
        elif name.startswith("custom_components.home_type"):
            monkeypatch.delitem(sys.modules, name)
    for name in ("sklearn", "scipy", "joblib"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError):
        import sklearn  # noqa: F401

    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert home_type_state(hass).state == "apartment"
    assert "custom_components.home_type.core.model" in sys.modules  # imported again, here
    loaded = [name for name, module in sys.modules.items()
              if module is not None and name.split(".")[0] in ("sklearn", "scipy")]
    assert not loaded
