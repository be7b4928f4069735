"""Two trainer runs on one folder: the second is refused, or waits for the first's switch."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from custom_components.home_type.core.model import load_model
from tests.conftest import trainer_in_process
from tests.models import make_model
from trainer.folder_lock import reading_homes, writing_homes
from trainer.publish import MODEL_NAME
from trainer.runs import TrainingRun

#: Another process that switches files in a folder: it holds the folder for a second, and
#: notes what was in it just before it lets go.
_SWITCHING = """
import fcntl, os, sys, time
folder, ready, seen = sys.argv[1:4]
fd = os.open(folder, os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(ready, "x").close()
time.sleep(1.0)
with open(seen, "w") as out:
    out.write("\\n".join(sorted(os.listdir(folder))))
"""


@contextmanager
def switched_by_another_process(folder: Path, notes: Path) -> Iterator[list[str]]:
    """While the block runs, another process is switching files in ``folder``.

    Yields a list that holds, after the block, the names that were in ``folder`` while that
    process held it.
    """
    ready, seen = notes / "ready", notes / "seen"
    holder = subprocess.Popen([sys.executable, "-c", _SWITCHING, str(folder), str(ready),
                               str(seen)])
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert holder.poll() is None and time.monotonic() < deadline, "holder did not start"
        time.sleep(0.01)
    names: list[str] = []
    try:
        yield names
    finally:
        holder.wait(timeout=30)
    names.extend(seen.read_text().split())


def _copy(homes: Path, tmp_path: Path) -> Path:
    """A folder of its own: the shared fixture must not be locked under other workers."""
    return Path(shutil.copytree(homes, tmp_path / "homes"))


def test_generate_is_refused_while_another_run_uses_its_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "homes"
    output.mkdir()
    args = ("generate", "--count", "2", "--days", "1", "--output", str(output))
    for held_by in (writing_homes, reading_homes):  # another generate; a train or evaluate
        with held_by(output):
            assert trainer_in_process(monkeypatch, *args) == 2
        assert "another trainer run is using this folder" in capsys.readouterr().err
        assert not list(output.iterdir())  # no home designed twice
    assert trainer_in_process(monkeypatch, *args) == 0
    assert len(list(output.iterdir())) == 2
    capsys.readouterr()
    with reading_homes(output):  # all there: nothing to write, so nothing to refuse
        assert trainer_in_process(monkeypatch, *args) == 0
    assert "2 of 2 homes already in" in capsys.readouterr().err


def test_a_second_pipeline_stops_at_the_step_whose_folder_is_taken(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    homes = tmp_path / "data" / "synthetic_homes"
    homes.mkdir(parents=True)
    with writing_homes(homes):
        assert trainer_in_process(monkeypatch, "pipeline", "--count", "4", "--days", "1",
                                  "--mix", "studio=3,condo=1", "--backend", "procedural",
                                  "--data", str(tmp_path / "data"),
                                  "--model", str(tmp_path / "model.pkl"),
                                  "--to", str(tmp_path / "ha")) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: step 1/5 (generate): {homes}: another trainer run is using this folder "
        "(generating homes into it, or reading them to train or evaluate); wait for it to end, "
        "or generate into another folder")
    assert not list(homes.iterdir()) and not (tmp_path / "model.pkl").exists()


def test_reading_homes_is_refused_while_they_are_generated(
        small_homes: Path, trained_model: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    homes = _copy(small_homes, tmp_path)
    model = tmp_path / "models" / "model.pkl"
    with writing_homes(homes):
        for args in (("train", "--synthetic-homes", str(homes), "--output", str(model),
                      "--test-size", "0.5", "--copies", "1"),
                     ("evaluate", "--model", str(trained_model), "--homes", str(homes),
                      "--no-write")):
            assert trainer_in_process(monkeypatch, *args) == 2
            assert ("homes are being generated into this folder by another run"
                    in capsys.readouterr().err)
    assert not model.parent.exists()


def test_runs_that_read_homes_share_the_folder(
        small_homes: Path, trained_model: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    homes = _copy(small_homes, tmp_path)
    with reading_homes(homes):
        assert trainer_in_process(monkeypatch, "evaluate", "--model", str(trained_model),
                                  "--homes", str(homes), "--no-write") == 0
    assert "16" in capsys.readouterr().out


def test_publish_waits_for_a_switch_in_progress(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    model = make_model(tmp_path / "new", "2026.03.03-cccc")
    ha = tmp_path / "ha"
    ha.mkdir()
    with switched_by_another_process(ha, tmp_path) as seen:
        assert trainer_in_process(monkeypatch, "publish", str(model), "--to", str(ha)) == 0
    assert seen == []  # nothing of this publish while the other run held the folder
    assert load_model(ha / MODEL_NAME).version == "2026.03.03-cccc"


def test_training_waits_to_write_while_another_run_switches_the_files(tmp_path: Path) -> None:
    from trainer.train import _write_artifacts

    run = TrainingRun(homes=tmp_path / "homes", output=tmp_path / "models" / "model.pkl")
    run.output.parent.mkdir()
    with switched_by_another_process(run.output.parent, tmp_path) as seen:
        _write_artifacts(run, {"fitted": "pipeline"}, b"bundle", {"model_version": "x"})
    assert seen == []
    assert sorted(p.name for p in run.output.parent.iterdir()) == sorted(
        p.name for p in run.written)
