"""Model files for tests: the bundled model under another version, with chosen figures.

A re-versioned copy of the bundled model is a real, valid bundle (re-hashed), so tests of
publishing and reloading need no training run.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

import numpy as np

from custom_components.home_type.core.model import (
    dumps_bundle,
    loads_bundle,
    results_path_for,
    sha256_line,
    sha256_path,
)
from tests.conftest import ROOT

BUNDLED = ROOT / "custom_components" / "home_type" / "models" / "home_type_classifier.pkl"


def make_model(folder: Path, version: str, *, accuracy: float = 0.9, macro_f1: float = 0.9,
               section: str = "evaluation", without: Collection[str] = ()) -> Path:
    """A valid model (the bundled one, re-versioned) with a results file of chosen figures.

    ``without`` drops classes: a model that never answers those types, as one trained
    without homes of them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    bundle = loads_bundle(BUNDLED.read_bytes())
    bundle["model_version"] = version
    kept = [i for i, label in enumerate(bundle["classes"]) if label not in without]
    bundle["classes"] = [bundle["classes"][i] for i in kept]
    values = bundle["forest"]["leaf_values"][:, kept]
    sums = values.sum(axis=1, keepdims=True)  # leaves are distributions; a pure one is even
    bundle["forest"]["leaf_values"] = np.where(sums > 0, values / np.where(sums > 0, sums, 1),
                                               1 / len(kept))
    for name in ("a", "b"):
        bundle["calibration"][name] = bundle["calibration"][name][kept]
    data = dumps_bundle(bundle)
    model = folder / "home_type_classifier.pkl"
    model.write_bytes(data)
    sha256_path(model).write_text(sha256_line(data, model.name))
    results = json.loads(results_path_for(BUNDLED).read_text())
    results["model_version"] = version
    if section == "holdout":
        results["evaluation"] = None
    results[section]["by_window"]["10d"].update(accuracy=accuracy, macro_f1=macro_f1)
    results_path_for(model).write_text(json.dumps(results))
    return model
