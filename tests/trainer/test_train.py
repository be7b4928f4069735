"""Training, the compiled bundle, its safety checks, and the classify/verify/evaluate commands."""

from __future__ import annotations

import dataclasses
import errno
import gzip
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from numpy.typing import NDArray

from custom_components.home_type.core.features import FEATURE_VERSION
from custom_components.home_type.core.model import (
    ModelForeignError,
    ModelIncompatibleError,
    ModelMissingError,
    ModelTamperedError,
    dumps_bundle,
    load_model,
    loads_bundle,
    sha256_line,
    sha256_path,
)
from custom_components.home_type.core.snapshot import (
    HOME_TYPES,
    iter_home_files,
    read_snapshot,
    write_snapshot,
)
from tests.conftest import (
    ONE_WORKER,
    ROOT,
    call_trainer,
    no_space_left,
    rewrite_home,
    run_trainer,
    trainer_in_process,
)
from tests.models import BUNDLED
from trainer.bundle_checks import backward_types, backward_warning, never_answered
from trainer.dataset import EVALUATION_WINDOWS, build_rows, with_onboarding_leftovers
from trainer.pipeline import compile_pipeline, settle_calibration
from trainer.publish import EXIT_NOT_VERIFIED
from trainer.signals import WrittenThenStopped


def results_of(model: Path) -> dict[str, Any]:
    results: dict[str, Any] = json.loads(
        model.with_name("home_type_classifier_results.json").read_text())
    return results


def copy_model(model: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / model.name
    target.write_bytes(model.read_bytes())
    sha256_path(target).write_text(sha256_path(model).read_text())
    return target


def test_a_type_whose_probabilities_run_backwards_is_named(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Platt scaling with a non-negative slope turns a type upside down: the surer the trees
    are of it, the less likely the model makes it (the bundled model of one stop answered no
    ranch house; 3 of its 5 were left unsorted). train records and names such types, and
    verify names them from the bundle alone; the bundled model has none."""
    from trainer import model_commands

    bundled = load_model(BUNDLED)
    assert bundled.calibration is not None
    assert backward_types(bundled) == []
    slopes = bundled.calibration.a.copy()
    slopes[list(bundled.classes).index("ranch_house")] = 1.38
    upside_down = dataclasses.replace(
        bundled, calibration=dataclasses.replace(bundled.calibration, a=slopes))
    assert backward_types(upside_down) == ["ranch_house"]
    slopes[list(bundled.classes).index("ranch_house")] = 0.0  # flat: as meaningless
    flat = dataclasses.replace(bundled, calibration=dataclasses.replace(bundled.calibration,
                                                                         a=slopes))
    assert backward_types(flat) == ["ranch_house"]
    assert backward_types(dataclasses.replace(bundled, calibration=None)) == []
    monkeypatch.setattr(model_commands, "load_bundle", lambda path: upside_down)
    monkeypatch.delitem(sys.modules, "sklearn", raising=False)  # other tests of this process
    assert trainer_in_process(monkeypatch, "verify", str(BUNDLED)) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert ("warning: this model's probabilities run backwards for ranch_house: too few of the "
            "training homes show that type") in shown
    assert "never answers" not in shown  # it has every type; it may even answer ranch_house


def test_the_backwards_warning_names_each_type_in_its_number() -> None:
    """Two types turned upside down are named apart, and the sentence speaks of both: run
    together ("ranch_housestudio") the names could not be looked up, and "that type … it"
    would tell the user to train on more homes of one type only."""
    assert " ".join(backward_warning(["ranch_house", "studio"]).split()) == (
        "[yellow]warning:[/yellow] this model's probabilities run backwards for ranch_house, "
        "studio: too few of the training homes show those types to fit them (the surer its "
        "trees are of one, the less likely it makes it), so its answers of them mean nothing; "
        "train on more homes of them")


def test_training_writes_every_artifact(trained_model: Path) -> None:
    assert trained_model.exists() and sha256_path(trained_model).exists()
    assert trained_model.with_name("home_type_classifier.sklearn.joblib").exists()
    results = results_of(trained_model)
    for key in ("model_version", "created", "feature_version", "training_data", "protocol",
                "holdout", "cross_validation", "evaluation", "baselines", "targets",
                "compiled_vs_sklearn_max_abs_diff", "backward_types", "never_answers",
                "model_size_bytes", "training_seconds"):
        assert key in results, key
    # --copies 2: the home counts as one of them, and the protocol says so
    assert results["protocol"]["training_windows_days"].endswith(
        "copies: 2 per window: the home and 1 thinned")
    evaluation = results["evaluation"]["by_window"]
    assert set(evaluation) == {"none", "1d", "10d", "90d"}
    ten = evaluation["10d"]
    for key in ("accuracy", "macro_f1", "weighted_f1", "macro_precision", "macro_recall",
                "per_class", "confusion_matrix"):
        assert key in ten
    for key in ("accuracy", "macro_f1"):  # 8 homes: a wide interval, unless all are right
        low, high = ten["intervals_95"][key]
        assert low <= ten[key] <= high and (high - low > 0.1 or ten[key] == 1.0)
    assert set(ten["per_class"]["cottage"]) == {"precision", "recall", "f1", "support",
                                                "predicted"}
    matrix = np.array(ten["confusion_matrix"]["rows_true_columns_predicted"])
    assert matrix.shape == (8, 8) and matrix.sum() == 8  # one row per evaluation home
    labels = ten["confusion_matrix"]["labels"]
    assert [ten["per_class"][label]["predicted"] for label in labels] == matrix.sum(0).tolist()
    cv = results["cross_validation"]
    assert cv["folds"] == 5 and 0 <= cv["accuracy_mean"] <= 1 and 0 <= cv["accuracy_std"] <= 0.5
    assert results["baselines"]["majority_class"]["label"]
    assert results["baselines"]["best_single_feature_stump"]["feature"]
    assert results["training_data"]["seeds"] == ["7"]
    assert results["evaluation"]["data"]["seeds"] == ["8"]
    assert results["holdout"]["homes_test"] == 8 and results["holdout"]["homes_train"] == 16
    assert results["compiled_vs_sklearn_max_abs_diff"] < 1e-9
    floors = results["evaluation"]["by_floor_registry"]
    assert floors["with_floors"]["homes"] + floors["without_floors"]["homes"] == 8
    assert floors["with_floors_removed"]["homes"] == floors["with_floors"]["homes"]
    changes = results["evaluation"]["history_changes"]
    assert changes["homes"] == 8 and changes["better"] + changes["worse"] <= changes["changed"]
    unsorted = results["evaluation"]["unsorted_registry"]
    assert unsorted["homes"] == 8 and sum(unsorted["answers"].values()) == 8
    assert 0 <= unsorted["accuracy"] <= 1 and 1 / 8 <= unsorted["mean_confidence"] <= 1
    languages = Counter(read_snapshot(path).metadata.get("language", "en")
                        for path in iter_home_files(trained_model.parents[1] / "eval"))
    assert unsorted["languages"] == dict(languages) and "areas" not in unsorted
    bare = unsorted["names_without_rooms"]
    assert set(bare) == {"accuracy", "mean_confidence", "answers"}
    assert sum(bare["answers"].values()) == 8 and 0 <= bare["accuracy"] <= 1
    assert 1 / 8 <= bare["mean_confidence"] <= 1
    leftovers = results["evaluation"]["onboarding_leftovers"]
    # Every sorted home that lacks one of onboarding's names at least (a studio may have all
    # three: "Living Room", "Kitchen", "Bedroom").
    evaluated = [read_snapshot(path) for path in iter_home_files(trained_model.parents[1] / "eval")]
    lacking = sum(len(with_onboarding_leftovers(home).areas) > len(home.areas)
                  for home in evaluated if home.metadata.get("unsorted") is not True)
    assert leftovers["homes"] == lacking and sum(leftovers["moves"].values()) == \
        leftovers["changed"] <= lacking
    assert 0 <= leftovers["accuracy"] <= 1 and 0 <= leftovers["accuracy_as_they_are"] <= 1
    for data, folder in ((results["training_data"], "train"),
                         (results["evaluation"]["data"], "eval")):
        left = [read_snapshot(path).metadata.get("unsorted") is True
                for path in iter_home_files(trained_model.parents[1] / folder)]
        assert data["unsorted"] == sum(left), folder
    assert set(results["targets"]) >= {"accuracy_10d", "macro_f1_10d", "best_stump_max"}


def test_onboarding_leftovers_are_scored_against_the_same_homes_as_they_are() -> None:
    """Each sorted home's 10-day answer as it is, beside its answer with the leftovers: what
    moved, and both accuracies over the same homes (an unsorted home has no such row)."""
    from trainer.dataset import HomeRows, Rows
    from trainer.train import leftover_figures

    class Model:
        classes = ("apartment", "condo", "studio")

        def predict_proba(self, X: NDArray[Any]) -> NDArray[Any]:  # the row's first value decides
            proba: NDArray[Any] = np.eye(3)[X[:, 0].astype(int)]
            return proba

    def home(home_id: str, label: str, leftover: int | None) -> HomeRows:
        rows = [] if leftover is None else [(np.array([float(leftover)]), 10)]
        return HomeRows(label=label, home_id=home_id, seed=1, generator="g", days=10,
                        train=[], test=[], leftovers=rows)

    homes = [home("a", "apartment", 1), home("b", "studio", 2), home("c", "condo", None),
             home("d", "apartment", 0)]
    rows = Rows(np.zeros((5, 1)), np.asarray(["apartment", "studio", "condo", "apartment",
                                              "apartment"]),
                np.asarray(["a", "b", "c", "d", "a"]), np.asarray([10, 10, 10, 10, -1]))
    predicted = np.asarray(["apartment", "apartment", "condo", "apartment", "studio"])
    assert leftover_figures(Model(), homes, rows, predicted) == {  # type: ignore[arg-type]
        "homes": 3, "accuracy_as_they_are": 2 / 3, "accuracy": 2 / 3, "changed": 2,
        "moves": {"apartment -> condo": 1, "apartment -> studio": 1}}
    assert leftover_figures(Model(), [homes[2]], rows, predicted) is None  # type: ignore[arg-type]


def test_unsorted_homes_are_scored_against_their_own_types() -> None:
    """Every home's unsorted row, and its row with no room in any name, each against the
    home's type: how often right, how sure, what was answered, in which languages."""
    from trainer.dataset import HomeRows
    from trainer.train import unsorted_figures

    class Model:
        classes = ("apartment", "condo", "studio")

        def predict_proba(self, X: NDArray[Any]) -> NDArray[Any]:  # the row's values decide
            proba: NDArray[Any] = X[:, :3]
            return proba

    def home(home_id: str, label: str, unsorted: list[float], unnamed: list[float],
             language: str) -> HomeRows:
        return HomeRows(label=label, home_id=home_id, seed=1, generator="g", days=10, train=[],
                        test=[], unsorted=[(np.array(unsorted), 10)],
                        unnamed=[(np.array(unnamed), 10)], language=language)

    homes = [home("a", "apartment", [0.8, 0.2, 0.0], [0.0, 0.6, 0.4], "en"),
             home("b", "studio", [0.6, 0.0, 0.4], [0.0, 0.0, 1.0], "de"),
             home("c", "condo", [0.0, 0.7, 0.3], [0.0, 0.9, 0.1], "en")]
    figures = unsorted_figures(Model(), homes)  # type: ignore[arg-type]
    assert figures == {
        "homes": 3, "languages": {"en": 2, "de": 1},
        "accuracy": pytest.approx(2 / 3), "mean_confidence": pytest.approx(0.7),
        "answers": {"apartment": 2, "condo": 1},
        "names_without_rooms": {"accuracy": pytest.approx(2 / 3),
                                "mean_confidence": pytest.approx(2.5 / 3),
                                "answers": {"condo": 2, "studio": 1}}}


def test_history_changes_are_counted_home_by_home() -> None:
    """Right without history and wrong with it is worse; wrong to right, better; one wrong
    answer to another, neither. Other windows do not count."""
    from trainer.dataset import Rows
    from trainer.train import history_changes

    homes = ["a", "a", "b", "b", "c", "c", "d", "d", "d"]
    windows = [-1, 10, -1, 10, -1, 10, -1, 10, 90]
    truth = ["studio"] * 9
    answers = ["studio", "condo",  # a: worse
               "condo", "studio",  # b: better
               "condo", "cottage",  # c: changed, neither
               "studio", "studio", "condo"]  # d: unchanged at 10 days (90 days is not counted)
    rows = Rows(np.zeros((9, 1)), np.array(truth), np.array(homes), np.array(windows))
    assert history_changes(rows, np.array(answers)) == {
        "homes": 4, "changed": 3, "better": 1, "worse": 1}


def test_confidence_levels_are_the_evaluation_homes_10_day_answers(trained_model: Path) -> None:
    """``by_confidence`` counts each evaluation home once, by the confidence the sensor would
    show for it with 10 days of history (the probability of the type it answers)."""
    from trainer.dataset import DEFAULT_WINDOW, stack
    from trainer.metrics import CONFIDENCE_LEVELS
    from trainer.runs import no_progress
    from trainer.train import read_evaluation_homes

    levels = results_of(trained_model)["evaluation"]["by_confidence"]
    model = load_model(trained_model)
    rows = stack(read_evaluation_homes(trained_model.parent.parent / "eval", 1, no_progress),
                 "test")
    ten = rows.windows == DEFAULT_WINDOW
    probabilities = model.predict_proba(rows.X[ten])
    right = np.asarray(model.classes)[probabilities.argmax(axis=1)] == rows.y[ten]
    confidence = probabilities.max(axis=1)
    assert len(confidence) == 8
    assert [level["at_least"] for level in levels] == list(CONFIDENCE_LEVELS)
    for level in levels:
        reached = confidence >= level["at_least"]
        assert level["homes"] == reached.sum() and level["share"] == reached.mean()
        assert level["accuracy"] == (right[reached].mean() if reached.any() else None)


def test_compiled_model_equals_sklearn_on_every_home_and_window(trained_model: Path) -> None:
    pipeline = joblib.load(trained_model.with_name("home_type_classifier.sklearn.joblib"))
    model = load_model(trained_model)
    eval_dir = trained_model.parent.parent / "eval"
    rows = build_rows(list(iter_home_files(eval_dir)), EVALUATION_WINDOWS)
    assert len(rows) == 8 * len(EVALUATION_WINDOWS)
    ours = model.predict_proba(rows.X)
    theirs = pipeline.predict_proba(rows.X)
    assert list(model.classes) == list(pipeline.classes_)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)


def test_two_home_types_train_and_compile_like_sklearn(tmp_path: Path) -> None:
    """With two classes scikit-learn keeps one calibrator; the bundle and predictor follow it."""
    for seed, folder in ((7, "train"), (8, "eval")):
        result = call_trainer("generate", "--count", "12", "--days", "3", "--seed", str(seed),
                              "--mix", "apartment=1,condo=1", "--output", str(tmp_path / folder),
                              *ONE_WORKER)
        assert result.returncode == 0, result.stderr
    model = tmp_path / "models" / "home_type_classifier.pkl"
    result = call_trainer("train", "--synthetic-homes", str(tmp_path / "train"),
                          "--evaluation-homes", str(tmp_path / "eval"), "--output", str(model),
                          "--copies", "1", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert results_of(model)["compiled_vs_sklearn_max_abs_diff"] < 1e-9
    assert loads_bundle(model.read_bytes())["calibration"]["a"].shape == (1,)
    compiled = load_model(model)
    pipeline = joblib.load(model.with_name("home_type_classifier.sklearn.joblib"))
    rows = build_rows(list(iter_home_files(tmp_path / "eval")), EVALUATION_WINDOWS)
    varied = rows.X * np.random.default_rng(0).uniform(0.5, 1.5, rows.X.shape)  # off the homes
    for X in (rows.X, varied):
        np.testing.assert_allclose(compiled.predict_proba(X), pipeline.predict_proba(X),
                                   rtol=0, atol=1e-9)
    assert compiled.classes == ("apartment", "condo")
    classified = call_trainer("classify", str(tmp_path / "eval" / "home_001.json.gz"),
                              "--model", str(model))
    assert classified.returncode == 0, classified.stderr
    assert set(json.loads(classified.stdout)["probabilities"]) == {"apartment", "condo"}


def test_bundle_describes_itself(trained_model: Path) -> None:
    model = load_model(trained_model)
    info = model.info
    for key in ("classes", "feature_names", "feature_version", "snapshot_schema_version",
                "numpy_version", "training_data", "created", "model_version"):
        assert key in info, key
    assert info["training_data"]["homes"] == 24 and info["training_data"]["days"] == [12]
    assert trained_model.stat().st_size < 2_000_000


def test_training_is_deterministic(trained_model: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.pkl"
    base = trained_model.parent.parent
    result = call_trainer("train", "--synthetic-homes", str(base / "train"),
                          "--evaluation-homes", str(base / "eval"), "--output", str(again),
                          "--copies", "2", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, "scikit-learn's fold warnings are not the user's"
    # The last line names every file written, the hash Home Assistant needs among them.
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(f"wrote {again} ")
    for written in (sha256_path(again), again.with_name("again.sklearn.joblib"),
                    again.with_name("again_results.json")):
        assert written.exists() and written.name in last, (written, last)
    a = loads_bundle(trained_model.read_bytes())
    b = loads_bundle(again.read_bytes())
    for key in ("roots", "feature", "threshold", "left", "right", "leaf_values"):
        np.testing.assert_array_equal(a["forest"][key], b["forest"][key])
    np.testing.assert_array_equal(a["calibration"]["a"], b["calibration"]["a"])
    assert a["model_version"].split("-")[1] == b["model_version"].split("-")[1]


def test_another_processors_last_bits_make_the_same_model(trained_model: Path) -> None:
    """Platt coefficients 2e-9 off the bundled ones, as another CPU's optimiser left them,
    compile alike.

    The trees are the same everywhere; the coefficients' last digits are not, and the model
    version is a digest of the compiled arrays. Two machines' differed by 2.1e-9 (relative),
    which twelve digits kept. (Raw coefficients that close may still round apart where a
    rounding boundary falls between them: at six digits, 0.2 % of the time at most.)
    """
    pipeline = joblib.load(trained_model.with_name("home_type_classifier.sklearn.joblib"))
    calibrators = pipeline[-1].calibrated_classifiers_[0].calibrators
    bundled = loads_bundle(trained_model.read_bytes())["calibration"]
    for calibrator in calibrators:
        calibrator.a_ *= 1 + 2e-9
        calibrator.b_ *= 1 - 2e-9
    nudged = compile_pipeline(pipeline)["calibration"]
    assert not np.array_equal(nudged["a"], bundled["a"])
    settle_calibration(pipeline)
    settled = compile_pipeline(pipeline)["calibration"]
    np.testing.assert_array_equal(settled["a"], bundled["a"])
    np.testing.assert_array_equal(settled["b"], bundled["b"])


def test_tampered_file_is_refused(trained_model: Path, tmp_path: Path) -> None:
    model = copy_model(trained_model, tmp_path)
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ModelTamperedError, match="SHA-256 does not match"):
        load_model(model)


def test_missing_hash_and_missing_file(trained_model: Path, tmp_path: Path) -> None:
    model = copy_model(trained_model, tmp_path)
    sha256_path(model).unlink()
    with pytest.raises(ModelTamperedError, match=r"no home_type_classifier\.pkl\.sha256 beside"):
        load_model(model)
    with pytest.raises(ModelMissingError, match="no model file there"):
        load_model(tmp_path / "nothing.pkl")


class _Exploit:
    """A pickle that would create a file when loaded, if loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[[str], int], tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_foreign_pickle_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    model = tmp_path / "evil.pkl"
    data = pickle.dumps({"format": "home_type_bundle", "x": _Exploit(marker)})
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))  # even with a valid hash
    with pytest.raises(ModelForeignError, match=r"it names posix\.system|it names os\.system"):
        load_model(model)
    assert not marker.exists()
    with pytest.raises(ModelForeignError, match=r"builtins\.eval"):
        loads_bundle(pickle.dumps(eval), "x")


def test_incompatible_bundle_is_refused(trained_model: Path, tmp_path: Path) -> None:
    bundle = loads_bundle(trained_model.read_bytes())
    bundle["feature_version"] = FEATURE_VERSION + 1
    data = dumps_bundle(bundle)
    model = tmp_path / "old.pkl"
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))
    with pytest.raises(ModelIncompatibleError, match="retrain the model"):
        load_model(model)
    with pytest.raises(ModelForeignError, match="not a Home Type model bundle"):
        loads_bundle(pickle.dumps({"format": "something else"}), "x")


def test_loads_and_classifies_without_sklearn_or_scipy(trained_model: Path,
                                                       small_homes: Path) -> None:
    script = f"""
import sys
sys.modules["sklearn"] = None
sys.modules["scipy"] = None
from custom_components.home_type.core.model import load_model
from custom_components.home_type.core.snapshot import read_snapshot
from custom_components.home_type.core.activity import summarize_events
from custom_components.home_type.core.classify import classify
model = load_model({str(trained_model)!r})
home = read_snapshot({str(small_homes / "home_001.json.gz")!r})
end = float(home.events.timestamps.max()) + 1
summary = summarize_events(home.events, home.metadata["timezone"], end - 10 * 86400, end)
print(classify(home, summary, model).home_type)
assert not any(m.startswith(("sklearn", "scipy")) for m, v in sys.modules.items() if v)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in load_model(trained_model).classes


def test_classify_command(trained_model: Path, small_homes: Path, tmp_path: Path) -> None:
    home = small_homes / "home_003.json.gz"
    result = call_trainer("classify", str(home), "--model", str(trained_model))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"home_type", "confidence", "probabilities", "model_version"}
    assert answer["method"] == "history" and answer["history_days"] == pytest.approx(10)
    assert answer["file"] == str(home) and answer["home_id"] == "home_003"
    assert abs(sum(answer["probabilities"].values()) - 1) < 1e-3
    assert answer["confidence"] == max(answer["probabilities"].values())


def test_classify_odd_homes(trained_model: Path, tmp_path: Path) -> None:
    """No events, no areas, unknown device classes, no label: still an answer."""
    odd = {
        "schema_version": 1, "home_id": "odd", "home_type": None, "metadata": {},
        "floors": [], "areas": [],
        "devices": [{"device_id": "d", "name": "Thing", "area_id": None, "manufacturer": None,
                     "model": None}],
        "entities": [{"entity_id": "sensor.thing", "device_id": "d", "area_id": None,
                      "device_class": "flux_capacitance", "unit": "GW"},
                     {"entity_id": "weird_domain.x", "device_id": None, "area_id": None,
                      "device_class": None, "unit": None}],
        "events": [],
    }
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(odd))
    result = call_trainer("classify", str(path), "--model", str(trained_model))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["method"] == "structure" and answer["history_days"] == 0


def test_classify_a_file_whose_name_is_not_utf8(trained_model: Path, small_homes: Path,
                                                tmp_path: Path) -> None:
    """A Linux file name may hold any bytes: the answer shows the ones that are not UTF-8
    as U+FFFD rather than failing half-way through printing it, on a strict UTF-8 output."""
    name = os.fsdecode(b"home_\xff.json.gz")
    (tmp_path / name).write_bytes((small_homes / "home_003.json.gz").read_bytes())
    result = call_trainer("classify", str(tmp_path / name), "--model", str(trained_model),
                          env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["file"] == f"{tmp_path}/home_\ufffd.json.gz"


def test_classify_bad_inputs(trained_model: Path, tmp_path: Path) -> None:
    missing = call_trainer("classify", str(tmp_path / "none.json"), "--model", str(trained_model))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    no_model = call_trainer("classify", str(tmp_path / "x.json"), "--model",
                            str(tmp_path / "no.pkl"))
    assert no_model.returncode == 2 and "no model file there" in no_model.stderr
    assert "Traceback" not in missing.stderr + no_model.stderr


@pytest.mark.parametrize("days", ["inf", "1e308", "nan", "-1", "90.5"])
def test_classify_refuses_a_window_the_model_never_saw(trained_model: Path, small_homes: Path,
                                                       days: str) -> None:
    """0 to 90 days, as the integration's option and the trained windows; not a traceback."""
    result = call_trainer("classify", str(small_homes / "home_001.json.gz"), "--model",
                          str(trained_model), "--history-days", days)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "error: --history-days must be from 0 to 90 days (the longest window the model is "
        f"trained on), not {float(days):g}")


def test_classify_goes_on_past_a_bad_file(trained_model: Path, small_homes: Path,
                                          tmp_path: Path) -> None:
    """Every good file is classified; each bad one gets its error line; the exit code says so."""
    homes = [small_homes / "home_001.json.gz", tmp_path / "missing.json",
             small_homes / "home_002.json.gz", tmp_path / "broken.json"]
    homes[3].write_text("{")
    result = call_trainer("classify", *map(str, homes), "--model", str(trained_model),
                          "--history-days", "90")
    assert result.returncode == 2
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["home_id"] for a in answers] == ["home_001", "home_002"]
    assert result.stderr.splitlines() == [
        f"error: {homes[1]}: no such file",
        f"error: {homes[3]}: not valid JSON (line 1, column 2: Expecting property name "
        "enclosed in double quotes)"]


def test_classify_at_the_end_of_the_time_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The last valid moment classifies in the zone furthest ahead of UTC; a later one is
    refused with one line (it was an OverflowError: year 10000 in the home's zone)."""
    def home(home_id: str, last: str) -> Path:
        path = tmp_path / f"{home_id}.json"
        path.write_text(json.dumps({
            "schema_version": 1, "home_id": home_id, "home_type": None,
            "metadata": {"timezone": "Pacific/Kiritimati"}, "floors": [], "areas": [],
            "devices": [], "entities": [{"entity_id": "light.a"}],
            "events": [{"entity_id": "light.a", "state": state, "timestamp": stamp}
                       for state, stamp in (("on", "9998-12-25T00:00:00Z"), ("off", last))]}))
        return path

    last, far = home("last", "9998-12-31T23:59:59.999Z"), home("far", "9999-12-31T23:00:00Z")
    code = trainer_in_process(monkeypatch, "classify", str(last), str(far), "--model",
                              str(BUNDLED), "--history-days", "10")
    out, err = capsys.readouterr()
    assert code == 2
    answers = [json.loads(line) for line in out.splitlines()]
    assert [(a["home_id"], a["method"]) for a in answers] == [("last", "history")]
    assert err.splitlines() == [
        f"error: {far}: events[1].timestamp: expected an ISO 8601 UTC timestamp from 1970 to "
        "9998, got '9999-12-31T23:00:00Z'"]


def test_verify_command(trained_model: Path, tmp_path: Path) -> None:
    result = run_trainer("verify", str(trained_model))
    assert result.returncode == 0, result.stderr
    assert "loaded without scikit-learn" in result.stdout
    assert "{" not in result.stdout  # a report for people; --json is for scripts
    as_json = run_trainer("verify", str(trained_model), "--json")
    report = json.loads(as_json.stdout)  # the whole of stdout is one JSON object
    assert report["version"] in result.stdout
    assert report["features"] > 0 and len(report["classes"]) == 8
    # verify reads from the bundle alone what train wrote in the results
    assert report["backward_types"] == results_of(trained_model)["backward_types"]
    assert report["never_answers"] == results_of(trained_model)["never_answers"] == []
    # One sample of each type: the report counts the right answers and names the wrong ones.
    samples = report["samples"]
    assert [s["home_type"] for s in samples] == list(HOME_TYPES)
    wrong = [f"{s['home_type']} → {s['result']['home_type']} "
             f"({s['result']['confidence']:.2f})" for s in samples
             if s["result"]["home_type"] != s["home_type"]]
    line = " ".join(result.stdout.split())
    assert (f"8 sample homes, one of each type (3 days, generated now): {8 - len(wrong)} "
            "answered right") in line
    assert all(answer in line for answer in wrong)
    assert "never answers" not in line
    tampered = copy_model(trained_model, tmp_path)
    tampered.write_bytes(tampered.read_bytes() + b"x")
    bad = run_trainer("verify", str(tampered))
    assert bad.returncode == 2 and "SHA-256 does not match" in bad.stderr


def test_verify_names_the_types_a_model_never_answers(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A model trained without homes of a type (a small --count, a --mix) cannot answer it."""
    from trainer import model_commands

    bundled = load_model(BUNDLED)
    renamed = tuple("igloo" if c == "cottage" else c for c in bundled.classes)
    monkeypatch.setattr(model_commands, "load_bundle",
                        lambda path: dataclasses.replace(bundled, classes=renamed))
    monkeypatch.delitem(sys.modules, "sklearn", raising=False)  # other tests of this process
    assert trainer_in_process(monkeypatch, "verify", str(BUNDLED)) == 0
    assert ("warning: this model never answers cottage: its training homes had none, so "
            "Home Type's sensor can never show it" in " ".join(capsys.readouterr().out.split()))


def test_bundled_results_say_of_the_bundled_model_what_it_says_of_itself() -> None:
    """Publish copies the results beside the model; their checks of it are its own."""
    results = json.loads(RESULTS.read_text())
    bundled = load_model(BUNDLED)
    assert results["model_version"] == bundled.version
    assert results["backward_types"] == backward_types(bundled) == []
    assert results["never_answers"] == never_answered(bundled) == []


@pytest.mark.parametrize("command", [["verify"], ["evaluate"], ["classify", "home.json"],
                                     ["publish", "--to", "published"]])
def test_a_fresh_checkout_is_told_where_a_model_is(tmp_path: Path, command: list[str]) -> None:
    """No model trained yet: the default path is missing, and the error says what to do."""
    result = run_trainer(*command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode in (2, EXIT_NOT_VERIFIED), result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {'not published: ' if command[0] == 'publish' else ''}"
        "models/home_type_classifier.pkl: no model file there; no model has been trained here "
        "yet: run scripts/train (or python -m trainer train), or use the one bundled with the "
        f"integration, {ROOT / 'custom_components/home_type/models/home_type_classifier.pkl'}"]
    other = run_trainer("verify", "other.pkl", cwd=tmp_path,
                        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert other.stderr.strip() == "error: other.pkl: no model file there"


def test_evaluate_command(trained_model: Path, tmp_path: Path) -> None:
    model = copy_model(trained_model, tmp_path / "m")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    # As train writes it when it had no evaluation homes: the held-out figures are the headline.
    results = results_of(trained_model)
    results["evaluation"], results["protocol"]["headline"] = None, "holdout"
    results["targets"]["accuracy_10d"]["measured"] = -1.0
    results_file.write_text(json.dumps(results))
    shown = call_trainer("evaluate", "--model", str(model), "--homes",
                         str(trained_model.parent.parent / "eval"))
    assert shown.returncode == 0, shown.stderr
    assert "10d" in shown.stdout and "stored" not in shown.stderr
    # The fixture's homes hold 12 days: the 90d row is labelled so, and says what it reads.
    assert ("note: the homes hold 12 days of history, so the 90d row reads those 12"
            in " ".join(shown.stderr.split()))
    assert json.loads(results_file.read_text()) == results  # only --write stores the figures
    result = call_trainer("evaluate", "--model", str(model), "--homes",
                          str(trained_model.parent.parent / "eval"), "--write")
    assert result.returncode == 0, result.stderr
    assert "10d" in result.stdout and "accuracy" in result.stdout
    assert "confidence at least" in result.stdout
    homes = results_of(trained_model)["evaluation"]["data"]["homes"]
    assert (f"updated {results_file}: its evaluation figures, which publish checks, are now on "
            f"{homes} homes of {trained_model.parent.parent / 'eval'}") in " ".join(
                result.stderr.split())
    updated = json.loads(results_file.read_text())
    assert updated["evaluation"]["model_version"] == load_model(model).version
    # The targets are measured on the figures just stored, which are now the headline.
    assert updated["protocol"]["headline"] == "evaluation"
    assert updated["targets"]["accuracy_10d"]["measured"] == (
        updated["evaluation"]["by_window"]["10d"]["accuracy"])
    # Stored over stored figures, it says what they rested on.
    again = call_trainer("evaluate", "--model", str(model), "--homes",
                         str(trained_model.parent.parent / "eval"), "--write")
    assert (f"now on {homes} homes of {trained_model.parent.parent / 'eval'} (were on {homes} "
            f"homes of {trained_model.parent.parent / 'eval'})") in " ".join(again.stderr.split())


def test_evaluate_never_stores_figures_on_a_training_seed(trained_model: Path,
                                                          tmp_path: Path) -> None:
    """Such figures would pass for figures on unseen homes, and publish trusts the file."""
    model = copy_model(trained_model, tmp_path / "m")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    results_file.write_text(json.dumps(results_of(trained_model)))
    before = results_file.read_bytes()
    same_seed = call_trainer("evaluate", "--model", str(model), "--homes",
                             str(trained_model.parent.parent / "train"), "--write")
    assert same_seed.returncode == 2, same_seed.stderr  # a script sees the store refused
    assert "10d" in same_seed.stdout  # shown, with the warning
    stderr = " ".join(same_seed.stderr.split())
    assert "shares seed 7 with the training homes" in stderr
    assert f"error: nothing stored in {results_file}" in stderr and "updated" not in stderr
    assert results_file.read_bytes() == before
    published = call_trainer("publish", str(model), "--to", str(tmp_path / "ha"),
                             "--min-accuracy", "0", "--min-macro-f1", "0")
    assert published.returncode == 0, published.stderr  # still its figures on unseen homes


def test_evaluate_checks_the_results_file_first(trained_model: Path, tmp_path: Path) -> None:
    model = copy_model(trained_model, tmp_path / "m")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    results_file.write_text("{not json")
    # No such homes: the results file is refused before any evaluation starts.
    broken = call_trainer("evaluate", "--model", str(model), "--homes", str(tmp_path / "none"),
                          "--write")
    assert broken.returncode == 2
    assert broken.stderr.startswith(f"error: {results_file}: not a results file")
    assert "leave out --write" in " ".join(broken.stderr.split())
    assert "Traceback" not in broken.stderr
    assert len(broken.stderr.strip().splitlines()) <= 2  # one line, wrapped at most once
    assert results_file.read_text() == "{not json"
    ignored = call_trainer("evaluate", "--model", str(model), "--homes", str(tmp_path / "none"))
    assert ignored.returncode == 2 and "no such folder" in ignored.stderr


@pytest.mark.parametrize(("damage", "field"), [
    (lambda r: r.update(protocol="x"), "protocol is not an object"),
    (lambda r: r.pop("baselines"), "baselines.best_single_feature_stump.accuracy is not a number"),
    (lambda r: r.update(model_size_bytes="big"), "model_size_bytes is not a number"),
])
def test_evaluate_checks_what_it_writes_into_first(trained_model: Path, tmp_path: Path,
                                                   damage: Any, field: str) -> None:
    """This model's results file, damaged where evaluate writes: refused before evaluating."""
    model = copy_model(trained_model, tmp_path / "m")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    results = results_of(trained_model)
    damage(results)
    results_file.write_text(json.dumps(results))
    broken = call_trainer("evaluate", "--model", str(model), "--homes", str(tmp_path / "none"),
                          "--write")
    assert broken.returncode == 2
    assert " ".join(broken.stderr.split()) == (
        f"error: {results_file}: not a results file ({field}); fix or remove it, or leave out "
        "--write")


def test_evaluate_refuses_a_results_file_not_in_utf8(trained_model: Path, tmp_path: Path) -> None:
    model = copy_model(trained_model, tmp_path / "m")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    results_file.write_bytes('{"model_version": "K\u00fcche"}'.encode("latin-1"))
    broken = call_trainer("evaluate", "--model", str(model), "--homes", str(tmp_path / "none"),
                          "--write")
    assert broken.returncode == 2
    assert broken.stderr.startswith(f"error: {results_file}: not a results file ('utf-8' codec")
    assert "leave out --write" in " ".join(broken.stderr.split())
    assert "Traceback" not in broken.stderr
    assert len(broken.stderr.strip().splitlines()) <= 2  # one line, wrapped at most once


def test_evaluate_that_cannot_store_says_so_in_one_line(
        trained_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A folder it cannot write in is refused before the evaluation; a disk that fills up
    during it, after, with the figures shown. The results file is as it was either way."""
    model = copy_model(trained_model, tmp_path / "m")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    results_file.write_text(json.dumps(results_of(trained_model)))
    before = results_file.read_bytes()
    homes = str(trained_model.parent.parent / "eval")
    evaluated: list[object] = []
    with monkeypatch.context() as patched:
        patched.setattr(os, "access", lambda path, mode: False)
        patched.setattr("trainer.train.evaluate_model", lambda *a: evaluated.append(a))
        code = trainer_in_process(patched, "evaluate", "--model", str(model), "--homes", homes,
                                  "--write")
    assert (code, evaluated) == (2, [])
    assert " ".join(capsys.readouterr().err.split()) == (
        f"error: {results_file}: cannot write in {results_file.parent} (permission denied), so "
        "the figures could not be stored; without --write, evaluate only shows them")

    class ReadOnly:
        f_flag = os.ST_RDONLY

    with monkeypatch.context() as patched:  # "permission denied" would send the user to chmod
        patched.setattr(os, "access", lambda path, mode: False)
        patched.setattr(os, "statvfs", lambda path: ReadOnly())
        code = trainer_in_process(patched, "evaluate", "--model", str(model), "--homes", homes,
                                  "--write")
    assert code == 2
    assert (f"cannot write in {results_file.parent} (read-only file system), so the figures"
            in " ".join(capsys.readouterr().err.split()))
    monkeypatch.setattr(os, "fsync", no_space_left)
    code = trainer_in_process(monkeypatch, "evaluate", "--model", str(model), "--homes", homes,
                              "--write")
    captured = capsys.readouterr()
    assert code == 2 and "10d" in captured.out
    assert captured.err.strip().splitlines()[-1] == (
        f"error: cannot write {results_file}: No space left on device; the figures above were "
        "not stored")
    assert results_file.read_bytes() == before
    assert sorted(p.name for p in results_file.parent.iterdir()) == sorted([
        model.name, results_file.name, f"{model.name}.sha256"])  # no temporary file left


def _refused(fd: int) -> None:
    """As root on a folder the kernel refuses (/sys) or a root-squashed share: the up-front
    check (os.access) said yes, and the write of a temporary file fails."""
    raise PermissionError(errno.EACCES, "Permission denied", "/out/.m.sklearn.joblib.x1y2z3a4.tmp")


@pytest.mark.parametrize(("failure", "words"), [(no_space_left, "No space left on device"),
                                                (_refused, "Permission denied")])
def test_train_that_cannot_write_names_the_folder(
        trained_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], failure: Callable[[int], None], words: str) -> None:
    """ENOSPC names no file ("cannot write None"), and a refused write a hidden temporary file
    the user never asked for: the error names the model's folder."""
    monkeypatch.setattr(os, "fsync", failure)
    # Not the repository: after scripts/train, its 100 evaluation homes of 90 days would be
    # scored first (40-50 s for each of these tests, against 12 s).
    monkeypatch.chdir(tmp_path)
    code = trainer_in_process(
        monkeypatch, "train", "--synthetic-homes", str(trained_model.parent.parent / "train"),
        "--output", str(tmp_path / "out" / "m.pkl"), "--copies", "1", "--jobs", "1")
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: cannot write {tmp_path / 'out'}: {words}")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_evaluate_says_why_nothing_was_stored(trained_model: Path, tmp_path: Path) -> None:
    model = copy_model(trained_model, tmp_path / "m")
    homes = str(trained_model.parent.parent / "eval")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    missing = call_trainer("evaluate", "--model", str(model), "--homes", homes, "--write")
    assert missing.returncode == 2, missing.stderr
    assert f"nothing stored in {results_file}: no such file" in " ".join(missing.stderr.split())
    assert not results_file.exists()
    other = results_of(trained_model) | {"model_version": "2020.01.01-0000"}
    results_file.write_text(json.dumps(other))
    foreign = call_trainer("evaluate", "--model", str(model), "--homes", homes, "--write")
    assert foreign.returncode == 2, foreign.stderr
    assert "describes model 2020.01.01-0000, not this model" in " ".join(foreign.stderr.split())
    assert json.loads(results_file.read_text()) == other
    quiet = call_trainer("evaluate", "--model", str(model), "--homes", homes)
    assert quiet.returncode == 0 and "stored" not in quiet.stderr


def test_train_refuses_evaluation_homes_of_the_training_seed(trained_model: Path,
                                                            tmp_path: Path) -> None:
    base = trained_model.parent.parent
    result = call_trainer("train", "--synthetic-homes", str(base / "train"),
                          "--evaluation-homes", str(base / "train"), "--output",
                          str(tmp_path / "m.pkl"), "--copies", "1")
    assert result.returncode == 2
    assert "evaluation homes share seed 7 with the training homes" in " ".join(
        result.stderr.split())
    assert "fitting" not in result.stderr, "refused once the seeds are known, before any fit"
    assert not (tmp_path / "m.pkl").exists()


def test_train_bad_inputs(tmp_path: Path) -> None:
    missing = call_trainer("train", "--synthetic-homes", str(tmp_path / "nope"), "--output",
                           str(tmp_path / "m.pkl"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = call_trainer("train", "--synthetic-homes", str(tmp_path / "empty"), "--output",
                         str(tmp_path / "m.pkl"))
    assert empty.returncode == 2 and "no home files" in empty.stderr
    assert "Traceback" not in missing.stderr + empty.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_stops_training_with_130_and_leaves_no_file(trained_model: Path,
                                                           tmp_path: Path, signum: int) -> None:
    """typer turns Ctrl-C inside a command into a returned 130, which main() must pass on;
    SIGTERM (``kill``) stops it the same way, with 143, where it ended the process at once.

    The Ctrl-C comes when the first model fit starts (homes read, nothing written yet), from
    inside the run, so the test does not depend on timing.
    """
    output = tmp_path / "out"
    ctrl_c_at_first_fit = (
        "import runpy, signal\n"
        "import trainer.train as train\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "fit = train.fit_rows\n"
        "def ctrl_c_then_fit(*args, **kwargs):\n"
        f"    signal.raise_signal({int(signum)})\n"
        "    return fit(*args, **kwargs)\n"
        "train.fit_rows = ctrl_c_then_fit\n"
        "runpy.run_module('trainer', run_name='__main__', alter_sys=True)\n")
    # One worker: no joblib worker processes, which a terminal's SIGINT would reach as well.
    result = subprocess.run(
        [sys.executable, "-c", ctrl_c_at_first_fit, "train", "--synthetic-homes",
         str(trained_model.parent.parent / "train"), "--output", str(output / "m.pkl"),
         "--copies", "2", "--jobs", "1"],
        # Not the repository: its data/synthetic_homes_eval, where present, would be read first.
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 128 + signum, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in result.stderr
    # No model, hash, joblib, results or temporary file.
    assert not output.exists() or list(output.iterdir()) == []


def test_ctrl_c_while_the_command_line_loads(tmp_path: Path) -> None:
    """Ctrl-C before main() runs (numpy, typer still importing): one line, not a trace.

    The interrupt is raised at the import of typer, the first big import of trainer.cli, so the
    test does not depend on timing.
    """
    ctrl_c_at_import = (
        "import runpy, signal, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "class CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'typer':\n"
        "            signal.raise_signal(signal.SIGINT)\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        "runpy.run_module('trainer', run_name='__main__', alter_sys=True)\n")
    result = subprocess.run([sys.executable, "-c", ctrl_c_at_import, "verify"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 130, result.stderr
    assert result.stderr == "interrupted\n"


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``error:`` line a refused command prints, and nothing else on stderr."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(("args", "message"), [
    (["train", "--bogus"], "No such option: --bogus"),
    (["evaluate", "--jobs", "many"], "Invalid value for '--jobs'"),
    # pydantic's words for a value that is no number, in the commands' own
    (["train", "--test-size", "a fifth"], "Invalid value for '--test-size': give a number ("),
    (["classify"], "Missing argument 'FILE'"),
    (["nope"], "No such command 'nope'"),
    # click raises this one without its context, which names the command
    (["generate", "--count"], "Option '--count' requires an argument"),
    # pathlib drops the slash: a file "new" beside the folder meant
    (["train", "--output", "models/new/"], "Invalid value for '--output': models/new/ ends in "
                                           "/, so it names a folder"),
    # an unset variable: not the folder the command was started in
    (["publish", "--to", ""], "Invalid value for '--to': is empty (an unset variable?)"),
    (["publish", "--to", "  "], "Invalid value for '--to': is empty (an unset variable?)"),
    (["train", "--jobs", "99999999999999999999"], "--jobs 99999999999999999999: give -1 (all "
                                                  "cores) or a number of workers, from 1 to "
                                                  "1024"),
])
def test_usage_mistakes_give_one_line(args: list[str], message: str) -> None:
    """A mistyped flag or command is one line like every other mistake, and says where to look."""
    line = one_error_line(run_trainer(*args))
    assert line.startswith(f"error: {message}")
    if any(words in message for words in ("Invalid value", "No such", "requires")):
        # click's own: where to look
        command = "python -m trainer" + ("" if args[0] == "nope" else f" {args[0]}")
        assert line.endswith(f"(see {command} --help)")


def test_a_usage_error_is_one_sentence_without_clicks_full_stop() -> None:
    """click ends some of its messages with a full stop ("Missing argument 'FILE'."), which
    read as two sentences once the --help hint follows."""
    assert one_error_line(run_trainer("classify")) == (
        "error: Missing argument 'FILE' (see python -m trainer classify --help)")


def test_the_bare_command_shows_its_help_and_no_error_line() -> None:
    result = run_trainer()
    assert result.returncode == 2
    assert "Usage: python -m trainer" in result.stdout and result.stderr == ""


@pytest.mark.parametrize(("output", "message"), [
    (".", "--output .: is a folder; give a file name, e.g. home_type_classifier.pkl"),
    ("..", "--output ..: is a folder; give a file name, e.g. ../home_type_classifier.pkl"),
    # no such folder, so no folder there yet: ".." still names one, never a file
    ("nowhere/..", "--output nowhere/..: is a folder; give a file name, e.g. "
                   "nowhere/../home_type_classifier.pkl"),
    ("/", "Invalid value for '--output': / ends in /, so it names a folder"),
    ("", "Invalid value for '--output': is empty (an unset variable?); give a path"),
])
def test_train_output_that_names_no_file(output: str, message: str, tmp_path: Path) -> None:
    """Not a ValueError from pathlib, which has no name for ".", "..", "/" or ""."""
    line = one_error_line(call_trainer("train", "--output", output, cwd=tmp_path))
    assert line.startswith(f"error: {message}")


def test_paths_are_shown_as_written(trained_model: Path, tmp_path: Path) -> None:
    """Paths with brackets ("[bold]", "[/]") are not read as terminal markup: not dropped from
    a line, and no crash instead of the error line."""
    model = copy_model(trained_model, tmp_path / "[bold]")
    result = run_trainer("verify", str(model))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"ok {model}: version ")
    home = tmp_path / "[/]" / "home.json"
    line = one_error_line(call_trainer("classify", str(home), "--model", str(model)))
    assert line == f"error: {home}: no such file"


def test_train_refuses_a_folder_as_output_before_reading(small_homes: Path,
                                                          tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    line = one_error_line(call_trainer("train", "--synthetic-homes", str(small_homes),
                                       "--output", str(tmp_path / "out")))
    assert f"--output {tmp_path / 'out'}: is a folder" in line
    (tmp_path / "m.pkl.sha256").mkdir()  # a file written beside the model
    line = one_error_line(call_trainer("train", "--synthetic-homes", str(small_homes),
                                       "--output", str(tmp_path / "m.pkl")))
    assert f"{tmp_path / 'm.pkl.sha256'} is a folder" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pkl.sha256", "out"]
    assert not any((tmp_path / "out").iterdir())
    # Every other file training writes beside the model is checked as well, not only the hash.
    (tmp_path / "m.pkl.sha256").rmdir()
    for beside in ("m.sklearn.joblib", "m_results.json"):
        (tmp_path / beside).mkdir()
        line = one_error_line(call_trainer("train", "--synthetic-homes", str(small_homes),
                                           "--output", str(tmp_path / "m.pkl")))
        assert f"{tmp_path / beside} is a folder" in line
        (tmp_path / beside).rmdir()


@pytest.mark.parametrize("command", ["train", "pipeline"])
def test_output_under_a_file_names_the_file(command: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    flag = "--output" if command == "train" else "--model"
    line = one_error_line(call_trainer(command, flag, str(tmp_path / "file" / "m.pkl"),
                                       cwd=tmp_path))
    assert f"{tmp_path / 'file'} is a file, not a folder" in line
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize(("command", "written"), [
    ("train", ["m.pkl", "m.pkl.sha256", "m.sklearn.joblib", "m_results.json"]),
    ("curve", ["c.json"])])
def test_an_output_that_exists_is_to_be_replaced_not_refused(
        command: str, written: list[str], tmp_path: Path) -> None:
    """Training again into the model it replaces is what scripts/train does at every run: the
    checks made before the long work look at the folder the files go in, and let the
    previous run's files be (here the homes, missing, are what is refused)."""
    for name in written:
        (tmp_path / name).write_text("the previous run's")
    line = one_error_line(call_trainer(command, "--synthetic-homes", "nowhere", "--output",
                                       written[0], cwd=tmp_path))
    assert line.startswith("error: nowhere: no such folder"), line


@pytest.mark.parametrize(("command", "flag"), [
    ("train", "--output"), ("pipeline", "--model"), ("curve", "--output")])
def test_an_output_that_cannot_be_looked_at_or_links_to_nothing(
        command: str, flag: str, tmp_path: Path) -> None:
    """A name too long for the file system and a symbolic link to nothing are refused at
    once, on one line that names the flag. On Python 3.13 ``Path.exists`` raises for a name
    too long, as for a folder this user may not enter (a traceback, found by a review); the
    link was taken for a missing folder, and a whole training run went before its write
    failed ("File exists")."""
    long = tmp_path / ("x" * 300 + ".pkl")
    line = one_error_line(call_trainer(command, flag, str(long), cwd=tmp_path))
    assert line == f"error: {flag} {long}: File name too long"
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    line = one_error_line(call_trainer(command, flag, str(tmp_path / "gone" / "m.pkl"),
                                       cwd=tmp_path))
    assert line == (f"error: {flag} {tmp_path / 'gone' / 'm.pkl'}: {tmp_path / 'gone'} is a "
                    f"symbolic link that leads to no folder ({tmp_path / 'nowhere'})")
    assert [p.name for p in tmp_path.iterdir()] == ["gone"]


RESULTS = ROOT / "custom_components/home_type/models/home_type_classifier_results.json"


def _as_a_user_kept_out_of(folder: Path, *, may_enter: bool = False) -> list[str]:
    """The command prefix of a user who may not enter ``folder``, which it locks; with
    ``may_enter``, who may enter and read it but not write in it.

    As root (CI) by dropping the powers that let root in everywhere; otherwise by the mode.
    """
    if os.geteuid() != 0:
        folder.chmod(0o555 if may_enter else 0)
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv: no user to keep out")
    os.chown(folder, 65534, 65534)  # nobody's
    folder.chmod(0o755 if may_enter else 0o700)
    powers = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={powers}", f"--inh-caps={powers}", "--reuid=0"]


def _trainer_as(prefix: list[str], *args: str, cwd: Path = ROOT,
                in_container: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m trainer ARGS`` as the user of ``prefix`` (:func:`_as_a_user_kept_out_of`)."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "trainer", *args], capture_output=True, text=True,
        cwd=cwd, timeout=600, check=False,
        env={**os.environ, "HOME_TYPE_IN_CONTAINER": "1"} if in_container else None)


@pytest.mark.parametrize(("args", "flag", "name"), [
    (["train"], "--output", "m.pkl"), (["curve"], "--output", "c.json"),
    (["pipeline"], "--to", "p"),
    (["report", "--page", "page.md", "--results", str(RESULTS)], "--curve", "c.json"),
    (["publish", "--force"], "--to", "p"), (["publish", "--rollback"], "--to", "")])
def test_a_folder_one_may_not_enter_is_named(tmp_path: Path, args: list[str], flag: str,
                                             name: str) -> None:
    """A path under a folder this user may not enter (./models made by another user than the
    container's): the folder is named, with what to do in the container, on one line. It was
    a traceback; then "Permission denied" of the path under it; a rollback said there was no
    previous model (found by reviews)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    given = locked / name if name else locked
    prefix = _as_a_user_kept_out_of(locked)
    try:
        result = _trainer_as(prefix, *args, flag, str(given), cwd=tmp_path)
    finally:
        locked.chmod(0o700)
    line = one_error_line(result)
    assert line.startswith(f"error: {flag} {given}: cannot enter {locked} (permission "
                           "denied); the container writes as uid "), line
    assert line.endswith("give ./data and ./models to that user, or run it as yours with "
                         "HOME_TYPE_UID=$(id -u) HOME_TYPE_GID=$(id -g)")


def test_a_folder_one_may_enter_but_not_write_in_is_refused_before_the_work(
        tmp_path: Path) -> None:
    """./models made by another user, who lets others read it (755): the model is refused at
    once, with what to do in the container, not after a whole training run whose first
    write fails."""
    models = tmp_path / "models"
    models.mkdir()
    prefix = _as_a_user_kept_out_of(models, may_enter=True)
    try:
        result = _trainer_as(prefix, "train", "--synthetic-homes", "nowhere", "--output",
                             str(models / "m.pkl"))
    finally:
        models.chmod(0o755)
    line = one_error_line(result)
    assert line.startswith(f"error: --output {models / 'm.pkl'}: cannot write in {models} "
                           "(permission denied); the container writes as uid "), line


def test_the_folder_named_is_the_one_that_cannot_be_entered(tmp_path: Path) -> None:
    """Another user's folder that others may enter (755) holds one they may not (700): the
    line names the one the user cannot enter, not the one above it that they cannot write
    in."""
    theirs = tmp_path / "theirs"
    locked = theirs / "locked"
    locked.mkdir(parents=True)
    prefix = _as_a_user_kept_out_of(locked)
    _as_a_user_kept_out_of(theirs, may_enter=True)
    try:
        result = _trainer_as(prefix, "train", "--output", str(locked / "m.pkl"),
                             in_container=False)
    finally:
        theirs.chmod(0o755)
        locked.chmod(0o700)
    line = one_error_line(result)
    assert line.startswith(f"error: --output {locked / 'm.pkl'}: cannot enter {locked} "
                           "(permission denied)"), line


def test_a_model_among_homes_is_refused_however_their_folder_is_named(tmp_path: Path) -> None:
    """Homes named through a symbolic link (./data on a larger disk, linked) are the folder
    the link leads to: a model written there would still be read as a home."""
    homes = tmp_path / "disk" / "homes"
    homes.mkdir(parents=True)
    (tmp_path / "homes").symlink_to(homes)
    stderr = _refused_before_scikit_learn(
        ["train", "--synthetic-homes", str(tmp_path / "homes"), "--output",
         str(homes / "model.pkl")])
    assert "in the homes folder of --synthetic-homes" in stderr, stderr
    assert not any(homes.iterdir())


def test_homes_that_cannot_be_looked_at_are_not_called_unwritable(tmp_path: Path) -> None:
    """Training only reads its homes: a folder it cannot look at is not one it "cannot
    write" (as it said, found by a review), and evaluate says the same, on one line."""
    long = tmp_path / ("h" * 300)
    for args in (["train", "--synthetic-homes", str(long), "--output", "m.pkl"],
                 ["evaluate", "--homes", str(long), "--model", str(BUNDLED)]):
        line = one_error_line(call_trainer(*args, cwd=tmp_path))
        assert line == f"error: {long}: cannot read it (File name too long)"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_output_to_a_full_disk_is_one_line() -> None:
    """``classify … > results.jsonl`` on a full disk: the system's words, not a traceback."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "trainer", "verify", str(BUNDLED)],
                                stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                check=False, timeout=600)
    assert (result.returncode, result.stderr) == (2, "error: No space left on device\n")


def test_an_oserror_of_no_machine_trouble_keeps_its_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the machine's troubles (a full disk, a refused permission …) become one line: an
    OSError the code brought on itself is a bug, and a line would hide where it is."""
    from trainer import model_commands

    def lost(path: Path) -> object:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "lost.tmp")

    monkeypatch.setattr(model_commands, "load_bundle", lost)
    with pytest.raises(FileNotFoundError):
        trainer_in_process(monkeypatch, "verify", str(BUNDLED))


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO,
                                  errno.EACCES, errno.EPERM, errno.ENAMETOOLONG, errno.ELOOP,
                                  errno.EMFILE, errno.ENFILE], ids=errno.errorcode.get)
def test_each_trouble_of_the_machine_is_one_line(code: int, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A full, read-only or failing disk, a refused permission, a name the file system does
    not take, no file descriptor left: where no check of the command foresaw it, the
    system's words on one line and exit 2, as the README promises -- not a traceback."""
    from trainer import model_commands

    def trouble(path: Path) -> object:
        raise OSError(code, os.strerror(code), "models/m.pkl")

    monkeypatch.setattr(model_commands, "load_bundle", trouble)
    assert trainer_in_process(monkeypatch, "verify", str(BUNDLED)) == 2
    assert capsys.readouterr().err == f"error: models/m.pkl: {os.strerror(code)}\n"


def test_an_error_of_the_code_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only click's usage errors become a one-line message: a bug is not dressed as one."""
    from trainer import model_commands

    def broken(path: Path) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(model_commands, "load_bundle", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        trainer_in_process(monkeypatch, "verify", str(BUNDLED))


def test_a_file_beside_the_model_whose_name_is_too_long_is_named(tmp_path: Path) -> None:
    """The model's own name fits, the joblib file's beside it does not: that file is named."""
    stem = tmp_path / ("x" * 243)
    line = one_error_line(call_trainer("train", "--output", f"{stem}.pkl", cwd=tmp_path))
    assert line == f"error: --output {stem}.pkl: {stem}.sklearn.joblib: File name too long"


def test_train_prints_the_figures_the_targets_and_the_files_it_wrote(
        small_homes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The summary a training run ends with, on the results the run returns (here the bundled
    model's, so that no model is trained): headline table and its title, baselines, CV, the
    targets met and not met, and the files written."""
    from trainer import train as training

    results = json.loads(RESULTS.read_text())
    monkeypatch.setattr(training, "run_training", lambda run: results)
    monkeypatch.chdir(tmp_path)  # no data/synthetic_homes_eval here
    output = tmp_path / "out" / "m.pkl"
    args = ["train", "--synthetic-homes", str(small_homes), "--output", str(output)]
    assert trainer_in_process(monkeypatch, *args) == 0
    captured = capsys.readouterr()
    shown = " ".join(captured.out.split())
    assert f"{results['model_version']} on evaluation homes (another seed, never seen)" in shown
    assert "baseline: majority" in shown and "(single_family_house)" in shown  # cell wraps
    assert "baseline: best stump (areas_log)" in shown
    cv, targets = results["cross_validation"], results["targets"]
    assert (f"grouped 5-fold CV (10d): accuracy {cv['accuracy_mean']:.3f} ± "
            f"{cv['accuracy_std']:.3f}, macro F1 {cv['macro_f1_mean']:.3f} ± "
            f"{cv['macro_f1_std']:.3f}") in shown
    # The bundled model meets the last two targets, not the first two.
    assert [targets[key]["met"] for key in ("accuracy_10d", "macro_f1_10d", "best_stump_max",
                                            "model_size_bytes_max")] == [False, False, True, True]
    assert (f"targets: accuracy_10d {targets['accuracy_10d']['measured']:.3f} (target 0.9) NOT "
            f"met; macro_f1_10d {targets['macro_f1_10d']['measured']:.3f} (target 0.88) NOT "
            "met;") in shown
    assert (f"best_stump_max {targets['best_stump_max']['measured']:.3f} (target 0.6) met; "
            f"model_size_bytes_max {results['model_size_bytes']} (target 2000000) met") in shown
    assert (f"wrote {output} ({results['model_size_bytes'] / 1e6:.2f} MB, compiled = "
            "scikit-learn within "
            f"{results['compiled_vs_sklearn_max_abs_diff']:.1e}), m.pkl.sha256 (Home Assistant "
            "checks the model against it), m.sklearn.joblib, m_results.json in "
            f"{results['training_seconds']:.0f} s") in shown
    assert "backwards" not in captured.err and "never answers" not in captured.err
    # Without evaluation homes the held-out homes are the headline, and the title says so.
    results.update(evaluation=None, backward_types=["ranch_house"], never_answers=["studio"])
    assert trainer_in_process(monkeypatch, *args) == 0
    captured = capsys.readouterr()
    assert (f"{results['model_version']} on held-out homes "
            f"({results['holdout']['homes_test']}, same seed)") in " ".join(captured.out.split())
    assert "evaluation homes" not in captured.out
    assert ("warning: this model's probabilities run backwards for ranch_house"
            in " ".join(captured.err.split()))
    assert ("warning: this model never answers studio: its training homes had none"
            in " ".join(captured.err.split()))


@pytest.mark.parametrize(("days", "note"), [
    ([12], "note: the homes hold 12 days of history, so the 90d row reads those 12"),
    ([10], "note: the homes hold 10 days of history, so the 90d row reads those 10"),
    ([3], "note: the homes hold 3 days of history, so the 10d and 90d rows read those 3"),
    ([1], "note: the homes hold 1 day of history, so the 10d and 90d rows read that day"),
    ([90], ""), ([], ""),  # no days recorded: nothing known to say
    # Exports of several recorders: the shortest decides which rows say more than some hold.
    ([10, 90], "note: the homes hold 10 to 90 days of history, so the 90d row reads fewer days "
               "than named for some of them"),
    ([3, 10], "note: the homes hold 3 to 10 days of history, so the 10d and 90d rows read fewer "
              "days than named for some of them"),
    ([0], "note: the homes hold 0 days of history, so the 1d, 10d and 90d rows read no history"),
])
def test_short_history_is_noted_for_the_windows_longer_than_the_homes(
        days: list[int], note: str, capsys: pytest.CaptureFixture[str]) -> None:
    from trainer.training_commands import _note_short_history

    _note_short_history(days)
    assert " ".join(capsys.readouterr().err.split()) == note


@pytest.mark.parametrize(("make", "message"), [
    (lambda f: f.write_text("[]"), "not a results file; fix or remove it, or leave out --write"),
    (lambda f: f.write_text(json.dumps(results_of(BUNDLED) | {"model_size_bytes": True})),
     "not a results file (model_size_bytes is not a number); fix or remove it, or leave out "
     "--write"),
    (lambda f: f.mkdir(), "cannot read it (Is a directory); without --write, evaluate only "
                          "shows the figures"),
])
def test_evaluate_write_refuses_a_results_file_it_cannot_update(
        make: Callable[[Path], object], message: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Refused in one line before any home is read (there are none here)."""
    model = copy_model(BUNDLED, tmp_path / "m")
    results_file = tmp_path / "m" / "home_type_classifier_results.json"
    make(results_file)
    code = trainer_in_process(monkeypatch, "evaluate", "--model", str(model), "--homes",
                              str(tmp_path / "none"), "--write")
    assert code == 2
    assert " ".join(capsys.readouterr().err.split()) == f"error: {results_file}: {message}"


def test_verify_refuses_a_bundle_that_needs_scikit_learn() -> None:
    """verify's own check: scikit-learn in memory after loading and classifying is refused."""
    script = ("import sys, sklearn\nfrom trainer.cli import main\n"
              f"sys.argv = ['trainer', 'verify', {str(BUNDLED)!r}]\nmain()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert (result.returncode, result.stderr) == (
        2, "error: verify imported scikit-learn; the bundle must not need it\n")


def test_homes_without_a_label_are_refused(small_homes: Path, tmp_path: Path) -> None:
    from trainer import train as training
    from trainer.dataset import DatasetError
    from trainer.runs import no_progress

    home = json.loads(gzip.decompress((small_homes / "home_001.json.gz").read_bytes()))
    home["home_type"] = None
    (tmp_path / "home_001.json").write_text(json.dumps(home))
    with pytest.raises(DatasetError) as caught:
        training.read_evaluation_homes(tmp_path, 1, no_progress)
    assert str(caught.value) == (f"{tmp_path}: homes without a label: home_001 (an export is "
                                 "labelled by the export action's home_type)")


@pytest.mark.parametrize("folder", ["synthetic_homes", "synthetic_homes_eval"])
def test_pipeline_refuses_its_homes_folders_for_its_outputs_before_generating(
        tmp_path: Path, folder: str) -> None:
    """A model trained or published into a homes folder is read as a home by the next run,
    whose generate step refuses the folder and says to delete it -- with the published model
    in it. Both refused before a home is made (found by a review: --to was not checked, and
    --model only at the train step, after both folders were generated)."""
    model = one_error_line(call_trainer("pipeline", "--data", "d", "--model",
                                        f"d/{folder}/m.pkl", cwd=tmp_path))
    assert model == (f"error: --model d/{folder}/m.pkl: in the homes folder of --data "
                     f"({folder}), where its _results.json would be read as a home; train it "
                     "elsewhere (default models/home_type_classifier.pkl)")
    to = one_error_line(call_trainer("pipeline", "--data", "d", "--to", f"d/{folder}",
                                     cwd=tmp_path))
    assert to == (f"error: --to d/{folder}: is the homes folder of --data ({folder}), where "
                  "the model's _results.json would be read as a home; publish elsewhere "
                  "(default models/published)")
    assert not any(tmp_path.iterdir())


def test_pipeline_refuses_a_folder_as_model_before_generating(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    line = one_error_line(call_trainer("pipeline", "--model", "models", cwd=tmp_path))
    assert "--model models: is a folder" in line
    seed = one_error_line(call_trainer("pipeline", "--seed", "-1", cwd=tmp_path))
    assert "--seed -1: give a whole number from 0 to 4294967295" in seed
    (tmp_path / "notes.txt").write_text("x")
    to = one_error_line(call_trainer("pipeline", "--to", "notes.txt", cwd=tmp_path))
    assert "--to notes.txt: is a file, not a folder" in to
    under = one_error_line(call_trainer("pipeline", "--to", "notes.txt/ha", cwd=tmp_path))
    assert f"--to notes.txt/ha: {tmp_path / 'notes.txt'} is a file, not a folder" in under
    # Other homes than its own: publish would refuse them, after the homes were made.
    (tmp_path / "old_homes").mkdir()
    (tmp_path / "old_homes" / "home_001.json.gz").write_bytes(b"a home")
    homes = one_error_line(call_trainer("pipeline", "--to", "old_homes", cwd=tmp_path))
    assert homes == ("error: --to old_homes: holds generated homes (home_001.json.gz …); "
                     "publish into the folder Home Assistant reads the model from")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models", "notes.txt", "old_homes"]


@pytest.mark.parametrize(("args", "message"), [
    *((["--test-size", size], f"--test-size {size}: give a share of the homes between 0 and 1")
      for size in ("2.0", "0.0", "1.0", "-1.0", "nan")),
    (["--seed", "-1"], "--seed -1: give a whole number from 0 to 4294967295"),
    (["--seed", "4294967296"], "--seed 4294967296: give a whole number from 0 to 4294967295"),
    (["--jobs", "0"], "--jobs 0: give -1 (all cores) or a number of workers"),
    (["--copies", "0"], "--copies must be at least 1"),
    (["--copies", "101"], "--copies must be at most 100, not 101"),
    (["--min-samples-leaf", "0"], "--min-samples-leaf must be at least 1"),
    (["--min-samples-leaf", "1000001"], "--min-samples-leaf must be at most 1,000,000, not "
                                        "1000001"),
    (["--evaluation-homes", "nowhere"], "nowhere: no such folder"),
    (["--evaluation-homes", "empty"], "empty: no home files"),
    (["--evaluation-homes", "notes.txt"], "notes.txt: is a file; give the folder of home files"),
])
def test_train_refuses_bad_settings_before_reading(small_homes: Path, tmp_path: Path,
                                                   args: list[str], message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not homes")
    line = one_error_line(call_trainer("train", "--synthetic-homes", str(small_homes),
                                       "--output", "new/m.pkl", *args, cwd=tmp_path))
    assert message in line
    assert not (tmp_path / "new").exists()


def test_evaluate_refuses_no_jobs_before_reading(trained_model: Path) -> None:
    result = call_trainer("evaluate", "--model", str(trained_model), "--homes",
                          str(trained_model.parent.parent / "eval"), "--jobs", "0")
    assert result.returncode == 2
    assert "error: --jobs 0: give -1 (all cores)" in result.stderr
    assert "reading" not in result.stderr


@pytest.mark.parametrize(("args", "error"), [
    (["train", "--synthetic-homes", "HOMES", "--seed", "-1"], "error: --seed -1: give a whole"),
    (["curve", "--synthetic-homes", "HOMES", "--seed", "-1"], "error: --seed -1: give a whole"),
    (["train", "--synthetic-homes", "nowhere"], "error: nowhere: no such folder"),
    (["evaluate", "--model", str(BUNDLED), "--homes", "HOMES", "--jobs", "0"],
     "error: --jobs 0: give -1 (all cores)"),
    (["evaluate", "--model", str(BUNDLED), "--homes", "nowhere"], "error: nowhere: no such folder"),
])
def test_refused_flags_do_not_wait_for_scikit_learn(
    small_homes: Path, args: list[str], error: str
) -> None:
    """scikit-learn takes a second and a half to import: a mistyped flag is refused first.

    The homes folder exists (HOMES), so the flag is what is refused, not a missing folder.
    """
    args = [str(small_homes) if arg == "HOMES" else arg for arg in args]
    assert _refused_before_scikit_learn(args).startswith(error)


def test_train_refuses_to_write_its_model_among_homes(small_homes: Path, tmp_path: Path) -> None:
    """The results file written beside the model would be read as a home by the next run."""
    model = small_homes / "model.pkl"
    stderr = _refused_before_scikit_learn(
        ["train", "--synthetic-homes", str(small_homes), "--output", str(model)])
    assert " ".join(stderr.split()) == (
        f"error: --output {model}: in the homes folder of --synthetic-homes, where its "
        "_results.json would be read as a home; write the model elsewhere (default: "
        "models/home_type_classifier.pkl)")
    stderr = _refused_before_scikit_learn(
        ["train", "--synthetic-homes", str(small_homes), "--evaluation-homes", str(tmp_path),
         "--output", str(tmp_path / "sub" / ".." / "model.pkl")])
    assert "in the homes folder of --evaluation-homes" in stderr
    assert not (small_homes / "model.pkl").exists() and not (tmp_path / "sub").exists()


def test_refused_evaluation_homes_do_not_wait_for_scikit_learn(small_homes: Path) -> None:
    """The evaluation folder is checked with the training one, before the slow import."""
    stderr = _refused_before_scikit_learn(
        ["train", "--synthetic-homes", str(small_homes), "--evaluation-homes", "nowhere"])
    assert stderr.startswith("error: nowhere: no such folder")


def _refused_before_scikit_learn(args: list[str]) -> str:
    """Runs the trainer with ``args`` in a new process, asserts it exited 2 without importing
    scikit-learn, and returns what it printed on stderr."""
    script = ("import sys\nfrom trainer.cli import main\n"
              f"sys.argv = ['trainer', *{args!r}]\n"
              "try:\n    main()\nexcept SystemExit as stop:\n    code = stop.code\n"
              "assert code == 2, code\n"
              "assert 'sklearn' not in sys.modules, 'imported before the flags were checked'\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_verify_runs_where_scikit_learn_cannot_be_imported(trained_model: Path) -> None:
    """As in Home Assistant: verify must need nothing of scikit-learn, not only say so."""
    # A finder that refuses it (not sys.modules["sklearn"] = None, which verify's own check
    # would take for an import).
    script = ("import sys\n"
              "class NoScikitLearn:\n"
              "    def find_spec(self, name, path=None, target=None):\n"
              "        if name.split('.')[0] == 'sklearn':\n"
              "            raise ImportError('no scikit-learn, as in Home Assistant')\n"
              "sys.meta_path.insert(0, NoScikitLearn())\nfrom trainer.cli import main\n"
              f"sys.argv = ['trainer', 'verify', {str(trained_model)!r}]\nmain()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "loaded without scikit-learn" in result.stdout


def test_train_scores_on_the_default_evaluation_homes_when_present(trained_model: Path,
                                                                    tmp_path: Path) -> None:
    """Without --evaluation-homes, data/synthetic_homes_eval is used if it exists (as --help
    says), so scripts/train's figures are on homes of another seed."""
    base = trained_model.parent.parent
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "synthetic_homes_eval").symlink_to(base / "eval")
    result = run_trainer("train", "--synthetic-homes", str(base / "train"), "--output",
                         "m/home_type_classifier.pkl", "--copies", "1", cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    results = results_of(tmp_path / "m" / "home_type_classifier.pkl")
    assert results["evaluation"]["data"]["seeds"] == ["8"]
    assert results["protocol"]["headline"] == "evaluation"


def test_calibration_folds_never_split_a_home() -> None:
    """Platt scaling is fitted on out-of-fold predictions: a home's rows (its windows and
    thinned copies) are all in the fold or all out, or it would calibrate its own answers."""
    from trainer.pipeline import CALIBRATION_FOLDS, build_pipeline, grouped_folds

    # Homes of 1 to 12 rows, in no order: folds cut by row position would split them (with
    # equal homes in order, as before, they happened not to).
    groups = np.random.default_rng(0).permutation(np.repeat(np.arange(12), np.arange(1, 13)))
    calibrated = build_pipeline(groups, random_state=0).named_steps["classifier"]
    folds = list(calibrated.cv)
    assert len(folds) == CALIBRATION_FOLDS
    for train_rows, test_rows in folds:
        assert not set(groups[train_rows]) & set(groups[test_rows])
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(78))
    # Fewer homes than folds: one fold per home, not an error.
    assert len(grouped_folds(np.array([0, 0, 1, 1]), CALIBRATION_FOLDS)) == 2


def test_forest_probabilities_do_not_depend_on_threads() -> None:
    """Threads add the trees' probabilities up in the order they finish, and Platt scaling
    carried those last bits into the model's coefficients and version: four runs of ``train``
    on two cores made four versions. The pipeline's forest adds them up in the trees' order."""
    from trainer.pipeline import build_pipeline

    rng = np.random.default_rng(0)
    X = rng.random((600, 20))
    y = rng.choice(HOME_TYPES, 600)
    pipeline = build_pipeline(np.arange(600) // 6, random_state=0, n_jobs=2).fit(X, y)
    forest = pipeline.named_steps["classifier"].calibrated_classifiers_[0].estimator
    in_order = np.zeros((600, len(HOME_TYPES)))
    for tree in forest.estimators_:
        in_order += tree.predict_proba(X)
    in_order /= len(forest.estimators_)
    for _ in range(5):
        assert np.array_equal(forest.predict_proba(X), in_order)


def _old_set(run: Any) -> dict[str, bytes]:
    """A previous training run's four files at ``run``'s paths, as they are on disk."""
    run.output.parent.mkdir(parents=True, exist_ok=True)
    run.output.write_bytes(b"old model")
    sha256_path(run.output).write_text(sha256_line(b"old model", run.output.name))
    joblib.dump({"fitted": "old"}, run.sklearn_path)
    run.results_path.write_text('{"model_version": "old"}')
    return {path.name: path.read_bytes() for path in run.output.parent.iterdir()}


def test_ctrl_c_waits_for_the_model_and_its_hash(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal while the files are renamed into place is held until all four are there."""
    import signal

    from trainer import train as training
    from trainer.runs import TrainingRun

    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right before each rename
        real_replace(source, target)

    run = TrainingRun(homes=tmp_path, output=tmp_path / "out" / "model.pkl")
    _old_set(run)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WrittenThenStopped):  # the command says the model was written
        training._write_artifacts(run, {"fitted": True}, b"new model", {"model_version": "v"})
    assert run.output.read_bytes() == b"new model"
    assert sha256_path(run.output).read_text() == sha256_line(b"new model", "model.pkl")
    assert joblib.load(run.sklearn_path) == {"fitted": True}
    assert json.loads(run.results_path.read_text()) == {"model_version": "v"}
    assert len(list(run.output.parent.iterdir())) == 4  # nothing staged is left

    def fails(source: Any, target: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", fails)  # not written: nothing said to be
    with pytest.raises(KeyboardInterrupt) as stopped:
        training._write_artifacts(run, {"fitted": True}, b"newer", {"model_version": "w"})
    assert not isinstance(stopped.value, WrittenThenStopped)


def test_a_ctrl_c_held_by_the_write_says_the_model_was_written(
        small_homes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Stopped by a Ctrl-C held until its files were all written, train said a bare
    "interrupted", as if it had changed nothing (found by a review of crash safety)."""
    model = tmp_path / "m" / "model.pkl"

    def written_then_stopped(run: Any) -> None:
        raise WrittenThenStopped(run.output)

    monkeypatch.setattr("trainer.train.run_training", written_then_stopped)
    code = trainer_in_process(monkeypatch, "train", "--synthetic-homes", str(small_homes),
                              "--output", str(model))
    assert code == 130
    assert (f"{model} and its files were written before the run stopped (its figures: "
            f"{tmp_path / 'm' / 'model_results.json'})") in " ".join(
                capsys.readouterr().err.split())


@pytest.mark.parametrize("failure", ["ctrl-c", "disk full"])
@pytest.mark.parametrize("at", range(4))
def test_a_write_that_fails_leaves_the_previous_model_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str, at: int) -> None:
    """A full disk (or Ctrl-C) while the files are written, before any is renamed: the previous
    set stays as it was, and no temporary file is left. Written one after another, a disk that
    filled up at the model left the old model beside the new hash, and the model that worked
    failed its check (found by a review of crash safety)."""
    import signal

    from custom_components.home_type.core.atomic import stage_replacement as real_stage
    from trainer import train as training
    from trainer.runs import TrainingRun

    staged: list[Path] = []

    def stage(path: Path, data: bytes) -> tuple[Path, Path]:
        if len(staged) == at:
            if failure == "ctrl-c":
                os.kill(os.getpid(), signal.SIGINT)
            else:
                raise OSError(errno.ENOSPC, "No space left on device")
        staged.append(path)
        return real_stage(path, data)

    run = TrainingRun(homes=tmp_path, output=tmp_path / "out" / "model.pkl")
    before = _old_set(run)
    monkeypatch.setattr(training, "stage_replacement", stage)
    with pytest.raises(KeyboardInterrupt if failure == "ctrl-c" else OSError):
        training._write_artifacts(run, {"fitted": True}, b"new model", {"model_version": "v"})
    assert {path.name: path.read_bytes() for path in run.output.parent.iterdir()} == before


@pytest.mark.parametrize("renamed", range(4))
def test_a_crash_among_the_renames_leaves_no_model_or_the_whole_new_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renamed: int) -> None:
    """SIGKILL or a power cut after any rename: whenever a model is there, its hash and its
    results are its own (the results were renamed after the model, and a crash between left
    the new model beside the old figures, which publish then refused)."""
    from custom_components.home_type.core.model import ModelMissingError, read_verified
    from trainer import train as training
    from trainer.runs import TrainingRun

    class Crash(BaseException):
        """The process ends here: nothing after it runs, no clean-up either."""

    real_replace = os.replace
    done: list[str] = []

    def replace(source: Any, target: Any) -> None:
        if len(done) == renamed:
            raise Crash
        real_replace(source, target)
        done.append(str(target))

    run = TrainingRun(homes=tmp_path, output=tmp_path / "out" / "model.pkl")
    _old_set(run)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Crash):
        training._write_artifacts(run, {"fitted": True}, b"new model", {"model_version": "v"})
    monkeypatch.setattr(os, "replace", real_replace)
    try:
        read_verified(run.output)
    except ModelMissingError:
        return  # no model: nothing trusts the wrong files
    assert run.output.read_bytes() == b"new model"
    assert json.loads(run.results_path.read_text()) == {"model_version": "v"}


def test_training_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    """``kill -9`` while a run wrote left its temporary files (a whole copy of the model, say),
    which no later run removed. The next run to write the folder removes them, and nothing
    else that is not its own."""
    from trainer import train as training
    from trainer.runs import TrainingRun

    run = TrainingRun(homes=tmp_path, output=tmp_path / "out" / "model.pkl")
    run.output.parent.mkdir()
    left = [run.output.parent / f".{path.name}.a1b2c3d4.tmp" for path in run.written]
    kept = [run.output.parent / name for name in (
        ".other.pkl.a1b2c3d4.tmp", ".model.pkl.a1b2c3d4.tmp.bak", "notes.txt")]
    for path in left + kept:
        path.write_bytes(b"x")
    training._write_artifacts(run, {"fitted": True}, b"new model", {"model_version": "v"})
    assert sorted(p.name for p in run.output.parent.iterdir()) == sorted(
        [p.name for p in run.written] + [p.name for p in kept])


def test_a_copied_home_file_is_refused(small_homes: Path, tmp_path: Path) -> None:
    """A copy would count as another home in the figures and the provenance. Homes of two
    runs merged into one folder share ids too: the line says so (found by a review, which
    read "remove the copy" of two different homes)."""
    from trainer import train as training
    from trainer.dataset import DatasetError
    from trainer.runs import no_progress

    for name in ("home_001.json.gz", "home_002.json.gz"):
        (tmp_path / name).write_bytes((small_homes / name).read_bytes())
    (tmp_path / "home_003.json.gz").write_bytes((small_homes / "home_001.json.gz").read_bytes())
    with pytest.raises(DatasetError) as caught:
        training.read_evaluation_homes(tmp_path, 1, no_progress)
    assert str(caught.value) == (
        f"{tmp_path / 'home_001.json.gz'} and {tmp_path / 'home_003.json.gz'} are both home "
        "home_001: a home may be in a folder once; remove the copy (homes of two runs of "
        "generate share ids: keep each run's in a folder of its own)")
    (tmp_path / "home_003.json.gz").unlink()
    assert len(training.read_evaluation_homes(tmp_path, 1, no_progress)) == 2
    # Two exports of one second: anonymised, two homes share "home_<moment>".
    for name in ("home_001.json.gz", "home_002.json.gz"):
        home = read_snapshot(tmp_path / name)
        home.home_id = "home_20250315T120000Z"
        home.metadata = {**home.metadata, "generator": "home_assistant_export"}
        write_snapshot(home, tmp_path / name)
    with pytest.raises(DatasetError, match=r"remove the copy \(two homes anonymised in the same "
                                           r"second share one too: then give one file another "
                                           r"home_id\)$"):
        training.read_evaluation_homes(tmp_path, 1, no_progress)


def test_a_folder_of_two_simulations_is_refused(small_homes: Path, tmp_path: Path) -> None:
    """generate makes procedural homes of another simulator version again one by one, so a run
    cut short leaves a folder of two simulations: no model may learn from it or be scored on it.
    An LLM home is kept whatever simulated it, and counts for none."""
    from trainer import train as training
    from trainer.dataset import DatasetError
    from trainer.generate.simulate import SIMULATOR_VERSION
    from trainer.runs import no_progress

    for name in ("home_001.json.gz", "home_002.json.gz"):
        (tmp_path / name).write_bytes((small_homes / name).read_bytes())
    second = tmp_path / "home_002.json.gz"
    document = json.loads(gzip.decompress(second.read_bytes()))
    assert document["metadata"]["generator"] == "procedural"

    rewrite_home(second, document, simulator_version=SIMULATOR_VERSION - 1)
    for train in (True, False):
        with pytest.raises(DatasetError) as caught:
            training.read_rows(tmp_path, 1, 0, 1, no_progress, "reading", train=train)
        assert str(caught.value) == (
            f"{tmp_path}: procedural homes of simulator versions {SIMULATOR_VERSION - 1} and "
            f"{SIMULATOR_VERSION}, as a generate run cut short while making them again leaves "
            "them: run generate again with the same flags to finish")
    rewrite_home(second, document, simulator_version=SIMULATOR_VERSION - 1, generator="openai")
    assert len(training.read_evaluation_homes(tmp_path, 1, no_progress)) == 2


def test_homes_too_few_for_the_calibration_folds_are_refused_in_one_line() -> None:
    """Three homes, three calibration folds: the one holding out the studio trains on condos
    alone, where scikit-learn failed with "need classifier with two classes"."""
    from trainer.dataset import DatasetError, Rows
    from trainer.train import fit_rows

    rows = Rows(X=np.zeros((6, 4)), y=np.array(["condo"] * 4 + ["studio"] * 2),
                groups=np.array(["h1", "h1", "h2", "h2", "h3", "h3"]), windows=np.full(6, -1))
    with pytest.raises(DatasetError, match=r"^too few homes to train on \(2 condo, 1 studio\): "):
        fit_rows(rows, seed=1, n_jobs=1)


#: Root reads every folder: the test drops that right for the trainer it starts (util-linux's
#: setpriv), so it runs as CI runs it too.
_UNPRIVILEGED = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
                  "--inh-caps=-all"] if os.geteuid() == 0 else [])


@pytest.mark.skipif(os.geteuid() == 0 and not any(
    (Path(folder) / "setpriv").exists() for folder in ("/usr/bin", "/bin")),
    reason="root without setpriv reads any folder")
@pytest.mark.parametrize("command", ["train", "evaluate", "curve"])
@pytest.mark.parametrize(("mode", "unread"), [(0o000, "{folder}"),
                                              (0o644, "{folder}/home_001.json.gz")])
def test_a_folder_the_user_may_not_read_is_one_line(small_homes: Path, tmp_path: Path,
                                                    command: str, mode: int,
                                                    unread: str) -> None:
    """A folder without read (000) or search (644) permission: evaluate and curve ended in
    a PermissionError's traceback, and train said it could not *write* the folder."""
    folder = tmp_path / "homes"
    folder.mkdir()
    (folder / "home_001.json.gz").write_bytes(next(iter(iter_home_files(small_homes))).read_bytes())
    homes = {"train": ["--synthetic-homes", str(folder), "--output", str(tmp_path / "m.pkl")],
             "evaluate": ["--model", str(BUNDLED), "--homes", str(folder)],
             "curve": ["--synthetic-homes", str(folder), "--evaluation-homes", str(folder),
                       "--sizes", "1", "--output", str(tmp_path / "c.json")]}[command]
    folder.chmod(mode)
    try:
        run = subprocess.run([*_UNPRIVILEGED, sys.executable, "-m", "trainer", command, *homes],
                             cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    finally:
        folder.chmod(0o755)
    assert (run.returncode, run.stdout, run.stderr) == (
        2, "", f"error: {unread.format(folder=folder)}: cannot read it (Permission denied)\n")


def test_exports_trained_on_are_seen_and_others_are_not(tmp_path: Path) -> None:
    """Exports of real homes have no seed: only the very home trained on counts as seen."""
    from trainer.dataset import DatasetError, HomeRows
    from trainer.train import provenance, refuse_shared_seeds

    def homes(*ids: str, seed: object = None) -> list[HomeRows]:
        return [HomeRows(label="studio", home_id=home_id, seed=seed,
                         generator="home_assistant_export", days=10, train=[], test=[])
                for home_id in ids]

    trained = provenance([*homes("home_001", seed=7), *homes("home_20250315T120000Z")],
                         tmp_path / "train")
    assert trained["seeds"] == ["7", "home home_20250315T120000Z"]
    refuse_shared_seeds(trained, provenance(homes("home_20250316T120000Z"), tmp_path / "e"))
    with pytest.raises(DatasetError, match="share home home_20250315T120000Z with the "
                                           "training homes"):
        refuse_shared_seeds(trained, provenance(homes("home_20250315T120000Z"), tmp_path / "e"))
