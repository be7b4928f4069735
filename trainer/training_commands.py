"""``train``, ``evaluate``, ``curve`` and ``report``: fit the classifier and measure it honestly.

scikit-learn takes a second and a half to import, so each command imports it only once its flags
have been checked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table

from custom_components.home_type.core.model import sha256_path

from .bundle_checks import backward_warning, never_warning
from .command_line import (
    DEFAULT_MODEL,
    UserError,
    check_model_output,
    check_output,
    console,
    homes_folder_flag,
    load_bundle,
    looking_at,
    out,
    path_option,
    progress_bar,
    unwritable,
)
from .folder_lock import FolderBusy, switching_files
from .runs import MIN_SAMPLES_LEAF
from .signals import WrittenThenStopped

DEFAULT_EVAL_HOMES = Path("data/synthetic_homes_eval")


def _task_progress(progress: Progress) -> Callable[[str, int, int], None]:
    """Adapt the training's (step, done, total) callbacks to rich progress tasks."""
    tasks: dict[str, TaskID] = {}

    def update(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(step, total=total, status="")
        progress.update(tasks[step], completed=done, total=total)
    return update


def train(
    synthetic_homes: Annotated[Path, path_option(
        help="Folder of labelled training homes.")] = Path("data/synthetic_homes"),
    output: Annotated[Path, path_option(
        file=True, help="Where to write the model bundle.")] = DEFAULT_MODEL,
    test_size: Annotated[float, typer.Option(
        help="Share of homes held out (split by home, stratified by label).")] = 0.2,
    evaluation_homes: Annotated[Path | None, path_option(
        help="Homes generated with another seed, scored with the final model (default: "
             f"{DEFAULT_EVAL_HOMES} if it exists).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed of splits and model.")] = 42,
    copies: Annotated[int, typer.Option(
        help="Copies of each home per history window: the home itself, then thinned ones "
             "(augmentation).")] = 4,
    min_samples_leaf: Annotated[int, typer.Option(
        help="Rows a leaf of the forest holds at least: more for more homes keeps the model "
             "file small (docs/model.md).")] = MIN_SAMPLES_LEAF,
    jobs: Annotated[int, typer.Option(help="Parallel workers (-1: all cores).")] = -1,
) -> None:
    """Train the classifier, evaluate it honestly, write the bundle and its results file."""
    from .dataset import DatasetError
    from .runs import TrainingRun, check_training_run

    if evaluation_homes is None and DEFAULT_EVAL_HOMES.is_dir():
        evaluation_homes = DEFAULT_EVAL_HOMES
    check_model_output(output, "--output")
    if flag := homes_folder_flag(output.parent, (("--synthetic-homes", synthetic_homes),
                                                 ("--evaluation-homes", evaluation_homes))):
        raise UserError(f"--output {output}: in the homes folder of {flag}, where its "
                        "_results.json would be read as a home; write the model elsewhere "
                        f"(default: {DEFAULT_MODEL})")
    run = TrainingRun(homes=synthetic_homes, output=output, evaluation_homes=evaluation_homes,
                      test_size=test_size, seed=seed, copies=copies,
                      min_samples_leaf=min_samples_leaf, n_jobs=jobs)
    try:
        check_training_run(run)  # before the progress bar, which would print a line
        # scikit-learn (a second and a half to import) only once the flags are good.
        from .metrics import summary_table
        from .train import run_training

        with progress_bar() as progress:
            run.progress = _task_progress(progress)
            results = run_training(run)
    except (DatasetError, FolderBusy) as err:
        raise UserError(str(err)) from None
    except WrittenThenStopped as stop:  # said before "interrupted": the model is there
        console.print(f"{stop.model} and its files were written before the run stopped (its "
                      f"figures: {run.results_path})", markup=False,
                      highlight=False, soft_wrap=True)
        raise
    except OSError as err:
        # A full disk names no file, and a refused write the hidden temporary file the user
        # never asked for: the model's folder is where everything goes.
        named = os.fsdecode(err.filename) if err.filename else ""
        where = (named if named and not Path(named).name.startswith(".")
                 else output.absolute().parent)
        raise UserError(f"cannot write {where}: {err.strerror or err}") from None
    if results["backward_types"]:
        console.print(backward_warning(results["backward_types"]), soft_wrap=True)
    if results["never_answers"]:
        console.print(never_warning(results["never_answers"]), soft_wrap=True)
    headline = results["evaluation"] or {"by_window": results["holdout"]["by_window"]}
    title = ("evaluation homes (another seed, never seen)" if results["evaluation"]
             else f"held-out homes ({results['holdout']['homes_test']}, same seed)")
    baselines = {f"baseline: majority ({results['baselines']['majority_class']['label']})":
                 results["baselines"]["majority_class"]["accuracy"],
                 "baseline: best stump ("
                 f"{results['baselines']['best_single_feature_stump']['feature']})":
                 results["baselines"]["best_single_feature_stump"]["accuracy"]}
    out.print(summary_table(escape(f"{results['model_version']} on {title}"),
                            headline["by_window"], baselines))
    _note_short_history((headline.get("data") or results["training_data"])["days"])
    _print_ten_day(headline)
    cv = results["cross_validation"]
    out.print(f"grouped {cv['folds']}-fold CV ({cv['window']}): accuracy "
              f"{cv['accuracy_mean']:.3f} ± {cv['accuracy_std']:.3f}, macro F1 "
              f"{cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}")
    out.print(_targets_line(results["targets"]))
    out.print(f"wrote {output} ({results['model_size_bytes'] / 1e6:.2f} MB, compiled = "
              f"scikit-learn within {results['compiled_vs_sklearn_max_abs_diff']:.1e}), "
              f"{sha256_path(output).name} (Home Assistant checks the model against it), "
              f"{run.sklearn_path.name}, {run.results_path.name} in "
              f"{results['training_seconds']:.0f} s", markup=False)


def _note_short_history(days: list[int]) -> None:
    """Say so when homes hold fewer days than a window's name: its row reads what they hold.

    With ``--days 3`` the 10d and 90d rows are the same three days, and labelled as if not.
    A folder of exports mixes windows (3 days of one recorder, 90 of another; 0 where history
    was off): the shortest says which rows read less than their names for some homes.
    """
    from .dataset import EVALUATION_WINDOWS

    if not days:  # none recorded: nothing known to say
        return
    fewest, most = min(days), max(days)
    longer = [f"{window}d" for window in EVALUATION_WINDOWS if window and window > fewest]
    if not longer:
        return
    rows = "the " + (f"{', '.join(longer[:-1])} and {longer[-1]} rows" if len(longer) > 1
                     else f"{longer[0]} row")
    read = "read" if len(longer) > 1 else "reads"
    if fewest == most:
        what = ("no history" if fewest == 0 else "that day" if fewest == 1
                else f"those {fewest}")
        text = (f"the homes hold {fewest} day{'' if fewest == 1 else 's'} of history, so {rows} "
                f"{read} {what}")
    else:
        text = (f"the homes hold {fewest} to {most} days of history, so {rows} {read} fewer days "
                "than named for some of them")
    console.print(f"note: {text}", highlight=False, soft_wrap=True)


def _print_ten_day(scores: dict[str, Any]) -> None:
    """The 10-day figures behind the summary: per class, and what a confidence threshold buys."""
    from .metrics import class_table, confidence_table

    ten = scores["by_window"].get("10d")
    if ten:
        out.print(class_table("10-day history: per class and confusion matrix", ten))
    if scores.get("by_confidence"):
        out.print(confidence_table("10-day history: answers by confidence",
                                   scores["by_confidence"]))


def _targets_line(targets: dict[str, dict[str, object]]) -> str:
    parts = []
    for key, item in targets.items():
        mark = {True: "[green]met[/green]", False: "[red]NOT met[/red]", None: "n/a"}[
            item["met"]]  # type: ignore[index]
        measured = item["measured"]
        shown = f"{measured:.3f}" if isinstance(measured, float) else str(measured)
        parts.append(f"{key} {shown} (target {item['target']}) {mark}")
    return "targets: " + "; ".join(parts)


def evaluate(
    model: Annotated[Path, path_option(help="Model bundle to score.")] = DEFAULT_MODEL,
    homes: Annotated[Path, path_option(
        help="Labelled homes the model never saw: another seed's, or real homes exported "
        "with their home_type.")] = DEFAULT_EVAL_HOMES,
    write: Annotated[bool, typer.Option(
        "--write/--no-write", help="Store the figures in the model's _results.json, in place "
        "of the evaluation figures training stored there, which publish checks.")] = False,
    jobs: Annotated[int, typer.Option(help="Parallel workers (-1: all cores).")] = -1,
) -> None:
    """Score the compiled model on labelled homes it never saw, per history window.

    Shows the figures; --write also stores them, and publish then checks these instead.

    When --write cannot store them (a training seed's homes, no results of this model): exit 2.
    """
    # --write is not the default: a few homes scored to look at something would otherwise
    # become, unnoticed, what publish's thresholds are checked on.
    from custom_components.home_type.core.model import results_path_for

    from .dataset import DatasetError, check_jobs, describe_shared, home_files, shared_seeds

    predictor = load_bundle(model)
    results_file = results_path_for(model)
    # Read before the evaluation: a broken results file must not cost a whole run to find out.
    results, not_stored = _results_to_update(results_file, predictor.version) if write else (
        None, None)
    try:
        check_jobs(jobs)
        home_files(homes)
    except DatasetError as err:
        raise UserError(str(err)) from None
    folder = results_file.absolute().parent
    if results is not None and not not_stored and (why := unwritable(folder)):
        raise UserError(f"{results_file}: cannot write in {folder} ({why}), so the figures "
                        "could not be stored; without --write, evaluate only shows them")
    # scikit-learn (a second and a half to import) only once the flags are good.
    from .metrics import summary_table
    from .train import evaluate_model

    with progress_bar() as progress:
        try:
            evaluation, _ = evaluate_model(predictor, homes, jobs, _task_progress(progress))
        except (DatasetError, FolderBusy) as err:
            raise UserError(str(err)) from None
    shared = shared_seeds(predictor.info.get("training_data", {}).get("seeds", []),
                          evaluation["data"]["seeds"])
    if shared:
        sharing = f"{homes} shares {describe_shared(shared)} with the training homes"
        console.print(f"[yellow]warning:[/yellow] {escape(sharing)}; these figures are not on "
                      "unseen homes", highlight=False, soft_wrap=True)
        # Stored, they would pass for figures on unseen homes (publish trusts the file).
        not_stored = not_stored or sharing
    out.print(summary_table(escape(f"{predictor.version} on {homes}"), evaluation["by_window"]))
    _note_short_history(evaluation["data"]["days"])
    _print_ten_day(evaluation)
    if not write:
        return
    if results is not None and not not_stored:
        # Read again, as a training run switching its files there would: one that finished
        # meanwhile wrote another model, and these figures are not its.
        with switching_files(folder):
            results, not_stored = _results_to_update(results_file, predictor.version)
            if results is not None and not not_stored:
                _store_evaluation(results_file, results, evaluation)
                return
    # The figures are shown; the store asked for did not happen, and a script must see that.
    raise UserError(f"nothing stored in {results_file}: {not_stored}")


def _store_evaluation(results_file: Path, results: dict[str, Any],
                      evaluation: dict[str, Any]) -> None:
    from .train import refresh_targets, write_results

    stored = results.get("evaluation") or {}
    results["evaluation"] = evaluation
    results["protocol"]["headline"] = "evaluation"
    refresh_targets(results)  # measured on the figures just stored, as report shows them
    try:
        write_results(results_file, results)
    except OSError as err:  # the disk filled up during the run, say: the figures are above
        raise UserError(f"cannot write {results_file}: {err.strerror or err}; the figures "
                        "above were not stored") from None
    data = evaluation["data"]
    before = (f" (were on {stored['data']['homes']} homes of {stored['data']['folder']})"
              if stored.get("data") else "")
    console.print(f"updated {results_file}: its evaluation figures, which publish checks, are "
                  f"now on {data['homes']} homes of {data['folder']}{before}", markup=False,
                  highlight=False, soft_wrap=True)


def _results_to_update(path: Path, version: str) -> tuple[dict[str, Any] | None, str | None]:
    """The results file evaluate may update, or why it will store nothing in it.

    A missing file or one of another model is found out before the evaluation and said after
    it, with the figures shown and exit 2; a file that cannot be read or parsed stops the run
    at once, since writing over it would hide a problem.
    """
    try:
        text = path.read_bytes()  # not UTF-8: json.loads says so, as for other broken JSON
    except FileNotFoundError:
        return None, "no such file (train writes it beside the model)"
    except OSError as err:
        raise UserError(f"{path}: cannot read it ({err.strerror}); without --write, "
                        "evaluate only shows the figures") from None
    try:
        results = json.loads(text)
    except ValueError as err:
        raise UserError(f"{path}: not a results file ({err}); fix or remove it, or leave "
                        "out --write") from None
    if not isinstance(results, dict):
        raise UserError(f"{path}: not a results file; fix or remove it, or leave out --write")
    if results.get("model_version") != version:
        return None, (f"it describes model {results.get('model_version')}, not this model "
                      f"{version}")
    # What evaluate writes into and refresh_targets reads, checked before a whole evaluation.
    for keys, kind, what in ((("protocol",), dict, "an object"),
                             (("baselines", "best_single_feature_stump", "accuracy"),
                              (int, float), "a number"),
                             (("model_size_bytes",), (int, float), "a number")):
        value: Any = results
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise UserError(f"{path}: not a results file ({'.'.join(keys)} is not {what}); fix "
                            "or remove it, or leave out --write")
    return results, None


DEFAULT_CURVE = Path("docs/learning_curve.json")
#: Fits per size of a learning curve: three is what docs/model.md's curve takes.
MAX_REPEATS: Final = 100


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise UserError(f"--sizes {text!r}: give numbers of homes, e.g. 25,50,100") from None
    if not sizes or sizes[0] < 1:
        raise UserError(f"--sizes {text!r}: give positive numbers of homes, e.g. 25,50,100")
    return sizes


def curve(
    synthetic_homes: Annotated[Path, path_option(
        help="Folder of labelled training homes, at least as many as the largest size.")
    ] = Path("data/curve_homes"),
    evaluation_homes: Annotated[Path, path_option(
        help="Homes of another seed every fit is scored on.")
    ] = Path("data/curve_evaluation_homes"),
    sizes: Annotated[str, typer.Option(help="Training-set sizes, in homes, comma-separated.")
                     ] = "25,50,100,200,400,1000,2000,3000",
    repeats: Annotated[int, typer.Option(
        help="Fits per size, each on another stratified subset.")] = 3,
    output: Annotated[Path, path_option(
        file=True, help="Where to write the curve (report renders it into docs/model.md).")
    ] = DEFAULT_CURVE,
    seed: Annotated[int, typer.Option(help="Random seed of subsets and models.")] = 42,
    jobs: Annotated[int, typer.Option(help="Parallel workers (-1: all cores).")] = -1,
) -> None:
    """Learning curve: accuracy on unseen homes against the number of training homes.

    Shows whether more homes would lift the figures, or the types overlap whatever the amount.

    And what floors are worth: the homes with floors are scored again without them.

    Homes first: [bold]generate --count 3000 --seed 2042 --output data/curve_homes[/bold]

    and: [bold]generate --count 300 --seed 3042 --output data/curve_evaluation_homes[/bold]
    """
    from custom_components.home_type.core.atomic import atomic_write_bytes

    from .dataset import DatasetError
    from .runs import CurveRun, check_curve_run

    if not 1 <= repeats <= MAX_REPEATS:  # each repeat is a fit per size: 100 is days of work
        raise UserError(f"--repeats must be from 1 to {MAX_REPEATS}, not {repeats}")
    check_output(output, "--output", DEFAULT_CURVE.name)
    if flag := homes_folder_flag(output.parent, (("--synthetic-homes", synthetic_homes),
                                                 ("--evaluation-homes", evaluation_homes))):
        raise UserError(f"--output {output}: in the homes folder of {flag}, where it would "
                        f"replace a home or be read as one; write the curve elsewhere (default: "
                        f"{DEFAULT_CURVE})")
    run = CurveRun(homes=synthetic_homes, evaluation_homes=evaluation_homes,
                   sizes=_sizes(sizes), repeats=repeats, seed=seed, n_jobs=jobs)
    try:
        check_curve_run(run)  # before the progress bar, which would print a line
        from .curve import learning_curve  # scikit-learn, once the flags are good

        with progress_bar() as progress:
            run.progress = _task_progress(progress)
            result = learning_curve(run)
    except (DatasetError, FolderBusy) as err:
        raise UserError(str(err)) from None
    for table in curve_tables(result):
        out.print(table)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(output, (json.dumps(result, indent=2) + "\n").encode())
    except OSError as err:
        raise UserError(f"--output {output}: cannot write it ({err.strerror})") from None
    console.print(f"wrote {output} in {result['seconds']:.0f} s", markup=False)


def curve_tables(result: dict[str, Any]) -> list[Table]:
    """The curve in the terminal: mean ± std of each figure per training-set size.

    The page's eleven columns, as two tables (the floor-registry figures apart) that fit a
    terminal without wrapping every cell.
    """
    from .report import CURVE_FLOOR_COLUMNS, curve_cells

    columns, rows = curve_cells(result)
    split = len(columns) - CURVE_FLOOR_COLUMNS
    homes = result["evaluation_data"]["homes"]
    tables = []
    for title, picked in ((f"learning curve on {homes} unseen homes", range(split)),
                          (f"accuracy 10d by floor registry, same {homes} homes",
                           [0, 1, *range(split, len(columns))])):  # 0, 1: homes, fits
        table = Table(title=title)
        for i in picked:
            name = columns[i].removeprefix("accuracy 10d, ")
            table.add_column(name, justify="left" if name.startswith("that") else "right")
        for cells in rows:
            table.add_row(*(cells[i] for i in picked))
        tables.append(table)
    return tables


BUNDLED_RESULTS = Path("custom_components/home_type/models/home_type_classifier_results.json")


def report(
    results: Annotated[Path, path_option(help="A model's _results.json.")] = BUNDLED_RESULTS,
    curve: Annotated[Path, path_option(
        help="A learning curve (python -m trainer curve); the default is skipped if absent.")
    ] = DEFAULT_CURVE,
    page: Annotated[Path, path_option(
        file=True, help="Markdown page whose generated section to replace (it must have one).")
    ] = Path("docs/model.md"),
) -> None:
    """Write a results file's metrics tables and the learning curve into docs/model.md."""
    from custom_components.home_type.core.atomic import atomic_write_bytes

    from .report import PageError, ReportError, update_page

    data = _read_json(results, "results file", "train a model first")
    with looking_at(curve, "--curve"):
        curve_there = curve.exists()
    if not curve_there and curve != DEFAULT_CURVE:  # a name mistyped was skipped without a word
        raise UserError(f"--curve {curve}: no such file (python -m trainer curve writes one)")
    curve_data = _read_json(curve, "learning curve", "") if curve_there else None
    try:
        old = page.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"--page {page}: no such file (report replaces the generated section "
                        "of an existing page, such as docs/model.md)") from None
    except IsADirectoryError:
        raise UserError(f"--page {page}: is a folder, not a Markdown page") from None
    except OSError as err:
        raise UserError(f"--page {page}: cannot read it ({err.strerror})") from None
    except UnicodeDecodeError:
        raise UserError(f"--page {page}: not UTF-8 text") from None
    try:
        text = update_page(old, data, str(results), curve_data, str(curve))
    except PageError as err:
        raise UserError(f"--page {page}: {err}") from None
    except ReportError as err:
        raise UserError(str(err)) from None
    try:
        atomic_write_bytes(page, text.encode())
    except OSError as err:
        raise UserError(f"--page {page}: cannot write it ({err.strerror})") from None
    console.print(f"updated {page} from {results}"
                  + (f" and {curve}" if curve_data is not None else ""), markup=False)


def _read_json(path: Path, what: str, hint: str) -> dict[str, object]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path}: no such file" + (f" ({hint})" if hint else "")) from None
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: not a {what} ({err})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a {what}")
    return data
