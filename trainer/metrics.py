"""Metrics in one shape for every report: overall, per class, confusion matrix, per window."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from rich.table import Table
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)

#: Resamples of the percentile bootstrap, and the share of them an interval spans.
BOOTSTRAP_ROUNDS: Final = 2000
INTERVAL: Final = 0.95

#: Where reports tell how many answers reach a confidence and how many of those are right.
CONFIDENCE_LEVELS: Final = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def weighted_scores(y_true: NDArray[Any], y_pred: NDArray[Any], labels: Sequence[str],
                    weights: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Accuracy and macro F1 for each row of ``weights`` (how often each home is counted).

    Macro F1 averages the labels a resample has among its true or predicted types, as
    ``f1_score(zero_division=0)`` without ``labels`` does (see :func:`counted_classes`).
    """
    index = {label: i for i, label in enumerate(labels)}
    true = np.array([index[str(v)] for v in y_true], dtype=np.int64)
    pred = np.array([index.get(str(v), -1) for v in y_pred], dtype=np.int64)
    classes = np.arange(len(labels))
    is_true = (true[:, None] == classes).astype(np.float64)
    is_pred = (pred[:, None] == classes).astype(np.float64)
    accuracy = weights @ (true == pred).astype(np.float64) / weights.sum(axis=1)
    tp = weights @ (is_true * is_pred)
    denominator = weights @ is_true + weights @ is_pred  # 2 TP + FP + FN
    counted = denominator > 0
    f1 = np.divide(2.0 * tp, denominator, out=np.zeros_like(tp), where=counted)
    macro_f1 = np.divide(f1.sum(axis=1), counted.sum(axis=1),
                         out=np.zeros(len(f1)), where=counted.any(axis=1))
    return accuracy, macro_f1


def bootstrap_intervals(y_true: NDArray[Any], y_pred: NDArray[Any], labels: Sequence[str],
                        rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> dict[str, list[float]]:
    """95 % percentile-bootstrap intervals of accuracy and macro F1, resampling homes.

    With a hundred evaluation homes and five of some types, one home moves accuracy by 0.01
    and a class's precision by 0.2: a figure without its interval invites reading noise as
    progress. Each resample draws as many homes as there are, with replacement (multinomial
    weights, so all rounds are a few matrix products).
    """
    n = len(y_true)
    if n == 0:
        return {"accuracy": [0.0, 0.0], "macro_f1": [0.0, 0.0]}
    weights = np.random.default_rng(seed).multinomial(
        n, np.full(n, 1.0 / n), size=rounds).astype(np.float64)
    accuracy, macro_f1 = weighted_scores(y_true, y_pred, labels, weights)
    tail = 100.0 * (1.0 - INTERVAL) / 2.0
    return {name: [float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))]
            for name, values in (("accuracy", accuracy), ("macro_f1", macro_f1))}


def window_name(days: int) -> str:
    """How a history window is called in reports: ``none`` or ``10d``."""
    return "none" if days < 0 else f"{days}d"


def counted_classes(metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-class figures of the types among the homes or among the answers.

    A type that is neither (two of eight in a folder of three homes; one in a cross-validation
    fold of twenty) has no precision, recall or F1 to speak of: counting it as 0 sank macro F1
    and the lowest class precision for the size of the folder, not for any error. A type that
    was answered but is absent scores precision 0 (each of those answers was wrong), and one
    that is present but never answered scores 0 too. This is scikit-learn's own rule when no
    ``labels`` are given. Results files written before ``predicted`` was stored count a type
    by its homes alone.
    """
    return {label: c for label, c in metrics["per_class"].items()
            if c["support"] > 0 or c.get("predicted", 0) > 0}


def classification_metrics(y_true: NDArray[Any], y_pred: NDArray[Any],
                           labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, F1, precision, recall, per-class figures and the confusion matrix.

    Every label has its row and its column; the macro averages take those of
    :func:`counted_classes`.
    """
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    predicted = matrix.sum(axis=0)
    counted = [label for label, s, p in zip(labels, support, predicted, strict=True)
               if s > 0 or p > 0]

    def macro(score: Callable[..., Any]) -> float:
        return float(score(y_true, y_pred, labels=counted, average="macro", zero_division=0))

    return {
        "homes": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": macro(f1_score),
        "weighted_f1": float(f1_score(y_true, y_pred, labels=labels, average="weighted",
                                      zero_division=0)),
        "macro_precision": macro(precision_score),
        "macro_recall": macro(recall_score),
        "intervals_95": bootstrap_intervals(y_true, y_pred, labels),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f),
                    "support": int(s), "predicted": int(n)}
            for label, p, r, f, s, n in zip(labels, precision, recall, f1, support, predicted,
                                            strict=True)
        },
        "confusion_matrix": {
            "labels": labels,
            "rows_true_columns_predicted": matrix.tolist(),
        },
    }


def per_window(y_true: NDArray[Any], y_pred: NDArray[Any], windows: NDArray[Any],
               labels: Sequence[str]) -> dict[str, dict[str, Any]]:
    """:func:`classification_metrics` for each history window of the rows."""
    return {
        window_name(int(days)): classification_metrics(y_true[windows == days],
                                                       y_pred[windows == days], labels)
        for days in sorted(set(windows.tolist()))
    }


def by_confidence(y_true: NDArray[Any], y_pred: NDArray[Any],
                  confidence: NDArray[np.float64]) -> list[dict[str, Any]]:
    """For each of :data:`CONFIDENCE_LEVELS`: the answers at or above it, and their accuracy.

    The sensor shows its confidence, and an automation may act only above a threshold: this
    says what a threshold buys -- how many homes still get an answer, how many of those are
    right -- measured, rather than trusting the calibration to mean it.
    """
    total = len(y_true)
    levels = []
    for level in CONFIDENCE_LEVELS:
        reached = confidence >= level
        homes = int(reached.sum())
        levels.append({
            "at_least": level, "homes": homes, "share": homes / total if total else 0.0,
            "accuracy": float(np.mean(y_pred[reached] == y_true[reached])) if homes else None})
    return levels


def confidence_table(title: str, levels: list[dict[str, Any]]) -> Table:
    """:func:`by_confidence` as a table: level, homes answered, and how many of those right."""
    table = Table(title=title)
    for column in ("confidence at least", "homes", "share", "accuracy"):
        table.add_column(column, justify="right")
    for level in levels:
        accuracy = level["accuracy"]
        table.add_row(f"{level['at_least']:.0%}", str(level["homes"]), f"{level['share']:.0%}",
                      "n/a" if accuracy is None else f"{accuracy:.3f}")
    return table


def summary_table(title: str, by_window: dict[str, dict[str, Any]],
                  baselines: dict[str, float] | None = None) -> Table:
    """One row per window: accuracy, macro F1, weighted F1, lowest class precision."""
    table = Table(title=title)
    for column in ("history", "homes", "accuracy (95 % interval)", "macro F1 (95 % interval)",
                   "weighted F1", "lowest class precision"):
        table.add_column(column, justify="right" if column != "history" else "left")
    for name, m in by_window.items():
        worst = min(counted_classes(m).items(), key=lambda kv: kv[1]["precision"],
                    default=("none", {"precision": 0.0}))
        figures = []
        for key in ("accuracy", "macro_f1"):
            low, high = m.get("intervals_95", {}).get(key) or (None, None)
            figures.append(f"{m[key]:.3f}" + (f" [dim]({low:.2f}–{high:.2f})[/dim]"
                                               if low is not None else ""))
        table.add_row(name, str(m["homes"]), *figures, f"{m['weighted_f1']:.3f}",
                      f"{worst[1]['precision']:.2f} ({worst[0]})")
    for name, value in (baselines or {}).items():
        table.add_row(f"[dim]{name}[/dim]", "", f"[dim]{value:.3f}[/dim]", "", "", "")
    return table


def class_table(title: str, metrics: dict[str, Any]) -> Table:
    """Per-class precision, recall, F1 and support, then the confusion matrix."""
    labels = metrics["confusion_matrix"]["labels"]
    matrix = metrics["confusion_matrix"]["rows_true_columns_predicted"]
    table = Table(title=title)
    table.add_column("true \\ predicted")
    short = [label.replace("single_family_house", "single_fam.").replace("ranch_house",
             "ranch").replace("multi_story", "multi_st.") for label in labels]
    for name in short:
        table.add_column(name, justify="right")
    for column in ("precision", "recall", "F1", "homes"):
        table.add_column(column, justify="right")
    for label, row in zip(labels, matrix, strict=True):
        pc = metrics["per_class"][label]
        table.add_row(label, *(str(v) for v in row), f"{pc['precision']:.2f}",
                      f"{pc['recall']:.2f}", f"{pc['f1']:.2f}", str(pc["support"]))
    return table
