"""Constants of the development-only home fixture integration."""

from __future__ import annotations

import logging
from typing import Final

CONF_PATH: Final = "path"
#: Set in the entry's data once the registries hold the home: the shift given to its history.
DATA_SHIFT: Final = "shift_seconds"
#: Set once its history is in the recorder.
DATA_HISTORY_LOADED: Final = "history_loaded"
#: A state (not a registry entity, so not part of the home) telling how loading went.
STATUS_ENTITY: Final = "home_fixture.status"

LOGGER = logging.getLogger(__package__)
