"""The learning curve: stratified subsets, the command, its errors and its page in the docs."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from custom_components.home_type.core.features import FEATURE_VERSION
from custom_components.home_type.core.snapshot import read_snapshot
from tests.conftest import (
    ALL_TYPES,
    ROOT,
    call_trainer,
    exit_code_of_ctrl_c_while_writing,
    no_space_left,
    trainer_in_process,
)
from trainer.curve import CURVE_WINDOWS, stratified_subset
from trainer.dataset import DatasetError
from trainer.report import CURVE_END, CURVE_START, END, START, render_curve
from trainer.runs import CurveRun

LABELS = ["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 5


@pytest.mark.parametrize("size", [4, 10, 20, 37, 100])
def test_subset_keeps_each_share_and_every_label(size: int) -> None:
    chosen = stratified_subset(LABELS, size, np.random.default_rng(size))
    counts = Counter(LABELS[i] for i in chosen)
    assert len(chosen) == len(set(chosen)) == size
    assert set(counts) == {"a", "b", "c", "d"}
    for label, share in (("a", 0.5), ("b", 0.3), ("c", 0.15), ("d", 0.05)):
        assert abs(counts[label] - share * size) <= 1, (label, counts)


def test_subsets_differ_between_draws_and_repeat_with_the_seed() -> None:
    first = stratified_subset(LABELS, 20, np.random.default_rng(1))
    assert first == stratified_subset(LABELS, 20, np.random.default_rng(1))
    assert first != stratified_subset(LABELS, 20, np.random.default_rng(2))


def test_subset_sizes_it_cannot_draw() -> None:
    with pytest.raises(DatasetError, match="cannot hold the 4 types"):
        stratified_subset(LABELS, 3, np.random.default_rng(0))
    with pytest.raises(DatasetError, match="of 100 homes"):
        stratified_subset(LABELS, 101, np.random.default_rng(0))


def test_curve_command_and_its_report(trained_model: Path, tmp_path: Path) -> None:
    base = trained_model.parent.parent  # 24 training homes (seed 7), 8 evaluation (seed 8)
    output = tmp_path / "curve.json"
    result = call_trainer("curve", "--synthetic-homes", str(base / "train"),
                          "--evaluation-homes", str(base / "eval"), "--sizes", "24,8",
                          "--repeats", "2", "--output", str(output), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "learning curve on 8 unseen homes" in result.stdout
    # The floor-registry figures in a table of their own: ten columns wrapped every cell.
    assert "accuracy 10d by floor registry, same 8 homes" in result.stdout
    assert "the same homes with floors removed" in result.stdout
    curve = json.loads(output.read_text())
    assert [(p["homes"], p["fits"]) for p in curve["points"]] == [(8, 2), (24, 1)]
    assert curve["training_data"]["seeds"] == ["7"] and curve["evaluation_data"]["seeds"] == ["8"]
    assert curve["feature_version"] == FEATURE_VERSION
    for point in curve["points"]:
        for key in ("accuracy_10d", "macro_f1_10d", "min_class_precision_10d", "accuracy_none"):
            item = point[key]
            assert 0.0 <= item["min"] <= item["mean"] <= item["max"] <= 1.0
            assert item["std"] >= 0.0
        weakest = point["lowest_precision_class_10d"]  # ties count every class at the minimum
        assert set(weakest) <= set(ALL_TYPES) and sum(weakest.values()) >= point["fits"]
    assert curve["points"][1]["accuracy_10d"]["std"] == 0.0  # one fit: no spread
    # The model file each fit would make: three times the homes, more leaves.
    sizes = [point["model_bytes"] for point in curve["points"]]
    assert 10_000 < sizes[0]["min"] <= sizes[0]["max"] < sizes[1]["mean"] < 2_000_000
    # Every evaluation home is in one floor-registry group, and the groups' accuracies are
    # the 10-day accuracy split by them: the home-weighted mean gives it back, for every fit's
    # figure and so for the mean over the fits.
    # The homes with floors are scored again with their floors removed: the same homes.
    groups = dict(curve["evaluation_by_floor_registry"])
    assert groups.pop("with_floors_removed") == groups["with_floors"]
    assert sorted(groups) == ["with_floors", "without_floors"] and all(groups.values())
    assert sum(groups.values()) == curve["evaluation_data"]["homes"]
    for point in curve["points"]:
        split = sum(point[f"accuracy_10d_{group}"]["mean"] * homes
                    for group, homes in groups.items())
        assert split == pytest.approx(point["accuracy_10d"]["mean"] * sum(groups.values()))
        assert 0.0 <= point["accuracy_10d_with_floors_removed"]["mean"] <= 1.0

    page = tmp_path / "model.md"
    page.write_text(f"# Model\n\n{START}\n{END}\n")  # report fills an existing page's sections
    results = ROOT / "custom_components/home_type/models/home_type_classifier_results.json"
    result = call_trainer("report", "--results", str(results), "--curve", str(output),
                          "--page", str(page))
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    assert render_curve(curve) in text and f"Feature set {FEATURE_VERSION}." in text
    assert "| 8 | 2 | " in text and "| 24 | 1 | " in text
    assert f"| {sizes[1]['mean'] / 1e6:.2f} ± 0.00 |" in text
    assert (f"| accuracy 10d, floors defined ({groups['with_floors']} homes) | accuracy 10d, "
            "the same homes with floors removed | accuracy 10d, no floors "
            f"({groups['without_floors']} homes) |") in text


def test_curve_written_before_the_floor_columns_still_renders() -> None:
    """A curve file of an earlier release has no model sizes nor floor-registry figures:
    they show n/a."""
    point = {key: {"mean": 0.5, "std": 0.0, "min": 0.5, "max": 0.5}
             for key in ("accuracy_10d", "macro_f1_10d", "min_class_precision_10d",
                         "accuracy_none")}
    data = {"homes": 24, "seeds": ["7"], "days": [90]}
    curve = {"training_data": data, "evaluation_data": {**data, "homes": 8, "seeds": ["8"]},
             "points": [{"homes": 24, "fits": 1, **point,
                         "lowest_precision_class_10d": {"condo": 1}}]}
    text = render_curve(curve)
    assert ("| accuracy 10d, floors defined | accuracy 10d, the same homes with floors removed "
            "| accuracy 10d, no floors |") in text
    assert "| 24 | 1 | 0.500 ± 0.000 | 0.500 ± 0.000 | 0.500 ± 0.000 | condo (1) | " \
           "0.500 ± 0.000 | n/a | n/a | n/a | n/a |" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--sizes", "ten"], "--sizes 'ten': give numbers of homes"),
    (["--sizes", "0,8"], "give positive numbers"),
    (["--sizes", ","], "give positive numbers"),
    (["--sizes", "25"], "at most 24 homes are in"),
    (["--repeats", "0"], "--repeats must be from 1 to 100, not 0"),
    (["--repeats", "101"], "--repeats must be from 1 to 100, not 101"),
    (["--seed", "-1"], "--seed -1: give a whole number from 0 to"),
    (["--seed", "4294967294"], "from 0 to 4294967293 (the 3 fits use --seed to --seed + 2)"),
    (["--jobs", "0"], "--jobs 0: give -1 (all cores) or a number of workers"),
    (["--evaluation-homes", "/nowhere"], "/nowhere: no such folder"),
    (["--output", "/tmp"], "--output /tmp: is a folder; give a file name"),
    (["--output", "/"], "Invalid value for '--output': / ends in /, so it names a folder"),
    (["--output", str(ROOT / "README.md" / "curve.json")], "README.md is a file, not a folder"),
])
def test_curve_bad_inputs(trained_model: Path, tmp_path: Path, args: list[str],
                          message: str) -> None:
    """Refused at once: before any home is read, with one line and nothing written."""
    base = trained_model.parent.parent
    result = call_trainer("curve", "--synthetic-homes", str(base / "train"),
                          "--evaluation-homes", str(base / "eval"), "--output",
                          str(tmp_path / "curve.json"), "--jobs", "1", *args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "curve.json").exists()


@pytest.mark.parametrize("folder", ["train", "eval"])
def test_curve_refuses_an_output_among_its_homes(trained_model: Path, tmp_path: Path,
                                                 folder: str) -> None:
    """The curve written over a home, or beside them, would break every later run that reads
    the folder (found by a review: a home was replaced). Refused as train refuses its model."""
    base = trained_model.parent.parent
    for name in ("train", "eval"):  # copies: a regression must not spoil the shared homes
        shutil.copytree(base / name, tmp_path / name)
    first = sorted((tmp_path / folder).iterdir())[0]
    before = first.read_bytes()
    result = call_trainer("curve", "--synthetic-homes", str(tmp_path / "train"),
                          "--evaluation-homes", str(tmp_path / "eval"), "--sizes", "8",
                          "--repeats", "1", "--jobs", "1", "--output", str(first))
    flag = "--synthetic-homes" if folder == "train" else "--evaluation-homes"
    assert result.returncode == 2
    assert result.stderr == (f"error: --output {first}: in the homes folder of {flag}, where it "
                             "would replace a home or be read as one; write the curve elsewhere "
                             "(default: docs/learning_curve.json)\n")
    assert first.read_bytes() == before


def test_curve_refuses_sizes_below_the_types_before_reading_evaluation_homes(
        trained_model: Path, tmp_path: Path) -> None:
    base = trained_model.parent.parent
    result = call_trainer("curve", "--synthetic-homes", str(base / "train"),
                          "--evaluation-homes", str(base / "eval"), "--sizes", "3,8",
                          "--output", str(tmp_path / "c.json"), "--jobs", "1")
    assert result.returncode == 2
    assert "--sizes: at least 8 homes, one of each type in" in result.stderr
    assert "reading evaluation homes" not in result.stderr


def test_curve_refuses_homes_of_one_type_as_train_does(trained_model: Path,
                                                       tmp_path: Path) -> None:
    base = trained_model.parent.parent
    files = sorted((base / "train").glob("*.json*"))
    first = read_snapshot(files[0]).home_type
    one_type = tmp_path / "one_type"
    one_type.mkdir()
    for path in files:
        if read_snapshot(path).home_type == first:
            shutil.copy(path, one_type / path.name)
    result = call_trainer("curve", "--synthetic-homes", str(one_type), "--evaluation-homes",
                          str(base / "eval"), "--sizes", "2", "--output", str(tmp_path / "c.json"),
                          "--jobs", "1")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: {one_type}: homes of at least 2 types are needed")
    assert not (tmp_path / "c.json").exists()


def test_curve_refuses_evaluation_homes_of_the_training_seed(trained_model: Path,
                                                             tmp_path: Path) -> None:
    train = trained_model.parent.parent / "train"
    result = call_trainer("curve", "--synthetic-homes", str(train), "--evaluation-homes",
                          str(train), "--sizes", "8", "--output", str(tmp_path / "c.json"))
    assert result.returncode == 2
    assert "evaluation homes share seed 7 with the training homes" in " ".join(
        result.stderr.split())
    assert "fitting" not in result.stderr


def test_docs_show_the_committed_learning_curve() -> None:
    curve = json.loads((ROOT / "docs" / "learning_curve.json").read_text())
    page = (ROOT / "docs" / "model.md").read_text()
    generated = page[page.index(CURVE_START): page.index(CURVE_END) + len(CURVE_END)]
    assert generated == render_curve(curve)


def test_largest_remainders_get_the_homes_left_over() -> None:
    """37 of 50/30/15/5 is 18.5/11.1/5.55/1.85: the two homes left go to the largest
    remainders (d, then c), not to the largest types."""
    chosen = stratified_subset(LABELS, 37, np.random.default_rng(0))
    assert Counter(LABELS[i] for i in chosen) == {"a": 18, "b": 11, "c": 6, "d": 2}


class _Recorded:
    """What a learning curve drew and scored, with every fit replaced by a stand-in.

    The stand-in answers the labels it was taught, in their order, over and over: its figures
    depend on the subset it was fitted on, so equal figures mean equal subsets.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from trainer import curve

        self.subsets: list[list[int]] = []
        self.seeds: list[int] = []
        self.scored: list[NDArray[Any]] = []

        def subset(labels: list[str], size: int, rng: np.random.Generator) -> list[int]:
            chosen = stratified_subset(labels, size, rng)
            self.subsets.append(chosen)
            return chosen

        recorded = self

        class Model:
            def __init__(self, taught: NDArray[Any]) -> None:
                self.taught = taught

            def predict(self, X: NDArray[Any]) -> NDArray[Any]:
                recorded.scored.append(X)
                return np.resize(self.taught, len(X))

        def fit(rows: Any, seed: int, n_jobs: int) -> Model:
            self.seeds.append(seed)
            return Model(rows.y)

        monkeypatch.setattr(curve, "stratified_subset", subset)
        monkeypatch.setattr(curve, "fit_rows", fit)
        # A stand-in compiles to nothing: its "file" weighs a kilobyte a home.
        monkeypatch.setattr(curve, "model_file_bytes",
                            lambda model, homes, folder: 1000 * len(homes))


def test_curve_draws_other_subsets_per_fit_and_the_same_ones_again(
        trained_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each repeat of a size is another subset with another model seed; the same --seed
    gives the same subsets, seeds and figures again; every fit is scored on the evaluation
    homes' rows of each curve window, each home once, and on those with floors without them."""
    from trainer.curve import learning_curve
    from trainer.dataset import stack
    from trainer.runs import CurveRun
    from trainer.train import read_evaluation_homes

    base = trained_model.parent.parent  # 24 training homes (seed 7), 8 evaluation (seed 8)

    def run(seed: int) -> tuple[_Recorded, dict[str, Any]]:
        recorded = _Recorded(monkeypatch)
        curve = learning_curve(CurveRun(homes=base / "train", evaluation_homes=base / "eval",
                                        sizes=[16, 8, 24], repeats=2, seed=seed, copies=1,
                                        n_jobs=1))
        return recorded, curve

    first, curve = run(3)
    assert "(copies: 1 per window: the home only)" in curve["protocol"]["pipeline"]
    assert [len(s) for s in first.subsets] == [8, 8, 16, 16, 24]
    assert first.subsets[0] != first.subsets[1] and first.subsets[2] != first.subsets[3]
    assert first.seeds == [3, 4, 3, 4, 3]
    # Each fit's file is weighed with the homes it was fitted on.
    assert [p["model_bytes"]["mean"] for p in curve["points"]] == [8000, 16000, 24000]
    again, same = run(3)
    assert (again.subsets, again.seeds) == (first.subsets, first.seeds)
    assert same["points"] == curve["points"]
    other, elsewhere = run(4)
    assert other.subsets != first.subsets
    assert elsewhere["points"] != curve["points"]

    homes = read_evaluation_homes(base / "eval", 1, lambda *_: None)
    test = stack(homes, "test")
    # Each window's rows, then the homes with floors again, without them.
    expected = [test.select(test.windows == days).X for days in CURVE_WINDOWS.values()]
    expected.append(stack(homes, "unfloored").X)
    assert len(first.scored) == 5 * len(expected)
    for i, X in enumerate(first.scored):
        np.testing.assert_array_equal(X, expected[i % len(expected)])
    assert [len(X) for X in expected] == [8, 8, sum(1 for h in homes if h.unfloored)]


def test_curve_writes_into_a_new_folder_and_says_a_failed_write_in_one_line(
        trained_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The fits swapped for the committed curve: a trailing comma in --sizes is no size, the
    output's folder is made, and a disk that fills up is the flag's one line, no file left."""
    from trainer import curve

    base = trained_model.parent.parent
    committed: dict[str, Any] = json.loads((ROOT / "docs" / "learning_curve.json").read_text())
    sizes: list[list[int]] = []

    def learning_curve(run: CurveRun) -> dict[str, Any]:
        sizes.append(list(run.sizes))
        return committed

    monkeypatch.setattr(curve, "learning_curve", learning_curve)
    args = ["curve", "--synthetic-homes", str(base / "train"), "--evaluation-homes",
            str(base / "eval"), "--sizes", "8,", "--jobs", "1", "--output"]
    output = tmp_path / "new" / "curve.json"
    assert trainer_in_process(monkeypatch, *args, str(output)) == 0, capsys.readouterr().err
    assert sizes == [[8]] and json.loads(output.read_text()) == committed
    assert f"wrote {output} in " in capsys.readouterr().err

    monkeypatch.setattr(os, "fsync", no_space_left)
    full = tmp_path / "full" / "curve.json"
    assert trainer_in_process(monkeypatch, *args, str(full)) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: --output {full}: cannot write it (No space left on device)")
    assert list((tmp_path / "full").iterdir()) == []


def test_an_interrupted_curve_write_leaves_the_old_file(
        trained_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while the curve is being written: the previous curve stays whole, no temp file."""
    from trainer import curve

    base = trained_model.parent.parent
    output = tmp_path / "curve.json"
    output.write_text('{"old": true}\n')
    committed = json.loads((ROOT / "docs" / "learning_curve.json").read_text())
    monkeypatch.setattr(curve, "learning_curve", lambda run: committed)

    code = exit_code_of_ctrl_c_while_writing(monkeypatch, [
        "curve", "--synthetic-homes", str(base / "train"), "--evaluation-homes",
        str(base / "eval"), "--sizes", "8", "--output", str(output), "--jobs", "1"])
    assert code == 130, capsys.readouterr().err
    assert output.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["curve.json"]
