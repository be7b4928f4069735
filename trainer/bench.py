"""``scripts/bench``: measure speed and size, write docs/benchmarks.md and docs/benchmarks.json.

Every figure the README or docs quote comes from here. Each benchmark is a function that runs
the real command or code path and returns named measurements; results of benchmarks not run
this time are kept from the previous JSON file, so ``--only`` refreshes one section.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from custom_components.home_type.core.atomic import atomic_write_bytes

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
Measurements = dict[str, Any]
BENCHMARKS: dict[str, tuple[str, Callable[[], Measurements]]] = {}


def benchmark(name: str, title: str) -> Callable[[Callable[[], Measurements]],
                                                 Callable[[], Measurements]]:
    """Register a benchmark under ``name``; ``title`` heads its section in benchmarks.md."""
    def register(func: Callable[[], Measurements]) -> Callable[[], Measurements]:
        BENCHMARKS[name] = (title, func)
        return func
    return register


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its children now, in MB (0 if it is gone)."""
    import psutil  # comes with Home Assistant in the test extras; only the bench needs it

    try:
        process = psutil.Process(root)
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total / 1e6


def _run_timed(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user+sys of children) and the peak memory of a command.

    Memory is the sum over the command and every worker it starts, sampled every 0.1 s: what
    the machine has to hold at once, not the largest single process.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss_mb(process.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - began
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak


#: Runs of each timed command: on a shared machine, runs of the same code vary by a fifth.
RUNS = 3


def _timed_runs(command: Callable[[Path], list[str]],
                inspect: Callable[[Path], Measurements]) -> Measurements:
    """Time :data:`RUNS` runs of a command, each writing into a fresh folder.

    ``command`` builds the arguments for a folder; ``inspect`` reads what a run wrote there
    (every run writes the same). Wall and CPU seconds are each the median over the runs, with
    the range of walls beside them; memory is the largest peak.
    """
    walls, cpus, peaks = [], [], []
    written: Measurements = {}
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as name:
            wall, cpu, peak = _run_timed(command(Path(name)))
            written = inspect(Path(name))
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return {
        "runs": RUNS,
        "wall_seconds": round(float(np.median(walls)), 1),
        "wall_seconds_range": f"{min(walls):.1f}-{max(walls):.1f}",
        "cpu_seconds": round(float(np.median(cpus)), 1),
        "peak_memory_all_processes_mb": round(max(peaks), 0),
        **written,
    }


@benchmark("generate", "Generating 100 homes × 90 days (procedural, offline)")
def bench_generate() -> Measurements:
    """Time ``trainer generate`` for 100 homes of 90 days and measure what it writes."""
    def written(folder: Path) -> Measurements:
        files = list(folder.glob("home_*.json.gz"))
        return {"homes": len(files),
                "size_on_disk_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1)}

    figures = _timed_runs(lambda folder: [sys.executable, "-m", "trainer", "generate",
                                          "--count", "100", "--days", "90", "--seed", "42",
                                          "--output", str(folder)], written)
    return {
        **figures,
        "cores_used": round(figures["cpu_seconds"] / figures["wall_seconds"], 2),
        "target_wall_seconds": 60,
        "target_memory_mb": 2000,
        "original_pipeline": "26-52 hours through an LLM",
    }


def _ensure_training_data() -> tuple[Path, Path]:
    """The homes scripts/train uses; generated here if missing (same seeds and flags)."""
    train, evaluation = ROOT / "data" / "synthetic_homes", ROOT / "data" / "synthetic_homes_eval"
    for folder, seed in ((train, 42), (evaluation, 1042)):
        subprocess.run([sys.executable, "-m", "trainer", "generate", "--count", "100", "--days",
                        "90", "--seed", str(seed), "--output", str(folder)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return train, evaluation


@benchmark("train", "Training on 100 homes (seed 42), evaluated on 100 of seed 1042")
def bench_train() -> Measurements:
    """Time ``trainer train`` on the standard homes; record the model's size and fidelity."""
    train, evaluation = _ensure_training_data()

    def written(folder: Path) -> Measurements:
        model = folder / "home_type_classifier.pkl"
        results = json.loads(model.with_name("home_type_classifier_results.json").read_text())
        size = model.stat().st_size
        return {"model_file_bytes": size, "model_file_mb": round(size / 1e6, 2),
                "compiled_vs_sklearn_max_abs_diff": results["compiled_vs_sklearn_max_abs_diff"]}

    return {
        **_timed_runs(lambda folder: [sys.executable, "-m", "trainer", "train",
                                      "--synthetic-homes", str(train), "--evaluation-homes",
                                      str(evaluation), "--output",
                                      str(folder / "home_type_classifier.pkl")], written),
        "target_wall_seconds": 60,
        "target_model_mb": 2,
    }


@benchmark("classify", "Classifying one home from its snapshot (features + predict, numpy only)")
def bench_classify() -> Measurements:
    """Time loading the shipped model and classifying each evaluation home with numpy alone."""
    from custom_components.home_type.const import BUNDLED_MODEL
    from custom_components.home_type.core.classify import classify
    from custom_components.home_type.core.features import extract_features
    from custom_components.home_type.core.model import load_model

    from .dataset import load_homes, window_summary

    began = time.perf_counter()
    model = load_model(BUNDLED_MODEL)
    load_ms = (time.perf_counter() - began) * 1000
    _, evaluation = _ensure_training_data()
    homes = load_homes(evaluation)
    summaries = [window_summary(home, 10) for home in homes]
    timings = []
    feature_timings = []
    for _ in range(5):
        for home, summary in zip(homes, summaries, strict=True):
            t0 = time.perf_counter()
            extract_features(home.snapshot, summary)
            t1 = time.perf_counter()
            classify(home.snapshot, summary, model)
            t2 = time.perf_counter()
            feature_timings.append((t1 - t0) * 1000)
            timings.append((t2 - t1) * 1000)
    t0 = time.perf_counter()
    for home in homes[:20]:
        window_summary(home, 10)
    summary_ms = (time.perf_counter() - t0) * 1000 / 20
    return {
        "model": str(BUNDLED_MODEL.relative_to(ROOT)),
        "homes": len(homes),
        # classify = features + compiled forest + calibration, from snapshot and summary
        "classify_ms_median": round(float(np.median(timings)), 2),
        "classify_ms_p95": round(float(np.percentile(timings, 95)), 2),
        "features_ms_median": round(float(np.median(feature_timings)), 3),
        "summary_from_90_day_file_ms_mean": round(summary_ms, 1),
        "model_load_ms": round(load_ms, 1),
        "target_classify_ms": 10,
    }


RECORDER_BENCH = "tests/integration/bench_recorder.py"


def _recorder_figures(database: list[str]) -> Measurements:
    """Run the recorder benchmark module (pytest, real recorder) and read its figures."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "figures.json"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", RECORDER_BENCH, "-q", "-p", "no:cacheprovider",
             *database],
            cwd=ROOT, env={**os.environ, "HOME_TYPE_BENCH_RESULT": str(output)},
            capture_output=True, text=True, check=False)
        if result.returncode != 0 or not output.exists():
            output_tail = (result.stdout + result.stderr)[-4000:]
            raise RuntimeError(f"{RECORDER_BENCH} failed:\n{output_tail}")
        figures: dict[str, Any] = json.loads(output.read_text())
        return figures


def _bench_database(test_url: str) -> str:
    """The tests' server with a database of the benchmark's own, none left from a crash."""
    import sqlalchemy_utils  # a test extra, like the recorder benchmark itself

    url = test_url.rsplit("/", 1)[0] + "/home_type_bench"
    if sqlalchemy_utils.database_exists(url):
        sqlalchemy_utils.drop_database(url)
    return url


@benchmark("recorder", "Reading the live home from the recorder: 90 days, ≥ 1,000,000 state rows")
def bench_recorder() -> Measurements:
    """Measure the integration's snapshot of a large home: SQLite, and PostgreSQL if set up.

    PostgreSQL is measured when HOME_TYPE_TEST_DBURL names a server (.ci/run sets it up).
    """
    load = os.getloadavg()[0]
    values: Measurements = {
        "what": "registries + aggregate queries of a 90-day home (generated homes side by side, "
                "ids suffixed) in a file database, as the sensor reads it (median of 3); the "
                "export action (anonymised, 90 days): its time, and how far the process's "
                "resident memory rose above its level before (sampled every 5 ms, after a full "
                "garbage collection: Python's own full collections, 0.2-0.3 s in this test "
                "process whatever runs, fall outside the export's loop figures); the event "
                "loop during the reads, the integration's set-up, a refresh and the export: "
                "longest single callback, and lag of a task due every 2 ms (counts other "
                "processes' CPU use too)",
        "load_average_before": round(load, 2),
        "target_snapshot_seconds": 2,
        "target_longest_loop_callback_ms": 50,
    }
    sqlite = _recorder_figures([])
    values.update({f"sqlite_{key}": value for key, value in sqlite.items() if key != "database"})
    url = os.environ.get("HOME_TYPE_TEST_DBURL")
    if url:
        postgres = _recorder_figures(["--dburl", _bench_database(url)])
        values.update({f"postgresql_{key}": value for key, value in postgres.items()
                       if key != "database"})
    else:
        values["postgresql"] = "not measured: HOME_TYPE_TEST_DBURL is not set (see .ci/run)"
    return values


#: Additions in the reference workload: about a fifth of a second on the machines CI uses.
REFERENCE_ADDITIONS = 2_000_000


def _reference_ms(clock: Callable[[], float] = time.perf_counter) -> float:
    """Median time of a fixed pure-Python workload, in ms, taken just before a benchmark.

    The same code on the same shared machine has measured twice as slow in the afternoon as in
    the morning; CPU count and platform cannot tell that apart from a slower change. Two runs'
    figures compare when their reference times do.
    """
    timings = []
    for _ in range(5):
        began = clock()
        total = 0
        for number in range(REFERENCE_ADDITIONS):
            total += number
        timings.append((clock() - began) * 1000)
    return round(float(np.median(timings)), 0)


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
    }


def _when(section: dict[str, Any]) -> str:
    """When a section was measured, and how fast the machine was then (if recorded)."""
    when = f"Measured {section['measured_at']}"
    if "reference_ms" not in section:
        return when + "."
    return (f"{when}; the reference workload ({REFERENCE_ADDITIONS:,} additions in pure Python) "
            f"took {section['reference_ms']:.0f} ms just before: compare that first when "
            "comparing runs.")


def _render(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Generated by `scripts/bench` — do not edit by hand; re-run it. "
        "Raw figures: [benchmarks.json](benchmarks.json).",
        "",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
        f"{results['machine']['platform']}.",
        "",
    ]
    for name, (title, _) in BENCHMARKS.items():
        section = results["benchmarks"].get(name)
        if section is None:
            continue
        lines += [f"## {title}", "", _when(section), "",
                  "| measurement | value |", "| --- | --- |"]
        for key, value in section["values"].items():
            lines.append(f"| {key.replace('_', ' ')} | {value} |")
        lines.append("")
    return "\n".join(lines)


def main(
    only: Annotated[list[str] | None, typer.Option(
        help=f"Run only these benchmarks (of: {', '.join(BENCHMARKS)}).")] = None,
) -> None:
    """Run the benchmarks and write docs/benchmarks.md and docs/benchmarks.json."""
    names = only or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"error: unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        raise typer.Exit(2)
    json_path = DOCS / "benchmarks.json"
    previous = json.loads(json_path.read_text()) if json_path.exists() else {"benchmarks": {}}
    results = {"machine": _machine(), "benchmarks": dict(previous.get("benchmarks", {}))}
    for name in names:
        title, func = BENCHMARKS[name]
        print(f"==> {title}", file=sys.stderr, flush=True)
        reference = _reference_ms()
        values = func()
        results["benchmarks"][name] = {
            "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "reference_ms": reference,
            "values": values,
        }
        print(f"    reference workload: {reference:.0f} ms", file=sys.stderr)
        for key, value in values.items():
            print(f"    {key}: {value}", file=sys.stderr)
    DOCS.mkdir(exist_ok=True)
    atomic_write_bytes(json_path, (json.dumps(results, indent=2) + "\n").encode())
    atomic_write_bytes(DOCS / "benchmarks.md", _render(results).encode())
    print(f"wrote {DOCS / 'benchmarks.md'} and {json_path}", file=sys.stderr)


if __name__ == "__main__":
    typer.run(main)
