"""``generate`` and ``inspect``: the commands that make and show synthetic home files."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from .command_line import (
    FolderMismatchError,
    UserError,
    console,
    counted,
    generation_interrupted,
    out,
    path_argument,
    path_option,
    progress_bar,
    read_home,
    write_failed,
)
from .folder_lock import FolderBusy
from .generate.openai_settings import DEFAULT_LLM_MODEL, OpenAISettings
from .generate.runner import (
    DEFAULT_MIX,
    MAX_COUNT,
    MAX_DAYS,
    FolderMismatch,
    GenerationError,
    HomeJob,
    HomeResult,
    homes_to_write,
    make_procedural_home,
    parse_mix,
    plan_jobs,
    run_jobs,
)
from .generate.simulate import SIMULATOR_VERSION


def _human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} GB"


def generate(
    count: Annotated[int, typer.Option(
        help=f"Number of homes to generate (at most {MAX_COUNT}).")] = 100,
    days: Annotated[int, typer.Option(
        help=f"Days of history per home (at most {MAX_DAYS}).")] = 90,
    seed: Annotated[int, typer.Option(help="Random seed; same seed and flags, same files.")] = 42,
    output: Annotated[Path | None, path_option(
        help="Folder for home_001.json.gz … (default: data/synthetic_homes, or "
             "data/synthetic_homes_llm with --backend openai).", show_default=False)] = None,
    backend: Annotated[str, typer.Option(
        help="procedural (offline, default) or openai (layouts designed by an LLM, at OpenAI "
             "or the server OPENAI_BASE_URL names; see docs/openai.md).")
    ] = "procedural",
    mix: Annotated[str | None, typer.Option(
        help="Label mix as LABEL=WEIGHT,…, weights whole numbers (default: the original dataset's "
             + ", ".join(f"{k}={v}" for k, v in DEFAULT_MIX.items()) + ").")] = None,
    workers: Annotated[int, typer.Option(
        help="procedural: worker processes (-1: all cores this process may use).")] = -1,
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
    timeout: Annotated[float | None, typer.Option(
        "--timeout", metavar="SECONDS", show_default=False,
        help="openai: seconds to wait for a reply before the request is retried; raise it for a "
             "slow local server (no new attempt starts 300 s after a request's first, or 2.5 "
             "times this when longer). Default: 120, and 120 per 8,000 tokens of a larger "
             "--max-reply-tokens.", rich_help_panel="OpenAI backend")
    ] = None,
    max_reply_tokens: Annotated[int, typer.Option(
        "--max-reply-tokens", metavar="TOKENS",
        help="openai: the most tokens a reply may take; each request holds this much of --tpm "
             "and --max-cost until it answers. Raise it for a reasoning model (gpt-5, o-series), "
             "whose thinking counts against it.", rich_help_panel="OpenAI backend")
    ] = OpenAISettings.max_completion_tokens,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="openai: print the planned requests and the estimated tokens and "
        "cost; send nothing (no key needed).", rich_help_panel="OpenAI backend")] = False,
) -> None:
    """Generate seeded synthetic homes with simulated state changes (90 days by default).

    With --backend openai an LLM designs each home (needs OPENAI_API_KEY): see docs/openai.md.
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
            ("--timeout", timeout, None),
            ("--max-reply-tokens", max_reply_tokens, OpenAISettings.max_completion_tokens),
            ("--dry-run", dry_run, False)) if value != default]
        if given:
            raise UserError(f"{', '.join(given)}: OpenAI backend option"
                            f"{'s' if len(given) > 1 else ''}; use with --backend openai")
    elif workers != -1:  # the requests run --concurrency at once; the simulation on 2 threads
        raise UserError("--workers: procedural backend option; the OpenAI backend sends "
                        "--concurrency requests at once")
    from .dataset import DatasetError, check_jobs, check_seed  # as train and pipeline check it

    try:
        check_jobs(workers, "--workers")
        check_seed(seed)
    except DatasetError as err:
        raise UserError(str(err)) from None
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
                                                     price, timeout, max_reply_tokens))
            return
        with homes_to_write(jobs, output, overwrite) as todo:
            _generate_procedural(todo, len(jobs), output, workers, days, overwrite)
    except FolderMismatch as err:
        raise FolderMismatchError(err) from None
    except (GenerationError, FolderBusy) as err:
        raise UserError(str(err)) from None


def _generate_procedural(todo: list[HomeJob], planned: int, output: Path, workers: int,
                         days: int, overwrite: bool) -> None:
    """Write the homes still missing or outdated, in worker processes, while the folder is ours."""
    skipped = planned - len(todo)
    if skipped:
        console.print(f"{skipped} of {counted(planned, 'home')} already in {output}; "
                      + ("nothing to do." if not todo else "generating the rest "
                         "(--overwrite regenerates them)."), markup=False)
    # A worker the stop ended may have written its home first: its file is then new.
    found_before = {job.path: _file_identity(job.path) for job in todo}
    # Without --overwrite, a pending home whose file exists is of another simulator version.
    remade = 0 if overwrite else sum(found is not None for found in found_before.values())
    if remade:
        console.print(f"{counted(remade, 'home')} in {output} of another simulator version: "
                      f"making {'it' if remade == 1 else 'them'} again with version "
                      f"{SIMULATOR_VERSION}.", markup=False)
    if not todo:
        return
    # joblib's count, as train's -1: the cores a container may use (docker --cpus), not the
    # host's, each of which would simulate a home in memory of its own.
    from joblib import cpu_count  # here: joblib is no cost for the other commands

    n_workers = cpu_count() if workers == -1 else workers
    results: list[HomeResult] = []
    written_unreported: list[HomeJob] = []
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

        def lost(jobs: list[HomeJob]) -> None:
            written_unreported.extend(job for job in jobs if _file_identity(job.path)
                                      not in (None, found_before[job.path]))
            if homes := len(jobs) - len(written_unreported):
                progress.console.print(f"the stop reached their workers too: "
                                       f"{counted(homes, 'home')} in progress not finished (no "
                                       "home is left half-written; the next run makes them)",
                                       highlight=False)

        try:
            run_jobs(todo, make_procedural_home, n_workers, done, waiting, lost)
        except KeyboardInterrupt:
            progress.stop()
            raise generation_interrupted(output, len(results) + len(written_unreported),
                                         len(todo), overwrite=overwrite) from None
        except OSError as err:
            progress.stop()
            raise UserError(write_failed(output, err, len(results), len(todo),
                                         overwrite=overwrite)) from None
    generation_summary(results, output, time.perf_counter() - began, days)


def _file_identity(path: Path) -> tuple[int, int] | None:
    """Which file ``path`` is now, if any: a home written since is a new file (a rename)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns


def generation_summary(results: list[HomeResult], output: Path, seconds: float,
                       days: int) -> None:
    """Per home type, how many homes and how busy: shared by both backends' runs."""
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


def inspect(
    file: Annotated[Path, path_argument(metavar="FILE", help="A home file (.json or .json.gz).")],
) -> None:
    """Print a one-screen summary of a home file: type, floors, areas, devices, events."""
    snapshot = read_home(file)
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
