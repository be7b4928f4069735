"""Where the model file is, and how a new one is noticed: for the config flow and coordinator."""

from __future__ import annotations

import os
from pathlib import Path

from .const import BUNDLED_MODEL
from .core.model import ModelMissingError, sha256_path


class ModelOutsideConfigError(ModelMissingError):
    """The model option names a file outside the configuration folder; nothing is read there.

    Only an entry edited by hand can: the config and options forms refuse such a path.
    """

    reason = "outside_config"


def resolve_model_path(config_dir: str, value: str | None) -> Path | None:
    """Find the model file an option names; None when it is outside the config folder.

    An empty option means the bundled model. Anything else is relative to Home Assistant's
    configuration folder, or absolute but inside it: the integration reads no file elsewhere.
    The check is on the normalised path and touches no file, so it is safe in the event loop.
    """
    if not value or not value.strip():
        return BUNDLED_MODEL
    base = os.path.normpath(os.path.abspath(config_dir))
    path = os.path.normpath(os.path.join(base, value.strip()))
    if os.path.commonpath([base, path]) != base or path == base:
        return None
    return Path(path)


#: What identifies a model file's content cheaply: size and modification time of the model
#: and of its ``.sha256`` (the trainer's ``publish`` replaces both by renaming).
type ModelFileSignature = tuple[tuple[int, int], tuple[int, int]]


def _stat(path: Path) -> tuple[int, int]:
    try:
        result = path.stat()
    except (OSError, ValueError):  # ValueError: a NUL, which only a hand-edited option holds
        return (-1, -1)
    return (result.st_mtime_ns, result.st_size)


def model_file_signature(path: Path) -> ModelFileSignature:
    """Size and modification time of the model and its hash file; blocking (``stat``)."""
    return (_stat(path), _stat(sha256_path(path)))
