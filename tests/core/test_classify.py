"""The answer every caller shows: most likely type first, its confidence, what it rests on."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from custom_components.home_type.core.activity import EMPTY_SUMMARY, ActivitySummary
from custom_components.home_type.core.classify import classify, classify_features
from custom_components.home_type.core.features import FEATURE_NAMES
from custom_components.home_type.core.model import HomeTypeModel, load_model
from custom_components.home_type.core.snapshot import HomeSnapshot
from tests.core.test_model import BUNDLED


def test_most_likely_first_with_its_confidence() -> None:
    model = load_model(BUNDLED)
    x = np.linspace(0.0, 3.0, len(FEATURE_NAMES), dtype=np.float64)
    proba = model.predict_proba(x)[0]
    summary = ActivitySummary(hours_covered=np.array([[10.0 / 3] * 24, [0.0] * 24]),
                              counts={"light.a": np.ones((2, 24))})
    result = classify_features(x, model, summary)
    ranked = sorted(zip(model.classes, proba.tolist(), strict=True), key=lambda p: -p[1])
    assert list(result.probabilities.items()) == ranked
    assert (result.home_type, result.confidence) == ranked[0]
    assert result.method == "history" and result.history_days == pytest.approx(10.0 / 3)
    shown = result.as_dict()
    assert list(shown["probabilities"]) == [label for label, _ in ranked]
    assert shown["confidence"] == round(ranked[0][1], 4) == shown["probabilities"][ranked[0][0]]
    assert shown["history_days"] == 3.33 and shown["method"] == "history"


def test_without_history_the_answer_rests_on_structure() -> None:
    result = classify(HomeSnapshot("e", None, {}), EMPTY_SUMMARY, load_model(BUNDLED))
    assert result.method == "structure" and result.history_days == 0
    assert result.as_dict()["method"] == "structure"


def test_ties_keep_the_model_s_order_of_classes() -> None:
    """Two types equally likely: the answer is the one the model lists first, at every call,
    not whichever a sort happens to put first."""
    proba = np.array([[0.1, 0.3, 0.1, 0.3, 0.2]])
    model = cast(HomeTypeModel, SimpleNamespace(
        classes=["a", "b", "c", "d", "e"], version="v",
        predict_proba=lambda features: proba))
    result = classify_features(np.zeros(3), model, EMPTY_SUMMARY)
    assert result.home_type == "b" and result.confidence == 0.3
    assert list(result.probabilities) == ["b", "d", "e", "a", "c"]
    shown: dict[str, Any] = result.as_dict()
    assert list(shown["probabilities"]) == ["b", "d", "e", "a", "c"]
