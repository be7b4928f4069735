"""Home Type: what kind of home this is, from the registries and the recorder's history."""

from __future__ import annotations

import time
from datetime import datetime

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, LOGGER
from .coordinator import HomeTypeConfigEntry, HomeTypeCoordinator
from .export import remove_stale_exports
from .helpers import ModelOutsideConfigError
from .issues import async_delete_model_issue
from .services import async_setup_services
from .view import HomeTypeClassifyView

PLATFORMS: list[Platform] = [Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and its HTTP view; clear what a killed export left."""
    async_setup_services(hass)
    hass.http.register_view(HomeTypeClassifyView())
    await _async_remove_stale_exports(hass)
    return True


async def _async_remove_stale_exports(hass: HomeAssistant) -> None:
    """Delete what exports killed mid-write left; look again when the youngest kept is stale.

    Kept because it was younger than an hour (it may be a write in progress, of a program
    that names its files as exports are named), such a file stayed until a start an hour or
    more later -- often the next update.
    """
    removed, wait = await hass.async_add_executor_job(
        remove_stale_exports, hass.config.config_dir, time.time())
    if removed:
        LOGGER.warning("Removed the temporary files of exports that Home Assistant stopped "
                       "before they were written whole: %s", ", ".join(sorted(removed)))
    if wait is None or hass.is_stopping:  # a sweep the stop caught: the next start's
        return

    @callback
    def _stop(_event: Event) -> None:
        cancel()

    async def _again(_now: datetime) -> None:
        unlisten()
        await _async_remove_stale_exports(hass)

    cancel = async_call_later(hass, wait, _again)
    unlisten = hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop)


async def async_setup_entry(hass: HomeAssistant, entry: HomeTypeConfigEntry) -> bool:
    """Set up Home Type from a config entry."""
    coordinator = HomeTypeCoordinator(hass, entry)
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        if coordinator.model_error is None:
            raise _not_ready(coordinator.last_exception) from coordinator.last_exception
        # A model file that cannot be used does not get better by retrying set-up: load, and
        # let the sensor be unavailable until the file is fixed (a repair issue says how).
        LOGGER.error(
            "%s; the sensor is unavailable until %s",
            coordinator.last_exception,
            _MODEL_REMEDY_OUTSIDE_CONFIG
            if isinstance(coordinator.model_error, ModelOutsideConfigError)
            else _MODEL_REMEDY,
        )
    entry.runtime_data = coordinator
    entry.async_on_unload(coordinator.async_follow_registries())
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


#: What ends an unusable model's ERROR at set-up. A file inside the configuration folder is
#: checked again before each update; a path outside it is never read, so only the option helps.
_MODEL_REMEDY = (
    "the model file is fixed (Home Type checks it hourly; the action home_type.reload_model"
    " loads it at once)"
)
_MODEL_REMEDY_OUTSIDE_CONFIG = (
    "the Model file option names a file inside the configuration folder, or is empty for the"
    " bundled model (Home Type → Configure)"
)


def _not_ready(failure: Exception | None) -> ConfigEntryNotReady:
    """Set-up's retry, with the failed update's translated reason for the entry's card.

    Home Assistant before 2026.9 raises its own ``ConfigEntryNotReady`` with no translation,
    only the update's error as its cause: Devices & services showed the reason in English,
    whatever the user's language (the retry itself is logged at debug level only). Later
    releases copy the translation themselves, as this does.
    """
    if isinstance(failure, HomeAssistantError) and failure.translation_key is not None:
        return ConfigEntryNotReady(
            translation_domain=failure.translation_domain,
            translation_key=failure.translation_key,
            translation_placeholders=failure.translation_placeholders,
        )
    return ConfigEntryNotReady()  # a bug, logged with its traceback by the coordinator


async def async_unload_entry(hass: HomeAssistant, entry: HomeTypeConfigEntry) -> bool:
    """Unload a config entry; its model issue goes with it (set-up raises it again if due).

    The coordinator is stopped before the issue is deleted, so a model check that is still
    reading the file cannot raise the issue again for an entry that is gone.
    """
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_shutdown()
        async_delete_model_issue(hass)
    return unloaded


async def _async_options_updated(hass: HomeAssistant, entry: HomeTypeConfigEntry) -> None:
    """Reload with the new options (a new window or model file)."""
    await hass.config_entries.async_reload(entry.entry_id)
