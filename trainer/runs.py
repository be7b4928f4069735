"""What a training or learning-curve run is asked to do, and the checks that need no home read.

Kept apart from :mod:`trainer.train` and :mod:`trainer.curve`, which import scikit-learn (about
a second and a half): the command line checks a run's settings and folders with this module
alone, so a mistyped flag is refused at once, not after that import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from custom_components.home_type.core.model import results_path_for, sha256_path

from .dataset import (
    DatasetError,
    check_copies,
    check_jobs,
    check_min_samples_leaf,
    check_seed,
    check_test_size,
    home_files,
)

#: The share of homes a training run holds out (``train --test-size``'s default).
DEFAULT_TEST_SIZE: Final = 0.2

#: Rows a leaf of the forest holds at least (``train --min-samples-leaf``'s default):
#: :mod:`trainer.pipeline`'s docstring says why 8 for a hundred homes, and why more for more.
MIN_SAMPLES_LEAF: Final = 8

#: A run reports its steps to this: step name, items done, items in all.
Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """The progress callback of a run nobody watches (tests, library use)."""
    return None


@dataclass(slots=True)
class TrainingRun:
    """Arguments of a training run (the CLI's flags)."""

    homes: Path
    output: Path
    evaluation_homes: Path | None = None
    test_size: float = DEFAULT_TEST_SIZE
    seed: int = 42
    copies: int = 4
    min_samples_leaf: int = MIN_SAMPLES_LEAF
    cv_folds: int = 5
    n_jobs: int = -1
    progress: Progress = field(default=no_progress)

    @property
    def sklearn_path(self) -> Path:
        """The fitted scikit-learn pipeline, kept for research and re-export."""
        return self.output.with_name(self.output.stem + ".sklearn.joblib")

    @property
    def results_path(self) -> Path:
        """The run's figures: ``…_results.json`` beside the model."""
        return results_path_for(self.output)

    @property
    def written(self) -> tuple[Path, ...]:
        """Every file the run writes, so a caller can check them all before it starts."""
        return (self.output, sha256_path(self.output), self.sklearn_path, self.results_path)


@dataclass(slots=True)
class CurveRun:
    """Arguments of a learning-curve run (the CLI's flags)."""

    homes: Path
    evaluation_homes: Path
    sizes: Sequence[int]
    repeats: int = 3
    seed: int = 42
    copies: int = 4
    n_jobs: int = -1
    progress: Progress = field(default=no_progress)


def check_training_run(run: TrainingRun) -> None:
    """Refuse the settings and folders of a run before any home is read (none is read here)."""
    check_seed(run.seed)
    check_copies(run.copies)
    check_min_samples_leaf(run.min_samples_leaf)
    check_jobs(run.n_jobs)
    check_test_size(run.test_size)
    home_files(run.homes)
    if run.evaluation_homes is not None:
        home_files(run.evaluation_homes)


def check_curve_run(run: CurveRun) -> None:
    """Refuse what the settings and the file counts decide before any home is read."""
    check_seed(run.seed, run.repeats)
    check_jobs(run.n_jobs)
    available = len(home_files(run.homes))
    home_files(run.evaluation_homes)
    if not run.sizes or max(run.sizes) > available:
        raise DatasetError(f"--sizes: at most {available} homes are in {run.homes}")
