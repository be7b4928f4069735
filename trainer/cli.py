"""Command line of the trainer: ``python -m trainer COMMAND --help`` documents each command.

A user's mistake (a bad flag value, a missing file, a broken home file) ends in one line on
stderr starting with ``error:`` and exit code 2 -- never a traceback. Ctrl-C exits with 130 and
leaves no half-written file behind (every write is atomic).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from custom_components.home_type.core.snapshot import HomeSnapshot, SnapshotError, read_snapshot

from .generate.openai_settings import DEFAULT_LLM_MODEL, OpenAISettings
from .generate.runner import (
    DEFAULT_MIX,
    GenerationError,
    HomeResult,
    make_procedural_home,
    parse_mix,
    pending,
    plan_jobs,
    prepare_output,
    run_jobs,
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

console = Console(stderr=True)
out = Console()

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
    workers: Annotated[int, typer.Option(help="Worker processes (default: all cores).")] = 0,
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
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="openai: print the planned requests and the estimated tokens and "
        "cost; send nothing (no key needed).", rich_help_panel="OpenAI backend")] = False,
) -> None:
    """Generate synthetic homes with 90 days of simulated state changes, offline and seeded.

    With --backend openai an LLM designs each home instead: see docs/openai.md.
    """
    if backend not in ("procedural", "openai"):
        raise UserError(f"--backend must be procedural or openai, not {backend!r}")
    if dry_run and backend != "openai":
        raise UserError("--dry-run plans OpenAI requests: use it with --backend openai")
    output = output or Path("data/synthetic_homes" if backend == "procedural"
                            else "data/synthetic_homes_llm")
    try:
        weights = parse_mix(mix) if mix is not None else DEFAULT_MIX
        jobs = plan_jobs(count, days, seed, output, weights, generator=backend)
        if backend == "openai":
            # Imported here: only this backend pays for loading the openai SDK.
            from .openai_command import generate_openai, openai_settings  # noqa: PLC0415

            generate_openai(jobs, output, overwrite=overwrite, dry_run=dry_run, days=days,
                            settings=openai_settings(model, concurrency, rpm, tpm))
            return
        prepare_output(output)
    except GenerationError as err:
        raise UserError(str(err)) from None
    todo = pending(jobs, overwrite)
    skipped = len(jobs) - len(todo)
    if skipped:
        console.print(f"{skipped} of {len(jobs)} homes already in {output}; "
                      + ("nothing to do." if not todo else "generating the rest "
                         "(--overwrite regenerates them)."))
    n_workers = workers or os.cpu_count() or 1
    results: list[HomeResult] = []
    began = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("homes", total=len(todo), status="")

        def done(result: HomeResult) -> None:
            results.append(result)
            progress.update(task, advance=1, status=f"{result.home_id} {result.home_type}")

        try:
            run_jobs(todo, make_procedural_home, n_workers, done)
        except KeyboardInterrupt:
            progress.stop()
            raise UserError(
                f"interrupted: {len(results)} new homes written to {output}; run the same "
                "command again to finish (finished homes are kept, no partial file is left)",
                EXIT_INTERRUPTED) from None
    _generation_summary(results, output, time.perf_counter() - began, days)


def _generation_summary(results: list[HomeResult], output: Path, seconds: float,
                        days: int) -> None:
    if not results:
        return
    table = Table(title=f"{len(results)} homes written to {output} in {seconds:.1f} s")
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
    file: Annotated[Path, typer.Argument(help="A home file (.json or .json.gz).")],
) -> None:
    """Print a one-screen summary of a home file: type, floors, areas, devices, events."""
    snapshot = _read(file)
    meta = snapshot.metadata
    span = snapshot.events.span
    table = Table(title=f"{snapshot.home_id}: {snapshot.home_type or 'unlabelled'}",
                  show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("made by", f"{meta.get('generator', '?')} (seed {meta.get('seed', '?')})")
    table.add_row("place", f"{meta.get('timezone', '?')}, latitude {meta.get('latitude', '?')}")
    table.add_row("residents", f"{meta.get('residents', '?')} ({meta.get('occupancy', '?')})")
    floors = ", ".join(f"{f.name} ({f.level})" for f in sorted(
        snapshot.floors, key=lambda f: (f.level is None, f.level or 0))) or "none defined"
    table.add_row("floors", floors)
    per_floor = Counter(a.floor_id for a in snapshot.areas)
    table.add_row("areas", f"{len(snapshot.areas)}: " + ", ".join(
        f"{floor or 'no floor'} {n}" for floor, n in per_floor.most_common()))
    table.add_row("devices", f"{len(snapshot.devices)} "
                  f"({sum(d.area_id is None for d in snapshot.devices)} without an area)")
    domains = Counter(e.domain for e in snapshot.entities)
    table.add_row("entities", f"{len(snapshot.entities)}: " + ", ".join(
        f"{d} {n}" for d, n in domains.most_common()))
    if span is None:
        table.add_row("events", "none (structure only)")
    else:
        days = max((span[1] - span[0]) / 86400, 1 / 24)
        first = time.strftime("%Y-%m-%d %H:%M", time.gmtime(span[0]))
        last = time.strftime("%Y-%m-%d %H:%M", time.gmtime(span[1]))
        table.add_row("events", f"{len(snapshot.events):,} ({len(snapshot.events) / days:,.0f} "
                      "per day)")
        table.add_row("span", f"{first} → {last} UTC ({days:.1f} days)")
        busiest = Counter(snapshot.events.index.tolist()).most_common(3)
        table.add_row("busiest", ", ".join(
            f"{snapshot.events.entities[i]} ({n / days:,.0f}/day)" for i, n in busiest))
    out.print(table)


def _read(path: Path) -> HomeSnapshot:
    try:
        return read_snapshot(path)
    except SnapshotError as err:
        raise UserError(str(err)) from None


def main() -> None:
    """Entry point: run the app and turn user errors into one clean line."""
    try:
        app(standalone_mode=False)
    except UserError as err:
        console.print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        console.print("interrupted", highlight=False)
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as err:
        sys.exit(err.exit_code)
    except typer.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as err:  # click's usage errors when standalone_mode is off
        show = getattr(err, "show", None)
        if callable(show):
            show()
            sys.exit(getattr(err, "exit_code", EXIT_USAGE))
        raise
