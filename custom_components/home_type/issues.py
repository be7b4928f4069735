"""Repair issues: an unusable model file is shown under Settings → Repairs, with the fix.

A model that is missing, changed after training, not a Home Type bundle or made for another
version cannot get better by retrying: the sensor stays unavailable until the user acts. So
besides the one log line, Home Type raises one repair issue (id ``model``; the translation says
which of the reasons it is and what to do) and deletes it as soon as a usable model is loaded.
None of them is fixable from the Repairs dialog: the fix is a file, or the options. Its severity
is an error while no model answers (the sensor is unavailable), and a warning while a model
loaded earlier keeps answering: something still needs the user, but nothing is broken yet.
"""

from __future__ import annotations

import os
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .core.model import ModelError
from .helpers import resolve_model_path

ISSUE_MODEL: Final = "model"
TROUBLESHOOTING_URL: Final = (
    "https://github.com/home-type/home-type/blob/main/docs/troubleshooting.md"
)


def model_file(config_dir: str, option: str) -> str:
    """The model file an option names, as a user would find it: relative to the config folder.

    A path, in no language: it fills the repair texts of every language, which say themselves
    what an empty option (the bundled model) means. The bundled model is under
    ``custom_components/`` there; for an integration installed elsewhere (a development
    checkout) the file's name is enough, and no folder outside the configuration shows in a
    repair or in diagnostics: the log line gives the whole path. A NUL, which only an entry
    edited by hand can hold, is written as a backslash and a 0, as the model's error writes it.
    """
    path = resolve_model_path(config_dir, option)
    base = os.path.abspath(config_dir)
    if path is None:
        shown = option.strip()
    elif os.path.commonpath([base, os.path.abspath(path)]) != base:
        shown = path.name
    else:
        shown = os.path.relpath(path, config_dir)
    return shown.replace("\0", "\\0")


def config_relative(text: str, config_dir: str) -> str:
    """A message with the configuration folder's paths written relative to it, as options are."""
    return text.replace(os.path.join(config_dir, ""), "")


def model_error_translation(error: ModelError, config_dir: str) -> dict[str, Any]:
    """An exception's translation of a model error, the file relative to the config folder.

    As the options and the repair issue write the file. One place for the updates' failures
    and the actions' errors, which each gave the whole path until both were mended. Their
    texts stand alone in a log or a reply, so they take the whole message, file and all.
    """
    return {
        "translation_domain": DOMAIN,
        "translation_key": f"model_{error.reason}",
        "translation_placeholders": {"error": config_relative(str(error), config_dir)},
    }


@callback
def async_create_model_issue(
    hass: HomeAssistant, error: ModelError, option: str, *, still_serving: bool
) -> None:
    """Raise (or update) the model issue with this error's reason and the model option."""
    config_dir = hass.config.config_dir
    ir.async_create_issue(
        hass,
        DOMAIN,
        ISSUE_MODEL,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING if still_serving else ir.IssueSeverity.ERROR,
        learn_more_url=TROUBLESHOOTING_URL,
        translation_key=f"model_{error.reason}",
        translation_placeholders={
            "model": model_file(config_dir, option),
            "error": config_relative(error.detail, config_dir),  # the text names the file
        },
    )


@callback
def async_delete_model_issue(hass: HomeAssistant) -> None:
    """A usable model is loaded, or the entry is gone: the issue is solved."""
    ir.async_delete_issue(hass, DOMAIN, ISSUE_MODEL)
