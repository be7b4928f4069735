"""The world outside a simulated home: sun position and outdoor temperature over time.

Lights follow darkness and heating follows the weather, so the simulator needs both per minute
for the home's latitude, longitude and season. The formulas are the standard low-precision solar
ones (declination, equation of time, hour angle): a minute or two off, which no feature can see.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

_DEG = np.pi / 180.0


def solar_elevation(timestamps: NDArray[Any], latitude: float, longitude: float) -> NDArray[Any]:
    """Sun elevation in degrees above the horizon at each UTC epoch second."""
    ts = np.asarray(timestamps, dtype=np.float64)
    days = ts / 86400.0
    day_of_year = np.mod(days - 10957.5, 365.2422)  # days since J2000, folded into a year
    gamma = 2.0 * np.pi * day_of_year / 365.2422
    declination = (
        0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma) + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma)
    )
    equation_of_time = 229.18 * (
        0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma)
    )
    utc_minutes = np.mod(ts, 86400.0) / 60.0
    solar_minutes = utc_minutes + equation_of_time + 4.0 * longitude
    hour_angle = (solar_minutes / 4.0 - 180.0) * _DEG
    lat = latitude * _DEG
    sin_elevation = (np.sin(lat) * np.sin(declination)
                     + np.cos(lat) * np.cos(declination) * np.cos(hour_angle))
    return np.asarray(np.degrees(np.arcsin(np.clip(sin_elevation, -1.0, 1.0))), dtype=float)


def outdoor_temperature(
    timestamps: NDArray[Any],
    local_hours: NDArray[Any],
    latitude: float,
    rng: np.random.Generator,
) -> NDArray[Any]:
    """Outdoor °C per time: a seasonal swing by latitude, a daily swing, and passing weather."""
    ts = np.asarray(timestamps, dtype=np.float64)
    abs_lat = abs(latitude)
    mean = 27.0 - 0.42 * abs_lat          # ~17 °C at 24°, ~6 °C at 50°
    season_amp = 4.0 + 0.22 * abs_lat     # small swing near the tropics, large inland north
    day_of_year = np.mod(ts / 86400.0 - 10957.5, 365.2422)
    # Warmest around 20 July in the north, 20 January in the south.
    phase = 201.0 if latitude >= 0 else 18.0
    seasonal = mean + season_amp * np.cos(2 * np.pi * (day_of_year - phase) / 365.2422)
    daily = 4.5 * np.cos(2 * np.pi * (local_hours - 15.0) / 24.0)
    # Weather: a slow random walk of daily anomalies, interpolated to every time.
    n_days = int(np.ceil((ts[-1] - ts[0]) / 86400.0)) + 2 if ts.size else 2
    anomaly = np.zeros(n_days)
    for day in range(1, n_days):
        anomaly[day] = 0.75 * anomaly[day - 1] + rng.normal(0.0, 2.2)
    where = (ts - ts[0]) / 86400.0 if ts.size else ts
    weather = np.interp(where, np.arange(n_days), anomaly)
    return np.asarray(seasonal + daily + weather, dtype=float)
