"""Learning curve: how the classifier's accuracy grows with the number of training homes.

The issue's targets are measured on the bundled model, trained on 1,000 homes
(``scripts/train``'s on 100). Whether missing them is a matter of data (more homes would close
the gap) or of the homes themselves (types that look the same in the registries, whatever the
amount) is what this answers: the same pipeline as ``train`` is fitted on stratified subsets of
growing size, several times each, and scored on homes of another seed. Nothing here picks a
model, so the evaluation homes stay unseen by any choice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from custom_components.home_type.core.features import FEATURE_VERSION
from custom_components.home_type.core.model import dumps_bundle

from .dataset import DEFAULT_WINDOW, NO_HISTORY, DatasetError, HomeRows, copies_text, stack
from .metrics import classification_metrics, counted_classes
from .runs import CurveRun, check_curve_run
from .train import (
    by_floor_registry,
    fit_rows,
    make_bundle,
    provenance,
    read_evaluation_homes,
    read_rows,
    refuse_shared_seeds,
    training_types,
    unfloored_rows,
)

#: History windows a curve point is scored on: structure only, and Home Assistant's default.
CURVE_WINDOWS = {"none": NO_HISTORY, "10d": DEFAULT_WINDOW}


def stratified_subset(labels: Sequence[str], size: int, rng: np.random.Generator) -> list[int]:
    """Indices of ``size`` homes, each label keeping its share (largest remainders).

    Every label gets at least one home, so a small subset still knows every type.
    """
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    if size < len(by_label) or size > len(labels):
        raise DatasetError(f"a subset of {size} homes cannot hold the {len(by_label)} types "
                           f"of {len(labels)} homes")
    quotas = {label: size * len(idx) / len(labels) for label, idx in by_label.items()}
    counts = {label: max(1, int(q)) for label, q in quotas.items()}
    for label in sorted(quotas, key=lambda k: int(quotas[k]) - quotas[k]):
        if sum(counts.values()) >= size:
            break
        if counts[label] < len(by_label[label]):
            counts[label] += 1
    while sum(counts.values()) > size:  # the at-least-one rule overshot: trim the largest
        counts[max(counts, key=lambda k: counts[k])] -= 1
    chosen: list[int] = []
    for label in sorted(by_label):
        chosen += [int(i) for i in rng.choice(by_label[label], counts[label], replace=False)]
    return sorted(chosen)


def model_file_bytes(model: Any, homes: list[HomeRows], folder: Path) -> int:
    """What the bundle of a fit would weigh: more homes grow more leaves; the issue allows 2 MB."""
    return len(dumps_bundle(make_bundle(model, homes, folder)))


def _summary(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)),
            "min": float(np.min(values)), "max": float(np.max(values))}


def learning_curve(run: CurveRun) -> dict[str, Any]:
    """Fit on subsets of each size ``repeats`` times; score each fit on the evaluation homes."""
    began = time.perf_counter()
    check_curve_run(run)
    sizes = sorted(set(run.sizes))
    homes = read_rows(run.homes, run.copies, run.seed, run.n_jobs, run.progress,
                      "reading training homes")
    types = len(training_types(homes, run.homes))
    if sizes[0] < types:  # a subset holds at least one home of each type
        raise DatasetError(f"--sizes: at least {types} homes, one of each type in {run.homes}")
    evaluation = read_evaluation_homes(run.evaluation_homes, run.n_jobs, run.progress)
    training_data = provenance(homes, run.homes)
    evaluation_data = provenance(evaluation, run.evaluation_homes)
    refuse_shared_seeds(training_data, evaluation_data)
    labels = sorted({h.label for h in homes} | {h.label for h in evaluation})
    test = stack(evaluation, "test")
    unfloored = unfloored_rows(evaluation)
    floor_groups: dict[str, int] = {}  # homes per group: the same for every fit
    points = []
    total = sum(1 if size == len(homes) else run.repeats for size in sizes)
    done = 0
    run.progress("fitting subsets", 0, total)
    for size in sizes:
        scores: dict[str, list[float]] = {}
        weakest: Counter[str] = Counter()
        repeats = 1 if size == len(homes) else run.repeats  # all homes: one subset only
        for repeat in range(repeats):
            rng = np.random.default_rng([run.seed, size, repeat])
            subset: list[HomeRows] = [homes[i] for i in stratified_subset(
                [h.label for h in homes], size, rng)]
            model = fit_rows(stack(subset, "train"), run.seed + repeat, run.n_jobs)
            scores.setdefault("model_bytes", []).append(
                model_file_bytes(model, subset, run.homes))
            for name, days in CURVE_WINDOWS.items():
                rows = test.select(test.windows == days)
                predicted = model.predict(rows.X)
                m = classification_metrics(rows.y, predicted, labels)
                present = {k: c["precision"] for k, c in counted_classes(m).items()}
                precision = min(present.values())
                scores.setdefault(f"accuracy_{name}", []).append(m["accuracy"])
                scores.setdefault(f"macro_f1_{name}", []).append(m["macro_f1"])
                scores.setdefault(f"min_class_precision_{name}", []).append(precision)
                if days == DEFAULT_WINDOW:
                    # every class at the minimum (ties: all of them)
                    weakest.update(k for k, v in present.items() if v == precision)
                    removed = None if unfloored is None else (
                        unfloored, model.predict(unfloored.X))
                    for group, figures in by_floor_registry(rows, predicted, removed).items():
                        floor_groups[group] = figures["homes"]
                        if figures["accuracy"] is not None:  # no such home: no figure
                            scores.setdefault(f"accuracy_10d_{group}", []).append(
                                figures["accuracy"])
            done += 1
            run.progress("fitting subsets", done, total)
        points.append({"homes": size, "fits": repeats,
                       **{key: _summary(values) for key, values in scores.items()},
                       "lowest_precision_class_10d": dict(weakest.most_common())})
    run.progress("fitting subsets", total, total)
    return {
        # Which features the curve measured: a curve outlives the feature set that made it.
        "feature_version": FEATURE_VERSION,
        "training_data": training_data,
        "evaluation_data": evaluation_data,
        # Levels tell ranch, family and multi-storey houses apart; the homes whose registry
        # has no floors, as many real ones, and the homes with floors scored again without
        # them, show what their absence costs at each size.
        "evaluation_by_floor_registry": floor_groups,
        "protocol": {
            "subsets": "stratified by label, drawn without replacement; every size is fitted "
                       f"{run.repeats} times on different subsets (once when it is all homes)",
            "pipeline": "as python -m trainer train: same rows, augmentation (copies: "
                        f"{copies_text(run.copies)}) and calibrated forest",
            "seed": run.seed,
        },
        "points": points,
        "seconds": round(time.perf_counter() - began, 1),
    }
