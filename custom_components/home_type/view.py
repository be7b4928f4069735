"""The HTTP view: ``GET /api/home_type/classify``, the classification as JSON.

It answers what the sensor shows -- the coordinator's latest result, read from memory, so a
dashboard or script can poll it as often as it likes without touching the database. With
``?refresh=1`` it classifies the home now first (as the ``home_type.classify`` action does,
sensor included). Like every Home Assistant API it needs a bearer token (401 without one).

Errors are JSON ``{"message", "code"}`` with a status that says whose move it is: 400 for a
bad query, 503 while there is no result to give (no loaded entry, an unusable model, a
database error; the message is the sensor's reason, from Home Type's translations in English,
as Home Assistant renders every error's message, and the code its translation key).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

from aiohttp import web
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from .const import DOMAIN
from .coordinator import HomeTypeConfigEntry
from .services import last_failure, not_ready_error

URL: Final = "/api/home_type/classify"
PARAM_REFRESH: Final = "refresh"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off", ""})


class HomeTypeClassifyView(HomeAssistantView):
    """The home's classification, for anything that speaks HTTP."""

    url = URL
    name = "api:home_type:classify"
    requires_auth = True

    async def get(self, request: web.Request) -> web.Response:
        """Return the latest classification, or refresh first with ``?refresh=1``."""
        unknown = sorted(set(request.query) - {PARAM_REFRESH})
        if unknown:
            return self.json_message(
                f"Unknown query parameter {', '.join(unknown)}; the only one is "
                f"{PARAM_REFRESH} (0 or 1).",
                HTTPStatus.BAD_REQUEST,
                "unknown_parameter",
            )
        values = request.query.getall(PARAM_REFRESH, [])
        if len(values) > 1 or (values and values[0].lower() not in _TRUE | _FALSE):
            return self.json_message(
                f"{PARAM_REFRESH} must be given once, as 0 or 1.",
                HTTPStatus.BAD_REQUEST,
                "invalid_parameter",
            )
        refresh = bool(values) and values[0].lower() in _TRUE

        hass = request.app[KEY_HASS]
        entries: list[HomeTypeConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
        if not entries:
            for entry in hass.config_entries.async_entries(DOMAIN):
                if (not_ready := not_ready_error(entry)) is not None:
                    return self.json_message(str(not_ready), HTTPStatus.SERVICE_UNAVAILABLE,
                                             not_ready.translation_key)
            return self.json_message(
                "Home Type is not loaded: add it under Settings → Devices & services, or "
                "enable or reload its entry.",
                HTTPStatus.SERVICE_UNAVAILABLE,
                "not_loaded",
            )
        coordinator = entries[0].runtime_data
        if refresh:
            await coordinator.async_refresh()
        if not coordinator.last_update_success:
            error = last_failure(coordinator)
            return self.json_message(
                str(error), HTTPStatus.SERVICE_UNAVAILABLE, error.translation_key
            )
        return self.json(coordinator.data.as_dict())
