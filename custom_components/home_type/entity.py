"""Base entity for Home Type."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import HomeTypeCoordinator


class HomeTypeEntity(CoordinatorEntity[HomeTypeCoordinator]):
    """An entity of the Home Type service device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: HomeTypeCoordinator, description: EntityDescription
    ) -> None:
        """Initialize the entity."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="Home Type",
            model="Home type classifier",
            # The model in use; the coordinator keeps it so when another replaces it.
            sw_version=coordinator.model.version if coordinator.model is not None else None,
        )
