"""Random streams of their own, derived from a home's, for habits that must not move its draws.

A home's generator draws its rooms, devices and residents in one sequence. A habit drawn from
that sequence (how the owner names devices, which kinds of device they keep) would shift every
later draw, and the home would become another home. Drawn from a stream derived from the
home's seed instead, the habit itself moves none of the home's draws; what it then changes
(a device left out) may still move those that follow.
"""

from __future__ import annotations

from typing import Final

import numpy as np

#: The streams' places among a home's streams. Never reuse a number: it would tie two habits.
NAMING_STREAM: Final = 6
OWNED_KINDS_STREAM: Final = 7
REGISTRY_HABITS_STREAM: Final = 8


def side_stream(home: np.random.Generator, stream: int) -> np.random.Generator:
    """A generator seeded from ``home``'s seed and ``stream``, whatever ``home`` has drawn."""
    seeds = home.bit_generator.seed_seq
    spawn_key = getattr(seeds, "spawn_key", ())
    return np.random.default_rng(np.random.SeedSequence(
        getattr(seeds, "entropy", None), spawn_key=(*spawn_key, stream)))
