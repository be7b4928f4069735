"""Shared fixtures: small synthetic homes made once per session, kept in a temp folder."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from custom_components.home_type.core.snapshot import read_snapshot

ROOT = Path(__file__).resolve().parent.parent


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


ALL_TYPES = ("studio", "apartment", "condo", "townhouse", "single_family_house", "ranch_house",
             "multi_story", "cottage")
EQUAL_MIX = ",".join(f"{label}=1" for label in ALL_TYPES)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained through the CLI on 24 small homes, evaluated on 8 of another seed."""
    base = tmp_path_factory.mktemp("trained")
    for count, seed, folder in ((24, 7, "train"), (8, 8, "eval")):
        result = run_trainer("generate", "--count", str(count), "--days", "12", "--seed",
                             str(seed), "--mix", EQUAL_MIX, "--output", str(base / folder))
        assert result.returncode == 0, result.stderr
    model = base / "models" / "home_type_classifier.pkl"
    result = run_trainer("train", "--synthetic-homes", str(base / "train"),
                         "--evaluation-homes", str(base / "eval"), "--output", str(model),
                         "--copies", "2")
    assert result.returncode == 0, result.stderr + result.stdout
    return model


@pytest.fixture(scope="session")
def small_homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 homes × 14 days (two of each type), generated once through the CLI."""
    output = tmp_path_factory.mktemp("homes")
    result = run_trainer("generate", "--count", "16", "--days", "14", "--seed", "7",
                         "--mix", EQUAL_MIX, "--output", str(output))
    assert result.returncode == 0, result.stderr
    return output


#: ``python -m trainer`` with Ctrl-C armed as in a terminal. A job started in the background
#: inherits an ignored SIGINT; resetting it in the child itself (not in a ``preexec_fn``) stays
#: safe while the test process runs threads, such as the fake OpenAI server.
_AS_FROM_A_TERMINAL = ("import runpy, signal; signal.signal(signal.SIGINT, "
                       "signal.default_int_handler); runpy.run_module('trainer', "
                       "run_name='__main__', alter_sys=True)")


def interrupt_after_first_home(args: list[str], folder: Path, *, env: dict[str, str] | None = None,
                               timeout: float = 120) -> tuple[str, list[Path]]:
    """Start ``python -m trainer ARGS``, press Ctrl-C once a home file appears in ``folder``.

    Asserts the run ended as an interrupted run must (exit 130, a message, no traceback) and
    that every file left is a whole home; returns stderr and the files left, sorted.
    """
    process = subprocess.Popen([sys.executable, "-c", _AS_FROM_A_TERMINAL, *args], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not any(folder.glob("home_*.json.gz")):
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    _, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    written = sorted(folder.iterdir())
    assert all(p.name.startswith("home_") and p.name.endswith(".json.gz") for p in written)
    for path in written:
        read_snapshot(path)  # every file left is whole: no partial or temporary file
    return stderr, written
