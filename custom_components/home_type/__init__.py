"""Home Type: what kind of home this is, from the registries and the recorder's history."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, LOGGER
from .coordinator import HomeTypeConfigEntry, HomeTypeCoordinator
from .issues import async_delete_model_issue
from .services import async_setup_services
from .view import HomeTypeClassifyView

PLATFORMS: list[Platform] = [Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and its HTTP view."""
    async_setup_services(hass)
    hass.http.register_view(HomeTypeClassifyView())
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeTypeConfigEntry) -> bool:
    """Set up Home Type from a config entry."""
    coordinator = HomeTypeCoordinator(hass, entry)
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        if coordinator.model_error is None:
            raise
        # A model file that cannot be used does not get better by retrying set-up: load, and
        # let the sensor be unavailable until the file is fixed (a repair issue says how).
        LOGGER.error(
            "%s; the sensor is unavailable until the model file is fixed (Home Type checks it"
            " hourly; the action home_type.reload_model loads it at once)",
            coordinator.last_exception,
        )
    entry.runtime_data = coordinator
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


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
