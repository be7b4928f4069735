"""Classify a home: features, model, and the answer in the shape every caller shows it.

The trainer's ``classify`` command, the integration's sensor, its service and its HTTP view all
return this same result, so a real home exported from Home Assistant and classified by the
trainer gives the answer the sensor shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .activity import ActivitySummary
from .features import extract_features
from .model import HomeTypeModel
from .snapshot import HomeSnapshot

Method = Literal["history", "structure"]


@dataclass(frozen=True, slots=True)
class Classification:
    """The predicted home type with its probabilities and what it was based on."""

    home_type: str
    confidence: float
    probabilities: dict[str, float]
    model_version: str
    history_days: float
    method: Method

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; probabilities rounded to 4 places, most likely first."""
        return {
            "home_type": self.home_type,
            "confidence": round(self.confidence, 4),
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "model_version": self.model_version,
            "history_days": round(self.history_days, 2),
            "method": self.method,
        }


def classify_features(features: NDArray[np.float64], model: HomeTypeModel,
                      summary: ActivitySummary) -> Classification:
    """The result for an already computed feature vector."""
    proba = model.predict_proba(features)[0]
    order = [int(i) for i in np.argsort(-proba, kind="stable")]
    best = order[0]
    return Classification(
        home_type=model.classes[best],
        confidence=float(proba[best]),
        probabilities={model.classes[i]: float(proba[i]) for i in order},
        model_version=model.version,
        history_days=summary.days,
        method="history" if summary.has_history else "structure",
    )


def classify(home: HomeSnapshot, summary: ActivitySummary,
             model: HomeTypeModel) -> Classification:
    """Features of the home, then the model. Pure computation: safe in any thread."""
    return classify_features(extract_features(home, summary), model, summary)
