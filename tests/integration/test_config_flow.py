"""The config flow: user step, its errors and recovery, the single-instance abort, options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from unittest.mock import AsyncMock

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.home_type.const import CONF_HISTORY_DAYS, CONF_MODEL_PATH, DOMAIN
from custom_components.home_type.core.model import sha256_line, sha256_path

from .common import ENGLISH, model_bundle, said_twice, write_model

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


def _suggested(result: ConfigFlowResult) -> dict[str, object]:
    """The values a form shows filled in."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description
    }


async def test_user_step_with_the_bundled_model(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    """An empty model path means the bundled model; the entry holds the options."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home Type"
    assert result["data"] == {}
    assert result["options"] == {CONF_HISTORY_DAYS: 30, CONF_MODEL_PATH: ""}
    # Whole days, as the form asks for them: stored as 30, not as the selector's 30.0.
    assert type(result["options"][CONF_HISTORY_DAYS]) is int
    assert len(mock_setup_entry.mock_calls) == 1


async def test_user_step_defaults_to_ten_days_and_the_bundled_model(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    """Home Assistant's own recorder keeps 10 days, which the model's headline figures are
    measured on: a form sent as it is shown takes those."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: ""}


def _damage_tampered(model: Path) -> None:
    model.write_bytes(model.read_bytes() + b"\0")


def _damage_foreign(model: Path) -> None:
    write_model(model, {"format": "not ours"})


def _damage_not_a_model(model: Path) -> None:
    """Some other file, its .sha256 written to match: a hash does not make it a model."""
    data = b"PK\x03\x04 a zip file, perhaps a backup"
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))


def _damage_incompatible(model: Path) -> None:
    write_model(model, {**model_bundle(), "snapshot_schema_version": 99})


def _damage_no_hash(model: Path) -> None:
    sha256_path(model).unlink()


def _damage_other_numpy(model: Path) -> None:
    write_model(model, {**model_bundle(), "numpy_version": "1.26.4"})


@pytest.mark.parametrize(
    ("model_option", "damage", "error"),
    [
        ("/etc/home_type.pkl", None, "outside_config"),
        (".", None, "outside_config"),  # the folder itself: no file in it
        ("../outside/home_type.pkl", None, "outside_config"),
        # A sibling whose name begins with the folder's: outside, though its path string
        # starts with the folder's.
        ("../config-old/home_type.pkl", None, "outside_config"),
        ("models/missing.pkl", None, "model_missing"),
        ("models/home_type.pkl", _damage_tampered, "model_tampered"),
        ("models/home_type.pkl", _damage_no_hash, "model_tampered"),
        ("models/home_type.pkl", _damage_foreign, "model_foreign"),
        ("models/home_type.pkl", _damage_not_a_model, "model_foreign"),
        ("models/home_type.pkl", _damage_incompatible, "model_incompatible"),
        ("models/home_type.pkl", _damage_other_numpy, "model_incompatible"),
    ],
)
async def test_user_step_errors_then_recovery(
    hass: HomeAssistant,
    config_dir: Path,
    mock_setup_entry: AsyncMock,
    model_option: str,
    damage: Callable[[Path], None] | None,
    error: str,
) -> None:
    """Each unusable model path is refused with its reason; a good one is then accepted."""
    model = write_model(config_dir / "models" / "home_type.pkl")
    if damage is not None:
        damage(model)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: model_option}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MODEL_PATH: error}
    assert result["description_placeholders"] is not None
    reason = result["description_placeholders"]["error"]
    assert reason
    # Beside the field that names the file: why, in a text that says nothing twice.
    assert model_option not in reason
    assert not said_twice(ENGLISH["config"]["error"][error].format(error=reason))
    # The form comes back with what was typed, to correct rather than retype.
    assert _suggested(result) == {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: model_option}

    write_model(model)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: " models/home_type.pkl "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: "models/home_type.pkl"}
    assert len(mock_setup_entry.mock_calls) == 1


async def test_absolute_path_inside_config_is_accepted(
    hass: HomeAssistant, config_dir: Path
) -> None:
    """An absolute path is fine as long as it is inside the configuration folder."""
    model = write_model(config_dir / "home_type.pkl")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 0, CONF_MODEL_PATH: str(model)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {CONF_HISTORY_DAYS: 0, CONF_MODEL_PATH: str(model)}


async def test_single_instance(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    """A second entry is refused: one home, one classifier."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"
    # Home Assistant's own text (manifest: single_config_entry): none of ours is shown.
    assert result["translation_domain"] == "homeassistant"


async def test_options_flow(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path,
    mock_setup_entry: AsyncMock,
) -> None:
    """Options show the current values, refuse a bad model, then store the new ones; an entry
    not set up (no listener for them) is set up with them."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert _suggested(result) == {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: ""}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 90, CONF_MODEL_PATH: "nothing/here.pkl"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MODEL_PATH: "model_missing"}

    write_model(config_dir / "nothing" / "here.pkl")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 90, CONF_MODEL_PATH: "nothing/here.pkl"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options == {CONF_HISTORY_DAYS: 90, CONF_MODEL_PATH: "nothing/here.pkl"}
    assert type(mock_config_entry.options[CONF_HISTORY_DAYS]) is int
    # Waited for here: a set-up left running past the test ran the real one, whose
    # coordinator's timer then outlived Home Assistant (a failure, now and then, under load).
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.parametrize("days", [-1, 91, 365])
async def test_history_window_is_0_to_90_days(hass: HomeAssistant, days: int) -> None:
    """The model is trained on windows of 0 to 90 days: the form takes nothing else."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HISTORY_DAYS: days})


@pytest.mark.parametrize("days", [0.5, 1.9, float("nan")])
async def test_history_window_is_whole_days(
    hass: HomeAssistant, mock_setup_entry: AsyncMock, days: float
) -> None:
    """0.5 is not cut to 0, which would turn the history off: the form says whole days. A
    whole number sent as a float (JSON's 3.0) is that number."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: days})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HISTORY_DAYS: "history_days_whole"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 3.0})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_HISTORY_DAYS] == 3
    assert type(result["options"][CONF_HISTORY_DAYS]) is int


async def test_a_path_no_file_can_have_is_a_form_error(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    """A NUL character (only the API can send one) is no file name: the form says so, where
    it answered "Unknown error"."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: "a\0b.pkl"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_MODEL_PATH: "model_missing"}
    assert result["description_placeholders"] == {
        "error": "not a possible file name (it holds a NUL)"}


async def test_bundled_model_unusable_is_named(
    hass: HomeAssistant, bundled_model: Path, mock_setup_entry: AsyncMock
) -> None:
    """With the field empty (the bundled model) the form names no file: the reason does."""
    _damage_tampered(bundled_model)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: ""})
    assert result["errors"] == {CONF_MODEL_PATH: "model_tampered"}
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["error"] == (
        "home_type_classifier.pkl: SHA-256 does not match home_type_classifier.pkl.sha256; "
        "the file was changed after training")


async def test_not_a_model_says_so(
    hass: HomeAssistant, config_dir: Path, mock_setup_entry: AsyncMock
) -> None:
    """A file that is not a Home Type bundle: the form's error says so, beside the file."""
    _damage_not_a_model(config_dir / "backup.pkl")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: "backup.pkl"}
    )
    assert result["errors"] == {CONF_MODEL_PATH: "model_foreign"}
    assert result["description_placeholders"] is not None
    reason = result["description_placeholders"]["error"]
    assert reason == "not a Home Type model: not a pickle file"
    assert not mock_setup_entry.mock_calls
