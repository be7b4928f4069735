"""Which OpenAI errors are worth retrying, how long to wait, and which must stop the run.

The original pipeline retried a 429 ``insufficient_quota`` -- an empty account -- for hours. Here
the decision is read from the SDK's own exception classes and their structured ``code``/``type``
(never from a string search of a message), and there is exactly one retry layer: the SDK's own
retries are off (``max_retries=0``) and tenacity does the rest, honouring the server's
``retry-after`` and rate-limit reset headers.

=========================================  ==========  ============================================
error                                      retried?    outcome
=========================================  ==========  ============================================
429 ``insufficient_quota``,               never       :class:`QuotaExhausted`, exit 3
``billing_not_active``
401 / 403                                  never       :class:`AuthFailed`, exit 4
400 / 404 / 422 (bad request, model)       never       :class:`RequestRejected`, exit 5
429 other codes, 408, 409, 5xx, timeout,   yes         after the attempts or the time run out:
connection error                                       :class:`APIUnavailable`, exit 6
=========================================  ==========  ============================================
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final
from urllib.parse import urlsplit

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from ..container import in_container
from .openai_settings import REPLY_TOKENS_FLAGS, shown_url

BILLING_URL: Final = "https://platform.openai.com/account/billing"
#: An empty account, and one with no billing set up (OpenAI's 429 to a new account that has
#: not paid: "Your account is not active, please check your billing details").
_QUOTA_CODES: Final = frozenset({"insufficient_quota", "billing_not_active"})
_RETRY_STATUS: Final = frozenset({408, 409, 429})
_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


class OpenAIStop(Exception):
    """An API answer after which no further request can succeed: the whole run stops.

    ``exit_code`` is the process exit code; the message is one line for the user.
    """

    exit_code = 1


class QuotaExhausted(OpenAIStop):
    """429 ``insufficient_quota`` or ``billing_not_active``: no credit, or no billing."""

    exit_code = 3


class AuthFailed(OpenAIStop):
    """401 or 403: the key is wrong, revoked, or has no access to the model."""

    exit_code = 4


class RequestRejected(OpenAIStop):
    """400, 404, 422: the request itself is wrong (unknown model, unsupported parameter)."""

    exit_code = 5


class APIUnavailable(OpenAIStop):
    """Transient errors that did not clear within the attempts and time allowed."""

    exit_code = 6


def is_quota_error(err: BaseException) -> bool:
    """Tell a 429 whose structured error code (or type) says the quota is exhausted."""
    return isinstance(err, openai.RateLimitError) and (
        err.code in _QUOTA_CODES or err.type in _QUOTA_CODES)


#: Words of a refusal that is about the reply allowance: the model's own output limit, a local
#: server's context length, or a request larger than the account's tokens per minute.
_ALLOWANCE_WORDS: Final = ("max_tokens", "max_completion_tokens", "context length",
                           "request too large")


#: Codes of a 400 refusing a parameter as such, not its value.
_PARAMETER_CODES: Final = frozenset({"invalid_parameter_combination", "unsupported_parameter"})


def refuses_older_limit(err: BaseException) -> bool:
    """Tell a 400 refusing ``max_tokens`` itself, not the allowance it gives.

    OpenAI's answer to it beside ``max_completion_tokens`` ("Setting 'max_tokens' and
    'max_completion_tokens' at the same time is not supported"), or to it on a reasoning
    model. A server on this network gets both names (``older_reply_limit``), and a proxy
    there (LiteLLM, one-api) passes them on to OpenAI. By its code, not its parameter: a value
    above the model's limit is refused naming ``max_tokens`` too, and dropping the name would
    leave a server that reads only it (Ollama) with no limit.
    """
    if not isinstance(err, openai.BadRequestError) or err.code not in _PARAMETER_CODES:
        return False
    if err.param:  # "max_completion_tokens" unsupported, "use 'max_tokens' instead": not this
        return err.param == "max_tokens"
    return "max_tokens" in str(_server_message(err) or err.message).lower()


def is_allowance_error(err: BaseException) -> bool:
    """Tell a 400, 422 or 429 refusing the request for its reply allowance (--max-reply-tokens).

    OpenAI counts the whole allowance against the tokens-per-minute limit, and answers a
    request above it with a 429 "Request too large" that no retry can pass; a model refuses an
    allowance above its own output limit (gpt-4o-mini's is 16,384 tokens) with a 400.
    """
    if not isinstance(err, openai.BadRequestError | openai.UnprocessableEntityError
                      | openai.RateLimitError) or is_quota_error(err) or refuses_older_limit(err):
        return False
    text = " ".join(str(_server_message(err) or err.message).split()).lower()
    return any(word in text for word in _ALLOWANCE_WORDS)


def is_transient(err: BaseException) -> bool:
    """Worth another try: rate limits, timeouts, dropped connections, server errors."""
    if is_quota_error(err) or is_allowance_error(err):
        return False
    if isinstance(err, openai.APIConnectionError):  # APITimeoutError is one
        return True
    if isinstance(err, openai.APIStatusError):
        return err.status_code in _RETRY_STATUS or err.status_code >= 500
    return False


def describe(err: BaseException) -> str:
    """Describe an API error in one short line: status, code and the server's message."""
    if isinstance(err, openai.APIStatusError):
        code = f" {err.code}" if err.code else ""
        text = " ".join(str(_server_message(err) or err.message).split())
        return f"HTTP {err.status_code}{code}: {text[:200]}"
    if isinstance(err, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(err, openai.APIConnectionError):
        cause = err.__cause__
        return f"connection error ({' '.join(str(cause).split())[:120]})" if cause else \
            "connection error"
    return " ".join(str(err).split())[:200]


def _server_message(err: openai.APIStatusError) -> object:
    """The server's own words: OpenAI's ``error.message``, or what a compatible server sends.

    Ollama says ``{"error": "model 'llama3' not found, try pulling it first"}``, a proxy
    ``Bad Gateway`` in plain text; the SDK's message for either is only "Error code: …".
    """
    if isinstance(err.body, dict):
        return err.body.get("message")
    if isinstance(err.body, str):
        return err.body
    if err.response.headers.get("content-type", "").startswith("text/plain"):
        return err.response.text
    return None


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _names_the_container(base_url: str) -> bool:
    """In the trainer's image, ``localhost`` (or a loopback address) is the container itself."""
    return in_container() and _is_local(urlsplit(base_url).hostname or "")


#: The transport's errors for a connection never made. The SDK raises them from httpx (openai
#: 1.x) or from httpx2 (later releases), whose classes have the same names.
_NOT_CONNECTED: Final = frozenset({"ConnectError", "ConnectTimeout"})
_TRANSPORTS: Final = frozenset({"httpx", "httpx2"})


def never_sent(err: BaseException) -> bool:
    """Whether a request that failed never reached the server: nothing was generated or billed.

    A connection refused, a host not found, a connection (or its TLS) not made in time: the
    request's bytes never left. Any other connection error (a read timed out, a connection
    dropped mid-reply) may have reached the server, which may have generated and billed it.
    """
    cause = err.__cause__
    return isinstance(err, openai.APIConnectionError) and cause is not None and any(
        kind.__name__ in _NOT_CONNECTED and kind.__module__.split(".")[0] in _TRANSPORTS
        for kind in type(cause).__mro__)


def refused_in_container(err: BaseException, base_url: str) -> bool:
    """A connection to localhost refused inside the trainer's container: no retry can help.

    Nothing but the trainer runs in its image, so a server named ``localhost`` there is not
    busy but absent (a user's server is at host.docker.internal): stopping at once says so
    instead of after minutes of retries. A timeout is left to the retries, as elsewhere.
    """
    return (isinstance(err, openai.APIConnectionError)
            and not isinstance(err, openai.APITimeoutError) and _names_the_container(base_url))


def give_up_advice(err: BaseException, base_url: str) -> str:
    """What to do when transient errors outlasted every attempt.

    A server that cannot be reached at all is rarely busy: more often OPENAI_BASE_URL names the
    wrong port, or -- in the trainer container -- ``localhost``, which is then the container.
    """
    if isinstance(err, openai.APITimeoutError):  # a busy server, or one slower than --timeout
        return ("try again later, or give a slow server more time with --timeout (pipeline: "
                "--openai-timeout)")
    if not isinstance(err, openai.APIConnectionError):
        return "try again later"
    advice = (f"check that the server at {shown_url(base_url).rstrip('/')} is running and "
              "reachable (OPENAI_BASE_URL), or try again later")
    if _names_the_container(base_url):
        parts = urlsplit(base_url)
        port = f":{parts.port}" if parts.port else ""
        advice += (f"; in the trainer container, {parts.hostname} is the container itself: a "
                   f"server on your machine is http://host.docker.internal{port}"
                   f"{parts.path.rstrip('/')}")
    return advice


def stop_for(err: BaseException, model: str) -> OpenAIStop | None:
    """Return the run-stopping error an API error stands for, or None if it is not one.

    How many homes the run wrote is the command's to add: it counts them on disk, including a
    write that finished while the run was being cancelled.
    """
    if is_quota_error(err):
        return QuotaExhausted(
            f"OpenAI quota exhausted ({describe(err)}). Nothing was retried: the account has no "
            f"credit left, no active billing, or reached its budget. Add credit or raise the "
            f"limit at {BILLING_URL}, "
            "then run the same command again (homes already written are kept and skipped).")
    if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
        return AuthFailed(
            f"OpenAI refused the API key ({describe(err)}). Check OPENAI_API_KEY (and "
            f"OPENAI_BASE_URL if you use another server) and that the key's project may use "
            f"model {model!r}.")
    if is_allowance_error(err):
        return RequestRejected(
            f"OpenAI rejected the request for its reply allowance ({describe(err)}). Lower "
            f"{REPLY_TOKENS_FLAGS} below the model's output limit, the server's context length "
            "less the prompt, and your tokens-per-minute limit less the prompt.")
    if isinstance(err, openai.BadRequestError | openai.NotFoundError
                  | openai.UnprocessableEntityError):
        # A wrong address answers 404 too (OPENAI_BASE_URL without its /v1, say).
        address = (" Or the address: OPENAI_BASE_URL must be the API's, which usually ends in "
                   "/v1." if isinstance(err, openai.NotFoundError) else "")
        return RequestRejected(
            f"OpenAI rejected the request ({describe(err)}). Check the model {model!r} "
            "(generate --model; pipeline --openai-model): it must exist for your account and "
            f"support structured outputs (json_schema).{address}")
    if isinstance(err, openai.APIStatusError) and not is_transient(err):
        return RequestRejected(f"OpenAI answered {describe(err)}; the run cannot go on.")
    return None


def parse_duration(text: str) -> float | None:
    """Seconds in an OpenAI reset header: ``"1s"``, ``"6m0s"``, ``"20ms"``, ``"1h2m3.5s"``."""
    text = text.strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        try:
            return max(0.0, float(text))  # a bare number of seconds
        except ValueError:
            return None
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(number) * scale[unit] for number, unit in parts)


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None, *,
                        rate_limited: bool = True) -> float | None:
    """How long the server asks us to wait, from the headers of a 429 or 5xx; None: no hint.

    ``retry-after-ms`` (OpenAI's, most precise) wins, then ``retry-after`` (seconds or an HTTP
    date), then, for a 429 (``rate_limited``), the reset time of the exhausted limit:
    ``x-ratelimit-reset-requests`` when no requests remain (``-remaining-requests`` 0 or below),
    ``-tokens`` when no tokens remain, the later of those whose remaining header is missing when
    none says it is exhausted. A limit with room left is no reason to wait for its reset, and
    the reset headers of any other answer (a 5xx) describe limits it did not hit.
    """
    lower = {key.lower(): value for key, value in headers.items()}
    if (value := lower.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    if (value := lower.get("retry-after")) is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                when = when if when.tzinfo else when.replace(tzinfo=UTC)
                return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    if not rate_limited:
        return None
    exhausted, unsaid = [], []
    for limit in ("requests", "tokens"):
        reset = lower.get(f"x-ratelimit-reset-{limit}")
        seconds = parse_duration(reset) if reset is not None else None
        if seconds is None:
            continue
        try:
            remaining: float | None = float(lower[f"x-ratelimit-remaining-{limit}"])
        except (KeyError, ValueError):
            remaining = None
        if remaining is None:
            unsaid.append(seconds)
        elif remaining <= 0:  # Azure sends -1
            exhausted.append(seconds)
    chosen = exhausted or unsaid
    return max(chosen) if chosen else None


def server_hint(err: BaseException | None) -> float | None:
    """Return the wait the server asked for in the error's response, if any.

    A wait of 0 (``retry-after: 0``, a reset of ``0s``) is no hint: taken, every attempt
    fired at once and the request failed within a second.
    """
    if isinstance(err, openai.APIStatusError):
        hint = retry_after_seconds(err.response.headers,
                                   rate_limited=err.status_code == 429)
        return hint if hint is not None and hint > 0 else None
    return None


class HintedWait:
    """Tenacity wait: the server's hint (plus up to 10 % jitter) or exponential backoff.

    The jitter spreads out requests that were all told to come back at the same moment; it only
    ever lengthens the wait the server asked for.
    """

    def __init__(self, initial: float = 1.0, maximum: float = 30.0,
                 rng: random.Random | None = None) -> None:
        self._backoff = wait_exponential_jitter(initial=initial, max=maximum, jitter=initial)
        self._rng = rng or random.Random()

    def __call__(self, state: RetryCallState) -> float:
        """Seconds to wait before the next attempt."""
        err = state.outcome.exception() if state.outcome else None
        hint = server_hint(err)
        if hint is not None:
            return hint * (1.0 + 0.1 * self._rng.random())
        return float(self._backoff(state))


class _OverBudget(stop_base):
    """Tenacity stop: give up before a wait that would overrun the time budget.

    Like tenacity's ``stop_before_delay``, less the seconds ``queued()`` reports: time spent
    waiting in our own rate limiter is not the API failing. Counted, a low ``--tpm`` with many
    homes in flight used up the budget after two attempts and called the API unavailable.
    """

    def __init__(self, max_seconds: float, queued: Callable[[], float]) -> None:
        self._max_seconds = max_seconds
        self._queued = queued

    def __call__(self, retry_state: RetryCallState) -> bool:
        """Whether the next wait would end past the budget."""
        spent = (retry_state.seconds_since_start or 0.0) - self._queued()
        return spent + retry_state.upcoming_sleep >= self._max_seconds


def retrying(
    *,
    max_attempts: int,
    max_seconds: float,
    sleep: Callable[[float], Awaitable[None]],
    on_retry: Callable[[int, float, BaseException], None],
    queued: Callable[[], float],
    base_url: str = "",
) -> AsyncRetrying:
    """Build the one retry layer: transient errors only, bounded attempts and total time.

    The time budget is checked *before* a wait that would overrun it (a reset header of several
    minutes), so the run ends promptly with a clear error instead. ``queued`` reports the seconds
    the attempts spent in the client-side rate limiter, which the budget leaves out.
    ``base_url``: the server's address, to stop at once where no retry can reach it.
    """

    def before_sleep(state: RetryCallState) -> None:
        err = state.outcome.exception() if state.outcome else None
        if err is not None:
            on_retry(state.attempt_number, state.upcoming_sleep, err)

    return AsyncRetrying(
        stop=stop_after_attempt(max_attempts) | _OverBudget(max_seconds, queued),
        wait=HintedWait(),
        retry=retry_if_exception(
            lambda err: is_transient(err) and not refused_in_container(err, base_url)),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
