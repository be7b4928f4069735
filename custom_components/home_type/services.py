"""The Home Type actions: ``home_type.classify`` and ``home_type.reload_model``."""

from __future__ import annotations

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN, SERVICE_CLASSIFY, SERVICE_RELOAD_MODEL
from .coordinator import HomeTypeConfigEntry
from .core.model import ModelError

SERVICE_CLASSIFY_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
SERVICE_RELOAD_MODEL_SCHEMA = SERVICE_CLASSIFY_SCHEMA


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> HomeTypeConfigEntry:
    """Find the Home Type entry an action names; it must exist and be loaded."""
    entry: HomeTypeConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


async def _async_classify(call: ServiceCall) -> ServiceResponse:
    """Classify the home now, refresh the sensor, and return the result."""
    coordinator = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID]).runtime_data
    await coordinator.async_refresh()
    if not coordinator.last_update_success:
        error = coordinator.last_exception
        if isinstance(error, HomeAssistantError) and error.translation_key:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=error.translation_key,
                translation_placeholders=error.translation_placeholders,
            ) from error
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="classify_failed",
            translation_placeholders={"error": str(error)},
        ) from error
    return coordinator.data.as_dict()


async def _async_reload_model(call: ServiceCall) -> ServiceResponse:
    """Load the model file again now (after a publish), then classify with it.

    A file that cannot be used is refused with its reason and the model in use stays.
    """
    coordinator = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID]).runtime_data
    previous = coordinator.model.version if coordinator.model is not None else None
    try:
        model = await coordinator.async_load_model()
    except ModelError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=f"model_{err.reason}",
            translation_placeholders={"error": str(err)},
        ) from err
    await coordinator.async_refresh()
    return {"model_version": model.version, "previous_model_version": previous}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, when the integration is set up)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CLASSIFY,
        _async_classify,
        schema=SERVICE_CLASSIFY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RELOAD_MODEL,
        _async_reload_model,
        schema=SERVICE_RELOAD_MODEL_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
