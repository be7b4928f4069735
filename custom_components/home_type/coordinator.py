"""The coordinator: reads the live home, classifies it with the model, hourly and on demand."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from sqlalchemy.exc import SQLAlchemyError

from .const import (
    CONF_HISTORY_DAYS,
    CONF_MODEL_PATH,
    DEFAULT_HISTORY_DAYS,
    DOMAIN,
    LOGGER,
    UPDATE_INTERVAL,
)
from .core.classify import Classification, classify
from .core.model import HomeTypeModel, ModelError, ModelMissingError
from .helpers import load_home_type_model, resolve_model_path
from .snapshot import async_read_home

type HomeTypeConfigEntry = ConfigEntry[HomeTypeCoordinator]


class HomeTypeCoordinator(DataUpdateCoordinator[Classification]):
    """Classifies the home; it is the config entry's runtime data.

    The model is loaded once, at the first refresh, and kept until the entry is reloaded (which
    is how a changed model file is picked up). A model that cannot be used is not a reason to
    fail set-up: :attr:`model_error` keeps why, and every refresh fails with that reason, so
    the sensor is unavailable and the log says why once.
    """

    config_entry: HomeTypeConfigEntry

    def __init__(self, hass: HomeAssistant, entry: HomeTypeConfigEntry) -> None:
        """Initialize the coordinator."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=UPDATE_INTERVAL,
        )
        self.model: HomeTypeModel | None = None
        self.model_error: ModelError | None = None

    @property
    def history_days(self) -> int:
        """The history window of the options, in days (0: structure only)."""
        return int(self.config_entry.options.get(CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS))

    async def _async_setup(self) -> None:
        """Load the model in the executor; keep the reason if it cannot be used."""
        option = self.config_entry.options.get(CONF_MODEL_PATH, "")
        path = resolve_model_path(self.hass.config.config_dir, option)
        try:
            if path is None:
                raise ModelMissingError(f"{option}: outside the configuration folder")
            self.model = await self.hass.async_add_executor_job(load_home_type_model, path)
        except ModelError as err:
            self.model_error = err

    async def _async_update_data(self) -> Classification:
        """Read the registries and the recorder, then classify in the executor."""
        if self.model is None:
            error = self.model_error or ModelMissingError("no model loaded")
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=f"model_{error.reason}",
                translation_placeholders={"error": str(error)},
            )
        try:
            home, summary = await async_read_home(self.hass, self.history_days)
        except SQLAlchemyError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="recorder_error",
                translation_placeholders={"error": str(err)},
            ) from err
        return await self.hass.async_add_executor_job(classify, home, summary, self.model)
