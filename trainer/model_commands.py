"""``classify``, ``verify`` and ``publish``: use a trained bundle as Home Assistant does.

None of them imports scikit-learn: the bundle is numpy arrays read by the integration's own
predictor, and ``verify`` fails if scikit-learn was imported at all.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.markup import escape

from custom_components.home_type.core.activity import summarize_events

from .bundle_checks import backward_types, backward_warning, never_answered, never_warning
from .command_line import (
    DEFAULT_MODEL,
    EXIT_USAGE,
    UserError,
    console,
    load_bundle,
    looking_at,
    no_model_yet,
    out,
    path_argument,
    path_option,
    print_error,
    read_home,
    refuse_generated_homes,
    share_option,
    shown_path,
)
from .publish import (
    DEFAULT_MIN_ACCURACY,
    DEFAULT_MIN_MACRO_F1,
    PREVIOUS_NAME,
    Outcome,
    PublishRefused,
    SwitchedThenStopped,
    Thresholds,
    publish as publish_model,
    rollback as rollback_model,
)


def classify(
    files: Annotated[list[Path], path_argument(metavar="FILE",
                                                    help="Home files (.json or .json.gz).")],
    model: Annotated[Path, path_option(help="Model bundle.")] = DEFAULT_MODEL,
    history_days: Annotated[float, typer.Option(
        help="History window before the home's end, in days (0, or less than 0.9 as in the "
             "integration: structure only; at most 90, as in its options and the trained "
             "windows).")] = 10,
) -> None:
    """Classify homes; prints one JSON object per home (works for unlabelled homes).

    A file that cannot be read gets an error line; the rest are classified, then exit 2.
    """
    from custom_components.home_type.const import MAX_HISTORY_DAYS
    from custom_components.home_type.core.classify import classify as classify_home

    from .dataset import as_home, window_summary

    if not 0 <= history_days <= MAX_HISTORY_DAYS:  # also refuses nan
        raise UserError(f"--history-days must be from 0 to {MAX_HISTORY_DAYS} days (the "
                        f"longest window the model is trained on), not {history_days:g}")
    predictor = load_bundle(model)
    failed = 0
    for path in files:
        try:
            home = as_home(read_home(path))
        except UserError as err:
            print_error(str(err))
            failed += 1
            continue
        end = home.end
        summary = (window_summary(home, None) if history_days == 0 else
                   summarize_events(home.snapshot.events, home.timezone,
                                    end - history_days * 86400.0, end,
                                    history_start=home.history_start))
        result = classify_home(home.snapshot, summary, predictor).as_dict()
        print(json.dumps({"file": shown_path(path), "home_id": home.home_id, **result},
                         ensure_ascii=False), flush=True)
    if failed:  # each has had its error line already
        sys.exit(EXIT_USAGE)


#: Days of history of verify's sample homes: enough for a daily rhythm, quick to simulate.
SAMPLE_DAYS: Final = 3


def verify(
    model: Annotated[Path, path_argument(
        metavar="MODEL", help="Model bundle to check.")] = DEFAULT_MODEL,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object (the model and the samples' results) instead of "
                       "the report, for scripts.")] = False,
) -> None:
    """Load a bundle as Home Assistant does (no scikit-learn) and classify sample homes.

    One sample of each home type: the answers show whether the model tells the types apart.
    """
    # One sample alone, of the weakest type, ended most runs in a bare "wrong".
    from datetime import date

    import numpy as np

    from custom_components.home_type.core.classify import classify as classify_home
    from custom_components.home_type.core.snapshot import HOME_TYPES

    from .dataset import as_home, window_summary
    from .generate.procedural import design_home
    from .generate.simulate import simulate

    predictor = load_bundle(model)
    rng = np.random.default_rng(2024)
    samples = []
    for home_type in HOME_TYPES:
        sample = simulate(design_home(home_type, rng), home_id=f"verify_{home_type}",
                          days=SAMPLE_DAYS, start_day=date(2025, 3, 3), rng=rng)
        samples.append((home_type, classify_home(sample, window_summary(as_home(sample),
                                                                        SAMPLE_DAYS),
                                                 predictor)))
    if "sklearn" in sys.modules:
        raise UserError("verify imported scikit-learn; the bundle must not need it")
    info = predictor.info.get("training_data", {})
    backward = backward_types(predictor)
    if as_json:
        print(json.dumps({"model": str(model), "version": predictor.version,
                          "classes": list(predictor.classes),
                          "features": len(predictor.feature_names), "training_data": info,
                          "backward_types": backward,
                          "never_answers": never_answered(predictor),
                          "samples": [{"home_type": home_type, "days": SAMPLE_DAYS,
                                       "result": result.as_dict()}
                                      for home_type, result in samples]}))
        return
    out.print(f"[green]ok[/green] {escape(str(model))}: version {predictor.version}, "
              f"{len(predictor.classes)} classes, {len(predictor.feature_names)} features, "
              f"trained on {info.get('homes', '?')} homes "
              f"(seeds {', '.join(info.get('seeds', []))})"
              f"; hash checked; loaded without scikit-learn", soft_wrap=True)
    if never := never_answered(predictor):
        out.print(never_warning(never), soft_wrap=True)
    if backward:
        out.print(backward_warning(backward), soft_wrap=True)
    wrong = [f"{home_type} → {result.home_type} ({result.confidence:.2f})"
             for home_type, result in samples if result.home_type != home_type]
    out.print(f"{len(samples)} sample homes, one of each type ({SAMPLE_DAYS} days, generated "
              f"now): {len(samples) - len(wrong)} answered right"
              + (f", {len(wrong)} wrong: {', '.join(wrong)}" if wrong else "")
              + " (a check that it runs; the results file has the measured figures)",
              soft_wrap=True)


DEFAULT_PUBLISH_DIR = Path("models/published")


def publish(
    model: Annotated[Path | None, path_argument(
        metavar="MODEL", help=f"Model bundle to publish (default: {DEFAULT_MODEL}).",
        show_default=False)] = None,
    *,
    to: Annotated[Path, path_option(
        "--to", help="Folder Home Assistant reads the model from (its model path option points "
                     "to home_type_classifier.pkl in it); docker-compose mounts "
                     f"{DEFAULT_PUBLISH_DIR} there.")] = DEFAULT_PUBLISH_DIR,
    min_accuracy: Annotated[float, share_option(
        envvar="HOME_TYPE_MIN_ACCURACY",
        help="Least accuracy with a 10-day history (evaluation homes, else held-out homes).")
    ] = DEFAULT_MIN_ACCURACY,
    min_macro_f1: Annotated[float, share_option(
        envvar="HOME_TYPE_MIN_MACRO_F1",
        help="Least macro F1 with a 10-day history.")] = DEFAULT_MIN_MACRO_F1,
    force: Annotated[bool, typer.Option(
        "--force", help="Publish below the thresholds or without a results file (one that "
                        "is not this model's is left behind; never a model that fails its "
                        "hash, allow-list or version checks).")] = False,
    rollback: Annotated[bool, typer.Option(
        "--rollback", help="Make the previous model (the one publish kept, as "
                           "….previous.pkl) current again; the current one becomes "
                           "previous.")] = False,
) -> None:
    """Copy a verified, good enough model to where Home Assistant reads it, atomically.

    A refusal changes nothing at the destination, and exits 8 or 9:

    8: no results file, figures measured on homes of a training seed, or below thresholds.

    9: the model fails verification (missing, hash, allow-list, versions).
    """
    if rollback and model is not None:
        raise UserError("--rollback restores the previous model of --to; give no MODEL with it")
    if rollback and force:
        # A rollback checks the previous model's files, never its figures: nothing to force.
        raise UserError("--rollback restores the previous model of --to; --force has no "
                        "meaning with it")
    with looking_at(to, "--to"):  # a folder this user may not enter is not one without models
        if to.is_dir() and not os.access(to, os.R_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(to))
    if not rollback:  # train, curve and pipeline compare with their homes folders too
        refuse_generated_homes(to, "--to")
    try:
        if rollback:
            outcome = rollback_model(to)
        else:
            outcome = publish_model(model or DEFAULT_MODEL, to,
                                    Thresholds(min_accuracy, min_macro_f1), force=force)
    except PublishRefused as err:
        fresh = model is None and not rollback and not DEFAULT_MODEL.exists()
        hint = no_model_yet() if fresh else ""
        raise UserError(f"{err}{hint}", err.exit_code) from None
    except SwitchedThenStopped as stop:  # said before "interrupted": the model is switched
        _report(stop.outcome, to)
        raise
    _report(outcome, to)


def _report(outcome: Outcome, to: Path) -> None:
    """What a publish or rollback did: the switch, its warnings, where the previous model is."""
    if outcome.dropped:
        console.print(f"[yellow]warning:[/yellow] the model found in {escape(str(to))} was not "
                      f"kept as previous: {escape(outcome.dropped)}", highlight=False,
                      soft_wrap=True)
    out.print(f"{outcome.model_path} is already model {outcome.version}; nothing to switch "
              f"({outcome.quality})" if outcome.unchanged else
              f"published {outcome.model_path}: {outcome.replaced or 'none'} → "
              f"{outcome.version} ({outcome.quality})", markup=False, highlight=False,
              soft_wrap=True)
    if outcome.never_answers:  # the figures cannot show it: evaluation homes of its mix
        console.print(never_warning(outcome.never_answers), highlight=False, soft_wrap=True)
    if outcome.unchanged:
        return
    if outcome.below_bundled:
        console.print(f"[yellow]warning:[/yellow] {escape(outcome.below_bundled)}",
                      highlight=False, soft_wrap=True)
    if outcome.trained_again:
        out.print(f"{outcome.replaced} was this model, trained again: the previous model is "
                  "left as it was", markup=False, highlight=False, soft_wrap=True)
    elif outcome.replaced:
        out.print(f"previous model kept as {to / PREVIOUS_NAME} (publish --rollback --to {to} "
                  "restores it)", markup=False, highlight=False, soft_wrap=True)
