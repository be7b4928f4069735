"""The classifier: a scikit-learn pipeline, and its compilation into a numpy-only bundle.

A forest of trees suits these features -- counts, shares and rates on very different scales,
with interactions (a garage matters more in a one-level home) -- and needs no scaling. It is an
*extremely randomized* forest (random thresholds, no bootstrap) rather than a random forest:
with only a hundred homes to learn from, random thresholds generalise a little better. Measured
on development homes of seeds 500 and 900 (never the evaluation seed): +0.03 structure-only
accuracy over six 100-home training subsets, +0.01 at 10 days for the full pipeline on 300
homes, and grouped cross-validation on the training homes from 0.69 to 0.75.

A leaf holds :data:`MIN_SAMPLES_LEAF` rows at least, rather than one (the first choice, never
measured): a hundred homes are 2,400 rows, 24 of them from each home and alike, and a leaf of
a few rows must be shared by more than one window. Measured on development homes of seed 2042
(the learning curve's training homes, never an evaluation seed: subsets of the first 1,000
homes, scored on the next 500), 10-day accuracy rose from 0.747 to 0.758 over ten 100-home
subsets, 0.785 to 0.796 over four of 300 homes, 0.823 to 0.829 over three fits on all 1,000;
macro F1 from 0.672 to 0.684, and log loss from 0.80 to 0.75, at 100 homes (0.52 to 0.49 at
1,000); the bundle shrinks. Leaves of 2 and 4 rows gained less (0.752 and 0.757 at 100 homes),
of 16 less too (0.754). Grouped cross-validation on ``scripts/train``'s 100 homes, five seeds,
gave 0.694 with either size.

More homes make more leaves, and the bundle grows with them: 1.0 MB at 100 homes, 9.8 MB at
1,000 with leaves of 8 rows (docs/learning_curve.json). ``train --min-samples-leaf`` holds
leaves to more rows, so a model trained on many homes stays small. Measured on three 1,000-home
subsets of the learning curve's homes (seed 2042, simulator version 7), scored on its 300 homes
of seed 3042 (2026-12-05), 10-day accuracy as a mean over the fits: leaves of 8 rows 9.35-9.68
MB and 0.829, of 40 rows 3.44-3.51 MB and 0.830, of 80 rows 1.93-1.96 MB and 0.822, of 100 rows
1.58-1.60 MB and 0.820 (two fits, against 0.837 with leaves of 8 on those two): a loss inside
the fits' spread. ``scripts/train-bundled``, which trains the model bundled with the
integration on 1,000 homes, uses 100: a 1.62 MB file.

The learner and :data:`MAX_FEATURES` were measured on the same ten 100-home subsets, each
calibrated as here (10-day accuracy): this forest 0.759; histogram gradient boosting (learning
rate 0.1, 200 rounds of 15-leaf trees) 0.688; logistic regression on scaled features 0.692; the
forest and that regression averaged 0.739. With 0.3 of the features tried at each split
(carried over from the random forest) it is this forest's 0.759; 0.1 gave 0.741, 0.2 0.750, 0.4
and 0.5 0.741, 0.8 0.726, the square root of their number 0.742. Trained on all 1,000 homes,
boosting scored 0.848 against the forest's 0.830, but on homes no choice was made on (300 of
seed 3042) 0.837 against 0.831 +/- 0.006 over three forest seeds: too little for a second kind
of compiled model.

Classes are not weighted: the rarest types (5 studios, ranch and multi-storey houses of 100)
were not helped by it. Weighted ``balanced`` (``balanced_subsample`` is the same without
bootstrap), ten stratified 100-home subsets of the first 1,000 homes of seed 2042, scored on
the next 500 at 10 days, scored 0.721 against 0.737, macro F1 0.608 against 0.642, and the
lowest class precision 0.38 against 0.41 (2026-12-06, feature set 5).

:data:`N_ESTIMATORS` stays at 100, and ``train --copies`` at 4, though fewer thinned copies
and more trees did a little better on the homes they were tried on (2026-12-06, feature set 5,
simulator version 8: twenty stratified 100-home subsets of the first 1,000 homes of seed 2042,
scored on the next 500 at 10 days; differences paired by subset, +/- their standard error).
Each thinned copy costs accuracy on whole homes: 0.733 with the home alone, 0.723 with one
thinned copy, 0.719 with two, 0.712 with three (the default), 0.703 with seven. The home alone
has no copy to lose every room in, though, and on the same homes with no room in the registry
or in any name it scored 0.30 against 0.58. One thinned copy and 200 trees (a quarter more
nodes in all, in three fits) scored 0.729 (+0.017 +/- 0.002, macro F1 +0.022); with
``ROOMLESS_SHARE`` doubled, for the fewer thinned rows, 0.726, and on the same homes
unsorted, unnamed, unfloored or thinned within 0.001 of the default or above it. On 400
homes of seed 5042, generated to check the choice on homes it was not made on, the gain shrank
to +0.010 +/- 0.003 (0.749 against 0.739), and to +0.006 with the roomless share doubled,
where the homes with their floors removed lost 0.009: less than one home in a hundred, for a
larger file and twice the trees to walk. Not adopted. On the same twenty subsets and 500
homes, two other ways to learn more from few homes did no better: a forest on only the 30, 50
or 70 features a first forest ranked highest, +0.005, +0.003 and +0.001 (macro F1 +0.024 with
30, but 0.021 lower on the homes with no room in the registry or in any name; on the 400 homes
of seed 5042, 30 features scored 0.005 lower, macro F1 +0.009, and lower on all four kinds of
stripped home); a forest for studios, apartments and condos and one for houses, under one
that tells the two kinds apart, -0.004 (its log loss 0.07 lower).

The forest's probabilities are calibrated with Platt scaling fitted on out-of-fold
predictions, the folds grouped by home so no home's windows calibrate its own predictions;
the forest adds its trees' probabilities up in the trees' order
(:class:`OrderedExtraTreesClassifier`) and the coefficients are then rounded
(:func:`settle_calibration`), so that the same homes make the same model at every run and, as
far as rounding reaches, on any processor.

:func:`compile_pipeline` turns the fitted pipeline into the plain dict that
``custom_components/home_type/core/model.py`` evaluates without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from joblib import parallel_config
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .runs import MIN_SAMPLES_LEAF

N_ESTIMATORS = 100
#: Share of the features tried at each split (the module's docstring says why 0.3).
MAX_FEATURES = 0.3
CALIBRATION_FOLDS = 3
CALIBRATION_DIGITS = 6


class OrderedExtraTreesClassifier(ExtraTreesClassifier):  # type: ignore[misc]
    """An extremely randomized forest whose probabilities do not depend on its threads' timing.

    scikit-learn's forest adds its trees' probabilities up in the order its threads finish them,
    and a sum of floating-point numbers depends on its order: the out-of-fold probabilities that
    Platt scaling is fitted on came out a few ulps apart from run to run, and the optimiser
    carried that to the tenth digit of its coefficients, past what :func:`settle_calibration`
    rounds off. Four runs of ``train`` on the same homes, on two cores, made four model
    versions; with ``--jobs 1``, two runs made one. The trees are still grown in parallel: only
    the adding up is done in one thread, in the trees' order (training time, measured by
    ``scripts/bench``, did not grow: docs/benchmarks.md). joblib's sequential
    backend, set for this call and this thread only, does it: the forest's settings are left
    alone, so a prediction made meanwhile in another thread is not changed.
    """

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """The mean of the trees' probabilities, added up in the trees' order."""
        with parallel_config(backend="sequential"):
            return cast("NDArray[np.float64]", super().predict_proba(X))


def grouped_folds(groups: NDArray[Any], n_splits: int) -> list[tuple[NDArray[Any], NDArray[Any]]]:
    """K folds that never split a home's rows between training and testing."""
    n_splits = min(n_splits, len(np.unique(groups)))
    dummy = np.zeros(len(groups))
    return list(GroupKFold(n_splits=n_splits).split(dummy, groups=groups))


def build_pipeline(groups: NDArray[Any], random_state: int, n_jobs: int = -1,
                   min_samples_leaf: int = MIN_SAMPLES_LEAF) -> Pipeline:
    """The unfitted pipeline for rows whose homes are ``groups`` (for grouped calibration)."""
    forest = OrderedExtraTreesClassifier(
        n_estimators=N_ESTIMATORS,
        max_features=MAX_FEATURES,
        min_samples_leaf=min_samples_leaf,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    calibrated = CalibratedClassifierCV(
        forest,
        method="sigmoid",
        cv=grouped_folds(groups, CALIBRATION_FOLDS),
        ensemble=False,
    )
    return Pipeline([("classifier", calibrated)])


def settle_calibration(pipeline: Pipeline, digits: int = CALIBRATION_DIGITS) -> None:
    """Round a fitted pipeline's Platt coefficients to ``digits`` significant digits, in place.

    The trees come out the same on every machine, but the coefficients come out of an optimiser
    whose last bits depend on the processor (numpy's vectorised exp and log take other paths on
    other CPUs), and the model version is a digest of the bundle. Two machines' coefficients
    were once 3.6e-15 apart; a third's, for one type of eight, 2.1e-9 apart (relative): the
    optimiser stopped a step earlier or later there. Twelve digits kept that difference, and
    the model version with it. Rounded, and fitted on probabilities added up in the trees'
    order (:class:`OrderedExtraTreesClassifier`), the same homes and scikit-learn give the same
    model and version at every run, and on other processors unless a rounding boundary falls
    between two processors' coefficients, so a retrained model can be checked against the
    bundled one. Six digits, not eight: a boundary falls inside a gap of 2.1e-9 (relative) at
    most 0.2 % of the time per coefficient at six, up to 18 % at eight; were all sixteen of the
    bundled model's coefficients that far apart, its version would split 1.4 % of the time at
    six, 78 % at eight. A probability moves by 2.6e-6 at most on the 400 evaluation rows (the
    sensor shows four decimals); the scikit-learn pipeline kept beside the bundle is the
    rounded one, so the two still agree exactly.
    """
    final = pipeline.steps[-1][1]
    if not isinstance(final, CalibratedClassifierCV):
        return
    for calibrated in final.calibrated_classifiers_:
        for calibrator in calibrated.calibrators:
            calibrator.a_ = float(f"{calibrator.a_:.{digits}g}")
            calibrator.b_ = float(f"{calibrator.b_:.{digits}g}")


def _compile_forest(forest: ExtraTreesClassifier) -> dict[str, NDArray[Any]]:
    roots, feature, threshold, left, right, leaves = [], [], [], [], [], []
    offset = n_leaves = 0
    for tree in forest.estimators_:
        t = tree.tree_
        is_leaf = t.children_left < 0
        leaf_rows = np.cumsum(is_leaf) - 1 + n_leaves
        value = t.value[:, 0, : forest.n_classes_].astype(np.float64)
        normaliser = value.sum(axis=1)[:, np.newaxis]
        normaliser[normaliser == 0.0] = 1.0
        leaves.append((value / normaliser)[is_leaf])  # what DecisionTreeClassifier returns
        roots.append(offset)
        feature.append(np.where(is_leaf, 0, t.feature))
        threshold.append(np.where(is_leaf, 0.0, t.threshold))
        left.append(np.where(is_leaf, -1 - leaf_rows, t.children_left + offset))
        right.append(np.where(is_leaf, -1, t.children_right + offset))
        offset += t.node_count
        n_leaves += int(is_leaf.sum())
    return {
        "roots": np.asarray(roots, dtype=np.int32),
        "feature": np.concatenate(feature).astype(np.int16),
        "threshold": np.concatenate(threshold).astype(np.float64),
        "left": np.concatenate(left).astype(np.int32),
        "right": np.concatenate(right).astype(np.int32),
        "leaf_values": np.vstack(leaves).astype(np.float64),
    }


def compile_pipeline(pipeline: Pipeline) -> dict[str, Any]:
    """The arrays of a fitted pipeline: optional scaler, forest, optional sigmoid calibration."""
    scaler: dict[str, NDArray[Any]] | None = None
    calibration: dict[str, NDArray[Any]] | None = None
    steps = [step for _, step in pipeline.steps if step != "passthrough"]
    for step in steps[:-1]:
        if not isinstance(step, StandardScaler):
            raise TypeError(f"cannot compile a {type(step).__name__} step")
        scaler = {"mean": np.asarray(step.mean_, dtype=np.float64),
                  "scale": np.asarray(step.scale_, dtype=np.float64)}
    final = steps[-1]
    if isinstance(final, CalibratedClassifierCV):
        if len(final.calibrated_classifiers_) != 1 or final.method != "sigmoid":
            raise TypeError("compile needs CalibratedClassifierCV(method='sigmoid', "
                            "ensemble=False)")
        calibrated = final.calibrated_classifiers_[0]
        forest = calibrated.estimator
        calibrators: Sequence[_SigmoidCalibration] = calibrated.calibrators
        # With two classes scikit-learn fits one calibrator, for the second class, and gives
        # the first one minus it; the bundle keeps that single pair and the predictor does same.
        expected = 1 if len(final.classes_) == 2 else len(final.classes_)
        if list(forest.classes_) != list(final.classes_) or len(calibrators) != expected:
            raise TypeError("calibrators do not line up with the classes")
        calibration = {"a": np.array([c.a_ for c in calibrators], dtype=np.float64),
                       "b": np.array([c.b_ for c in calibrators], dtype=np.float64)}
        classes = final.classes_
    else:
        forest = final
        classes = forest.classes_
    if not isinstance(forest, ExtraTreesClassifier):
        raise TypeError(f"cannot compile a {type(forest).__name__}")
    return {
        "classes": [str(c) for c in classes],
        "scaler": scaler,
        "forest": _compile_forest(forest),
        "calibration": calibration,
    }
