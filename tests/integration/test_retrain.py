"""The retrain loop: the trainer publishes a model, Home Assistant picks it up without a restart.

Home Assistant runs on model A from the folder ``publish`` writes to; publishing B and calling
``home_type.reload_model`` switches the sensor to B at once, publishing C is noticed at the next
update, and a publish the trainer refuses (figures below the thresholds, a tampered file)
leaves the model in use -- as does a model file broken by hand.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.home_type import coordinator as coordinator_module
from custom_components.home_type.const import (
    CONF_HISTORY_DAYS,
    CONF_MODEL_PATH,
    DOMAIN,
    REGISTRY_LOOK_COOLDOWN,
    UPDATE_INTERVAL,
)
from custom_components.home_type.coordinator import MODEL_READ_ATTEMPTS
from custom_components.home_type.core import model as model_module
from custom_components.home_type.core.model import HomeTypeModel, load_model, sha256_path
from tests.models import make_model
from trainer.publish import (
    EXIT_BELOW_THRESHOLDS,
    EXIT_NOT_VERIFIED,
    MODEL_NAME,
    PublishRefused,
    Thresholds,
    publish,
)

FOLDER = "home_type_models"


def sensor_version(hass: HomeAssistant) -> str:
    """The model version the sensor gives, which its device shows as its software version."""
    state = hass.states.get("sensor.home_type")
    assert state is not None
    entity = er.async_get(hass).async_get("sensor.home_type")
    assert entity is not None and entity.device_id is not None
    device = dr.async_get(hass).async_get(entity.device_id)
    assert device is not None
    version = state.attributes.get("model_version")
    assert device.sw_version == version, "Devices & services shows the model in use"
    return str(version)


async def reload_model(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "reload_model", {"config_entry_id": entry.entry_id}, blocking=True,
        return_response=True)
    assert response is not None
    return dict(response)


@pytest.fixture
async def running_on_a(hass: HomeAssistant, config_dir: Path, tmp_path: Path
                       ) -> MockConfigEntry:
    """Home Type set up on model A, published by the trainer into the config folder."""
    publish(make_model(tmp_path / "a", "A-1"), config_dir / FOLDER, Thresholds())
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type", options={
        CONF_HISTORY_DAYS: 0, CONF_MODEL_PATH: f"{FOLDER}/{MODEL_NAME}"})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert sensor_version(hass) == "A-1"
    return entry


async def test_publish_then_reload_switches_the_sensor(
    hass: HomeAssistant, running_on_a: MockConfigEntry, config_dir: Path, tmp_path: Path
) -> None:
    publish(make_model(tmp_path / "b", "B-1"), config_dir / FOLDER, Thresholds())
    assert await reload_model(hass, running_on_a) == {
        "model_version": "B-1", "previous_model_version": "A-1"}
    assert sensor_version(hass) == "B-1"
    # The previous model is kept beside it for a rollback.
    assert (config_dir / FOLDER / "home_type_classifier.previous.pkl").exists()


async def test_a_new_model_is_noticed_at_the_next_update(
    freezer: FrozenDateTimeFactory, hass: HomeAssistant, running_on_a: MockConfigEntry,
    config_dir: Path, tmp_path: Path,
) -> None:
    """Not before it: the update is what looks at the file (``freezer`` first, so that the
    update set-up schedules is due an hour after it, on the frozen clock)."""
    publish(make_model(tmp_path / "c", "C-1"), config_dir / FOLDER, Thresholds())
    for tick, version in ((UPDATE_INTERVAL - timedelta(minutes=1), "A-1"),
                          (timedelta(minutes=2), "C-1")):
        freezer.tick(tick)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert sensor_version(hass) == version


async def test_a_new_model_answers_the_next_edit_of_the_home(
    freezer: FrozenDateTimeFactory, hass: HomeAssistant, running_on_a: MockConfigEntry,
    config_dir: Path, tmp_path: Path,
) -> None:
    """An edit that adds no entity is classified again with the history already read; it
    used the model in memory, while the docs promise that an edit looks at the file too."""
    publish(make_model(tmp_path / "c", "C-1"), config_dir / FOLDER, Thresholds())
    ar.async_get(hass).async_create("Garage")
    freezer.tick(REGISTRY_LOOK_COOLDOWN)  # set-up's own registry events were looked at
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sensor_version(hass) == "C-1"


async def test_refused_publishes_leave_the_model_in_place(
    hass: HomeAssistant, running_on_a: MockConfigEntry, config_dir: Path, tmp_path: Path
) -> None:
    weak = make_model(tmp_path / "weak", "W-1", accuracy=0.2)
    with pytest.raises(PublishRefused) as refused:
        publish(weak, config_dir / FOLDER, Thresholds())
    assert refused.value.exit_code == EXIT_BELOW_THRESHOLDS
    tampered = make_model(tmp_path / "bad", "T-1")
    tampered.write_bytes(tampered.read_bytes() + b"tampered")
    with pytest.raises(PublishRefused) as refused:
        publish(tampered, config_dir / FOLDER, Thresholds())
    assert refused.value.exit_code == EXIT_NOT_VERIFIED
    assert await reload_model(hass, running_on_a) == {
        "model_version": "A-1", "previous_model_version": "A-1"}
    assert sensor_version(hass) == "A-1"


async def test_a_file_broken_by_hand_keeps_the_model_in_use(
    freezer: FrozenDateTimeFactory, hass: HomeAssistant, running_on_a: MockConfigEntry,
    config_dir: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """reload_model refuses the file and says why to its caller alone; the update that follows
    keeps model A and does not log the same file again.

    The clock is frozen before set-up (``freezer`` first): the update it schedules is then due
    an hour later, not at the first look at a clock that jumped.
    """
    published = config_dir / FOLDER / MODEL_NAME
    published.write_bytes(published.read_bytes()[:-10])
    with pytest.raises(HomeAssistantError) as error:
        await reload_model(hass, running_on_a)
    assert error.value.translation_key == "model_tampered"
    assert sensor_version(hass) == "A-1"
    freezer.tick(UPDATE_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get("sensor.home_type")
    assert state is not None and state.state != "unavailable"
    assert sensor_version(hass) == "A-1"
    still = [r for r in caplog.records if "still using model A-1" in r.getMessage()]
    # reload_model told its caller; the update's check does not log the same file again.
    assert still == []


async def test_a_broken_new_file_is_logged_once(
    freezer: FrozenDateTimeFactory, hass: HomeAssistant, running_on_a: MockConfigEntry,
    config_dir: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    published = config_dir / FOLDER / MODEL_NAME
    whole = published.read_bytes()
    published.write_bytes(whole[:-10])
    for _ in range(2):
        freezer.tick(UPDATE_INTERVAL + timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert sensor_version(hass) == "A-1"
    still = [r for r in caplog.records if "still using model A-1" in r.getMessage()]
    assert len(still) == 1 and "SHA-256 does not match" in still[0].getMessage()
    assert running_on_a.runtime_data.model_error is not None

    # Put back as it was (the same model): one line says it is over, as one said it broke.
    published.write_bytes(whole)
    for _ in range(2):
        freezer.tick(UPDATE_INTERVAL + timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    again = [r.getMessage() for r in caplog.records if "usable again" in r.getMessage()]
    assert again == [f"{published} is usable again: model A-1"]
    assert running_on_a.runtime_data.model_error is None


async def test_a_model_published_while_being_read_is_picked_up(
    freezer: FrozenDateTimeFactory, hass: HomeAssistant, running_on_a: MockConfigEntry,
    config_dir: Path, tmp_path: Path,
) -> None:
    """``publish`` empties the slot before it renames the new model in; a check that reads the
    slot in that gap fails, and the model that lands a moment later must still be loaded."""
    slot = config_dir / FOLDER / MODEL_NAME
    slot.unlink()  # publish has moved A away ...
    reads: list[Path] = []

    def read_then_publish_lands(path: Path) -> HomeTypeModel:
        reads.append(path)
        try:
            return load_model(path)
        finally:
            if len(reads) == 1:  # ... and renames B in just after the read
                publish(make_model(tmp_path / "b", "B-1"), config_dir / FOLDER, Thresholds())

    with patch.object(coordinator_module, "load_model", read_then_publish_lands):
        for _ in range(2):
            freezer.tick(UPDATE_INTERVAL + timedelta(seconds=1))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
    assert len(reads) == 2
    assert sensor_version(hass) == "B-1"
    assert ir.async_get(hass).async_get_issue(DOMAIN, "model") is None


async def test_a_publish_between_a_loads_two_reads_raises_no_issue(
    hass: HomeAssistant, running_on_a: MockConfigEntry, config_dir: Path, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A load reads the model, then its hash: a publish landing between the two reads gave
    A's bytes beside B's hash, which looked like a tampered model -- a repair issue and a
    warning, A answering, for up to an hour, until the next check. The files changed under
    the read, so it reads them again."""
    real_read, published = model_module._read_file, list[bool]()

    def read_then_publish_lands(path: Path, limit: int) -> bytes:
        data = real_read(path, limit)
        if path.name == MODEL_NAME and not published:
            published.append(True)
            publish(make_model(tmp_path / "b", "B-1"), config_dir / FOLDER, Thresholds())
        return data

    with patch.object(model_module, "_read_file", read_then_publish_lands):
        assert await reload_model(hass, running_on_a) == {
            "model_version": "B-1", "previous_model_version": "A-1"}
    assert published
    assert sensor_version(hass) == "B-1"
    assert ir.async_get(hass).async_get_issue(DOMAIN, "model") is None
    assert [r.getMessage() for r in caplog.records
            if r.name.startswith("custom_components.home_type")
            and r.levelno >= logging.WARNING] == []


async def test_a_model_file_that_never_settles_is_refused_after_three_reads(
    hass: HomeAssistant, running_on_a: MockConfigEntry, config_dir: Path,
) -> None:
    """Reading again is for a publish that switched the files under a read: a hash file that
    changes under every read (a copy that never ends, a tool rewriting it) is read three times,
    and then its error is the answer, as for any file that fails its check."""
    digest = sha256_path(config_dir / FOLDER / MODEL_NAME)
    real_read, reads = model_module._read_file, list[Path]()

    def read_while_rewritten(path: Path, limit: int) -> bytes:
        reads.append(path)
        if path == digest:  # longer each time: a new size, whatever the clock's resolution
            digest.write_text("0" * 64 + " " * len(reads) + "\n")
        return real_read(path, limit)

    with patch.object(model_module, "_read_file", read_while_rewritten), \
            pytest.raises(HomeAssistantError, match="does not match"):
        await reload_model(hass, running_on_a)
    assert [path.name for path in reads].count(MODEL_NAME) == MODEL_READ_ATTEMPTS == 3
    assert ir.async_get(hass).async_get_issue(DOMAIN, "model") is not None
    assert sensor_version(hass) == "A-1"  # the model in use stays


async def test_overlapping_loads_end_on_the_newest_model(
    hass: HomeAssistant, running_on_a: MockConfigEntry, config_dir: Path, tmp_path: Path
) -> None:
    """A slow load of B must not finish after, and undo, a load of the C published meanwhile;
    and each ``reload_model`` names the model its own load replaced (both named A)."""
    coordinator = running_on_a.runtime_data
    publish(make_model(tmp_path / "b", "B-1"), config_dir / FOLDER, Thresholds())
    first_read, let_first_finish = threading.Event(), threading.Event()

    def slow_first_read(path: Path) -> HomeTypeModel:
        model = load_model(path)
        if not first_read.is_set():
            first_read.set()
            let_first_finish.wait(10)
        return model

    with patch.object(coordinator_module, "load_model", slow_first_read):
        slow = hass.async_create_task(reload_model(hass, running_on_a))
        await hass.async_add_executor_job(first_read.wait, 10)
        publish(make_model(tmp_path / "c", "C-1"), config_dir / FOLDER, Thresholds())
        fast = hass.async_create_task(reload_model(hass, running_on_a))
        await asyncio.sleep(0.05)  # without one load at a time, C would be in before B ends
        let_first_finish.set()
        assert list(await asyncio.gather(slow, fast)) == [
            {"model_version": "B-1", "previous_model_version": "A-1"},
            {"model_version": "C-1", "previous_model_version": "B-1"}]
    assert coordinator.model is not None and coordinator.model.version == "C-1"
