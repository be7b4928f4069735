"""Two trainer runs on one folder: the second is refused, or waits for the first's switch."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import trainer.folder_lock
from custom_components.home_type.core.model import load_model, results_path_for, sha256_path
from tests.conftest import ONE_WORKER, ROOT, trainer_in_process
from tests.models import make_model
from trainer.folder_lock import reading_homes, switching_files, writing_homes
from trainer.publish import MODEL_NAME, PREVIOUS_NAME
from trainer.runs import TrainingRun

#: Another process that switches files in a folder: it holds the folder until this one blocks
#: on it (or 30 s pass), notes what was in it, copies in the files of a folder if it is given
#: one, and lets go. Held for a fixed second, a publish on a loaded machine (1.5 s to import
#: the command line) came after it and never waited.
_SWITCHING = """
import fcntl, os, shutil, sys, time
folder, ready, go, seen, *source = sys.argv[1:]
fd = os.open(folder, os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(ready, "x").close()
deadline = time.monotonic() + 30
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.01)
with open(seen, "w") as out:
    out.write("\\n".join(sorted(os.listdir(folder))))
if source:
    shutil.copytree(source[0], folder, dirs_exist_ok=True)
"""


class _SaysWhenItBlocks:
    """``trainer.folder_lock``'s ``fcntl``, which lets the holder go once a lock call waits."""

    def __init__(self, go: Path) -> None:
        self._go = go

    def __getattr__(self, name: str) -> Any:
        return getattr(fcntl, name)

    def flock(self, fd: int, operation: int) -> None:
        if not operation & fcntl.LOCK_NB:  # a wait: the folder is held
            self._go.touch()
        fcntl.flock(fd, operation)


#: Another run's switch made as the trainer makes it, with :func:`switching_files`: it holds
#: the folder until ``go`` exists (or 30 s pass) and notes what was in it meanwhile.
_SWITCHING_AS_A_RUN = """
import os, sys, time
from pathlib import Path
from trainer.folder_lock import switching_files
folder, ready, go, seen = map(Path, sys.argv[1:5])
with switching_files(folder):
    ready.touch()
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    seen.write_text("\\n".join(sorted(os.listdir(folder))))
"""


@contextmanager
def switched_by_another_process(folder: Path, notes: Path, switch_in: Path | None = None,
                                program: str = _SWITCHING) -> Iterator[list[str]]:
    """While the block runs, another process is switching files in ``folder``: those of
    ``switch_in``, if given, once this process waits for the folder.

    ``program`` is what that process runs (:data:`_SWITCHING`, or :data:`_SWITCHING_AS_A_RUN`).
    Yields a list that holds, after the block, the names that were in ``folder`` while that
    process held it.
    """
    ready, go, seen = notes / "ready", notes / "go", notes / "seen"
    holder = subprocess.Popen([sys.executable, "-c", program, str(folder), str(ready),
                               str(go), str(seen), *([str(switch_in)] if switch_in else [])],
                              cwd=ROOT)
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert holder.poll() is None and time.monotonic() < deadline, "holder did not start"
        time.sleep(0.01)
    names: list[str] = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(trainer.folder_lock, "fcntl", _SaysWhenItBlocks(go))
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
        "(generate writing homes into it, or train, evaluate or curve reading them); wait for "
        "it to end, or generate into another folder")
    assert not list(homes.iterdir()) and not (tmp_path / "model.pkl").exists()


def test_reading_homes_is_refused_while_they_are_generated(
        small_homes: Path, trained_model: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    homes = _copy(small_homes, tmp_path)
    model = tmp_path / "models" / "model.pkl"
    with writing_homes(homes):
        for args in (("train", "--synthetic-homes", str(homes), "--output", str(model),
                      "--test-size", "0.5", "--copies", "1"),
                     ("evaluate", "--model", str(trained_model), "--homes", str(homes))):
            assert trainer_in_process(monkeypatch, *args) == 2
            assert ("homes are being generated into this folder by another run"
                    in capsys.readouterr().err)
    assert not model.parent.exists()


@pytest.mark.parametrize("written", [0, 2], ids=["before_its_first_home", "with_two"])
def test_a_folder_being_filled_is_busy_not_short_of_homes(
        small_homes: Path, trained_model: Path, tmp_path: Path, written: int,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Counted before the read, the homes of a folder still being generated were too few:
    "no home files in it", or curve's "--sizes: at most 2 homes", advice for another problem."""
    homes = tmp_path / "homes"
    homes.mkdir()
    for path in sorted(small_homes.glob("home_*"))[:written]:
        shutil.copy(path, homes)
    with writing_homes(homes):
        for args in (("train", "--synthetic-homes", str(homes), "--output",
                      str(tmp_path / "model.pkl")),
                     ("evaluate", "--model", str(trained_model), "--homes", str(homes)),
                     ("curve", "--synthetic-homes", str(homes), "--evaluation-homes",
                      str(small_homes), "--sizes", "4", "--output", str(tmp_path / "c.json"))):
            assert trainer_in_process(monkeypatch, *args) == 2
            assert capsys.readouterr().err.strip() == (
                f"error: {homes}: homes are being generated into this folder by another run; "
                "wait for it to end, then run this again")


def test_runs_that_read_homes_share_the_folder(
        small_homes: Path, trained_model: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    homes = _copy(small_homes, tmp_path)
    with reading_homes(homes):
        assert trainer_in_process(monkeypatch, "evaluate", "--model", str(trained_model),
                                  "--homes", str(homes)) == 0
    assert "16" in capsys.readouterr().out


def test_publish_waits_for_a_switch_in_progress(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    model = make_model(tmp_path / "new", "2026.03.03-cccc")
    ha = tmp_path / "ha"
    ha.mkdir()
    with switched_by_another_process(ha, tmp_path) as seen:
        assert trainer_in_process(monkeypatch, "publish", str(model), "--to", str(ha)) == 0
    assert seen == []  # nothing of this publish while the other run held the folder
    assert load_model(ha / MODEL_NAME).version == "2026.03.03-cccc"
    assert f"waiting for another trainer run to finish with {ha} …" in capsys.readouterr().err


def test_publish_reads_the_model_a_training_run_is_switching_once_it_is_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A training run writing the model's own folder: publish waits, then publishes the new
    model, never the old one (or the old model with the new one's hash or results)."""
    model = make_model(tmp_path / "trained", "2026.03.03-cccc")
    newer = make_model(tmp_path / "newer", "2026.04.04-dddd").parent
    ha = tmp_path / "ha"
    with switched_by_another_process(model.parent, tmp_path, switch_in=newer):
        assert trainer_in_process(monkeypatch, "publish", str(model), "--to", str(ha)) == 0
    assert load_model(ha / MODEL_NAME).version == "2026.04.04-dddd"
    assert json.loads(results_path_for(ha / MODEL_NAME).read_text())["model_version"] == (
        "2026.04.04-dddd")
    assert f"waiting for another trainer run to finish with {model.parent} …" in (
        capsys.readouterr().err)


def test_rollback_restores_the_model_previous_once_it_has_waited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A publish that finished while the rollback waited made another model previous."""
    a, b, c = (make_model(tmp_path / name, f"2026.0{n}.0{n}-{name * 4}")
               for n, name in enumerate("abc", start=1))
    ha, after_c = tmp_path / "ha", tmp_path / "after_c"
    for model in (a, b):  # current b, previous a
        assert trainer_in_process(monkeypatch, "publish", str(model), "--to", str(ha)) == 0
    shutil.copytree(ha, after_c)
    assert trainer_in_process(monkeypatch, "publish", str(c), "--to", str(after_c)) == 0
    with switched_by_another_process(ha, tmp_path, switch_in=after_c):  # current c, previous b
        assert trainer_in_process(monkeypatch, "publish", "--rollback", "--to", str(ha)) == 0
    assert load_model(ha / MODEL_NAME).version == "2026.02.02-bbbb"
    assert load_model(ha / PREVIOUS_NAME).version == "2026.03.03-cccc"


def test_evaluate_stores_nothing_beside_a_model_trained_meanwhile(
        trained_model: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import trainer.train

    model = tmp_path / MODEL_NAME
    for path in (trained_model, sha256_path(trained_model), results_path_for(trained_model)):
        shutil.copy(path, tmp_path / path.name)
    results = results_path_for(model)
    newer = {**json.loads(results.read_text()), "model_version": "2026.12.31-newer"}
    scored = trainer.train.evaluate_model

    def while_a_training_run_switches_its_files(*args: Any, **kwargs: Any) -> Any:
        figures = scored(*args, **kwargs)
        results.write_text(json.dumps(newer))
        return figures

    monkeypatch.setattr(trainer.train, "evaluate_model", while_a_training_run_switches_its_files)
    unseen = trained_model.parent.parent / "eval"  # the fixture's homes of another seed
    assert trainer_in_process(monkeypatch, "evaluate", "--model", str(model),
                              "--homes", str(unseen), "--write") == 2
    assert json.loads(results.read_text()) == newer
    assert (f"nothing stored in {results}: it describes model 2026.12.31-newer"
            in " ".join(capsys.readouterr().err.split()))


def test_generate_with_other_flags_is_refused_as_busy_not_told_to_delete(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Deleting the folder, as a mismatch advises, would delete the homes another run writes."""
    output = tmp_path / "homes"
    assert trainer_in_process(monkeypatch, "generate", "--count", "2", "--days", "1",
                              "--output", str(output), *ONE_WORKER) == 0
    capsys.readouterr()
    with writing_homes(output):
        assert trainer_in_process(monkeypatch, "generate", "--count", "2", "--days", "1",
                                  "--seed", "7", "--output", str(output)) == 2
    error = capsys.readouterr().err
    assert "another trainer run is using this folder" in error and "delete" not in error
    with writing_homes(output):  # the OpenAI backend checks the folder first, even to plan
        assert trainer_in_process(monkeypatch, "generate", "--backend", "openai", "--dry-run",
                                  "--count", "2", "--days", "1", "--output", str(output)) == 2
    error = capsys.readouterr().err
    assert "another trainer run is using this folder" in error and "delete" not in error


def test_training_waits_to_write_while_another_run_switches_the_files(tmp_path: Path) -> None:
    from trainer.train import _write_artifacts

    run = TrainingRun(homes=tmp_path / "homes", output=tmp_path / "models" / "model.pkl")
    run.output.parent.mkdir()
    with switched_by_another_process(run.output.parent, tmp_path) as seen:
        _write_artifacts(run, {"fitted": "pipeline"}, b"bundle", {"model_version": "x"})
    assert seen == []
    assert sorted(p.name for p in run.output.parent.iterdir()) == sorted(
        p.name for p in run.written)


def test_two_runs_switching_files_in_one_folder_take_turns(tmp_path: Path) -> None:
    """Two publishes to one folder, or a training run and a publish: each moves the other's
    files if they interleave, so the second waits for the first's whole switch -- also when
    both are the trainer's own switches, not only behind a lock taken some other way."""
    folder = tmp_path / "ha"
    folder.mkdir()
    with switched_by_another_process(folder, tmp_path, program=_SWITCHING_AS_A_RUN) as seen:
        with switching_files(folder):
            (folder / "mine").touch()
        (tmp_path / "go").touch()  # had this run not waited, the other one notes "mine"
    assert seen == []
    assert [p.name for p in folder.iterdir()] == ["mine"]


def test_a_run_that_waits_says_so_before_it_waits(tmp_path: Path) -> None:
    """Behind a run that holds the folder for long (a model written into a homes folder), the
    line is all the user sees: said once the wait is over, it would say nothing while it
    lasts."""
    model = make_model(tmp_path / "new", "2026.03.03-cccc")
    ha = tmp_path / "ha"
    ha.mkdir()
    held = os.open(ha, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)  # another run switching files there
    try:
        publish = subprocess.Popen([sys.executable, "-m", "trainer", "publish", str(model),
                                    "--to", str(ha)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        assert publish.stderr is not None
        said = ""
        deadline = time.monotonic() + 30
        while "waiting for another trainer run" not in said and time.monotonic() < deadline:
            if select.select([publish.stderr], [], [], 0.1)[0]:
                line = publish.stderr.readline()
                if not line:  # it ended
                    break
                said += line
    finally:
        os.close(held)
    _, rest = publish.communicate(timeout=60)
    assert said == f"waiting for another trainer run to finish with {ha} …\n", said + rest
    assert publish.returncode == 0, rest
    assert load_model(ha / MODEL_NAME).version == "2026.03.03-cccc"


class _NoLocksHere:
    """``fcntl`` on a file system that has no locks (some network shares): ``flock`` fails."""

    def __getattr__(self, name: str) -> Any:
        return getattr(fcntl, name)

    def flock(self, fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")


@pytest.mark.parametrize("system", [None, _NoLocksHere()], ids=["no flock", "no locks there"])
def test_a_folder_that_cannot_be_locked_is_used_unlocked(
        system: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system cannot lock a folder (Windows has no flock; some network shares
    refuse it) the trainer runs as it did before the lock: it is not refused as busy, and a
    switch does not wait for a lock it can never get."""
    monkeypatch.setattr(trainer.folder_lock, "fcntl", system)
    homes = tmp_path / "homes"
    homes.mkdir()
    with writing_homes(homes), reading_homes(homes), switching_files(homes):
        pass  # each would have refused, or waited for, the one before it
    assert trainer_in_process(monkeypatch, "generate", "--count", "2", "--days", "1",
                              "--output", str(homes), *ONE_WORKER) == 0
    assert len(list(homes.iterdir())) == 2
