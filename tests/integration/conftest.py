"""Fixtures for the Home Type integration tests (pytest-homeassistant-custom-component).

Every test here runs with a real recorder (the integration depends on it), real registries and
Home Assistant's detection of blocking calls in the event loop switched on: a test that makes
one fails, whether Home Assistant raises for it or only logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from unittest.mock import AsyncMock, PropertyMock, patch

import pytest
from homeassistant import block_async_io
from homeassistant.components.recorder.core import Recorder
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, get_test_config_dir
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.home_type.const import CONF_HISTORY_DAYS, CONF_MODEL_PATH, DOMAIN

from .common import write_model

ENTRY_ID = "01JHOMETYPE0000000000000000"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Load custom integrations, with the recorder started first (it needs hass unborn)."""


#: The test plugin's configuration folder, shared by every test that does not take
#: ``config_dir``: a file left there is seen by later tests and by the next run.
SHARED_CONFIG = Path(get_test_config_dir())


@pytest.fixture(autouse=True)
def nothing_left_in_the_shared_config() -> Iterator[None]:
    """A test that writes files (an export, a model) must write them into ``config_dir``."""
    before = set(SHARED_CONFIG.iterdir())
    yield
    left = sorted(p.name for p in set(SHARED_CONFIG.iterdir()) - before
                  if p.name != "__pycache__")
    assert not left, (f"the test left {left} in {SHARED_CONFIG}, shared by every test: "
                      "take the config_dir fixture")


@pytest.fixture(autouse=True)
def detect_blocking_calls(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Switch on Home Assistant's blocking-call detection, as a real run does; fail on a hit.

    Home Assistant enables it at start-up (bootstrap), which tests skip. Strict checks raise
    in the offending call; the others only log, so the log is checked too.
    """
    caplog.set_level(logging.DEBUG, logger="homeassistant.util.loop")
    calls = block_async_io._BLOCKED_CALLS.calls
    enabled_here = not calls
    if enabled_here:
        block_async_io.enable()
    yield
    if enabled_here:
        for call in calls:
            setattr(call.object, call.function, call.original_func)
        calls.clear()
    blocking = [r.getMessage() for r in _records(caplog) if "Detected blocking call" in r.message]
    assert not blocking, blocking


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Everything a test logged: ``caplog.records`` in a fixture's teardown has only the
    teardown's records."""
    return [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]


@pytest.fixture(autouse=True)
def no_deprecated_api_used(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail on Home Assistant's report of a deprecated API called by Home Type.

    Home Assistant announces an API's removal a few releases ahead with one warning ("Detected
    that custom integration 'home_type' …"); scripts/test-newer-ha runs these tests on a newer
    release, where such a report shows what the next releases will break.
    """
    yield
    reports = [r.getMessage() for r in _records(caplog)
               if "custom integration 'home_type'" in r.getMessage()]
    assert not reports, reports


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration folder of the test's own, for model files named by the options."""
    folder = tmp_path / "config"
    folder.mkdir()
    hass.config.config_dir = str(folder)
    return folder


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    """The deterministic test model, standing in for the bundled one."""
    return write_model(tmp_path / "bundled" / "home_type_classifier.pkl")


@pytest.fixture(autouse=True)
def bundled_model(model_path: Path) -> Iterator[Path]:
    """Point the bundled-model location at the test model.

    Sensor and action snapshots must not change with every retraining; the real bundled model
    has its own test.
    """
    with patch("custom_components.home_type.helpers.BUNDLED_MODEL", model_path):
        yield model_path


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format in ``snapshots/`` (syrupy's own fixture can win)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create every entity enabled, including those disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """A Home Type entry with the default options."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home Type",
        entry_id=ENTRY_ID,
        data={},
        options={CONF_HISTORY_DAYS: 10, CONF_MODEL_PATH: ""},
    )


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Keep config flow tests from setting the entry up."""
    with patch(
        "custom_components.home_type.async_setup_entry", return_value=True
    ) as setup_entry:
        yield setup_entry


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    request: pytest.FixtureRequest,
) -> MockConfigEntry:
    """Set Home Type up; ``indirect`` parametrisation narrows the platforms."""
    mock_config_entry.add_to_hass(hass)
    context: AbstractContextManager[object] = nullcontext()
    if platform := getattr(request, "param", None):
        context = patch("custom_components.home_type.PLATFORMS", [platform])
    with context:
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    return mock_config_entry
