"""The home design an LLM returns: pydantic models, their strict JSON schema, and conversions.

The same models do three jobs, so the contract cannot drift: they produce the JSON schema sent
with every request (OpenAI's strict structured outputs), they validate the reply again on arrival
(a compatible local server may not enforce the schema, and strict mode cannot express "this
device's area is one of the areas above"), and they convert to and from :class:`HomeDesign`, the
simulator's input. Room and device kinds are enums of the simulator's own catalogues, so the model
cannot invent a kind the simulator has no behaviour for.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .catalog import DEVICE_KINDS
from .design import (
    AREA_KINDS,
    AreaDesign,
    DeviceDesign,
    FloorDesign,
    HomeDesign,
    ResidentDesign,
    design_problems,
)

#: Name of the schema in the request; OpenAI allows [a-zA-Z0-9_-]{1,64}.
SCHEMA_NAME: Final = "home_design"

if TYPE_CHECKING:  # the kinds are data; a type checker sees names
    AreaKind = str
    DeviceKind = str
else:  # pydantic sees the closed sets, and so does the JSON schema sent to the model
    AreaKind = Literal[AREA_KINDS]
    DeviceKind = Literal[tuple(DEVICE_KINDS)]
Hour = float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LLMFloor(_Strict):
    """A floor of the Home Assistant floor registry."""

    name: str
    level: int = Field(ge=-5, le=100, description="0 ground floor, -1 basement, 1 first floor…; "
                       "a flat's building floor for units")


class LLMArea(_Strict):
    """A room or outdoor space of the area registry."""

    name: str = Field(description="as the owner typed it; unique in the home")
    kind: AreaKind = Field(description="what the room is for")
    floor_level: int | None = Field(description="level of one of the floors, or null "
                                    "(always null when floors is empty)")


class LLMDevice(_Strict):
    """A device of the device registry."""

    name: str = Field(description="as shown in Home Assistant")
    kind: DeviceKind
    area: str | None = Field(description="exact name of one of the areas, or null if the "
                             "owner never assigned it")
    manufacturer: str | None
    model: str | None


class LLMResident(_Strict):
    """A person and their routine in local hours (decimal: 7.5 is 07:30)."""

    name: str
    wake: Hour = Field(ge=0, le=23.99, description="weekday wake-up hour")
    sleep: Hour = Field(ge=12, le=30, description="weekday bedtime; past midnight is 24+, "
                        "e.g. 24.5 for 00:30")
    leave: Hour | None = Field(ge=0, le=30, description="weekday departure (work, school), "
                               "null if at home all day")
    back: Hour | None = Field(ge=0, le=30, description="weekday return, null if leave is null")
    weekend_wake: Hour = Field(ge=0, le=23.99)
    weekend_sleep: Hour = Field(ge=12, le=30)
    works_from_home: bool
    has_car: bool


class LLMHome(_Strict):
    """One home as an LLM designs it; the home type is ours (the planner's), not the model's."""

    language: str = Field(description="ISO 639-1 code of the language the owner names things in")
    timezone: str = Field(description="IANA time zone, e.g. Europe/Berlin")
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    occupancy: Literal["primary", "vacation"] = Field(
        description="vacation: a second home, empty most of the time")
    setting: Literal["urban", "suburban", "rural"] = Field(
        description="how busy the street is: passers-by and deliveries")
    helpers: int = Field(ge=0, le=200, description="automations, scripts and helpers with no "
                         "device")
    floors: list[LLMFloor] = Field(description="may be empty: many owners never define floors")
    areas: list[LLMArea]
    devices: list[LLMDevice]
    residents: list[LLMResident]


def strict_json_schema(model: type[BaseModel] = LLMHome) -> dict[str, Any]:
    """Give the model's JSON schema in the form OpenAI's strict mode accepts.

    Strict mode wants every object closed (``additionalProperties: false``) with every property
    required (optional values are ``anyOf [..., null]``), and no ``default``. ``$ref``s are inlined
    so that OpenAI-compatible local servers, whose schema support varies, see one plain tree;
    titles are dropped because every request pays for them in input tokens.
    """
    root = model.model_json_schema()
    definitions = root.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = definitions[node["$ref"].rsplit("/", 1)[-1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return walk(merged)
        out = {key: walk(value) for key, value in node.items()
               if key not in ("title", "default")}
        if out.get("type") == "object" or "properties" in out:
            out["additionalProperties"] = False
            out["required"] = list(out.get("properties", {}))
        return out

    return walk(root)  # type: ignore[no-any-return]


def response_format() -> dict[str, Any]:
    """Build the ``response_format`` of every request: the strict schema of :class:`LLMHome`."""
    return {"type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True,
                            "schema": copy.deepcopy(_home_schema())}}


@cache
def _home_schema() -> dict[str, Any]:
    return strict_json_schema(LLMHome)


class InvalidDesign(ValueError):
    """A reply that is not JSON, breaks the schema or describes an impossible home."""


def parse_design(content: str | None, home_type: str) -> tuple[HomeDesign, str]:
    """Turn a reply into a checked design and its naming language, or raise InvalidDesign.

    The message of :class:`InvalidDesign` is short and names the places that are wrong, because
    it goes back to the model in the one repair request.
    """
    if not content:
        raise InvalidDesign("the reply was empty")
    try:
        raw = json.loads(content)
    except json.JSONDecodeError as err:
        raise InvalidDesign(f"the reply is not valid JSON ({err.msg}: line {err.lineno}, "
                            f"column {err.colno})") from None
    except RecursionError:  # "[[[[…" a hundred thousand deep: Python's parser gives up
        raise InvalidDesign("the reply is not valid JSON (nested too deeply)") from None
    try:
        home = LLMHome.model_validate(raw)
    except ValidationError as err:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}"
                    for e in err.errors()[:8]]
        raise InvalidDesign("the reply breaks the schema: " + "; ".join(problems)) from None
    design = to_design(home, home_type)
    problems = design_problems(design)
    if problems:
        raise InvalidDesign("the home is inconsistent: " + "; ".join(problems[:8]))
    return design, home.language


def to_design(home: LLMHome, home_type: str) -> HomeDesign:
    """Convert an LLM home to the simulator's design, labelled with the planner's home type."""
    return HomeDesign(
        home_type=home_type,
        timezone=home.timezone,
        latitude=home.latitude,
        longitude=home.longitude,
        floors=[FloorDesign(f.name, f.level) for f in home.floors],
        areas=[AreaDesign(a.name, a.kind, a.floor_level) for a in home.areas],
        devices=[DeviceDesign(d.kind, d.name, d.area, d.manufacturer, d.model)
                 for d in home.devices],
        residents=[ResidentDesign(
            name=r.name, wake=r.wake, sleep=r.sleep, leave=r.leave, back=r.back,
            weekend_wake=r.weekend_wake, weekend_sleep=r.weekend_sleep,
            works_from_home=r.works_from_home, has_car=r.has_car) for r in home.residents],
        occupancy=home.occupancy,
        setting=home.setting,
        helpers=home.helpers,
        extra={"language": home.language},
    )


def from_design(design: HomeDesign) -> LLMHome:
    """Express a design as an LLM reply: sizes the token estimate, feeds the tests' fake API."""
    return LLMHome(
        language=str(design.extra.get("language", "en")),
        timezone=design.timezone,
        latitude=design.latitude,
        longitude=design.longitude,
        occupancy=design.occupancy,
        setting=design.setting,
        helpers=design.helpers,
        floors=[LLMFloor(name=f.name, level=f.level) for f in design.floors],
        areas=[LLMArea(name=a.name, kind=a.kind, floor_level=a.floor_level)
               for a in design.areas],
        devices=[LLMDevice(name=d.name, kind=d.kind, area=d.area, manufacturer=d.manufacturer,
                           model=d.model) for d in design.devices],
        residents=[LLMResident(
            name=r.name, wake=r.wake, sleep=r.sleep, leave=r.leave, back=r.back,
            weekend_wake=r.weekend_wake, weekend_sleep=r.weekend_sleep,
            works_from_home=r.works_from_home, has_car=r.has_car) for r in design.residents],
    )
