"""Bootstrap intervals: the same scores as scikit-learn on each resample, and honest widths."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from sklearn.metrics import accuracy_score, f1_score

from trainer.metrics import (
    CONFIDENCE_LEVELS,
    bootstrap_intervals,
    by_confidence,
    classification_metrics,
    confidence_table,
    counted_classes,
    per_window,
    summary_table,
    weighted_scores,
)

LABELS = ["a", "b", "c", "d", "e"]


def _predictions(n: int, right: float, seed: int) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
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
        assert macro_f1[i] == pytest.approx(f1_score(  # scikit-learn's labels: those seen
            y_true[draw], y_pred[draw], average="macro", zero_division=0))


def test_weighted_scores_skip_types_a_resample_lacks() -> None:
    y_true = np.array(["a", "a", "b", "c"])
    y_pred = np.array(["a", "a", "b", "a"])
    weights = np.array([[1.0, 1.0, 1.0, 0.0],   # c drawn neither as truth nor as answer
                        [1.0, 0.0, 0.0, 1.0]])  # c missed: F1 0 for it, and b is not there
    accuracy, macro_f1 = weighted_scores(y_true, y_pred, LABELS, weights)
    assert macro_f1.tolist() == pytest.approx([1.0, (2 / 3 + 0.0) / 2])
    assert accuracy.tolist() == pytest.approx([1.0, 0.5])  # out of the homes drawn, not all


def test_macro_figures_count_only_types_among_homes_or_answers() -> None:
    """Three homes, all right: a perfect score, not 2/5 for the three types it never saw."""
    y_true = np.array(["a", "b", "b"])
    m = classification_metrics(y_true, y_true, LABELS)
    assert m["accuracy"] == m["macro_f1"] == m["macro_precision"] == m["macro_recall"] == 1.0
    assert m["intervals_95"]["macro_f1"] == [1.0, 1.0]
    assert set(counted_classes(m)) == {"a", "b"}
    assert m["per_class"]["e"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0,
                                   "predicted": 0}  # every type keeps its row
    assert "1.00 (a)" in _text(summary_table("t", {"10d": m}))  # not 0.00 of an absent type

    # Answering a type that is not there is an error, and counts: precision 0 for "c".
    wrong = classification_metrics(y_true, np.array(["a", "b", "c"]), LABELS)
    assert set(counted_classes(wrong)) == {"a", "b", "c"}
    assert wrong["per_class"]["c"]["predicted"] == 1
    assert wrong["macro_precision"] == pytest.approx((1.0 + 1.0 + 0.0) / 3)
    assert wrong["macro_f1"] == pytest.approx(f1_score(
        y_true, ["a", "b", "c"], average="macro", zero_division=0))
    table = summary_table("t", {"10d": wrong})
    assert "0.00 (c)" in _text(table)


def test_matrix_rows_are_true_types_and_a_type_never_answered_scores_zero() -> None:
    """Three "a" homes answered right, the one "b" home answered "a" too."""
    m = classification_metrics(np.array(["a", "a", "a", "b"]), np.array(["a"] * 4),
                               ["a", "b", "c"])
    assert m["confusion_matrix"]["rows_true_columns_predicted"] == [[3, 0, 0], [1, 0, 0],
                                                                    [0, 0, 0]]
    assert m["per_class"]["a"] == pytest.approx({"precision": 0.75, "recall": 1.0,
                                                 "f1": 6 / 7, "support": 3, "predicted": 4})
    assert m["per_class"]["b"]["predicted"] == 0
    # "b" is among the homes but never answered: 0 for it, not scikit-learn's undefined 0/0
    assert m["macro_precision"] == pytest.approx((0.75 + 0.0) / 2)
    assert m["macro_recall"] == pytest.approx((1.0 + 0.0) / 2)
    assert m["macro_f1"] == pytest.approx((6 / 7 + 0.0) / 2)
    assert m["weighted_f1"] == pytest.approx((3 * 6 / 7 + 1 * 0.0) / 4)  # weighted by homes
    assert "0.00 (b)" in _text(summary_table("t", {"10d": m}))


def test_per_window_scores_each_window_on_its_own_rows() -> None:
    y_true = np.array(["a", "b", "a", "b", "b"])
    y_pred = np.array(["a", "b", "b", "b", "a"])
    windows = np.array([-1, -1, 10, 10, 10])
    by_window = per_window(y_true, y_pred, windows, ["a", "b"])
    assert list(by_window) == ["none", "10d"]
    assert [m["homes"] for m in by_window.values()] == [2, 3]
    assert by_window["none"]["accuracy"] == 1.0
    assert by_window["10d"]["accuracy"] == pytest.approx(1 / 3)


def test_old_results_count_types_by_their_homes() -> None:
    """Results files from before ``predicted`` was stored: a type counts if it had homes."""
    per_class = {"a": {"precision": 1.0, "support": 2}, "b": {"precision": 0.0, "support": 0}}
    assert list(counted_classes({"per_class": per_class})) == ["a"]


def _text(table: Table) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


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


def test_interval_spans_95_percent() -> None:
    """320 of 400 homes right: about 0.8 ± 1.96 standard errors, not a 90 % or 99 % span."""
    y_true = np.array(["a"] * 400)
    y_pred = np.array(["a"] * 320 + ["b"] * 80)
    low, high = bootstrap_intervals(y_true, y_pred, LABELS)["accuracy"]
    assert high - low == pytest.approx(2 * 1.96 * np.sqrt(0.8 * 0.2 / 400), rel=0.06)
    assert low == pytest.approx(0.8 - 1.96 * 0.02, abs=0.005)


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
    # The default draws, pinned: the results files' intervals are reproduced by them, and a
    # change of seed or of the way homes are drawn would quietly give others.
    intervals = bootstrap_intervals(y_true, y_pred, LABELS)
    assert intervals["accuracy"] == [0.72, 0.88]
    assert intervals["macro_f1"] == pytest.approx([0.692035842290575, 0.8610417815084975],
                                                  abs=1e-12)


def test_by_confidence_counts_the_answers_that_reach_each_level() -> None:
    """At each level: the answers at or above it, their share of all, and how many are right;
    a level no answer reaches has no accuracy rather than a made-up one."""
    y_true = np.array(["a", "b", "c", "d", "e"])
    y_pred = np.array(["a", "b", "x", "d", "x"])
    confidence = np.array([0.95, 0.7, 0.7, 0.45, 0.3])
    levels = {level["at_least"]: level for level in by_confidence(y_true, y_pred, confidence)}
    assert list(levels) == list(CONFIDENCE_LEVELS)
    assert levels[0.3] == {"at_least": 0.3, "homes": 5, "share": 1.0, "accuracy": 0.6}
    assert levels[0.5] == {"at_least": 0.5, "homes": 3, "share": 0.6, "accuracy": 2 / 3}
    assert levels[0.7] == {"at_least": 0.7, "homes": 3, "share": 0.6, "accuracy": 2 / 3}
    assert levels[0.8] == {"at_least": 0.8, "homes": 1, "share": 0.2, "accuracy": 1.0}
    assert levels[0.9]["homes"] == 1
    empty = by_confidence(y_true, y_pred, np.full(5, 0.1))
    assert all(level["homes"] == 0 and level["accuracy"] is None for level in empty)
    assert by_confidence(y_true[:0], y_pred[:0], confidence[:0])[0]["share"] == 0.0


def test_confidence_table_shows_each_level() -> None:
    levels = by_confidence(np.array(["a", "b"]), np.array(["a", "a"]), np.array([0.85, 0.5]))
    table = confidence_table("trust", levels)
    rows = {row[0]: row[1:] for row in zip(*(column._cells for column in table.columns),
                                            strict=True)}
    assert list(rows) == ["30%", "40%", "50%", "60%", "70%", "80%", "90%"]
    assert rows["50%"] == ("2", "100%", "0.500")
    assert rows["80%"] == ("1", "50%", "1.000")
    assert rows["90%"] == ("0", "0%", "n/a")
