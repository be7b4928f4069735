"""Generate a folder of synthetic homes: label mix, seeds, parallel workers, resume, summary.

Each home gets its own random stream from ``SeedSequence([seed, index])``, so a home's bytes
depend only on the seed, its index and the arguments -- not on which worker made it or in which
order -- and the same command always writes the same files. Files are written atomically and an
existing file is a finished one, which is what makes a re-run after Ctrl-C resume.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import numpy as np

from custom_components.home_type.core.snapshot import HOME_TYPES, write_snapshot

from .design import HomeDesign, check_design
from .procedural import design_home
from .simulate import simulate

#: Homes per 100 in the original dataset.
DEFAULT_MIX: Final[dict[str, int]] = {
    "single_family_house": 30, "apartment": 20, "condo": 15, "townhouse": 10, "cottage": 10,
    "studio": 5, "multi_story": 5, "ranch_house": 5,
}
_FIRST_START: Final = date(2024, 1, 1)
_START_SPREAD_DAYS: Final = 640  # homes start on any day of ~21 months: every season is seen


class GenerationError(Exception):
    """A user-facing problem with the generation's arguments or output folder."""


@dataclass(frozen=True, slots=True)
class HomeJob:
    """One home to make: everything a worker needs, nothing it must share."""

    index: int
    home_id: str
    home_type: str
    seed: int
    days: int
    path: Path
    generator: str = "procedural"


@dataclass(frozen=True, slots=True)
class HomeResult:
    """What a worker reports back about one home it wrote."""

    home_id: str
    home_type: str
    events: int
    bytes: int
    seconds: float


def parse_mix(text: str) -> dict[str, int]:
    """``"apartment=20,condo=15"`` → weights; labels must be known, weights non-negative."""
    mix: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        label, sep, weight = part.partition("=")
        label = label.strip()
        if not sep or label not in HOME_TYPES:
            raise GenerationError(
                f"--mix: '{part}' is not LABEL=WEIGHT with LABEL one of {', '.join(HOME_TYPES)}")
        try:
            mix[label] = int(weight)
        except ValueError:
            raise GenerationError(f"--mix: weight of {label} must be a whole number") from None
        if mix[label] < 0:
            raise GenerationError(f"--mix: weight of {label} must not be negative")
    if not mix or sum(mix.values()) == 0:
        raise GenerationError("--mix: give at least one label with a positive weight")
    return mix


def allocate_labels(mix: Mapping[str, int], count: int, seed: int) -> list[str]:
    """``count`` labels in the mix's proportions (largest remainder), in a seeded order."""
    total = sum(mix.values())
    exact = {label: count * weight / total for label, weight in mix.items()}
    counts = {label: int(value) for label, value in exact.items()}
    leftovers = sorted(exact, key=lambda label: (-(exact[label] - counts[label]),
                                                 HOME_TYPES.index(label)))
    for label in leftovers[: count - sum(counts.values())]:
        counts[label] += 1
    labels = [label for label in HOME_TYPES for _ in range(counts.get(label, 0))]
    order = np.random.default_rng(np.random.SeedSequence([seed, 0xAB])).permutation(len(labels))
    return [labels[i] for i in order]


def plan_jobs(count: int, days: int, seed: int, output: Path,
              mix: Mapping[str, int] | None = None, generator: str = "procedural",
              suffix: str = ".json.gz") -> list[HomeJob]:
    """Every home of a run, in order, whether or not its file exists already."""
    if count < 1:
        raise GenerationError("--count must be at least 1")
    if days < 1:
        raise GenerationError("--days must be at least 1")
    width = max(3, len(str(count)))
    labels = allocate_labels(mix or DEFAULT_MIX, count, seed)
    return [
        HomeJob(index=i, home_id=f"home_{i + 1:0{width}d}", home_type=label, seed=seed,
                days=days, path=output / f"home_{i + 1:0{width}d}{suffix}", generator=generator)
        for i, label in enumerate(labels)
    ]


def home_rng(job: HomeJob) -> np.random.Generator:
    """The home's own random stream: independent of workers and of the other homes."""
    return np.random.default_rng(np.random.SeedSequence([job.seed, job.index]))


def start_day(rng: np.random.Generator) -> date:
    """A home's first day: any day of ~21 months from 2024-01-01, so every season is seen."""
    return _FIRST_START + timedelta(days=int(rng.integers(0, _START_SPREAD_DAYS)))


def simulate_and_write(job: HomeJob, design: HomeDesign, rng: np.random.Generator,
                       extra: Mapping[str, object] | None = None) -> HomeResult:
    """Animate a design and write its home file; shared by every generator backend.

    The design is checked first (:func:`~.design.check_design`), so a home from any backend
    that reaches the disk has passed the same validation.
    """
    began = time.perf_counter()
    check_design(design)
    snapshot = simulate(
        design,
        home_id=job.home_id,
        days=job.days,
        start_day=start_day(rng),
        rng=rng,
        metadata={"generator": job.generator, "seed": job.seed, "index": job.index,
                  **(extra or {})},
    )
    write_snapshot(snapshot, job.path)
    return HomeResult(job.home_id, job.home_type, len(snapshot.events), job.path.stat().st_size,
                      time.perf_counter() - began)


def make_procedural_home(job: HomeJob) -> HomeResult:
    """Worker entry point: design and simulate one procedural home."""
    rng = home_rng(job)
    design = design_home(job.home_type, rng)
    language = design.extra.get("language", "en")
    return simulate_and_write(job, design, rng, {"language": language})


def prepare_output(output: Path) -> None:
    """Create the folder and prove it is writable before any work starts."""
    try:
        output.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise GenerationError(f"--output {output}: exists and is not a folder") from None
    except OSError as err:
        raise GenerationError(f"--output {output}: cannot create it ({err.strerror})") from None
    if not output.is_dir():
        raise GenerationError(f"--output {output}: exists and is not a folder")
    if not os.access(output, os.W_OK | os.X_OK):
        raise GenerationError(f"--output {output}: not writable")


def pending(jobs: Iterable[HomeJob], overwrite: bool) -> list[HomeJob]:
    """Jobs whose file is missing (all of them with ``overwrite``)."""
    return [job for job in jobs if overwrite or not job.path.exists()]


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes with SIGINT ignored; the main process alone handles Ctrl-C.

    A spawned worker inherits an ignored SIGINT from the moment it exists, so one still
    importing when Ctrl-C arrives cannot die with a traceback; the main process cancels what
    has not started, and a home being written is finished whole.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_jobs(
    jobs: list[HomeJob],
    worker: Callable[[HomeJob], HomeResult],
    workers: int,
    on_done: Callable[[HomeResult], None],
) -> None:
    """Run jobs on a process pool; Ctrl-C cancels what has not started and re-raises."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            on_done(worker(job))
        return
    context = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        with _workers_ignore_ctrl_c():
            # submit() starts the worker processes (up to max_workers) as it queues jobs.
            futures = [pool.submit(worker, job) for job in jobs]
        for future in concurrent.futures.as_completed(futures):
            on_done(future.result())
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
