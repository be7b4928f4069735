"""Helpers for the integration tests: a tiny deterministic model, and homes loaded into HA.

``write_model`` builds a real model bundle by hand -- one decision stump on ``has_history``
-- so sensor and action snapshots do not change when the trainer does. ``async_load_home``
puts a home file into a Home Assistant test instance the way a real home lives there: floors,
areas, devices and entities in the registries (entity ids exactly as in the file) and its
events as recorder rows with their past timestamps, inserted directly for speed. The loading
itself is ``devtools/home_fixture/load_home.py``, which the development instance
(``scripts/develop``) loads its home with too. ``failing_database`` breaks the recorder's
database for the queries named, the way a locked or damaged one fails.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import CoreState, HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import event

from custom_components.home_type import activity
from custom_components.home_type.core.features import FEATURE_NAMES
from custom_components.home_type.core.model import (
    bundle_header,
    dumps_bundle,
    sha256_line,
    sha256_path,
)
from custom_components.home_type.core.snapshot import HOME_TYPES, HomeSnapshot
from custom_components.home_type.snapshot import async_read_home
from devtools.home_fixture import load_home
from devtools.home_fixture.load_home import FIXTURE_PLATFORM, async_insert_events

__all__ = ["ENGLISH", "FIXTURE_PLATFORM", "async_insert_events", "async_load_home",
           "async_record_history", "failing_database", "held", "home_type_state",
           "model_bundle", "said_twice", "set_up_held", "write_model"]

#: The integration's English texts, to read a message as the user gets it.
ENGLISH: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "custom_components" / "home_type" / "translations"
     / "en.json").read_text(encoding="utf-8"))

#: What the stump answers without history (row 0) and with it (row 1), in HOME_TYPES order.
STRUCTURE_PROBABILITIES = (0.05, 0.5, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05)
HISTORY_PROBABILITIES = (0.05, 0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.05)


def model_bundle(version: str = "test-1", classes: tuple[str, ...] = HOME_TYPES,
                 split_on: str = "has_history") -> dict[str, Any]:
    """A valid bundle: one tree, split on ``has_history`` (apartment without, house with).

    ``split_on`` another feature that is 0 or at least 1: ``floors`` answers by the floors.
    """
    split = FEATURE_NAMES.index(split_on)
    return {
        **bundle_header(),
        "model_version": version,
        "classes": list(classes),
        "scaler": None,
        "calibration": None,
        "forest": {
            "roots": np.array([0]),
            "feature": np.array([split, -2, -2]),
            "threshold": np.array([0.5, -2.0, -2.0]),
            "left": np.array([1, -1, -2]),
            "right": np.array([2, -1, -1]),
            "leaf_values": np.array([STRUCTURE_PROBABILITIES, HISTORY_PROBABILITIES]),
        },
    }


def write_model(path: Path, bundle: dict[str, Any] | None = None) -> Path:
    """Write a bundle and its ``.sha256`` as the trainer does."""
    data = dumps_bundle(bundle if bundle is not None else model_bundle())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sha256_path(path).write_text(sha256_line(data, path.name))
    return path


async def async_load_home(hass: HomeAssistant, home: HomeSnapshot) -> None:
    """Registries and recorder rows for a home file, under a mock ``home_fixture`` entry."""
    entry = MockConfigEntry(domain=FIXTURE_PLATFORM, title=home.home_id)
    entry.add_to_hass(hass)
    await load_home.async_load_home(hass, home, entry)


async def async_record_history(hass: HomeAssistant, entity_registry: er.EntityRegistry,
                               freezer: FrozenDateTimeFactory) -> None:
    """A light switched four times, recorded, 23 hours ago: history the next refresh reads
    (more than the 0.9 day that counts as history at all), so the test model's answer changes."""
    entity_registry.async_get_or_create("light", FIXTURE_PLATFORM, "hall",
                                        suggested_object_id="hall")
    for state in ("on", "off", "on", "off"):
        hass.states.async_set("light.hall", state)
        freezer.tick(timedelta(minutes=1))
    await async_wait_recording_done(hass)
    freezer.tick(timedelta(hours=23))


@contextmanager
def failing_database(hass: HomeAssistant, reason: str, query: str) -> Iterator[None]:
    """Make every SELECT whose SQL holds ``query`` fail in the database driver with ``reason``.

    Raised where a real failure is, under SQLAlchemy, so the error is what Home Type gets from
    a locked or damaged database: the driver's error wrapped with the statement and its
    parameters (a hand-made ``OperationalError("SELECT", {}, ...)`` has neither). The
    recorder's own queries are left alone unless they hold ``query`` too.
    """
    engine = get_instance(hass).engine
    assert engine is not None
    error = engine.dialect.loaded_dbapi.OperationalError

    def fail(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
        if query in statement and statement.lstrip().upper().startswith("SELECT"):
            raise error(reason)

    event.listen(engine, "do_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "do_execute", fail)


@contextmanager
def held(target: str, real: Callable[..., Awaitable[Any]]
         ) -> Iterator[tuple[asyncio.Event, asyncio.Event]]:
    """Make the awaited function ``target`` (a patch path) wait before it does ``real``'s work.

    Yields two events: ``reached`` is set once a call has begun waiting, and setting
    ``release`` lets every call go on -- a read or an export that takes seconds on a large
    home, held open for what happens meanwhile.
    """
    reached, release = asyncio.Event(), asyncio.Event()

    async def waiting(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        await release.wait()
        return await real(*args, **kwargs)

    with patch(target, side_effect=waiting):
        yield reached, release


@asynccontextmanager
async def set_up_held(hass: HomeAssistant, entry: MockConfigEntry) -> AsyncIterator[None]:
    """Set ``entry`` up, held in its first reading of the home until the block ends.

    Set-up reads the recorder before the entry is loaded: seconds on a large home. The
    block runs in that time; the entry is loaded when it ends.
    """
    entry.add_to_hass(hass)
    with held("custom_components.home_type.coordinator.async_read_home",
              async_read_home) as (reading, release):
        setup = hass.async_create_task(hass.config_entries.async_setup(entry.entry_id))
        await reading.wait()
        try:
            yield
        finally:
            release.set()
            await setup
            await hass.async_block_till_done()


def home_type_state(hass: HomeAssistant) -> State:
    """The Home Type sensor's state, which must be there."""
    state = hass.states.get("sensor.home_type")
    assert state is not None
    return state


def said_twice(text: str) -> set[str]:
    """The runs of three words a text says more than once.

    A message put into a text that says the same: "There is no model file there: x.pkl: no
    model file there" repeats "no model file" and "model file there". A file's name is one word.
    """
    words = re.findall(r"[\w./-]+", text.lower())
    runs = [" ".join(words[i:i + 3]) for i in range(len(words) - 2)]
    return {run for run in runs if runs.count(run) > 1}


async def async_stop_meeting[T](hass: HomeAssistant, task: asyncio.Task[T]) -> T:
    """Stop Home Assistant as it meets ``task`` under way, and return what ``task`` gave.

    ``hass.async_stop`` begins its stage 2 by cancelling the background tasks (Home Type's
    shared reads and refreshes among them), then says it is stopping. It waits for nothing
    begun before the stop after that, and from Home Assistant 2026.10 cancels what is still
    running at its last stage -- a set-up with an error. On a loaded machine (CI) ``task``
    could still be running then, however soon it ends. So those two steps are taken here; the
    cancelled tasks end, and ``task`` must end within a few turns of the loop -- the stop would
    not wait longer -- and the stop is then run whole (``force``: it is under way).
    """
    cancelled = [background for background in hass._background_tasks if not background.done()]
    for background in cancelled:  # as async_stop does
        background.cancel("Home Assistant is stopping")
    hass.set_state(CoreState.stopping)
    try:
        if cancelled:
            await asyncio.wait(cancelled)
        for _ in range(100):
            if task.done():
                break
            await asyncio.sleep(0)
        assert task.done(), "still running as Home Assistant stops"
        return task.result()
    finally:
        await hass.async_stop(force=True)


@contextmanager
def read_held_until_stopping(hass: HomeAssistant) -> Iterator[threading.Event]:
    """Reads of the history that run on until Home Assistant stops, as a large home's would;
    the event is set once one has begun (wait for it in the executor)."""
    reading = threading.Event()
    real_summarize = activity._summarize

    def summarize(*args: Any) -> Any:
        reading.set()
        # At most 10 s (counted in turns: a test's clock may be frozen), until the stop has
        # begun: the state says so, also once the stop is over ("not running").
        for _ in range(2000):
            if hass.state is not CoreState.running:
                break
            time.sleep(0.005)
        return real_summarize(*args)

    with patch.object(activity, "_summarize", new=summarize):
        yield reading
