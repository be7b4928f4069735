"""Bootstrap intervals: the same scores as scikit-learn on each resample, and honest widths."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from trainer.metrics import bootstrap_intervals, classification_metrics, weighted_scores

LABELS = ["a", "b", "c", "d", "e"]


def _predictions(n: int, right: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y_true = rng.choice(LABELS, n)
    y_pred = np.where(rng.random(n) < right, y_true, rng.choice(LABELS, n))
    return y_true, y_pred


def test_weighted_scores_equal_sklearn_on_each_resample() -> None:
    y_true, y_pred = _predictions(60, 0.7, 1)
    rng = np.random.default_rng(2)
    draws = [rng.integers(0, 60, 60) for _ in range(20)]
    weights = np.array([np.bincount(d, minlength=60) for d in draws], dtype=np.float64)
    accuracy, macro_f1 = weighted_scores(y_true, y_pred, LABELS, weights)
    for i, draw in enumerate(draws):
        assert accuracy[i] == pytest.approx(accuracy_score(y_true[draw], y_pred[draw]))
        assert macro_f1[i] == pytest.approx(f1_score(
            y_true[draw], y_pred[draw], labels=LABELS, average="macro", zero_division=0))


def test_interval_holds_the_figure_and_narrows_with_more_homes() -> None:
    widths = []
    for n in (50, 200, 800):
        y_true, y_pred = _predictions(n, 0.8, n)
        m = classification_metrics(y_true, y_pred, LABELS)
        for name in ("accuracy", "macro_f1"):
            low, high = m["intervals_95"][name]
            assert low <= m[name] <= high
        widths.append(np.diff(m["intervals_95"]["accuracy"])[0])
    assert widths[0] > widths[1] > widths[2] > 0.0


def test_interval_of_a_perfect_and_of_a_hopeless_model() -> None:
    y_true, _ = _predictions(40, 1.0, 3)
    assert bootstrap_intervals(y_true, y_true, LABELS)["accuracy"] == [1.0, 1.0]
    wrong = np.array([LABELS[(LABELS.index(v) + 1) % 5] for v in y_true])
    assert bootstrap_intervals(y_true, wrong, LABELS) == {"accuracy": [0.0, 0.0],
                                                           "macro_f1": [0.0, 0.0]}


def test_intervals_repeat_with_the_seed() -> None:
    y_true, y_pred = _predictions(100, 0.75, 4)
    assert bootstrap_intervals(y_true, y_pred, LABELS) == bootstrap_intervals(
        y_true, y_pred, LABELS)
    assert bootstrap_intervals(y_true, y_pred, LABELS, seed=1) != bootstrap_intervals(
        y_true, y_pred, LABELS, seed=2)
