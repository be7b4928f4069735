"""Training: rows by home, held-out split, cross-validation, honest evaluation, bundle.

Evaluation is on homes of another seed, next to baselines; everything lands in the results
file beside the compiled bundle.

The protocol, in order:

1. every home file becomes rows -- training rows (six history windows ending on random days,
   thinned copies) and evaluation rows (four windows ending at the file's end, the home as it
   is); a home's rows never straddle a split;
2. ``--test-size`` of the homes (stratified by label) are held out; a pipeline fitted on the
   rest is scored on them;
3. grouped 5-fold cross-validation over all homes gives mean ± std;
4. the shipped model is fitted on all training homes, compiled to the numpy-only bundle, and
   checked against scikit-learn (largest probability difference, must be < 1e-9);
5. if a folder of evaluation homes is given (generated with another seed), the *compiled* model
   is scored on it: these are the headline figures, on homes no step above has seen (they are
   read with the training homes, so homes of a training seed are refused before any fit);
6. baselines on the same homes: the majority class, and the best single-feature decision stump.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NotRequired, TypedDict

import joblib
import numpy as np
import sklearn
from joblib import delayed
from numpy.typing import NDArray
from sklearn.tree import DecisionTreeClassifier

from custom_components.home_type.core.atomic import (
    atomic_write_bytes,
    remove_leftovers,
    stage_replacement,
    sync_folder,
)
from custom_components.home_type.core.features import FEATURE_NAMES, FEATURE_VERSION
from custom_components.home_type.core.model import (
    HomeTypeModel,
    bundle_header,
    dumps_bundle,
    file_digest,
    model_from_bundle,
    sha256_line,
    sha256_path,
)
from custom_components.home_type.core.snapshot import EXPORT_GENERATOR

from .bundle_checks import backward_types, never_answered
from .dataset import (
    DEFAULT_WINDOW,
    MIN_TYPES,
    NO_HISTORY,
    DatasetError,
    HomeRows,
    Rows,
    check_jobs,
    copies_text,
    describe_shared,
    evaluation_rows,
    home_files,
    in_workers,
    origin,
    shared_seeds,
    split_by_home,
    stack,
    training_rows,
)
from .folder_lock import reading_homes, switching_files
from .metrics import (
    by_confidence,
    classification_metrics,
    counted_classes,
    per_window,
    window_name,
)
from .pipeline import build_pipeline, compile_pipeline, grouped_folds, settle_calibration
from .runs import MIN_SAMPLES_LEAF, Progress, TrainingRun, check_training_run
from .signals import HeldUntilDone, WrittenThenStopped, signals_held

#: What the issue asks of the model on held-out homes with a 10-day history.
TARGETS: Final = {
    "accuracy_10d": 0.90, "macro_f1_10d": 0.88, "min_class_precision_10d": 0.80,
    "accuracy_structure_only": 0.80, "best_stump_max": 0.60, "model_size_bytes_max": 2_000_000,
}
PARITY_TOLERANCE: Final = 1e-9


def read_rows(folder: Path, copies: int, seed: int, n_jobs: int, progress: Progress,
              step: str, *, train: bool = True) -> list[HomeRows]:
    """Rows of every home of a folder, read in parallel; ``train=False``: evaluation rows only.

    :class:`FolderBusy` while ``generate`` writes into the folder: what is there so far is not
    the folder's homes.
    """
    check_jobs(n_jobs)
    homes: list[HomeRows] = []
    with reading_homes(folder):
        files = home_files(folder)
        progress(step, 0, len(files))
        try:
            for home in in_workers((delayed(training_rows)(path, copies, seed) if train else
                                    delayed(evaluation_rows)(path) for path in files), n_jobs):
                homes.append(home)
                progress(step, len(homes), len(files))
        except ValueError as err:  # SnapshotError is a ValueError; it names the file
            raise DatasetError(str(err)) from None
    first: dict[str, Path] = {}
    for path, home in zip(files, homes, strict=True):
        # A copied file would count as another home: in the figures, folds and provenance.
        if (seen := first.setdefault(home.home_id, path)) != path:
            why = ("two homes anonymised in the same second share one too: then give one file "
                   "another home_id" if home.generator == EXPORT_GENERATOR else
                   "homes of two runs of generate share ids: keep each run's in a folder of its "
                   "own")
            raise DatasetError(f"{seen} and {path} are both home {home.home_id}: a home may be "
                               f"in a folder once; remove the copy ({why})")
    unlabelled = [h.home_id for h in homes if not h.label]
    if unlabelled:
        raise DatasetError(f"{folder}: homes without a label: {', '.join(unlabelled[:5])} (an "
                           "export is labelled by the export action's home_type)")
    # generate makes a folder's procedural homes of another simulator version again, one by
    # one: a run cut short leaves two simulations, which no model should learn or be scored on.
    versions = sorted({str(h.simulator_version) for h in homes if h.generator == "procedural"})
    if len(versions) > 1:
        raise DatasetError(f"{folder}: procedural homes of simulator versions "
                           f"{' and '.join(versions)}, as a generate run cut short while making "
                           "them again leaves them: run generate again with the same flags to "
                           "finish")
    return homes


def training_types(homes: list[HomeRows], folder: Path) -> list[str]:
    """The homes' types, sorted; refused when too few to learn to tell apart (train, curve)."""
    labels = sorted({h.label for h in homes})
    if len(labels) < MIN_TYPES:
        raise DatasetError(f"{folder}: homes of at least {MIN_TYPES} types are needed")
    return labels


def fit_rows(rows: Rows, seed: int, n_jobs: int,
             min_samples_leaf: int = MIN_SAMPLES_LEAF) -> Any:
    """The pipeline of :mod:`.pipeline`, fitted on rows (calibration folds grouped by home).

    Every calibration fold trains a forest on the other folds' homes, which must hold two types
    at least: in a folder of a few homes they may not, and scikit-learn fails in its own terms.
    """
    pipeline = build_pipeline(rows.groups, seed, n_jobs, min_samples_leaf)
    for fitted, _ in pipeline.named_steps["classifier"].cv:  # the folds the fit will use
        if np.unique(rows.y[fitted]).size < MIN_TYPES:
            types = Counter(dict(zip(rows.groups.tolist(), rows.y.tolist(), strict=True)).values())
            homes = ", ".join(f"{n} {label}" for label, n in sorted(types.items()))
            raise DatasetError(f"too few homes to train on ({homes}): a calibration fold would "
                               "hold homes of one type only; use more homes of each type")
    with warnings.catch_warnings():
        # A type with one or two homes in a fold or a small subset is missing from some
        # calibration folds; scikit-learn warns each time, the figures show the cost.
        warnings.filterwarnings("ignore", "Number of classes in training fold", RuntimeWarning)
        pipeline.fit(rows.X, rows.y)
    settle_calibration(pipeline)
    return pipeline


def provenance(homes: list[HomeRows], folder: Path) -> dict[str, Any]:
    """Where rows came from, as results files record it: generator, seeds, days, labels.

    ``unsorted`` counts the homes the generator left as onboarding made them: what the model
    learnt of such homes.
    """
    seeds = sorted({origin(h.seed, h.home_id) for h in homes})
    return {
        "folder": str(folder),
        "homes": len(homes),
        "generators": sorted({str(h.generator) for h in homes}),
        "seeds": seeds,
        "days": sorted({int(h.days) for h in homes if isinstance(h.days, int)}),
        "labels": dict(sorted(Counter(h.label for h in homes).items())),
        "unsorted": sum(h.left_unsorted for h in homes),
    }


def refuse_shared_seeds(training: dict[str, Any], evaluation: dict[str, Any]) -> None:
    """Refuse evaluation homes of a training seed: they would be scored as unseen, and are not.

    Both arguments are :func:`provenance` records.
    """
    shared = shared_seeds(training["seeds"], evaluation["seeds"])
    if shared:
        raise DatasetError(
            f"{evaluation['folder']}: evaluation homes share {describe_shared(shared)} with "
            "the training homes; evaluate on homes of another --seed, or on homes not trained on")


def _best_stump(train: Rows, test: Rows) -> dict[str, Any]:
    """The single feature whose depth-1 tree scores best on the test rows (a generous bound)."""
    best: dict[str, Any] = {"feature": None, "accuracy": 0.0}
    for j, name in enumerate(FEATURE_NAMES):
        stump = DecisionTreeClassifier(max_depth=1, random_state=0)
        stump.fit(train.X[:, j: j + 1], train.y)
        accuracy = float(np.mean(stump.predict(test.X[:, j: j + 1]) == test.y))
        if accuracy > best["accuracy"]:
            best = {"feature": name, "threshold": float(stump.tree_.threshold[0]),
                    "accuracy": accuracy}
    return best


def _window(rows: Rows, days: int) -> Rows:
    return rows.select(rows.windows == days)


def _targets(headline: dict[str, dict[str, Any]], stump: float, size: int) -> dict[str, Any]:
    ten = headline.get(window_name(DEFAULT_WINDOW), {})
    none = headline.get("none", {})
    measured = {
        "accuracy_10d": ten.get("accuracy"),
        "macro_f1_10d": ten.get("macro_f1"),
        "min_class_precision_10d": min((c["precision"] for c in (
            counted_classes(ten) if ten else {}).values()), default=None),
        "accuracy_structure_only": none.get("accuracy"),
        "best_stump_max": stump,
        "model_size_bytes_max": size,
    }
    out = {}
    for key, target in TARGETS.items():
        value = measured[key]
        met = None if value is None else (value <= target if key.endswith("_max")
                                          else value >= target)
        out[key] = {"target": target, "measured": value, "met": met}
    return out


def refresh_targets(results: dict[str, Any]) -> None:
    """Measure the targets on the results' headline figures (again, after ``evaluate``).

    The best stump stays the one training measured: scoring it needs the training rows.
    """
    evaluation = results.get("evaluation")
    headline = evaluation["by_window"] if evaluation else results["holdout"]["by_window"]
    results["targets"] = _targets(
        headline, results["baselines"]["best_single_feature_stump"]["accuracy"],
        results["model_size_bytes"])


def read_evaluation_homes(folder: Path, n_jobs: int, progress: Progress) -> list[HomeRows]:
    """The evaluation rows of every home of a folder (the four windows ending at its end)."""
    return read_rows(folder, 1, 0, n_jobs, progress, "reading evaluation homes", train=False)


def evaluate_model(model: HomeTypeModel, folder: Path, n_jobs: int, progress: Progress,
                   labels: list[str] | None = None) -> tuple[dict[str, Any], Rows]:
    """Score a compiled model on every home of a folder, per history window."""
    return score_homes(model, read_evaluation_homes(folder, n_jobs, progress), folder, labels)


def score_homes(model: HomeTypeModel, homes: list[HomeRows], folder: Path,
                labels: list[str] | None = None) -> tuple[dict[str, Any], Rows]:
    """Score a compiled model on homes read by :func:`read_evaluation_homes`, per window.

    The labels reported are ``labels`` (default: the model's classes) and every type the
    homes have: a type the model was never trained on is scored too, each of its homes
    wrong, with its own per-class row -- not a KeyError once every fit is done.
    """
    rows = stack(homes, "test")
    probabilities = model.predict_proba(rows.X)
    predicted = np.asarray(model.classes)[probabilities.argmax(axis=1)]
    labels = sorted(set(labels or model.classes) | {str(v) for v in rows.y})
    ten = rows.windows == DEFAULT_WINDOW
    unfloored = unfloored_rows(homes)
    removed = None if unfloored is None else (unfloored, np.asarray(model.classes)[
        model.predict_proba(unfloored.X).argmax(axis=1)])
    return {
        "data": provenance(homes, folder),
        "model_version": model.version,
        "by_window": per_window(rows.y, predicted, rows.windows, labels),
        "by_floor_registry": by_floor_registry(rows, predicted, removed),
        "history_changes": history_changes(rows, predicted),
        "by_confidence": by_confidence(rows.y[ten], predicted[ten],
                                       probabilities.max(axis=1)[ten]),
        "unsorted_registry": unsorted_figures(model, homes),
        "onboarding_leftovers": leftover_figures(model, homes, rows, predicted),
    }, rows


class HistoryChanges(TypedDict):
    """Homes whose 10-day answer differs from their structure-only one, and which way."""

    homes: int
    changed: int
    better: int  # wrong without history, right with it
    worse: int  # right without, wrong with (a change between two wrong answers is neither)


def history_changes(rows: Rows, predicted: NDArray[Any]) -> HistoryChanges:
    """What 10 days of history change in the answers, home by home.

    The accuracies per window give only the net change; the docs say how many answers history
    changes, so it is counted here.
    """
    def answers(days: int) -> dict[str, str]:
        mask = rows.windows == days
        return dict(zip(rows.groups[mask].tolist(), predicted[mask].tolist(), strict=True))

    ten, none = answers(DEFAULT_WINDOW), answers(NO_HISTORY)
    truth = dict(zip(rows.groups.tolist(), rows.y.tolist(), strict=True))
    changed = [home for home, answer in ten.items() if answer != none.get(home)]
    return {"homes": len(ten), "changed": len(changed),
            "better": sum(ten[home] == truth[home] for home in changed),
            "worse": sum(none.get(home) == truth[home] for home in changed)}


class Answers(TypedDict):
    """How a model answers a set of homes: how often right, how sure, and what."""

    accuracy: float
    mean_confidence: float
    answers: dict[str, int]  # how many homes got each answer, most first


class UnsortedRegistry(Answers):
    """The 10-day answers to every home with its registry unsorted, against its type."""

    homes: int
    languages: dict[str, int]  # homes by the language their onboarding areas are named in
    #: The same, with no device's name saying a room (absent from results written before).
    names_without_rooms: NotRequired[Answers]


def _answers(model: HomeTypeModel, rows: Rows) -> Answers:
    probabilities = model.predict_proba(rows.X)
    predicted = np.asarray(model.classes)[probabilities.argmax(axis=1)]
    return {"accuracy": float(np.mean(predicted == rows.y)),
            "mean_confidence": float(probabilities.max(axis=1).mean()),
            "answers": dict(Counter(predicted.tolist()).most_common())}


def unsorted_figures(model: HomeTypeModel, homes: Sequence[HomeRows]) -> UnsortedRegistry | None:
    """How the model does on the homes as an owner who never sorted them (None: not scored).

    Onboarding's three areas, no floors, no device in an area (``unsorted_registry``): every
    home, not only the tenth the generator leaves so, and the mean confidence beside the
    accuracy shows how far the model's probabilities can be trusted there. Most devices'
    names say their rooms in the generator's homes; ``names_without_rooms`` scores the homes
    again with those words taken out, where the model sees no room at all.
    """
    if not any(home.unsorted for home in homes):
        return None
    rows = stack(homes, "unsorted")
    languages = Counter(home.language for home in homes if home.unsorted)
    answers = _answers(model, rows)
    figures: UnsortedRegistry = {
        "homes": len(rows), "languages": dict(languages.most_common()),
        "accuracy": answers["accuracy"], "mean_confidence": answers["mean_confidence"],
        "answers": answers["answers"]}
    if any(home.unnamed for home in homes):
        figures["names_without_rooms"] = _answers(model, stack(homes, "unnamed"))
    return figures


class OnboardingLeftovers(TypedDict):
    """The sorted homes' 10-day answers, as they are and with onboarding's areas left in."""

    homes: int
    accuracy_as_they_are: float
    accuracy: float
    changed: int  # answers that differ between the two
    moves: dict[str, int]  # "apartment -> condo": homes, most first


def leftover_figures(model: HomeTypeModel, homes: Sequence[HomeRows], rows: Rows,
                     predicted: NDArray[Any]) -> OnboardingLeftovers | None:
    """What onboarding's three areas, left empty beside a home's own, do to its answer.

    The same homes' 10-day answers as they are (from ``rows``/``predicted``) beside the ones
    with the leftovers (:func:`~trainer.dataset.with_onboarding_leftovers`); None when no
    home is sorted.
    """
    if not any(home.leftovers for home in homes):
        return None
    left = stack(homes, "leftovers")
    answers = np.asarray(model.classes)[model.predict_proba(left.X).argmax(axis=1)]
    ten = rows.windows == DEFAULT_WINDOW
    as_they_are = dict(zip(rows.groups[ten].tolist(), predicted[ten].tolist(), strict=True))
    before = np.asarray([as_they_are[home] for home in left.groups.tolist()])
    moved = before != answers
    return {"homes": len(left),
            "accuracy_as_they_are": float(np.mean(before == left.y)),
            "accuracy": float(np.mean(answers == left.y)),
            "changed": int(moved.sum()),
            "moves": dict(Counter(f"{a} -> {b}" for a, b
                                  in zip(before[moved], answers[moved], strict=True)
                                  ).most_common())}


class FloorGroup(TypedDict):
    """The 10-day figure of a group of homes: with floors, without, or with them removed."""

    homes: int
    accuracy: float | None  # None: no home in the group


def unfloored_rows(homes: Sequence[HomeRows]) -> Rows | None:
    """The 10-day rows of the homes that have floors, with their floors removed (None: none)."""
    return stack(homes, "unfloored") if any(h.unfloored for h in homes) else None


def by_floor_registry(rows: Rows, predicted: NDArray[Any],
                      unfloored: tuple[Rows, NDArray[Any]] | None = None
                      ) -> dict[str, FloorGroup]:
    """10-day accuracy of homes with and without floors in their registry.

    Levels are what tell a ranch from a family house from a multi-storey one; a home whose
    owner never set floors up loses that. The two groups are different homes, though (units
    have floors less often than houses), so ``unfloored`` -- the rows of the homes with floors,
    their floors removed (:func:`unfloored_rows`), and the answers to them -- adds what removing
    them does to the very same homes: ``with_floors_removed``.
    """
    ten = rows.windows == DEFAULT_WINDOW
    has_floors = rows.X[:, FEATURE_NAMES.index("has_floor_registry")] > 0
    groups = [("with_floors", rows.select(ten & has_floors), predicted[ten & has_floors]),
              ("without_floors", rows.select(ten & ~has_floors), predicted[ten & ~has_floors])]
    if unfloored is not None:
        groups.append(("with_floors_removed", *unfloored))
    return {name: {"homes": len(group),
                   "accuracy": float(np.mean(answers == group.y)) if len(group) else None}
            for name, group, answers in groups}


def _rows_of(rows: Rows, home_ids: set[str], *, inside: bool) -> Rows:
    """The rows of the given homes (``inside``) or of all the others."""
    mask = np.isin(rows.groups, list(home_ids))
    return rows.select(mask if inside else ~mask)


def _holdout(run: TrainingRun, homes: list[HomeRows], train: Rows, test: Rows,
             labels: list[str]) -> tuple[dict[str, Any], set[str]]:
    """Step 2: fit on the training split, score on the held-out homes of the same seed."""
    train_homes, test_homes = split_by_home(homes, run.test_size, run.seed)  # type: ignore[arg-type]
    held_out = {h.home_id for h in test_homes}
    run.progress("fitting on the training split", 0, 1)
    model = fit_rows(_rows_of(train, held_out, inside=False), run.seed, run.n_jobs,
                     run.min_samples_leaf)
    rows = _rows_of(test, held_out, inside=True)
    by_window = per_window(rows.y, model.predict(rows.X), rows.windows, labels)
    run.progress("fitting on the training split", 1, 1)
    return {"homes_train": len(train_homes), "homes_test": len(test_homes),
            "by_window": by_window}, held_out


def _cross_validate(run: TrainingRun, homes: list[HomeRows], train: Rows, test: Rows,
                    labels: list[str]) -> dict[str, Any]:
    """Step 3: grouped K-fold over all homes, scored on the 10-day window."""
    folds = grouped_folds(np.array([h.home_id for h in homes]), run.cv_folds)
    scores = []
    for i, (_, test_idx) in enumerate(folds):
        run.progress("cross-validation", i, len(folds))
        fold = {homes[j].home_id for j in test_idx}
        model = fit_rows(_rows_of(train, fold, inside=False), run.seed, run.n_jobs,
                         run.min_samples_leaf)
        rows = _window(_rows_of(test, fold, inside=True), DEFAULT_WINDOW)
        scores.append(classification_metrics(rows.y, model.predict(rows.X), labels))
    run.progress("cross-validation", len(folds), len(folds))
    return {
        "folds": len(folds),
        "window": window_name(DEFAULT_WINDOW),
        "accuracy_mean": float(np.mean([f["accuracy"] for f in scores])),
        "accuracy_std": float(np.std([f["accuracy"] for f in scores])),
        "macro_f1_mean": float(np.mean([f["macro_f1"] for f in scores])),
        "macro_f1_std": float(np.std([f["macro_f1"] for f in scores])),
    }


def make_bundle(pipeline: Any, homes: list[HomeRows], folder: Path) -> dict[str, Any]:
    """Step 4: the compiled bundle, versioned by date and a digest of all but its creation time."""
    created = datetime.now(UTC)
    bundle: dict[str, Any] = {
        **bundle_header(),
        "sklearn_version": sklearn.__version__,
        "created": created.isoformat(timespec="seconds"),
        "training_data": provenance(homes, folder),
        **compile_pipeline(pipeline),
    }
    digest = file_digest(dumps_bundle({k: v for k, v in bundle.items() if k != "created"}))
    bundle["model_version"] = f"{created:%Y.%m.%d}-{digest[:8]}"
    return bundle


def _baselines(train: Rows, test: Rows) -> dict[str, Any]:
    """Step 6: majority class and best single-feature stump, 10-day window."""
    ten = _window(test, DEFAULT_WINDOW)
    majority = Counter(train.y.tolist()).most_common(1)[0][0]
    return {
        "majority_class": {"label": majority, "accuracy": float(np.mean(ten.y == majority))},
        "best_single_feature_stump": _best_stump(_window(train, DEFAULT_WINDOW), ten),
    }


def _write_artifacts(run: TrainingRun, pipeline: Any, data: bytes,
                     results: dict[str, Any]) -> None:
    """The scikit-learn pipeline, the bundle, its hash and the results: all four, or none.

    Each is first written whole under a temporary name, and only then renamed into place: a
    full disk or Ctrl-C while they are written leaves the previous set as it was. (Written one
    after another, a disk that filled up at the model left the old model beside the new hash,
    and the model that worked failed its check.) The renames, milliseconds, are held from
    Ctrl-C and ``docker stop``; the old model goes first and the new one comes last, so a
    crash among them (SIGKILL, power) leaves no model, never one beside another's hash or
    results. Another run writing the
    folder's files is waited for, so two runs with one ``--output`` never mix theirs; the
    temporary files of a run killed while it wrote are removed then, as no run can be writing
    them.
    """
    folder = run.output.parent
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    # In the order they are renamed: the model last, so that whenever it is there, so are
    # the files that go with it.
    files = ((run.sklearn_path, buffer.getvalue()),
             (sha256_path(run.output), sha256_line(data, run.output.name).encode()),
             (run.results_path, results_text(results)),
             (run.output, data))
    staged: list[Path] = []
    with switching_files(folder):
        remove_leftovers(folder, [path.name for path, _ in files])
        try:
            moves = []
            for path, content in files:
                tmp, target = stage_replacement(path, content)
                staged.append(tmp)
                moves.append((tmp, target))
            try:
                with signals_held():
                    moves[-1][1].unlink(missing_ok=True)  # the old model, before its hash
                    for tmp, target in moves:
                        os.replace(tmp, target)
                    for target_folder in {target.parent for _, target in moves}:
                        sync_folder(target_folder)  # before a held Ctrl-C stops the process
            except HeldUntilDone as stop:  # all four are there: the command says so
                raise WrittenThenStopped(run.output) from stop
        finally:
            for tmp in staged:  # whatever was not renamed into place (an error, Ctrl-C)
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)


def run_training(run: TrainingRun) -> dict[str, Any]:
    """Train, evaluate, compile and write the bundle, its hash, the joblib file and results."""
    began = time.perf_counter()
    check_training_run(run)
    homes = read_rows(run.homes, run.copies, run.seed, run.n_jobs, run.progress,
                      "reading training homes")
    labels = training_types(homes, run.homes)
    # Evaluation homes are read now, not after the fits: their seeds come with them, and
    # homes of a training seed are refused before any fitting time is spent.
    evaluation_homes: list[HomeRows] | None = None
    if run.evaluation_homes is not None:
        evaluation_homes = read_evaluation_homes(run.evaluation_homes, run.n_jobs,
                                                 run.progress)
        refuse_shared_seeds(provenance(homes, run.homes),
                            provenance(evaluation_homes, run.evaluation_homes))
    train, test = stack(homes, "train"), stack(homes, "test")
    holdout, held_out = _holdout(run, homes, train, test, labels)
    cross_validation = _cross_validate(run, homes, train, test, labels)

    run.progress("fitting the final model", 0, 1)
    final = fit_rows(train, run.seed, run.n_jobs, run.min_samples_leaf)
    bundle = make_bundle(final, homes, run.homes)
    data = dumps_bundle(bundle)
    predictor = model_from_bundle(bundle, "trained model")
    run.progress("fitting the final model", 1, 1)

    # Step 5: homes of another seed, scored with the compiled model -- the headline.
    evaluation: dict[str, Any] | None = None
    baseline_train = _rows_of(train, held_out, inside=False)
    baseline_test = check_rows = _rows_of(test, held_out, inside=True)
    if run.evaluation_homes is not None and evaluation_homes is not None:
        evaluation, check_rows = score_homes(predictor, evaluation_homes, run.evaluation_homes,
                                             labels)
        baseline_train, baseline_test = train, check_rows
    parity = float(np.max(np.abs(predictor.predict_proba(check_rows.X)
                                 - final.predict_proba(check_rows.X))))
    if parity >= PARITY_TOLERANCE:
        raise RuntimeError(f"compiled model differs from scikit-learn by {parity:g}")

    baselines = _baselines(baseline_train, baseline_test)
    results: dict[str, Any] = {
        "model_version": bundle["model_version"],
        "created": bundle["created"],
        "feature_version": FEATURE_VERSION,
        "training_data": bundle["training_data"],
        "protocol": {
            "split": "by home, stratified by label; no window of a test home is trained on",
            "test_size": run.test_size,
            "seed": run.seed,
            "training_windows_days": "none, 1, 3, 10, 30, 90 (random end); copies: "
                                     + copies_text(run.copies),
            "min_samples_leaf": run.min_samples_leaf,
            "evaluation_windows_days": "none, 1, 10, 90 (ending at the file's end)",
            "headline": "evaluation" if evaluation else "holdout",
        },
        "holdout": holdout,
        "cross_validation": cross_validation,
        "evaluation": evaluation,
        "baselines": baselines,
        "compiled_vs_sklearn_max_abs_diff": parity,
        "backward_types": backward_types(predictor),
        "never_answers": never_answered(predictor),
        "model_size_bytes": len(data),
        "training_seconds": round(time.perf_counter() - began, 1),
    }
    refresh_targets(results)
    _write_artifacts(run, final, data, results)
    return results


def results_text(results: dict[str, Any]) -> bytes:
    """A results file's bytes, readable by people and by ``report``."""
    return (json.dumps(results, indent=2) + "\n").encode()


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Write a results file atomically."""
    atomic_write_bytes(path, results_text(results))
