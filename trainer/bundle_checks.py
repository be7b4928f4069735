"""What a trained bundle's own numbers say about it, read without scikit-learn.

``train`` records it in the results file and warns; ``verify`` and ``publish``, which must not
import scikit-learn, warn the same from the loaded bundle.
"""

from __future__ import annotations

from collections.abc import Sequence

from custom_components.home_type.core.model import HomeTypeModel
from custom_components.home_type.core.snapshot import HOME_TYPES


def never_answered(model: HomeTypeModel) -> list[str]:
    """The home types the model has no class for: its training homes had none of them.

    A small ``--count`` or a ``--mix`` leaves types out, and the figures cannot show it: the
    evaluation homes of the same mix have none of them either.
    """
    return [home_type for home_type in HOME_TYPES if home_type not in model.classes]


def never_warning(types: Sequence[str]) -> str:
    """The one warning ``train``, ``verify`` and ``publish`` print about :func:`never_answered`."""
    return (f"[yellow]warning:[/yellow] this model never answers {', '.join(types)}: its "
            "training homes had none, so Home Type's sensor can never show "
            f"{'it' if len(types) == 1 else 'them'}")


def backward_types(model: HomeTypeModel) -> list[str]:
    """The types whose calibration came out backwards: the surer the trees, the less likely.

    Platt scaling fits each type's probability as ``1 / (1 + exp(a * score + b))``; ``a`` must
    be negative, so that a higher score means a likelier type. With few homes of a type, or
    few that show it, the fit can come out with ``a`` of zero or above: the more the trees
    point to that type, the less likely the model makes it. Such a type is not always
    unanswerable -- a home the trees point nowhere in particular can still get it, as a
    10-home test run showed -- but it is never answered *because* a home looks like it.
    (Once, 3 of the 5 ranch houses of ``scripts/train``'s homes were left unsorted, and the
    model trained on them answered no ranch house at all.) Two types have one sigmoid,
    whose sign says nothing on its own: none is named then.
    """
    calibration = model.calibration
    if calibration is None or len(calibration.a) != len(model.classes):
        return []
    return [label for label, a in zip(model.classes, calibration.a, strict=True) if a >= 0]


def backward_warning(types: Sequence[str]) -> str:
    """The one warning ``train`` and ``verify`` print about :func:`backward_types`."""
    return (f"[yellow]warning:[/yellow] this model's probabilities run backwards for "
            f"{', '.join(types)}: too few of the training homes show "
            f"{'that type' if len(types) == 1 else 'those types'} to fit them (the surer its "
            "trees are of one, the less likely it makes it), so its answers of "
            f"{'it' if len(types) == 1 else 'them'} mean nothing; train on more homes of "
            f"{'it' if len(types) == 1 else 'them'}")
