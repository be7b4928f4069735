"""Command line of the trainer: ``python -m trainer COMMAND --help`` documents each command.

A user's mistake (a bad flag value, a missing file, a broken home file) ends in one line on
stderr starting with ``error:`` and exit code 2 -- never a traceback. Ctrl-C exits with 130 and
leaves no half-written file behind (every write is atomic).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from custom_components.home_type.core.activity import summarize_events
from custom_components.home_type.core.model import (
    HomeTypeModel,
    ModelError,
    ModelMissingError,
    load_model,
)
from custom_components.home_type.core.snapshot import HomeSnapshot, SnapshotError, read_snapshot

from .generate.openai_settings import DEFAULT_LLM_MODEL, OpenAISettings
from .generate.runner import (
    DEFAULT_MIX,
    FolderMismatch,
    GenerationError,
    HomeResult,
    make_procedural_home,
    parse_mix,
    pending,
    plan_jobs,
    prepare_output,
    run_jobs,
)
from .publish import (
    DEFAULT_MIN_ACCURACY,
    DEFAULT_MIN_MACRO_F1,
    PREVIOUS_NAME,
    PublishRefused,
    Thresholds,
    publish as publish_model,
    rollback as rollback_model,
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Reports are wide tables; when output goes to a file or CI log, do not squeeze them to 80.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
out = Console(width=None if sys.stdout.isatty() else 140)

app = typer.Typer(
    name="trainer",
    help="Home Type trainer: generate synthetic homes, train and evaluate the classifier.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


class UserError(Exception):
    """A mistake the user can fix; shown as one line, exit code 2 (or ``exit_code``)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class FolderMismatchError(UserError):
    """``generate`` refused a folder of other homes; ``mismatch`` lets a caller advise its way."""

    def __init__(self, mismatch: FolderMismatch) -> None:
        super().__init__(str(mismatch))
        self.mismatch = mismatch


def print_error(message: str) -> None:
    """The one ``error:`` line; the message is shown as written (a path may hold "[x]")."""
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


def progress_bar() -> Progress:
    """The progress bar every long command shows (on stderr, so stdout stays data)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 home``, ``3 homes``: a run of one is common (``--count 1``, a resume, a retry)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def _human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} GB"


@app.command()
def generate(
    count: Annotated[int, typer.Option(help="Number of homes to generate.")] = 100,
    days: Annotated[int, typer.Option(help="Days of history per home.")] = 90,
    seed: Annotated[int, typer.Option(help="Random seed; same seed and flags, same files.")] = 42,
    output: Annotated[Path | None, typer.Option(
        help="Folder for home_001.json.gz … (default: data/synthetic_homes, or "
             "data/synthetic_homes_llm with --backend openai).", show_default=False)] = None,
    backend: Annotated[str, typer.Option(
        help="procedural (offline, default) or openai (layouts designed by an LLM; see "
             "docs/openai.md).")
    ] = "procedural",
    mix: Annotated[str | None, typer.Option(
        help="Label mix as LABEL=WEIGHT,… (default: the original dataset's "
             + ", ".join(f"{k}={v}" for k, v in DEFAULT_MIX.items()) + ").")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (-1: all cores).")] = -1,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Regenerate homes whose file exists (default: skip them).")] = False,
    model: Annotated[str, typer.Option(
        help="openai: the model that designs the homes.", rich_help_panel="OpenAI backend")
    ] = DEFAULT_LLM_MODEL,
    concurrency: Annotated[int, typer.Option(
        help="openai: requests in flight at once.", rich_help_panel="OpenAI backend")
    ] = OpenAISettings.concurrency,
    rpm: Annotated[int, typer.Option(
        help="openai: client-side limit of requests per minute.",
        rich_help_panel="OpenAI backend")] = OpenAISettings.rpm,
    tpm: Annotated[int, typer.Option(
        help="openai: client-side limit of tokens per minute (prompt + max reply, as OpenAI "
             "counts them).", rich_help_panel="OpenAI backend")] = OpenAISettings.tpm,
    max_cost: Annotated[float | None, typer.Option(
        "--max-cost", metavar="USD", show_default=False,
        help="openai: spend at most this many dollars (at the assumed prices, or --price): a "
             "request is sent only if its prompt and whole reply allowance still fit. Default: "
             "no cap.", rich_help_panel="OpenAI backend")] = None,
    price: Annotated[str | None, typer.Option(
        "--price", metavar="INPUT,OUTPUT", show_default=False,
        help="openai: USD per million input and output tokens, e.g. 0.25,2.00 (0,0 for a free "
             "server), counted by --dry-run, the summary and --max-cost in place of the assumed "
             "price. Needed for --max-cost with a model that has none. Default: the assumed "
             "price (docs/openai.md).", rich_help_panel="OpenAI backend")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="openai: print the planned requests and the estimated tokens and "
        "cost; send nothing (no key needed).", rich_help_panel="OpenAI backend")] = False,
) -> None:
    """Generate synthetic homes with 90 days of simulated state changes, offline and seeded.

    With --backend openai an LLM designs each home instead: see docs/openai.md.
    """
    if backend not in ("procedural", "openai"):
        raise UserError(f"--backend must be procedural or openai, not {backend!r}")
    if backend != "openai":
        # Given to the procedural backend they would do nothing, silently.
        given = [flag for flag, value, default in (
            ("--model", model, DEFAULT_LLM_MODEL), ("--concurrency", concurrency,
                                                     OpenAISettings.concurrency),
            ("--rpm", rpm, OpenAISettings.rpm), ("--tpm", tpm, OpenAISettings.tpm),
            ("--max-cost", max_cost, None), ("--price", price, None),
            ("--dry-run", dry_run, False)) if value != default]
        if given:
            raise UserError(f"{', '.join(given)}: OpenAI backend option"
                            f"{'s' if len(given) > 1 else ''}; use with --backend openai")
    if workers < 1 and workers != -1:
        raise UserError(f"--workers must be at least 1, or -1 for all cores, not {workers}")
    output = output or Path("data/synthetic_homes" if backend == "procedural"
                            else "data/synthetic_homes_llm")
    try:
        weights = parse_mix(mix) if mix is not None else DEFAULT_MIX
        jobs = plan_jobs(count, days, seed, output, weights, generator=backend)
        if backend == "openai":
            # Imported here: only this backend pays for loading the openai SDK.
            from .openai_command import generate_openai, openai_settings

            generate_openai(jobs, output, overwrite=overwrite, dry_run=dry_run, days=days,
                            settings=openai_settings(model, concurrency, rpm, tpm, max_cost,
                                                     price))
            return
        todo = pending(jobs, output, overwrite)
        prepare_output(output)
    except FolderMismatch as err:
        raise FolderMismatchError(err) from None
    except GenerationError as err:
        raise UserError(str(err)) from None
    skipped = len(jobs) - len(todo)
    if skipped:
        console.print(f"{skipped} of {counted(len(jobs), 'home')} already in {output}; "
                      + ("nothing to do." if not todo else "generating the rest "
                         "(--overwrite regenerates them)."), markup=False)
    if not todo:
        return
    n_workers = (os.cpu_count() or 1) if workers == -1 else workers
    results: list[HomeResult] = []
    began = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("homes", total=len(todo), status="")

        def done(result: HomeResult) -> None:
            results.append(result)
            progress.update(task, advance=1, status=f"{result.home_id} {result.home_type}")

        def waiting(running: int) -> None:
            progress.console.print(f"interrupted: waiting for the {counted(running, 'home')} in "
                                   "progress to finish (a home is written whole or not at all) …",
                                   highlight=False)

        try:
            run_jobs(todo, make_procedural_home, n_workers, done, waiting)
        except KeyboardInterrupt:
            progress.stop()
            raise UserError(
                f"interrupted: {counted(len(results), 'new home')} written to {output}; run the "
                "same command again to finish (finished homes are kept, no partial file is left)",
                EXIT_INTERRUPTED) from None
    _generation_summary(results, output, time.perf_counter() - began, days)


def _generation_summary(results: list[HomeResult], output: Path, seconds: float,
                        days: int) -> None:
    if not results:
        return
    table = Table(title=Text(
        f"{counted(len(results), 'home')} written to {output} in {seconds:.1f} s"))
    table.add_column("home type")
    table.add_column("homes", justify="right")
    table.add_column("events/day (mean)", justify="right")
    by_type: dict[str, list[HomeResult]] = {}
    for result in results:
        by_type.setdefault(result.home_type, []).append(result)
    for label in sorted(by_type, key=lambda k: -len(by_type[k])):
        group = by_type[label]
        table.add_row(label, str(len(group)),
                      f"{sum(r.events for r in group) / len(group) / days:,.0f}")
    events = sum(r.events for r in results)
    size = sum(r.bytes for r in results)
    table.add_section()
    table.add_row("total", str(len(results)), f"{events / len(results) / days:,.0f}")
    console.print(table)
    console.print(f"{events:,} state changes, {_human_bytes(size)} on disk.")


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A home file (.json or .json.gz).")],
) -> None:
    """Print a one-screen summary of a home file: type, floors, areas, devices, events."""
    snapshot = _read(file)
    meta = snapshot.metadata
    span = snapshot.events.span
    table = Table(title=Text(f"{snapshot.home_id}: {snapshot.home_type or 'unlabelled'}"),
                  show_header=False)
    table.add_column(style="bold")
    table.add_column()

    def row(name: str, value: str) -> None:
        table.add_row(name, Text(value))  # the file's own names, shown as written, not as markup

    row("made by", f"{meta.get('generator', '?')} (seed {meta.get('seed', '?')})")
    row("place", f"{meta.get('timezone', '?')}, latitude {meta.get('latitude', '?')}")
    row("residents", f"{meta.get('residents', '?')} ({meta.get('occupancy', '?')})")
    floors = ", ".join(f"{f.name} ({f.level})" for f in sorted(
        snapshot.floors, key=lambda f: (f.level is None, f.level or 0))) or "none defined"
    row("floors", floors)
    per_floor = Counter(a.floor_id for a in snapshot.areas)
    row("areas", f"{len(snapshot.areas)}: " + ", ".join(
        f"{floor or 'no floor'} {n}" for floor, n in per_floor.most_common()))
    row("devices", f"{len(snapshot.devices)} "
        f"({sum(d.area_id is None for d in snapshot.devices)} without an area)")
    domains = Counter(e.domain for e in snapshot.entities)
    row("entities", f"{len(snapshot.entities)}: " + ", ".join(
        f"{d} {n}" for d, n in domains.most_common()))
    if span is None:
        row("events", "none (structure only)")
    else:
        days = max((span[1] - span[0]) / 86400, 1 / 24)
        first = time.strftime("%Y-%m-%d %H:%M", time.gmtime(span[0]))
        last = time.strftime("%Y-%m-%d %H:%M", time.gmtime(span[1]))
        row("events", f"{len(snapshot.events):,} ({len(snapshot.events) / days:,.0f} per day)")
        row("span", f"{first} → {last} UTC ({days:.1f} days)")
        busiest = Counter(int(i) for i in snapshot.events.index).most_common(3)
        row("busiest", ", ".join(
            f"{snapshot.events.entities[i]} ({n / days:,.0f}/day)" for i, n in busiest))
    out.print(table)


DEFAULT_MODEL = Path("models/home_type_classifier.pkl")
BUNDLED_MODEL = Path("custom_components/home_type/models/home_type_classifier.pkl")
DEFAULT_EVAL_HOMES = Path("data/synthetic_homes_eval")


def _task_progress(progress: Progress) -> Callable[[str, int, int], None]:
    """Adapt the training's (step, done, total) callbacks to rich progress tasks."""
    tasks: dict[str, TaskID] = {}

    def update(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(step, total=total, status="")
        progress.update(tasks[step], completed=done, total=total)
    return update


#: What to say when the default model is missing: a fresh checkout has trained none yet.
NO_MODEL_YET = (f"; no model has been trained here yet: run scripts/train, or use the one bundled "
                f"with the integration, {BUNDLED_MODEL}")


def _load_model(path: Path) -> HomeTypeModel:
    """Load a bundle as Home Assistant does; a refusal is the user's one-line error."""
    try:
        return load_model(path)
    except ModelMissingError as err:
        hint = NO_MODEL_YET if path == DEFAULT_MODEL else ""
        raise UserError(f"{err}{hint}") from None
    except ModelError as err:
        raise UserError(str(err)) from None


def check_output(path: Path, flag: str, example: str, *beside: Path) -> None:
    """Refuse an output that cannot be written before the long work, not after it.

    ``beside`` are the other files written next to it (a model's hash, joblib and results):
    none may be a folder, and the nearest existing parent must be a folder one can write in.
    Nothing is created here; the folder is made when the files are written.
    """
    if path.is_dir():
        raise UserError(f"{flag} {path}: is a folder; give a file name, e.g. {path / example}")
    for other in beside:
        if other.is_dir():
            raise UserError(f"{flag} {path}: {other} is a folder, and a file goes there")
    _check_writable(path, flag, path.absolute().parent)


def check_folder_output(folder: Path, flag: str) -> None:
    """Refuse a destination folder that cannot be written, as :func:`check_output` a file."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{flag} {folder}: is a file, not a folder")
    _check_writable(folder, flag, folder.absolute())


def _check_writable(given: Path, flag: str, start: Path) -> None:
    """The nearest existing path at or above ``start`` must be a folder one can write in."""
    nearest = next(p for p in [start, *start.parents] if p.exists())
    if not nearest.is_dir():
        raise UserError(f"{flag} {given}: {nearest} is a file, not a folder")
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise UserError(f"{flag} {given}: cannot write in {nearest} (permission denied)")


def check_model_output(path: Path, flag: str) -> None:
    """:func:`check_output` for a model bundle and the files training writes beside it."""
    from .runs import TrainingRun

    check_output(path, flag, DEFAULT_MODEL.name,
                 *TrainingRun(homes=Path(), output=path).written[1:])


@app.command()
def train(
    synthetic_homes: Annotated[Path, typer.Option(
        help="Folder of labelled training homes.")] = Path("data/synthetic_homes"),
    output: Annotated[Path, typer.Option(help="Where to write the model bundle.")] = DEFAULT_MODEL,
    test_size: Annotated[float, typer.Option(
        help="Share of homes held out (split by home, stratified by label).")] = 0.2,
    evaluation_homes: Annotated[Path | None, typer.Option(
        help="Homes generated with another seed, scored with the final model (default: "
             f"{DEFAULT_EVAL_HOMES} if it exists).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed of splits and model.")] = 42,
    copies: Annotated[int, typer.Option(
        help="Thinned copies of each home per history window (augmentation).")] = 4,
    jobs: Annotated[int, typer.Option(help="Parallel workers (-1: all cores).")] = -1,
) -> None:
    """Train the classifier, evaluate it honestly, write the bundle and its results file."""
    from .dataset import DatasetError
    from .runs import TrainingRun, check_training_run

    if evaluation_homes is None and DEFAULT_EVAL_HOMES.is_dir():
        evaluation_homes = DEFAULT_EVAL_HOMES
    if copies < 1:
        raise UserError("--copies must be at least 1")
    check_model_output(output, "--output")
    run = TrainingRun(homes=synthetic_homes, output=output, evaluation_homes=evaluation_homes,
                      test_size=test_size, seed=seed, copies=copies, n_jobs=jobs)
    try:
        check_training_run(run)  # before the progress bar, which would print a line
        # scikit-learn (a second and a half to import) only once the flags are good.
        from .metrics import class_table, summary_table
        from .train import run_training

        with progress_bar() as progress:
            run.progress = _task_progress(progress)
            results = run_training(run)
    except DatasetError as err:
        raise UserError(str(err)) from None
    except OSError as err:
        raise UserError(f"cannot write {err.filename}: {err.strerror}") from None
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
    ten = headline["by_window"].get("10d")
    if ten:
        out.print(class_table("10-day history: per class and confusion matrix", ten))
    cv = results["cross_validation"]
    out.print(f"grouped {cv['folds']}-fold CV ({cv['window']}): accuracy "
              f"{cv['accuracy_mean']:.3f} ± {cv['accuracy_std']:.3f}, macro F1 "
              f"{cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}")
    out.print(_targets_line(results["targets"]))
    out.print(f"wrote {output} ({results['model_size_bytes'] / 1e6:.2f} MB, compiled = "
              f"scikit-learn within {results['compiled_vs_sklearn_max_abs_diff']:.1e}), "
              f"{run.sklearn_path.name}, {run.results_path.name} in "
              f"{results['training_seconds']:.0f} s", markup=False)


def _targets_line(targets: dict[str, dict[str, object]]) -> str:
    parts = []
    for key, item in targets.items():
        mark = {True: "[green]met[/green]", False: "[red]NOT met[/red]", None: "n/a"}[
            item["met"]]  # type: ignore[index]
        measured = item["measured"]
        shown = f"{measured:.3f}" if isinstance(measured, float) else str(measured)
        parts.append(f"{key} {shown} (target {item['target']}) {mark}")
    return "targets: " + "; ".join(parts)


@app.command()
def evaluate(
    model: Annotated[Path, typer.Option(help="Model bundle to score.")] = DEFAULT_MODEL,
    homes: Annotated[Path, typer.Option(
        help="Labelled homes the model never saw (another seed).")] = DEFAULT_EVAL_HOMES,
    write: Annotated[bool, typer.Option(
        help="Store the figures in the model's _results.json.")] = True,
    jobs: Annotated[int, typer.Option(help="Parallel workers (-1: all cores).")] = -1,
) -> None:
    """Score the compiled model on homes of another seed, per history window."""
    from custom_components.home_type.core.model import results_path_for

    from .dataset import DatasetError, check_jobs, home_files, shared_seeds

    predictor = _load_model(model)
    results_file = results_path_for(model)
    # Read before the evaluation: a broken results file must not cost a whole run to find out.
    results, not_stored = _results_to_update(results_file, predictor.version) if write else (
        None, None)
    try:
        check_jobs(jobs)
        home_files(homes)
    except DatasetError as err:
        raise UserError(str(err)) from None
    # scikit-learn (a second and a half to import) only once the flags are good.
    from .metrics import class_table, summary_table
    from .train import evaluate_model, refresh_targets, write_results

    with progress_bar() as progress:
        try:
            evaluation, _ = evaluate_model(predictor, homes, jobs, _task_progress(progress))
        except DatasetError as err:
            raise UserError(str(err)) from None
    shared = shared_seeds(predictor.info.get("training_data", {}).get("seeds", []),
                          evaluation["data"]["seeds"])
    if shared:
        console.print(f"[yellow]warning:[/yellow] {escape(str(homes))} shares a seed "
                      f"({', '.join(shared)}) with the training homes; these figures are not on "
                      "unseen homes",
                      highlight=False, soft_wrap=True)
        # Stored, they would pass for figures on unseen homes (publish trusts the file).
        not_stored = not_stored or f"{homes} shares a seed with the training homes"
    out.print(summary_table(escape(f"{predictor.version} on {homes}"), evaluation["by_window"]))
    if "10d" in evaluation["by_window"]:
        out.print(class_table("10-day history: per class and confusion matrix",
                              evaluation["by_window"]["10d"]))
    if not write:
        return
    if results is None or not_stored:
        console.print(f"nothing stored in {results_file}: {not_stored}", markup=False,
                      highlight=False, soft_wrap=True)
        return
    results["evaluation"] = evaluation
    results["protocol"]["headline"] = "evaluation"
    refresh_targets(results)  # measured on the figures just stored, as report shows them
    write_results(results_file, results)
    console.print(f"updated {results_file}", markup=False)


def _results_to_update(path: Path, version: str) -> tuple[dict[str, Any] | None, str | None]:
    """The results file evaluate may update, or why it will store nothing in it.

    A missing file or one of another model is no error (the figures are still shown); a file
    that cannot be read or parsed is, since writing over it would hide a problem.
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None, "no such file (train writes it beside the model)"
    except OSError as err:
        raise UserError(f"{path}: cannot read it ({err.strerror}); --no-write skips "
                        "it") from None
    try:
        results = json.loads(text)
    except ValueError as err:
        raise UserError(f"{path}: not a results file ({err}); fix or remove it, or use "
                        "--no-write") from None
    if not isinstance(results, dict):
        raise UserError(f"{path}: not a results file; fix or remove it, or use --no-write")
    if results.get("model_version") != version:
        return None, (f"it describes model {results.get('model_version')}, not this model "
                      f"{version}")
    return results, None


DEFAULT_CURVE = Path("docs/learning_curve.json")


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise UserError(f"--sizes {text!r}: give numbers of homes, e.g. 25,50,100") from None
    if not sizes or sizes[0] < 1:
        raise UserError(f"--sizes {text!r}: give positive numbers of homes, e.g. 25,50,100")
    return sizes


@app.command()
def curve(
    synthetic_homes: Annotated[Path, typer.Option(
        help="Folder of labelled training homes, at least as many as the largest size.")
    ] = Path("data/curve_homes"),
    evaluation_homes: Annotated[Path, typer.Option(
        help="Homes of another seed every fit is scored on.")
    ] = Path("data/curve_evaluation_homes"),
    sizes: Annotated[str, typer.Option(
        help="Training-set sizes, in homes, comma-separated.")] = "25,50,100,200,400,1000",
    repeats: Annotated[int, typer.Option(
        help="Fits per size, each on another stratified subset.")] = 3,
    output: Annotated[Path, typer.Option(
        help="Where to write the curve (report renders it into docs/model.md).")
    ] = DEFAULT_CURVE,
    seed: Annotated[int, typer.Option(help="Random seed of subsets and models.")] = 42,
    jobs: Annotated[int, typer.Option(help="Parallel workers (-1: all cores).")] = -1,
) -> None:
    """Learning curve: accuracy on unseen homes against the number of training homes.

    Shows whether more homes would lift the figures, or the types overlap whatever the amount.

    Homes first: [bold]generate --count 1000 --seed 2042 --output data/curve_homes[/bold]

    and: [bold]generate --count 300 --seed 3042 --output data/curve_evaluation_homes[/bold]
    """
    from custom_components.home_type.core.atomic import atomic_write_bytes

    from .dataset import DatasetError
    from .runs import CurveRun, check_curve_run

    if repeats < 1:
        raise UserError("--repeats must be at least 1")
    check_output(output, "--output", DEFAULT_CURVE.name)
    run = CurveRun(homes=synthetic_homes, evaluation_homes=evaluation_homes,
                   sizes=_sizes(sizes), repeats=repeats, seed=seed, n_jobs=jobs)
    try:
        check_curve_run(run)  # before the progress bar, which would print a line
        from .curve import learning_curve  # scikit-learn, once the flags are good

        with progress_bar() as progress:
            run.progress = _task_progress(progress)
            result = learning_curve(run)
    except DatasetError as err:
        raise UserError(str(err)) from None
    out.print(curve_table(result))
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(output, (json.dumps(result, indent=2) + "\n").encode())
    except OSError as err:
        raise UserError(f"--output {output}: cannot write it ({err.strerror})") from None
    console.print(f"wrote {output} in {result['seconds']:.0f} s", markup=False)


def curve_table(result: dict[str, object]) -> Table:
    """The curve as a terminal table: mean ± std of each figure per training-set size."""
    table = Table(title="learning curve on "
                        f"{result['evaluation_data']['homes']} unseen homes")  # type: ignore[index]
    for column in ("training homes", "fits", "accuracy 10d", "macro F1 10d",
                   "lowest class precision 10d", "that class (fits)", "accuracy, no history"):
        table.add_column(column, justify="left" if column.startswith("that") else "right")
    for point in result["points"]:  # type: ignore[attr-defined]
        figures = [f"{point[key]['mean']:.3f} ± {point[key]['std']:.3f}"
                   for key in ("accuracy_10d", "macro_f1_10d", "min_class_precision_10d",
                               "accuracy_none")]
        weakest = ", ".join(f"{label} ({n})"
                            for label, n in point["lowest_precision_class_10d"].items())
        table.add_row(str(point["homes"]), str(point["fits"]), *figures[:3], weakest,
                      figures[3])
    return table


@app.command()
def classify(
    files: Annotated[list[Path], typer.Argument(metavar="FILE",
                                                    help="Home files (.json or .json.gz).")],
    model: Annotated[Path, typer.Option(help="Model bundle.")] = DEFAULT_MODEL,
    history_days: Annotated[float, typer.Option(
        help="History window before the home's end, in days (0: structure only; at most "
             "90, as in the integration's options and the trained windows).")] = 10,
) -> None:
    """Classify homes; prints one JSON object per home (works for unlabelled homes).

    A file that cannot be read gets an error line and the others are still classified; the
    exit code is then 2.
    """
    from custom_components.home_type.const import MAX_HISTORY_DAYS
    from custom_components.home_type.core.classify import classify as classify_home

    from .dataset import as_home, window_summary

    if not 0 <= history_days <= MAX_HISTORY_DAYS:  # also refuses nan
        raise UserError(f"--history-days must be from 0 to {MAX_HISTORY_DAYS} days (the "
                        f"longest window the model is trained on), not {history_days:g}")
    predictor = _load_model(model)
    failed = 0
    for path in files:
        try:
            home = as_home(_read(path))
        except UserError as err:
            print_error(str(err))
            failed += 1
            continue
        end = home.end
        summary = (window_summary(home, None) if history_days == 0 else
                   summarize_events(home.snapshot.events, home.timezone,
                                    end - history_days * 86400.0, end,
                                    history_start=home.history_start))
        result = classify_home(home.snapshot, summary, predictor).as_dict()
        print(json.dumps({"file": str(path), "home_id": home.home_id, **result},
                         ensure_ascii=False), flush=True)
    if failed:  # each has had its error line already
        sys.exit(EXIT_USAGE)


@app.command()
def verify(
    model: Annotated[Path, typer.Argument(
        metavar="MODEL", help="Model bundle to check.")] = DEFAULT_MODEL,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object (the model and the sample's result) instead of "
                       "the report, for scripts.")] = False,
) -> None:
    """Load a bundle as Home Assistant does (no scikit-learn) and classify a sample home."""
    from datetime import date

    import numpy as np

    from custom_components.home_type.core.classify import classify as classify_home

    from .dataset import as_home, window_summary
    from .generate.procedural import design_home
    from .generate.simulate import simulate

    predictor = _load_model(model)
    rng = np.random.default_rng(2024)
    sample = simulate(design_home("townhouse", rng), home_id="verify_sample", days=3,
                      start_day=date(2025, 3, 3), rng=rng)
    home = as_home(sample)
    result = classify_home(sample, window_summary(home, 3), predictor)
    if "sklearn" in sys.modules:
        raise UserError("verify imported scikit-learn; the bundle must not need it")
    info = predictor.info.get("training_data", {})
    if as_json:
        print(json.dumps({"model": str(model), "version": predictor.version,
                          "classes": list(predictor.classes),
                          "features": len(predictor.feature_names), "training_data": info,
                          "sample": {"home_type": "townhouse", "days": 3,
                                     "result": result.as_dict()}}))
        return
    out.print(f"[green]ok[/green] {escape(str(model))}: version {predictor.version}, "
              f"{len(predictor.classes)} classes, {len(predictor.feature_names)} features, "
              f"trained on {info.get('homes', '?')} homes "
              f"(seeds {', '.join(info.get('seeds', []))})"
              f"; hash checked; loaded without scikit-learn")
    verdict = ("right" if result.home_type == "townhouse" else
               "wrong (one home; the results file has the measured figures)")
    out.print(f"sample townhouse (3 days, generated now) → {result.home_type} "
              f"({result.confidence:.2f}): {verdict}", soft_wrap=True)


BUNDLED_RESULTS = Path("custom_components/home_type/models/home_type_classifier_results.json")


@app.command()
def report(
    results: Annotated[Path, typer.Option(help="A model's _results.json.")] = BUNDLED_RESULTS,
    curve: Annotated[Path, typer.Option(
        help="A learning curve (python -m trainer curve); skipped if the file is absent.")
    ] = DEFAULT_CURVE,
    page: Annotated[Path, typer.Option(help="Markdown page whose generated section to "
                                            "replace (it must have one).")] = Path("docs/model.md"),
) -> None:
    """Write a results file's metrics tables and the learning curve into docs/model.md."""
    from custom_components.home_type.core.atomic import atomic_write_bytes

    from .report import PageError, ReportError, update_page

    data = _read_json(results, "results file", "train a model first")
    curve_data = _read_json(curve, "learning curve", "") if curve.exists() else None
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


DEFAULT_PUBLISH_DIR = Path("models/published")


@app.command()
def publish(
    model: Annotated[Path | None, typer.Argument(
        metavar="MODEL", help=f"Model bundle to publish (default: {DEFAULT_MODEL}).",
        show_default=False)] = None,
    *,
    to: Annotated[Path, typer.Option(
        "--to", help="Folder Home Assistant reads the model from (its model path option points "
                     "to home_type_classifier.pkl in it); docker-compose mounts "
                     f"{DEFAULT_PUBLISH_DIR} there.")] = DEFAULT_PUBLISH_DIR,
    min_accuracy: Annotated[float, typer.Option(
        min=0.0, max=1.0, envvar="HOME_TYPE_MIN_ACCURACY",
        help="Least accuracy with a 10-day history (evaluation homes, else held-out homes).")
    ] = DEFAULT_MIN_ACCURACY,
    min_macro_f1: Annotated[float, typer.Option(
        min=0.0, max=1.0, envvar="HOME_TYPE_MIN_MACRO_F1",
        help="Least macro F1 with a 10-day history.")] = DEFAULT_MIN_MACRO_F1,
    force: Annotated[bool, typer.Option(
        "--force", help="Publish below the thresholds or without a results file (never a model "
                        "that fails its hash, allow-list or version checks).")] = False,
    rollback: Annotated[bool, typer.Option(
        "--rollback", help="Make the previous model (home_type_classifier.previous.pkl) current "
                           "again; the current one becomes previous.")] = False,
) -> None:
    """Copy a verified, good enough model to where Home Assistant reads it, atomically.

    Refusals exit 7 (the model fails verification: missing, hash, allow-list, versions) or 8
    (no results file, figures measured on homes of a training seed, or below the thresholds),
    and change nothing at the destination.
    """
    if rollback and model is not None:
        raise UserError("--rollback restores the previous model of --to; give no MODEL with it")
    if rollback and force:
        # A rollback checks the previous model's files, never its figures: nothing to force.
        raise UserError("--rollback restores the previous model of --to; --force has no "
                        "meaning with it")
    try:
        if rollback:
            outcome = rollback_model(to)
        else:
            outcome = publish_model(model or DEFAULT_MODEL, to,
                                    Thresholds(min_accuracy, min_macro_f1), force=force)
    except PublishRefused as err:
        hint = NO_MODEL_YET if model is None and not rollback and not DEFAULT_MODEL.exists() else ""
        raise UserError(f"{err}{hint}", err.exit_code) from None
    if outcome.dropped:
        console.print(f"[yellow]warning:[/yellow] the model found in {escape(str(to))} was not "
                      f"kept as previous: {escape(outcome.dropped)}", highlight=False,
                      soft_wrap=True)
    if outcome.unchanged:
        out.print(f"{outcome.model_path} is already model {outcome.version}; nothing to switch "
                  f"({outcome.quality})", markup=False, highlight=False, soft_wrap=True)
        return
    out.print(f"published {outcome.model_path}: {outcome.replaced or 'none'} → "
              f"{outcome.version} ({outcome.quality})", markup=False, highlight=False,
              soft_wrap=True)
    if outcome.replaced:
        out.print(f"previous model kept as {to / PREVIOUS_NAME} (publish --rollback --to {to} "
                  "restores it)", markup=False, highlight=False, soft_wrap=True)


def _read(path: Path) -> HomeSnapshot:
    try:
        return read_snapshot(path)
    except SnapshotError as err:
        raise UserError(str(err)) from None


# The pipeline runs the commands above in order; importing it registers it on ``app``.
from . import pipeline_command  # noqa: E402, F401


def main() -> None:
    """Entry point: run the app and turn user errors into one clean line."""
    try:
        # Without standalone mode typer does not exit: it turns Ctrl-C during a command into
        # Exit(130), and any Exit into a returned code (0 after --help), which must be passed on.
        code = app(standalone_mode=False)
    except UserError as err:
        print_error(str(err))
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        console.print("interrupted", highlight=False)
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as err:
        sys.exit(err.exit_code)
    except typer.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as err:  # click's usage errors (typer's copy of click) without standalone
        format_message = getattr(err, "format_message", None)
        if not callable(format_message):
            raise
        # One line like every other mistake, with where to look, instead of click's three.
        ctx = getattr(err, "ctx", None)
        hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        print_error(f"{str(format_message()).rstrip('.')}{hint}")
        sys.exit(getattr(err, "exit_code", EXIT_USAGE))
    if code == EXIT_INTERRUPTED:
        console.print("interrupted", highlight=False)
    if isinstance(code, int) and code:
        sys.exit(code)
