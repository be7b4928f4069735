"""docs/model.md shows the bundled model's measured figures, generated, not typed, and the
labels' meaning as the generators have it."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from custom_components.home_type.core.model import load_model
from custom_components.home_type.core.snapshot import HOME_TYPES
from tests.conftest import (
    ROOT,
    call_trainer,
    exit_code_of_ctrl_c_while_writing,
    no_space_left,
    trainer_in_process,
)
from trainer.generate.llm_prompt import HOME_TYPE_DESCRIPTIONS
from trainer.report import CURVE_END, CURVE_START, END, START, render, update_page

BUNDLED = ROOT / "custom_components" / "home_type" / "models"


def test_docs_match_the_bundled_results() -> None:
    results_file = BUNDLED / "home_type_classifier_results.json"
    results = json.loads(results_file.read_text())
    page = (ROOT / "docs" / "model.md").read_text()
    generated = page[page.index(START): page.index(END) + len(END)]
    assert generated == render(results, str(results_file.relative_to(ROOT)))


def test_bundled_model_loads_and_matches_its_results() -> None:
    model = load_model(BUNDLED / "home_type_classifier.pkl")
    results = json.loads((BUNDLED / "home_type_classifier_results.json").read_text())
    assert model.version == results["model_version"]
    assert results["evaluation"]["data"]["seeds"] != results["training_data"]["seeds"]


def test_confidence_levels_are_shown_when_measured() -> None:
    """Older results files have no ``by_confidence``: their page simply has no such table."""
    results = json.loads((BUNDLED / "home_type_classifier_results.json").read_text())
    page = render(results, "results.json")
    levels = results["evaluation"]["by_confidence"]
    rows = [line for line in page.splitlines() if line.startswith("| ") and "% |" in line]
    assert len(rows) == len(levels) and rows[0].startswith("| 30% | ")
    del results["evaluation"]["by_confidence"]
    assert "confidence at least" not in render(results, "results.json")


def test_docs_describe_each_home_type_as_the_generators_do() -> None:
    page = (ROOT / "docs" / "model.md").read_text()
    section = page[page.index("## The eight home types"): page.index("## Features")]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| `")]
    described = {label.strip("| `"): text.rstrip(" |") for label, text in rows}
    assert described == HOME_TYPE_DESCRIPTIONS
    assert list(described) == list(HOME_TYPES)


def _page(folder: Path, text: str) -> Path:
    page = folder / "model.md"
    page.write_text(text)
    return page


def test_report_replaces_the_sections_of_a_page_copy(tmp_path: Path) -> None:
    """Between the markers only; a page without the curve's markers gets the curve appended."""
    page = _page(tmp_path, f"# Model\n\nintro\n\n{START}\nstale table\n{END}\n\nafter\n")
    result = call_trainer("report", "--page", str(page))
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    assert text.startswith("# Model\n\nintro\n\n" + START) and "stale table" not in text
    assert "\nafter\n" in text and text.rstrip().endswith(CURVE_END)
    assert text.index(END) < text.index(CURVE_START)


def test_report_refuses_a_page_it_cannot_update(tmp_path: Path) -> None:
    """A typo, a folder, a path through a file, or a page without the section: one line each."""
    (tmp_path / "a_file").write_text("x")
    unrelated = _page(tmp_path, f"# Notes\n\n{END}\n{START}\n")  # markers out of order
    cases = {
        tmp_path / "modle.md": "no such file (report replaces the generated section of an "
                               "existing page, such as docs/model.md)",
        tmp_path: "is a folder, not a Markdown page",
        tmp_path / "a_file" / "x.md": "cannot read it (Not a directory)",
        unrelated: f"has no generated section to replace (the lines '{START}' and, after it, "
                   f"'{END}'); is it the right page?",
    }
    for page, message in cases.items():
        result = call_trainer("report", "--page", str(page))
        assert result.returncode == 2
        assert result.stderr.strip() == f"error: --page {page}: {message}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "model.md"]
    assert unrelated.read_text() == f"# Notes\n\n{END}\n{START}\n"


def test_report_names_the_file_it_cannot_read(tmp_path: Path) -> None:
    page = _page(tmp_path, f"{START}\n{END}\n")
    before = page.read_text()
    curve = tmp_path / "curve.json"
    curve.write_text(json.dumps({"points": []}))
    bad_curve = call_trainer("report", "--page", str(page), "--curve", str(curve))
    assert bad_curve.returncode == 2
    assert bad_curve.stderr.strip() == (
        f"error: {curve}: not a learning curve report reads (no 'training_data')")
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"evaluation": {"by_window": {}}, "training_data": {}}))
    bad_results = call_trainer("report", "--page", str(page), "--results", str(results))
    assert bad_results.returncode == 2
    assert bad_results.stderr.strip() == (
        f"error: {results}: not a results file report reads (no 'model_version')")
    assert page.read_text() == before


@pytest.mark.parametrize("results", [{"evaluation": "none"}, {"evaluation": {"by_window": []}}])
def test_a_results_file_of_another_shape_is_one_line(tmp_path: Path, results: object) -> None:
    page = _page(tmp_path, f"{START}\n{END}\n")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    result = call_trainer("report", "--page", str(page), "--results", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}: not a results file report reads (")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


RESULTS = ROOT / "custom_components/home_type/models/home_type_classifier_results.json"
CURVE = ROOT / "docs/learning_curve.json"


def _report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            *args: str) -> tuple[int, str]:
    """``python -m trainer report ARGS…`` in this process: (exit code, stderr)."""
    code = trainer_in_process(monkeypatch, "report", *args)
    return code, capsys.readouterr().err


def _without_windows(results: dict[str, Any]) -> None:
    results["evaluation"]["by_window"] = {}


def _with_no_homes(results: dict[str, Any]) -> None:
    for window in results["evaluation"]["by_window"].values():
        window["homes"] = 0


@pytest.mark.parametrize(("damage", "error"), [
    (lambda r: r["evaluation"].update(by_window=[]), "AttributeError"),
    (_without_windows, "ValueError"),
    (_with_no_homes, "ZeroDivisionError"),
])
def test_a_results_file_report_cannot_render_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        damage: Any, error: str) -> None:
    """The bundled results with one part of another shape: one line, not a traceback."""
    page = _page(tmp_path, f"{START}\n{END}\n")
    results = copy.deepcopy(json.loads(RESULTS.read_text()))
    damage(results)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    monkeypatch.chdir(tmp_path)  # no docs/learning_curve.json: the default curve is skipped
    code, err = _report(monkeypatch, capsys, "--page", str(page), "--results", str(path))
    assert code == 2
    assert err.startswith(f"error: {path}: not a results file report reads ({error}: ")
    assert len(err.splitlines()) == 1 and page.read_text() == f"{START}\n{END}\n"


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file (train a model first)"),
    ("{", "not a results file (Expecting property name enclosed in double quotes: line 1 "
          "column 2 (char 1))"),
    ("[]", "not a results file"),
])
def test_a_results_file_report_cannot_read_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        content: str | None, message: str) -> None:
    page = _page(tmp_path, f"{START}\n{END}\n")
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)
    code, err = _report(monkeypatch, capsys, "--page", str(page), "--results", str(path))
    assert (code, err) == (2, f"error: {path}: {message}\n")


def test_report_says_what_it_updated_or_why_it_could_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    page = _page(tmp_path, f"{START}\n{END}\n")
    args = ["--page", str(page), "--results", str(RESULTS)]
    assert _report(monkeypatch, capsys, *args, "--curve", str(CURVE)) == (
        0, f"updated {page} from {RESULTS} and {CURVE}\n")
    typo = tmp_path / "curve.jsno"  # a curve named but not there was skipped without a word
    assert _report(monkeypatch, capsys, *args, "--curve", str(typo)) == (
        2, f"error: --curve {typo}: no such file (python -m trainer curve writes one)\n")
    with monkeypatch.context() as elsewhere:
        elsewhere.chdir(tmp_path)  # no docs/learning_curve.json: the default curve is skipped
        assert _report(monkeypatch, capsys, *args) == (
            0, f"updated {page} from {RESULTS}\n")  # no curve: none named
    written = page.read_text()

    monkeypatch.setattr(os, "fsync", no_space_left)
    assert _report(monkeypatch, capsys, *args, "--curve", str(CURVE)) == (
        2, f"error: --page {page}: cannot write it (No space left on device)\n")
    assert page.read_text() == written
    latin = tmp_path / "latin.md"
    latin.write_bytes(f"K\u00fcche\n{START}\n{END}\n".encode("latin-1"))
    assert _report(monkeypatch, capsys, "--page", str(latin), "--results", str(RESULTS)) == (
        2, f"error: --page {latin}: not UTF-8 text\n")


def test_only_the_generated_section_is_replaced() -> None:
    """Text after the section is kept, even where it quotes the end marker itself."""
    results = json.loads(RESULTS.read_text())
    text = update_page(f"intro\n{START}\nold\n{END}\nthe marker: {END}\n", results, "r.json")
    assert text.startswith(f"intro\n{START}\n") and "\nold\n" not in text
    assert text.endswith(f"\nthe marker: {END}\n") and text.count(END) == 2


def test_an_interrupted_report_leaves_the_page_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while the page is being written: the old page, whole, and no temporary file."""
    page = _page(tmp_path, f"# Model\n\n{START}\nold table\n{END}\n")
    before = page.read_text()

    monkeypatch.chdir(ROOT)  # the default --results and --curve are the repository's
    code = exit_code_of_ctrl_c_while_writing(monkeypatch, ["report", "--page", str(page)])
    assert code == 130, capsys.readouterr().err
    assert page.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.md"]


def test_each_figure_is_read_from_its_own_window() -> None:
    """The bundled model scores alike in every window, so its page cannot tell one window's
    figure from another's: here each window's accuracy is its own."""
    results = json.loads((BUNDLED / "home_type_classifier_results.json").read_text())
    for section, base in (("holdout", 0.5), ("evaluation", 0.6)):
        for i, window in enumerate(("none", "1d", "10d", "90d")):
            results[section]["by_window"][window]["accuracy"] = base + i / 100
    page = render(results, "results.json")
    assert "(200 homes, model fitted on the other 800), 10-day history: accuracy 0.520." in page
    rows = {line.split(" | ")[0]: line.split(" | ")[2] for line in page.splitlines()
            if line.startswith(("| none |", "| 1d |", "| 10d |", "| 90d |"))}
    assert {window: row.split(" ")[0] for window, row in rows.items()} == {
        "| none": "0.600", "| 1d": "0.610", "| 10d": "0.620", "| 90d": "0.630"}


def test_floor_registry_sentence_adds_the_same_homes_without_floors_when_measured() -> None:
    """Results files written before ``with_floors_removed`` was measured keep their sentence."""
    results = json.loads((BUNDLED / "home_type_classifier_results.json").read_text())
    floors = results["evaluation"]["by_floor_registry"]
    floors["with_floors_removed"] = {"homes": floors["with_floors"]["homes"], "accuracy": 0.5}
    clause = f"; the same {floors['with_floors']['homes']} homes with their floors removed 0.500."
    assert clause in render(results, "results.json")
    del floors["with_floors_removed"]
    page = render(results, "results.json")
    assert "floors removed" not in page
    assert f"without {floors['without_floors']['accuracy']:.3f} " \
           f"({floors['without_floors']['homes']} homes). Levels" in page
    floors["without_floors"]["homes"] = 1  # a small evaluation: "(1 homes)" it said
    assert f"without {floors['without_floors']['accuracy']:.3f} (1 home). Levels" in render(
        results, "results.json")


def test_unsorted_sentence_says_whether_the_confidence_can_be_trusted() -> None:
    """Sure beyond the accuracy is said so, and the homes with no room in a device's name are
    scored beside; a results file from before them has no such sentence."""
    results = json.loads((BUNDLED / "home_type_classifier_results.json").read_text())
    results["evaluation"]["unsorted_registry"] = {
        "homes": 100, "areas": ["Wohnzimmer", "Küche", "Schlafzimmer"], "accuracy": 0.31,
        "mean_confidence": 0.5853, "answers": {"apartment": 63, "townhouse": 24, "cottage": 13}}
    results["training_data"]["unsorted"] = 0
    page = render(results, "results.json")
    assert ("onboarding's three areas (Wohnzimmer, Küche, Schlafzimmer), no floors, no device "
            "in an area — 10-day history: accuracy 0.310, mean confidence 0.59; answers "
            "apartment 63, townhouse 24, cottage 13. It was trained on no such home, and the "
            "model is more sure of them than it is right") in page
    results["evaluation"]["unsorted_registry"]["mean_confidence"] = 0.33
    results["training_data"]["unsorted"] = 12
    page = render(results, "results.json")
    assert (f"12 of its {results['training_data']['homes']} training homes were left so by "
            "the generator, and the model is about as sure as it is right") in page
    results["evaluation"]["unsorted_registry"]["mean_confidence"] = 0.25
    assert "and the model is less sure of them than it is right" in render(
        results, "results.json")
    results["evaluation"]["unsorted_registry"]["mean_confidence"] = 0.33
    results["evaluation"]["unsorted_registry"]["languages"] = {"en": 68, "de": 32}
    assert ("onboarding's three areas in each home's language (en 68, de 32 homes), no "
            "floors") in render(results, "results.json")
    results["evaluation"]["unsorted_registry"]["names_without_rooms"] = {
        "accuracy": 0.39, "mean_confidence": 0.4412, "answers": {"apartment": 60, "condo": 40}}
    assert ("about as sure as it is right. Most of their devices' names say their rooms, and "
            "the model reads them. With the words that say a room taken out of every name "
            "(\"Bedroom 2 Blinds\" reads \"blinds\"), as with devices paired and never "
            "renamed, it sees no room at all: accuracy 0.390, mean confidence 0.44; answers "
            "apartment 60, condo 40. Sorting devices") in render(results, "results.json")
    del results["evaluation"]["unsorted_registry"]["names_without_rooms"]
    assert "Most of their devices' names" not in render(results, "results.json")
    del results["evaluation"]["unsorted_registry"]["languages"]
    del results["training_data"]["unsorted"], results["evaluation"]["unsorted_registry"]["areas"]
    page = render(results, "results.json")  # a results file from before both were recorded
    assert "onboarding's three areas, no floors" in page
    assert "It was trained on no such home" in page
    del results["evaluation"]["unsorted_registry"]
    assert "as an owner who never sorted them" not in render(results, "results.json")


def test_leftovers_sentence_names_both_accuracies_and_what_moved() -> None:
    """A results file from before it was scored has no such sentence."""
    results = json.loads((BUNDLED / "home_type_classifier_results.json").read_text())
    results["evaluation"]["onboarding_leftovers"] = {
        "homes": 94, "accuracy_as_they_are": 0.798, "accuracy": 0.702, "changed": 11,
        "moves": {"apartment -> condo": 8, "studio -> apartment": 1}}
    results["feature_version"] = 3
    assert ("The 94 sorted homes that lack at least one of onboarding's area names, scored "
            "again with those areas left empty beside their own, as an owner who made rooms "
            "of their own "
            "and never deleted those keeps them "
            "— 10-day history: accuracy 0.702, against 0.798 as they are; 11 answers changed "
            "(apartment -> condo 8, studio -> apartment 1). The model reads empty areas as "
            "rooms: delete the areas nothing is in.") in render(results, "results.json")
    results["evaluation"]["onboarding_leftovers"].update(changed=0, moves={})
    results["feature_version"] = 4
    assert ("as they are; 0 answers changed. The features leave out onboarding's areas that "
            "nothing is in, by their names.") in render(results, "results.json")
    del results["evaluation"]["onboarding_leftovers"]
    assert "never deleted those" not in render(results, "results.json")


def test_history_sentence_counts_each_way_and_is_left_out_of_older_files() -> None:
    results = json.loads((BUNDLED / "home_type_classifier_results.json").read_text())
    results["evaluation"]["history_changes"] = {"homes": 100, "changed": 4, "better": 1,
                                                "worse": 2}
    assert ("History (10 days against none) changed 4 answers of the 100 homes: 1 for the "
            "better, 2 for the worse, 1 from one wrong answer to another.") in render(
        results, "results.json")
    del results["evaluation"]["history_changes"]
    assert "History (10 days" not in render(results, "results.json")
