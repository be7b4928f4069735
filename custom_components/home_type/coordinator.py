"""The coordinator: reads the live home and classifies it, hourly, on demand and after edits."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from sqlalchemy.exc import SQLAlchemyError

from .activity import database_error_text, read_stopped
from .const import (
    CONF_HISTORY_DAYS,
    CONF_MODEL_PATH,
    DEFAULT_HISTORY_DAYS,
    DOMAIN,
    LOGGER,
    REGISTRY_LOOK_COOLDOWN,
    REGISTRY_REFRESH_COOLDOWN,
    UPDATE_INTERVAL,
)
from .core.activity import ActivitySummary, summary_of
from .core.classify import Classification, classify
from .core.model import HomeTypeModel, ModelError, ModelMissingError, load_model
from .core.snapshot import Area, Device, Entity, Floor, HomeSnapshot
from .helpers import (
    ModelFileSignature,
    ModelOutsideConfigError,
    model_file_signature,
    resolve_model_path,
)
from .issues import (
    async_create_model_issue,
    async_delete_model_issue,
    model_error_translation,
)
from .shared_runs import RunCancelledError, SharedRuns
from .snapshot import async_home_snapshot, async_read_home

type HomeTypeConfigEntry = ConfigEntry[HomeTypeCoordinator]

#: Reads of a model file that changed under each (a publish switching it) before its error
#: is the answer.
MODEL_READ_ATTEMPTS: Final = 3

#: What the home is made of; an edit to any of them may change the answer.
_REGISTRY_EVENTS = (
    fr.EVENT_FLOOR_REGISTRY_UPDATED,
    ar.EVENT_AREA_REGISTRY_UPDATED,
    dr.EVENT_DEVICE_REGISTRY_UPDATED,
    er.EVENT_ENTITY_REGISTRY_UPDATED,
)

type _Registries = tuple[
    tuple[Floor, ...], tuple[Area, ...], tuple[Device, ...], tuple[Entity, ...]
]


def _registries(home: HomeSnapshot) -> _Registries:
    """What a home's answer depends on besides its history (its events are never compared)."""
    return home.floors, home.areas, home.devices, home.entities


def _entity_ids(home: HomeSnapshot) -> set[str]:
    return {entity.entity_id for entity in home.entities}


class HomeTypeCoordinator(DataUpdateCoordinator[Classification]):
    """Classifies the home; it is the config entry's runtime data.

    The model is loaded at the first refresh and kept. Before each update the coordinator
    looks at the model file's size and modification time (one ``stat`` in the executor): when
    the trainer's ``publish`` has replaced it, the new model is loaded then, without a restart;
    ``home_type.reload_model`` does the same at once. A new file that cannot be used leaves
    the model in use in place (its reason is kept in :attr:`model_error` and logged once). A
    model that cannot be used at all is not a reason to fail set-up: every refresh then fails
    with the reason, so the sensor is unavailable and the log says why once. Either way a
    repair issue says why and what to do; it goes as soon as a model loads.
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
        self._model_file: ModelFileSignature | None = None
        self._model_lock = asyncio.Lock()
        self._unloaded = False
        self._reads = SharedRuns(hass, f"{DOMAIN} read home", self._async_read)
        self._refreshes = SharedRuns(hass, f"{DOMAIN} refresh", super().async_refresh,
                                     begins_itself=True)
        #: The read the sensor's answer is of: registry looks compare with it, diagnostics
        #: explain the answer with it.
        self.classified_read: tuple[HomeSnapshot, ActivitySummary] | None = None
        self._registry_check: Callable[[], object] | None = None  # cancels the due look
        self._registry_checked_at = -math.inf  # a UTC timestamp
        self._registry_refreshed_at = -math.inf
        #: One answer is made at a time: held by an update from its read of the registries
        #: to its answer, and by a look's classification again. An update reads for seconds;
        #: an edit classified again meanwhile was then overwritten by the update's older home.
        self._answer_lock = asyncio.Lock()

    @property
    def history_days(self) -> int:
        """The history window of the options, in days (0: structure only)."""
        return int(self.config_entry.options.get(CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS))

    def _model_path(self) -> Path | None:
        option = self.config_entry.options.get(CONF_MODEL_PATH, "")
        return resolve_model_path(self.hass.config.config_dir, option)

    def _bundled(self) -> bool:
        return not self.config_entry.options.get(CONF_MODEL_PATH, "").strip()

    async def _async_setup(self) -> None:
        """Load the model in the executor; keep the reason if it cannot be used."""
        with contextlib.suppress(ModelError):
            await self.async_load_model()

    async def async_load_model(self) -> HomeTypeModel:
        """(Re)load the model file now; on failure keep the model in use and raise why.

        Loads run one at a time: the hourly check and ``home_type.reload_model`` may overlap,
        and the one that started first must not finish last with an older file.
        """
        async with self._model_lock:
            return await self._async_load_model()

    async def async_swap_model(self) -> tuple[str | None, HomeTypeModel]:
        """Load the model file now, as :meth:`async_load_model`; also the version it replaced.

        That version is read once this load's turn comes: read before, two overlapping
        ``reload_model`` calls both named the model in use before the first as the previous.
        """
        async with self._model_lock:
            previous = self.model.version if self.model is not None else None
            return previous, await self._async_load_model()

    async def _async_load_model(self) -> HomeTypeModel:
        option = self.config_entry.options.get(CONF_MODEL_PATH, "")
        path = self._model_path()
        signature: ModelFileSignature | None = None
        try:
            if path is None:
                raise ModelOutsideConfigError(option, "outside the configuration folder")
            # Taken before reading: a file that changes during the read (a publish finishing,
            # a copy in progress) then differs from it at the next check and is read again.
            signature = await self.hass.async_add_executor_job(model_file_signature, path)
            for attempt in range(MODEL_READ_ATTEMPTS):
                try:
                    model = await self.hass.async_add_executor_job(load_model, path)
                    break
                except ModelError:
                    # A publish switched the files while they were read -- the model's bytes
                    # of one, the hash of the next -- or between two of its renames (no
                    # model): read them again, rather than raise a repair issue for an hour.
                    changed = await self.hass.async_add_executor_job(model_file_signature, path)
                    if changed == signature or attempt == MODEL_READ_ATTEMPTS - 1:
                        raise
                    signature = changed
        except ModelError as err:
            self.model_error = err
            # The user has to act (a file, or the options): say so under Repairs too -- unless
            # the entry was unloaded while this read ran (its issue is gone with it).
            if not self._unloaded:
                async_create_model_issue(
                    self.hass, err, option, still_serving=self.model is not None
                )
            if signature is not None:
                self._model_file = signature
            raise
        if self.model is not None and model.version != self.model.version:
            LOGGER.info("Model %s replaces %s", model.version, self.model.version)
        elif self.model_error is not None:  # its error was told: say when it is over
            LOGGER.info("%s is usable again: model %s", path, model.version)
        self.model, self.model_error, self._model_file = model, None, signature
        # A read that outlived its entry must not delete the issue its successor raised.
        if not self._unloaded:
            async_delete_model_issue(self.hass)
            self._async_show_model_version(model.version)
        return model

    @callback
    def _async_show_model_version(self, version: str) -> None:
        """Keep the service device's software version the model's, as a new model loads.

        Devices & services then says which model answers. The sensor sets it when it is added
        (none before set-up's first load); a model picked up later replaces it here.
        """
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            if device.sw_version != version:
                registry.async_update_device(device.id, sw_version=version)

    async def async_read_home(self) -> tuple[HomeSnapshot, ActivitySummary]:
        """Read the live home: a read that starts no earlier than this call, shared.

        Diagnostics read without a refresh; every refresh reads. One read runs at a time, and
        the callers that come while one runs share the next (:class:`SharedRuns`).
        """
        return await self._reads()

    async def _async_read(self) -> tuple[HomeSnapshot, ActivitySummary]:
        # Ended on unload (on SQLite): see activity.read_session.
        return await async_read_home(self.hass, self.history_days, lambda: self._unloaded)

    async def async_refresh(self) -> None:
        """Refresh now: a refresh that starts no earlier than this call, shared.

        The classify action, the endpoint's ``?refresh=1``, ``reload_model`` and an edit's
        update that come while a refresh runs share the next one (:class:`SharedRuns`) instead
        of each reading the recorder in turn behind the answer lock (and, from Home Assistant
        2026.10, the debouncer's). The hourly update is Home Assistant's own: it takes its
        turn after a refresh under way, unshared, and the callers that come while it runs share
        the refresh after it. (``homeassistant.update_entity`` goes through Home Assistant's
        debouncer, which calls this method before 2026.10 and its own refresh from then on.)
        """
        try:
            await self._refreshes()
        except RunCancelledError:
            # Home Assistant's stop cancelled the refresh: the last answer stands, as it does
            # for a refresh the stop cut short (_async_answer).
            return

    async def _async_refresh(self, *args: Any, **kwargs: Any) -> None:
        """Home Assistant's refresh; one that its stop cancels changes nothing.

        From Home Assistant 2026.10 the coordinator marks a refresh cancelled under it as
        failed ("Home Assistant is stopping") before the cancellation goes on: the hourly
        update the stop cut short, or a shared refresh a caller still waits for. A classify
        call then took that for a failed classification. The state before it stands, as the
        last answer does for a read the stop ended (:meth:`_async_answer`). (Earlier releases
        leave the state as it was themselves.)
        """
        success, error = self.last_update_success, self.last_exception
        try:
            await super()._async_refresh(*args, **kwargs)
        except asyncio.CancelledError:
            # Marked by the cancel: only from 2026.10, whose run of the tests covers it.
            if isinstance(self.last_exception, asyncio.CancelledError):  # pragma: no cover
                self.last_update_success, self.last_exception = success, error
            raise

    @callback
    def async_follow_registries(self) -> CALLBACK_TYPE:
        """Refresh when the home's floors, areas, devices or entities change; return the stop.

        Without it a renamed area or a new device showed in the sensor up to an hour later.
        An edit is looked at once, later ones at most every :data:`REGISTRY_LOOK_COOLDOWN`: a
        look rebuilds the home from the registries (milliseconds) and compares it with the
        home the sensor's answer is of. Most registry events (a firmware version, an icon,
        Home Type's own sensor being added) change nothing, and hold back nothing. A home of
        the same entities or fewer (floors, areas, devices moved or renamed) is classified
        again with the history already read (:meth:`_async_classify_again`); one with new
        entities refreshes -- which reads the recorder -- at most once per
        :data:`REGISTRY_REFRESH_COOLDOWN`.
        """
        stops = [
            self.hass.bus.async_listen(event_type, self._async_registry_updated)
            for event_type in _REGISTRY_EVENTS
        ]

        @callback
        def stop() -> None:
            for unsubscribe in stops:
                unsubscribe()
            if self._registry_check is not None:
                self._registry_check()
                self._registry_check = None

        return stop

    @callback
    def _async_registry_updated(self, _event: Event[Any]) -> None:
        if self._registry_check is None:  # else a look is due, and sees this edit too
            self._async_look_at(self._registry_checked_at + REGISTRY_LOOK_COOLDOWN.total_seconds())

    @callback
    def _async_look_at(self, due: float) -> None:
        """Look at the registries at ``due`` (a UTC timestamp), or now if it has passed.

        Never later than a cooldown from now, should the clock have been set back.
        """
        wait = min(due - dt_util.utcnow().timestamp(), REGISTRY_REFRESH_COOLDOWN.total_seconds())
        if wait > 0:
            self._registry_check = async_call_later(self.hass, wait, self._async_check_registries)
            return
        # Not eagerly: the registries finish their own updates to this edit first.
        check = self.hass.async_create_task(
            self._async_check_registries(), f"{DOMAIN} registry check", eager_start=False
        )
        self._registry_check = check.cancel

    async def _async_check_registries(self, _now: datetime | None = None) -> None:
        # Cleared before the refresh: an edit while it reads schedules the next look.
        self._registry_check = None
        now = self._registry_checked_at = dt_util.utcnow().timestamp()
        if not self._listeners:  # the sensor is disabled: nothing to update, as hourly
            return
        async with self._answer_lock:  # after an update under way: compare with its home
            if self._unloaded:  # while it answered: no look may be set that none would stop
                return
            classified = self.classified_read
            home = async_home_snapshot(self.hass)
            if classified is not None and _registries(home) == _registries(classified[0]):
                return
            if (classified is not None and self.model is not None
                    and self.last_update_success
                    and _entity_ids(home) <= _entity_ids(classified[0])):
                await self._async_classify_again(home, classified[1])
                return
        due = self._registry_refreshed_at + REGISTRY_REFRESH_COOLDOWN.total_seconds()
        if now < due:
            self._async_look_at(due)  # again then: the edits may be undone by that time
            return
        self._registry_refreshed_at = now
        await self.async_refresh()

    async def _async_classify_again(self, home: HomeSnapshot, summary: ActivitySummary) -> None:
        """Classify edited registries with the history already read: no database read.

        The recorder keeps history by entity, and the summary counts each of the home's
        entities alone, so one read holds for any home made of the same entities or fewer:
        a floor, an area, a device moved or renamed changes where the changes happened, not
        what they were. The history is then at most an hour old, as between hourly updates.
        The model file is looked at first, as before an update: a model published meanwhile
        answers the edit. Under the answer lock.
        """
        await self._async_pick_up_new_model()
        model = self.model
        if TYPE_CHECKING:  # checked by the caller, and a failed load keeps the model in use
            assert model is not None
        summary = summary_of(summary, _entity_ids(home))
        result = await self.hass.async_add_executor_job(classify, home, summary, model)
        self.classified_read = home, summary
        # Not async_set_updated_data: it would put the hourly update off by an hour, and the
        # history with it. An answer that did not change is not written again.
        if result != self.data:
            self.data = result
            self.async_update_listeners()

    async def async_shutdown(self) -> None:
        """Stop for good: a running read ends, and a model check must not raise the issue anew."""
        self._unloaded = True
        await super().async_shutdown()

    async def _async_pick_up_new_model(self) -> None:
        """Load the model file again if it changed since it was loaded (published anew).

        Not the bundled model while it answers: it changes only with the code, when HACS
        updates Home Type under the running release. Loaded by that release it could be made
        for a newer feature set (a repair issue telling the user to update, who just did) or
        be half-written; the restart HACS asks for loads it with its own code.
        """
        path = self._model_path()
        if path is None or (self.model is not None and self._bundled()):
            return
        signature = await self.hass.async_add_executor_job(model_file_signature, path)
        if signature == self._model_file:
            return
        try:
            await self.async_load_model()
        except ModelError as err:
            if self.model is not None:
                LOGGER.warning("%s; still using model %s", err, self.model.version)

    async def _async_update_data(self) -> Classification:
        """Read the registries and the recorder, then classify in the executor."""
        async with self._answer_lock:
            # Until here a shared refresh waited behind another (the hourly update's, say),
            # and callers could still join it.
            self._refreshes.begun()
            return await self._async_answer()

    async def _async_answer(self) -> Classification:
        await self._async_pick_up_new_model()
        if self.model is None:
            error = self.model_error or ModelMissingError(
                self._model_path() or self.config_entry.options.get(CONF_MODEL_PATH, ""),
                "no model loaded")
            raise UpdateFailed(**model_error_translation(error, self.hass.config.config_dir))
        try:
            home, summary = await self.async_read_home()
        except (SQLAlchemyError, RunCancelledError) as err:
            # The unload or Home Assistant's stop ended the read (activity.read_session; the
            # stop also cancels the run): nothing failed, and an ERROR "could not read the
            # recorder's history" would say the database did. Home Assistant does not unload
            # entries as it stops, and an automation on its shutdown may still ask. The last
            # answer stands -- unless the database was failing already: that is still so.
            stopped = isinstance(err, RunCancelledError) or read_stopped(err)
            if stopped and self.data is not None and self.last_update_success:
                return self.data
            # (Only Home Assistant's stop cancels a run.)
            if isinstance(err, RunCancelledError) or (stopped and self.hass.is_stopping):
                raise UpdateFailed(translation_domain=DOMAIN,
                                   translation_key="stopping") from err
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="recorder_error",
                translation_placeholders={"error": database_error_text(err)},
            ) from err
        result = await self.hass.async_add_executor_job(classify, home, summary, self.model)
        self.classified_read = home, summary
        return result
