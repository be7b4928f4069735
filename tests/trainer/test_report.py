"""docs/model.md shows the bundled model's measured figures, generated, not typed, and the
labels' meaning as the generators have it."""

from __future__ import annotations

import json

from custom_components.home_type.core.model import load_model
from custom_components.home_type.core.snapshot import HOME_TYPES
from tests.conftest import ROOT
from trainer.generate.llm_prompt import HOME_TYPE_DESCRIPTIONS
from trainer.report import END, START, render

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


def test_docs_describe_each_home_type_as_the_generators_do() -> None:
    page = (ROOT / "docs" / "model.md").read_text()
    section = page[page.index("## The eight home types"): page.index("## Features")]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| `")]
    described = {label.strip("| `"): text.rstrip(" |") for label, text in rows}
    assert described == HOME_TYPE_DESCRIPTIONS
    assert list(described) == list(HOME_TYPES)
