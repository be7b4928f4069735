"""Shared fixtures: small synthetic homes made once per session, kept in a temp folder."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.home_type.core.snapshot import read_snapshot

ROOT = Path(__file__).resolve().parent.parent


def scripts_uv_version() -> str:
    """The uv release scripts/_venv.sh installs the project with (its ``UV_VERSION=`` line)."""
    found = re.search(r"^UV_VERSION=(\S+)$", (ROOT / "scripts" / "_venv.sh").read_text(),
                      flags=re.MULTILINE)
    assert found is not None, "scripts/_venv.sh sets no UV_VERSION"
    return found.group(1)


def pytest_configure(config: pytest.Config) -> None:
    """Drop the stderr handler that the Home Assistant plugin adds with ``logging.basicConfig``.

    pytest keeps every record of a failing test for its report already. That handler wrote each
    a second time, to stderr, and the records that the recorder's thread logs while pytest
    writes its progress escaped capture into the CI log (over a thousand SQL lines a run).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler:
            root.removeHandler(handler)


#: The folders whose tests share Home Assistant's test plugin state: the recorder, the plugin's
#: configuration folder (see tests/integration/conftest.py) and a real ``hass`` process.
_HOME_ASSISTANT_TESTS = tuple(ROOT / "tests" / name for name in ("core", "instance", "integration"))
#: Where scripts/test's database runs collect the tests marked ``recorder`` from: collecting the
#: whole suite to choose them cost each run 13 s of CPU, against 7.
RECORDER_TESTS = ROOT / "tests" / "integration"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep Home Assistant's tests on one pytest-xdist worker, one after the other.

    scripts/test runs the whole suite with ``-n auto --dist loadgroup``: the trainer's tests,
    each mostly a trainer command, spread over the cores, while these run in one worker, in
    order, as in a run without ``-n`` (where the marker does nothing).

    A test marked ``recorder`` anywhere but in RECORDER_TESTS stops the run: the database runs
    would leave it out without a word.
    """
    serial = pytest.mark.xdist_group("home_assistant")
    for item in items:
        if any(item.path.is_relative_to(folder) for folder in _HOME_ASSISTANT_TESTS):
            item.add_marker(serial)
        if item.get_closest_marker("recorder") and not item.path.is_relative_to(RECORDER_TESTS):
            raise pytest.UsageError(
                f"{item.nodeid} is marked recorder outside {RECORDER_TESTS.relative_to(ROOT)}/,"
                " where scripts/test's database runs look for such tests")


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str,
              make: Callable[[Path], None]) -> Path:
    """A folder that ``make`` fills once, shared read-only by the tests.

    Under pytest-xdist each worker sets up session fixtures of its own: without this, every
    worker would generate the same homes and train the same model again. The first worker makes
    the folder under the run's shared temporary folder while holding a lock; the others wait,
    then use it. scripts/test goes further: the runs after its main one (the recorder's tests
    on PostgreSQL and MariaDB, the integration's on newer Home Assistant releases) each trained
    the same model again (a fifth of a database run's time alone, a third under load), so it
    names one folder for all of its runs in ``HOME_TYPE_TEST_FIXTURES`` and removes it at its
    end.
    """
    if fixtures := os.environ.get("HOME_TYPE_TEST_FIXTURES"):
        shared = Path(fixtures)
    elif "PYTEST_XDIST_WORKER" in os.environ:
        shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's
    else:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    folder, done = shared / name, shared / f"{name}.done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that failed making it
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


def assert_peak_below(limit: int, read: Callable[[Path], object], path: Path) -> None:
    """Run ``read(path)`` and fail if Python allocated ``limit`` bytes or more at once."""
    tracemalloc.start()
    try:
        read(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < limit, f"reading {path.name} took {peak:,} bytes at its peak"


def run_trainer(*args: str, cwd: Path | None = None, timeout: float = 600,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m trainer`` the way a user does, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "trainer", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


#: For a test's generate run of a few small homes: they are made in the test's own process.
#: A pool's workers are new interpreters (spawned) that import the generator first: 5 homes of
#: 2 days took 3.6 s of CPU with one worker and 6.8 s with two. The pool keeps tests of its
#: own (Ctrl-C, SIGTERM, --workers -1, the same bytes from one worker and from several).
ONE_WORKER = ("--workers", "1")

ALL_TYPES = ("studio", "apartment", "condo", "townhouse", "single_family_house", "ranch_house",
             "multi_story", "cottage")
EQUAL_MIX = ",".join(f"{label}=1" for label in ALL_TYPES)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained through the CLI on 24 small homes, evaluated on 8 of another seed."""

    def make(base: Path) -> None:
        for count, seed, folder in ((24, 7, "train"), (8, 8, "eval")):
            result = run_trainer("generate", "--count", str(count), "--days", "12", "--seed",
                                 str(seed), "--mix", EQUAL_MIX, "--output", str(base / folder))
            assert result.returncode == 0, result.stderr
        result = run_trainer("train", "--synthetic-homes", str(base / "train"),
                             "--evaluation-homes", str(base / "eval"), "--output",
                             str(base / "models" / "home_type_classifier.pkl"), "--copies", "2")
        assert result.returncode == 0, result.stderr + result.stdout

    return made_once(tmp_path_factory, "trained", make) / "models" / "home_type_classifier.pkl"


@pytest.fixture(scope="session")
def small_homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 homes × 14 days (two of each type), generated once through the CLI."""

    def make(output: Path) -> None:
        result = run_trainer("generate", "--count", "16", "--days", "14", "--seed", "7",
                             "--mix", EQUAL_MIX, "--output", str(output))
        assert result.returncode == 0, result.stderr

    return made_once(tmp_path_factory, "homes", make)


def trainer_in_process(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    """Run ``python -m trainer ARGV`` in this process and return its exit code.

    No new interpreter: a second faster than ``run_trainer``, and the test's monkeypatches
    reach the command.
    """
    monkeypatch.setattr(sys, "argv", ["trainer", *argv])
    return _exit_code_of_main()


def call_trainer(*args: str, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``run_trainer`` in this process: the same exit code, stdout and stderr.

    No interpreter to start and numpy, rich and scikit-learn imported once per worker: a second
    or two less per command, which over the trainer's tests was most of the suite's time on a
    two-core machine. Not for what only a process of its own shows: click's usage lines (they
    name ``python -m trainer`` from how the process was started), what a command imports
    (``verify`` refuses to run beside scikit-learn), signals, and ``__main__``'s handling of
    Ctrl-C and SIGTERM. Nor for a command that trains in a folder of the test's choosing
    (``cwd``): joblib's loky workers outlive a command and read relative paths from the folder
    they started in. ``cwd`` is for commands refused before they start work (usage errors).
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(patch.object(sys, "argv", ["trainer", *args]))
        if env is not None:
            stack.enter_context(patch.dict(os.environ, env, clear=True))
        stack.enter_context(contextlib.chdir(cwd or ROOT))  # where run_trainer runs it
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = _exit_code_of_main()
    return subprocess.CompletedProcess(["python", "-m", "trainer", *args], code,
                                       out.getvalue(), err.getvalue())


def _exit_code_of_main() -> int:
    from trainer.cli import main

    try:
        main()
    except SystemExit as err:
        return int(err.code or 0)
    return 0


def rewrite_home(path: Path, document: dict[str, Any], **metadata: object) -> None:
    """Write ``document`` to ``path`` as generate writes a home (gzip JSON), ``metadata`` over
    its own: the home as another seed, backend or simulator version would have said it."""
    path.write_bytes(gzip.compress(json.dumps(
        {**document, "metadata": {**document["metadata"], **metadata}}).encode()))


def no_space_left(fd: int) -> None:
    """``os.fsync`` on a full disk: patched in, every file written ends as the disk fills up."""
    raise OSError(errno.ENOSPC, "No space left on device")


def exit_code_of_ctrl_c_while_writing(monkeypatch: pytest.MonkeyPatch,
                                      argv: list[str]) -> int:
    """Run the trainer in this process with ``argv``; Ctrl-C arrives as a file is flushed to
    disk, between writing it and putting it in place. Returns the exit code."""

    def ctrl_c(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", ctrl_c)
    return trainer_in_process(monkeypatch, *argv)


#: ``python -m trainer`` with Ctrl-C armed as in a terminal. A job started in the background
#: inherits an ignored SIGINT; resetting it in the child itself (not in a ``preexec_fn``) stays
#: safe while the test process runs threads, such as the fake OpenAI server.
_AS_FROM_A_TERMINAL = ("import runpy, signal; signal.signal(signal.SIGINT, "
                       "signal.default_int_handler); runpy.run_module('trainer', "
                       "run_name='__main__', alter_sys=True)")


#: Run before ``_AS_FROM_A_TERMINAL``: the second home file written stops halfway through its
#: bytes and says so by creating the file named in ``HOME_TYPE_TEST_WRITING``, then waits
#: until that file's ``.go`` twin exists, made once Ctrl-C is sent. In the main thread it then
#: waits half a second more, for Ctrl-C to land there unless something holds it (waiting out a
#: fixed time instead cost a minute whenever it was held). The pause is in the bytes, not in
#: how they are written: an atomic write and a plain one are both caught halfway.
_SECOND_WRITE_PAUSED = """
import os, threading, time
from custom_components.home_type.core import snapshot
whole, calls = snapshot.iter_snapshot_bytes, []
def paused(*args, **kwargs):
    calls.append(None)
    pieces = whole(*args, **kwargs)
    if len(calls) != 2:
        yield from pieces
        return
    first = next(pieces)
    yield first[:len(first) // 2]
    marker = os.environ["HOME_TYPE_TEST_WRITING"]
    open(marker, "x").close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not os.path.exists(marker + ".go"):
        time.sleep(0.01)
    if threading.current_thread() is threading.main_thread():
        time.sleep(0.5)  # the signal, sent before ".go", is handled here if nothing holds it
    yield first[len(first) // 2:]
    yield from pieces
snapshot.iter_snapshot_bytes = paused
"""


def processes_left(session: int, wait: float = 10, *, zombies: bool = True) -> list[int]:
    """The processes still in ``session`` (a process started with ``start_new_session``, and
    every process it started) once ``wait`` seconds have passed or none is left.

    A process killed a moment ago is still there until the kernel gives it a turn to exit,
    which on a busy machine can take a while: the wait lets it go. ``zombies=False`` leaves out
    the dead that nobody has reaped yet (in a container, init may never reap them).
    """
    deadline = time.monotonic() + wait
    while True:
        left = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):  # gone meanwhile
                    if os.getsid(int(entry.name)) == session and (
                            zombies or not _is_zombie(entry)):
                        left.append(int(entry.name))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _is_zombie(process: Path) -> bool:
    """Whether the process of ``/proc/PID`` has exited and waits to be reaped (state Z)."""
    # The state follows the command's name in parentheses, which may hold spaces or ")".
    return (process / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def interrupt_after_first_home(args: list[str], folder: Path, *, env: dict[str, str] | None = None,
                               timeout: float = 120, mid_write: bool = False,
                               signum: int = signal.SIGINT,
                               presses: int = 1) -> tuple[str, list[Path]]:
    """Start ``python -m trainer ARGS``, press Ctrl-C once a home file appears in ``folder``.

    With ``mid_write``, Ctrl-C comes instead while the second home's file is half written
    (see ``_SECOND_WRITE_PAUSED``), when a plain write would leave half a file. ``signum``
    SIGTERM sends that to the trainer alone instead, as ``kill`` does. ``presses``: how many
    times the signal is sent, a third of a second apart (an impatient user's second Ctrl-C).
    Asserts the run ended as an interrupted run must (exit 130, or 143 for SIGTERM, a message,
    no traceback, no process of its left behind) and that every file left is a whole home;
    returns stderr and the files left, sorted.
    """
    program = _AS_FROM_A_TERMINAL
    env = dict(os.environ if env is None else env)
    marker = folder.parent / f".{folder.name}-writing"
    if mid_write:
        program = _SECOND_WRITE_PAUSED + "\n" + program
        env["HOME_TYPE_TEST_WRITING"] = str(marker)
    process = subprocess.Popen([sys.executable, "-c", program, *args], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (
            marker.exists() if mid_write else any(folder.glob("home_*.json.gz"))):
        time.sleep(0.02)
    for press in range(presses):
        if press:
            time.sleep(0.3)
        if signum == signal.SIGINT:
            os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        else:
            os.kill(process.pid, signum)
    if mid_write:
        Path(f"{marker}.go").touch()
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:  # a worker left behind holds stderr open, say
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert process.returncode == 128 + signum, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    left = processes_left(process.pid)
    for pid in left:  # not to go on generating after this test
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert left == [], "worker processes outlived the trainer"
    assert marker.exists() == mid_write, stderr
    written = sorted(folder.iterdir())
    assert all(p.name.startswith("home_") and p.name.endswith(".json.gz") for p in written)
    for path in written:
        read_snapshot(path)  # every file left is whole: no partial or temporary file
    return stderr, written
