"""A small hand-made home with names worth hiding, for diagnostics and export tests.

Hand-made rather than generated, so snapshots do not change with the generator. Its names
exercise what anonymisation must keep and what it must hide: room kinds in several languages,
a level word, an unreadable room name, a wood stove, a device with no area, entities of no
device, states that are people's words (a zone name, a text helper's value, a phone number),
and manufacturers and models, which an owner may have typed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.home_type.core.snapshot import (
    Area,
    Device,
    Entity,
    EventLog,
    Floor,
    HomeSnapshot,
)

#: Where its history ends: a Saturday noon, UTC, on a whole second.
END = datetime(2025, 3, 15, 12, 0, 0, tzinfo=UTC)
TIMEZONE = "Europe/Berlin"
HOURS_OF_HISTORY = 5 * 24

#: A text helper's value that is a number too: numbers can say who lives there.
PHONE_NUMBER = "+4915112345678"

#: Every name and id in the home; none may appear in diagnostics or an anonymised export.
SECRETS = (
    "Smith residence", "ground_floor", "Erdgeschoss", "first_floor", "Upstairs of the Smiths",
    "kuche", "Küche", "living_room", "Wohnzimmer", "master", "Upstairs Master Bedroom",
    "aliceroom", "Alice's hideout", "garten", "Garten", "dev_light", "Küchenlicht",
    "dev_stove", "Jøtul wood stove", "dev_lock", "Front door lock", "dev_phone",
    "Alice's phone", "light.kuche_decke", "binary_sensor.haustur", "lock.haustur",
    "sensor.wohnzimmer_temperatur", "device_tracker.alice_phone", "input_text.note",
    "Grandma's house", "buy milk", PHONE_NUMBER, "Signify", "LCT015", "Jøtul",
    "F 520", "Nuki", "Smart Lock 3.0", "Google", "Pixel 8",
)


def tiny_home() -> HomeSnapshot:
    """Two floors, five areas, four devices, six entities and five days of events."""
    entities = (
        Entity("light.kuche_decke", "dev_light", "kuche"),
        Entity("binary_sensor.haustur", "dev_lock", None, "door"),
        Entity("lock.haustur", "dev_lock", None),
        Entity("sensor.wohnzimmer_temperatur", "dev_stove", "living_room", "temperature", "°C"),
        Entity("device_tracker.alice_phone", "dev_phone", None),
        Entity("input_text.note", None, None),
    )
    start = END.timestamp() - HOURS_OF_HISTORY * 3600
    ids: list[str] = []
    stamps: list[float] = []
    states: list[str] = []
    for hour in range(HOURS_OF_HISTORY):
        ts = start + hour * 3600 + 17.25
        ids.append("light.kuche_decke")
        stamps.append(ts)
        states.append("on" if hour % 2 else "off")
        if hour % 5 == 0:
            ids += ["binary_sensor.haustur", "lock.haustur", "sensor.wohnzimmer_temperatur"]
            stamps += [ts + 60, ts + 61.5, ts + 900]
            opened = (hour // 5) % 2 == 0  # a home file holds changes: no state twice in a row
            states += ["on" if opened else "off", "unlocked" if opened else "locked",
                       f"{20 + hour % 3}.5"]
        if hour % 12 == 0:
            ids += ["device_tracker.alice_phone", "input_text.note"]
            stamps += [ts + 1200, ts + 1800]
            zone = "Grandma's house" if hour % 24 else "home"
            states += [zone, "buy milk" if hour % 24 else PHONE_NUMBER]
    return HomeSnapshot(
        home_id="Smith residence",
        home_type=None,
        metadata={"timezone": TIMEZONE, "end": END.isoformat()},
        floors=(Floor("ground_floor", "Erdgeschoss", 0),
                Floor("first_floor", "Upstairs of the Smiths", 1)),
        areas=(
            Area("kuche", "Küche", "ground_floor"),
            Area("living_room", "Wohnzimmer", "ground_floor"),
            Area("master", "Upstairs Master Bedroom", "first_floor"),
            Area("aliceroom", "Alice's hideout", "first_floor"),
            Area("garten", "Garten", None),
        ),
        devices=(
            Device("dev_light", "Küchenlicht", "kuche", "Signify", "LCT015"),
            Device("dev_stove", "Jøtul wood stove", "living_room", "Jøtul", "F 520"),
            Device("dev_lock", "Front door lock", None, "Nuki", "Smart Lock 3.0"),
            Device("dev_phone", "Alice's phone", None, "Google", "Pixel 8"),
        ),
        entities=entities,
        events=EventLog.from_columns(ids, stamps, states),
    )
