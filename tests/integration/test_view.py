"""``GET /api/home_type/classify``, through the real HTTP stack and its authentication."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_type.core.snapshot import EventLog
from custom_components.home_type.view import URL

from .common import (
    FIXTURE_PLATFORM,
    async_insert_events,
    failing_database,
    home_type_state,
    set_up_held,
)
from .test_services import classify, set_up_while_the_database_fails


@pytest.mark.usefixtures("init_integration")
async def test_needs_a_token(hass_client_no_auth: ClientSessionGenerator) -> None:
    """Like every Home Assistant API: 401 without a bearer token, and no result."""
    client = await hass_client_no_auth()
    response = await client.get(URL)
    assert response.status == HTTPStatus.UNAUTHORIZED
    assert "home_type" not in await response.text()


@pytest.mark.usefixtures("init_integration")
async def test_returns_the_sensors_result(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, mock_config_entry: MockConfigEntry
) -> None:
    """The latest result, in the action's shape: what the sensor shows."""
    client = await hass_client()
    response = await client.get(URL)
    assert response.status == HTTPStatus.OK
    body = await response.json()
    assert set(body) == {"home_type", "confidence", "probabilities", "model_version",
                         "history_days", "method"}
    state = hass.states.get("sensor.home_type")
    assert state is not None
    assert body["home_type"] == state.state == "apartment"
    assert body == await classify(hass, mock_config_entry.entry_id)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("refresh", ["1", "true", "True", "ON"])
async def test_refresh_classifies_now(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
    refresh: str,
) -> None:
    """Without refresh the latest result is returned as it is; with ?refresh=1, a new one.

    In any case: a script that writes Python's ``True`` or YAML's ``ON`` means yes as well.
    """
    entity_registry.async_get_or_create("light", FIXTURE_PLATFORM, "hall",
                                        suggested_object_id="hall")
    # Written straight into the database, a day back (less counts as no history): moving the
    # clock instead would expire the client's access token.
    now = dt_util.utcnow().timestamp()
    await async_insert_events(hass, EventLog.from_columns(
        ["light.hall"] * 3, [now - 23 * 3600 + i for i in range(3)], ["on", "off", "on"]))
    client = await hass_client()

    for query in ("", "?refresh=", "?refresh=0", "?refresh=false", "?refresh=False",
                  "?refresh=OFF"):
        response = await client.get(URL + query)
        assert (await response.json())["method"] == "structure", query
    response = await client.get(URL + "?refresh=" + refresh)
    assert response.status == HTTPStatus.OK
    body = await response.json()
    assert body["method"] == "history"
    assert body["home_type"] == home_type_state(hass).state
    assert body["home_type"] == "single_family_house"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("query", "code", "words"),
    [
        ("?entry=1", "unknown_parameter", "Unknown query parameter entry"),
        ("?refresh=1&format=xml", "unknown_parameter", "Unknown query parameter format"),
        ("?refresh=maybe", "invalid_parameter", "refresh must be given once, as 0 or 1"),
        ("?refresh=1&refresh=0", "invalid_parameter", "refresh must be given once"),
    ],
)
async def test_bad_query(
    hass_client: ClientSessionGenerator, query: str, code: str, words: str
) -> None:
    """Anything but refresh=0/1 is a 400 that says what is accepted."""
    client = await hass_client()
    response = await client.get(URL + query)
    assert response.status == HTTPStatus.BAD_REQUEST
    body = await response.json()
    assert body["code"] == code
    assert body["message"].startswith(words)


async def test_unusable_model_is_503(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    bundled_model: Path,
) -> None:
    """While the sensor is unavailable: 503 with the sensor's reason, translated."""
    bundled_model.unlink()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client()
    for query in ("", "?refresh=1"):
        response = await client.get(URL + query)
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        body = await response.json()
        assert body["code"] == "model_missing"
        assert body["message"].startswith("Home Type cannot classify without its model: ")
        assert "Traceback" not in body["message"]


@pytest.mark.recorder
@pytest.mark.usefixtures("init_integration")
async def test_database_error_is_503(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entity_registry: er.EntityRegistry
) -> None:
    """A refresh that cannot read the recorder: 503, and the database's one-line reason -- not
    the failed statement, whose parameters are the home's entity ids."""
    entity_registry.async_get_or_create("light", FIXTURE_PLATFORM, "hall",
                                        suggested_object_id="hall")
    now = dt_util.utcnow().timestamp()  # rows in the states table, so the home is read
    await async_insert_events(hass, EventLog.from_columns(
        ["light.hall"] * 3, [now - 3 * 3600 + i for i in range(3)], ["on", "off", "on"]))
    client = await hass_client()
    with failing_database(hass, "disk I/O error", "FROM states_meta"):
        response = await client.get(URL + "?refresh=1")
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    expected = {"code": "recorder_error",
                "message": "Home Type could not read the recorder's history: disk I/O error"}
    assert await response.json() == expected
    # The failure is the sensor's too: without refresh it is reported until the next success.
    response = await client.get(URL)
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert await response.json() == expected


@pytest.mark.usefixtures("init_integration")
async def test_unexpected_error_is_503(hass_client: ClientSessionGenerator) -> None:
    """An error the coordinator did not expect is still a JSON answer, not a traceback."""
    client = await hass_client()
    with patch(
        "custom_components.home_type.coordinator.classify", side_effect=ValueError("boom")
    ):
        response = await client.get(URL + "?refresh=1")
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert await response.json() == {
        "code": "classify_failed",
        "message": "Home Type could not classify the home: boom",
    }


@pytest.mark.usefixtures("init_integration")
async def test_unexpected_error_names_files_as_options_do(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """Any user with a token may ask: a file of the configuration folder is named relative to
    it, as diagnostics name it, not by a path that tells where Home Assistant lives (found by
    a security review)."""
    config_dir = hass.config.config_dir
    denied = OSError(13, "Permission denied", f"{config_dir}/private/home-v2.db")
    client = await hass_client()
    with patch("custom_components.home_type.coordinator.classify", side_effect=denied):
        response = await client.get(URL + "?refresh=1")
    assert await response.json() == {
        "code": "classify_failed",
        "message": "Home Type could not classify the home: [Errno 13] Permission denied: "
                   "'private/home-v2.db'",
    }


@pytest.mark.recorder
async def test_set_up_waiting_to_retry_gives_its_reason(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, mock_config_entry: MockConfigEntry
) -> None:
    """503 with the database's failure, which set-up retries by itself, not "not loaded"."""
    await set_up_while_the_database_fails(hass, mock_config_entry)
    client = await hass_client()
    response = await client.get(URL)
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert await response.json() == {
        "code": "recorder_error",
        "message": "Home Type could not read the recorder's history: database is locked",
    }


async def test_set_up_reading_the_recorder_is_503_starting(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, mock_config_entry: MockConfigEntry
) -> None:
    """503 while set-up takes its first reading of the home, saying so: not "add it under
    Settings", which it is."""
    async with set_up_held(hass, mock_config_entry):
        client = await hass_client()  # Home Assistant's web server, set up for Home Type
        response = await client.get(URL)
        assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert await response.json() == {
            "code": "entry_starting",
            "message": "Home Type is still starting: it is reading the recorder's history. "
                       "Try again in a moment",
        }
    assert (await client.get(URL)).status == HTTPStatus.OK


async def test_not_loaded_is_503(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    """An unloaded entry has no result: 503, and what to do."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    client = await hass_client()
    response = await client.get(URL)
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    body = await response.json()
    assert body["code"] == "not_loaded"
    assert "Home Type is not loaded" in body["message"]
