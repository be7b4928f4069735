"""The home type sensor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import HomeTypeConfigEntry
from .core.classify import Classification
from .core.snapshot import HOME_TYPES
from .entity import HomeTypeEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class HomeTypeSensorEntityDescription(SensorEntityDescription):
    """Describes a Home Type sensor."""

    value_fn: Callable[[Classification], str | float | None]
    attributes_fn: Callable[[Classification], dict[str, Any]] = lambda _: {}


def _classification_attributes(result: Classification) -> dict[str, Any]:
    """Everything the result says besides the label, rounded as in the action's response."""
    shown = result.as_dict()
    return {key: shown[key] for key in
            ("confidence", "probabilities", "model_version", "history_days", "method")}


SENSORS: tuple[HomeTypeSensorEntityDescription, ...] = (
    HomeTypeSensorEntityDescription(
        key="home_type",
        translation_key="home_type",
        name=None,  # the device's main feature: sensor.home_type
        device_class=SensorDeviceClass.ENUM,
        options=list(HOME_TYPES),
        value_fn=lambda result: result.home_type,
        attributes_fn=_classification_attributes,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeTypeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up Home Type sensors."""
    async_add_entities(
        HomeTypeSensorEntity(entry.runtime_data, description) for description in SENSORS
    )


class HomeTypeSensorEntity(HomeTypeEntity, SensorEntity):
    """A sensor showing part of the classification."""

    entity_description: HomeTypeSensorEntityDescription
    # The probabilities and the model version are long and rarely change meaningfully:
    # kept out of the recorder's history.
    _unrecorded_attributes = frozenset({"probabilities", "model_version"})

    @property
    def native_value(self) -> str | float | None:
        """The classification's label."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Confidence, probabilities, model version, history days and method."""
        return self.entity_description.attributes_fn(self.coordinator.data)
