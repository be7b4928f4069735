"""Generate a folder of synthetic homes: label mix, seeds, parallel workers, resume, summary.

Each home gets its own random stream from ``SeedSequence([seed, index])``, so a home's bytes
depend only on the seed, its index and the arguments -- not on which worker made it or in which
order -- and the same command always writes the same files. Files are written atomically, so an
existing file is a finished one; a re-run resumes only once every home in the folder is shown to
be the one its flags would write (:func:`pending`), so a folder never mixes two settings.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import math
import multiprocessing
import os
import re
import signal
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, Final

import numpy as np

from custom_components.home_type.core.atomic import remove_temporary_files, temporary_names
from custom_components.home_type.core.snapshot import (
    HOME_TYPES,
    SnapshotError,
    iter_home_files,
    read_snapshot,
    write_snapshot,
)

from ..folder_lock import writing_homes
from ..signals import ctrl_c_handled_by, workers_ignore_ctrl_c
from .design import HomeDesign, check_design
from .procedural import design_home
from .simulate import SIMULATOR_VERSION, simulate

#: Homes per 100 in the original dataset.
DEFAULT_MIX: Final[dict[str, int]] = {
    "single_family_house": 30, "apartment": 20, "condo": 15, "townhouse": 10, "cottage": 10,
    "studio": 5, "multi_story": 5, "ranch_house": 5,
}
#: Share of homes, of every type, left as onboarding made them (:func:`left_unsorted`). No
#: survey measures it; the public configurations read for it had some, and people who publish
#: theirs are the ones who sort them (docs/generator.md).
UNSORTED_SHARE: Final = 0.10
_FIRST_START: Final = date(2024, 1, 1)
_START_SPREAD_DAYS: Final = 640  # homes start on any day of ~21 months: every season is seen
#: The largest run generate accepts: ten years a home (one such home is ~4 million state
#: changes), a hundred thousand homes (their plan alone is ~10 MB). Beyond, numpy or the
#: job list would exhaust memory after minutes instead of a one-line error.
MAX_DAYS: Final = 3650
MAX_COUNT: Final = 100_000


class GenerationError(Exception):
    """A user-facing problem with the generation's arguments or output folder."""


class FolderMismatch(GenerationError):
    """The output folder holds homes these flags would not write: resuming would mix them.

    ``reason`` says what differs; the message adds what ``generate`` offers to fix it, and a
    caller with other flags (the pipeline) words its own advice from ``reason``, ``folder``,
    ``extra`` (home files the plan has no place for) and ``regenerate`` (planned homes differ).
    """

    def __init__(self, reason: str, folder: Path, extra: list[str], regenerate: bool) -> None:
        self.reason = reason
        self.folder = folder
        self.extra = extra
        self.regenerate = regenerate
        # "delete" too: scripts/train and the like run generate with flags their user can't add.
        strays = (f"remove {_names(extra)} ({len(extra)} home "
                  f"file{'s' if len(extra) > 1 else ''} these flags do not plan)")
        if regenerate and extra:  # --overwrite rewrites the planned homes only
            fix = f"{strays} and pass --overwrite to regenerate the rest, or delete {folder}"
        elif regenerate:
            fix = f"pass --overwrite or delete {folder} to regenerate them"
        else:
            fix = strays
        super().__init__(f"{reason}: {fix}, or pass another --output")


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
    #: Left as onboarding made it (:func:`left_unsorted`).
    unsorted: bool = False


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
        if label in mix:
            raise GenerationError(f"--mix: {label} is given twice; give each label once")
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


def check_size(count: int, days: int) -> None:
    """Refuse a ``--count`` or ``--days`` that no run can make, before any label is planned."""
    if count < 1:
        raise GenerationError("--count must be at least 1")
    if count > MAX_COUNT:
        raise GenerationError(f"--count must be at most {MAX_COUNT}, not {count}")
    if days < 1:
        raise GenerationError("--days must be at least 1")
    if days > MAX_DAYS:
        raise GenerationError(f"--days must be at most {MAX_DAYS} (ten years), not {days}")


def plan_jobs(count: int, days: int, seed: int, output: Path,
              mix: Mapping[str, int] | None = None, generator: str = "procedural",
              suffix: str = ".json.gz") -> list[HomeJob]:
    """Every home of a run, in order, whether or not its file exists already."""
    check_size(count, days)
    width = max(3, len(str(count)))
    labels = allocate_labels(mix or DEFAULT_MIX, count, seed)
    return [
        HomeJob(index=i, home_id=f"home_{i + 1:0{width}d}", home_type=label, seed=seed,
                days=days, path=output / f"home_{i + 1:0{width}d}{suffix}", generator=generator,
                unsorted=unsorted)
        for i, (label, unsorted) in enumerate(zip(labels, left_unsorted(labels), strict=True))
    ]


def left_unsorted(labels: Sequence[str]) -> list[bool]:
    """Which homes of a run are left as onboarding made them: every tenth of each type.

    Exactly its share of each type (:data:`UNSORTED_SHARE`, rounded down), not a
    draw per home: drawn, 3 of the 5 ranch houses of ``scripts/train``'s 100 homes were, and
    the model trained on them could never answer ranch house.
    """
    seen: Counter[str] = Counter()
    flags = []
    for label in labels:
        seen[label] += 1
        flags.append(math.floor(seen[label] * UNSORTED_SHARE + 1e-9)
                     > math.floor((seen[label] - 1) * UNSORTED_SHARE + 1e-9))
    return flags


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
        unsorted=job.unsorted,
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


def pending(jobs: list[HomeJob], output: Path, overwrite: bool) -> list[HomeJob]:
    """Jobs whose file is missing (all of them with ``overwrite``), once the folder is theirs.

    Skipping a file because its name exists would keep homes of another seed, length, backend
    or label plan and call the folder done; so every home already there must be exactly the
    one its job would write (see :func:`_identity`), and no home file may lie outside the plan
    (training reads the whole folder). Otherwise :class:`FolderMismatch`, before anything is
    written. With ``overwrite`` the planned homes are rewritten anyway and only strays count.

    The one difference that is not refused: procedural homes that are the plan's but of
    another simulator version (:func:`_outdated`) are pending, made again. After an update,
    ``scripts/train``, which takes no flags, would otherwise stop until its user deleted
    ``data/``; and a procedural home is its seed's, which this version makes as it now should.
    """
    try:
        on_disk = {path.name for path in iter_home_files(output)} if output.is_dir() else set()
    except OSError as err:
        raise GenerationError(f"--output {output}: cannot read it ({err.strerror})") from None
    extra = sorted(on_disk - {job.path.name for job in jobs})
    done = [job for job in jobs if job.path.name in on_disk]
    wrong = [] if overwrite else [
        (job, found) for job in done if _differs(found := _identity(job.path), job)]
    if extra or not all(_outdated(found, job) for job, found in wrong):
        raise FolderMismatch(_mismatch(output, jobs, len(on_disk), extra, wrong), output, extra,
                             bool(wrong))
    remade = {job.path.name for job, _ in wrong}
    return list(jobs) if overwrite else [
        job for job in jobs if job.path.name not in on_disk or job.path.name in remade]


def pending_unless_busy(jobs: list[HomeJob], output: Path, overwrite: bool) -> list[HomeJob]:
    """:func:`pending`, but busy rather than mismatched while another run writes there.

    A folder of other homes that another run is writing into is
    :class:`~trainer.folder_lock.FolderBusy`: the mismatch's advice, to delete the folder,
    would delete that run's homes.
    """
    try:
        return pending(jobs, output, overwrite)
    except FolderMismatch:
        with writing_homes(output):
            raise


@contextlib.contextmanager
def homes_to_write(jobs: list[HomeJob], output: Path, overwrite: bool) -> Iterator[list[HomeJob]]:
    """The jobs still to do, with ``output`` this run's alone while there are any.

    A folder whose homes are all there is only read, so a run reading it (``train``) does not
    stop this one from saying so; one of other homes is refused (:func:`pending_unless_busy`).
    Otherwise the folder is made and locked (:func:`~trainer.folder_lock.writing_homes`,
    :class:`~trainer.folder_lock.FolderBusy` if another run uses it), and the jobs are counted
    again: a run that ended meanwhile may have written some. The temporary files of a run that
    was killed (``kill -9``, a power cut: a stopped run removes its own) are removed then, as
    no other run can be writing them, and again as the run ends: a worker killed with it (a
    SIGTERM to the whole process group) leaves its home's.
    """
    if not pending_unless_busy(jobs, output, overwrite):
        yield []
        return
    prepare_output(output)
    with writing_homes(output):
        remove_temporary_files(output, _TEMPORARY_HOME)
        try:
            yield pending(jobs, output, overwrite)
        finally:
            remove_temporary_files(output, _TEMPORARY_HOME)


#: How generate names the homes it writes: ``home_006.json.gz``.
GENERATED_HOME: Final = re.compile(r"home_\d+\.json(?:\.gz)?")
#: The atomic write's temporary name of a home file: ``.home_006.json.gz.uc9y0fkw.tmp``.
_TEMPORARY_HOME: Final = temporary_names(GENERATED_HOME.pattern)


#: Compressed bytes read for a home's head: its metadata is in the first kilobyte.
_HEAD_BYTES: Final = 16_384


def _planned(job: HomeJob) -> dict[str, object]:
    """What a home on disk must say of itself to be the one ``job`` would write.

    A procedural home must also be of this simulator version (remaking one takes a second): a
    folder must not train on two simulations at once. An LLM home is kept whatever simulated
    it: its paid design is what the folder holds, and asking for it again would bill it twice.
    """
    planned: dict[str, object] = {
        "generator": job.generator, "seed": job.seed, "days": job.days,
        "home_type": job.home_type, "index": job.index, "home_id": job.home_id}
    if job.generator == "procedural":
        planned["simulator_version"] = SIMULATOR_VERSION
    return planned


def _differs(found: dict[str, object], job: HomeJob) -> bool:
    """Whether a home on disk is not the one ``job`` would write (see :func:`_planned`)."""
    return any(found[key] != value for key, value in _planned(job).items())


def _outdated(found: dict[str, object], job: HomeJob) -> bool:
    """Whether a home on disk differs from ``job``'s only by its simulator version."""
    return (found["simulator_version"] != SIMULATOR_VERSION and
            all(found[key] == value for key, value in _planned(job).items()
                if key != "simulator_version"))


def _identity(path: Path) -> dict[str, object]:
    """Who a home file says it is, from its head when possible.

    Parsing a 90-day home in full takes ~0.3 s; the generator writes ``home_id``, ``home_type``
    and ``metadata`` before the registries and events, so the first compressed kilobytes hold
    them and a resume over hundreds of homes checks them in well under a second. A file whose
    head does not give them (written by hand, other key order) is read in full.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(_HEAD_BYTES)
        text = (zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(raw)
                if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8", "ignore")
        head = _leading_fields(text, {"home_id", "home_type", "metadata"})
    except (OSError, ValueError, IndexError, KeyError, zlib.error):
        try:
            snapshot = read_snapshot(path)
        except SnapshotError as err:
            raise FolderMismatch(str(err), path.parent, [], regenerate=True) from None
        head = {"home_id": snapshot.home_id, "home_type": snapshot.home_type,
                "metadata": snapshot.metadata}
    meta = head["metadata"] if isinstance(head["metadata"], dict) else {}
    return {"generator": meta.get("generator"), "seed": meta.get("seed"),
            "days": meta.get("days"), "home_type": head["home_type"],
            "index": meta.get("index"), "home_id": head["home_id"],
            "simulator_version": meta.get("simulator_version")}


def _leading_fields(text: str, wanted: set[str]) -> dict[str, Any]:
    """The ``wanted`` top-level fields of a JSON object's beginning; ValueError if cut off."""
    decoder = json.JSONDecoder()

    def skip(at: int) -> int:
        while text[at] in " \t\r\n":
            at += 1
        return at

    at = skip(0)
    if text[at] != "{":
        raise ValueError("not an object")
    found: dict[str, Any] = {}
    while not wanted <= found.keys():
        key, at = decoder.raw_decode(text, skip(at + 1))
        at = skip(at)
        if text[at] != ":":
            raise ValueError("no colon")
        value, at = decoder.raw_decode(text, skip(at + 1))
        found[key] = value
        at = skip(at)
        if text[at] != ",":
            break
    return {key: found[key] for key in wanted}


def _names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 2 else f"{names[0]} … {names[-1]}"


def _homes(count: int | None, settings: list[str]) -> str:
    """``24 homes of seed 5, 12 days``; the count only when it is what differs."""
    return (f"{count} home{'' if count == 1 else 's'}" if count is not None else "homes") + (
        f" of {', '.join(settings)}" if settings else "")


def _mismatch(output: Path, jobs: list[HomeJob], homes: int, extra: list[str],
              wrong: list[tuple[HomeJob, dict[str, object]]]) -> str:
    """One sentence: what the folder holds against what these flags ask for."""
    for job, found in wrong:
        if found["generator"] is None or found["seed"] is None or found["days"] is None:
            return (f"{job.path} was not made by generate (its metadata has no generator, seed "
                    "or days)")
    asked = _planned(jobs[0])
    held: list[str] = []
    wanted: list[str] = []
    forms: dict[str, Callable[[str], str]] = {
        "generator": "the {} backend".format, "seed": "seed {}".format,
        "days": lambda days: f"{days} day" if days == "1" else f"{days} days",
        "simulator_version": "simulator version {}".format}
    for key, form in forms.items():
        if key not in asked:
            continue
        values = sorted({str(found[key]) for _, found in wrong})
        if values and values != [str(asked[key])]:
            held.append(form("/".join(values)))
            wanted.append(form(str(asked[key])))
    if extra or held:
        return (f"{output} holds {_homes(homes if extra else None, held)}; these flags ask for "
                f"{_homes(len(jobs) if extra else None, wanted)}")
    relabelled = [(job, found) for job, found in wrong if found["home_type"] != job.home_type]
    if relabelled:
        job, found = relabelled[0]
        return (f"{output} holds homes labelled for another --count or --mix ({job.path.name} is "
                f"{found['home_type']}, these flags plan {job.home_type}; {len(relabelled)} of "
                f"{homes} homes differ)")
    job, found = wrong[0]
    return (f"{job.path} is {found['home_id']} (index {found['index']}), not the "
            f"{job.home_id} these flags plan (index {job.index})")


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ctrl-C (or SIGTERM) again while the homes in progress finish changes nothing.

    Their workers ignore it and write them all the same, and the interpreter's exit would wait
    for them anyway; cutting the wait short only lost the homes finished meanwhile from the
    count ("4 new homes written" with 9 on disk).
    """
    # A handler that does nothing, not SIG_IGN: the entry point hands SIGTERM to Ctrl-C's
    # handler, and stops the run itself when Ctrl-C is ignored.
    with ctrl_c_handled_by(lambda signum, frame: None):
        yield


class _HandOverGate:
    """Ctrl-C at once, except while a finished home is handed over: then just after it.

    A Ctrl-C between marking a finished home as handed over and the caller counting it lost that
    home from the count ("9 new homes written" with 10 on disk). Held off for those two lines,
    it comes just after the count. With one worker, the home is made inside the hand-over too,
    so Ctrl-C waits for it to be written, and ``on_hold`` hears the first one held (to say so).

    In force inside ``with``, in the main thread, and only where the signal would stop the run
    anyway: Ctrl-C with Python's own handler; in a background job, whose Ctrl-C is ignored (and
    stays so), SIGTERM, which the entry point turns into a stop where it lands. A signal held is
    handed to the handler it would have met, once the hand-over is done: SIGTERM's then
    records itself, for the exit code 143.
    """

    def __init__(self, on_hold: Callable[[], None] = lambda: None) -> None:
        self.holding = False
        self._pending: tuple[int, FrameType | None] | None = None
        self._handlers: dict[int, Callable[[int, FrameType | None], Any]] = {}
        self._on_hold = on_hold

    def __enter__(self) -> _HandOverGate:
        if threading.current_thread() is not threading.main_thread():
            return self
        ctrl_c, terminate = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        if ctrl_c is signal.default_int_handler:  # SIGTERM, if the entry point's, comes here
            self._handlers[signal.SIGINT] = ctrl_c
        elif ctrl_c is signal.SIG_IGN and callable(terminate):
            self._handlers[signal.SIGTERM] = terminate
        for signum in self._handlers:
            signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)
        self._handlers.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if not self.holding:
            self._handlers[signum](signum, frame)
        elif self._pending is None:
            self._pending = signum, frame
            self._on_hold()

    @contextlib.contextmanager
    def hand_over(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self._pending is not None:
            signum, frame = self._pending
            self._handlers[signum](signum, frame)  # Python's and the entry point's raise


def run_jobs(
    jobs: list[HomeJob],
    worker: Callable[[HomeJob], HomeResult],
    workers: int,
    on_done: Callable[[HomeResult], None],
    on_wait: Callable[[int], None] = lambda running: None,
    on_lost: Callable[[list[HomeJob]], None] = lambda lost: None,
) -> None:
    """Run jobs on a process pool; Ctrl-C cancels what has not started and re-raises.

    Homes already being made are finished whole (their workers ignore Ctrl-C): after Ctrl-C
    ``on_wait`` hears how many before the wait, and each of them still reaches ``on_done``, so
    the caller's count of written homes is what is on disk. A stop that reached the workers
    too (SIGTERM to the whole process group: systemd, ``timeout``) ends the homes they were
    making: ``on_lost`` hears which, after the wait -- most unwritten, but a worker may have
    written its home and died before it could say so. With one worker the home is made
    in this process, and Ctrl-C is held until it is written and counted, as the pool's
    workers hold theirs (it used to drop that home: the README promises it finished).
    """
    if workers <= 1 or len(jobs) <= 1:
        with _HandOverGate(on_hold=lambda: on_wait(1)) as gate:
            for job in jobs:
                with gate.hand_over():
                    on_done(worker(job))
        return
    context = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    futures: list[concurrent.futures.Future[HomeResult]] = []
    reported: set[concurrent.futures.Future[HomeResult]] = set()
    try:
        with workers_ignore_ctrl_c():
            # submit() starts the worker processes (up to max_workers) as it queues jobs; the
            # main process cancels what has not started, and a home being written is finished.
            futures = [pool.submit(worker, job) for job in jobs]
        with _HandOverGate() as gate:
            for future in concurrent.futures.as_completed(futures):
                with gate.hand_over():
                    reported.add(future)
                    on_done(future.result())
    except BaseException as err:
        ctrl_c = _is_ctrl_c(err)
        with _ctrl_c_ignored():
            for future in futures:
                future.cancel()  # fails for the homes a worker has taken: those will be written
            running = [future for future in futures if not future.done()]
            if running and ctrl_c:  # a failed home is no Ctrl-C
                on_wait(len(running))
            pool.shutdown(wait=True, cancel_futures=True)
            for future in futures:
                if (future not in reported and not future.cancelled()
                        and future.exception() is None):
                    on_done(future.result())
            # The homes waited for that no worker finished: the stop reached the workers too.
            # (A pool that broke before the wait has none running; the count of homes written
            # says what there is.)
            lost = [job for job, future in zip(jobs, futures, strict=True)
                    if future in running and future.exception() is not None]
            if lost and ctrl_c:
                on_lost(lost)
        if ctrl_c and not isinstance(err, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        raise
    pool.shutdown(wait=True)


def _is_ctrl_c(err: BaseException) -> bool:
    """Whether ``err`` is Ctrl-C, also where CPython let it break a lock's bookkeeping.

    ``as_completed`` waits on a ``threading.Condition``; a Ctrl-C raised inside the wait's own
    clean-up (re-taking the lock) made leaving it release a lock not held: "RuntimeError:
    release unlocked lock", with the KeyboardInterrupt as its context, and a traceback where
    the run should have said "interrupted" (seen once in CI). The lock is free, as it should
    be once the wait is abandoned.
    """
    return isinstance(err, KeyboardInterrupt) or (
        isinstance(err, RuntimeError) and isinstance(err.__context__, KeyboardInterrupt))
