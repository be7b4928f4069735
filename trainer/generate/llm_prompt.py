"""What the LLM is asked: one home of a given type, with the mess real installations have.

The planner chooses each home's type (the label), so the label mix is ours and exact; the model
only designs a home of that type. A hundred identical prompts would give a hundred near-identical
homes, so each request carries a few hints (region, household, owner or renter, enthusiasm for
gadgets) drawn from the home's seed, with the same regional weights as the procedural generator.
The hints come from a stream of their own, so the simulation's random stream (``home_rng``) is
the same whichever backend designed the home.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .catalog import DEVICE_KINDS
from .procedural import LOCATIONS
from .runner import HomeJob

#: Bumped when the prompt changes in a way that changes the homes; kept in each home's metadata.
PROMPT_VERSION: Final = 1

#: What each home type is physically: the project's label table (docs/model.md shows it).
HOME_TYPE_DESCRIPTIONS: Final[dict[str, str]] = {
    "studio": "one main room plus bathroom, one level, in a multi-unit building",
    "apartment": "2-6 rooms on one level in a multi-unit building; rented: plug-in and battery "
                 "devices, no garage, no yard",
    "condo": "an owned unit in a building: like an apartment but larger, more installed devices, "
             "a balcony or terrace, parking",
    "townhouse": "an attached house, 2-3 levels, small patio or yard, often a garage",
    "single_family_house": "a detached house, usually 2 levels, garage, yard, driveway",
    "ranch_house": "a detached single-level house, large footprint, garage, yard",
    "multi_story": "a detached house with 3 or more levels (basement and attic count), many "
                   "rooms",
    "cottage": "a small detached house, rural or for holidays, garden, wood stove or fireplace, "
               "often no garage",
}

_LANGUAGES: Final = {"en": "English", "de": "German", "fr": "French", "es": "Spanish",
                     "nl": "Dutch", "sv": "Swedish", "it": "Italian"}
_HINT_STREAM: Final = 0x11A  # a stream of its own: see the module docstring


def _installed_kinds(installed: bool) -> str:
    return ", ".join(kind for kind, spec in DEVICE_KINDS.items() if spec.installed == installed)


SYSTEM_PROMPT: Final = f"""\
You design one realistic smart home as it appears in a real Home Assistant installation: the \
floor, area and device registries, and the people who live there with their daily routines. \
A simulator turns your design into months of sensor history, so the rooms, devices and routines \
must be physically plausible for the home type you are given.

Make it look like a real, lived-in installation, not a showroom:
- Name areas, floors and devices the way owners type them, in the owner's language, sometimes \
in English anyway; some names are vague ("Room 2", "Misc", a person's name) or lower case.
- Many devices keep the name they paired with ("Hue motion sensor 2", "RTCGQ11LM"); about one \
in ten has no area (area null); a few have no manufacturer or model (null).
- Some rooms have no device at all; not every owner defines floors (floors may be empty, and \
then every floor_level is null).
- Device counts vary a lot: a beginner has 5-15 devices, an enthusiast 60 or more.
- Manufacturers and models are real products of the device's kind.
- Owners have installed devices ({_installed_kinds(True)}); renters mostly have plug-in and \
battery ones ({_installed_kinds(False)}).
- Garage door openers only in a garage; irrigation in a yard or garden; phones belong to \
residents and have no area.

Routines are local decimal hours (7.5 = 07:30). Bedtime past midnight is written 24+ (24.5 = \
00:30). leave and back are a weekday absence (work, school); both null for someone at home all \
day (retired, remote worker). Each area name is unique; a device's area is the exact name of one \
of your areas or null; an area's floor_level is the level of one of your floors or null.
Reply with the JSON object only."""


def home_hints(job: HomeJob) -> dict[str, str | int]:
    """Variety for one request, drawn from the home's seed: region, household, ownership, tech."""
    rng = np.random.default_rng(np.random.SeedSequence([job.seed, job.index, _HINT_STREAM]))
    weights = np.array([loc[-1] for loc in LOCATIONS])
    zone, lat_low, lat_high, _, language, _ = LOCATIONS[
        int(rng.choice(len(LOCATIONS), p=weights / weights.sum()))]
    small = job.home_type in ("studio", "apartment", "cottage")
    residents = int(rng.choice([1, 2, 3, 4, 5], p=[0.45, 0.35, 0.12, 0.06, 0.02] if small
                               else [0.12, 0.35, 0.22, 0.2, 0.11]))
    owner_p = {"studio": 0.15, "apartment": 0.12, "condo": 0.9}.get(job.home_type, 0.93)
    return {
        "timezone": zone,
        "latitude": round(float(rng.uniform(lat_low, lat_high))),
        "language": _LANGUAGES.get(language, language),
        "residents": residents,
        "tenure": "owns" if rng.random() < owner_p else "rents",
        "tech": str(rng.choice(["beginner", "average", "average", "enthusiast"])),
    }


def user_prompt(job: HomeJob) -> str:
    """Write the request for one home: its type (our label) and the variety hints."""
    hints = home_hints(job)
    people = "1 resident" if hints["residents"] == 1 else f"{hints['residents']} residents"
    label = job.home_type.replace("_", " ")
    article = "an" if label[0] in "aeiou" else "a"
    return (
        f"Design home {job.home_id}: {article} {label} — "
        f"{HOME_TYPE_DESCRIPTIONS[job.home_type]}.\n"
        f"Hints for variety (follow them unless they contradict the home type): it is in "
        f"{hints['timezone']} at latitude about {hints['latitude']}; the owner names things in "
        f"{hints['language']}; {people}; the household {hints['tenure']} the home; smart-home "
        f"experience: {hints['tech']}."
    )


def messages(job: HomeJob) -> list[dict[str, str]]:
    """Build the chat messages of a home's first request."""
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user_prompt(job)}]


def repair_messages(first: list[dict[str, str]], reply: str | None,
                    problem: str) -> list[dict[str, str]]:
    """Build the one repair request: the first exchange, then what was wrong with the reply."""
    return [*first,
            {"role": "assistant", "content": reply or ""},
            {"role": "user", "content": f"That reply cannot be used: {problem}. Reply again with "
                                        "the complete, corrected home as JSON."}]
