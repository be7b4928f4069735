"""``python -m trainer publish``: only verified, good enough models reach Home Assistant's folder.

The models here are the bundled model and copies of it with another version (a valid bundle,
re-hashed), so these tests need no training run.
"""

from __future__ import annotations

import errno
import json
import math
import os
import pickle
import re
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest

from custom_components.home_type.core.model import (
    ModelError,
    load_model,
    read_verified,
    results_path_for,
    sha256_line,
    sha256_path,
)
from tests.conftest import ROOT, call_trainer, trainer_in_process
from tests.models import BUNDLED, make_model
from trainer import publish as publishing
from trainer.publish import (
    DEFAULT_MIN_ACCURACY,
    DEFAULT_MIN_MACRO_F1,
    EXIT_BELOW_THRESHOLDS,
    EXIT_NOT_VERIFIED,
    MODEL_NAME,
    PREVIOUS_NAME,
    PublishRefused,
    Thresholds,
)

type StrPath = str | os.PathLike[str]


class Publish(Protocol):
    """The ``publish`` fixture: run ``python -m trainer publish ARGS…`` in this process."""

    def __call__(self, *args: str) -> tuple[int, str, str]: ...


def state(folder: Path) -> dict[str, bytes]:
    """Every file in a folder with its bytes: 'nothing changed' means this is equal."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.fixture
def publish(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Publish:
    """``python -m trainer publish …`` run in this process (fast): (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = trainer_in_process(monkeypatch, "publish", *args)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _bundled_10d() -> dict[str, Any]:
    """The bundled model's figures on its evaluation homes with 10 days of history."""
    results = json.loads(results_path_for(BUNDLED).read_bytes())
    figures: dict[str, Any] = results["evaluation"]["by_window"]["10d"]
    return figures


def test_bundled_model_meets_the_default_thresholds(tmp_path: Path) -> None:
    """The defaults are documented as met by the shipped model: keep that true. (They are
    set for the container's default run of 100 homes, which the bundled model, trained on
    1,000, passes with room: trainer/publish.py.)

    This one runs ``python -m trainer publish`` as a user does, in its own process.
    """
    result = call_trainer("publish", str(BUNDLED), "--to", str(tmp_path / "ha"))
    code, stdout = result.returncode, result.stdout
    version = load_model(BUNDLED).version
    assert code == 0, result.stderr
    assert f"none → {version}" in " ".join(stdout.split())
    published = tmp_path / "ha" / MODEL_NAME
    assert load_model(published).version == version
    assert published.read_bytes() == BUNDLED.read_bytes()
    assert sha256_path(published).read_text().endswith(f"  {MODEL_NAME}\n")  # sha256sum -c
    assert results_path_for(published).read_bytes() == results_path_for(BUNDLED).read_bytes()
    assert not (tmp_path / "ha" / PREVIOUS_NAME).exists()
    figures = _bundled_10d()
    assert figures["accuracy"] - 0.02 >= DEFAULT_MIN_ACCURACY
    assert figures["macro_f1"] - 0.02 >= DEFAULT_MIN_MACRO_F1


def test_default_thresholds_are_scripts_train_models_figures_less_a_margin() -> None:
    """trainer/publish.py sets the defaults from the figures of a model of 100 homes, as
    scripts/train and the container's default run make it, which docs/model.md quotes: less
    0.02, rounded down to 0.05."""
    text = " ".join((ROOT / "docs" / "model.md").read_text().split())
    found = re.search(r"`scripts/train`'s model, trained the same way on 100 homes of the same "
                      r"seed, scored less on the same evaluation homes: with 10 days of history, "
                      r"accuracy (\d\.\d+) \([\d.–]+\), macro F1 (\d\.\d+)", text)
    assert found, "docs/model.md no longer quotes scripts/train's model's figures"
    rounded_down = tuple(math.floor((float(figure) - 0.02) * 20 + 1e-9) / 20  # to 0.05
                         for figure in found.groups())
    assert rounded_down == (DEFAULT_MIN_ACCURACY, DEFAULT_MIN_MACRO_F1)


def test_publish_keeps_the_previous_model_and_rolls_back(tmp_path: Path,
                                                         publish: Publish) -> None:
    a = make_model(tmp_path / "a", "2026.01.01-aaaa")
    b = make_model(tmp_path / "b", "2026.02.02-bbbb")
    ha = tmp_path / "ha"
    assert publish(str(a), "--to", str(ha))[0] == 0
    code, stdout, _ = publish(str(b), "--to", str(ha))
    assert code == 0 and "2026.01.01-aaaa → 2026.02.02-bbbb" in stdout
    assert "--rollback" in stdout
    assert load_model(ha / MODEL_NAME).version == "2026.02.02-bbbb"
    assert load_model(ha / PREVIOUS_NAME).version == "2026.01.01-aaaa"
    assert sha256_path(ha / PREVIOUS_NAME).read_text().endswith(f"  {PREVIOUS_NAME}\n")
    previous_results = json.loads(results_path_for(ha / PREVIOUS_NAME).read_text())
    assert previous_results["model_version"] == "2026.01.01-aaaa"
    assert sorted(p.name for p in ha.iterdir()) == sorted([
        MODEL_NAME, f"{MODEL_NAME}.sha256", "home_type_classifier_results.json",
        PREVIOUS_NAME, f"{PREVIOUS_NAME}.sha256", "home_type_classifier.previous_results.json"])

    again = publish(str(b), "--to", str(ha))  # the same model again: nothing to switch
    assert again[0] == 0 and "already model 2026.02.02-bbbb" in again[1]
    assert load_model(ha / PREVIOUS_NAME).version == "2026.01.01-aaaa"

    code, stdout, _ = publish("--rollback", "--to", str(ha))
    assert code == 0 and "2026.02.02-bbbb → 2026.01.01-aaaa" in stdout
    assert load_model(ha / MODEL_NAME).version == "2026.01.01-aaaa"
    assert load_model(ha / PREVIOUS_NAME).version == "2026.02.02-bbbb"
    assert json.loads(results_path_for(ha / MODEL_NAME).read_text())["model_version"] == \
        "2026.01.01-aaaa"


def _tampered(model: Path) -> None:
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))


def _foreign(model: Path) -> None:
    data = pickle.dumps({"format": "home_type_bundle", "run": print})
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))  # even with a valid hash


def _other_results(model: Path) -> None:
    results = json.loads(results_path_for(model).read_text())
    results["model_version"] = "2020.01.01-0000"
    results_path_for(model).write_text(json.dumps(results))


def _scored_on_a_training_seed(model: Path, *, keep_training_data: bool = True) -> None:
    """Figures measured on homes of seed 42, the bundled model's training seed."""
    results = json.loads(results_path_for(model).read_text())
    results["evaluation"]["data"]["seeds"] = ["42", "1042"]
    if not keep_training_data:  # the verified bundle still names its training seeds
        del results["training_data"]
    results_path_for(model).write_text(json.dumps(results))


def _scored_on_a_seed_only_its_results_name(model: Path) -> None:
    """Figures on homes of seed 7, which only the results file says it was trained on too."""
    results = json.loads(results_path_for(model).read_text())
    results["training_data"]["seeds"] = [*results["training_data"]["seeds"], "7"]
    results["evaluation"]["data"]["seeds"] = ["7"]
    results_path_for(model).write_text(json.dumps(results))


def _with_figure(model: Path, name: str, value: object) -> None:
    results = json.loads(results_path_for(model).read_text())
    results["evaluation"]["by_window"]["10d"][name] = value
    results_path_for(model).write_text(json.dumps(results))


@pytest.mark.parametrize(("spoil", "flags", "exit_code", "reason"), [
    (_tampered, [], EXIT_NOT_VERIFIED, "SHA-256 does not match"),
    (_tampered, ["--force"], EXIT_NOT_VERIFIED, "SHA-256 does not match"),
    (lambda m: sha256_path(m).unlink(), ["--force"], EXIT_NOT_VERIFIED,
     "no home_type_classifier.pkl.sha256 beside it"),
    (_foreign, ["--force"], EXIT_NOT_VERIFIED, "not a Home Type model"),
    (lambda m: m.unlink(), [], EXIT_NOT_VERIFIED, "no model file there"),
    (lambda m: results_path_for(m).unlink(), [], EXIT_BELOW_THRESHOLDS,
     "no home_type_classifier_results.json beside it"),
    (_other_results, [], EXIT_BELOW_THRESHOLDS, "describes model 2020.01.01-0000"),
    (lambda m: results_path_for(m).write_text('{"evaluation": {"by_window": {}}}'), [],
     EXIT_BELOW_THRESHOLDS, "is not a results file with 10d figures"),
    (_scored_on_a_training_seed, [], EXIT_BELOW_THRESHOLDS,
     "scores it on evaluation homes of its training seed 42, not on unseen homes"),
    (_scored_on_a_seed_only_its_results_name, [], EXIT_BELOW_THRESHOLDS,
     "scores it on evaluation homes of its training seed 7, not on unseen homes"),
    (lambda m: _scored_on_a_training_seed(m, keep_training_data=False), [],
     EXIT_BELOW_THRESHOLDS, "evaluation homes of its training seed 42"),
    (lambda m: results_path_for(m).write_text("[]"), [], EXIT_BELOW_THRESHOLDS,
     "is not a results file with 10d figures"),
    (lambda m: _with_figure(m, "accuracy", None), [], EXIT_BELOW_THRESHOLDS,
     "is not a results file with 10d figures"),
    (None, ["--min-accuracy", "0.95"], EXIT_BELOW_THRESHOLDS,
     "accuracy 0.900 < --min-accuracy 0.95 on 100 evaluation homes (10-day history)"),
    (None, ["--min-macro-f1", "0.91"], EXIT_BELOW_THRESHOLDS, "macro F1 0.900 < --min-macro-f1"),
], ids=["tampered", "tampered-force", "no-hash-force", "foreign-force", "missing", "no-results",
        "results-of-another-model", "results-without-figures", "results-not-an-object",
        "figure-not-a-number", "scored-on-a-training-seed",
        "training-seed-from-the-results",
        "training-seed-from-the-bundle", "accuracy", "macro-f1"])
def test_refusal_gives_the_reason_and_changes_nothing(tmp_path: Path, publish: Publish,
                                                       spoil: Callable[[Path], object] | None,
                                                       flags: list[str], exit_code: int,
                                                       reason: str) -> None:
    ha = tmp_path / "ha"
    current = make_model(tmp_path / "a", "2026.01.01-aaaa")
    assert publish(str(current), "--to", str(ha))[0] == 0
    before = state(ha)
    candidate = make_model(tmp_path / "b", "2026.02.02-bbbb")
    if spoil is not None:
        spoil(candidate)
    code, _, stderr = publish(str(candidate), "--to", str(ha), *flags)
    assert code == exit_code, stderr
    assert stderr.startswith("error: not published: ") and reason in " ".join(stderr.split())
    assert len(stderr.strip().splitlines()) <= 2  # one line (wrapped at most once by rich)
    assert state(ha) == before
    assert load_model(ha / MODEL_NAME).version == "2026.01.01-aaaa"


def test_refusal_does_not_create_the_destination(tmp_path: Path, publish: Publish) -> None:
    low = make_model(tmp_path / "m", "2026.01.01-low", accuracy=0.5)
    code, _, stderr = publish(str(low), "--to", str(tmp_path / "ha"))
    assert code == EXIT_BELOW_THRESHOLDS
    assert f"accuracy 0.500 < --min-accuracy {DEFAULT_MIN_ACCURACY:.2f}" in stderr
    assert not (tmp_path / "ha").exists()


def test_figures_at_the_thresholds_are_good_enough(tmp_path: Path, publish: Publish) -> None:
    model = make_model(tmp_path / "m", "2026.01.01-aaaa", accuracy=DEFAULT_MIN_ACCURACY,
                       macro_f1=DEFAULT_MIN_MACRO_F1)
    code, stdout, stderr = publish(str(model), "--to", str(tmp_path / "ha"))
    assert code == 0, stderr
    assert (f"accuracy {DEFAULT_MIN_ACCURACY:.3f}, macro F1 {DEFAULT_MIN_MACRO_F1:.3f}"
            in " ".join(stdout.split()))


def test_the_same_model_trained_again_keeps_the_previous_one(tmp_path: Path,
                                                            publish: Publish) -> None:
    """The same homes and seed train the same model on another day, under another version (the
    container's run, repeated): it replaces the current one where it is. Kept as previous, it
    pushed out the model before it, and a rollback gave back the same model (found by a review
    of crash safety)."""
    a = make_model(tmp_path / "a", "2026.01.01-aaaaaaaa")
    b = make_model(tmp_path / "b", "2026.02.02-bbbbbbbb")
    b_again = make_model(tmp_path / "b2", "2026.03.03-bbbbbbbb")
    ha = tmp_path / "ha"
    for model in (a, b):
        assert publish(str(model), "--to", str(ha))[0] == 0
    code, stdout, _ = publish(str(b_again), "--to", str(ha))
    assert code == 0
    assert stdout.splitlines()[-1] == ("2026.02.02-bbbbbbbb was this model, trained again: the "
                                       "previous model is left as it was")
    assert "2026.02.02-bbbbbbbb → 2026.03.03-bbbbbbbb" in stdout and "--rollback" not in stdout
    assert load_model(ha / MODEL_NAME).version == "2026.03.03-bbbbbbbb"
    assert json.loads(results_path_for(ha / MODEL_NAME).read_text())["model_version"] == (
        "2026.03.03-bbbbbbbb")
    assert load_model(ha / PREVIOUS_NAME).version == "2026.01.01-aaaaaaaa"
    code, stdout, _ = publish("--rollback", "--to", str(ha))
    assert code == 0 and "2026.03.03-bbbbbbbb → 2026.01.01-aaaaaaaa" in stdout


def test_only_versions_train_wrote_name_the_same_model(tmp_path: Path, publish: Publish) -> None:
    """A version of another form names no digest: "A-1" and "B-1" are two models, and the one
    replaced is kept (as is an "unknown" beside another "unknown")."""
    assert publishing.same_model("2026.01.01-0123abcd", "2027.05.05-0123abcd")
    for version, other in (("A-1", "B-1"), ("unknown", "unknown"), ("mine-final", "x-final"),
                           ("2026.01.01-0123abcd", "2026.01.01-0123abce")):
        assert not publishing.same_model(version, other), (version, other)
    ha = tmp_path / "ha"
    for version in ("A-1", "B-1"):
        assert publish(str(make_model(tmp_path / version, version)), "--to", str(ha))[0] == 0
    assert load_model(ha / PREVIOUS_NAME).version == "A-1"


def test_a_rollback_swaps_even_the_same_model_trained_again(tmp_path: Path,
                                                          publish: Publish) -> None:
    """A folder an older publish left with the same model in both slots, trained on two days:
    a rollback swaps them, as its help says, rather than copying one over the other."""
    ha = tmp_path / "ha"
    b = make_model(tmp_path / "b", "2026.02.02-bbbbbbbb")
    b_again = make_model(tmp_path / "b2", "2026.03.03-bbbbbbbb")
    assert publish(str(b), "--to", str(ha))[0] == 0
    publishing._install(ha, lambda: (publishing.read_candidate(b_again), "as before"),
                        rollback=True)  # the swap older publishes made
    assert load_model(ha / PREVIOUS_NAME).version == "2026.02.02-bbbbbbbb"
    code, stdout, _ = publish("--rollback", "--to", str(ha))
    assert code == 0 and "2026.03.03-bbbbbbbb → 2026.02.02-bbbbbbbb" in stdout
    assert "trained again" not in stdout
    assert load_model(ha / MODEL_NAME).version == "2026.02.02-bbbbbbbb"
    assert load_model(ha / PREVIOUS_NAME).version == "2026.03.03-bbbbbbbb"


def test_publish_removes_what_a_killed_publish_left(tmp_path: Path, publish: Publish) -> None:
    """``kill -9`` during a publish left whole copies of a model under hidden temporary names in
    Home Assistant's folder, which no later publish removed (found by a review of crash
    safety). The next publish or rollback removes them, and nothing that is not its own."""
    ha = tmp_path / "ha"
    ha.mkdir()
    left = [f".{name}.a1b2c3d4.tmp" for name in (
        MODEL_NAME, f"{MODEL_NAME}.sha256", "home_type_classifier_results.json", PREVIOUS_NAME,
        f"{PREVIOUS_NAME}.sha256", "home_type_classifier.previous_results.json")]
    kept = [".mine.pkl.a1b2c3d4.tmp", f".{MODEL_NAME}.a1b2c3d4.tmp~", "notes.txt"]
    for name in left + kept:
        (ha / name).write_bytes(b"x")
    assert publish(str(make_model(tmp_path / "a", "2026.01.01-aaaa")), "--to", str(ha))[0] == 0
    assert sorted(p.name for p in ha.iterdir()) == sorted(
        [MODEL_NAME, f"{MODEL_NAME}.sha256", "home_type_classifier_results.json", *kept])


def test_republishing_the_same_model_brings_its_new_figures(tmp_path: Path,
                                                            publish: Publish) -> None:
    """``evaluate`` re-measures a model's figures: publishing it again takes them along."""
    ha = tmp_path / "ha"
    model = make_model(tmp_path / "m", "2026.01.01-aaaa", accuracy=0.85)
    assert publish(str(model), "--to", str(ha))[0] == 0
    remeasured = make_model(tmp_path / "m", "2026.01.01-aaaa", accuracy=0.95)
    code, stdout, _ = publish(str(remeasured), "--to", str(ha))
    assert code == 0 and "already model 2026.01.01-aaaa" in stdout
    assert results_path_for(ha / MODEL_NAME).read_bytes() == results_path_for(model).read_bytes()
    assert '"accuracy": 0.95' in results_path_for(ha / MODEL_NAME).read_text()


def test_a_model_without_figures_takes_no_other_models_figures(tmp_path: Path,
                                                                publish: Publish) -> None:
    ha = tmp_path / "ha"
    for version in ("2026.01.01-aaaa", "2026.02.02-bbbb"):
        assert publish(str(make_model(tmp_path / version, version)), "--to", str(ha))[0] == 0
    bare = make_model(tmp_path / "c", "2026.03.03-cccc")
    results_path_for(bare).unlink()
    assert publish(str(bare), "--to", str(ha), "--force")[0] == 0
    assert not results_path_for(ha / MODEL_NAME).exists()  # bbbb's figures went with it
    assert json.loads(results_path_for(ha / PREVIOUS_NAME).read_text())["model_version"] == \
        "2026.02.02-bbbb"


@pytest.mark.parametrize("results", [b"{", b'{"model_version": "2026.01.01-other"}'])
def test_force_never_publishes_figures_of_another_model(tmp_path: Path, publish: Publish,
                                                       results: bytes) -> None:
    """--force skips the thresholds, not the rule that a results file describes its model: a
    broken one, or another model's, stays behind, with the previous model's figures too."""
    ha = tmp_path / "ha"
    assert publish(str(make_model(tmp_path / "a", "2026.01.01-aaaa")), "--to", str(ha))[0] == 0
    model = make_model(tmp_path / "m", "2026.02.02-bbbb")
    results_path_for(model).write_bytes(results)
    code, stdout, _ = publish(str(model), "--to", str(ha), "--force")
    assert code == 0 and load_model(ha / MODEL_NAME).version == "2026.02.02-bbbb"
    assert ("home_type_classifier_results.json left behind: it does not describe this model"
            in " ".join(stdout.split()))
    assert not results_path_for(ha / MODEL_NAME).exists()
    # and the published folder publishes onward, without figures, as any bare model does
    code, stdout, _ = publish(str(ha / MODEL_NAME), "--to", str(tmp_path / "next"), "--force")
    assert code == 0 and "left behind" not in stdout
    # Another model's figures already beside the same model (left by an older --force, or by
    # hand) go too, when it is published again without them.
    results_path_for(ha / MODEL_NAME).write_bytes(results)
    code, stdout, _ = publish(str(model), "--to", str(ha), "--force")
    assert code == 0 and "already model 2026.02.02-bbbb" in stdout
    assert not results_path_for(ha / MODEL_NAME).exists()


def test_force_publishes_below_the_thresholds_and_holdout_is_the_fallback(
        tmp_path: Path, publish: Publish) -> None:
    low = make_model(tmp_path / "m", "2026.01.01-low", accuracy=0.5, section="holdout")
    code, _, stderr = publish(str(low), "--to", str(tmp_path / "ha"))
    assert code == EXIT_BELOW_THRESHOLDS and "on 200 held-out homes (10-day history)" in stderr
    code, stdout, _ = publish(str(low), "--to", str(tmp_path / "ha"), "--force")
    assert code == 0 and "thresholds not checked (--force)" in stdout
    assert load_model(tmp_path / "ha" / MODEL_NAME).version == "2026.01.01-low"


def test_environment_sets_the_thresholds(tmp_path: Path, publish: Publish,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    model = make_model(tmp_path / "m", "2026.01.01-aaaa", accuracy=0.85)
    monkeypatch.setenv("HOME_TYPE_MIN_ACCURACY", "0.9")
    code, _, stderr = publish(str(model), "--to", str(tmp_path / "ha"))
    assert code == EXIT_BELOW_THRESHOLDS and "--min-accuracy 0.90" in stderr


def test_usage_errors(tmp_path: Path, publish: Publish) -> None:
    model = make_model(tmp_path / "m", "2026.01.01-aaaa")
    (tmp_path / "file").write_text("")
    code, _, stderr = publish(str(model), "--to", str(tmp_path / "file"))
    assert code == 2 and "is a file, not a folder" in stderr
    code, _, stderr = publish("--rollback", "--to", str(tmp_path / "empty"))
    assert code == EXIT_NOT_VERIFIED and "no previous model" in stderr
    code, _, stderr = publish(str(model), "--rollback", "--to", str(tmp_path / "ha"))
    assert code == 2 and "give no MODEL" in stderr
    code, _, stderr = publish("--rollback", "--force", "--to", str(tmp_path / "ha"))
    assert code == 2 and "--force has no meaning with it" in stderr
    # The ends of the range are shares too: 1 asks for every home right, 0 for nothing.
    code, _, stderr = publish(str(model), "--min-accuracy", "1", "--to", str(tmp_path / "ha1"))
    assert code == EXIT_BELOW_THRESHOLDS and "--min-accuracy 1" in stderr
    code, _, stderr = publish(str(model), "--min-accuracy", "0", "--min-macro-f1", "0", "--to",
                              str(tmp_path / "ha0"))
    assert code == 0, stderr
    for flag, bad in (("--min-accuracy", "1.5"), ("--min-accuracy", "nan"),
                      ("--min-macro-f1", "-0.1")):
        code, _, stderr = publish(str(model), flag, bad)
        assert code == 2 and (f"Invalid value for '{flag}': must be a share from 0 to 1, e.g. "
                              f"0.7, not {bad}") in " ".join(stderr.split()), (flag, bad)


def test_refusals_exit_with_the_documented_codes(tmp_path: Path, publish: Publish) -> None:
    """docs and --help promise 8 (figures) and 9 (verification): scripts test these numbers."""
    low = make_model(tmp_path / "m", "2026.01.01-low", accuracy=0.5)
    assert publish(str(low), "--to", str(tmp_path / "ha"))[0] == 8
    assert publish(str(tmp_path / "none.pkl"), "--to", str(tmp_path / "ha"))[0] == 9


def test_an_empty_evaluation_section_falls_back_to_the_held_out_figures(
        tmp_path: Path, publish: Publish) -> None:
    model = make_model(tmp_path / "m", "2026.01.01-aaaa", accuracy=0.5, section="holdout")
    results = json.loads(results_path_for(model).read_text())
    results["evaluation"] = {}
    results_path_for(model).write_text(json.dumps(results))
    code, _, stderr = publish(str(model), "--to", str(tmp_path / "ha"))
    assert code == EXIT_BELOW_THRESHOLDS
    assert "accuracy 0.500 < --min-accuracy 0.70 on 200 held-out homes" in " ".join(stderr.split())


def test_rollback_without_a_previous_model_creates_nothing(tmp_path: Path,
                                                          publish: Publish) -> None:
    code, _, stderr = publish("--rollback", "--to", str(tmp_path / "ha"))
    assert code == EXIT_NOT_VERIFIED and "no previous model" in stderr
    assert not (tmp_path / "ha").exists()


def test_rollback_refuses_a_broken_previous_model(tmp_path: Path, publish: Publish) -> None:
    ha = tmp_path / "ha"
    for version in ("2026.01.01-aaaa", "2026.02.02-bbbb"):
        assert publish(str(make_model(tmp_path / version, version)), "--to", str(ha))[0] == 0
    _tampered(ha / PREVIOUS_NAME)
    before = state(ha)
    code, _, stderr = publish("--rollback", "--to", str(ha))
    assert code == EXIT_NOT_VERIFIED
    assert stderr.startswith("error: not rolled back: ") and "SHA-256 does not match" in stderr
    assert state(ha) == before


def test_the_switch_is_made_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The renames are flushed to disk with the folder: a power cut after publish has said
    "published" must not bring the old model back."""
    ha = tmp_path / "ha"
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    publishing.publish(make_model(tmp_path / "a", "2026.01.01-aaaa"), ha, Thresholds())
    assert ha.stat().st_ino in synced


def test_destination_under_a_file(tmp_path: Path, publish: Publish) -> None:
    """The write failure path, for any user (root included): a file where a folder must be."""
    model = make_model(tmp_path / "m", "2026.01.01-aaaa")
    (tmp_path / "file").write_text("")
    destination = tmp_path / "file" / "ha"
    code, stdout, stderr = publish(str(model), "--to", str(destination))
    assert code == 2 and not stdout
    assert f"--to {destination}: cannot write there (Not a directory)" in stderr
    assert "Traceback" not in stderr and (tmp_path / "file").read_text() == ""


def test_a_folder_of_generated_homes_is_no_destination(tmp_path: Path, publish: Publish) -> None:
    """The results file published beside the model would be read as a home there, and every
    later train or evaluate of the folder refused it. Home Assistant's own folder, which may
    hold the export action's homes (home_type_export_….json.gz), is one."""
    model = make_model(tmp_path / "m", "2026.01.01-aaaa")
    homes = tmp_path / "homes"
    homes.mkdir()
    (homes / "home_001.json.gz").write_bytes(b"a home")
    code, stdout, stderr = publish(str(model), "--to", str(homes))
    assert (code, stdout, stderr) == (
        2, "", f"error: --to {homes}: holds generated homes (home_001.json.gz …); publish into "
               "the folder Home Assistant reads the model from\n")
    assert state(homes) == {"home_001.json.gz": b"a home"}
    config = tmp_path / "config"
    config.mkdir()
    (config / "home_type_export_2026-01-01_120000.json.gz").write_bytes(b"an export")
    code, stdout, _ = publish(str(model), "--to", str(config))
    assert code == 0 and stdout.startswith(f"published {config / MODEL_NAME}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_unwritable_destination(tmp_path: Path, publish: Publish) -> None:
    model = make_model(tmp_path / "m", "2026.01.01-aaaa")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, stderr = publish(str(model), "--to", str(locked / "ha"))
    assert code == 2 and "cannot write there (Permission denied)" in stderr


def test_a_write_refused_midway_leaves_the_destination_as_it_was(
        tmp_path: Path, publish: Publish, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission denied (or a full disk) as the files are switched in, simulated so that it
    runs as root too, where the test above is skipped: one line, and the model published before
    is still there, whole, with no temporary file beside it."""
    ha = tmp_path / "ha"
    assert publish(str(make_model(tmp_path / "a", "2026.01.01-aaaa")), "--to", str(ha))[0] == 0
    before = sorted(p.name for p in ha.iterdir())

    def refused(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    code, _, stderr = publish(str(make_model(tmp_path / "b", "2026.02.02-bbbb")), "--to", str(ha))
    assert code == 2 and " ".join(stderr.split()) == (
        f"error: --to {ha}: cannot write there (Permission denied); the models in it are left "
        "whole")
    monkeypatch.undo()
    assert sorted(p.name for p in ha.iterdir()) == before
    assert load_model(ha / MODEL_NAME).version == "2026.01.01-aaaa"


def test_a_broken_published_model_is_not_kept_as_previous(tmp_path: Path,
                                                          publish: Publish) -> None:
    ha = tmp_path / "ha"
    for version in ("2026.01.01-aaaa", "2026.02.02-bbbb"):
        assert publish(str(make_model(tmp_path / version, version)), "--to", str(ha))[0] == 0
    _tampered(ha / MODEL_NAME)  # bbbb, changed on disk after publishing
    code, stdout, stderr = publish(str(make_model(tmp_path / "c", "2026.03.03-cccc")),
                                   "--to", str(ha))
    assert code == 0 and "none → 2026.03.03-cccc" in stdout
    assert "was not kept as previous" in stderr and "SHA-256 does not match" in stderr
    assert load_model(ha / PREVIOUS_NAME).version == "2026.01.01-aaaa"  # the good one stays


class Crash(BaseException):
    """Stands for the process dying between two renames."""


def _slots_are_sound(folder: Path) -> None:
    """Each slot holds a model whose hash matches, or no model at all."""
    for slot in (folder / MODEL_NAME, folder / PREVIOUS_NAME):
        if slot.exists():
            read_verified(slot)  # raises if the hash beside it is another model's


@pytest.mark.parametrize("rollback", [False, True], ids=["publish", "rollback"])
def test_a_crash_at_any_rename_never_leaves_a_model_beside_a_wrong_hash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rollback: bool) -> None:
    """Stop the switch at each rename in turn; after a stopped publish, running it again works."""
    a, b, c = (make_model(tmp_path / v, v) for v in ("2026.01.01-aaaa", "2026.02.02-bbbb",
                                                       "2026.03.03-cccc"))
    real_replace = os.replace
    for stop in range(20):
        ha = tmp_path / f"ha{stop}"
        for model in (a, b):
            publishing.publish(model, ha, Thresholds())
        calls = 0

        def replace(src: StrPath, dst: StrPath, _stop: int = stop) -> None:
            nonlocal calls
            calls += 1
            if calls > _stop:
                raise Crash
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        try:
            publishing.rollback(ha) if rollback else publishing.publish(c, ha, Thresholds())
            finished = True
        except Crash:
            finished = False
        monkeypatch.setattr(os, "replace", real_replace)
        _slots_are_sound(ha)
        assert not [p.name for p in ha.iterdir() if p.name.startswith(".")]
        if finished:
            break
        if not rollback:
            publishing.publish(c, ha, Thresholds())
            assert load_model(ha / MODEL_NAME).version == "2026.03.03-cccc"
            _slots_are_sound(ha)
    assert finished and stop >= 4  # both slots' hash and model renames were interrupted
    want = "2026.01.01-aaaa" if rollback else "2026.03.03-cccc"
    assert load_model(ha / MODEL_NAME).version == want


def test_a_broken_current_model_leaves_before_the_new_hash_arrives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the first rename finds no model in the slot, not the broken one."""
    ha = tmp_path / "ha"
    publishing.publish(make_model(tmp_path / "a", "2026.01.01-aaaa"), ha, Thresholds())
    _tampered(ha / MODEL_NAME)
    real_replace = os.replace
    calls = 0

    def replace(src: StrPath, dst: StrPath) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise Crash
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Crash):
        publishing.publish(make_model(tmp_path / "b", "2026.02.02-bbbb"), ha, Thresholds())
    assert sha256_path(ha / MODEL_NAME).exists() and not (ha / MODEL_NAME).exists()


def test_ctrl_c_waits_for_the_switch_to_finish(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal that arrives between two renames is held until the last one is done."""
    ha = tmp_path / "ha"
    for version in ("2026.01.01-aaaa", "2026.02.02-bbbb"):
        publishing.publish(make_model(tmp_path / version, version), ha, Thresholds())
    real_replace = os.replace

    def replace(src: StrPath, dst: StrPath) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right before each rename
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        publishing.rollback(ha)
    monkeypatch.setattr(os, "replace", real_replace)
    assert load_model(ha / MODEL_NAME).version == "2026.01.01-aaaa"
    assert load_model(ha / PREVIOUS_NAME).version == "2026.02.02-bbbb"
    assert not [p.name for p in ha.iterdir() if p.name.startswith(".")]


def test_a_ctrl_c_held_by_the_switch_says_what_was_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A Ctrl-C held until the switch was whole stopped the run with a bare "interrupted": the
    user, or a script reading exit code 130, took the new model for not published (found by a
    review of crash safety). The run still stops, having said what it did."""
    ha = tmp_path / "ha"
    a = make_model(tmp_path / "a", "2026.01.01-aaaaaaaa")
    b = make_model(tmp_path / "b", "2026.02.02-bbbbbbbb")
    publishing.publish(a, ha, Thresholds())
    real_replace = os.replace

    def replace(src: StrPath, dst: StrPath) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right before each rename
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code = trainer_in_process(monkeypatch, "publish", str(b), "--to", str(ha))
    monkeypatch.setattr(os, "replace", real_replace)
    assert code == 130
    shown = " ".join(capsys.readouterr().out.split())
    assert f"published {ha / MODEL_NAME}: 2026.01.01-aaaaaaaa → 2026.02.02-bbbbbbbb" in shown
    assert f"previous model kept as {ha / PREVIOUS_NAME}" in shown
    assert load_model(ha / MODEL_NAME).version == "2026.02.02-bbbbbbbb"

    def fails(src: StrPath, dst: StrPath) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", fails)  # a switch that did not finish says nothing done
    with pytest.raises(KeyboardInterrupt) as stopped:
        publishing.publish(a, ha, Thresholds())
    assert not isinstance(stopped.value, publishing.SwitchedThenStopped)


class _Stop(Exception):
    """What the test's handler of SIGTERM or SIGHUP raises where the signal lands."""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_kill_and_a_closed_terminal_wait_for_the_switch_to_finish(
        signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``kill`` (SIGTERM) and a closed terminal (SIGHUP, whose default ends the process where
    it lands) between two renames are held as Ctrl-C is, then meet the handler they would
    have met: stopped half-way, the rollback would leave no previous model. In a background
    job, where Ctrl-C is ignored, a Ctrl-C held with them does not swallow them."""
    ha = tmp_path / "ha"
    for version in ("2026.01.01-aaaa", "2026.02.02-bbbb"):
        publishing.publish(make_model(tmp_path / version, version), ha, Thresholds())
    real_replace = os.replace

    def replace(src: StrPath, dst: StrPath) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # ignored, as in a background job
        os.kill(os.getpid(), signum)  # right before each rename
        return real_replace(src, dst)

    def stop(signum: int, frame: object) -> None:
        raise _Stop

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
                signum: signal.signal(signum, stop)}
    try:
        monkeypatch.setattr(os, "replace", replace)
        with pytest.raises(_Stop):
            publishing.rollback(ha)
        monkeypatch.setattr(os, "replace", real_replace)
        assert signal.getsignal(signum) is stop
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
    assert load_model(ha / MODEL_NAME).version == "2026.01.01-aaaa"
    assert load_model(ha / PREVIOUS_NAME).version == "2026.02.02-bbbb"
    assert not [p.name for p in ha.iterdir() if p.name.startswith(".")]


def test_a_switch_that_fails_gives_the_signals_back(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills up between the renames ends the switch with an error, not with the
    signals still held: a process that goes on (a program calling the trainer) would
    otherwise never stop at Ctrl-C again."""
    ha = tmp_path / "ha"
    publishing.publish(make_model(tmp_path / "a", "2026.01.01-aaaa"), ha, Thresholds())
    handlers = {signum: signal.getsignal(signum)
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}

    def full(src: StrPath, dst: StrPath) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(PublishRefused, match="No space left on device"):
        publishing.publish(make_model(tmp_path / "b", "2026.02.02-bbbb"), ha, Thresholds())
    assert {signum: signal.getsignal(signum) for signum in handlers} == handlers


def test_held_signals_come_back_the_strongest_first() -> None:
    """The first signal raised after the block stops the run, and the rest are lost: a Ctrl-C
    then a ``kill`` ended as Ctrl-C (exit 130, not 143), and a hang-up after a Ctrl-C never
    came (found by a review). Each comes back once."""
    from trainer.signals import signals_held

    seen: list[int] = []
    names = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda signum, frame: seen.append(signum))
                for sig in names}
    try:
        with signals_held():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                os.kill(os.getpid(), sig)
        assert seen == [signal.SIGHUP, signal.SIGTERM, signal.SIGINT]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def test_a_switch_made_from_another_thread_is_made(tmp_path: Path) -> None:
    """Only the main thread may set signal handlers: publishing from another thread (a program
    that runs the trainer's functions in a worker) switches the model all the same, rather
    than failing with "signal only works in main thread"."""
    ha = tmp_path / "ha"
    model = make_model(tmp_path / "a", "2026.01.01-aaaa")
    failed: list[BaseException] = []

    def publish_there() -> None:
        try:
            publishing.publish(model, ha, Thresholds())
        except BaseException as err:
            failed.append(err)

    worker = threading.Thread(target=publish_there)
    worker.start()
    worker.join(timeout=60)
    assert failed == []
    assert load_model(ha / MODEL_NAME).version == "2026.01.01-aaaa"


def test_refused_error_type_carries_the_exit_code(tmp_path: Path) -> None:
    with pytest.raises(PublishRefused) as caught:
        publishing.publish(tmp_path / "none.pkl", tmp_path / "ha", Thresholds())
    assert caught.value.exit_code == EXIT_NOT_VERIFIED
    assert not isinstance(caught.value, ModelError)


def test_a_model_below_the_bundled_one_on_the_same_homes_is_published_with_a_warning(
        tmp_path: Path, publish: Publish) -> None:
    """The container's default run (100 homes) passes the thresholds with a model less
    accurate than the bundled one (1,000 homes) on the very same evaluation homes: it is
    published, as asked, and the user is told what they give up."""
    bundled = _bundled_10d()
    accuracy, macro_f1 = bundled["accuracy"], bundled["macro_f1"]
    lower = make_model(tmp_path / "low", "2026.01.01-aaaa", accuracy=0.74, macro_f1=0.9)
    code, stdout, stderr = publish(str(lower), "--to", str(tmp_path / "ha"))
    assert code == 0 and "none → 2026.01.01-aaaa" in stdout
    assert " ".join(stderr.split()) == (
        "warning: on the same evaluation homes (10-day history) the bundled model scores "
        f"accuracy {accuracy:.3f} and macro F1 {macro_f1:.3f}, this model 0.740 and 0.900; "
        "leave Home Type's Model file option empty to keep the bundled model")
    # Macro F1 alone lower is worse too; under --force as well.
    f1 = make_model(tmp_path / "f1", "2026.01.02-bbbb", accuracy=0.99, macro_f1=0.70)
    code, _, stderr = publish(str(f1), "--to", str(tmp_path / "ha"), "--force")
    assert code == 0 and "this model 0.990 and 0.700;" in " ".join(stderr.split())


def test_a_model_that_never_answers_a_type_is_published_with_a_warning(
        tmp_path: Path, publish: Publish) -> None:
    """A model trained without homes of some types (a small --count, a --mix) passes the
    thresholds on evaluation homes of the same mix, which have none of them either: the
    figures cannot show what Home Assistant's sensor will never say. Rolled back to, too."""
    partial = make_model(tmp_path / "partial", "2026.01.01-aaaa",
                         without=("cottage", "studio"))
    code, stdout, stderr = publish(str(partial), "--to", str(tmp_path / "ha"))
    assert code == 0 and "none → 2026.01.01-aaaa" in stdout
    warning = ("warning: this model never answers studio, cottage: its training homes had "
               "none, so Home Type's sensor can never show them")
    assert " ".join(stderr.split()) == warning
    code, _, stderr = publish(str(partial), "--to", str(tmp_path / "ha"))  # already there
    assert code == 0 and " ".join(stderr.split()) == warning
    whole = make_model(tmp_path / "whole", "2026.01.02-bbbb")
    code, _, stderr = publish(str(whole), "--to", str(tmp_path / "ha"))
    assert code == 0 and stderr == ""
    code, stdout, stderr = publish("--rollback", "--to", str(tmp_path / "ha"))
    assert code == 0 and "2026.01.02-bbbb → 2026.01.01-aaaa" in stdout
    assert " ".join(stderr.split()) == warning


@pytest.mark.parametrize("change", ["better", "equal", "other homes", "bundled retrained",
                                    "holdout", "no bundled figures"])
def test_no_warning_where_the_bundled_model_is_not_better_on_the_same_homes(
        tmp_path: Path, publish: Publish, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """Figures on other homes say nothing of which model is better; the bundled model trained
    again (same hash, another day) is not worse than itself; without the bundled model's
    figures there is nothing to compare."""
    version = "2026.01.01-" + (load_model(BUNDLED).version.split("-")[-1]
                               if change == "bundled retrained" else "aaaa")
    bundled = _bundled_10d()
    figures = ({"accuracy": 0.95, "macro_f1": 0.95} if change == "better" else
               {"accuracy": bundled["accuracy"], "macro_f1": bundled["macro_f1"]}
               if change == "equal" else {"accuracy": 0.74, "macro_f1": 0.7})
    model = make_model(tmp_path / "m", version, **figures,
                       section="holdout" if change == "holdout" else "evaluation")
    if change == "other homes":
        results = json.loads(results_path_for(model).read_text())
        results["evaluation"]["data"]["seeds"] = ["2042"]
        results_path_for(model).write_text(json.dumps(results))
    if change == "no bundled figures":
        monkeypatch.setattr(publishing, "BUNDLED_RESULTS", tmp_path / "gone.json")
    code, stdout, stderr = publish(str(model), "--to", str(tmp_path / "ha"))
    assert code == 0 and f"none → {version}" in stdout
    assert stderr == ""


def test_figures_too_large_for_a_float_are_refused_in_one_line(tmp_path: Path,
                                                               publish: Publish) -> None:
    """JSON allows an integer of any size; float() of one past 1e308 raised OverflowError, a
    traceback -- under --force after the model had been switched in."""
    model = make_model(tmp_path / "m", "2026.01.01-aaaa", accuracy=0.123456)
    text = results_path_for(model).read_text()
    assert text.count("0.123456") == 1
    results_path_for(model).write_text(text.replace("0.123456", "1" + "0" * 400))
    code, _, stderr = publish(str(model), "--to", str(tmp_path / "ha"))
    assert code == EXIT_BELOW_THRESHOLDS and "(OverflowError: " in stderr
    assert not (tmp_path / "ha" / MODEL_NAME).exists()
    code, stdout, stderr = publish(str(model), "--to", str(tmp_path / "ha"), "--force")
    assert (code, stderr) == (0, "") and "none → 2026.01.01-aaaa" in stdout
