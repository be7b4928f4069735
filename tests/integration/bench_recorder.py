"""Benchmark, not a test: reading a large home from a real recorder. ``scripts/bench`` runs it.

Collected only when named on the command line (``test_*.py`` is the suite's pattern), with
``HOME_TYPE_BENCH_RESULT`` naming the JSON file to write the figures to, and ``--dburl`` for
a database other than SQLite. The home is made of generated 90-day homes, copied side by side
(ids suffixed) until it has at least a million state rows, its events shifted to end now;
the recorder's database is a file, as in a real installation. Measured, with the event loop
in production mode (not asyncio debug) and Home Assistant's blocking-call detection on:

- the integration's snapshot (registries, then the aggregate queries) for 90 and 10 days;
- a full refresh of the sensor (snapshot, features, model);
- the ``home_type.export_snapshot`` action (anonymised, 90 days): its time, and how far the
  process's memory rose above where it stood before (:class:`MemoryWatch`);
- how long the event loop was held meanwhile (:class:`LoopMonitor`).

No assertion on time here: the figures go to docs/benchmarks.md through ``scripts/bench``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil
import pytest
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.db_schema import States
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance, session_scope
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from sqlalchemy import func, select

from custom_components.home_type.const import (
    BUNDLED_MODEL,
    CONF_HISTORY_DAYS,
    CONF_MODEL_PATH,
    DOMAIN,
    SERVICE_EXPORT_SNAPSHOT,
)
from custom_components.home_type.core.snapshot import (
    Area,
    Entity,
    EventLog,
    Floor,
    HomeSnapshot,
    iter_home_files,
    read_snapshot,
)
from custom_components.home_type.snapshot import async_home_snapshot, async_read_home
from tests.conftest import run_trainer
from trainer.dataset import as_home

from .common import async_load_home

RESULT_ENV = "HOME_TYPE_BENCH_RESULT"
MIN_ROWS = 1_000_000
DAYS = 90
SAMPLE = 0.002  # seconds the watchdog sleeps between looks at the clock


def _suffixed(home: HomeSnapshot, copy: int) -> HomeSnapshot:
    """A copy of a home whose ids and names do not collide with the other copies'."""
    if copy == 0:
        return home
    tag = f"_copy{copy}"
    return replace(
        home,
        floors=tuple(Floor(f.floor_id + tag, f"{f.name} (copy {copy})", f.level)
                     for f in home.floors),
        areas=tuple(Area(a.area_id + tag, f"{a.name} (copy {copy})",
                         a.floor_id + tag if a.floor_id else None) for a in home.areas),
        devices=tuple(replace(d, device_id=d.device_id + tag,
                              area_id=d.area_id + tag if d.area_id else None)
                      for d in home.devices),
        entities=tuple(Entity(e.entity_id + tag, e.device_id + tag if e.device_id else None,
                              e.area_id + tag if e.area_id else None, e.device_class, e.unit)
                       for e in home.entities),
        events=replace(home.events, entities=tuple(e + tag for e in home.events.entities)),
    )


def large_home(homes: list[HomeSnapshot], now: float) -> HomeSnapshot:
    """Copies of the homes side by side until there are MIN_ROWS events, ending at ``now``."""
    parts: list[HomeSnapshot] = []
    rows = 0
    while rows < MIN_ROWS:
        home = homes[len(parts) % len(homes)]
        part = _suffixed(home, len(parts))
        shift = now - as_home(home).end - 1.0
        parts.append(replace(part, events=replace(part.events,
                                                  timestamps=part.events.timestamps + shift)))
        rows += len(home.events)
    names = [name for part in parts for name in part.events.entities]
    offsets = np.cumsum([0] + [len(part.events.entities) for part in parts[:-1]])
    events = EventLog(
        entities=tuple(names),
        index=np.concatenate([p.events.index + o for p, o in zip(parts, offsets, strict=True)]),
        timestamps=np.concatenate([p.events.timestamps for p in parts]),
        states=[state for part in parts for state in part.events.states],
    )
    first = parts[0]
    return replace(
        first,
        home_id="bench",
        floors=tuple(f for p in parts for f in p.floors),
        areas=tuple(a for p in parts for a in p.areas),
        devices=tuple(d for p in parts for d in p.devices),
        entities=tuple(e for p in parts for e in p.entities),
        events=events,
    )


@pytest.fixture(scope="module")
def generated_homes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two busy 90-day homes from the generator (fixed seed)."""
    folder = tmp_path_factory.mktemp("bench_homes")
    result = run_trainer("generate", "--count", "2", "--days", str(DAYS), "--seed", "21",
                         "--mix", "townhouse=1,ranch_house=1", "--output", str(folder))
    assert result.returncode == 0, result.stderr
    return list(iter_home_files(folder))


async def _async_load_large_home(hass: HomeAssistant, files: list[Path]) -> tuple[int, float]:
    """Registries and rows of the large home; its million events are not kept in memory.

    Held, they would make every full garbage collection -- which stops all threads, the event
    loop's included -- take a quarter of a second, and be measured as the integration's.
    Returns the number of entities and the load time.
    """
    home = large_home([read_snapshot(path) for path in files], time.time())
    await hass.config.async_set_time_zone(as_home(home).timezone)
    await async_wait_recording_done(hass)  # the recorder thread idle: no lock contention
    began = time.perf_counter()
    await async_load_home(hass, home)
    await async_wait_recording_done(hass)
    return len(home.entities), time.perf_counter() - began


@pytest.fixture
def bundled_model() -> Path:
    """The real bundled model here, not the tests' one-stump stand-in."""
    assert BUNDLED_MODEL.exists(), BUNDLED_MODEL
    return BUNDLED_MODEL


class LoopMonitor:
    """How long the event loop was held, measured two ways.

    - ``longest callback``: the longest any single callback ran in the loop (each
      ``Handle._run`` timed) -- the loop being *blocked*, which is what must stay short;
    - ``lag``: how late a task that wants to run every 2 ms got to run. It also counts time the
      operating system gave the CPU to other processes, so on a busy machine it is the
      pessimistic figure.
    """

    def __init__(self) -> None:
        self.longest = self.lag = 0.0
        self._task: asyncio.Task[None] | None = None
        self._original_run = asyncio.events.Handle._run

    async def _watch(self) -> None:
        while True:
            began = time.perf_counter()
            await asyncio.sleep(SAMPLE)
            self.lag = max(self.lag, time.perf_counter() - began - SAMPLE)

    def start(self) -> None:
        original = self._original_run

        def timed_run(handle: asyncio.Handle) -> None:
            began = time.perf_counter()
            original(handle)
            self.longest = max(self.longest, time.perf_counter() - began)

        # Timing every callback means replacing a method, which mypy does not allow.
        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign,assignment]
        self._task = asyncio.get_running_loop().create_task(self._watch())

    def lap(self) -> tuple[float, float]:
        """Longest callback and worst lag since the previous lap, in milliseconds."""
        figures = (round(self.longest * 1000, 1), round(self.lag * 1000, 1))
        self.longest = self.lag = 0.0
        return figures

    async def stop(self) -> tuple[float, float]:
        asyncio.events.Handle._run = self._original_run  # type: ignore[method-assign]
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.lap()


class MemoryWatch:
    """The most the process's resident memory rose above its level at the start, sampled.

    ``ru_maxrss`` cannot tell: it keeps the peak of the whole run, loading the home included.
    A thread looks at the resident size every few milliseconds instead; it is joined before
    the test ends (the test plugin fails a test that leaves a thread).
    """

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench_memory_watch")
        self.start = self.peak = 0

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> MemoryWatch:
        gc.collect()
        self.start = self.peak = self._process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def rise_mb(self) -> float:
        return round((self.peak - self.start) / 2**20, 1)


async def _timed_reads(hass: HomeAssistant, days: int, repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        home, summary = await async_read_home(hass, days)
        seconds.append(time.perf_counter() - began)
        assert summary.has_history and home.entities
    return seconds


@pytest.mark.parametrize("persistent_database", [True])
async def test_read_large_home(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    generated_homes: list[Path],
) -> None:
    """Load a large home into a file database, then read it as the sensor does."""
    hass.loop.set_debug(False)  # production mode: asyncio debug slows every callback
    entities, load_seconds = await _async_load_large_home(hass, generated_homes)
    gc.collect()

    def count() -> int:
        with session_scope(hass=hass, read_only=True) as session:
            counted = session.execute(select(func.count()).select_from(States)).scalar()
            assert counted is not None
            return int(counted)

    rows = await get_instance(hass).async_add_executor_job(count)
    assert rows >= MIN_ROWS

    # Timed before the loop is watched: the ten reads run in one callback, as no sensor ever
    # does (it reads once a refresh), and would pass for the set-up's longest callback.
    began = time.perf_counter()
    for _ in range(10):
        async_home_snapshot(hass)
    registries_ms = (time.perf_counter() - began) / 10 * 1000
    monitor = LoopMonitor()
    monitor.start()
    reads_90 = await _timed_reads(hass, DAYS, 3)
    reads_10 = await _timed_reads(hass, 10, 3)
    stalls = {"reads": monitor.lap()}
    entry = MockConfigEntry(domain=DOMAIN, title="Home Type",
                            options={CONF_HISTORY_DAYS: DAYS, CONF_MODEL_PATH: ""})
    entry.add_to_hass(hass)
    began = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    setup_seconds = time.perf_counter() - began
    stalls["setup"] = monitor.lap()
    coordinator = entry.runtime_data
    began = time.perf_counter()
    await coordinator.async_refresh()
    refresh_seconds = time.perf_counter() - began
    assert coordinator.last_update_success and coordinator.data.method == "history"
    stalls["refresh"] = monitor.lap()
    with MemoryWatch() as memory:
        # Not the export's: the watch's own full garbage collection (0.2-0.3 s here). It runs
        # inside this task's callback, which is timed when it ends, and the lag task sees it
        # on its next wake-up; a lap taken in the same callback counted it as the export's.
        await asyncio.sleep(SAMPLE * 10)
        monitor.lap()
        began = time.perf_counter()
        export = await hass.services.async_call(
            DOMAIN, SERVICE_EXPORT_SNAPSHOT, {"config_entry_id": entry.entry_id},
            blocking=True, return_response=True)
        export_seconds = time.perf_counter() - began
    stalls["export"] = await monitor.stop()
    assert export is not None
    export_path = Path(str(export["path"]))
    export_mb = export_path.stat().st_size / 2**20
    export_path.unlink()

    figures = {
        "database": recorder_mock.dialect_name,
        "state_rows": rows,
        "entities": entities,
        "history_days": DAYS,
        "load_seconds": round(load_seconds, 1),
        "snapshot_90d_seconds_first": round(reads_90[0], 3),
        "snapshot_90d_seconds_median": round(statistics.median(reads_90), 3),
        "snapshot_10d_seconds_median": round(statistics.median(reads_10), 3),
        "registries_ms": round(registries_ms, 1),
        "setup_seconds": round(setup_seconds, 3),
        "refresh_90d_seconds": round(refresh_seconds, 3),
        "export_90d_events": export["events"],
        "export_90d_seconds": round(export_seconds, 2),
        "export_90d_memory_rise_mb": memory.rise_mb,
        "export_90d_file_mb": round(export_mb, 1),
        "longest_loop_callback_ms": max(longest for longest, _ in stalls.values()),
        "max_loop_lag_ms": max(lag for _, lag in stalls.values()),
        **{f"longest_loop_callback_ms_{phase}": figures[0] for phase, figures in stalls.items()},
        **{f"max_loop_lag_ms_{phase}": figures[1] for phase, figures in stalls.items()},
        "model_version": coordinator.model.version,
    }
    print(json.dumps(figures))
    if output := os.environ.get(RESULT_ENV):
        Path(output).write_text(json.dumps(figures))
