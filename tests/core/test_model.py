"""Loading a model bundle: every way a file can be wrong ends in one clear error, never a hang.

The bundled model is the starting point; each case breaks one thing about it. Training, the
allow-list and the hash are tested with a freshly trained model in tests/trainer/test_train.py.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import pickle
import pickletools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy._core.multiarray import _reconstruct as np_reconstruct

from custom_components.home_type.core import model as model_module
from custom_components.home_type.core.features import FEATURE_NAMES, FEATURE_VERSION
from custom_components.home_type.core.model import (
    MAX_DEPTH,
    MAX_PICKLE_OPERATIONS,
    MAX_TREES,
    CompiledForest,
    ModelError,
    ModelForeignError,
    ModelIncompatibleError,
    ModelMissingError,
    ModelTamperedError,
    bundle_header,
    dumps_bundle,
    load_model,
    loads_bundle,
    model_from_bundle,
    sha256_line,
    sha256_path,
)
from custom_components.home_type.core.snapshot import HOME_TYPES
from tests.conftest import ROOT, assert_peak_below

BUNDLED = ROOT / "custom_components" / "home_type" / "models" / "home_type_classifier.pkl"


@pytest.fixture
def bundle() -> dict[str, Any]:
    return loads_bundle(BUNDLED.read_bytes(), "bundled")


def _forest(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda bundle: change(bundle["forest"])


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda mapping: mapping.__setitem__(key, value)


def _column(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda mapping: mapping.__setitem__(key, mapping[key].reshape(-1, 1))


def _leaf_beyond_probabilities(forest: dict[str, Any]) -> None:
    """A leaf of 1.5 and -0.5: it sums to 1, so only the 0..1 check refuses it."""
    forest["leaf_values"] = forest["leaf_values"].copy()
    forest["leaf_values"][0] = 0.0
    forest["leaf_values"][0, :2] = (1.5, -0.5)


def _negative_leaf_summing_to_one(forest: dict[str, Any]) -> None:
    """A leaf of -0.5, 1.0 and 0.5: no value above 1, a sum of 1; only the sign refuses it."""
    forest["leaf_values"] = forest["leaf_values"].copy()
    forest["leaf_values"][0] = 0.0
    forest["leaf_values"][0, :3] = (-0.5, 1.0, 0.5)


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


def _chain(depth: int) -> dict[str, Any]:
    """One tree of ``depth`` levels of splits: inner node ``2k`` goes to ``2k+2`` or a leaf."""
    nodes = 2 * depth + 1
    left = np.full(nodes, -1)
    right = np.full(nodes, -1)
    left[0:-1:2] = np.arange(2, nodes, 2)
    right[0:-1:2] = np.arange(1, nodes, 2)
    return {"roots": np.array([0]), "feature": np.zeros(nodes, dtype=np.int16),
            "threshold": np.zeros(nodes), "left": left, "right": right,
            "leaf_values": np.full((1, len(HOME_TYPES)), 1.0 / len(HOME_TYPES))}


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
    "feature set": (_set("feature_version", 99), ModelIncompatibleError,
                    "trained on feature set 99, this version computes"),
    # Same number, other names: not "trained on feature set 2, this version computes 2".
    "feature names": (_set("feature_names", FEATURE_NAMES[:-1]), ModelIncompatibleError,
                      "its feature names are not those of feature set [0-9]+ as this version "
                      "computes it"),
    "feature names in another order": (_set("feature_names", FEATURE_NAMES[::-1]),
                                       ModelIncompatibleError,
                                       "its feature names are not those of feature set"),
    # Equal, but not the integer this version writes: its own bundles are never so.
    "feature set as a float": (_set("feature_version", float(FEATURE_VERSION)),
                               ModelIncompatibleError,
                               "trained on feature set a float, this version computes"),
    "snapshot format": (_set("snapshot_schema_version", 99), ModelIncompatibleError,
                        "snapshot format 99"),
    "numpy major": (_set("numpy_version", "0.9"), ModelIncompatibleError,
                    "saved with numpy 0.9"),
    "no classes": (_set("classes", []), ModelForeignError, r"\(no classes or forest\)"),
    "a class the sensor does not have": (
        lambda b: b.__setitem__("classes", ["castle", *b["classes"][1:]]),
        ModelIncompatibleError, "predicts castle, which this version does not know"),
    "no forest": (_set("forest", None), ModelForeignError, r"\(no classes or forest\)"),
    "a class named twice": (lambda b: b.__setitem__("classes", [b["classes"][1],
                                                                *b["classes"][1:]]),
                            ModelForeignError, r"\(a class named twice\)"),
    "text array": (_forest(_set("threshold", np.array(["a"]))), ModelForeignError,
                   "it holds an array of U1, not of plain numbers"),
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
    **{f"{key} a column": (_forest(_column(key)),
                           ModelForeignError, rf"\(bad '{key}'\)")
       for key in ("roots", "feature", "threshold", "left", "right")},
    "roots a matrix": (_forest(lambda f: f.__setitem__("roots", f["roots"].reshape(10, -1))),
                       ModelForeignError, r"\(bad 'roots'\)"),
    "leaf values flat": (_forest(lambda f: f.__setitem__("leaf_values", f["leaf_values"].ravel())),
                         ModelForeignError, r"\(bad 'leaf_values'\)"),
    # Values whose comparison or str() would raise, or print more than one line.
    "bundle format an array": (_set("bundle_version", np.array([1, 1])), ModelIncompatibleError,
                               "bundle format a ndarray "),
    "bundle format as text": (_set("bundle_version", "1"), ModelIncompatibleError,
                              "bundle format 1 "),
    "bundle format over lines": (_set("bundle_version", "1\nTraceback"),
                                 ModelIncompatibleError, "bundle format an unprintable text "),
    "numpy version a list": (_set("numpy_version", [[["2"]]]), ModelIncompatibleError,
                             "saved with numpy a list,"),
    "model version over lines": (_set("model_version", "v1\nerror: fake"), ModelForeignError,
                                 r"\(bad 'model_version'\)"),
    "training data a list": (_set("training_data", ["x"]), ModelForeignError,
                             r"\(bad 'training_data'\)"),
    "seeds a number": (lambda b: b["training_data"].__setitem__("seeds", 5), ModelForeignError,
                       r"\(bad 'training_data'\)"),
    "seeds numbers": (lambda b: b["training_data"].__setitem__("seeds", [5]),
                      ModelForeignError, r"\(bad 'training_data'\)"),
    "generators numbers": (lambda b: b["training_data"].__setitem__("generators", [5]),
                           ModelForeignError, r"\(bad 'training_data'\)"),
    "an array in the description": (_set("created", np.zeros(2)), ModelForeignError,
                                    r"\(bad 'created'\)"),
    # Numbers a prediction would turn into NaN or negative probabilities.
    "NaN threshold": (_forest(lambda f: f.__setitem__("threshold", f["threshold"] * np.nan)),
                      ModelForeignError, r"\(bad 'threshold'\)"),
    "infinite calibration": (lambda b: b["calibration"].__setitem__(
        "a", b["calibration"]["a"] * np.inf), ModelForeignError, r"\(bad 'a'\)"),
    "negative leaves": (_forest(lambda f: f.__setitem__("leaf_values", -f["leaf_values"])),
                        ModelForeignError, r"\(inconsistent trees\)"),
    "a leaf beyond 0..1 that still sums to 1": (_forest(_leaf_beyond_probabilities),
                                                ModelForeignError, r"\(inconsistent trees\)"),
    "a negative leaf within 0..1 that still sums to 1": (
        _forest(_negative_leaf_summing_to_one), ModelForeignError, r"\(inconsistent trees\)"),
    "leaves that are not distributions": (
        _forest(lambda f: f.__setitem__("leaf_values", f["leaf_values"] * 0.5)),
        ModelForeignError, r"\(inconsistent trees\)"),
    "scale zero": (_set("scaler", {"mean": np.zeros(len(FEATURE_NAMES)),
                                   "scale": np.zeros(len(FEATURE_NAMES))}),
                   ModelForeignError, r"\(scaler\)"),
    # Work a small file could ask of every prediction.
    "a node of two parents": (_forest(_child("right", lambda node, _: node + 1)),
                              ModelForeignError, r"\(inconsistent trees\)"),
    "a tree twice": (_forest(lambda f: f.__setitem__("roots", np.concatenate(
        [f["roots"], f["roots"][:1]]))), ModelForeignError, r"\(inconsistent trees\)"),
    "too many trees": (_forest(lambda f: f.__setitem__("roots", np.zeros(MAX_TREES + 1, np.int32))),
                       ModelForeignError, r"\(bad 'roots'\)"),
    "too deep": (lambda b: b.__setitem__("forest", _chain(MAX_DEPTH + 1)), ModelForeignError,
                 r"\(inconsistent trees\)"),
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
    (lambda digest: digest.write_text("zzz  model.pkl\n"),
     "model.pkl.sha256 holds no SHA-256 line"),
    (lambda digest: digest.write_text(f"{'0' * 63}  model.pkl\n"),
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


def test_the_deepest_tree_allowed_loads(bundle: dict[str, Any]) -> None:
    """The depth limit is a limit, not an off-by-one: ``MAX_DEPTH`` levels still load."""
    bundle["forest"], bundle["calibration"] = _chain(MAX_DEPTH), None
    bundle["classes"] = list(HOME_TYPES)
    model = model_from_bundle(bundle, "deep")
    np.testing.assert_allclose(model.predict_proba(np.ones(len(FEATURE_NAMES))),
                               [[1.0 / len(HOME_TYPES)] * len(HOME_TYPES)])


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
    x = np.linspace(0.0, 3.0, len(FEATURE_NAMES), dtype=np.float64)
    plain = model_from_bundle(bundle).predict_proba(x)
    bundle["scaler"] = {"mean": np.zeros(len(FEATURE_NAMES)), "scale": np.ones(len(FEATURE_NAMES))}
    assert np.array_equal(model_from_bundle(bundle).predict_proba(x), plain)
    bundle["scaler"] = {"mean": -x, "scale": np.ones(len(FEATURE_NAMES))}  # shifts x to 2x
    assert np.array_equal(model_from_bundle(bundle).predict_proba(x),
                          model_from_bundle({**bundle, "scaler": None}).predict_proba(2 * x))


def test_cut_or_empty_file_is_foreign() -> None:
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(BUNDLED.read_bytes()[:1000], "cut.pkl")
    assert str(caught.value) == "cut.pkl: not a Home Type model: it is cut short or damaged"
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(b"", "empty.pkl")
    assert str(caught.value) == "empty.pkl: not a Home Type model: the file is empty"


@pytest.mark.parametrize(("data", "message"), [
    # Well formed as operations (what is counted before any runs); run, an append to None.
    (b"\x80\x04NNa.", "not a Home Type model: unreadable ('NoneType' object has no attribute "
                       "'append')"),
    (pickle.dumps([bundle_header()], protocol=4), "not a Home Type model bundle"),
])
def test_a_pickle_of_something_else_is_named_so(data: bytes, message: str) -> None:
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(data, "other.pkl")
    assert str(caught.value) == f"other.pkl: {message}"


@pytest.mark.parametrize("data", [b"hello, a text file\nmore\n", b"# Home Type\n", b"PK\x03\x04"])
def test_a_file_of_another_format_is_named_so(data: bytes) -> None:
    """The unpickler's own words for a text file ("Memo value not found at index 101",
    "invalid load key, '#'") said nothing to the user."""
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(data, "notes.pkl")
    assert str(caught.value) == "notes.pkl: not a Home Type model: not a pickle file"


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="is a folder, not a model file"):
        load_model(tmp_path)
    not_a_folder = tmp_path / "file"
    not_a_folder.write_bytes(b"x")
    with pytest.raises(ModelMissingError, match=r"cannot read it \(Not a directory\)"):
        load_model(not_a_folder / "model.pkl")
    with pytest.raises(ModelMissingError) as caught:
        load_model(tmp_path / "a\0b.pkl")
    assert str(caught.value) == f"{tmp_path}/a\\0b.pkl: not a possible file name (it holds a NUL)"


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
    # Harmless alone, but each turns a forged array into a call on it, or allocates at will.
    ("builtins", "set"), ("builtins", "bytearray"), ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
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


class _Reduce:
    """Pickles as ``func(*args)`` then ``__setstate__(state)``: what a crafted file can say."""

    def __init__(self, func: object, args: tuple[object, ...], state: object = None) -> None:
        self.func, self.args, self.state = func, args, state


class _CraftingPickler(pickle.Pickler):
    def reducer_override(self, obj: object) -> Any:
        if isinstance(obj, _Reduce):
            return (obj.func, obj.args, obj.state) if obj.state is not None else (
                obj.func, obj.args)
        return NotImplemented


def _crafted(value: object) -> bytes:
    buffer = io.BytesIO()
    _CraftingPickler(buffer, protocol=4).dump({**bundle_header(), "numpy_version": value})
    return buffer.getvalue()


def _array_of(dtype: _Reduce, raw: bytes, shape: tuple[int, ...] = (1,)) -> _Reduce:
    """An array as numpy pickles one, with the dtype and bytes the file chooses."""
    return _Reduce(np_reconstruct, (np.ndarray, (0,), b"b"), (1, shape, dtype, False, raw))


NO_FIELDS = (3, "|", None, None, None, -1, -1, 0)


@pytest.mark.parametrize(("array", "what"), [
    # An object array: its eight bytes would be read as a pointer, and Python would crash.
    (_array_of(_Reduce(np.dtype, ("O8", False, True), (3, "|", None, None, None, -1, -1, 63)),
               b"A" * 8), "an array of O8, not of plain numbers"),
    # A record whose state hides an object field while its flags say there is none.
    (_array_of(_Reduce(np.dtype, ("V8", False, True),
                       (3, "|", None, ("a",), {"a": (np.dtype("O"), 0)}, 8, 1, 0)), b"A" * 8),
     "an array of V8, not of plain numbers"),
    # The name of a number, with fields in its state.
    (_array_of(_Reduce(np.dtype, ("f8", False, True),
                       (3, "<", None, ("a",), {"a": (np.dtype("O"), 0)}, 8, 1, 63)), b"A" * 8),
     "an array of f8, not of plain numbers"),
    (_array_of(_Reduce(np.dtype, ("f8", False, True), NO_FIELDS), b"A" * 7),
     "an array whose bytes do not fill its shape"),
    (_array_of(_Reduce(np.dtype, ("f8", False, True), NO_FIELDS), b"A" * 9),
     "an array whose bytes do not fill its shape"),
    (_array_of(_Reduce(np.dtype, ("f8", False, True), NO_FIELDS), b"A" * 8, (1, 1, 1)),
     "an array in a form numpy does not write"),
    (_Reduce(np_reconstruct, (np.ndarray, (0,), b"b"), (1, (1,), np.dtype("f8"), False,
                                                         [1.0])),
     "an array in a form numpy does not write"),
    (_Reduce(np_reconstruct, (np.ndarray, (0,), b"b"), (2, (1,), np.dtype("f8"), False,
                                                         b"A" * 8)),
     "an array in a form numpy does not write"),
    ({1: 2}, "a key that is not text"),
    ({1, 2}, "a set, which a bundle never holds"),
])
def test_a_forged_array_is_refused_before_numpy_makes_it(array: _Reduce, what: str) -> None:
    """Only the allow-listed names, yet a file that would crash numpy: one line, no crash."""
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(_crafted(array), "forged.pkl")
    assert str(caught.value) == f"forged.pkl: not a Home Type model: it holds {what}"


@pytest.mark.parametrize(("value", "what"), [
    (_Reduce(np.ndarray, ((1,),)), "it builds an array from parts, which a model never does"),
    (_Reduce(np_reconstruct, (np.dtype, (0,), b"b")),
     "it reconstructs something other than an array"),
])
def test_the_allowed_names_build_arrays_the_way_numpy_pickles_them_only(
        value: _Reduce, what: str) -> None:
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(_crafted(value), "forged.pkl")
    assert str(caught.value) == f"forged.pkl: not a Home Type model: {what}"


def test_an_error_no_check_foresaw_is_one_line(bundle: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a bundle makes the checks raise ends as a ModelError, not a traceback."""
    def fail(*args: object) -> bool:
        raise MemoryError

    monkeypatch.setattr(model_module, "_trees_are_sound", fail)
    with pytest.raises(ModelForeignError) as caught:
        model_from_bundle(bundle, "odd.pkl")
    assert str(caught.value) == "odd.pkl: not a Home Type model bundle (MemoryError)"


def test_arrays_come_back_as_they_went() -> None:
    """Every dtype and layout a bundle uses (byte orders, Fortran order, empty) round-trips."""
    arrays = {"f8": np.linspace(0, 1, 6).reshape(2, 3), "fortran": np.asfortranarray(
        np.arange(6, dtype=np.int32).reshape(2, 3)), "big": np.arange(3, dtype=">i8"),
        "bytes": np.arange(3, dtype=np.uint8), "empty": np.zeros(0, dtype=np.int16),
        "f4": np.array([0.5, -2.0], dtype=np.float32)}
    back = loads_bundle(dumps_bundle({**bundle_header(), "arrays": arrays}))["arrays"]
    for name, array in arrays.items():
        assert back[name].dtype == array.dtype and back[name].shape == array.shape, name
        np.testing.assert_array_equal(back[name], array)


def test_a_list_held_in_many_places_is_read_once() -> None:
    """Nine levels of a thousand references each: a small file, 10**27 items if each was
    walked where it appears; it must load (or be refused) at once."""
    value: object = [1.0]
    for _ in range(9):
        value = [value] * 1000
    data = dumps_bundle({**bundle_header(), "training_data": {"labels": value}})
    assert len(data) < 100_000
    with pytest.raises(ModelForeignError, match="containers nested deeper than a bundle's"):
        loads_bundle(data, "bomb.pkl")
    value = [[1.0] * 1000] * 1000
    bundle = loads_bundle(dumps_bundle({**bundle_header(), "nested": [value] * 1000}))
    assert bundle["nested"][999][999][999] == 1.0


def test_a_name_over_lines_is_shown_on_one() -> None:
    buffer = io.BytesIO()
    _CraftingPickler(buffer, protocol=4).dump(_Reduce(print, ()))
    data = buffer.getvalue().replace(b"builtins", b"built\nin")
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(data, "lines.pkl")
    assert "\n" not in str(caught.value)
    assert "it names an unprintable text, which a model never needs" in str(caught.value)


def test_a_file_larger_than_any_model_is_not_read_whole(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused before its hash is computed or a byte unpickled, whatever its hash file says."""
    monkeypatch.setattr(model_module, "MAX_MODEL_BYTES", 1000)
    model = tmp_path / "model.pkl"
    model.write_bytes(b"x" * 1001)
    with pytest.raises(ModelForeignError, match="more than 1,000 bytes"):
        load_model(model)
    # Not read whole and then measured: a 64 MiB file takes a thousand bytes of memory.
    with model.open("wb") as handle:
        handle.truncate(2**26)
    with pytest.raises(ModelForeignError, match="more than 1,000 bytes"):
        assert_peak_below(2**20, load_model, model)
    with pytest.raises(ModelForeignError, match="more than 1,000 bytes"):
        loads_bundle(b"x" * 1001, "big.pkl")


def test_a_pickle_of_more_operations_than_any_model_is_refused_before_it_runs(
        tmp_path: Path) -> None:
    """A byte of EMPTY_SET makes a set of 200 bytes: 200,000 of them, 8 MB of sets in a file
    of 200 kB (and gigabytes in one of 64 MiB), refused before one is made."""
    path = tmp_path / "sets.pkl"
    path.write_bytes(b"\x80\x04](" + b"\x8f" * 200_000 + b"e.")  # a list of 200,000 sets
    with pytest.raises(ModelForeignError) as caught:
        assert_peak_below(2**20, lambda p: loads_bundle(p.read_bytes(), "sets.pkl"), path)
    assert str(caught.value) == ("sets.pkl: not a Home Type model: it holds more than 100,000 "
                                 "pickle operations, far more than any model")


@pytest.mark.parametrize("put", [
    b"r" + (2**24).to_bytes(4, "little"),  # LONG_BINPUT 16,777,216
    b"p16777216\n",  # PUT, as protocol 0 writes it
])
def test_a_memo_index_past_any_model_is_refused_before_the_memo_grows(put: bytes) -> None:
    """The unpickler grows its memo to twice the index a PUT names: nine bytes asked for 256 MiB
    here, 2 GiB with an index eight times this (found by a security review), enough to end
    Home Assistant on a small board."""
    data = b"\x80\x04N" + put + b"."
    with pytest.raises(ModelForeignError) as caught:
        assert_peak_below(2**20, lambda _: loads_bundle(data, "memo.pkl"), Path("memo.pkl"))
    assert str(caught.value) == ("memo.pkl: not a Home Type model: it holds a memo index of "
                                 "16,777,216, far more than any model writes")
    last = MAX_PICKLE_OPERATIONS - 1  # the highest index taken: what follows it is judged
    with pytest.raises(ModelForeignError, match="not a Home Type model bundle"):
        loads_bundle(b"\x80\x04N" + b"r" + last.to_bytes(4, "little") + b".", "memo.pkl")


def test_an_array_of_enormous_lengths_is_refused_before_they_are_multiplied() -> None:
    """Two lengths of a megabyte of digits each: multiplying them took seconds per megabyte of
    file, holding the interpreter (and Home Assistant's event loop) all along."""
    enormous = int.from_bytes(b"\xff" * 2**20)
    array = _array_of(_Reduce(np.dtype, ("f8", False, True), NO_FIELDS), b"A" * 8,
                      (enormous, enormous))
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(_crafted(array), "forged.pkl")
    assert str(caught.value) == ("forged.pkl: not a Home Type model: it holds an array in a "
                                 "form numpy does not write")


def test_a_pickle_cannot_change_the_names_it_is_allowed() -> None:
    """``BUILD`` on an allowed name itself would set attributes on it: on a class, replace its
    methods, for every file loaded after. Here ``numpy.ndarray``'s ``__new__`` made
    ``numpy.dtype``, so that the next file could build arrays from parts."""
    data = (b"\x80\x04cnumpy\nndarray\nN}\x8c\x07__new__cnumpy\ndtype\ns\x86b.")
    with pytest.raises(ModelForeignError) as caught:
        loads_bundle(data, "forged.pkl")
    assert str(caught.value) == ("forged.pkl: not a Home Type model: it changes a name it uses, "
                                 "which a model never does")
    with pytest.raises(ModelForeignError, match="it builds an array from parts"):
        loads_bundle(_crafted(_Reduce(np.ndarray, ((1,),))), "next.pkl")


def test_a_long_hash_file_is_not_read_whole(tmp_path: Path) -> None:
    """A hash file is one line; one of 32 MiB (or a link to /dev/zero, which never ends) is
    read no further than a line could go."""
    model = tmp_path / "model.pkl"
    model.write_bytes(b"model")
    with sha256_path(model).open("wb") as handle:
        handle.truncate(2**25)
    with pytest.raises(ModelTamperedError, match="holds no SHA-256 line"):
        assert_peak_below(2**20, load_model, model)


def _load_unblocked(model: Path, pipes: list[Path]) -> ModelError:
    """``load_model(model)`` in a thread, and its error; the test fails if it waited.

    A pipe is opened for writing afterwards, so that a reader stuck on one (as opening a
    pipe for reading waits for a writer) returns and no thread is left behind.
    """
    errors: list[ModelError] = []

    def load() -> None:
        try:
            load_model(model)
        except ModelError as err:
            errors.append(err)

    thread = threading.Thread(target=load)
    thread.start()
    thread.join(10)
    waited = thread.is_alive()
    while thread.is_alive():
        for pipe in pipes:
            with contextlib.suppress(OSError):  # ENXIO: nobody reading it
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(0.1)
    assert not waited, "reading the model waited on a pipe"
    (error,) = errors
    return error


def test_a_pipe_where_the_model_is_is_refused_without_waiting(tmp_path: Path) -> None:
    model = tmp_path / "model.pkl"
    os.mkfifo(model)
    error = _load_unblocked(model, [model])
    assert isinstance(error, ModelMissingError)
    assert str(error) == f"{model}: it is a pipe, a device or a socket, not a model file"


def test_a_pipe_where_the_hash_is_is_refused_without_waiting(tmp_path: Path) -> None:
    model = tmp_path / "model.pkl"
    model.write_bytes(BUNDLED.read_bytes())
    os.mkfifo(sha256_path(model))
    error = _load_unblocked(model, [sha256_path(model)])
    assert isinstance(error, ModelTamperedError)
    assert str(error) == (f"{model}: model.pkl.sha256 is a pipe, a device or a socket, "
                          "not its hash file")


def test_a_device_where_the_model_is_is_refused(tmp_path: Path) -> None:
    """/dev/zero never ends: refused as what it is, not read to the size limit."""
    model = tmp_path / "model.pkl"
    model.symlink_to("/dev/zero")
    with pytest.raises(ModelMissingError) as caught:
        load_model(model)
    assert str(caught.value) == f"{model}: it is a pipe, a device or a socket, not a model file"


def test_a_model_is_far_inside_the_operation_limit() -> None:
    """docs/model.md: "a model has under a thousand" pickle operations (its arrays are a few
    each, whatever their size), against a limit of 100,000."""
    operations = sum(1 for _ in pickletools.genops(BUNDLED.read_bytes()))
    assert operations < 1000 and MAX_PICKLE_OPERATIONS >= 100 * 1000


@pytest.mark.parametrize("kind", [ModelMissingError, ModelTamperedError, ModelForeignError,
                                  ModelIncompatibleError])
def test_an_error_copies_with_its_parts(kind: type[ModelError]) -> None:
    """Made of a file and a detail, an error is copied and pickled from both: from its one
    message it could not be made again."""
    error = kind("home_type/x.pkl", "no model file there")
    for again in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert type(again) is kind
        assert (again.file, again.detail, str(again)) == (
            "home_type/x.pkl", "no model file there", "home_type/x.pkl: no model file there")

