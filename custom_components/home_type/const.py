"""Constants for the Home Type integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Final

DOMAIN: Final = "home_type"

LOGGER = logging.getLogger(__package__)

CONF_HISTORY_DAYS: Final = "history_days"
CONF_MODEL_PATH: Final = "model_path"

#: Home Assistant's recorder keeps 10 days by default; the model is trained on 1 to 90 days.
DEFAULT_HISTORY_DAYS: Final = 10
MAX_HISTORY_DAYS: Final = 90

#: The model that ships with the integration, used when the model path option is empty.
BUNDLED_MODEL: Final = Path(__file__).parent / "models" / "home_type_classifier.pkl"

#: A home changes slowly: hourly is plenty, and the classify action refreshes on demand.
UPDATE_INTERVAL: Final = timedelta(hours=1)

#: An edit of the floors, areas, devices or entities is looked at once, then at most every 10
#: seconds: a look rebuilds the home from the registries (milliseconds), and most registry
#: events change nothing of the home (an integration updating its devices' firmware versions).
REGISTRY_LOOK_COOLDOWN: Final = timedelta(seconds=10)

#: A look that finds new entities refreshes at once, then at most once a minute: adding ten
#: devices within a minute reads the recorder twice, not ten times. (Other edits read nothing,
#: unless the last update failed.)
REGISTRY_REFRESH_COOLDOWN: Final = timedelta(minutes=1)

SERVICE_CLASSIFY: Final = "classify"
SERVICE_RELOAD_MODEL: Final = "reload_model"
SERVICE_EXPORT_SNAPSHOT: Final = "export_snapshot"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_FILENAME: Final = "filename"
ATTR_ANONYMIZE: Final = "anonymize"
ATTR_HOME_TYPE: Final = "home_type"
