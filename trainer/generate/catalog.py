"""Device kinds the simulator knows: the entities each one has and how each entity behaves.

Entity domains, device classes and units are Home Assistant's own, so a synthetic home looks to
the features exactly like a real one. ``behaviour`` names the simulator routine that produces the
entity's state changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class EntityTemplate:
    """One entity of a device kind; ``suffix`` is appended to the device's slug."""

    domain: str
    suffix: str
    behaviour: str
    device_class: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """A kind of device: its entities, whether it is fixed to the building, who makes it."""

    label: str
    entities: tuple[EntityTemplate, ...]
    installed: bool
    makers: tuple[tuple[str, str], ...]


def _e(domain: str, suffix: str, behaviour: str, device_class: str | None = None,
       unit: str | None = None) -> EntityTemplate:
    return EntityTemplate(domain, suffix, behaviour, device_class, unit)


BATTERY = _e("sensor", "battery", "battery", "battery", "%")

DEVICE_KINDS: Final[dict[str, DeviceKind]] = {
    "smart_bulb": DeviceKind("Bulb", (_e("light", "", "light"),), False, (
        ("Signify Netherlands B.V.", "Hue White and Color Ambiance"), ("IKEA of Sweden",
        "TRADFRI bulb E27 WS 806lm"), ("LIFX", "LIFX A19"), ("Nanoleaf", "Essentials A19"))),
    "light_switch": DeviceKind("Light", (_e("light", "", "light"),), True, (
        ("Lutron Electronics Co., Inc", "Caseta Wireless Dimmer"), ("Shelly", "Shelly 1PM"),
        ("Leviton", "D26HD"), ("Inovelli", "VZM31-SN"))),
    "outdoor_light": DeviceKind("Outdoor light", (_e("light", "", "outdoor_light"),), True, (
        ("Shelly", "Shelly Plus 1"), ("Signify Netherlands B.V.", "Hue Lily"),
        ("Ring", "Floodlight Cam Wired Plus"))),
    "smart_plug": DeviceKind("Plug", (
        _e("switch", "", "plug_switch", "outlet"),
        _e("sensor", "power", "plug_power", "power", "W"),
        _e("sensor", "energy", "plug_energy", "energy", "kWh")), False, (
        ("TP-Link", "KP115"), ("Shelly", "Shelly Plug S"), ("Eve Systems", "Eve Energy"),
        ("Meross", "MSS310"))),
    "motion_sensor": DeviceKind("Motion sensor", (
        _e("binary_sensor", "motion", "motion", "motion"),
        _e("sensor", "illuminance", "illuminance", "illuminance", "lx"), BATTERY), False, (
        ("Aqara", "RTCGQ11LM"), ("Signify Netherlands B.V.", "Hue motion sensor"),
        ("SmartThings", "IM6001-MTP01"), ("IKEA of Sweden", "TRADFRI motion sensor"))),
    "presence_sensor": DeviceKind("Presence sensor", (
        _e("binary_sensor", "occupancy", "occupancy", "occupancy"),), False, (
        ("Aqara", "FP2"), ("Everything Presence", "EP One"), ("Tuya", "ZY-M100"))),
    "door_sensor": DeviceKind("Door", (
        _e("binary_sensor", "door", "door", "door"), BATTERY), False, (
        ("Aqara", "MCCGQ11LM"), ("SmartThings", "IM6001-MPP01"), ("Ring", "Contact Sensor"))),
    "window_sensor": DeviceKind("Window", (
        _e("binary_sensor", "window", "window", "window"), BATTERY), False, (
        ("Aqara", "MCCGQ11LM"), ("Eve Systems", "Eve Door & Window"))),
    "climate_sensor": DeviceKind("Climate sensor", (
        _e("sensor", "temperature", "indoor_temperature", "temperature", "°C"),
        _e("sensor", "humidity", "humidity", "humidity", "%"), BATTERY), False, (
        ("Aqara", "WSDCGQ11LM"), ("SwitchBot", "Meter Plus"), ("Govee", "H5075"),
        ("Xiaomi", "LYWSD03MMC"))),
    "thermostat": DeviceKind("Thermostat", (
        _e("climate", "", "thermostat"),
        _e("sensor", "temperature", "indoor_temperature", "temperature", "°C"),
        _e("sensor", "humidity", "humidity", "humidity", "%")), True, (
        ("ecobee", "ecobee3 lite"), ("Google Nest", "Learning Thermostat"),
        ("Honeywell", "T6 Pro"), ("Netatmo", "Smart Thermostat"))),
    "radiator_valve": DeviceKind("Radiator", (
        _e("climate", "", "radiator_valve"), BATTERY), False, (
        ("tado°", "Smart Radiator Thermostat"), ("Eve Systems", "Eve Thermo"),
        ("Danfoss", "Ally"), ("AVM", "FRITZ!DECT 301"))),
    "smart_lock": DeviceKind("Lock", (_e("lock", "", "lock"), BATTERY), True, (
        ("August", "Wi-Fi Smart Lock"), ("Yale", "Assure Lock 2"), ("Nuki", "Smart Lock 3.0 Pro"),
        ("Schlage", "Encode Plus"))),
    "garage_door_opener": DeviceKind("Garage door", (
        _e("cover", "", "garage_door", "garage"),
        _e("binary_sensor", "obstruction", "static", "problem")), True, (
        ("Chamberlain", "myQ Smart Garage Hub"), ("ratgdo", "ratgdo v2.5"),
        ("Meross", "MSG100"))),
    "gate_opener": DeviceKind("Gate", (_e("cover", "", "gate", "gate"),), True, (
        ("Shelly", "Shelly Plus 2PM"), ("Nice", "IT4WIFI"))),
    "blinds": DeviceKind("Blinds", (_e("cover", "", "blinds", "blind"),), True, (
        ("Somfy", "Sonesse 30 WireFree"), ("IKEA of Sweden", "FYRTUR block-out roller blind"),
        ("Lutron Electronics Co., Inc", "Serena Shade"))),
    "tv": DeviceKind("TV", (_e("media_player", "", "media", "tv"),), False, (
        ("Samsung", "QN65Q80C"), ("LG Electronics", "OLED55C3"), ("Sony", "XR-55A80L"))),
    "speaker": DeviceKind("Speaker", (_e("media_player", "", "media", "speaker"),), False, (
        ("Sonos", "One SL"), ("Google", "Nest Audio"), ("Apple", "HomePod mini"))),
    "robot_vacuum": DeviceKind("Vacuum", (_e("vacuum", "", "vacuum"), BATTERY), False, (
        ("Roborock", "S8"), ("iRobot", "Roomba j7"), ("Ecovacs", "Deebot T20"))),
    "irrigation_valve": DeviceKind("Sprinkler", (_e("valve", "", "irrigation", "water"),), True, (
        ("Rachio", "Rachio 3"), ("Orbit", "B-hyve XR"), ("Gardena", "smart Water Control"))),
    "leak_sensor": DeviceKind("Leak sensor", (
        _e("binary_sensor", "moisture", "static", "moisture"), BATTERY), False, (
        ("Aqara", "SJCGQ11LM"), ("Moen", "Flo Smart Water Detector"))),
    "water_shutoff": DeviceKind("Water main", (
        _e("valve", "", "static", "water"), _e("sensor", "flow", "water_flow", None, "L/min")),
        True, (("Moen", "Flo Smart Water Monitor"), ("Phyn", "Plus"))),
    "smoke_detector": DeviceKind("Smoke alarm", (
        _e("binary_sensor", "smoke", "static", "smoke"), BATTERY), True, (
        ("Google Nest", "Protect"), ("First Alert", "Onelink Safe & Sound"))),
    "camera": DeviceKind("Camera", (
        _e("camera", "", "static"), _e("binary_sensor", "motion", "outdoor_motion", "motion")),
        True, (("Reolink", "RLC-810A"), ("Ubiquiti", "G4 Bullet"), ("Ring", "Stick Up Cam"))),
    # Pet and baby cameras, in flats as in houses; motion follows the people in the room.
    "indoor_camera": DeviceKind("Camera", (
        _e("camera", "", "static"), _e("binary_sensor", "motion", "motion", "motion")),
        False, (("TP-Link", "Tapo C200"), ("Eufy", "Indoor Cam 2K"),
                ("Google Nest", "Nest Cam (indoor, wired)"))),
    "doorbell": DeviceKind("Doorbell", (
        _e("event", "ding", "doorbell", "doorbell"),
        _e("binary_sensor", "motion", "outdoor_motion", "motion")), True, (
        ("Ring", "Video Doorbell 4"), ("Google Nest", "Doorbell (wired)"),
        ("Reolink", "Video Doorbell PoE"))),
    "energy_meter": DeviceKind("Energy meter", (
        _e("sensor", "power", "home_power", "power", "W"),
        _e("sensor", "energy", "home_energy", "energy", "kWh")), True, (
        ("Shelly", "Shelly Pro 3EM"), ("Emporia", "Vue 2"), ("Sense", "Energy Monitor"))),
    "solar_inverter": DeviceKind("Solar", (
        _e("sensor", "power", "solar_power", "power", "W"),
        _e("sensor", "energy", "solar_energy", "energy", "kWh")), True, (
        ("SolarEdge", "SE7600H"), ("Enphase", "IQ Gateway"), ("Fronius", "Primo GEN24"))),
    "ev_charger": DeviceKind("EV charger", (
        _e("switch", "charging", "ev_switch"), _e("sensor", "power", "ev_power", "power", "W")),
        True, (("Wallbox", "Pulsar Plus"), ("Tesla", "Wall Connector Gen 3"),
               ("ChargePoint", "Home Flex"))),
    "weather_station": DeviceKind("Weather station", (
        _e("sensor", "temperature", "outdoor_temperature", "temperature", "°C"),
        _e("sensor", "humidity", "humidity", "humidity", "%"),
        _e("sensor", "wind_speed", "wind", "wind_speed", "km/h")), True, (
        ("Netatmo", "Smart Weather Station"), ("Ecowitt", "GW2000"), ("Davis", "Vantage Vue"))),
    "outdoor_sensor": DeviceKind("Outdoor sensor", (
        _e("sensor", "temperature", "outdoor_temperature", "temperature", "°C"), BATTERY), False, (
        ("Aqara", "WSDCGQ11LM"), ("SwitchBot", "Outdoor Meter"))),
    "wood_stove": DeviceKind("Wood stove", (
        _e("sensor", "temperature", "stove_temperature", "temperature", "°C"),), False, (
        ("Shelly", "Shelly Plus Add-On"), ("Inkbird", "IBS-TH2"), ("Jøtul", "Jøtul F 305"))),
    "fireplace": DeviceKind("Fireplace", (_e("switch", "", "fireplace"),), True, (
        ("Napoleon", "eFIRE"), ("Mertik Maxitrol", "GV60 WiFi"))),
    "ceiling_fan": DeviceKind("Fan", (_e("fan", "", "fan"),), True, (
        ("Hunter", "SIMPLEconnect"), ("Big Ass Fans", "Haiku"), ("Bond", "Bond Bridge"))),
    "air_purifier": DeviceKind("Air purifier", (
        _e("fan", "", "fan"), _e("sensor", "pm25", "air_quality", "pm25", "µg/m³")), False, (
        ("IKEA of Sweden", "STARKVIND"), ("Levoit", "Core 300S"), ("Philips", "AC0850"))),
    "dehumidifier": DeviceKind("Dehumidifier", (
        _e("humidifier", "", "dehumidifier", "dehumidifier"),
        _e("sensor", "humidity", "humidity", "humidity", "%")), False, (
        ("Midea", "Cube 50"), ("Frigidaire", "FFAP5033W1"))),
    "washer": DeviceKind("Washer", (
        _e("sensor", "power", "washer_power", "power", "W"),
        _e("sensor", "state", "washer_state", "enum")), False, (
        ("Samsung", "WF45T6000AW"), ("Bosch", "Serie 6 WAU28PH9GB"),
        ("LG Electronics", "WM4000HWA"))),
    "water_heater": DeviceKind("Water heater", (
        _e("water_heater", "", "static"),
        _e("sensor", "temperature", "tank_temperature", "temperature", "°C")), True, (
        ("Rheem", "ProTerra"), ("A. O. Smith", "HPTU-50"), ("Stiebel Eltron", "WWK 300"))),
    "sump_pump": DeviceKind("Sump pump", (_e("binary_sensor", "running", "sump", "running"),),
        True, (("Wayne", "WSS30VN"), ("Zoeller", "M53"))),
    "router": DeviceKind("Router", (
        _e("sensor", "download", "router", "data_rate", "kB/s"),
        _e("binary_sensor", "wan", "static", "connectivity")), False, (
        ("AVM", "FRITZ!Box 7590"), ("Ubiquiti", "UniFi Dream Machine"), ("Netgear", "RAX50"))),
    "phone": DeviceKind("Phone", (
        _e("device_tracker", "", "tracker"), _e("sensor", "battery_level", "phone_battery",
        "battery", "%")), False, (("Apple", "iPhone 15"), ("Google", "Pixel 8"),
                                   ("Samsung", "Galaxy S24"))),
    "intercom": DeviceKind("Intercom", (_e("lock", "entrance", "intercom"),), True, (
        ("Nuki", "Opener"), ("Ring", "Intercom"))),
}

#: Kinds whose entities sit outside even when the device has an indoor area.
OUTDOOR_DEVICE_KINDS: Final = frozenset({
    "outdoor_light", "irrigation_valve", "weather_station", "outdoor_sensor", "camera",
    "doorbell", "solar_inverter", "gate_opener",
})

#: Entities that belong to no device in a real installation (helpers, automations, sun …).
HELPER_ENTITIES: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("automation", "automation", None),
    ("script", "script", None),
    ("input_boolean", "input_boolean", None),
    ("sensor", "template_sensor", None),
)
