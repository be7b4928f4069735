"""The training protocol's steps in-process, on hand-built rows: who is fitted on what.

The training tests of test_train.py run the whole command and check what it writes; these check
the steps a figure depends on -- no home's rows on both sides of a split, baselines fitted on
training rows, targets met at their bound -- without fitting a forest (except the last one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from custom_components.home_type.core.features import FEATURE_NAMES
from custom_components.home_type.core.model import model_from_bundle
from trainer import train
from trainer.dataset import EVALUATION_WINDOWS, NO_HISTORY, WINDOWS, HomeRows, stack
from trainer.runs import TrainingRun

N = len(FEATURE_NAMES)


def _homes(per_label: int = 5, labels: tuple[str, ...] = ("a", "b")) -> list[HomeRows]:
    rng = np.random.default_rng(0)

    def rows(windows: tuple[int | None, ...]) -> list[tuple[NDArray[np.float64], int]]:
        return [(rng.random(N), -1 if w is None else w) for w in windows]

    return [HomeRows(label, f"{label}{i}", 7, "procedural", 14, rows(WINDOWS),
                     rows(EVALUATION_WINDOWS))
            for label in labels for i in range(per_label)]


class _Recorder:
    """Stands in for :func:`trainer.train.fit_rows`: remembers each fit's homes and scored rows."""

    def __init__(self) -> None:
        self.fitted: list[set[str]] = []
        self.scored: list[tuple[set[str], set[int]]] = []

    def __call__(self, rows: Any, seed: int, n_jobs: int, min_samples_leaf: int) -> Any:
        self.fitted.append(set(rows.groups.tolist()))
        return self

    def predict(self, X: NDArray[np.float64]) -> NDArray[np.str_]:
        rows = self.rows
        mask = np.isin(rows.X, X).all(axis=1)
        self.scored.append((set(rows.groups[mask].tolist()), set(rows.windows[mask].tolist())))
        return np.full(len(X), "a")

    rows: Any = None


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    fit = _Recorder()
    monkeypatch.setattr(train, "fit_rows", fit)
    return fit


def _run(**kwargs: Any) -> TrainingRun:
    return TrainingRun(homes=Path("homes"), output=Path("m.pkl"), n_jobs=1, **kwargs)


def test_holdout_fits_on_other_homes_and_scores_their_evaluation_rows(
        recorder: _Recorder) -> None:
    homes = _homes()
    train_rows, test_rows = stack(homes, "train"), stack(homes, "test")
    recorder.rows = test_rows
    result, held_out = train._holdout(_run(test_size=0.4, seed=3), homes, train_rows, test_rows,
                                      ["a", "b"])
    assert len(held_out) == 4 and (result["homes_train"], result["homes_test"]) == (6, 4)
    assert recorder.fitted == [{h.home_id for h in homes} - held_out]
    assert recorder.scored == [(held_out, {-1, 1, 10, 90})]
    assert list(result["by_window"]) == ["none", "1d", "10d", "90d"]


def test_cross_validation_fits_each_fold_without_its_homes(recorder: _Recorder) -> None:
    homes = _homes()
    train_rows, test_rows = stack(homes, "train"), stack(homes, "test")
    recorder.rows = test_rows
    cv = train._cross_validate(_run(cv_folds=5), homes, train_rows, test_rows, ["a", "b"])
    everyone = {h.home_id for h in homes}
    assert cv["folds"] == len(recorder.fitted) == 5
    scored = [home_ids for home_ids, _ in recorder.scored]
    for fitted, fold in zip(recorder.fitted, scored, strict=True):
        assert fitted == everyone - fold and len(fold) == 2
    assert set().union(*scored) == everyone
    assert {w for _, windows in recorder.scored for w in windows} == {10}
    assert cv["accuracy_mean"] == pytest.approx(0.5)  # "a" answered for every home


def test_baselines_are_learned_on_training_rows() -> None:
    """Majority and stump come from the training rows of the 10-day window, and are scored on
    the test rows; of two features that score alike, the first is named."""
    def rows(feature: list[float], labels: list[str]) -> Any:
        homes = []
        for i, (value, label) in enumerate(zip(feature, labels, strict=True)):
            vector = np.zeros(N)
            vector[:2] = value  # a second feature alike: the first is reported
            # Rows of no history that say the opposite: not the window the stump learns on.
            contrary = np.zeros(N)
            contrary[:2] = 10.0 - value
            homes.append(HomeRows(label, f"h{i}", 7, "", 14, [],
                                  [(vector, 10), (contrary, NO_HISTORY)]))
        return stack(homes, "test")

    training = rows([0.0, 0.0, 0.0, 10.0], ["a", "a", "a", "b"])
    testing = rows([20.0, 30.0, 30.0], ["a", "b", "b"])  # a threshold of 5 calls all "b"
    baselines = train._baselines(training, testing)
    assert baselines["majority_class"] == {"label": "a", "accuracy": pytest.approx(1 / 3)}
    stump = baselines["best_single_feature_stump"]
    assert stump == {"feature": FEATURE_NAMES[0], "threshold": 5.0,
                     "accuracy": pytest.approx(2 / 3)}


def _window(accuracy: float, macro_f1: float, precision: float) -> dict[str, Any]:
    return {"accuracy": accuracy, "macro_f1": macro_f1, "per_class": {
        "a": {"precision": precision, "support": 1, "predicted": 1},
        "z": {"precision": 0.0, "support": 0, "predicted": 0}}}  # no homes, no answers


def test_targets_are_met_at_their_bound_and_count_only_present_types() -> None:
    results: dict[str, Any] = {
        "holdout": {"by_window": {"10d": _window(0.5, 0.5, 0.5), "none": {"accuracy": 0.5}}},
        "evaluation": {"by_window": {"10d": _window(0.90, 0.88, 0.80),
                                     "none": {"accuracy": 0.80}}},
        "baselines": {"best_single_feature_stump": {"accuracy": 0.60}},
        "model_size_bytes": 2_000_000,
    }
    train.refresh_targets(results)
    targets = results["targets"]
    assert targets["min_class_precision_10d"]["measured"] == 0.80
    assert all(t["met"] for t in targets.values()), targets
    results["baselines"]["best_single_feature_stump"]["accuracy"] = 0.61
    results["model_size_bytes"] = 2_000_001
    results["evaluation"] = None  # the held-out homes are the headline then
    train.refresh_targets(results)
    assert not any(t["met"] for t in results["targets"].values()), results["targets"]


def test_a_compiled_model_unlike_scikit_learn_is_not_written(
        small_homes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """2e-9 apart on one probability is too far: training stops before writing a file."""
    compile_model = model_from_bundle

    class Off:
        def __init__(self, bundle: dict[str, Any], name: str) -> None:
            self.model = compile_model(bundle, name)

        def predict_proba(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
            probabilities = self.model.predict_proba(X)
            probabilities[:, 0] += 2e-9
            return probabilities

    monkeypatch.setattr(train, "model_from_bundle", Off)
    monkeypatch.setattr(train, "_holdout",  # fits skipped; the check runs on two homes' rows
                        lambda run, homes, *rest: ({}, {h.home_id for h in homes[:2]}))
    monkeypatch.setattr(train, "_cross_validate", lambda *args: {})
    output = tmp_path / "m.pkl"
    with pytest.raises(RuntimeError, match="compiled model differs from scikit-learn by 2e-09"):
        train.run_training(TrainingRun(homes=small_homes, output=output, copies=1, n_jobs=1))
    assert not list(tmp_path.iterdir())


def test_evaluation_homes_of_a_type_training_lacks_are_scored(
        small_homes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A type only the evaluation homes have gets its per-class row (never right, support 1),
    rather than a KeyError after every fit is done. Real types: the bundle is really built."""
    types = ("apartment", "condo")
    evaluation = [HomeRows(h.label, h.home_id, 8, h.generator, h.days, [], h.test)
                  for h in _homes(per_label=1, labels=types)]
    evaluation.append(HomeRows("studio", "s0", 8, "procedural", 14, [], evaluation[0].test))

    def read_rows(*args: Any, train: bool = True, **kwargs: Any) -> list[HomeRows]:
        return _homes(labels=types) if train else evaluation

    monkeypatch.setattr(train, "read_rows", read_rows)
    monkeypatch.setattr(train, "_holdout", lambda run, homes, *rest: ({}, set()))
    monkeypatch.setattr(train, "_cross_validate", lambda *args: {})
    results = train.run_training(TrainingRun(
        homes=small_homes, evaluation_homes=small_homes, output=tmp_path / "m.pkl", copies=1,
        n_jobs=1))
    ten = results["evaluation"]["by_window"]["10d"]
    assert ten["confusion_matrix"]["labels"] == ["apartment", "condo", "studio"]
    assert ten["per_class"]["studio"]["support"] == 1
    assert ten["per_class"]["studio"]["recall"] == 0.0
    assert ten["homes"] == 3


def test_every_fit_of_a_run_holds_its_leaves_to_min_samples_leaf(
        small_homes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--min-samples-leaf`` keeps a model trained on many homes small: the held-out split's,
    each fold's and the final fit all use it (a fold fitted with the default would score a
    model other than the one shipped), the kept pipeline's trees hold it, and the protocol
    records it."""
    import joblib

    from trainer import pipeline

    leaf_sizes: list[int] = []
    real_build = pipeline.build_pipeline

    def build_pipeline(*args: Any) -> Any:
        leaf_sizes.append(args[3])
        return real_build(*args)

    monkeypatch.setattr(train, "build_pipeline", build_pipeline)
    run = TrainingRun(homes=small_homes, output=tmp_path / "m.pkl", test_size=0.5, copies=1,
                      cv_folds=2, n_jobs=1, min_samples_leaf=30)
    results = train.run_training(run)
    assert leaf_sizes == [30] * (1 + results["cross_validation"]["folds"] + 1)
    assert results["protocol"]["min_samples_leaf"] == 30
    (calibrated,) = joblib.load(run.sklearn_path).named_steps["classifier"].calibrated_classifiers_
    for tree in calibrated.estimator.estimators_:
        leaves = tree.tree_.children_left == -1
        assert tree.tree_.n_node_samples[leaves].min() >= 30
