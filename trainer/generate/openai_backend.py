"""The OpenAI generator backend: an LLM designs each home, the procedural simulator animates it.

One structured-output request per home (not per day): the model returns a :class:`LLMHome`
under a strict JSON schema, the reply is validated again on arrival, and
:func:`~.runner.simulate_and_write` -- the procedural backend's own path -- turns it into a home
file. Requests run concurrently on ``openai.AsyncOpenAI`` behind a semaphore and a client-side
RPM/TPM limiter; transient errors are retried by one tenacity layer (``openai_retry``); a reply
that is not valid JSON or breaks the schema gets one repair request, then the home is skipped
and the run goes on; errors no retry can fix (quota, key, model) stop the run at once, keeping
every home already written. Under ``--max-cost`` each request first holds its worst case on a
:class:`~.spending.SpendingCap`; one that does not fit waits for those in flight, and one that
cannot fit ends the run gently.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, cast
from urllib.parse import urlsplit

import openai
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageParam,
)
from openai.types.shared_params import ResponseFormatJSONSchema

from .design import HomeDesign
from .llm_prompt import PROMPT_VERSION, messages, repair_messages
from .llm_schema import InvalidDesign, parse_design, response_format
from .openai_cost import chat_tokens
from .openai_retry import (
    APIUnavailable,
    OpenAIStop,
    RequestRejected,
    describe,
    give_up_advice,
    never_sent,
    refuses_older_limit,
    retrying,
    server_hint,
    stop_for,
)
from .openai_settings import (
    REPLY_TOKENS_FLAGS,
    OpenAISettings,
    base_url_from_environment,
    id_from_environment,
    shown_url,
)
from .ratelimit import RateLimiter
from .runner import HomeJob, HomeResult, home_rng, simulate_and_write
from .spending import CapReached, Reservation, SpendingCap

_LOG = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class Usage:
    """Requests and tokens, per home and for the whole run."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add_completion(self, completion: ChatCompletion) -> None:
        """Count a reply's tokens (a compatible server may not report them)."""
        if (tokens := reported_tokens(completion)) is not None:
            self.prompt_tokens += tokens[0]
            self.completion_tokens += tokens[1]

    def as_dict(self) -> dict[str, int]:
        """Plain numbers for the home's metadata."""
        return {"requests": self.requests, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens}


class Reporter(Protocol):
    """Where the backend tells what happens; the CLI draws it, tests record it."""

    def retrying(self, job: HomeJob, attempt: int, wait: float, reason: str) -> None:
        """Tell that attempt ``attempt`` failed transiently; the next comes in ``wait`` s."""

    def repairing(self, job: HomeJob, problem: str) -> None:
        """Tell that the reply could not be used; one repair request follows."""

    def skipped(self, job: HomeJob, reason: str) -> None:
        """Tell that the repaired reply failed too; the home is left out of this run."""

    def written(self, result: HomeResult, usage: Usage) -> None:
        """Tell that the home's file is on disk."""

    def finishing(self, homes: int) -> None:
        """Tell that the run stops once ``homes`` designs already received are written."""


class LogReporter(Reporter):
    """A reporter that only logs, one line an event."""

    def retrying(self, job: HomeJob, attempt: int, wait: float,  # noqa: D102
                 reason: str) -> None:
        _LOG.warning("%s: %s; retry %d in %.1f s", job.home_id, reason, attempt, wait)

    def repairing(self, job: HomeJob, problem: str) -> None:  # noqa: D102
        _LOG.warning("%s: %s; asking once for a repaired design", job.home_id, problem)

    def skipped(self, job: HomeJob, reason: str) -> None:  # noqa: D102
        _LOG.error("%s skipped: %s", job.home_id, reason)

    def written(self, result: HomeResult, usage: Usage) -> None:  # noqa: D102
        _LOG.info("%s written (%d requests)", result.home_id, usage.requests)

    def finishing(self, homes: int) -> None:  # noqa: D102
        _LOG.warning("waiting for the %s already designed to be written",
                     f"{homes} home{'' if homes == 1 else 's'}")


@dataclass(slots=True)
class RunSummary:
    """What a run did: homes written, homes skipped with their reasons, requests and tokens."""

    written: list[HomeResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    #: Homes not designed because a request of theirs did not fit under --max-cost: the
    #: first, or a begun home's retry or repair request.
    not_sent: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    retries: int = 0
    spent_usd: float = 0.0
    #: What the first request refused by --max-cost would have held of it.
    refused_usd: float = 0.0


#: What a reply stopped at the reply allowance is called (finish_reason "length").
CUT_OFF: Final = "the reply was cut off at the token limit"


class HomeSkipped(Exception):
    """The model's replies could not be used even after the repair request."""


def cut_off_reason(allowance: int) -> str:
    """Why a home whose repaired reply was cut off is skipped, and what to change."""
    return (f"{CUT_OFF}, {allowance:,} tokens, after one repair request; a reasoning model's "
            f"thinking counts against it: raise {REPLY_TOKENS_FLAGS}")


class _RunStopped(Exception):
    """Another home hit an :class:`OpenAIStop`: send nothing more."""


@dataclass(frozen=True, slots=True)
class Designed:
    """A checked design and what it cost."""

    design: HomeDesign
    language: str
    usage: Usage
    model_version: str


def make_client(settings: OpenAISettings, api_key: str | None = None,
                base_url: str | None = None) -> openai.AsyncOpenAI:
    """Make the async client; key and URL default to ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``.

    ``max_retries=0``: the SDK's own retries are off, so tenacity is the only retry layer and
    every retry is counted, logged and bounded.
    """
    # Never None: the SDK would then read OPENAI_BASE_URL itself, and keep "" as the URL.
    base_url = base_url or base_url_from_environment()
    client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                                timeout=settings.timeout)
    # Set after: given None, the SDK reads them from the environment as they are, a blank
    # value too (the "\r" of an empty line of a CRLF .env file, an illegal header).
    client.organization = id_from_environment("OPENAI_ORG_ID")
    client.project = id_from_environment("OPENAI_PROJECT_ID")
    return client


def reported_tokens(completion: ChatCompletion) -> tuple[int, int] | None:
    """The reply's prompt and completion tokens, or None when it reports no such numbers.

    A compatible server may leave ``usage`` out, or send nulls in it; the SDK does not check
    (nulls once ended the run with a traceback), and such a reply counts as one that reported
    nothing: in full against ``--max-cost``.
    """
    usage = getattr(completion, "usage", None)
    tokens = (getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
    if all(type(count) is int and count >= 0 for count in tokens):
        return cast("tuple[int, int]", tokens)
    return None


def _like_a_chat_completion(completion: ChatCompletion) -> bool:
    """Whether the reply holds what the backend reads of a chat completion.

    That is a list of choices, each with a message whose content and refusal are text or null.
    The SDK builds whatever JSON object a 200 carries into a ChatCompletion without checking
    it: another API's answer (``{"status": "ok"}``) then read as a design with no choices, and
    a choice with a null message ended the run with a traceback.
    """
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list):
        return False
    for choice in choices:
        message = getattr(choice, "message", None)
        if not isinstance(message, ChatCompletionMessage) or not all(
                isinstance(getattr(message, name, None), str | None)
                for name in ("content", "refusal")):
            return False
    return True


def _reply(completion: ChatCompletion) -> tuple[str | None, str]:
    """Return the reply's text and what is wrong with it ("" when nothing obvious is)."""
    if not completion.choices:
        return None, "the reply had no choices"
    choice = completion.choices[0]
    if choice.message.refusal:
        return None, f"the model refused: {' '.join(choice.message.refusal.split())[:200]}"
    if choice.finish_reason == "length":
        return None, f"{CUT_OFF}; make the home more concise"
    if choice.finish_reason == "content_filter":
        return None, "the reply was stopped by the server's content filter"
    return choice.message.content, ""


#: Host names of a machine or network of one's own: a local server's (Ollama's, llama.cpp's).
_LOCAL_SUFFIXES: Final = (".local", ".lan", ".internal", ".home.arpa", ".localhost")


def older_reply_limit(base_url: str, allowance: int) -> dict[str, int] | None:
    """The reply allowance by its older name, ``max_tokens``, too, for a local server.

    Ollama and llama.cpp read only that name: without it a reply had no limit, ran on to the
    timeout, and could pass ``--max-cost``. OpenAI refuses the two names together, on every
    address it answers at (its EU one, Azure's, a proxy's), and so do other hosted APIs: only
    a server on this machine or its network gets both -- an IP address of loopback, a
    private or link-local network, a name without a dot (a container's, ``ollama``) or one
    such networks use (``host.docker.internal``, ``nas.local``).
    """
    host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        local = "." not in host or host.endswith(_LOCAL_SUFFIXES)
    else:
        local = address.is_loopback or address.is_private or address.is_link_local
    return {"max_tokens": allowance} if host and local else None


class HomeDesigner:
    """Asks the model for one home's design: transient retries, then at most one repair."""

    def __init__(self, client: openai.AsyncOpenAI, settings: OpenAISettings, *,
                 limiter: RateLimiter, cap: SpendingCap, reporter: Reporter,
                 summary: RunSummary, sleep: Sleep) -> None:
        self._client = client
        self._settings = settings
        self._limiter = limiter
        self._cap = cap
        self._reporter = reporter
        self._summary = summary
        self._sleep = sleep
        #: Set by the first OpenAIStop: not one more request after an empty account or a bad key.
        self.stopped = asyncio.Event()
        self._compatible_limit = older_reply_limit(str(client.base_url),
                                                   settings.max_completion_tokens)

    async def design(self, job: HomeJob) -> Designed:
        """Return the checked design of ``job``'s home; raise HomeSkipped or OpenAIStop."""
        first = messages(job)
        chat = first
        usage = Usage()
        problem = ""
        for attempt in range(2):
            completion = await self._complete(job, chat, usage)
            reply, problem = _reply(completion)
            if not problem:
                try:
                    design, language = parse_design(reply, job.home_type)
                except InvalidDesign as err:
                    problem = str(err)
                else:
                    # A compatible server may not name the model that answered.
                    answered = getattr(completion, "model", None)
                    return Designed(design, language, usage,
                                    answered if isinstance(answered, str) and answered
                                    else self._settings.model)
            if attempt == 0:
                self._reporter.repairing(job, problem)
                chat = repair_messages(first, reply, problem)
        if problem.startswith(CUT_OFF):
            # A reasoning model (gpt-5, o-series) spends part of the allowance thinking, and
            # would be cut off again at every rerun: the allowance is what to change.
            raise HomeSkipped(cut_off_reason(self._settings.max_completion_tokens))
        raise HomeSkipped(f"{problem} (still, after one repair request)")

    async def _complete(self, job: HomeJob, chat: list[dict[str, str]],
                        usage: Usage) -> ChatCompletion:
        settings = self._settings
        prompt = chat_tokens(chat)
        budget = prompt + settings.max_completion_tokens
        queued = 0.0  # seconds in our own limiter: the retry budget leaves them out
        sent = 0  # this request's attempts; usage.requests also counts an earlier request

        async def attempt() -> ChatCompletion:
            nonlocal queued, sent
            began = time.monotonic()  # tenacity's clock, whatever clock the limiter has
            await self._limiter.acquire(budget)
            queued += time.monotonic() - began
            if self.stopped.is_set():
                raise _RunStopped
            # usage counts every request of this home: after the first, a retry or a repair
            hold = await self._cap.reserve(prompt, settings.max_completion_tokens,
                                           new_home=usage.requests == 0)
            sent += 1
            usage.requests += 1
            self._summary.usage.requests += 1
            return await self._send(chat, hold)

        def on_retry(number: int, wait: float, err: BaseException) -> None:
            self._summary.retries += 1
            asked = " (as the server asked)" if server_hint(err) is not None else ""
            self._reporter.retrying(
                job, number, wait, f"{describe(err)}; attempt {number}/{settings.max_attempts} "
                f"failed, waiting {wait:.1f} s{asked}")

        policy = retrying(max_attempts=settings.max_attempts,
                          max_seconds=settings.max_retry_seconds, sleep=self._sleep,
                          on_retry=on_retry, queued=lambda: queued,
                          base_url=str(self._client.base_url))
        try:
            completion: ChatCompletion = await policy(attempt)
        except OpenAIStop:
            self.stopped.set()
            raise
        except openai.APIError as err:
            if usage.requests > sent and isinstance(
                    err, openai.BadRequestError | openai.UnprocessableEntityError):
                # A repair request, refused where the home's first request was taken: it is
                # longer by the rejected reply, past a local server's context length ("5562 in
                # the messages, 8000 in the completion"). That home's fault, not the run's.
                raise HomeSkipped(f"the repair request was rejected ({describe(err)})") from err
            stop = stop_for(err, settings.model)
            if stop is not None:
                self.stopped.set()
                raise stop from err
            self.stopped.set()
            advice = give_up_advice(err, str(self._client.base_url))
            asked = server_hint(err)
            # Attempts to spare: the server's wait is what outlasted the time allowed.
            why = (f"; the server asked to wait {asked:.0f} s, past the "
                   f"{settings.max_retry_seconds:.0f} s a request is retried for"
                   if asked is not None and sent < settings.max_attempts else "")
            raise APIUnavailable(
                f"the OpenAI API kept failing for {job.home_id} ({describe(err)}) after "
                f"{sent} attempt{'s' if sent != 1 else ''}{why}; {advice}: finished homes are "
                "kept and skipped.") from err
        usage.add_completion(completion)
        self._summary.usage.add_completion(completion)
        return completion

    async def _send(self, chat: list[dict[str, str]], hold: Reservation) -> ChatCompletion:
        """Send one request; then turn its hold on the spending cap into what it cost."""
        try:
            try:
                completion = await self._create(chat)
            except openai.BadRequestError as err:
                if self._compatible_limit is None or not refuses_older_limit(err):
                    raise
                # A proxy on this network passing both names on to OpenAI, which refuses
                # them together: the newer name alone, for this request and every later one.
                _LOG.info("the server refused max_tokens (%s); sending max_completion_tokens "
                          "alone", describe(err))
                self._compatible_limit = None
                completion = await self._create(chat)
        except openai.APIStatusError:
            self._cap.free(hold)
            raise
        except openai.APIConnectionError as err:
            (self._cap.free if never_sent(err) else self._cap.keep)(hold)
            raise
        except (json.JSONDecodeError, UnicodeDecodeError) as err:  # a 200 whose body is no JSON
            self._cap.keep(hold)
            raise self._not_the_api() from err
        except BaseException:
            self._cap.keep(hold)
            raise
        # A 200 that is no JSON object, e.g. a web page: the SDK returns its text, not a reply;
        # or another API's JSON object, which the SDK makes a ChatCompletion all the same.
        if not isinstance(completion, ChatCompletion) or not _like_a_chat_completion(completion):
            self._cap.keep(hold)
            raise self._not_the_api()
        tokens = reported_tokens(completion)
        if tokens is None:  # a compatible server may not report tokens
            self._cap.keep(hold)
        else:
            self._cap.settle(hold, *tokens)
        return completion

    async def _create(self, chat: list[dict[str, str]]) -> ChatCompletion:
        settings = self._settings
        # Plain dicts, as the prompt module builds them; the SDK's TypedDicts are the same.
        return await self._client.chat.completions.create(
            model=settings.model,
            messages=cast("list[ChatCompletionMessageParam]", chat),
            response_format=cast("ResponseFormatJSONSchema", response_format()),
            max_completion_tokens=settings.max_completion_tokens,
            extra_body=self._compatible_limit,
        )

    def _not_the_api(self) -> RequestRejected:
        """A 200 that is no chat completion: OPENAI_BASE_URL names a web page or a proxy."""
        url = shown_url(str(self._client.base_url)).rstrip("/")
        return RequestRejected(f"the server at {url} did not answer like the chat completions "
                               "API; check OPENAI_BASE_URL.")


async def generate_homes(
    jobs: Sequence[HomeJob],
    settings: OpenAISettings,
    client: openai.AsyncOpenAI,
    reporter: Reporter | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    simulate_threads: int = 2,
    summary: RunSummary | None = None,
) -> RunSummary:
    """Design, simulate and write every job's home; return what was done.

    Designs are requested concurrently (``settings.concurrency`` at a time, within the RPM/TPM
    budget); each finished design is simulated and written on a small thread pool, so the
    event loop keeps serving the other requests. An :class:`OpenAIStop` from any home cancels
    the requests and is raised; homes already written stay. Whatever ends the run -- a stop,
    Ctrl-C, a second Ctrl-C -- every design already received is still simulated and written
    first (it is paid for, and takes a second), and every write is atomic, so no partial file is
    left. ``summary``, when given, is filled in as the run goes, so that a run that raises can
    still tell what it spent.
    """
    reporter = reporter or LogReporter()
    summary = summary if summary is not None else RunSummary()
    limiter = RateLimiter(settings.rpm, settings.tpm, clock=clock, sleep=sleep)
    cap = SpendingCap(settings.max_cost_usd, settings.model, settings.price)
    designer = HomeDesigner(client, settings, limiter=limiter, cap=cap, reporter=reporter,
                            summary=summary, sleep=sleep)
    gate = asyncio.Semaphore(settings.concurrency)
    pool = ThreadPoolExecutor(max_workers=simulate_threads, thread_name_prefix="home-simulate")
    simulations: dict[Future[HomeResult], Designed] = {}

    def record(simulation: Future[HomeResult]) -> None:
        designed = simulations.pop(simulation)
        result = simulation.result()
        summary.written.append(result)
        reporter.written(result, designed.usage)

    async def one(job: HomeJob) -> None:
        async with gate:
            if designer.stopped.is_set():
                return
            try:
                if cap.reached:
                    raise CapReached
                designed = await designer.design(job)
            except HomeSkipped as skip:
                summary.skipped[job.home_id] = str(skip)
                reporter.skipped(job, str(skip))
                return
            except CapReached:
                summary.not_sent.append(job.home_id)
                return
        extra: dict[str, Any] = {
            "language": designed.language, "model": settings.model,
            "model_version": designed.model_version, "prompt_version": PROMPT_VERSION,
            "usage": designed.usage.as_dict()}
        simulation = pool.submit(simulate_and_write, job, designed.design, home_rng(job), extra)
        simulations[simulation] = designed
        # Shielded: a stop or Ctrl-C cancels this task, not the home (see below).
        await asyncio.shield(asyncio.wrap_future(simulation))
        record(simulation)

    try:
        async with asyncio.TaskGroup() as group:
            for job in jobs:
                group.create_task(one(job))
    except BaseExceptionGroup as errors:
        raise _most_telling(errors) from None
    finally:
        summary.spent_usd, summary.refused_usd = cap.spent_usd, cap.refused_usd
        # The run stops: the designs received are written first.
        waiting = sum(not simulation.done() for simulation in simulations)
        _drain(pool, lambda: reporter.finishing(waiting) if waiting else None)
        for simulation in list(simulations):
            if simulation.exception() is None:
                record(simulation)
    summary.not_sent.sort()
    return summary


def _drain(pool: ThreadPoolExecutor, announce: Callable[[], None]) -> None:
    """Say what is awaited, then wait for every home submitted to ``pool``, through Ctrl-C.

    A second Ctrl-C used to end the wait with "0 new homes written", and the homes were written
    after that line all the same (Python waits for a pool's threads before it exits). The
    first Ctrl-C still ends the run, once they are on disk.
    """
    announced = False
    while True:
        try:
            if not announced:
                announced = True
                announce()
            pool.shutdown(wait=True)
        except KeyboardInterrupt:
            continue
        return


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterable[BaseException]:
    for err in group.exceptions:
        if isinstance(err, BaseExceptionGroup):
            yield from _leaves(err)
        else:
            yield err


def _most_telling(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """Pick the error to show for a failed run.

    A run-stopping API answer (quota first) wins; otherwise the other error -- a bug, a full
    disk -- as it was raised.
    """
    errors = list(_leaves(group))
    stops = [err for err in errors if isinstance(err, OpenAIStop)]
    if stops:
        return min(stops, key=lambda err: err.exit_code)
    # Two homes failing to be written at once (a full disk) are one error for the user.
    if len(errors) == 1 or all(isinstance(err, OSError) for err in errors):
        return errors[0]
    return group
