"""A client-side requests-per-minute and tokens-per-minute limiter for asyncio.

Staying under the account's limits is cheaper than being told off by 429s: each refused request
costs a round trip and a backoff. Two token buckets refill continuously at ``limit / 60`` per
second. A bucket holds at most ten seconds' worth, because OpenAI enforces its per-minute limits
over shorter windows and a full minute's burst at start-up would be refused. A request larger
than the bucket may still go once the bucket is full; the bucket then runs into debt that later
requests wait out, so the long-run rate still holds. Callers are served first come, first served.

The clock and the sleep are injectable so tests run instantly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Final

_BURST_SECONDS: Final = 10.0


class _Bucket:
    def __init__(self, per_minute: float, now: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = self.rate * _BURST_SECONDS
        self.level = self.capacity
        self.updated = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` (or a full bucket, for oversized amounts) is available."""
        need = min(amount, self.capacity) - self.level
        return max(0.0, need / self.rate)


class RateLimiter:
    """Waits until a request of ``tokens`` fits both the RPM and the TPM budget."""

    def __init__(self, rpm: float, tpm: float, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if rpm <= 0 or tpm <= 0:
            raise ValueError("rpm and tpm must be positive")
        self._clock = clock
        self._sleep = sleep
        now = clock()
        self._requests = _Bucket(rpm, now)
        self._tokens = _Bucket(tpm, now)
        self._lock = asyncio.Lock()
        #: Seconds spent waiting for the budget, for the progress display and the tests.
        self.waited = 0.0

    async def acquire(self, tokens: float) -> None:
        """Take one request and ``tokens`` tokens from the budget, waiting as needed."""
        async with self._lock:
            while True:
                now = self._clock()
                self._requests.refill(now)
                self._tokens.refill(now)
                delay = max(self._requests.wait_for(1.0), self._tokens.wait_for(tokens))
                if delay <= 1e-6:  # float rounding must not spin the loop
                    self._requests.level -= 1.0
                    self._tokens.level -= tokens
                    return
                self.waited += delay
                await self._sleep(delay)
