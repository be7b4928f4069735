"""Shared fixtures: small synthetic homes made once per session, kept in a temp folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture(scope="session")
def small_homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 homes × 14 days (two of each type), generated once through the CLI."""
    output = tmp_path_factory.mktemp("homes")
    mix = ",".join(f"{label}=1" for label in (
        "studio", "apartment", "condo", "townhouse", "single_family_house", "ranch_house",
        "multi_story", "cottage"))
    result = run_trainer("generate", "--count", "16", "--days", "14", "--seed", "7",
                         "--mix", mix, "--output", str(output))
    assert result.returncode == 0, result.stderr
    return output
