"""``scripts/bench`` (trainer/bench.py) without its timings: the files it writes and what they keep.

The benchmarks themselves take minutes; these tests swap them for instant ones and check that
docs/benchmarks.md always renders docs/benchmarks.json, and that ``--only`` refreshes one
section and keeps the others.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from tests.conftest import ROOT
from trainer import bench


def test_committed_benchmark_page_renders_its_json() -> None:
    """The page's figures are the JSON's figures, not edited apart from them."""
    results = json.loads((ROOT / "docs" / "benchmarks.json").read_text())
    assert (ROOT / "docs" / "benchmarks.md").read_text() == bench._render(results)


@pytest.fixture
def docs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Two instant benchmarks writing into a temporary docs folder."""
    monkeypatch.setattr(bench, "DOCS", tmp_path)
    monkeypatch.setattr(bench, "_reference_ms", lambda: 210.0)
    monkeypatch.setattr(bench, "BENCHMARKS", {
        "first": ("First thing", lambda: {"wall_seconds": 1.5, "target_wall_seconds": 60}),
        "second": ("Second thing", lambda: {"size_mb": 2.0}),
    })
    return tmp_path


def test_only_refreshes_one_section_and_keeps_the_others(docs: Path) -> None:
    kept = {"measured_at": "2020-01-01 00:00 UTC", "values": {"size_mb": 9.0}}
    (docs / "benchmarks.json").write_text(json.dumps(
        {"machine": {"cpus": 1}, "benchmarks": {"second": kept,
                                                 "gone": {"measured_at": "x", "values": {}}}}))
    bench.main(only=["first"])
    results = json.loads((docs / "benchmarks.json").read_text())
    assert results["machine"] == bench._machine()
    assert results["benchmarks"]["second"] == kept
    assert results["benchmarks"]["first"]["values"] == {"wall_seconds": 1.5,
                                                        "target_wall_seconds": 60}
    assert results["benchmarks"]["first"]["reference_ms"] == 210.0
    page = (docs / "benchmarks.md").read_text()
    assert page == bench._render(results)
    assert page.index("## First thing") < page.index("## Second thing")
    assert "| wall seconds | 1.5 |" in page and "| size mb | 9.0 |" in page
    # A section measured before the reference existed says only when.
    assert "\nMeasured 2020-01-01 00:00 UTC.\n" in page
    assert ("; the reference workload (2,000,000 additions in pure Python) took 210 ms just "
            "before: compare that first when comparing runs.\n") in page


def test_the_reference_workload_is_timed_in_ms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five runs of the fixed loop, their median: a machine's speed, not one lucky run's."""
    clock = iter([0.0, 0.1, 1.0, 1.3, 2.0, 2.2, 3.0, 3.9, 4.0, 4.25])
    monkeypatch.setattr(bench, "REFERENCE_ADDITIONS", 10)
    assert bench._reference_ms(lambda: next(clock)) == 250.0


def test_a_first_run_of_one_benchmark_shows_only_it(docs: Path) -> None:
    bench.main(only=["second"])
    results = json.loads((docs / "benchmarks.json").read_text())
    assert list(results["benchmarks"]) == ["second"]
    page = (docs / "benchmarks.md").read_text()
    assert "## Second thing" in page and "First thing" not in page


def test_an_unknown_benchmark_is_one_line_and_writes_nothing(
        docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as stop:
        bench.main(only=["first", "nope"])
    assert stop.value.exit_code == 2
    assert capsys.readouterr().err == "error: unknown benchmark nope; known: first, second\n"
    assert list(docs.iterdir()) == []


def test_a_failed_command_is_no_measurement() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        bench._run_timed([sys.executable, "-c", "raise SystemExit(3)"])


def test_an_interrupted_run_leaves_the_files_as_they_were(
        docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C as the files are written: the JSON and the page both as before, never one of
    them new beside the other old."""
    import os

    bench.main(only=["first"])
    before = {p.name: p.read_bytes() for p in docs.iterdir()}

    def ctrl_c(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        bench.main(only=["second"])
    assert {p.name: p.read_bytes() for p in docs.iterdir()} == before


def test_a_timed_command_runs_three_times_and_reports_the_medians(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One run of the same code varies by a fifth on a shared machine: the medians (of wall and
    of CPU seconds, each over the runs), and the range."""
    timings = iter([(70.0, 130.0, 600.0), (62.0, 110.0, 690.0), (88.0, 120.0, 650.0)])
    folders: list[Path] = []

    def run_timed(args: list[str]) -> tuple[float, float, float]:
        folder = Path(args[-1])
        assert folder.is_dir() and not any(folder.iterdir()), "each run starts in a fresh folder"
        (folder / "out").write_text("x" * len(folders))
        folders.append(folder)
        return next(timings)

    monkeypatch.setattr(bench, "_run_timed", run_timed)
    figures = bench._timed_runs(lambda folder: ["cmd", str(folder)],
                                lambda folder: {"size": (folder / "out").stat().st_size})
    assert figures == {"runs": 3, "wall_seconds": 70.0, "wall_seconds_range": "62.0-88.0",
                       "cpu_seconds": 120.0, "peak_memory_all_processes_mb": 690.0, "size": 2}
    assert len(set(folders)) == 3 and not any(f.exists() for f in folders)
