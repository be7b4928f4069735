"""Who is home, asleep or out, and which room each resident is in, minute by minute.

Residents follow routines: wake, leave, return, sleep; weekdays differ from weekends, some work
from home, an evening out happens now and then, a holiday trip empties the home for days, and a
vacation cottage stands empty most weekdays. While awake at home each one moves between rooms,
staying in each for a time typical of the room and the hour.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np

from .design import OUTDOOR_KINDS, HomeDesign
from .world import MINUTE, Array, World, mark, runs

#: Rooms people pass through on the way to another, now and then for a minute.
_TRANSIT_KINDS = ("hallway", "stairs", "entrance")

# Share of time spent per room kind, by part of the day: night 0-6, morning 6-10, day 10-17,
# evening 17-21, late 21-24.
_ROOM_WEIGHTS: dict[str, tuple[float, float, float, float, float]] = {
    "living_room": (0.5, 1.0, 2.0, 3.0, 4.0), "studio_room": (1.0, 3.0, 4.0, 5.0, 5.0),
    "kitchen": (0.5, 3.0, 1.2, 3.0, 0.8), "dining_room": (0.1, 1.2, 0.5, 2.0, 0.3),
    "bedroom": (2.0, 0.8, 0.4, 0.3, 1.2), "kids_room": (0.5, 0.3, 0.5, 0.6, 0.6),
    "guest_room": (0.1, 0.05, 0.1, 0.1, 0.05), "bathroom": (1.0, 2.0, 0.4, 0.5, 0.9),
    "toilet": (0.2, 0.4, 0.3, 0.3, 0.2), "hallway": (0.2, 0.4, 0.3, 0.4, 0.2),
    "entrance": (0.1, 0.3, 0.2, 0.3, 0.1), "stairs": (0.1, 0.2, 0.2, 0.2, 0.1),
    "office": (0.2, 0.4, 1.5, 0.5, 0.3), "laundry": (0.0, 0.2, 0.4, 0.3, 0.1),
    "storage": (0.0, 0.05, 0.1, 0.05, 0.0), "closet": (0.0, 0.3, 0.1, 0.1, 0.2),
    "utility_room": (0.0, 0.05, 0.05, 0.05, 0.0), "pantry": (0.0, 0.2, 0.1, 0.2, 0.0),
    "mudroom": (0.0, 0.3, 0.1, 0.3, 0.0), "gym": (0.0, 0.4, 0.3, 0.4, 0.1),
    "media_room": (0.2, 0.0, 0.3, 1.0, 2.0), "playroom": (0.0, 0.2, 0.6, 0.5, 0.0),
    "workshop": (0.0, 0.0, 0.5, 0.3, 0.0), "sauna": (0.0, 0.0, 0.1, 0.3, 0.2),
    "loft": (0.3, 0.3, 0.5, 0.6, 0.8), "basement": (0.0, 0.1, 0.3, 0.3, 0.1),
    "attic": (0.0, 0.05, 0.1, 0.05, 0.0), "garage": (0.0, 0.1, 0.3, 0.2, 0.0),
    "other": (0.0, 0.05, 0.1, 0.05, 0.0),
    # outdoors: only when warm and light (applied below)
    "balcony": (0.0, 0.3, 0.5, 0.8, 0.3), "terrace": (0.0, 0.3, 0.6, 0.9, 0.3),
    "patio": (0.0, 0.3, 0.6, 0.9, 0.3), "deck": (0.0, 0.3, 0.6, 0.9, 0.3),
    "porch": (0.0, 0.3, 0.4, 0.6, 0.2), "garden": (0.0, 0.2, 0.8, 0.6, 0.0),
    "back_yard": (0.0, 0.2, 0.8, 0.6, 0.0), "front_yard": (0.0, 0.1, 0.3, 0.2, 0.0),
    "pool": (0.0, 0.0, 0.8, 0.3, 0.0), "shed": (0.0, 0.0, 0.2, 0.1, 0.0),
}
#: Mean minutes of one stay in a room, by kind (20 for the rest).
_STAY_MINUTES = {"bathroom": 9.0, "toilet": 4.0, "hallway": 1.5, "entrance": 1.5, "stairs": 1.0,
                 "closet": 3.0, "pantry": 2.0, "storage": 4.0, "kitchen": 16.0,
                 "living_room": 45.0, "studio_room": 50.0, "office": 55.0, "media_room": 60.0}


def _part_of_day(hour: Array) -> Array:
    """Column of ``_ROOM_WEIGHTS`` for each local hour: 0 night … 4 late evening."""
    return np.searchsorted(np.array([6.0, 10.0, 17.0, 21.0]), hour, side="right")


def _day_offsets(design: HomeDesign, first_local_midnight: float, n_days: int) -> Array:
    """UTC offset (s) at local noon of days -1 … ``n_days`` (index d+1 for day d)."""
    zone = ZoneInfo(design.timezone)
    noons = [first_local_midnight + (d + 0.5) * 86400 for d in range(-1, n_days + 1)]
    out = []
    for local_noon in noons:
        offset = datetime.fromtimestamp(local_noon, UTC).replace(tzinfo=None)
        delta = zone.utcoffset(offset)
        out.append(delta.total_seconds() if delta else 0.0)
    return np.asarray(out)


def simulate_residents(world: World, first_local_midnight: float, n_days: int) -> None:
    """Fill in who is home, asleep and in which room, and each resident's comings and goings."""
    design, rng = world.design, world.rng
    # Index d+1 for day d, up to day n_days + 1, where the last day's absence ends.
    offsets = _day_offsets(design, first_local_midnight, n_days + 1)

    def minute(day: int, hour: float) -> int:
        utc: float = first_local_midnight + day * 86400 + hour * 3600 - offsets[day + 1]
        return round((utc - world.start) / MINUTE)

    def weekday(day: int) -> int:
        return (math.floor(first_local_midnight / 86400) + day + 3) % 7

    count = len(design.residents)
    home = np.zeros((count, world.minutes), dtype=bool)
    asleep = np.zeros((count, world.minutes), dtype=bool)
    # Home-wide absences: a holiday trip, or a vacation home's empty weeks.
    away_days = np.zeros(n_days + 2, dtype=bool)
    if design.occupancy == "vacation":
        away_days[:] = True
        for day in range(-1, n_days + 1):
            if weekday(day) == 4 and rng.random() < 0.55:  # a weekend at the cottage
                away_days[day + 1: day + 4] = False
        if rng.random() < 0.6:
            first = int(rng.integers(0, max(1, n_days - 7)))
            away_days[first + 1: first + 1 + int(rng.integers(5, 15))] = False
    elif rng.random() < 0.45:
        first = int(rng.integers(0, max(1, n_days - 3)))
        away_days[first + 1: first + 1 + int(rng.integers(3, 13))] = True
    # The household leaves together on an absence's first day, in the morning or around noon:
    # the night before a trip is slept at home like any other, not sat up through to midnight.
    departure = {day: float(rng.uniform(8.0, 13.0)) for day in range(n_days + 1)
                 if away_days[day + 1] and not away_days[day]}

    for r, person in enumerate(design.residents):
        away_s: list[int] = []
        away_e: list[int] = []
        sleep_s: list[int] = []
        sleep_e: list[int] = []
        previous_sleep: float | None = None
        for day in range(-1, n_days + 1):
            off_day = away_days[day + 1]
            weekend = weekday(day) >= 5
            wake = (person.weekend_wake if weekend else person.wake) + rng.normal(0, 0.35)
            sleep = (person.weekend_sleep if weekend else person.sleep) + rng.normal(0, 0.45)
            if off_day:
                if previous_sleep is not None:  # home last night: up in time, then off
                    leave = departure[day]
                    wake = min(wake, leave - float(rng.uniform(0.5, 1.5)))
                    sleep_s.append(minute(day - 1, previous_sleep))
                    sleep_e.append(minute(day, wake))
                    away_s.append(minute(day, leave))
                else:  # away since an earlier day (or since before the first)
                    away_s.append(minute(day, 0.0))
                # Away until the next day begins. Not hour 24 of this day: each day's hours
                # use that day's UTC offset, so on the night the clocks go back this day's
                # 24:00 falls an hour before the next day's 00:00, a hole in the absence.
                away_e.append(minute(day + 1, 0.0))
                previous_sleep = None
                continue
            arrived_late = day > -1 and away_days[day]  # came back this morning
            if previous_sleep is not None:
                sleep_s.append(minute(day - 1, previous_sleep))
                sleep_e.append(minute(day, wake))
            elif arrived_late:
                away_s.append(minute(day, 0.0))
                away_e.append(minute(day, float(rng.uniform(10.0, 17.0))))
            previous_sleep = sleep
            vacation_stay = design.occupancy == "vacation"
            if (not weekend and not vacation_stay and person.leave is not None
                    and person.back is not None and rng.random() > 0.04):
                leave = person.leave + rng.normal(0, 0.2)
                back = person.back + rng.normal(0, 0.6)
                away_s.append(minute(day, leave))
                away_e.append(minute(day, back))
                if rng.random() < 0.15:  # gym, shopping, friends
                    out = back + float(rng.uniform(1.0, 3.0))
                    away_s.append(minute(day, out))
                    away_e.append(minute(day, out + float(rng.uniform(1.0, 2.5))))
            else:
                p_out = 0.6 if weekend or vacation_stay else 0.45
                if rng.random() < p_out:
                    out = float(rng.uniform(wake + 1.5, max(wake + 2.0, 16.0)))
                    away_s.append(minute(day, out))
                    away_e.append(minute(day, out + float(rng.uniform(0.7, 4.5))))
                if weekend and rng.random() < 0.25:
                    out = float(rng.uniform(17.5, 20.0))
                    away_s.append(minute(day, out))
                    away_e.append(minute(day, out + float(rng.uniform(2.0, 4.0))))
        away = mark(np.array(away_s), np.array(away_e), world.minutes)
        home[r] = ~away
        asleep[r] = mark(np.array(sleep_s), np.array(sleep_e), world.minutes) & home[r]
        moves = np.diff(home[r].astype(np.int8))
        world.departures.append(np.flatnonzero(moves == -1) + 1)
        world.arrivals.append(np.flatnonzero(moves == 1) + 1)
    world.home, world.asleep = home, asleep
    _place_residents(world)


def _place_residents(world: World) -> None:
    """Which room each resident is in, each minute: stays drawn by time of day and room kind."""
    design, rng = world.design, world.rng
    areas = design.areas
    n_areas = len(areas)
    count = len(design.residents)
    room = np.full((count, world.minutes), -1, dtype=np.int16)
    occupied = np.zeros((max(n_areas, 1), world.minutes), dtype=bool)
    if n_areas == 0 or count == 0:
        world.room, world.occupied = room, occupied[:n_areas]  # nobody in any room
        return
    kinds = [a.kind for a in areas]
    outdoor = np.array([k in OUTDOOR_KINDS for k in kinds])
    weights = np.array([_ROOM_WEIGHTS.get(k, (0.0, 0.05, 0.1, 0.05, 0.0)) for k in kinds])
    weights *= rng.uniform(0.6, 1.4, weights.shape)  # every household uses rooms differently
    stay = np.array([_STAY_MINUTES.get(k, 20.0) for k in kinds])
    bedrooms = [i for i, k in enumerate(kinds) if k in ("bedroom", "studio_room", "loft")] or \
        [i for i in range(n_areas) if not outdoor[i]] or [0]
    kids_rooms = [i for i, k in enumerate(kinds) if k == "kids_room"]
    bathrooms = [i for i, k in enumerate(kinds) if k in ("bathroom", "toilet")]
    transit = [i for i, k in enumerate(kinds) if k in _TRANSIT_KINDS]
    offices = [i for i, k in enumerate(kinds) if k == "office"]
    part = _part_of_day(world.hour)
    warm_light = (world.outdoor > 16.0) & (world.elevation > 5.0)

    for r, person in enumerate(design.residents):
        child = r >= 2 and kids_rooms
        own_bed = kids_rooms[r % len(kids_rooms)] if child else bedrooms[min(r, 1) %
                                                                         len(bedrooms)]
        person_weights = weights.copy()
        if person.works_from_home and offices:
            person_weights[offices, 2] += 6.0
        if child:
            person_weights[own_bed] += 1.5
        track = room[r]
        track[world.asleep[r]] = own_bed
        awake_home = world.home[r] & ~world.asleep[r]
        starts, ends = runs(awake_home)
        draws = iter(cast("list[float]", rng.random(world.minutes // 2 + 64).tolist()))
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            t = s
            last = -1
            while t < e:
                w = person_weights[:, part[t]].copy()
                if not warm_light[t]:
                    w[outdoor] = 0.0
                if last >= 0:
                    w[last] *= 0.2
                total = w.sum()
                if total <= 0:
                    choice = own_bed
                else:
                    choice = int(np.searchsorted(np.cumsum(w), next(draws, 0.5) * total))
                    choice = min(choice, n_areas - 1)
                if transit and last >= 0 and next(draws, 0.5) < 0.5 and t + 1 < e:
                    track[t] = transit[int(next(draws, 0.0) * len(transit)) % len(transit)]
                    t += 1
                duration = max(1, int(-stay[choice] * math.log(max(next(draws, 0.5), 1e-9))))
                track[t: min(t + duration, e)] = choice
                last = choice
                t += duration
        # A night-time trip to the bathroom now and then.
        if bathrooms:
            sleep_starts, sleep_ends = runs(world.asleep[r])
            for s, e in zip(sleep_starts.tolist(), sleep_ends.tolist(), strict=True):
                if e - s > 120 and rng.random() < 0.35:
                    at = int(rng.integers(s + 60, e - 30))
                    track[at: at + int(rng.integers(3, 9))] = bathrooms[0]
        # Occupied: awake at home, or up at night (out of bed).
        up = (world.home[r] & ~world.asleep[r]) | (world.asleep[r] & (track != own_bed))
        idx = np.flatnonzero(up & (track >= 0))
        occupied[track[idx], idx] = True
    world.room, world.occupied = room, occupied
