"""The figures typed in the prose of README.md and docs/ agree with the files they quote.

docs/model.md's tables are generated (``python -m trainer report``; tests/trainer checks the
committed page against the committed files), but the sentences that sum them up are typed. A
retrained model or a new learning curve would leave those sentences stale without a word, so
each is read back here and compared with the bundled results file or docs/learning_curve.json,
rounded as the sentence rounds; speeds are read back from docs/benchmarks.json (scripts/bench)
the same way, and the features section's counts from the code. A sentence reworded out of its
pattern fails here too: change its pattern with it, so that its figures stay checked.
"""

from __future__ import annotations

import inspect
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from custom_components.home_type.core import features
from custom_components.home_type.core.layout_shown import FEW_DEVICES_IN_AREAS, GAPS
from custom_components.home_type.core.model import load_model, loads_bundle
from custom_components.home_type.core.vocabulary import AREA_KINDS
from tests.conftest import ROOT
from tests.models import BUNDLED
from trainer import homes_commands, pipeline
from trainer.generate.openai_cost import PRICES_PER_MILLION
from trainer.generate.openai_settings import OpenAISettings, default_timeout
from trainer.generate.simulate import SIMULATOR_VERSION
from trainer.pipeline import CALIBRATION_DIGITS

RESULTS = ROOT / "custom_components/home_type/models/home_type_classifier_results.json"
CURVE = ROOT / "docs/learning_curve.json"
NUMBER = r"(\d\.\d\d)"
#: A figure, or a span of figures: "0.85", "0.81–0.83".
SPAN = r"(\d\.\d\d(?:–\d\.\d\d)?)"


def _prose(name: str) -> str:
    """The page as one line: line breaks, block-quote marks and runs of spaces made one space."""
    return re.sub(r"\s*\n\s*(?:>\s*)?", " ", (ROOT / name).read_text())


def _one(pattern: str, text: str, name: str) -> tuple[str, ...]:
    found = re.findall(pattern, text)
    assert len(found) == 1, f"{name}: {len(found)} sentences match {pattern!r}, not one"
    return found[0] if isinstance(found[0], tuple) else (found[0],)


def _two(value: float) -> str:
    return f"{value:.2f}"


def _span(values: Iterable[float]) -> str:
    """As a page writes a span: its least and greatest figure, or one when they round alike."""
    rounded = sorted(_two(v) for v in values)
    return rounded[0] if rounded[0] == rounded[-1] else f"{rounded[0]}–{rounded[-1]}"


@pytest.fixture(scope="module")
def curve() -> dict[str, Any]:
    figures: dict[str, Any] = json.loads(CURVE.read_text())
    return figures


def _means(curve: dict[str, Any], key: str, *, from_homes: int = 0) -> list[float]:
    return [p[key]["mean"] for p in curve["points"] if p["homes"] >= from_homes]


def _at(curve: dict[str, Any], key: str, homes: int) -> str:
    (point,) = (p for p in curve["points"] if p["homes"] == homes)
    return _two(point[key]["mean"])


def test_readme_headline_is_the_bundled_models() -> None:
    results = json.loads(RESULTS.read_text())
    ten = results["evaluation"]["by_window"]["10d"]
    typed = _one(rf"\({NUMBER} on (\d+) unseen synthetic homes with 10 days of history, "
                 rf"95 % interval {NUMBER}–{NUMBER}, against {NUMBER} wanted\)",
                 _prose("README.md"), "README.md")
    low, high = ten["intervals_95"]["accuracy"]
    assert typed == (_two(ten["accuracy"]), str(ten["homes"]), _two(low), _two(high),
                     _two(results["targets"]["accuracy_10d"]["target"]))


def test_model_page_sums_the_curve_up_as_it_is(curve: dict[str, Any]) -> None:
    text = _prose("docs/model.md")
    typed = _one(rf"accuracy at 10 days rises from {NUMBER} with 100 homes to {NUMBER} with 200 "
                 rf"and {NUMBER} with 1,000, and is {SPAN} with 2,000 and 3,000; macro F1 "
                 rf"stays at {SPAN} and the lowest class precision at {SPAN} from 1,000 homes "
                 rf"on", text, "docs/model.md")
    assert typed == (
        _at(curve, "accuracy_10d", 100), _at(curve, "accuracy_10d", 200),
        _at(curve, "accuracy_10d", 1000),
        _span(p["accuracy_10d"]["mean"] for p in curve["points"]
              if p["homes"] in (2000, 3000)),
        _span(_means(curve, "macro_f1_10d", from_homes=1000)),
        _span(_means(curve, "min_class_precision_10d", from_homes=1000)),
    )
    # "History adds nothing at any size (with and without it, accuracy is within 0.02)"
    (within,) = _one(rf"with and without it, accuracy is within {NUMBER}", text, "docs/model.md")
    for point in curve["points"]:
        gap = abs(point["accuracy_10d"]["mean"] - point["accuracy_none"]["mean"])
        assert round(gap, 9) <= float(within), point["homes"]  # 3 of 300 homes is 0.01


def test_model_page_gives_the_model_file_sizes_of_the_curve(curve: dict[str, Any]) -> None:
    """The sizes quoted, and the smallest size whose every fit outgrows 2 MB."""
    typed = _one(r"leaves of 8 rows at least grow in number with the rows, (\d+\.\d\d) MB with "
                 r"100 homes, (\d+\.\d\d) MB with 200, (\d+\.\d\d) MB with 400 and "
                 r"(\d+\.\d\d) MB with 3,000\. From ([\d,]+) homes on every fit is larger than "
                 r"the 2 MB", _prose("docs/model.md"), "docs/model.md")
    sizes = {p["homes"]: p["model_bytes"] for p in curve["points"]}
    assert typed[:4] == tuple(f"{sizes[n]['mean'] / 1e6:.2f}" for n in (100, 200, 400, 3000))
    too_large = [n for n, size in sizes.items() if size["min"] > 2_000_000]
    assert too_large == [n for n in sizes if n >= int(typed[4].replace(",", ""))]


def test_model_page_sums_the_sizes_up_as_the_curve_gives_them(curve: dict[str, Any]) -> None:
    """The two sentences that give a model of 1,000 homes with leaves of 8 rows its size, and
    the trainer's docstring that says the same, to a tenth of a MB."""
    sizes = {p["homes"]: f"{p['model_bytes']['mean'] / 1e6:.1f}" for p in curve["points"]}
    page = _prose("docs/model.md")
    assert _one(r"with leaves of 8 rows, (\d+\.\d) MB at 100 homes and (\d+\.\d) MB at 1,000",
                page, "docs/model.md") == (sizes[100], sizes[1000])
    assert _one(r"leaves of 8 would make a (\d+\.\d) MB file", page,
                "docs/model.md") == (sizes[1000],)
    docstring = " ".join((pipeline.__doc__ or "").split())
    assert _one(r"(\d+\.\d) MB at 100 homes, (\d+\.\d) MB at 1,000 with leaves of 8 rows",
                docstring, "trainer/pipeline.py") == (sizes[100], sizes[1000])


def test_model_page_gives_the_bundled_models_deepest_tree() -> None:
    """A prediction's work grows with the levels; the page says how deep the bundled trees go,
    counted as the loader's limit counts them: levels of splits."""
    forest = load_model(BUNDLED).forest
    level, depth = forest.roots, 0
    while (level := level[forest.left[level] >= 0]).size:
        depth += 1
        level = np.concatenate([forest.left[level], forest.right[level]])
    assert _one(r"the bundled model has (\d+) trees of (\d+) levels at most",
                _prose("docs/model.md"), "docs/model.md") == (str(forest.roots.size), str(depth))


def test_model_page_gives_the_calibration_rounding_the_trainer_uses() -> None:
    """How many digits the Platt coefficients keep decides whether another processor rebuilds
    the same model version; the page says how many."""
    (digits,) = _one(r"rounded to (\d+) significant digits \(in the kept scikit-learn",
                     _prose("docs/model.md"), "docs/model.md")
    assert int(digits) == CALIBRATION_DIGITS


#: "(0.712 against 0.714 with 100 homes, … for the one fit on all 3,000)": two curves' accuracy.
_THREE_SIZES = (r"\((\d\.\d{3}) against (\d\.\d{3}) with 100 homes, (\d\.\d{3}) against "
                r"(\d\.\d{3}) with 1,000, (\d\.\d{3}) against (\d\.\d{3}) for the one fit on "
                r"all 3,000\)")


def _compared(earlier: dict[str, Any], later: dict[str, Any],
              typed: tuple[str, ...]) -> tuple[dict[int, float], dict[int, float]]:
    """Two curves of the same subsets: ``typed`` is the largest gap, then :data:`_THREE_SIZES`."""
    for data in ("training_data", "evaluation_data"):
        assert earlier[data] == later[data]
    old, new = ({p["homes"]: p["accuracy_10d"]["mean"] for p in curve["points"]}
                for curve in (earlier, later))
    assert typed[0] == f"{max(abs(old[n] - new[n]) for n in new):.3f}"
    assert typed[-6:] == tuple(f"{figures[n]:.3f}" for n in (100, 1000, 3000)
                               for figures in (old, new))
    return old, new


def test_model_page_compares_the_curve_with_the_previous_simulators(
        curve: dict[str, Any]) -> None:
    """The curve's feature set and simulator version, and the figures of the same seeds'
    homes of the two simulators before (docs/learning_curve_simulator_8.json against the
    curve, docs/learning_curve_simulator_7.json against version 8's), as quoted."""
    text = _prose("docs/model.md")
    version, simulator = _one(r"It was measured with feature set (\d+) on homes of simulator "
                              r"version (\d+)", text, "docs/model.md")
    assert (int(version), int(simulator)) == (curve["feature_version"], SIMULATOR_VERSION)
    eight, seven = (json.loads((ROOT / f"docs/learning_curve_simulator_{n}.json").read_text())
                    for n in (8, 7))
    assert seven["feature_version"] == eight["feature_version"] == curve["feature_version"]
    _compared(eight, curve, _one(
        r"simulator version 8 \(`docs/learning_curve_simulator_8\.json`\), [^;]*?gave a 10-day "
        r"accuracy within (\d\.\d{3}) of it at every size " + _THREE_SIZES, text,
        "docs/model.md"))
    _compared(seven, eight, _one(
        r"simulator version 7 \(`docs/learning_curve_simulator_7\.json`\), in which [^;]*?gave "
        r"a 10-day accuracy within (\d\.\d{3}) of version 8's at every size " + _THREE_SIZES,
        text, "docs/model.md"))


def test_model_page_compares_the_previous_feature_sets() -> None:
    """Feature set 4's figures against feature set 5's on the same subsets of the same homes
    (docs/learning_curve_feature_set_4.json and the version-7 curve), as the page quotes them."""
    previous = json.loads((ROOT / "docs/learning_curve_feature_set_4.json").read_text())
    five = json.loads((ROOT / "docs/learning_curve_simulator_7.json").read_text())
    assert (previous["feature_version"], five["feature_version"]) == (4, 5)
    typed = _one(r"On those version-7 homes, feature set 4 [^:]*? was within (\d\.\d{3}) of "
                 r"feature set 5 at every size: its 10-day accuracy was higher at (\w+) sizes "
                 r"and lower at (\w+) " + _THREE_SIZES, _prose("docs/model.md"), "docs/model.md")
    old, new = _compared(previous, five, typed)
    words = {"no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8}
    assert (words[typed[1]], words[typed[2]]) == (sum(old[n] > new[n] for n in new),
                                                  sum(old[n] < new[n] for n in new))


def test_model_page_names_the_curves_weakest_classes(curve: dict[str, Any]) -> None:
    """Which class has the lowest precision, counted over the fits from 100 homes on."""
    fits: Counter[str] = Counter()
    for point in curve["points"]:
        if point["homes"] >= 100:
            fits.update(point["lowest_precision_class_10d"])
    typed = _one(r"of the (\d+) fits from 100 homes on, the lowest class precision is the "
                 r"multi-storey house's in (\d+), the ranch house's in (\d+), the "
                 r"townhouse's in (\d+) and the studio's in (\d+)\)", _prose("docs/model.md"),
                 "docs/model.md")
    assert tuple(map(int, typed)) == (fits.total(), fits["multi_story"], fits["ranch_house"],
                                      fits["townhouse"], fits["studio"])
    assert set(fits) <= {"multi_story", "ranch_house", "townhouse", "studio"}  # none other


@pytest.mark.parametrize(("name", "pattern"), [
    ("README.md", r"the curve itself takes 9–24 minutes more \((\d+) on the last run's two "
                  r"cores"),
    ("docs/model.md", r"re-measured on \d{4}-\d\d-\d\d, (\d+) minutes on two cores"),
])
def test_curve_time_is_the_last_runs(curve: dict[str, Any], name: str, pattern: str) -> None:
    (minutes,) = _one(pattern, _prose(name), name)
    assert int(minutes) == round(curve["seconds"] / 60)


def test_model_page_gives_the_floor_registry_figures_of_the_curve(curve: dict[str, Any]) -> None:
    groups = curve["evaluation_by_floor_registry"]
    typed = _one(rf"registry is defined \((\d+) of (\d+)\), accuracy is {SPAN} from "
                 rf"1,000 training homes on; the same homes scored again with their floors "
                 rf"removed get {SPAN}, and those that have no floors \((\d+)\) stop "
                 rf"at {SPAN}", _prose("docs/model.md"), "docs/model.md")
    assert typed == (
        str(groups["with_floors"]), str(curve["evaluation_data"]["homes"]),
        _span(_means(curve, "accuracy_10d_with_floors", from_homes=1000)),
        _span(_means(curve, "accuracy_10d_with_floors_removed", from_homes=1000)),
        str(groups["without_floors"]),
        _span(_means(curve, "accuracy_10d_without_floors", from_homes=1000)),
    )


def test_integration_page_quotes_the_benchmarks() -> None:
    """docs/integration.md's speeds are scripts/bench's, on SQLite and PostgreSQL alike."""
    bench = json.loads((ROOT / "docs/benchmarks.json").read_text())
    values = bench["benchmarks"]["recorder"]["values"]
    text = _prose("docs/integration.md")
    ms, entities = _one(r"rebuilds the home from the registries \((\d+) ms for the (\d+) "
                        r"entities of the benchmark's home\)", text, "docs/integration.md")
    assert (ms, entities) == (f"{values['sqlite_registries_ms']:.0f}",
                              str(values["sqlite_entities"]))
    _one(r"a home with a million state rows reads 90 days in under three seconds and the "
         r"default 10 days in under half a second", text, "docs/integration.md")
    for database in ("sqlite", "postgresql"):
        assert round(values[f"{database}_state_rows"], -6) == 1_000_000
        assert values[f"{database}_snapshot_90d_seconds_median"] < 3
        assert values[f"{database}_snapshot_10d_seconds_median"] < 0.5


@pytest.mark.parametrize("name", ["README.md", "docs/integration.md"])
def test_history_option_says_what_history_changed(name: str) -> None:
    """"history ... changed 5 answers of the 100 evaluation homes: 3 for the better, 2 for the
    worse, none from one wrong answer to another": the results file counts the changed
    answers home by home (``history_changes``)."""
    changes = json.loads(RESULTS.read_text())["evaluation"]["history_changes"]
    answers, homes, *ways = _one(
        r"history moves the confidence a little and changed (\d+) answers? of the (\d+) "
        r"evaluation homes: (none|\d+) for the better, (none|\d+) for the worse, (none|\d+) "
        r"from one wrong answer to another", _prose(name), name)
    assert (int(answers), int(homes)) == (changes["changed"], changes["homes"])
    better, worse, other = (0 if way == "none" else int(way) for way in ways)
    assert (better, worse) == (changes["better"], changes["worse"])
    assert other == changes["changed"] - changes["better"] - changes["worse"]


def test_model_page_describes_the_feature_set_the_code_has() -> None:
    """The features section counts and lists what core/features.py computes."""
    text = _prose("docs/model.md")
    version, count = _one(r"feature set version (\d+), (\d+) named features", text,
                          "docs/model.md")
    assert (int(version), int(count)) == (features.FEATURE_VERSION, len(features.FEATURE_NAMES))
    kinds, listed = _one(r"to (\d+) kinds — ([a-z, ]+) — and the rest to `unknown`", text,
                         "docs/model.md")
    assert [*listed.split(", "), "unknown"] == list(AREA_KINDS)
    assert int(kinds) == len(AREA_KINDS) - 1
    domains, pairs = _one(r"entities per domain \((\d+) domains\) and per device class \((\d+) "
                          r"domain/class pairs\)", text, "docs/model.md")
    assert (int(domains), int(pairs)) == (len(features._DOMAINS),
                                          len(features._DEVICE_CLASSES))
    (installed,) = _one(r"installed devices \(([a-z, ]+)\) versus battery devices", text,
                        "docs/model.md")
    assert {d.replace("_", " ") for d in features._INSTALLED_DOMAINS} == set(
        installed.split(", "))
    (groups,) = _one(r"share of changes by group \(([a-z, ]+)\)", text, "docs/model.md")
    assert len(groups.split(", ")) == len(features._ACTIVITY_GROUPS)


@pytest.mark.parametrize("name", ["README.md", "docs/integration.md", "docs/troubleshooting.md"])
def test_floors_advice_quotes_the_bundled_models_figures(name: str) -> None:
    """What floors are worth, on the same homes (homes without floors are other homes)."""
    floors = json.loads(RESULTS.read_text())["evaluation"]["by_floor_registry"]
    typed = _one(r"the bundled model is right for (\d+) % of the evaluation homes (?:that have "
                 r"|with )floors defined, (?:and for )?(\d+) % of the same homes with their "
                 r"floors removed", _prose(name), name)
    assert typed == (f"{floors['with_floors']['accuracy'] * 100:.0f}",
                     f"{floors['with_floors_removed']['accuracy'] * 100:.0f}")


@pytest.mark.parametrize("name", ["README.md", "docs/integration.md", "docs/troubleshooting.md"])
def test_floors_advice_quotes_the_curves_steadier_figures(
        name: str, curve: dict[str, Any]) -> None:
    """One model scored on 100 homes moves by several points for nothing, so the advice also
    gives the learning curve's: its fits on as many homes as the bundled model's, on the
    curve's homes that have floors."""
    typed = _one(r"of (\w+) models trained on as many homes,? on the (\d+) of (\d+) homes that "
                 r"have floors: (\d+) % against (\d+) %", _prose(name), name)
    homes = json.loads(RESULTS.read_text())["training_data"]["homes"]
    (point,) = (p for p in curve["points"] if p["homes"] == homes)
    words = {"two": 2, "three": 3, "four": 4, "five": 5}
    assert (words.get(typed[0]), *map(int, typed[1:])) == (
        point["fits"], curve["evaluation_by_floor_registry"]["with_floors"],
        curve["evaluation_data"]["homes"],
        round(point["accuracy_10d_with_floors"]["mean"] * 100),
        round(point["accuracy_10d_with_floors_removed"]["mean"] * 100))


@pytest.mark.parametrize("name", ["README.md", "docs/integration.md", "docs/troubleshooting.md"])
def test_unsorted_home_warning_quotes_the_bundled_models_figures(name: str) -> None:
    """What a home left as onboarding made it gets: the same homes, their registry unsorted,
    and again with no room in a device's name."""
    unsorted = json.loads(RESULTS.read_text())["evaluation"]["unsorted_registry"]
    typed = _one(r"right for (\d+) % of the evaluation homes made so, at a mean confidence of "
                 r"(\d\.\d\d)", _prose(name), name)
    assert typed == (f"{unsorted['accuracy'] * 100:.0f}", _two(unsorted["mean_confidence"]))
    bare = unsorted["names_without_rooms"]
    typed = _one(r"no room in their devices' names either[^.]*?(\d+) %(?: of the same homes)?, "
                 r"at a mean confidence of (\d\.\d\d)", _prose(name), name)
    assert typed == (f"{bare['accuracy'] * 100:.0f}", _two(bare["mean_confidence"]))


@pytest.mark.parametrize("name", ["README.md", "docs/troubleshooting.md"])
def test_leftover_areas_warning_quotes_the_bundled_models_figures(name: str) -> None:
    """Onboarding's areas left empty beside a home's own: the same homes, as they are and so."""
    leftovers = json.loads(RESULTS.read_text())["evaluation"]["onboarding_leftovers"]
    typed = _one(r"with them the bundled model is right for (\d+) % of the same evaluation "
                 r"homes, as without them \((\d+) %\)", _prose(name), name)
    assert typed == (f"{leftovers['accuracy'] * 100:.0f}",
                     f"{leftovers['accuracy_as_they_are'] * 100:.0f}")


def test_model_versions_named_are_the_bundled_models() -> None:
    """Examples of responses and log lines, the README's pictures and its rebuild show the
    bundled model.

    docs/benchmarks.md is left out: it records the model each measurement was made with.
    """
    bundle = loads_bundle(BUNDLED.read_bytes())
    digest = bundle["model_version"].split("-")[1]
    for name in ["README.md", *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))
                                if p.name != "benchmarks.md")]:
        for version in re.findall(r"\b20\d\d\.\d\d\.\d\d-[0-9a-f]{8}\b", _prose(name)):
            assert version == bundle["model_version"], f"{name} names model {version}"
    pictured = json.loads((ROOT / "docs/images/pictured.json").read_text())["model_version"]
    assert pictured == bundle["model_version"], (
        f"the README's pictures show model {pictured}: retake them with scripts/screenshots")
    typed = _one(r"`scripts/train-bundled` rebuilds the bundled model: its version ends in "
                 r"the same hash, `([0-9a-f]{8})`, .*? the scikit-learn it was made with "
                 r"\(([\d.]+);",
                 _prose("README.md"), "README.md")
    assert typed == (digest, bundle["sklearn_version"])


#: docs/openai.md's names of the home types in its cost table.
_COST_TABLE_NAMES = {"studio": "studio", "apartment": "apartment", "condo": "condo",
                     "cottage": "cottage", "single-family": "single_family_house",
                     "townhouse": "townhouse", "ranch": "ranch_house",
                     "multi-story": "multi_story"}


def _about(value: float, step: int) -> str:
    """A figure as the cost table writes it: to the nearest ``step``, with thousands commas."""
    return f"~{round(value / step) * step:,}"


def test_openai_cost_table_is_what_the_dry_run_estimates(tmp_path: Path) -> None:
    """The cost table's figures are the dry run's for the default command (100 homes, the
    default mix, seed 42): its token estimates change with the prompt, the schema and the
    procedural designs, and the table once kept figures two simulator versions old."""
    from trainer.generate.openai_cost import _schema_tokens, cost_usd, plan_requests, usd
    from trainer.generate.runner import plan_jobs

    plans = plan_requests(plan_jobs(100, 90, 42, tmp_path, generator="openai"))
    prompt = sum(plan.prompt_tokens for plan in plans)
    reply = sum(plan.completion_tokens for plan in plans)
    by_type: dict[str, list[int]] = {}
    for plan in plans:
        by_type.setdefault(plan.home_type, []).append(plan.completion_tokens)
    averages = {name: sum(by_type[kind]) / len(by_type[kind])
                for name, kind in _COST_TABLE_NAMES.items()}
    page = _prose("docs/openai.md")
    typed = _one(r"\| input tokens \| (~[\d,]+) \(prompt (~[\d,]+) \+ schema (~[\d,]+)\) \| "
                 r"(~[\d,]+) \|", page, "docs/openai.md")
    assert typed == (_about(prompt / 100, 10), _about(prompt / 100 - _schema_tokens(), 10),
                     _about(_schema_tokens(), 100), _about(prompt, 1000))
    average, types, largest, total = _one(
        r"\| output tokens \| (~[\d,]+) on average: ([^;|]+); up to (~[\d,]+) \| (~[\d,]+) \|",
        page, "docs/openai.md")
    assert (average, largest, total) == (
        _about(reply / 100, 50), _about(max(plan.completion_tokens for plan in plans), 50),
        _about(reply, 1000))
    assert [part.split(" ~") for part in types.split(", ")] == [
        [name, _about(averages[name], 50)[1:]]
        for name in sorted(averages, key=averages.__getitem__)]
    for model in ("gpt-4o-mini", "gpt-4o"):
        dollars = cost_usd(model, prompt, reply)
        assert dollars is not None
        each, hundred = _one(rf"\| cost with `{re.escape(model)}` \| ~(\$[\d.]+) \| "
                             r"(?:\*\*)?~(\$[\d.]+)(?:\*\*)? \|", page, "docs/openai.md")
        assert (each, hundred) == (usd(dollars / 100), usd(dollars)), model


def test_the_assumed_prices_are_the_documented_ones() -> None:
    """docs/openai.md lists every assumed price; --dry-run, the summary and --max-cost count
    at them, so the two must not drift apart."""
    page = _prose("docs/openai.md")
    listed = page.split("**Prices (an assumption)**", 1)[1].split("(`trainer/generate", 1)[0]
    documented = {model: (float(i), float(o)) for model, i, o in re.findall(
        r"`([\w.-]+)` (?:\*\*)?\$([\d.]+)(?: input)? / \$([\d.]+)", listed)}
    assert documented == PRICES_PER_MILLION


def test_the_openai_flags_default_to_the_documented_values() -> None:
    """docs/openai.md's configuration table gives each flag's default: generate's are those."""
    page = (ROOT / "docs/openai.md").read_text()  # line by line: a table
    documented = dict(re.findall(r"^\| `--([\w-]+)[^`]*` \| `?([\w.-]+)`? \|", page, re.M))
    defaults = {name: param.default for name, param in
                inspect.signature(homes_commands.generate).parameters.items()}
    assert {flag: documented[flag] for flag in (
        "model", "concurrency", "rpm", "tpm", "max-reply-tokens")} == {
        "model": defaults["model"], "concurrency": str(defaults["concurrency"]),
        "rpm": str(defaults["rpm"]), "tpm": str(defaults["tpm"]),
        "max-reply-tokens": str(defaults["max_reply_tokens"])}
    # --timeout's default follows the reply allowance (default_timeout)
    assert defaults["timeout"] is None
    base, per = OpenAISettings.timeout, OpenAISettings.max_completion_tokens
    assert (f"| `--timeout SECONDS` | {base:g}, or {base:g} per {per:,} tokens of a larger "
            "`--max-reply-tokens` |") in page
    assert default_timeout(4 * per) == 4 * base == 480  # "32,000 tokens: 480 s"
    _one(rf"grows with `--max-reply-tokens` \({4 * per:,} tokens: {4 * base:g} s\)", page,
         "docs/openai.md")


def test_the_gaps_diagnostics_name_are_the_ones_the_pages_explain() -> None:
    """troubleshooting.md says what each gap means and what to do about it, in the order
    diagnostics list them, and integration.md names them all: a gap added, renamed or dropped
    in core/layout_shown.py would otherwise leave an owner with a name no page explains."""
    explained = re.findall(r"^  - `([a-z_]+)`: ", (ROOT / "docs/troubleshooting.md").read_text(),
                           re.MULTILINE)
    assert tuple(explained) == GAPS
    named, = _one(r"`layout_shown`, with its `gaps`: ((?:`[a-z_]+`(?:, )?)+)\)",
                  _prose("docs/integration.md"), "docs/integration.md")
    assert tuple(re.findall(r"`([a-z_]+)`", named)) == GAPS
    assert FEW_DEVICES_IN_AREAS == 0.5  # "fewer than half the devices are in an area"
    _one(r"`most_devices_in_no_area`: fewer than half the devices are in an area",
         _prose("docs/troubleshooting.md"), "docs/troubleshooting.md")
