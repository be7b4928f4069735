"""The code stays as typed and as clean as the README and docs say: ruff, and mypy --strict.

Home Assistant's Platinum integrations are strictly typed; the trainer, the development
tools and the tests are held to the same bar, so a contributor learns of a slip from
``scripts/test`` rather than from a reviewer. Both tools read their settings from pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_finds_nothing() -> None:
    result = _run("mypy", "custom_components", "trainer", "devtools", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")
