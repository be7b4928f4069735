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
