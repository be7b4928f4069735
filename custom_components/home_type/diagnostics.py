"""Diagnostics: what Home Type sees of the home and of its model, without naming anything.

A diagnostics file is attached to public bug reports, so it holds sizes, counts and the
feature vector -- enough to tell why a home was classified as it was -- and never a floor,
area, device or entity name or id: the home is summarised here, not copied (the
``home_type.export_snapshot`` action is the way to share the home itself).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict
from typing import Any

import numpy as np
from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from numpy.typing import NDArray
from sqlalchemy.exc import SQLAlchemyError

from .activity import database_error_text
from .const import CONF_MODEL_PATH
from .coordinator import HomeTypeConfigEntry
from .core.activity import ActivitySummary
from .core.features import (
    FEATURE_NAMES,
    areas_in_use,
    extract_features,
    name_placement,
    onboarding_leftovers,
)
from .core.layout_shown import layout_shown
from .core.model import HomeTypeModel
from .core.snapshot import HomeSnapshot
from .core.vocabulary import area_kind
from .issues import config_relative, model_file
from .shared_runs import RunCancelledError

#: Keys whose values name the home or something in it. The output is built from counts, so
#: none should be there; redacting them anyway keeps a later addition from leaking one.
TO_REDACT = {
    "title",
    "unique_id",
    "home_id",
    "location_name",
    "name",
    "floor_id",
    "area_id",
    "device_id",
    "entity_id",
    # As "model" → "file" shows it: an absolute path names the folders above the configuration
    # (a user's home folder, on a core install).
    CONF_MODEL_PATH,
}

#: Bundle fields that say where a model came from, shown as they are (training data as
#: :func:`_training_data` shows it).
_PROVENANCE = ("created", "sklearn_version", "numpy_version", "feature_version",
               "snapshot_schema_version", "training_data")
#: How the trainer records a home that no generator seed made -- an export of a real home --
#: among the seeds: by its home id, which unless anonymised holds the home's name.
_EXPORT_PREFIX = "home "


def _training_data(info: dict[str, Any]) -> dict[str, Any]:
    """A model's training data without the names it may hold of its owner's homes and folders.

    A model trained on its owner's own exports records each as ``home <home id>`` among the
    seeds (the id holds the home's name unless the export was anonymised), and the folder as
    the trainer was given it (``/home/alice/…``). Kept: the generator seeds, how many exports,
    and the folder's last name. The loader has checked the types (text, lists of text).
    """
    shown = dict(info)
    if "folder" in info:
        shown["folder"] = re.split(r"[\\/]", info["folder"].rstrip("\\/"))[-1]
    if exports := [s for s in info.get("seeds", []) if s.startswith(_EXPORT_PREFIX)]:
        shown["seeds"] = [s for s in info["seeds"] if s not in exports]
        shown["exported_homes"] = len(exports)
    return shown


def _model(hass: HomeAssistant, entry: HomeTypeConfigEntry) -> dict[str, Any]:
    config_dir = hass.config.config_dir
    option = entry.options.get(CONF_MODEL_PATH, "")
    info: dict[str, Any] = {"file": model_file(config_dir, option), "bundled": not option.strip()}
    if entry.state is not ConfigEntryState.LOADED:
        return info
    coordinator = entry.runtime_data
    model: HomeTypeModel | None = coordinator.model
    info["loaded"] = model is not None
    if model is not None:
        info["version"] = model.version
        info["classes"] = list(model.classes)
        info["provenance"] = {key: model.info[key] for key in _PROVENANCE if key in model.info}
        if "training_data" in info["provenance"]:
            info["provenance"]["training_data"] = _training_data(model.info["training_data"])
    error = coordinator.model_error
    if error is not None:
        # The file as "file" names it: no folder outside the configuration shows.
        info["error"] = {"reason": error.reason,
                         "message": f"{info['file']}: {config_relative(error.detail, config_dir)}"}
    return info


def _registries(home: HomeSnapshot) -> tuple[dict[str, Any], dict[str, Any]]:
    """The registries in numbers, and what they show of the layout with what they leave out."""
    placement = name_placement(home)
    # As the model sees them: a device of no area that its name places counts as in one.
    in_use = areas_in_use(home, placement)
    left_out = len(onboarding_leftovers(home, placement))
    shown = layout_shown(home, placement)
    return {
        "floors": len(home.floors),
        "floor_levels": sorted({f.level for f in home.floors if f.level is not None}),
        "areas": len(home.areas),
        "area_kinds": dict(sorted(Counter(area_kind(a.name) for a in home.areas).items())),
        # Rooms all the same, which can make a home read larger than it is; onboarding's own
        # (named as it names them), left empty, the model leaves out (features.py).
        "areas_with_nothing_in_them": sum(1 for a in home.areas
                                          if a.area_id not in in_use) - left_out,
        "onboarding_areas_left_out": left_out,
        "devices": len(home.devices),
        "devices_without_area": sum(1 for d in home.devices if d.area_id is None),
        "devices_placed_by_name": len(placement.devices),
        "rooms_named_by_devices": dict(sorted(
            Counter(area_kind(a.name) for a in placement.added).items())),
        "entities": len(home.entities),
        "entities_without_device": sum(1 for e in home.entities if e.device_id is None),
        "entity_domains": dict(sorted(Counter(e.domain for e in home.entities).items())),
    }, {**asdict(shown), "gaps": list(shown.gaps)}


def _home_in_numbers(home: HomeSnapshot, summary: ActivitySummary
                     ) -> tuple[NDArray[np.float64], tuple[dict[str, Any], dict[str, Any]]]:
    """The feature vector and the registries' counts: both fold every name, so in the executor."""
    return extract_features(home, summary), _registries(home)


def _activity(summary: ActivitySummary, history_days: int) -> dict[str, Any]:
    return {
        "window_days": history_days,
        "has_history": summary.has_history,
        "days_covered": summary.days,
        "weekday_days": summary.weekday_days,
        "weekend_days": summary.weekend_days,
        "entities_with_changes": len(summary.counts),
        "total_changes": int(sum(grid.sum() for grid in summary.counts.values())),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeTypeConfigEntry
) -> dict[str, Any]:
    """The model, the latest result, and the home it is of: in numbers and as features."""
    if entry.state is not ConfigEntryState.LOADED:
        # Home Assistant serves an entry's diagnostics in any state: one that is disabled, or
        # waiting to retry its set-up, has read nothing, and says why it is not loaded.
        return async_redact_data({
            "config_entry": entry.as_dict(),
            "state": entry.state.value,
            "reason": (None if entry.reason is None
                       else config_relative(entry.reason, hass.config.config_dir)),
            "model": _model(hass, entry),
        }, TO_REDACT)
    coordinator = entry.runtime_data
    data: dict[str, Any] = {
        "config_entry": entry.as_dict(),
        "model": _model(hass, entry),
        "last_update_success": coordinator.last_update_success,
        "last_error": (None if coordinator.last_update_success
                       else config_relative(str(coordinator.last_exception),
                                            hass.config.config_dir)),
        "result": coordinator.data.as_dict() if coordinator.last_update_success else None,
    }
    # The home the result is of, so that the features explain it (a read made now could
    # differ, and would keep the recorder busy); read now only when there is no result.
    read = coordinator.classified_read if coordinator.last_update_success else None
    data["home_read"] = "with the result" if read is not None else "now"
    if read is None:
        try:
            read = await coordinator.async_read_home()
        except SQLAlchemyError as err:
            data["home_error"] = (
                f"could not read the recorder's history: {database_error_text(err)}"
            )
        except RunCancelledError:  # the stop cancelled the read
            data["home_error"] = "Home Assistant is stopping"
    if read is not None:
        home, summary = read
        features, (data["registries"], data["layout_shown"]) = (
            await hass.async_add_executor_job(_home_in_numbers, home, summary))
        data["activity"] = _activity(summary, coordinator.history_days)
        data["features"] = dict(zip(FEATURE_NAMES, map(float, features), strict=True))
    return async_redact_data(data, TO_REDACT)
