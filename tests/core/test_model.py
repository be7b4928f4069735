"""Loading a model bundle: every way a file can be wrong ends in one clear error, never a hang.

The bundled model is the starting point; each case breaks one thing about it. Training, the
allow-list and the hash are tested with a freshly trained model in tests/trainer/test_train.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from custom_components.home_type.core.features import FEATURE_NAMES
from custom_components.home_type.core.model import (
    CompiledForest,
    ModelError,
    ModelForeignError,
    ModelIncompatibleError,
    ModelMissingError,
    ModelTamperedError,
    dumps_bundle,
    load_model,
    loads_bundle,
    model_from_bundle,
    sha256_line,
    sha256_path,
)
from tests.conftest import ROOT

BUNDLED = ROOT / "custom_components" / "home_type" / "models" / "home_type_classifier.pkl"


@pytest.fixture
def bundle() -> dict[str, Any]:
    return loads_bundle(BUNDLED.read_bytes(), "bundled")


def _forest(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda bundle: change(bundle["forest"])


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda mapping: mapping.__setitem__(key, value)


def _loop(forest: dict[str, Any]) -> None:
    """The second inner node's left child points back at the root: a walk that never ends."""
    first_inner = int(np.flatnonzero(forest["left"] >= 0)[1])
    forest["left"] = forest["left"].copy()
    forest["left"][first_inner] = 0


def _child(side: str, to: Callable[[int, int], int]) -> Callable[[dict[str, Any]], None]:
    """The second inner node's ``side`` child set to ``to(node, node_count)``."""

    def change(forest: dict[str, Any]) -> None:
        node = int(np.flatnonzero(forest["left"] >= 0)[1])
        forest[side] = forest[side].copy()
        forest[side][node] = to(node, forest["left"].size)

    return change


def _two_classes(bundle: dict[str, Any], pairs: int = 1) -> None:
    """The bundle cut to its first two classes, with ``pairs`` calibration pairs."""
    bundle["classes"] = bundle["classes"][:2]
    leaves = bundle["forest"]["leaf_values"][:, :2]
    total = leaves.sum(axis=1, keepdims=True)
    bundle["forest"]["leaf_values"] = np.divide(leaves, total, out=np.full_like(leaves, 0.5),
                                                where=total != 0)
    bundle["calibration"] = {key: values[:pairs] for key, values in
                             bundle["calibration"].items()}


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], type[ModelError], str]] = {
    "bundle format": (_set("bundle_version", 99), ModelIncompatibleError,
                      "bundle format 99 .*retrain or update"),
    "feature names": (_set("feature_names", FEATURE_NAMES[:-1]), ModelIncompatibleError,
                      "feature set"),
    "snapshot format": (_set("snapshot_schema_version", 99), ModelIncompatibleError,
                        "snapshot format 99"),
    "numpy major": (_set("numpy_version", "0.9"), ModelIncompatibleError,
                    "saved with numpy 0.9"),
    "no classes": (_set("classes", []), ModelForeignError, r"\(no classes or forest\)"),
    "a class the sensor does not have": (
        lambda b: b.__setitem__("classes", ["castle", *b["classes"][1:]]),
        ModelIncompatibleError, "predicts castle, which this version does not know"),
    "no forest": (_set("forest", None), ModelForeignError, r"\(no classes or forest\)"),
    "text array": (_forest(_set("threshold", np.array(["a"]))), ModelForeignError,
                   r"\(bad 'threshold'\)"),
    "missing array": (_forest(lambda f: f.pop("roots")), ModelForeignError,
                      r"\(bad 'roots'\)"),
    "no trees": (_forest(_set("roots", np.zeros(0, dtype=np.int32))), ModelForeignError,
                 r"\(inconsistent trees\)"),
    "root out of range": (_forest(lambda f: f.__setitem__("roots", f["roots"] + 10**9)),
                          ModelForeignError, r"\(inconsistent trees\)"),
    "feature out of range": (_forest(lambda f: f.__setitem__(
        "feature", np.full_like(f["feature"], len(FEATURE_NAMES)))), ModelForeignError,
        r"\(inconsistent trees\)"),
    "a loop": (_forest(_loop), ModelForeignError, r"\(inconsistent trees\)"),
    "a node its own left child": (_forest(_child("left", lambda node, _: node)),
                                  ModelForeignError, r"\(inconsistent trees\)"),
    "a right child back to the root": (_forest(_child("right", lambda node, _: 0)),
                                       ModelForeignError, r"\(inconsistent trees\)"),
    "a left child past the end": (_forest(_child("left", lambda _, count: count)),
                                  ModelForeignError, r"\(inconsistent trees\)"),
    "a right child past the end": (_forest(_child("right", lambda _, count: count)),
                                   ModelForeignError, r"\(inconsistent trees\)"),
    "negative feature": (_forest(lambda f: f.__setitem__("feature", f["feature"] * 0 - 1)),
                         ModelForeignError, r"\(inconsistent trees\)"),
    "leaf rows": (_forest(lambda f: f.__setitem__("leaf_values", f["leaf_values"][:1])),
                  ModelForeignError, r"\(inconsistent trees\)"),
    "leaf classes": (_forest(lambda f: f.__setitem__("leaf_values", f["leaf_values"][:, :2])),
                     ModelForeignError, r"\(inconsistent trees\)"),
    "calibration": (lambda b: b["calibration"].__setitem__("a", b["calibration"]["a"][:3]),
                    ModelForeignError, r"\(calibration\)"),
    "calibration b": (lambda b: b["calibration"].__setitem__("b", b["calibration"]["b"][:3]),
                      ModelForeignError, r"\(calibration\)"),
    "one calibration pair for many classes": (
        lambda b: b["calibration"].update(a=b["calibration"]["a"][:1],
                                          b=b["calibration"]["b"][:1]),
        ModelForeignError, r"\(calibration\)"),
    "two classes, a pair each": (lambda b: _two_classes(b, pairs=2), ModelForeignError,
                                 r"\(calibration\)"),
    "scaler": (_set("scaler", {"mean": np.zeros(3), "scale": np.ones(3)}), ModelForeignError,
               r"\(scaler\)"),
    # A crafted file with a matching hash, each part of the wrong kind: refused at load, never
    # an AttributeError, TypeError or IndexError at load or at the first prediction.
    "calibration not a mapping": (_set("calibration", [1, 2]), ModelForeignError,
                                  r"\(bad 'calibration'\)"),
    "scaler not a mapping": (_set("scaler", "x"), ModelForeignError, r"\(bad 'scaler'\)"),
    "classes not a list": (_set("classes", 5), ModelForeignError, r"\(bad 'classes'\)"),
    "classes not text": (lambda b: b.__setitem__("classes", list(range(len(b["classes"])))),
                         ModelForeignError, r"\(bad 'classes'\)"),
    "feature names not a list": (_set("feature_names", 5), ModelForeignError,
                                 r"\(bad 'feature_names'\)"),
    **{f"{key} a column": (_forest(lambda f, key=key: f.__setitem__(key, f[key].reshape(-1, 1))),
                           ModelForeignError, rf"\(bad '{key}'\)")
       for key in ("roots", "feature", "threshold", "left", "right")},
    "roots a matrix": (_forest(lambda f: f.__setitem__("roots", f["roots"].reshape(10, -1))),
                       ModelForeignError, r"\(bad 'roots'\)"),
    "leaf values flat": (_forest(lambda f: f.__setitem__("leaf_values", f["leaf_values"].ravel())),
                         ModelForeignError, r"\(bad 'leaf_values'\)"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_bundle_is_refused_with_its_reason(case: str, bundle: dict[str, Any],
                                                  tmp_path: Path) -> None:
    change, error, message = BROKEN[case]
    change(bundle)
    data = dumps_bundle(bundle)
    model = tmp_path / "model.pkl"
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))  # a valid hash proves nothing
    with pytest.raises(error, match=message) as caught:
        load_model(model)
    assert str(caught.value).startswith(f"{model}: ")
    assert "\n" not in str(caught.value)


def _hash_folder(digest: Path) -> None:
    digest.mkdir()


def _hash_unreadable(digest: Path) -> None:
    digest.symlink_to(digest)  # a link to itself: reading it fails with "too many levels"


@pytest.mark.parametrize(("damage", "message"), [
    (lambda digest: None, "no model.pkl.sha256 beside it to check its integrity"),
    (lambda digest: digest.write_text(""), "model.pkl.sha256 holds no SHA-256 line"),
    (lambda digest: digest.write_bytes(b"\xff\xfe binary"),
     "model.pkl.sha256 holds no SHA-256 line"),
    (_hash_folder, "model.pkl.sha256 is a folder, not its hash file"),
    (_hash_unreadable, "cannot read model.pkl.sha256 (Too many levels of symbolic links)"),
])
def test_each_hash_file_fault_says_what_it_is(damage: Callable[[Path], object],
                                              message: str, tmp_path: Path) -> None:
    """The hash file missing, empty, binary, a folder or unreadable: each its own reason."""
    model = tmp_path / "model.pkl"
    model.write_bytes(BUNDLED.read_bytes())
    damage(sha256_path(model))
    with pytest.raises(ModelTamperedError) as caught:
        load_model(model)
    assert str(caught.value) == f"{model}: {message}"


def test_the_bundled_model_passes_the_same_checks(bundle: dict[str, Any]) -> None:
    """The checks above refuse broken bundles, not the real one (trees in scikit-learn order)."""
    model = model_from_bundle(bundle, "bundled")
    assert model.classes == tuple(bundle["classes"])
    proba = model.predict_proba(np.zeros(len(FEATURE_NAMES)))
    assert proba.shape == (1, len(model.classes))
    assert np.isclose(proba.sum(), 1.0)


def test_two_class_bundle_calibrates_the_second_class_only(bundle: dict[str, Any]) -> None:
    """Two classes: scikit-learn's one sigmoid for the second class, the first gets the rest."""
    _two_classes(bundle)
    model = model_from_bundle(bundle, "two")
    X = np.random.default_rng(0).uniform(0.0, 5.0, (20, len(FEATURE_NAMES)))
    scores = model.forest.predict_proba(X)
    a, b = bundle["calibration"]["a"][0], bundle["calibration"]["b"][0]
    second = 1.0 / (1.0 + np.exp(a * scores[:, 1] + b))
    proba = model.predict_proba(X)
    assert model.classes == tuple(bundle["classes"]) and proba.shape == (20, 2)
    np.testing.assert_array_equal(proba[:, 1], second)
    np.testing.assert_array_equal(proba[:, 0], 1.0 - second)


def test_identity_scaler_changes_nothing(bundle: dict[str, Any]) -> None:
    """A bundle with a scaler (a linear model's pipeline would carry one) scales first."""
    x = np.linspace(0.0, 3.0, len(FEATURE_NAMES))
    plain = model_from_bundle(bundle).predict_proba(x)
    bundle["scaler"] = {"mean": np.zeros(len(FEATURE_NAMES)), "scale": np.ones(len(FEATURE_NAMES))}
    assert np.array_equal(model_from_bundle(bundle).predict_proba(x), plain)
    bundle["scaler"] = {"mean": -x, "scale": np.ones(len(FEATURE_NAMES))}  # shifts x to 2x
    assert np.array_equal(model_from_bundle(bundle).predict_proba(x),
                          model_from_bundle({**bundle, "scaler": None}).predict_proba(2 * x))


def test_cut_or_empty_file_is_foreign() -> None:
    with pytest.raises(ModelForeignError, match=r"cut\.pkl: not a Home Type model: pickle data"):
        loads_bundle(BUNDLED.read_bytes()[:1000], "cut.pkl")
    with pytest.raises(ModelForeignError, match=r"empty\.pkl: not a Home Type model: unreadable"):
        loads_bundle(b"", "empty.pkl")


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="is a folder, not a model file"):
        load_model(tmp_path)
    not_a_folder = tmp_path / "file"
    not_a_folder.write_bytes(b"x")
    with pytest.raises(ModelMissingError, match=r"cannot read it \(Not a directory\)"):
        load_model(not_a_folder / "model.pkl")


def test_same_numpy_major_loads(bundle: dict[str, Any]) -> None:
    """A model saved with another numpy 2.x release loads: only the major version must match."""
    major = np.__version__.split(".")[0]
    for version in (f"{major}.0.0", f"{major}.99.1"):
        bundle["numpy_version"] = version
        assert model_from_bundle(bundle, "other minor").classes == tuple(bundle["classes"])


def test_hash_file_in_capitals_is_accepted(tmp_path: Path) -> None:
    """Some tools print hashes in capitals (PowerShell's Get-FileHash); hex is hex."""
    model = tmp_path / "model.pkl"
    data = BUNDLED.read_bytes()
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name).upper())
    assert load_model(model).classes


@pytest.mark.parametrize(("module", "name"), [
    ("builtins", "getattr"), ("builtins", "__import__"), ("builtins", "exec"),
    ("numpy", "load"), ("numpy", "frombuffer"), ("pickle", "loads"), ("os", "system"),
])
def test_globals_an_exploit_would_reach_for_are_refused(module: str, name: str) -> None:
    """The allow-list admits array reconstruction only, not a step towards calling code."""
    data = f"c{module}\n{name}\n.".encode()  # protocol 0: push the global named, and stop
    with pytest.raises(ModelForeignError, match=rf"it names {module}\.{name},"):
        loads_bundle(data, "gadget.pkl")


def _one_split(threshold: float) -> CompiledForest:
    """One tree: feature 0 ``<= threshold`` is the first class, above it the second."""
    return CompiledForest(roots=np.array([0]), feature=np.array([0, 0, 0]),
                          threshold=np.array([threshold, -2.0, -2.0]),
                          left=np.array([1, -1, -2]), right=np.array([2, -1, -1]),
                          leaf_values=np.array([[1.0, 0.0], [0.0, 1.0]]))


def test_trees_split_as_scikit_learn_does() -> None:
    """``x <= threshold`` goes left, compared in float32 (the trees' dtype in scikit-learn)."""
    threshold = float(np.float32(0.1))  # scikit-learn keeps float32-representable thresholds
    forest = _one_split(threshold)
    just_above = np.nextafter(threshold, 1.0)  # a float64 that rounds back to the threshold
    X = np.array([[threshold], [just_above], [0.2], [0.0]])
    np.testing.assert_array_equal(forest.predict_proba(X)[:, 0], [1.0, 1.0, 0.0, 1.0])


def test_scaler_divides_by_scale(bundle: dict[str, Any]) -> None:
    x = np.linspace(0.0, 3.0, len(FEATURE_NAMES), dtype=np.float64)
    bundle["scaler"] = {"mean": np.zeros(len(FEATURE_NAMES)),
                        "scale": np.full(len(FEATURE_NAMES), 2.0)}
    assert np.array_equal(model_from_bundle(bundle).predict_proba(2 * x),
                          model_from_bundle({**bundle, "scaler": None}).predict_proba(x))
