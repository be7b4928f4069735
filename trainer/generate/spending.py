"""``--max-cost``: a run of the OpenAI backend that never spends more than the user allowed.

Dollars are known only after a reply (the API reports its tokens), but a request must be judged
before it is sent. So each request first *reserves* its worst case -- the estimated prompt and
the whole reply allowance (``max_completion_tokens``), at the assumed prices or ``--price`` --
and is sent only if what was spent plus what is reserved stays within the cap. When the reply
comes the reservation becomes the reported tokens (a typical reply uses a fifth of the
allowance), so the cap is kept with room to spare, as long as the character-based prompt
estimate is not off by more than the unused allowance. An error the server answered generated
nothing and frees its reservation; a timeout or a dropped connection may still have been
generated and billed, so its reservation is kept as spent.

A request that does not fit while others are in flight waits for them to answer: their holds
shrink to what they cost, and the cap is used nearly to the end, instead of leaving
``--concurrency`` holds of it (about $0.04 with gpt-4o-mini) unused. A request that does not fit
with none in flight never will: no further home is begun, homes already begun finish (a retry or
a repair request is still sent if it fits) and are written, and the command ends with exit code
7, naming the homes not designed. Each run has a budget of its own, so running the same command
again designs just those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from .openai_cost import RequestPlan, cost_usd, price_per_million


class CapReached(Exception):
    """A request's worst case does not fit under ``--max-cost``, so it was not sent."""

    exit_code = 7


@dataclass(frozen=True, slots=True)
class Reservation:
    """What one request holds of the cap until it answers."""

    dollars: float


class SpendingCap:
    """The money side of a run: spent, reserved, and whether the next request fits.

    Tokens are priced at ``price`` (``--price``) or else the model's assumed price.
    ``limit_usd=None`` keeps no cap; a model without a price then counts as free. The backend is
    single-threaded asyncio, so no lock is needed: only ``reserve`` awaits.
    """

    def __init__(self, limit_usd: float | None, model: str,
                 price: tuple[float, float] | None = None) -> None:
        self._price = price_per_million(model, price)
        if limit_usd is not None and self._price is None:
            raise ValueError(f"no price is assumed for {model!r}")
        self.limit_usd = limit_usd
        self._model = model
        self.spent_usd = 0.0
        self.reserved_usd = 0.0
        self._in_flight = 0
        #: Set, and replaced, whenever a hold is released: wakes the requests waiting to fit.
        self._released = asyncio.Event()
        #: Set by the first request that did not fit; no new home is begun after it.
        self.reached = False
        #: What that request would have held: tells a user how far off a small cap is.
        self.refused_usd = 0.0

    def dollars(self, prompt_tokens: float, completion_tokens: float) -> float:
        """Dollars for these tokens at the run's price (none: free, and then uncapped)."""
        return cost_usd(self._model, prompt_tokens, completion_tokens, self._price) or 0.0

    async def reserve(self, prompt_tokens: float, completion_tokens: float, *,
                      new_home: bool = True) -> Reservation:
        """Hold a request's worst case once it fits; raise :class:`CapReached` if it never will.

        Once the cap is reached no new home is begun; but a home already begun may still send
        its retry or repair request if that fits, so it finishes instead of wasting what its
        first reply cost.
        """
        hold = Reservation(self.dollars(prompt_tokens, completion_tokens))
        while True:
            if self.reached and new_home:
                raise CapReached
            if self._take(hold):
                return hold
            if self._in_flight == 0:  # nothing will come back: what is left is all there is
                if not self.reached:
                    self.reached, self.refused_usd = True, hold.dollars
                raise CapReached
            await self._released.wait()

    def _take(self, hold: Reservation) -> bool:
        """Reserve ``hold`` if it fits beside what was spent and what is held."""
        if (self.limit_usd is not None
                and self.spent_usd + self.reserved_usd + hold.dollars > self.limit_usd):
            return False
        self.reserved_usd += hold.dollars
        self._in_flight += 1
        return True

    def settle(self, hold: Reservation, prompt_tokens: int, completion_tokens: int) -> None:
        """The request answered: spend the tokens the API reported instead of the hold.

        A reply can cost more than its hold only if the server did not keep to the reply
        allowance (Ollama ignores ``max_completion_tokens``). Should what was spent pass the
        cap, no new home is begun, as if the next request had not fitted; what the others in
        flight hold may still come back unspent, so it does not count here.
        """
        self._release(hold)
        self.spent_usd += self.dollars(prompt_tokens, completion_tokens)
        if self.limit_usd is not None and self.spent_usd > self.limit_usd:
            self.reached = True

    def free(self, hold: Reservation) -> None:
        """The server answered with an error: nothing was generated, nothing is spent."""
        self._release(hold)

    def keep(self, hold: Reservation) -> None:
        """Count the whole hold spent: the tokens are not known.

        No answer came (a timeout, a dropped connection, Ctrl-C), yet it may still be billed; or
        the answer did not report its tokens.
        """
        self._release(hold)
        self.spent_usd += hold.dollars

    def _release(self, hold: Reservation) -> None:
        # max(): float sums need not come back to exactly zero.
        self.reserved_usd = max(0.0, self.reserved_usd - hold.dollars)
        self._in_flight -= 1
        self._released.set()
        self._released = asyncio.Event()


def homes_within(limit_usd: float, model: str, plans: Sequence[RequestPlan],
                 allowance: int, price: tuple[float, float] | None = None) -> int:
    """How many planned homes a capped run designs, if the estimates hold.

    For ``--dry-run``: the plan's requests one at a time through the same hold-then-settle rule.
    A real run with several requests in flight ends alike, because a request that does not fit
    waits for those in flight to settle before it gives up.
    """
    cap = SpendingCap(limit_usd, model, price)
    for done, plan in enumerate(plans):
        hold = Reservation(cap.dollars(plan.prompt_tokens, allowance))
        if not cap._take(hold):  # the rule itself, without the waiting
            return done
        cap.settle(hold, plan.prompt_tokens, plan.completion_tokens)
    return len(plans)
