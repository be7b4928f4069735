"""The development home is configured in YAML only: an import flow makes its config entry."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import CONF_PATH
from .load_home import FIXTURE_PLATFORM


class HomeFixtureConfigFlow(ConfigFlow, domain=FIXTURE_PLATFORM):
    """One entry, made from ``home_fixture: {path: …}`` in configuration.yaml."""

    VERSION = 1

    async def async_step_import(self, import_data: dict[str, Any]) -> ConfigFlowResult:
        """Create the entry the home's devices and entities belong to."""
        await self.async_set_unique_id(FIXTURE_PLATFORM)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(
            title=f"Synthetic home ({import_data[CONF_PATH].rsplit('/', 1)[-1]})",
            data={CONF_PATH: import_data[CONF_PATH]},
        )
