"""The ``home_type.classify`` action: its response, the sensor it refreshes, its errors; and
who may call the actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant, ServiceResponse
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from syrupy.assertion import SnapshotAssertion

from custom_components.home_type.const import DOMAIN, SERVICE_CLASSIFY
from custom_components.home_type.core.snapshot import EventLog

from .common import (
    FIXTURE_PLATFORM,
    HISTORY_PROBABILITIES,
    async_insert_events,
    async_record_history,
    failing_database,
    home_type_state,
    set_up_held,
)


async def classify(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    """Call home_type.classify for an entry and return its response."""
    response = await hass.services.async_call(
        DOMAIN, SERVICE_CLASSIFY, {"config_entry_id": entry_id},
        blocking=True, return_response=True,
    )
    assert response is not None
    return response


@pytest.mark.usefixtures("init_integration")
async def test_classify_returns_the_result(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    """The response is the classification, the same the sensor shows."""
    response = await classify(hass, mock_config_entry.entry_id)
    assert response == snapshot
    state = hass.states.get("sensor.home_type")
    assert state is not None
    assert state.state == response["home_type"]
    assert state.attributes["probabilities"] == response["probabilities"]


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("with_response", [True, False])
async def test_classify_refreshes_the_sensor(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    with_response: bool,
) -> None:
    """A home that gained history since the last refresh is classified anew, at once -- also
    by a call that asks for no response (a dashboard button)."""
    assert home_type_state(hass).state == "apartment"
    await async_record_history(hass, entity_registry, freezer)

    if with_response:
        response = await classify(hass, mock_config_entry.entry_id)
        assert response["method"] == "history"
        assert response["home_type"] == "single_family_house"
        assert response["confidence"] == max(HISTORY_PROBABILITIES)
    else:
        assert await hass.services.async_call(
            DOMAIN, SERVICE_CLASSIFY, {"config_entry_id": mock_config_entry.entry_id},
            blocking=True) is None
    assert home_type_state(hass).state == "single_family_house"


@pytest.mark.usefixtures("init_integration")
async def test_classify_unknown_entry(hass: HomeAssistant) -> None:
    """An entry id that is not Home Type's is a translated validation error."""
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    for entry_id in ("nope", other.entry_id):
        with pytest.raises(ServiceValidationError) as err:
            await classify(hass, entry_id)
        assert err.value.translation_key == "entry_not_found"
        assert str(err.value) == f"There is no Home Type entry with the id {entry_id}"


async def test_classify_entry_not_loaded(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An unloaded entry cannot classify."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await classify(hass, init_integration.entry_id)
    assert err.value.translation_key == "entry_not_loaded"


async def set_up_while_the_database_fails(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up while the recorder's database is locked: it waits to retry."""
    er.async_get(hass).async_get_or_create("light", FIXTURE_PLATFORM, "hall",
                                           suggested_object_id="hall")
    now = dt_util.utcnow().timestamp()  # rows in the states table, so the home is read
    await async_insert_events(hass, EventLog.from_columns(
        ["light.hall"] * 3, [now - 3 * 3600 + i for i in range(3)], ["on", "off", "on"]))
    entry.add_to_hass(hass)
    with failing_database(hass, "database is locked", "FROM states_meta"):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.recorder
async def test_classify_while_set_up_waits_to_retry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The reason set-up gave, not "enable or reload it", which would not help."""
    await set_up_while_the_database_fails(hass, mock_config_entry)
    with pytest.raises(HomeAssistantError) as err:
        await classify(hass, mock_config_entry.entry_id)
    assert not isinstance(err.value, ServiceValidationError)  # not the caller's mistake
    assert err.value.translation_key == "recorder_error"
    assert str(err.value) == "Home Type could not read the recorder's history: database is locked"


async def test_classify_while_set_up_reads_the_recorder(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Set-up's first reading of the home takes seconds on a large one: an action then says
    Home Type is starting, not "enable or reload it", nor that the caller erred; by the
    entry's name, which the owner may have changed."""
    mock_config_entry = MockConfigEntry(
        domain=DOMAIN, title="Flat upstairs", entry_id=mock_config_entry.entry_id, data={},
        options=dict(mock_config_entry.options))
    async with set_up_held(hass, mock_config_entry):
        assert mock_config_entry.state is ConfigEntryState.SETUP_IN_PROGRESS
        with pytest.raises(HomeAssistantError) as err:
            await classify(hass, mock_config_entry.entry_id)
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "entry_starting"
    assert str(err.value) == ("Flat upstairs is still starting: it is reading the recorder's "
                              "history. Try again in a moment")
    assert (await classify(hass, mock_config_entry.entry_id))["home_type"]


async def test_classify_without_a_model(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, bundled_model: Path
) -> None:
    """With no usable model the action fails with the model's reason, translated."""
    bundled_model.unlink()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as err:
        await classify(hass, mock_config_entry.entry_id)
    assert err.value.translation_key == "model_missing"
    assert str(err.value).startswith("Home Type cannot classify without its model: ")
    assert "no model file there" in str(err.value)


@pytest.mark.recorder
@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("action", [SERVICE_CLASSIFY, "reload_model"])
async def test_classify_database_error(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, entity_registry: er.EntityRegistry,
    action: str,
) -> None:
    """A database error reaches the caller as a translated error in one line -- the database's
    reason, not the failed statement with the entity ids it was given -- and the sensor goes
    away. ``reload_model`` classifies with the model it loaded: it answered as if it had."""
    entity_registry.async_get_or_create("light", FIXTURE_PLATFORM, "hall",
                                        suggested_object_id="hall")
    now = dt_util.utcnow().timestamp()  # rows in the states table, so the home is read
    await async_insert_events(hass, EventLog.from_columns(
        ["light.hall"] * 3, [now - 3 * 3600 + i for i in range(3)], ["on", "off", "on"]))
    with failing_database(hass, "disk I/O error", "FROM states_meta"), \
            pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, action,
                                       {"config_entry_id": mock_config_entry.entry_id},
                                       blocking=True, return_response=True)
    assert err.value.translation_key == "recorder_error"
    assert str(err.value) == "Home Type could not read the recorder's history: disk I/O error"
    assert home_type_state(hass).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_classify_unexpected_error(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Anything else is reported as a failed classification, not a bare traceback."""
    with patch(
        "custom_components.home_type.coordinator.classify", side_effect=ValueError("boom")
    ), pytest.raises(HomeAssistantError) as err:
        await classify(hass, mock_config_entry.entry_id)
    assert err.value.translation_key == "classify_failed"
    assert "boom" in str(err.value)
    # A file of the configuration folder is named relative to it, as diagnostics name it.
    denied = OSError(13, "Permission denied", f"{hass.config.config_dir}/private/home-v2.db")
    with patch(
        "custom_components.home_type.coordinator.classify", side_effect=denied
    ), pytest.raises(HomeAssistantError) as err:
        await classify(hass, mock_config_entry.entry_id)
    assert str(err.value) == ("Home Type could not classify the home: [Errno 13] Permission "
                              "denied: 'private/home-v2.db'")
    assert err.value.__cause__ is denied


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("action", ["reload_model", "export_snapshot"])
async def test_model_and_file_actions_are_for_administrators(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, config_dir: Path,
    hass_admin_user: MockUser, hass_read_only_user: MockUser, action: str,
) -> None:
    """Swapping the model and writing into the configuration folder: administrators (and
    automations, which have no user) only; reading the answer stays open to every user."""
    data = {"config_entry_id": mock_config_entry.entry_id}

    async def call(service: str, user_id: str) -> ServiceResponse:
        return await hass.services.async_call(
            DOMAIN, service, data, blocking=True, return_response=True,
            context=Context(user_id=user_id))

    before = set(config_dir.iterdir())
    with pytest.raises(Unauthorized):
        await call(action, hass_read_only_user.id)
    with pytest.raises(UnknownUser):
        await call(action, "no-such-user")
    assert set(config_dir.iterdir()) == before
    assert await call(action, hass_admin_user.id)
    assert await call(SERVICE_CLASSIFY, hass_read_only_user.id)
