"""Settings of the OpenAI backend, importable without the ``openai`` SDK.

The command line builds its options from these defaults; keeping them apart from the backend
means ``python -m trainer`` does not pay for importing the SDK unless ``--backend openai`` runs.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

#: The model that designs homes unless --model says otherwise (named apart from the
#: classifier's model bundle, which the trainer also calls a model).
DEFAULT_LLM_MODEL: Final = "gpt-4o-mini"

#: Where requests go when OPENAI_BASE_URL is unset or empty. Spelled out here because the SDK,
#: given no base URL, reads OPENAI_BASE_URL itself and keeps an empty value as the URL.
DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"


#: Ids the SDK reads from the environment and sends as headers (OpenAI-Organization,
#: OpenAI-Project); the client is given them stripped (:func:`id_from_environment`).
ID_VARIABLES: Final = ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


def base_url_from_environment() -> str:
    """Return OPENAI_BASE_URL, or the real API's address when it is unset or empty.

    One reading for the client and the dry run, so the plan names the server the requests go to.
    Stripped, as the key is: a value read from a CRLF .env file ends in a carriage return, which
    the SDK's HTTP client refused with a traceback.
    """
    return os.environ.get("OPENAI_BASE_URL", "").strip() or DEFAULT_BASE_URL


def header_safe(value: str) -> bool:
    """Whether a value can go into an HTTP header as it is: printable ASCII, no space.

    The key and the ids are sent so; anything else failed as a traceback or as retried
    connection errors.
    """
    return all("!" <= char <= "~" for char in value)


def id_from_environment(name: str) -> str | None:
    """Return OPENAI_ORG_ID or OPENAI_PROJECT_ID stripped, or None when unset or blank."""
    return os.environ.get(name, "").strip() or None


def id_problem() -> str | None:
    """Say which of :data:`ID_VARIABLES` cannot be sent as a header, or return None.

    A non-ASCII character ended the run with a traceback, and a space or a control character
    was retried six times as a connection error that advised checking the server. Not echoed.
    """
    for name in ID_VARIABLES:
        value = id_from_environment(name)
        if value is not None and not header_safe(value):
            return (f"{name} is not an id: it holds a space, a control character or a non-ASCII "
                    "character; set it to the id itself, or unset it")
    return None


def shown_url(url: str) -> str:
    """The URL as messages show it: a password in it is replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


def base_url_problem(url: str) -> str | None:
    """Say why ``url`` (OPENAI_BASE_URL) is no server's address, or return None.

    The SDK takes any text and fails at the first request, as a connection error that the
    backend retried for a minute before it named the address to check. Not echoed: a URL may
    carry a password.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is no number, or out of range
    except ValueError:  # also an unclosed [ of an IPv6 address
        pass
    else:
        # A space or a control character inside: the HTTP client refuses it, or sends it.
        if (parts.scheme in ("http", "https") and parts.hostname
                and all(char.isprintable() and not char.isspace() for char in url)):
            return None
    return ("OPENAI_BASE_URL is not a server's address: give it with http:// or https:// and "
            "a host, and no space or control character (e.g. http://localhost:11434/v1 for a "
            "local server), or unset it for OpenAI's own API")


def parse_price(text: str) -> tuple[float, float]:
    """Read ``--price INPUT,OUTPUT``: USD per million prompt and completion tokens.

    For a model without an assumed price (or to correct one), so that ``--dry-run``, the summary
    and ``--max-cost`` can count dollars. 0 is allowed: a local server costs nothing. Raises
    ValueError with the one line to show.
    """
    parts = text.split(",")
    try:
        price = tuple(float(part) for part in parts)
    except ValueError:
        price = ()
    if len(price) == 2 and all(math.isfinite(p) and p >= 0 for p in price):
        return price[0], price[1]
    raise ValueError("--price must be two dollar amounts per million tokens, INPUT,OUTPUT, each "
                     f"0 or more (e.g. --price 0.25,2.00), not {text!r}")


def _not_positive(flag: str, value: float, unit: str) -> str | None:
    """Say why ``value`` is no positive amount of ``unit`` (zero, negative, nan, inf), or None."""
    if math.isfinite(value) and value > 0:
        return None
    return f"{flag} must be a positive number of {unit}, not {value:g}"


def max_cost_problem(max_cost: float) -> str | None:
    """Say why ``--max-cost`` cannot be a cap, or return None."""
    return _not_positive("--max-cost", max_cost, "dollars")


#: The reply allowance's flag as generate and the pipeline name it, for the advice to change it.
REPLY_TOKENS_FLAGS: Final = "--max-reply-tokens (pipeline: --openai-max-reply-tokens)"

#: The least reply allowance taken: the largest designs run to ~3,750 tokens, the smallest ~400,
#: so less would pay for replies cut off.
MIN_REPLY_TOKENS: Final = 1_000


def reply_tokens_problem(tokens: int, flag: str = "--max-reply-tokens") -> str | None:
    """Say why ``flag`` (``--max-reply-tokens``, or the pipeline's) cannot be an allowance."""
    if tokens >= MIN_REPLY_TOKENS:
        return None
    return (f"{flag} must be at least {MIN_REPLY_TOKENS:,} tokens (a home's design takes up "
            f"to ~3,750), not {tokens:,}")


def timeout_problem(timeout: float, flag: str = "--timeout") -> str | None:
    """Say why ``flag`` (``--timeout``, or the pipeline's) cannot be a time to wait, or None."""
    return _not_positive(flag, timeout, "seconds")


def default_timeout(max_reply_tokens: int) -> float:
    """The wait for a reply when ``--timeout`` is not given: 120 s per 8,000 tokens of allowance.

    A server sends its reply once it is whole, and a reasoning model thinks before it writes:
    a reply that uses a larger allowance is silent for longer. Cut off at a fixed 120 s, it was
    sent again, and an attempt cut off may still have been generated and billed. 120 s for the
    default 8,000 tokens is some 67 tokens a second; a larger allowance keeps that pace (32,000
    tokens: 480 s), a smaller one keeps the 120 s.
    """
    return OpenAISettings.timeout * max(1.0, max_reply_tokens
                                        / OpenAISettings.max_completion_tokens)


def retry_seconds(timeout: float) -> float:
    """The time after which a request starts no new attempt: 300 s, or 2.5 timeouts if longer.

    An attempt started before it may still run its whole timeout. A slow local server given a
    long ``--timeout`` thus still gets a second attempt: with the 300 s alone, one attempt
    timing out after 600 s would have spent the whole budget.
    """
    return max(OpenAISettings.max_retry_seconds, 2.5 * timeout)


@dataclass(frozen=True)
class OpenAISettings:
    """How the backend talks to the API. The defaults suit a low-tier (tier 1) account."""

    model: str = DEFAULT_LLM_MODEL
    concurrency: int = 8
    rpm: int = 60
    tpm: int = 100_000
    #: --max-reply-tokens: room for the largest designs (~3,750 tokens) with a margin; also
    #: what the TPM budget and --max-cost hold for each request. A reasoning model's thinking
    #: counts against it too.
    max_completion_tokens: int = 8_000
    #: --timeout: seconds the SDK waits for the server (to connect, and between the bytes of a
    #: reply, which a server sends once its whole reply is ready); when not given, this for the
    #: default reply allowance, longer for a larger one (:func:`default_timeout`).
    timeout: float = 120.0
    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    #: --max-cost: dollars the run may spend at the assumed prices; None, no cap.
    max_cost_usd: float | None = None
    #: --price: USD per million (input, output) tokens, in place of the model's assumed price
    #: (``openai_cost.PRICES_PER_MILLION``); None, the assumed price, if there is one.
    price: tuple[float, float] | None = None
