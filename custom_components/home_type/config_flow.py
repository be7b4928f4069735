"""Config flow for Home Type: one entry, options for the history window and the model file."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)

from .const import (
    CONF_HISTORY_DAYS,
    CONF_MODEL_PATH,
    DEFAULT_HISTORY_DAYS,
    DOMAIN,
    MAX_HISTORY_DAYS,
)
from .coordinator import HomeTypeConfigEntry
from .core.model import ModelError, load_model
from .helpers import resolve_model_path
from .issues import config_relative, model_file

SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HISTORY_DAYS, default=DEFAULT_HISTORY_DAYS): NumberSelector(
            NumberSelectorConfig(
                min=0,
                max=MAX_HISTORY_DAYS,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement=UnitOfTime.DAYS,  # "d": the same in every language
            )
        ),
        vol.Optional(CONF_MODEL_PATH, default=""): TextSelector(),
    }
)


async def _async_validate(
    hass: HomeAssistant, user_input: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str], str]:
    """Check a form: its options, its errors, and the reason in words for the form."""
    days = float(user_input[CONF_HISTORY_DAYS])
    if not days.is_integer():
        # The selector's step is the browser's business; through the API 0.5 would become 0,
        # which turns the history off (and NaN passes the selector's range check).
        return {}, {CONF_HISTORY_DAYS: "history_days_whole"}, ""
    options: dict[str, Any] = {
        CONF_HISTORY_DAYS: int(days),
        CONF_MODEL_PATH: str(user_input.get(CONF_MODEL_PATH, "")).strip(),
    }
    path = resolve_model_path(hass.config.config_dir, options[CONF_MODEL_PATH])
    if path is None:
        return options, {CONF_MODEL_PATH: "outside_config"}, hass.config.config_dir
    try:
        await hass.async_add_executor_job(load_model, path)
    except ModelError as err:
        # Beside the field that names the file: why, without the file again. An empty field
        # (the bundled model) names none: the reason does then.
        reason = config_relative(err.detail, hass.config.config_dir)
        if not options[CONF_MODEL_PATH]:
            reason = f"{model_file(hass.config.config_dir, '')}: {reason}"
        return options, {CONF_MODEL_PATH: f"model_{err.reason}"}, reason
    return options, {}, ""


class HomeTypeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set Home Type up: a single entry, checked by loading its model first."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the history window and the model file."""
        errors: dict[str, str] = {}
        reason = ""
        if user_input is not None:
            options, errors, reason = await _async_validate(self.hass, user_input)
            if not errors:
                return self.async_create_entry(title="Home Type", data={}, options=options)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(SCHEMA, user_input),
            errors=errors,
            description_placeholders={"error": reason},
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: HomeTypeConfigEntry) -> HomeTypeOptionsFlow:
        """Create the options flow."""
        return HomeTypeOptionsFlow()


class HomeTypeOptionsFlow(OptionsFlow):
    """Change the history window or the model file; the entry reloads with them."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the current options and check new ones."""
        errors: dict[str, str] = {}
        reason = ""
        if user_input is not None:
            options, errors, reason = await _async_validate(self.hass, user_input)
            if not errors:
                if (options == dict(self.config_entry.options)
                        or not self.config_entry.update_listeners):
                    # The entry's listener reloads it for changed options. Not for the same
                    # ones, though saving them is how a user says "use the file I just fixed",
                    # and the form has just found it usable; and an entry waiting to retry
                    # its set-up (the database failed) has no listener yet: reload as for
                    # any other save. The options are stored first: newer Home Assistant
                    # starts a task at once (eager_start), and the reload read the old ones.
                    self.hass.config_entries.async_update_entry(
                        self.config_entry, options=options)
                    self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
                return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                SCHEMA, user_input or self.config_entry.options
            ),
            errors=errors,
            description_placeholders={"error": reason},
        )
