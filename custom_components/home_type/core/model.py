"""The model bundle: a trained classifier as plain arrays, loaded safely, run with numpy alone.

Home Assistant OS and its container are Alpine (musl) systems for which scikit-learn ships no
wheels, so the integration cannot use scikit-learn. The trainer therefore compiles its fitted
pipeline into a dict of numpy arrays, numbers and strings (``trainer/pipeline.py``), and this
module evaluates it: a forest of decision trees, then a per-class sigmoid calibration, exactly
as scikit-learn does -- a test proves equal probabilities to 1e-9.

A bundle is a pickle, and unpickling runs code named in the file. So loading (1) checks the
file's SHA-256 against the ``.sha256`` file beside it (whoever can replace the file can replace
that too, so it proves integrity, not origin), then (2) counts the pickle's operations (each
makes an object: a bound on them bounds the memory) and unpickles with an allow-list of the
three names a numpy array's pickle uses -- and even those do not reach numpy: they build inert
stand-ins that only record what the file says. A pickle naming anything else (``os.system``,
``builtins.eval`` …) is refused before it can run. (3) Only then are arrays made, by
:func:`numpy.frombuffer` from the recorded bytes, and only of plain numbers in numpy's layouts:
numpy's own reconstruction would trust a file's dtype, and an object dtype forged there turns
eight bytes of the file into a pointer, which crashes Home Assistant's whole process. (4) The
versions, shapes and numbers inside are checked against this code's, with limits that keep a
small file from asking for gigabytes or minutes of work. Every failure is one line.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import pickle
import pickletools
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
from numpy.typing import NDArray

from .features import FEATURE_NAMES, FEATURE_VERSION
from .snapshot import HOME_TYPES, SCHEMA_VERSION, read_at_most

BUNDLE_FORMAT: Final = "home_type_bundle"
BUNDLE_VERSION: Final = 1

#: The bundled model is 1.6 MB (docs/model.md); one of a thousand homes with leaves of 8 rows, 9.5.
MAX_MODEL_BYTES: Final = 64 * 1024 * 1024
#: Far past any forest the trainer fits (100 trees of depth 18 and 20,000 nodes for 100
#: homes, of depth 32 and 183,000 nodes for 1,000), and low enough to bound the work of a
#: prediction, whatever the file says.
MAX_TREES: Final = 10_000
MAX_DEPTH: Final = 1_000
MAX_NODES: Final = 4_000_000
#: Containers nest three deep in a bundle (bundle, training data, labels).
_MAX_NESTING: Final = 8
#: A bundle is under a thousand pickle operations (an array is a handful, whatever its size).
#: Each makes one object at most, so this bounds the memory unpickling can ask for: a byte of
#: ``EMPTY_SET`` makes a set of 200 bytes, and 64 MiB of them would make gigabytes.
MAX_PICKLE_OPERATIONS: Final = 100_000
#: A ``.sha256`` file is one line: a hash, two spaces and a file name.
_MAX_DIGEST_FILE_BYTES: Final = 4096

#: The dtypes of a bundle's arrays: plain numbers, as the pickle names them.
_NUMBER_DTYPES: Final = frozenset({"f8", "f4", "i8", "i4", "i2", "i1", "u8", "u4", "u2", "u1"})


class _Dtype:
    """Stands in for ``numpy.dtype`` while unpickling: records the file's words, builds nothing."""

    __slots__ = ("args", "state")

    def __init__(self, *args: object) -> None:
        self.args = args
        self.state: object = None

    def __setstate__(self, state: object) -> None:
        self.state = state


class _Array:
    """Stands in for an array while unpickling; :func:`_real_array` makes it one, if it may."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state: object = None

    def __setstate__(self, state: object) -> None:
        self.state = state


class _Name:
    """What an allowed name stands for in the file: something to call, and nothing more.

    Not the class or function itself, which a pickle's ``BUILD`` could give attributes to
    (``setattr`` on a class replaces its methods), changing this loader for every later file.
    This object takes no state, which is all ``BUILD`` gives (its slot is set only here); the
    unpickler cannot ``NEWOBJ`` it either, as it is not a class.
    """

    __slots__ = ("_call",)

    def __init__(self, call: Callable[..., object]) -> None:
        self._call = call

    def __call__(self, *args: object) -> object:
        return self._call(*args)

    def __setstate__(self, state: object) -> None:
        raise pickle.UnpicklingError("it changes a name it uses, which a model never does")


def _array_from_parts(*args: object) -> None:
    raise pickle.UnpicklingError("it builds an array from parts, which a model never does")


#: What the name ``numpy.ndarray`` stands for: an argument of reconstruction, no more.
_NDARRAY: Final = _Name(_array_from_parts)


def _reconstruct(subtype: object, *args: object) -> _Array:
    if subtype is not _NDARRAY:
        raise pickle.UnpicklingError("it reconstructs something other than an array")
    return _Array()


_RECONSTRUCT: Final = _Name(_reconstruct)
_ALLOWED_GLOBALS: Final[dict[tuple[str, str], _Name]] = {
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _Name(_Dtype),
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
}


class ModelError(Exception):
    """A model file that cannot be used: which file, and why, in one line.

    ``str()`` is "<file>: <detail>", for logs and the trainer's commands. The integration's
    own texts name the file, or stand beside it, and take :attr:`detail` alone: with the
    whole message they said the file twice, and some reasons twice ("There is no model file
    there: x.pkl: no model file there").
    """

    reason: str = "invalid"

    def __init__(self, file: str | os.PathLike[str], detail: str) -> None:
        super().__init__(f"{os.fspath(file)}: {detail}")
        self.file = os.fspath(file)
        self.detail = detail

    def __reduce__(self) -> tuple[type[ModelError], tuple[str, str]]:
        """Copied and pickled from its two parts, as it is made (``args`` holds one)."""
        return type(self), (self.file, self.detail)


class ModelMissingError(ModelError):
    """No model file where one was expected."""

    reason = "missing"


class ModelTamperedError(ModelError):
    """The file's hash does not match its ``.sha256``, or the ``.sha256`` is missing."""

    reason = "tampered"


class ModelForeignError(ModelError):
    """Not a Home Type bundle: unreadable, or naming code outside the allow-list."""

    reason = "foreign"


class ModelIncompatibleError(ModelError):
    """A Home Type bundle made for another feature set, snapshot format or bundle format."""

    reason = "incompatible"


class _Forbidden(pickle.UnpicklingError):
    """A global the allow-list refuses: the file is a pickle, and may be an attack."""


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            # The unpickler itself refuses a name that is not text, before asking here.
            raise _Forbidden(
                f"it names {_shown(f'{module}.{name}')}, which a model never needs")
        return _ALLOWED_GLOBALS[module, name]


class _NotABundle(Exception):
    """A part of an unpickled file that is not what a bundle holds; the message says which."""


def _shown(value: object) -> str:
    """A value from the file, fit for a one-line message: printable, short, or described."""
    if isinstance(value, str) and value.isprintable() and len(value) <= 60:
        return value
    if type(value) is int and abs(value) < 10**12:
        return str(value)
    return f"a {type(value).__name__}" if not isinstance(value, str) else "an unprintable text"


def _real_array(stub: _Array) -> NDArray[Any]:
    """The array a stand-in recorded, made by numpy only if it is plain numbers.

    The state is numpy's own pickle of an array: ``(1, shape, dtype, fortran, raw bytes)``,
    its dtype ``(name, align, copy)`` with the state of a dtype without fields, sub-arrays
    or objects. Anything else is refused, so no byte of the file is ever read as a pointer.
    """
    state = stub.state
    if not (type(state) is tuple and len(state) == 5 and state[0] == 1):
        raise _NotABundle("an array in a form numpy does not write")
    _, shape, dtype, fortran, raw = state
    # Each length is bounded before they are multiplied: the product of two lengths of
    # megabytes of digits each would hold the interpreter for minutes.
    if not (type(shape) is tuple and len(shape) <= 2
            and all(type(n) is int and 0 <= n <= MAX_MODEL_BYTES for n in shape)
            and type(fortran) is bool and type(raw) is bytes):
        raise _NotABundle("an array in a form numpy does not write")
    if not (isinstance(dtype, _Dtype) and len(dtype.args) == 3 and dtype.args[0] in _NUMBER_DTYPES
            and any(dtype.state == (3, order, None, None, None, -1, -1, 0) for order in "<>|=")):
        name = dtype.args[0] if isinstance(dtype, _Dtype) and dtype.args else None
        raise _NotABundle(f"an array of {_shown(name)}, not of plain numbers")
    order = cast(tuple[str, ...], dtype.state)[1]
    kind = np.dtype(f"{order if order in '<>' else ''}{dtype.args[0]}")
    count = math.prod(shape)
    if count * kind.itemsize != len(raw):
        raise _NotABundle("an array whose bytes do not fill its shape")
    return np.frombuffer(raw, dtype=kind, count=count).reshape(
        shape, order="F" if fortran else "C")


def _plain(value: object, depth: int = 0, done: dict[int, object] | None = None) -> object:
    """The unpickled file with its arrays made real; anything a bundle never holds refused.

    A bundle is dicts with text keys, lists, text, numbers, booleans, None and number arrays.
    A pickle may hold one container in many places (a list of a thousand references to a list
    of a thousand references …); each is converted once, so the work is the file's size.
    """
    if value is None or type(value) in (str, int, float, bool):
        return value
    done = {} if done is None else done
    if id(value) in done:
        return done[id(value)]
    if depth > _MAX_NESTING:
        raise _NotABundle("containers nested deeper than a bundle's")
    plain: object
    if isinstance(value, _Array):
        plain = _real_array(value)
    elif type(value) is dict:
        if not all(type(key) is str for key in value):
            raise _NotABundle("a key that is not text")
        plain = {key: _plain(item, depth + 1, done) for key, item in value.items()}
    elif type(value) in (list, tuple):
        plain = [_plain(item, depth + 1, done) for item in cast(list[object], value)]
    else:
        raise _NotABundle(f"{_shown(value)}, which a bundle never holds")
    done[id(value)] = plain
    return plain


def sha256_path(model_path: Path) -> Path:
    """Where the hash of a model file lives: ``home_type_classifier.pkl.sha256``."""
    return model_path.with_name(model_path.name + ".sha256")


def results_path_for(model_path: Path) -> Path:
    """Where training writes a model's figures: ``home_type_classifier_results.json``."""
    return model_path.with_name(model_path.stem + "_results.json")


def file_digest(data: bytes) -> str:
    """Hex SHA-256 of ``data``, as ``sha256sum`` prints it."""
    return hashlib.sha256(data).hexdigest()


def sha256_line(data: bytes, name: str) -> str:
    """The ``.sha256`` file's content, in ``sha256sum`` format so ``sha256sum -c`` checks it."""
    return f"{file_digest(data)}  {name}\n"


@dataclass(frozen=True, slots=True)
class CompiledForest:
    """Decision trees as flat arrays.

    Node ``i`` compares ``x[feature[i]] <= threshold[i]`` (in float32, as scikit-learn's trees
    do) and goes to ``left[i]`` or ``right[i]``; a negative ``left`` marks a leaf whose class
    distribution is row ``-left[i] - 1`` of ``leaf_values``.
    """

    roots: NDArray[np.int64]
    feature: NDArray[np.int64]
    threshold: NDArray[np.float64]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    leaf_values: NDArray[np.float64]

    def predict_proba(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Mean of the trees' class distributions, as scikit-learn's forests compute it."""
        X32 = np.asarray(X, dtype=np.float32)
        rows = np.arange(X32.shape[0])[:, None]
        node = np.broadcast_to(self.roots, (X32.shape[0], self.roots.size)).copy()
        inner = self.left[node] >= 0
        while inner.any():
            current = node[inner]
            go_left = X32[np.broadcast_to(rows, node.shape)[inner],
                          self.feature[current]] <= self.threshold[current]
            node[inner] = np.where(go_left, self.left[current], self.right[current])
            inner = self.left[node] >= 0
        leaves = -self.left[node] - 1
        total = np.zeros((X32.shape[0], self.leaf_values.shape[1]))
        for tree in range(self.roots.size):  # in tree order, as scikit-learn accumulates
            total += self.leaf_values[leaves[:, tree]]
        return total / self.roots.size


@dataclass(frozen=True, slots=True)
class SigmoidCalibration:
    """Platt scaling per class, then normalisation -- ``CalibratedClassifierCV(sigmoid)``.

    A model of two classes has a single ``a``/``b`` pair, for the second class, as
    scikit-learn fits it: the first class gets one minus that, without normalisation.
    """

    a: NDArray[np.float64]
    b: NDArray[np.float64]

    def apply(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated probabilities from the forest's scores; each row sums to 1."""
        if self.a.size == 1 and scores.shape[1] == 2:
            second = 1.0 / (1.0 + np.exp(self.a * scores[:, 1] + self.b))
            proba = np.column_stack([1.0 - second, second])
        else:
            proba = 1.0 / (1.0 + np.exp(self.a * scores + self.b))
            total = proba.sum(axis=1, keepdims=True)
            uniform = np.full_like(proba, 1.0 / proba.shape[1])
            proba = np.divide(proba, total, out=uniform, where=total != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return cast(NDArray[np.float64], proba)


@dataclass(frozen=True, slots=True)
class HomeTypeModel:
    """A loaded bundle: scaling, forest and calibration, plus what describes them."""

    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    version: str
    mean: NDArray[np.float64] | None
    scale: NDArray[np.float64] | None
    forest: CompiledForest
    calibration: SigmoidCalibration | None
    info: dict[str, Any]

    def predict_proba(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated class probabilities, one row per feature vector."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if self.mean is not None and self.scale is not None:
            X = (X - self.mean) / self.scale
        scores = self.forest.predict_proba(X)
        return self.calibration.apply(scores) if self.calibration is not None else scores


def bundle_header() -> dict[str, Any]:
    """The fields that make a dict a bundle this version reads: format, versions, features.

    Whoever writes a bundle (the trainer, a test) starts from these, so a change to the format
    or the feature set is made in one place.
    """
    return {
        "format": BUNDLE_FORMAT,
        "bundle_version": BUNDLE_VERSION,
        "feature_version": FEATURE_VERSION,
        "feature_names": list(FEATURE_NAMES),
        "snapshot_schema_version": SCHEMA_VERSION,
        "numpy_version": np.__version__,
    }


def dumps_bundle(bundle: dict[str, Any]) -> bytes:
    """Pickle a bundle dict (protocol 4: numpy arrays reconstruct through the allow-list)."""
    return pickle.dumps(bundle, protocol=4)


def loads_bundle(data: bytes, source: str = "<bytes>") -> dict[str, Any]:
    """Unpickle through the allow-list; anything else is :class:`ModelForeignError`.

    Tuples come back as lists, as JSON would have them.
    """
    if len(data) > MAX_MODEL_BYTES:
        raise _too_large(source)
    if not data:
        raise ModelForeignError(source, "not a Home Type model: the file is empty")
    try:
        _count_operations(data)
        bundle = _plain(_AllowListUnpickler(io.BytesIO(data)).load())
    except _Forbidden as err:
        raise ModelForeignError(source, f"not a Home Type model: {err}") from None
    except pickle.UnpicklingError as err:
        # A text file or another format, read as opcodes: the unpickler's own words ("Memo
        # value not found at index 101", "invalid load key, '#'") say nothing to the user.
        why = err if data.startswith(_PICKLE_PROTOCOL_MARK) else "not a pickle file"
        raise ModelForeignError(source, f"not a Home Type model: {why}") from None
    except _NotABundle as err:
        raise ModelForeignError(source, f"not a Home Type model: it holds {err}") from None
    except Exception as err:  # truncated or garbage bytes raise all sorts of errors
        why = str(err) if str(err).isprintable() and len(str(err)) <= 80 else ""
        raise ModelForeignError(source, "not a Home Type model: unreadable "
                                f"({why or type(err).__name__})") from None
    if not isinstance(bundle, dict) or not _is(bundle.get("format"), BUNDLE_FORMAT):
        raise ModelForeignError(source, "not a Home Type model bundle")
    return bundle


#: The operations that store an object in the unpickler's memo at an index the file gives.
_MEMO_PUTS: Final = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def _count_operations(data: bytes) -> None:
    """Refuse a pickle of more operations than :data:`MAX_PICKLE_OPERATIONS`, before any runs.

    A memo index past that number is refused too: the unpickler grows its memo to twice the
    index a ``PUT`` names, so ``LONG_BINPUT 134,217,728`` -- nine bytes of file, two
    operations -- had it ask for 2 GiB. A pickle writes its memo from 0 up, one index an
    object, so no bundle comes near.

    A pickle whose operations cannot all be read is refused here too, rather than left to the
    unpickler, which could be more lenient somewhere and go on past the count.
    """
    try:
        for count, (operation, argument, _) in enumerate(pickletools.genops(data), start=1):
            if count > MAX_PICKLE_OPERATIONS:
                raise _NotABundle(f"more than {MAX_PICKLE_OPERATIONS:,} pickle operations, "
                                  "far more than any model")
            if (operation.name in _MEMO_PUTS and isinstance(argument, int)
                    and not 0 <= argument < MAX_PICKLE_OPERATIONS):
                raise _NotABundle(f"a memo index of {argument:,}, far more than any model "
                                  "writes")
    except ValueError:  # pickletools' words ("expected 17 bytes in a unicodestring1 …")
        raise pickle.UnpicklingError("it is cut short or damaged") from None


#: The first byte of every pickle of protocol 2 or later (bundles are written with 4).
_PICKLE_PROTOCOL_MARK: Final = b"\x80"


def _too_large(source: str) -> ModelForeignError:
    return ModelForeignError(source, f"not a Home Type model: more than {MAX_MODEL_BYTES:,} "
                                     "bytes, far more than any model")


def _is(value: object, expected: int | str) -> bool:
    """``value == expected`` for a value of the file, of the same type (never an array's ==)."""
    return type(value) is type(expected) and value == expected


#: Open without waiting for a pipe's writer, and not into child processes; POSIX only (the
#: trainer may run on Windows, which has no pipes in the file system to wait on).
_NO_WAIT: Final = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class _NotAFile(OSError):
    """A path that names a pipe, a device or a socket: reading one could wait forever."""


def _read_file(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes of the file at ``path``, if it is a file.

    Opened without waiting, then checked: a pipe (FIFO) put where a model was would block the
    reading thread until something writes to it, and Home Type's refreshes behind it; a device
    such as ``/dev/zero`` never ends.
    """
    fd = os.open(path, os.O_RDONLY | _NO_WAIT)
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(status.st_mode):
            raise _NotAFile
    except OSError:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        return read_at_most(handle, limit)


def read_verified(path: str | Path) -> bytes:
    """The model file's bytes, after its hash matched the ``.sha256`` beside it."""
    model_path = Path(path)
    try:
        data = _read_file(model_path, MAX_MODEL_BYTES + 1)
    except FileNotFoundError:
        raise ModelMissingError(model_path, "no model file there") from None
    except IsADirectoryError:
        raise ModelMissingError(model_path, "it is a folder, not a model file") from None
    except _NotAFile:
        raise ModelMissingError(
            model_path, "it is a pipe, a device or a socket, not a model file") from None
    except OSError as err:
        raise ModelMissingError(model_path, f"cannot read it ({err.strerror})") from None
    except ValueError:  # a NUL character, which no file name can hold (only the API sends one)
        shown = str(model_path).replace("\0", "\\0")
        raise ModelMissingError(shown, "not a possible file name (it holds a NUL)") from None
    if len(data) > MAX_MODEL_BYTES:  # refused here, not as a hash mismatch of its first part
        raise _too_large(str(model_path))
    digest_file = sha256_path(model_path)
    try:
        line = _read_file(digest_file, _MAX_DIGEST_FILE_BYTES).decode("ascii")
        expected = line.split()[0].strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", expected):  # not a hash: a wrong file, not a change
            raise ValueError
    except FileNotFoundError:
        raise ModelTamperedError(
            model_path, f"no {digest_file.name} beside it to check its integrity") from None
    except IsADirectoryError:
        raise ModelTamperedError(
            model_path, f"{digest_file.name} is a folder, not its hash file") from None
    except _NotAFile:
        raise ModelTamperedError(model_path, f"{digest_file.name} is a pipe, a device or a "
                                             "socket, not its hash file") from None
    except OSError as err:
        raise ModelTamperedError(
            model_path, f"cannot read {digest_file.name} ({err.strerror})") from None
    except (IndexError, ValueError):  # empty, or not text
        raise ModelTamperedError(
            model_path, f"{digest_file.name} holds no SHA-256 line") from None
    if file_digest(data) != expected:
        raise ModelTamperedError(
            model_path,
            f"SHA-256 does not match {digest_file.name}; the file was changed after training")
    return data


def _not_a_bundle(source: str, why: str) -> ModelForeignError:
    """The one refusal of a bundle whose parts are not a Home Type model's, and which part."""
    return ModelForeignError(source, f"not a Home Type model bundle ({why})")


def _array(bundle: dict[str, Any], key: str, dtype: type, source: str,
           ndim: int = 1, limit: int = MAX_NODES) -> NDArray[Any]:
    """A numeric array of ``ndim`` dimensions, or :class:`ModelForeignError` naming ``key``.

    The dimensions are checked here because the checks after this one index the arrays: a
    column where a vector belongs would fail there, or at the first prediction, with numpy's
    own error instead of this one line. The size is checked before the copy to ``dtype``: a
    file of bytes would otherwise ask for eight times its size. Floats must be finite.
    """
    value = bundle.get(key)
    if (not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf"
            or value.ndim != ndim or value.size > limit):
        raise _not_a_bundle(source, f"bad '{key}'")
    array: NDArray[Any] = value.astype(dtype, copy=False)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise _not_a_bundle(source, f"bad '{key}'")
    return array


def _section(bundle: dict[str, Any], key: str, source: str) -> dict[str, Any] | None:
    """An optional part of the bundle (calibration, scaler): absent, or a mapping of arrays."""
    value = bundle.get(key)
    if value is not None and not isinstance(value, dict):
        raise _not_a_bundle(source, f"bad '{key}'")
    return value


def _names(bundle: dict[str, Any], key: str, source: str) -> tuple[str, ...]:
    """A list of names (classes, feature names) as a tuple; anything but text is refused.

    ``tuple()`` of a number fails with a TypeError, and ``str()`` of anything else would
    pass a crafted value along as if it were a name.
    """
    value = bundle.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise _not_a_bundle(source, f"bad '{key}'")
    return tuple(value)


def _trees_are_sound(forest: CompiledForest, n_classes: int, n_features: int) -> bool:
    """Every index in range, every child after its parent and of one parent, depth bounded.

    scikit-learn numbers a node's children after it, and compilation keeps that order; asking
    for it means the predictor's walk always ends, even on a bundle crafted with a loop (the
    hash only proves the file is the one its ``.sha256`` names, not that it came from training).
    One parent per node makes the trees trees, so the depth walk below visits each node once;
    the depth and tree limits bound a prediction's work. Leaves are class distributions.
    """
    n_nodes = forest.feature.size
    inner = forest.left >= 0
    parent = np.arange(n_nodes)[inner]
    sound = bool(
        forest.leaf_values.ndim == 2 and forest.leaf_values.shape[1] == n_classes
        and forest.threshold.size == forest.left.size == forest.right.size == n_nodes
        and forest.roots.size > 0 and forest.roots.min() >= 0 and forest.roots.max() < n_nodes
        and np.all(forest.left[inner] > parent) and np.all(forest.left[inner] < n_nodes)
        and np.all(forest.right[inner] > parent) and np.all(forest.right[inner] < n_nodes)
        and np.all(forest.feature[inner] >= 0) and np.all(forest.feature[inner] < n_features)
        and np.all(-forest.left[~inner] - 1 < forest.leaf_values.shape[0])
        and np.all(forest.leaf_values >= 0.0) and np.all(forest.leaf_values <= 1.0)
        and np.allclose(forest.leaf_values.sum(axis=1), 1.0, rtol=0.0, atol=1e-6))
    if not sound:
        return False
    starts = np.concatenate([forest.roots, forest.left[inner], forest.right[inner]])
    if np.unique(starts).size != starts.size:  # a node two trees or two parents share
        return False
    level = forest.roots
    for _ in range(MAX_DEPTH + 1):  # MAX_DEPTH levels of splits, then leaves only
        level = level[forest.left[level] >= 0]
        if not level.size:
            return True
        level = np.concatenate([forest.left[level], forest.right[level]])
    return False


#: What the bundle says of its training, with the types of what the trainer and the
#: integration's diagnostics read from it.
_PROVENANCE_TYPES: Final[dict[str, type]] = {
    "folder": str, "homes": int, "generators": list, "seeds": list, "days": list,
    "labels": dict,
}


def _info(bundle: dict[str, Any], source: str) -> dict[str, Any]:
    """The bundle's description: every part but the arrays' sections, of the types shown.

    ``verify`` prints it, ``publish`` compares its seeds, diagnostics show it: a crafted value
    of another type would fail there, after loading said the model was good.
    """
    info = {k: v for k, v in bundle.items() if k not in ("forest", "calibration", "scaler")}
    for key, value in info.items():
        if isinstance(value, np.ndarray):
            raise _not_a_bundle(source, f"bad '{key}'")
    training = info.get("training_data", {})
    if not isinstance(training, dict) or not all(
            isinstance(training[key], kind) for key, kind in _PROVENANCE_TYPES.items()
            if key in training):
        raise _not_a_bundle(source, "bad 'training_data'")
    for key in ("generators", "seeds"):
        if not all(isinstance(item, str) for item in training.get(key, [])):
            raise _not_a_bundle(source, "bad 'training_data'")
    return info


def model_from_bundle(bundle: dict[str, Any], source: str = "<bundle>") -> HomeTypeModel:
    """Check a bundle's versions, shapes and numbers and build the predictor.

    Whatever the bundle holds, the outcome is a model or a :class:`ModelError`: a value of a
    kind no check foresaw ends as "not a Home Type model bundle", never as a traceback.
    """
    try:
        return _model_from_bundle(bundle, source)
    except ModelError:
        raise
    except Exception as err:  # a crafted file must end in one line, whatever it holds
        raise _not_a_bundle(source, type(err).__name__) from None


def _model_from_bundle(bundle: dict[str, Any], source: str) -> HomeTypeModel:
    if not _is(bundle.get("bundle_version"), BUNDLE_VERSION):
        raise ModelIncompatibleError(
            source, f"bundle format {_shown(bundle.get('bundle_version'))} (this version "
                    f"reads {BUNDLE_VERSION}); retrain or update Home Type")
    if not _is(bundle.get("feature_version"), FEATURE_VERSION):
        raise ModelIncompatibleError(
            source, f"trained on feature set {_shown(bundle.get('feature_version'))}, this "
                    f"version computes {FEATURE_VERSION}; retrain the model with this version")
    if _names(bundle, "feature_names", source) != FEATURE_NAMES:
        # Same number, other features: a trainer whose features changed without a new number.
        raise ModelIncompatibleError(
            source, f"its feature names are not those of feature set {FEATURE_VERSION} as this "
                    "version computes it; retrain the model with this version")
    if not _is(bundle.get("snapshot_schema_version"), SCHEMA_VERSION):
        raise ModelIncompatibleError(
            source, f"made for snapshot format {_shown(bundle.get('snapshot_schema_version'))}"
                    f", this version reads {SCHEMA_VERSION}")
    numpy_version = bundle.get("numpy_version", "0")
    if not isinstance(numpy_version, str) or (
            numpy_version.split(".")[0] != np.__version__.split(".")[0]):
        raise ModelIncompatibleError(
            source, f"saved with numpy {_shown(numpy_version)}, this system has {np.__version__}")
    version = bundle.get("model_version", "unknown")
    if not (isinstance(version, str) and version.isprintable() and 0 < len(version) <= 64):
        raise _not_a_bundle(source, "bad 'model_version'")
    classes = _names(bundle, "classes", source)
    if len(set(classes)) != len(classes):  # an answer's probability would be two columns'
        raise _not_a_bundle(source, "a class named twice")
    n_features = len(FEATURE_NAMES)
    forest = bundle.get("forest")
    if not classes or not isinstance(forest, dict):
        raise _not_a_bundle(source, "no classes or forest")
    # Here, not in the integration alone: the trainer's verify and publish load models through
    # this function too, and must refuse what the sensor could not show.
    unknown = sorted(set(classes) - set(HOME_TYPES))
    if unknown:
        raise ModelIncompatibleError(
            source, f"predicts {', '.join(unknown)}, which this version does not know")
    compiled = CompiledForest(
        roots=_array(forest, "roots", np.int64, source, limit=MAX_TREES),
        feature=_array(forest, "feature", np.int64, source),
        threshold=_array(forest, "threshold", np.float64, source),
        left=_array(forest, "left", np.int64, source),
        right=_array(forest, "right", np.int64, source),
        leaf_values=_array(forest, "leaf_values", np.float64, source, ndim=2,
                           limit=MAX_NODES * len(HOME_TYPES)),
    )
    if not _trees_are_sound(compiled, len(classes), n_features):
        raise _not_a_bundle(source, "inconsistent trees")
    calibration = None
    cal = _section(bundle, "calibration", source)
    if cal is not None:
        calibration = SigmoidCalibration(a=_array(cal, "a", np.float64, source),
                                         b=_array(cal, "b", np.float64, source))
        # One pair per class, or a single pair for the second class of a two-class model.
        pairs = 1 if len(classes) == 2 else len(classes)
        if calibration.a.shape != (pairs,) or calibration.b.shape != (pairs,):
            raise _not_a_bundle(source, "calibration")
    mean = scale = None
    scaler = _section(bundle, "scaler", source)
    if scaler is not None:
        mean = _array(scaler, "mean", np.float64, source)
        scale = _array(scaler, "scale", np.float64, source)
        if mean.shape != (n_features,) or scale.shape != (n_features,) or np.any(scale <= 0):
            raise _not_a_bundle(source, "scaler")
    return HomeTypeModel(classes=classes, feature_names=FEATURE_NAMES, version=version,
                         mean=mean, scale=scale, forest=compiled, calibration=calibration,
                         info=_info(bundle, source))


def load_model(path: str | Path) -> HomeTypeModel:
    """Load a model file: hash, allow-list unpickling, versions -- or a clear :class:`ModelError`.

    Blocking (file I/O): Home Assistant calls it in the executor.
    """
    source = str(path)
    return model_from_bundle(loads_bundle(read_verified(path), source), source)
