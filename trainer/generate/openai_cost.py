"""Tokens and dollars of an OpenAI run, estimated before it starts (``--dry-run``).

No tokenizer ships with the trainer, so tokens are estimated from characters: about 4 characters
a token for English prose and 3.5 for compact JSON (keys, quotes and numbers split finely). The
reply of each home is sized by serialising the procedural design of the same home type and seed
in the reply's schema -- a home the LLM designs has the same fields and a similar number of
rooms and devices. Prices are list prices per million tokens as we know them; they are an
assumption, shown as one, and ``docs/openai.md`` says where to check them. ``--price`` replaces
them for a run: for a model not listed, or one whose price changed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

from .llm_prompt import messages
from .llm_schema import from_design, response_format
from .procedural import design_home
from .runner import HomeJob, home_rng

PROSE_CHARS_PER_TOKEN: Final = 4.0
JSON_CHARS_PER_TOKEN: Final = 3.5
_MESSAGE_OVERHEAD_TOKENS: Final = 4  # role and separators of each chat message

#: Assumed USD per million (input, output) tokens, standard tier; check openai.com/api/pricing.
PRICES_PER_MILLION: Final[dict[str, tuple[float, float]]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
}


@dataclass(frozen=True, slots=True)
class RequestPlan:
    """One planned request: the home it designs and its estimated size."""

    home_id: str
    home_type: str
    prompt_tokens: int
    completion_tokens: int


def chat_tokens(chat: Sequence[Mapping[str, str]]) -> int:
    """Estimated input tokens of a request: its messages plus the schema it carries."""
    prose = sum(len(m["content"]) for m in chat) / PROSE_CHARS_PER_TOKEN
    return round(prose + _schema_tokens()) + _MESSAGE_OVERHEAD_TOKENS * len(chat)


def prompt_tokens(job: HomeJob) -> int:
    """Estimated input tokens of a home's first request."""
    return chat_tokens(messages(job))


@cache
def _schema_tokens() -> float:
    return len(json.dumps(response_format(), separators=(",", ":"))) / JSON_CHARS_PER_TOKEN


def completion_tokens(job: HomeJob) -> int:
    """Estimated reply tokens: a procedural home of the same type and seed, as the reply JSON."""
    reply = from_design(design_home(job.home_type, home_rng(job))).model_dump_json()
    return round(len(reply) / JSON_CHARS_PER_TOKEN)


def plan_requests(jobs: Sequence[HomeJob]) -> list[RequestPlan]:
    """List the requests a run will make, one a home, with their estimated sizes."""
    return [RequestPlan(job.home_id, job.home_type, prompt_tokens(job), completion_tokens(job))
            for job in jobs]


def price_per_million(model: str,
                      price: tuple[float, float] | None = None) -> tuple[float, float] | None:
    """The price a run counts: ``--price`` when given, else the model's assumed one, else None."""
    return price if price is not None else PRICES_PER_MILLION.get(model)


def cost_usd(model: str, prompt: float, completion: float,
             price: tuple[float, float] | None = None) -> float | None:
    """Dollars for the given tokens at ``price`` (``--price``) or the model's assumed price.

    None for a model without an assumed price when no price is given.
    """
    price = price_per_million(model, price)
    if price is None:
        return None
    return (prompt * price[0] + completion * price[1]) / 1_000_000


def usd(dollars: float) -> str:
    """Dollars for a person: cents from a dime up, two significant digits below ($0.0048)."""
    if 0 < dollars < 0.1:
        dollars = float(f"{dollars:.2g}")  # first: $0.0996 is shown as a dime, not as "$0.1"
    if dollars >= 0.1 or dollars <= 0:
        return f"${dollars:.2f}"
    return f"${dollars:.{1 - math.floor(math.log10(dollars))}f}".rstrip("0")
