"""Repair issues: an unusable model file is raised under Repairs, and cleared once one loads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from unittest.mock import patch

import pytest
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.home_type import coordinator as coordinator_module
from custom_components.home_type.const import CONF_HISTORY_DAYS, CONF_MODEL_PATH, DOMAIN
from custom_components.home_type.core.model import (
    HomeTypeModel,
    ModelError,
    dumps_bundle,
    load_model,
    sha256_line,
    sha256_path,
)
from custom_components.home_type.issues import ISSUE_MODEL, TROUBLESHOOTING_URL, model_file

from .common import ENGLISH, home_type_state, model_bundle, said_twice, write_model
from .test_init import _foreign, _incompatible, _missing, _tampered, _unknown_labels

MODEL_OPTION = "home_type/home_type_classifier.pkl"


def _not_a_pickle(model: Path) -> None:
    """A file of another kind with a matching .sha256: hashing does not make it a model."""
    data = b'{"this": "is a JSON file"}'
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))


def _code(model: Path) -> None:
    """A pickle that would run a command when loaded, hash and all."""
    data = b"cos\nsystem\n(S'echo pwned'\ntR."
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))


def _no_hash(model: Path) -> None:
    """The model copied without its ``.sha256``: the likeliest mistake by hand."""
    sha256_path(model).unlink()


async def _set_up(hass: HomeAssistant, option: str, days: int = 10) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type",
                            options={CONF_HISTORY_DAYS: days, CONF_MODEL_PATH: option})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.mark.parametrize(
    ("damage", "key", "words"),
    [
        (_missing, "model_missing", "no model file there"),
        (_tampered, "model_tampered", "SHA-256 does not match"),
        (_no_hash, "model_tampered", "no home_type_classifier.pkl.sha256 beside it"),
        (_foreign, "model_foreign", "not a Home Type model bundle"),
        (_not_a_pickle, "model_foreign", "not a Home Type model"),
        (_code, "model_foreign", "it names os.system"),
        (_incompatible, "model_incompatible", "retrain the model"),
        (_unknown_labels, "model_incompatible", "predicts igloo"),
    ],
)
async def test_unusable_model_raises_an_issue(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    config_dir: Path,
    damage: Callable[[Path], None],
    key: str,
    words: str,
) -> None:
    """One error issue per entry, its reason's text, the file as the option names it."""
    model = write_model(config_dir / MODEL_OPTION)
    damage(model)
    await _set_up(hass, MODEL_OPTION)

    assert home_type_state(hass).state == STATE_UNAVAILABLE
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL)
    assert issue is not None
    assert issue.translation_key == key
    assert issue.severity is ir.IssueSeverity.ERROR
    assert not issue.is_fixable
    assert issue.learn_more_url == TROUBLESHOOTING_URL
    placeholders = issue.translation_placeholders
    assert placeholders is not None
    assert placeholders["model"] == MODEL_OPTION
    assert words in placeholders["error"]
    # The text names the file, once; the error says why, and nothing twice.
    said = ENGLISH["issues"][key]["description"].split("\n\n")[0].format(**placeholders)
    assert said.count(MODEL_OPTION) == 1
    assert not said_twice(said)
    assert len([i for i in issue_registry.issues.values() if i.domain == DOMAIN]) == 1


@pytest.mark.parametrize("action", ["classify", "reload_model"])
async def test_actions_name_the_model_as_the_repair_does(
    hass: HomeAssistant, config_dir: Path, action: str
) -> None:
    """An action's error names the file relative to the config folder, as the options and the
    repair issue do: not by a path the user never typed."""
    _tampered(write_model(config_dir / MODEL_OPTION))
    entry = await _set_up(hass, MODEL_OPTION)

    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, action, {"config_entry_id": entry.entry_id}, blocking=True,
            return_response=True)
    assert err.value.translation_key == "model_tampered"
    message = str(err.value)
    assert f": {MODEL_OPTION}: SHA-256 does not match" in message
    assert not said_twice(message)
    assert str(config_dir) not in message


async def test_saving_the_options_unchanged_uses_the_fixed_file(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, config_dir: Path
) -> None:
    """The repair says "fix the file"; a user who then saves the options as they are expects
    the file they fixed to be used, as the form that just checked it suggests. Home Assistant
    itself reloads only for changed options."""
    model = write_model(config_dir / MODEL_OPTION)
    _no_hash(model)
    entry = await _set_up(hass, MODEL_OPTION)
    assert home_type_state(hass).state == STATE_UNAVAILABLE
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is not None

    write_model(model)  # the .pkl and its .sha256 copied again
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], dict(entry.options))
    await hass.async_block_till_done()

    assert result["type"] == "create_entry"
    assert home_type_state(hass).state == "apartment"
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None


async def test_bundled_model_missing(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, config_dir: Path
) -> None:
    """The bundled model is named where it is installed, a path the texts of every language
    can hold (they say themselves that the fix is a reinstall)."""
    installed = config_dir / "custom_components/home_type/models/home_type_classifier.pkl"
    with patch("custom_components.home_type.helpers.BUNDLED_MODEL", installed):
        await _set_up(hass, "")
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL)
    assert issue is not None and issue.translation_placeholders is not None
    assert issue.translation_key == "model_missing"
    assert issue.translation_placeholders["model"] == (
        "custom_components/home_type/models/home_type_classifier.pkl")


async def test_bundled_model_installed_elsewhere_is_named_alone(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, bundled_model: Path
) -> None:
    """A development checkout's bundled model: its name (the error gives the whole path)."""
    bundled_model.unlink()
    await _set_up(hass, "")
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL)
    assert issue is not None and issue.translation_placeholders is not None
    assert issue.translation_placeholders["model"] == "home_type_classifier.pkl"
    assert issue.translation_placeholders["error"] == "no model file there"


def test_a_nul_in_the_option_is_written_as_the_error_writes_it(tmp_path: Path) -> None:
    """Only an entry edited by hand holds one; the repair shows it as ``\\0``, not raw."""
    assert model_file(str(tmp_path), "home_type/a\0b.pkl") == "home_type/a\\0b.pkl"
    assert model_file(str(tmp_path), "/elsewhere/a\0b.pkl") == "/elsewhere/a\\0b.pkl"


async def test_model_outside_the_config_folder(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, tmp_path: Path
) -> None:
    """An entry edited by hand to point outside: its own issue, and nothing read there."""
    outside = write_model(tmp_path / "elsewhere" / "model.pkl")
    await _set_up(hass, str(outside))
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL)
    assert issue is not None and issue.translation_placeholders is not None
    assert issue.translation_key == "model_outside_config"
    assert issue.translation_placeholders["model"] == str(outside)


async def test_issue_goes_when_a_good_model_loads(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, device_registry: dr.DeviceRegistry,
    config_dir: Path,
) -> None:
    """Fixing the file and reloading the model clears the issue and brings the sensor back;
    the service device, which showed no model, shows the one that loaded."""
    model = write_model(config_dir / MODEL_OPTION)
    _tampered(model)
    entry = await _set_up(hass, MODEL_OPTION)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is not None
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.sw_version is None

    write_model(model, model_bundle(version="test-2"))
    await hass.services.async_call(DOMAIN, "reload_model", {"config_entry_id": entry.entry_id},
                                   blocking=True)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None
    assert home_type_state(hass).state == "apartment"
    shown = device_registry.async_get(device.id)
    assert shown is not None and shown.sw_version == "test-2"


async def test_the_hourly_check_sees_a_hash_file_put_back(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, config_dir: Path
) -> None:
    """The model copied without its ``.sha256``, then the ``.sha256`` copied after it: the
    model file itself is unchanged, and the next update (hourly, or any refresh) uses it."""
    model = write_model(config_dir / MODEL_OPTION)
    hash_line = sha256_path(model).read_text()
    _no_hash(model)
    entry = await _set_up(hass, MODEL_OPTION)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is not None
    unchanged = model.stat()

    sha256_path(model).write_text(hash_line)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert (model.stat().st_mtime_ns, model.stat().st_size) == (unchanged.st_mtime_ns,
                                                                unchanged.st_size)
    assert home_type_state(hass).state == "apartment"
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None


async def test_bad_replacement_while_a_model_is_in_use(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, config_dir: Path
) -> None:
    """A model file replaced by a bad one: the issue is raised, the sensor keeps working."""
    model = write_model(config_dir / MODEL_OPTION)
    entry = await _set_up(hass, MODEL_OPTION)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None

    data = dumps_bundle({**model_bundle(), "feature_version": 99})
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN, "reload_model", {"config_entry_id": entry.entry_id}, blocking=True)
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL)
    assert issue is not None
    assert issue.translation_key == "model_incompatible"
    assert issue.severity is ir.IssueSeverity.WARNING  # nothing broken yet: the old one answers
    assert home_type_state(hass).state == "apartment"

    write_model(model, model_bundle(version="test-2"))
    await hass.services.async_call(DOMAIN, "reload_model", {"config_entry_id": entry.entry_id},
                                   blocking=True)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None


async def test_issue_goes_with_the_entry(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, bundled_model: Path
) -> None:
    """Unloading or removing the entry takes its issue away (set-up raises it again)."""
    bundled_model.unlink()
    entry = await _set_up(hass, "")
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is not None
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None


async def test_no_issue_from_a_check_that_outlives_its_entry(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, config_dir: Path
) -> None:
    """A model check still reading a broken file when the entry is removed must not raise
    the issue again: nothing would ever delete it."""
    model = write_model(config_dir / MODEL_OPTION)
    entry = await _set_up(hass, MODEL_OPTION)
    model.write_bytes(model.read_bytes()[:-10])  # broken by hand
    reading, finish = threading.Event(), threading.Event()

    def slow_load(path: Path) -> HomeTypeModel:
        reading.set()
        finish.wait(10)
        return load_model(path)

    with patch.object(coordinator_module, "load_model", slow_load):
        check = hass.async_create_task(entry.runtime_data.async_load_model())
        await hass.async_add_executor_job(reading.wait, 10)
        assert await hass.config_entries.async_remove(entry.entry_id)
        finish.set()
        with pytest.raises(ModelError):
            await check
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is None


async def test_a_load_that_outlives_its_entry_keeps_the_new_entrys_issue(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, config_dir: Path
) -> None:
    """A good model still loading when new options name a missing file must not delete the
    issue the reloaded entry raised: the missing file never changes, so nothing would raise
    it again and the sensor would stay unavailable with no word under Repairs."""
    write_model(config_dir / MODEL_OPTION)
    entry = await _set_up(hass, MODEL_OPTION)
    old = entry.runtime_data
    reading, finish = threading.Event(), threading.Event()

    def slow_load(path: Path) -> HomeTypeModel:
        if not reading.is_set():  # only the old entry's load waits
            reading.set()
            finish.wait(10)
        return load_model(path)

    with patch.object(coordinator_module, "load_model", slow_load):
        # In the background, or waiting for the reload below would wait for it (e.g. the
        # home_type.reload_model action, which runs outside the entry's tasks).
        check = hass.async_create_background_task(old.async_load_model(), "slow load")
        await hass.async_add_executor_job(reading.wait, 10)
        hass.config_entries.async_update_entry(
            entry, options={CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: "home_type/typo.pkl"})
        await hass.async_block_till_done()
        assert entry.runtime_data is not old
        assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is not None
        finish.set()
        await check
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_MODEL) is not None
    assert home_type_state(hass).state == STATE_UNAVAILABLE
