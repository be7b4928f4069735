"""The Home Type actions: ``classify``, ``reload_model`` and ``export_snapshot``."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from sqlalchemy.exc import SQLAlchemyError

from .activity import database_error_text, read_stopped
from .const import (
    ATTR_ANONYMIZE,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_FILENAME,
    ATTR_HOME_TYPE,
    DOMAIN,
    LOGGER,
    SERVICE_CLASSIFY,
    SERVICE_EXPORT_SNAPSHOT,
    SERVICE_RELOAD_MODEL,
)
from .coordinator import HomeTypeConfigEntry, HomeTypeCoordinator
from .core.model import ModelError
from .core.snapshot import HOME_TYPES
from .export import (
    ExportFilenameError,
    ExportResult,
    async_build_export,
    default_filenames,
    export_path,
    write_export,
)
from .issues import config_relative, model_error_translation

#: Held by the export action from its read to its write: each export holds a large home's
#: events in memory (a gigabyte or more for 90 days), and a repeating automation or a second
#: click started another beside it. Home Assistant's, not the entry's: an export outlives a
#: reload of the entry (saving the options), and the reloaded entry's export ran beside it.
_EXPORT_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_export_lock")


def _home_type(value: object) -> str | None:
    """A home type, or ``None`` for no label: null, or the empty text a template gives."""
    if value is None or value == "":
        return None
    label: str = vol.In(HOME_TYPES)(value)
    return label


SERVICE_CLASSIFY_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
SERVICE_RELOAD_MODEL_SCHEMA = SERVICE_CLASSIFY_SCHEMA
SERVICE_EXPORT_SNAPSHOT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_FILENAME): cv.string,
        vol.Optional(ATTR_ANONYMIZE, default=True): cv.boolean,
        # What the home really is, as its owner knows: a labelled file is one the trainer's
        # evaluate can score a model on, the only figures that come from real homes.
        vol.Optional(ATTR_HOME_TYPE): _home_type,
    }
)


def not_ready_error(entry: HomeTypeConfigEntry) -> HomeAssistantError | None:
    """Why an entry that is setting up, or waiting to retry its set-up, is not loaded.

    "Not loaded; enable or reload it" would send the user to the wrong fix: set-up reads the
    recorder before the entry is loaded (seconds on a large home; at a start, a reload, a save
    of the options), or is retried by itself when the database failed, with the reason set-up
    gave, translated. Neither is the caller's mistake.
    """
    if entry.state is ConfigEntryState.SETUP_IN_PROGRESS:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="entry_starting",
            translation_placeholders={"title": entry.title},
        )
    if (entry.state is not ConfigEntryState.SETUP_RETRY
            or entry.error_reason_translation_key is None):
        return None
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=entry.error_reason_translation_key,
        translation_placeholders=entry.error_reason_translation_placeholders,
    )


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> HomeTypeConfigEntry:
    """Find the Home Type entry an action names; it must exist and be loaded."""
    entry: HomeTypeConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if (not_ready := not_ready_error(entry)) is not None:
        raise not_ready
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


async def _async_check_admin(call: ServiceCall) -> None:
    """Refuse a call made by a user who is not an administrator.

    Writing into the configuration folder and swapping the model are an administrator's acts,
    as for Home Assistant's own admin actions. Its ``async_register_admin_service`` cannot
    return a response before 2026, so the same check is made here. A call with no user (an
    automation triggered by a state or a time) passes, as it does there.
    """
    if not call.context.user_id:
        return
    user = await call.hass.auth.async_get_user(call.context.user_id)
    if user is None:
        raise UnknownUser(context=call.context)
    if not user.is_admin:
        raise Unauthorized(context=call.context)


async def _async_classify(call: ServiceCall) -> ServiceResponse:
    """Classify the home now, refresh the sensor, and return the result."""
    coordinator = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID]).runtime_data
    await _async_refresh_or_raise(coordinator)
    return coordinator.data.as_dict()


async def _async_refresh_or_raise(coordinator: HomeTypeCoordinator) -> None:
    """Classify now; a failure is the action's, with the coordinator's translated reason.

    A refresh that fails does not raise: it marks the sensor unavailable. (One that Home
    Assistant's stop ends leaves the last answer, which the call then gives.)
    """
    await coordinator.async_refresh()
    if not coordinator.last_update_success:
        raise last_failure(coordinator) from coordinator.last_exception


def last_failure(coordinator: HomeTypeCoordinator) -> HomeAssistantError:
    """The last update's failure as the actions and the endpoint give it: translated.

    An error nobody foresaw is a failed classification, its text with the configuration
    folder's paths relative to it, as diagnostics write them: the endpoint answers every user
    with a token, and the folder's path tells where Home Assistant lives (a user's home
    folder, on a core install).
    """
    error = coordinator.last_exception
    if isinstance(error, HomeAssistantError) and error.translation_key:
        return HomeAssistantError(
            translation_domain=error.translation_domain,
            translation_key=error.translation_key,
            translation_placeholders=error.translation_placeholders,
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="classify_failed",
        translation_placeholders={
            "error": config_relative(str(error), coordinator.hass.config.config_dir)},
    )


async def _async_reload_model(call: ServiceCall) -> ServiceResponse:
    """Load the model file again now (after a publish), then classify with it.

    A file that cannot be used is refused with its reason and the model in use stays.
    """
    await _async_check_admin(call)
    coordinator = _loaded_entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID]).runtime_data
    try:
        previous, model = await coordinator.async_swap_model()
    except ModelError as err:
        raise HomeAssistantError(
            **model_error_translation(err, call.hass.config.config_dir)
        ) from err
    await _async_refresh_or_raise(coordinator)  # the model stays loaded either way
    return {"model_version": model.version, "previous_model_version": previous}


async def _async_export_snapshot(call: ServiceCall) -> ServiceResponse:
    """Write the live home, with its window's history, as a home file in the config folder."""
    await _async_check_admin(call)
    hass = call.hass
    entry = _loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    config_dir = hass.config.config_dir
    filename = call.data.get(ATTR_FILENAME)
    names = [filename] if filename else default_filenames(dt_util.now())
    try:
        paths = [export_path(config_dir, name) for name in names]
    except ExportFilenameError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=f"export_filename_{err.reason}",
            translation_placeholders={"filename": str(filename)},
        ) from err
    exporting = hass.data[_EXPORT_LOCK]
    if exporting.locked():
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="export_running")
    async with exporting:
        return await _async_export(call, entry, paths, chosen=bool(filename))


async def _async_export(call: ServiceCall, entry: HomeTypeConfigEntry, paths: list[Path], *,
                        chosen: bool) -> ServiceResponse:
    """Read the home and write it to the first free of ``paths``; one export at a time."""
    hass = call.hass
    config_dir = hass.config.config_dir
    # A chosen name that is taken is refused before the read, which can take minutes for 90
    # days of a large home; the write refuses again a file made meanwhile. A default name
    # taken meanwhile moves the write to the next one (default_filenames).
    if chosen and await hass.async_add_executor_job(os.path.lexists, paths[0]):
        raise _file_exists(paths[0])
    try:
        snapshot, classification = await async_build_export(
            hass, entry, anonymized=call.data[ATTR_ANONYMIZE],
            home_type=call.data.get(ATTR_HOME_TYPE),
        )
    except SQLAlchemyError as err:
        if read_stopped(err):  # Home Assistant's stop ended the read, not a fault
            raise HomeAssistantError(translation_domain=DOMAIN,
                                     translation_key="stopping") from err
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="recorder_error",
            translation_placeholders={"error": database_error_text(err)},
        ) from err
    try:
        path = await hass.async_add_executor_job(write_export, snapshot, paths)
    except FileExistsError as err:
        raise _file_exists(paths[0]) from err
    except OSError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="export_write_failed",
            # As the other actions write a file: relative to the configuration folder.
            translation_placeholders={"filename": paths[0].name,
                                      "error": config_relative(str(err), config_dir)},
        ) from err
    result = ExportResult(path, snapshot, classification)
    LOGGER.info(
        "Exported the home to %s: %s entities, %s state changes over %s days%s",
        path, len(snapshot.entities), result.changes, snapshot.metadata["days"],
        ", anonymised" if call.data[ATTR_ANONYMIZE] else "",
    )
    return result.as_dict(config_dir)


def _file_exists(path: Path) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="export_file_exists",
        translation_placeholders={"filename": path.name},
    )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, when the integration is set up)."""
    hass.data[_EXPORT_LOCK] = asyncio.Lock()
    hass.services.async_register(
        DOMAIN,
        SERVICE_CLASSIFY,
        _async_classify,
        schema=SERVICE_CLASSIFY_SCHEMA,
        # Not ONLY: it updates the sensor, so a dashboard button may call it for that alone.
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_RELOAD_MODEL,
        _async_reload_model,
        schema=SERVICE_RELOAD_MODEL_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_EXPORT_SNAPSHOT,
        _async_export_snapshot,
        schema=SERVICE_EXPORT_SNAPSHOT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
