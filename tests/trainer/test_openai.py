"""The OpenAI backend against a real HTTP server on 127.0.0.1 that speaks the OpenAI API.

Every test that needs the API starts ``FakeOpenAI`` (tests/trainer/fake_openai.py) and talks to
it through the real ``openai`` SDK, so the SDK's real exception classes, headers and bodies are
what the backend sees. Sleeps are injected (``FakeTime``): a test of a 7-second Retry-After
takes milliseconds and asserts the 7 seconds. No request ever leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from custom_components.home_type.core.model import load_model
from custom_components.home_type.core.snapshot import read_snapshot
from devtools.instance import free_port
from tests.conftest import (
    ONE_WORKER,
    ROOT,
    call_trainer,
    interrupt_after_first_home,
    run_trainer,
    trainer_in_process,
)
from trainer import homes_commands, openai_command
from trainer.command_line import UserError
from trainer.container import IN_CONTAINER_VARIABLE
from trainer.generate import openai_backend, runner
from trainer.generate.catalog import DEVICE_KINDS
from trainer.generate.design import AREA_KINDS, DesignError, design_problems
from trainer.generate.llm_prompt import home_hints, messages
from trainer.generate.llm_schema import (
    SCHEMA_NAME,
    InvalidDesign,
    from_design,
    parse_design,
    strict_json_schema,
)
from trainer.generate.openai_backend import (
    RunSummary,
    Usage,
    generate_homes,
    make_client,
    older_reply_limit,
)
from trainer.generate.openai_cost import (
    chat_tokens,
    cost_usd,
    plan_requests,
    usd,
)
from trainer.generate.openai_retry import (
    BILLING_URL,
    APIUnavailable,
    AuthFailed,
    QuotaExhausted,
    RequestRejected,
    never_sent,
    parse_duration,
    refused_in_container,
    retry_after_seconds,
)
from trainer.generate.openai_settings import OpenAISettings, retry_seconds, shown_url
from trainer.generate.procedural import design_home
from trainer.generate.ratelimit import RateLimiter
from trainer.generate.runner import HomeJob, HomeResult, home_rng, pending, plan_jobs
from trainer.generate.spending import CapReached, SpendingCap, homes_within

from .fake_openai import (
    Answer,
    FakeOpenAI,
    completion,
    design_reply,
    error,
    quota_exhausted,
    rate_limited,
    serve,
)

FAST = OpenAISettings(concurrency=1, rpm=100_000, tpm=100_000_000)


@pytest.fixture
def api(socket_enabled: None) -> Iterator[FakeOpenAI]:
    """The fake API; sockets are enabled for this test (the HA plugin blocks them otherwise)."""
    yield from serve()


class FakeTime:
    """An injected clock and sleep: waits are recorded, not slept."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Recorder:
    """A reporter that keeps every event."""

    def __init__(self) -> None:
        self.retries: list[tuple[str, float, str]] = []
        self.repairs: list[tuple[str, str]] = []
        self.skips: list[tuple[str, str]] = []
        self.homes: list[str] = []
        self.finishing_homes: list[int] = []

    def retrying(self, job: HomeJob, attempt: int, wait: float, reason: str) -> None:
        self.retries.append((job.home_id, wait, reason))

    def repairing(self, job: HomeJob, problem: str) -> None:
        self.repairs.append((job.home_id, problem))

    def skipped(self, job: HomeJob, reason: str) -> None:
        self.skips.append((job.home_id, reason))

    def written(self, result: HomeResult, usage: Usage) -> None:
        self.homes.append(result.home_id)

    def finishing(self, homes: int) -> None:
        self.finishing_homes.append(homes)


async def design_homes(api: FakeOpenAI, output: Path, *, count: int = 1,
                       mix: dict[str, int] | None = None, settings: OpenAISettings = FAST,
                       clock: FakeTime | None = None, reporter: Recorder | None = None,
                       ) -> tuple[list[HomeJob], RunSummary]:
    """Plan ``count`` homes of 2 days and run the backend on the missing ones."""
    output.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(count, 2, 7, output, mix or {"condo": 1}, generator="openai")
    summary = await _design_in_order(api, pending(jobs, output, overwrite=False), settings,
                                     clock=clock, reporter=reporter)
    return jobs, summary


async def _design_in_order(api: FakeOpenAI, jobs: list[HomeJob],
                           settings: OpenAISettings = FAST, *, clock: FakeTime | None = None,
                           reporter: Recorder | None = None) -> RunSummary:
    """Run the backend on ``jobs`` in this order (the order their requests are begun)."""
    clock = clock or FakeTime()
    async with make_client(settings, api_key="test-key", base_url=api.url) as client:
        return await generate_homes(jobs, settings, client, reporter or Recorder(),
                                    sleep=clock.sleep, clock=clock.clock)


# --- the schema and the shared validation --------------------------------------------------


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


def test_strict_schema_is_closed_and_fully_required() -> None:
    schema = strict_json_schema()
    objects = list(_objects(schema))
    assert len(objects) == 5  # home, floor, area, device, resident
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    text = json.dumps(schema)
    assert "$ref" not in text and '"default"' not in text
    assert '"title"' not in text  # every request pays for the schema's tokens
    area = schema["properties"]["areas"]["items"]["properties"]
    device = schema["properties"]["devices"]["items"]["properties"]
    assert area["kind"]["enum"] == list(AREA_KINDS)
    assert device["kind"]["enum"] == list(DEVICE_KINDS)
    assert {"type": "null"} in device["area"]["anyOf"]  # nullable, yet required


def test_procedural_designs_pass_the_same_validation_and_round_trip() -> None:
    """A reply carrying a procedural design parses back to that design: one contract."""
    for home_type in ("studio", "condo", "multi_story", "cottage"):
        for seed in range(5):
            design = design_home(home_type, np.random.default_rng(seed))
            assert design_problems(design) == []
            parsed, language = parse_design(from_design(design).model_dump_json(), home_type)
            assert language == design.extra["language"]
            assert parsed.extra == {"language": language}
            design.extra = parsed.extra
            assert parsed == design


@pytest.mark.parametrize(("changes", "problem"), [
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"devices": [{"name": "Lamp", "kind": "smart_bulb", "area": "Nowhere",
                   "manufacturer": None, "model": None}]}, "devices[0].area"),
    ({"devices": [{"name": "Toaster", "kind": "toaster", "area": None,
                   "manufacturer": None, "model": None}]}, "devices.0.kind"),
    ({"residents": [{"name": "Ann", "wake": 9, "sleep": 20, "leave": 17, "back": 8,
                     "weekend_wake": 9, "weekend_sleep": 23, "works_from_home": False,
                     "has_car": True}]}, "residents[0].leave/back"),
    ({"extra_field": 1}, "extra_field"),
    ({"helpers": 201}, "helpers"),
    # required, though it may be null: the schema says so, and so does the check on arrival
    ({"areas": [{"name": "Kitchen", "kind": "kitchen"}], "devices": []},
     "areas.0.floor_level: Field required"),
])
def test_impossible_designs_are_rejected(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidDesign, match=problem.replace("[", r"\[").replace("]", r"\]")):
        parse_design(design_reply("condo", **changes), "condo")


def test_simulate_and_write_applies_the_same_check(tmp_path: Path) -> None:
    """The shared path refuses a broken design whoever made it: no file is written."""
    job = plan_jobs(1, 1, 1, tmp_path, {"studio": 1})[0]
    design = design_home("studio", home_rng(job))
    design.areas[0] = type(design.areas[0])(design.areas[0].name, "throne_room", None)
    with pytest.raises(DesignError, match=r"areas\[0\]\.kind"):
        runner.simulate_and_write(job, design, home_rng(job))
    assert not job.path.exists()


# --- the retry policy's pieces ---------------------------------------------------------------


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"retry-after": "7"}, 7.0),
    ({"Retry-After": "2.5"}, 2.5),
    ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
    ({"x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s"}, 360.0),
    ({"x-ratelimit-reset-requests": "1s", "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-tokens": "6m0s", "x-ratelimit-remaining-tokens": "5000"}, 1.0),
    ({"x-ratelimit-reset-tokens": "120ms", "x-ratelimit-remaining-tokens": "0"}, 0.12),
    ({"x-ratelimit-reset-tokens": "2s", "x-ratelimit-remaining-tokens": "-1"}, 2.0),  # Azure
    # the exhausted limit's reset, not a longer one whose remaining count is not given
    ({"x-ratelimit-reset-requests": "1s", "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-tokens": "6m0s"}, 1.0),
    # a limit with room left is no reason to wait for its reset
    ({"x-ratelimit-reset-requests": "1s", "x-ratelimit-remaining-requests": "5"}, None),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"}, 30.0),
    ({}, None),
    ({"retry-after": "soon"}, None),
])
def test_retry_after_headers(headers: dict[str, str], seconds: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert retry_after_seconds(headers, now=now) == pytest.approx(seconds)


def test_reset_durations() -> None:
    assert parse_duration("6m0s") == 360.0
    assert parse_duration("1h2m3.5s") == 3723.5
    assert parse_duration("20ms") == pytest.approx(0.02)
    assert parse_duration("0.5") == 0.5
    assert parse_duration("later") is None


async def test_rate_limiter_keeps_rpm_and_tpm() -> None:
    async with asyncio.timeout(10):  # a limiter that never lets a request go fails, not hangs
        await _keeps_rpm_and_tpm()


async def _keeps_rpm_and_tpm() -> None:
    clock = FakeTime()
    limiter = RateLimiter(rpm=60, tpm=1_000_000, clock=clock.clock, sleep=clock.sleep)
    for _ in range(30):
        await limiter.acquire(1)
    # a 10-second burst, then one request a second
    assert clock.now - 1_000.0 == pytest.approx(20.0)
    clock = FakeTime()
    limiter = RateLimiter(rpm=1_000, tpm=60_000, clock=clock.clock, sleep=clock.sleep)
    for _ in range(4):
        await limiter.acquire(20_000)  # larger than the 10,000-token bucket
    # the first goes at once (into debt); each later one waits 20 s at 1,000 tokens a second
    assert clock.now - 1_000.0 == pytest.approx(3 * 20.0)


async def test_rate_limiter_does_not_bank_idle_time() -> None:
    """A quiet spell refills the bucket only to its ten-second burst, never a minute's worth."""
    clock = FakeTime()
    limiter = RateLimiter(rpm=60, tpm=1_000_000, clock=clock.clock, sleep=clock.sleep)
    for _ in range(10):
        await limiter.acquire(1)
    assert clock.sleeps == []
    clock.now += 600.0  # ten idle minutes
    for _ in range(20):
        await limiter.acquire(1)
    # ten go at once (a full bucket), then one a second
    assert sum(clock.sleeps) == pytest.approx(10.0) and limiter.waited == pytest.approx(10.0)


async def test_rate_limiter_serves_first_come_first_served() -> None:
    """A request that waits for the budget is served before a later, smaller one: taken in
    turn, a stream of small requests could keep a large one waiting for ever."""
    clock = FakeTime()
    limiter = RateLimiter(rpm=1_000, tpm=60_000, clock=clock.clock, sleep=clock.sleep)
    await limiter.acquire(10_000)  # the whole 10,000-token bucket
    served: list[str] = []

    async def take(name: str, tokens: float) -> None:
        await limiter.acquire(tokens)
        served.append(name)

    async with asyncio.timeout(10):
        await asyncio.gather(take("large", 10_000), take("small", 1))
    assert served == ["large", "small"]


# --- the backend against the fake API ---------------------------------------------------------


async def test_success_writes_homes_through_the_shared_simulator(
        api: FakeOpenAI, tmp_path: Path) -> None:
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, count=2,
                                       mix={"condo": 1, "cottage": 1}, reporter=recorder)
    assert len(api.requests) == 2 and summary.usage.requests == 2
    assert (summary.usage.prompt_tokens, summary.usage.completion_tokens) == (3_800, 3_000)
    assert sorted(recorder.homes) == ["home_001", "home_002"] and summary.retries == 0
    for request in api.requests:
        body = request.body
        assert request.path == "/v1/chat/completions"
        assert request.headers["authorization"] == "Bearer test-key"
        assert body["model"] == "gpt-4o-mini" and body["max_completion_tokens"] == 8_000
        assert body["max_tokens"] == 8_000  # for a server that reads only that (Ollama)
        assert body["response_format"] == {"type": "json_schema", "json_schema": {
            "name": SCHEMA_NAME, "strict": True, "schema": strict_json_schema()}}
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
    for job in jobs:
        home = read_snapshot(job.path)  # the snapshot format's strict validation
        assert home.home_type == job.home_type  # the planner's label, not the model's
        meta = home.metadata
        assert meta["generator"] == "openai" and meta["model"] == "gpt-4o-mini"
        assert meta["model_version"] == "gpt-4o-mini-2024-07-18"
        assert meta["usage"] == {"requests": 1, "prompt_tokens": 1900, "completion_tokens": 1500}
        assert meta["days"] == 2 and len(home.events) > 0
        assert set(home.events.entities) == {e.entity_id for e in home.entities}


async def test_llm_home_is_exactly_what_the_shared_path_writes(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Same design, same seed: simulate_and_write gives the same bytes as the backend wrote."""
    assert vars(openai_backend)["simulate_and_write"] is runner.simulate_and_write
    jobs, _ = await design_homes(api, tmp_path / "llm")
    job = jobs[0]
    reply = design_reply(api.requests[0].home[1], job.home_id)
    design, _ = parse_design(reply, job.home_type)
    metadata = read_snapshot(job.path).metadata
    extra = {k: metadata[k] for k in ("language", "model", "model_version", "prompt_version",
                                      "usage")}
    (tmp_path / "again").mkdir()
    again = HomeJob(job.index, job.home_id, job.home_type, job.seed, job.days,
                    tmp_path / "again" / job.path.name, "openai")
    runner.simulate_and_write(again, design, home_rng(again), extra)
    assert again.path.read_bytes() == job.path.read_bytes()


async def test_rate_limited_twice_then_success(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(rate_limited(), rate_limited())
    recorder = Recorder()
    clock = FakeTime()
    jobs, summary = await design_homes(api, tmp_path, clock=clock, reporter=recorder)
    assert len(api.requests) == 3
    assert jobs[0].path.exists() and summary.retries == 2
    assert [r[0] for r in recorder.retries] == ["home_001", "home_001"]
    assert "HTTP 429 rate_limit_exceeded" in recorder.retries[0][2]
    assert "attempt 1/6" in recorder.retries[0][2] and "attempt 2/6" in recorder.retries[1][2]
    assert len(clock.sleeps) == 2  # one wait before each retry
    assert all(0.02 <= s <= 0.022 for s in clock.sleeps)  # retry-after-ms: 20
    assert clock.sleeps[0] != clock.sleeps[1]  # jittered, each its own


@pytest.mark.parametrize("answer", [
    quota_exhausted(),
    # the structured code alone, or the type alone, is enough: never the message
    error(429, "insufficient_quota", "Billing hard limit reached.", type_="requests"),
    error(429, None, "Billing hard limit reached.", type_="insufficient_quota"),
    # what OpenAI answers an account with no billing set up (its code is sometimes null)
    error(429, "billing_not_active", "Your account is not active, please check your billing "
          "details on our website.", type_="billing_not_active"),
    error(429, None, "Your account is not active.", type_="billing_not_active"),
])
async def test_quota_exhausted_stops_at_once(api: FakeOpenAI, tmp_path: Path,
                                             answer: Answer) -> None:
    api.script(answer)
    clock = FakeTime()
    with pytest.raises(QuotaExhausted) as caught:
        await design_homes(api, tmp_path, count=3, clock=clock)
    assert len(api.requests) == 1 and clock.sleeps == []  # no retry, no other home
    assert caught.value.exit_code == 3
    assert BILLING_URL in str(caught.value) and "HTTP 429" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


async def test_quota_keeps_the_homes_already_written(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(completion(design_reply("condo")), quota_exhausted())
    with pytest.raises(QuotaExhausted):
        await design_homes(api, tmp_path, count=3)
    assert [p.name for p in tmp_path.iterdir()] == ["home_001.json.gz"]
    read_snapshot(tmp_path / "home_001.json.gz")


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
async def test_server_error_then_success(api: FakeOpenAI, tmp_path: Path, status: int) -> None:
    """Timeouts, conflicts, a 429 without a code and 5xx are transient: retried once here."""
    api.script(error(status, None, "The server had an error while processing your request."))
    jobs, summary = await design_homes(api, tmp_path)
    assert len(api.requests) == 2 and summary.retries == 1 and jobs[0].path.exists()


def test_cli_timeout_is_the_wait_for_a_reply(api: FakeOpenAI, tmp_path: Path) -> None:
    """A slow local server timed out at 120 s on every attempt, and nothing could change it."""
    api.script(Answer(body=completion(design_reply("condo")).body, delay=1.0))
    quick = call_trainer(*_generate(tmp_path, "--count", "1", "--timeout", "0.3"), env=_env(api))
    assert quick.returncode == 0, quick.stderr
    assert "home_001: the request timed out; attempt 1/6 failed" in quick.stderr
    # The request that timed out may be billed: the summary says what it could cost, too.
    assert ("counting in full the requests whose tokens are not known (no answer, which may "
            "be billed all the same, or none reported)") in " ".join(quick.stderr.split())
    assert len(api.requests) == 2
    api.script(Answer(body=completion(design_reply("condo")).body, delay=1.0))
    patient = call_trainer(*_generate(tmp_path / "more", "--count", "1", "--timeout", "5"),
                           env=_env(api))
    assert patient.returncode == 0, patient.stderr
    assert "timed out" not in patient.stderr and len(api.requests) == 3
    # Every request answered with its tokens: the cost is known, not "up to".
    assert "counting in full" not in patient.stderr and "about $" in patient.stderr
    # A long timeout leaves room for a second attempt in the request's retry budget.
    assert (retry_seconds(120), retry_seconds(600)) == (300, 1500)


async def test_timeouts_to_the_end_suggest_a_longer_timeout(
        api: FakeOpenAI, tmp_path: Path) -> None:
    slow = Answer(body=completion(design_reply("condo")).body, delay=1.0)
    api.script(slow, slow)
    settings = dataclasses.replace(FAST, timeout=0.2, max_attempts=2)
    with pytest.raises(APIUnavailable) as caught:
        await design_homes(api, tmp_path, settings=settings)
    assert "(the request timed out) after 2 attempts; try again later, or give a slow server " \
        "more time with --timeout (pipeline: --openai-timeout)" in str(caught.value)


async def test_timeout_then_success(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(Answer(body=json.loads(json.dumps(completion("{}").body)), delay=1.0))
    settings = OpenAISettings(concurrency=1, rpm=100_000, tpm=100_000_000, timeout=0.3)
    recorder = Recorder()
    jobs, _ = await design_homes(api, tmp_path, settings=settings, reporter=recorder)
    assert len(api.requests) == 2 and jobs[0].path.exists()
    assert "timed out" in recorder.retries[0][2]


@pytest.mark.parametrize(("answer", "stop", "code"), [
    (error(401, "invalid_api_key", "Incorrect API key provided: sk-test."), AuthFailed, 4),
    (error(403, "unsupported_country_region_territory", "Country not supported."), AuthFailed,
     4),
    (error(400, "invalid_request_error", "Invalid schema for response_format."),
     RequestRejected, 5),
    (error(404, "model_not_found", "The model `gpt-9` does not exist."), RequestRejected, 5),
])
async def test_errors_no_retry_can_fix_stop_the_run(
        api: FakeOpenAI, tmp_path: Path, answer: Answer, stop: type[Exception],
        code: int) -> None:
    api.script(answer)
    with pytest.raises(stop) as caught:
        await design_homes(api, tmp_path, count=2)
    assert len(api.requests) == 1
    assert caught.value.exit_code == code  # type: ignore[attr-defined]
    assert f"HTTP {answer.status}" in str(caught.value)
    # The server's own words, not the SDK's "Error code: …" with the body's repr.
    error_body = answer.body["error"]
    assert f"(HTTP {answer.status} {error_body['code']}: {error_body['message']})" in \
        str(caught.value)
    # Only a 404 may be the address rather than the model (a base URL without /v1).
    assert ("OPENAI_BASE_URL must be the API's, which usually ends in /v1"
            in str(caught.value)) == (answer.status == 404)
    if stop is RequestRejected:
        assert "(generate --model; pipeline --openai-model)" in str(caught.value)


@pytest.mark.parametrize("status", [402, 405, 413])
async def test_another_client_error_stops_at_once(
        api: FakeOpenAI, tmp_path: Path, status: int) -> None:
    """A 4xx no retry can fix and no other rule names is the request's fault: exit 5 after
    one request, not retried, nor called "the OpenAI API kept failing" (exit 6)."""
    api.script(error(status, None, "scripted refusal"))
    clock = FakeTime()
    with pytest.raises(RequestRejected) as caught:
        await design_homes(api, tmp_path, count=2, clock=clock)
    assert len(api.requests) == 1 and clock.sleeps == [] and caught.value.exit_code == 5
    assert str(caught.value) == (f"OpenAI answered HTTP {status}: scripted refusal; the run "
                                 "cannot go on.")
    assert list(tmp_path.iterdir()) == []


async def test_a_compatible_servers_own_error_words_are_shown(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Ollama's ``{"error": "…"}`` and a proxy's plain text showed as "Error code: 404"."""
    api.script(Answer(status=502, raw=b"Bad Gateway", content_type="text/plain"),
               Answer(status=404, body={"error": "model 'llama3' not found, try pulling it "
                                                 "first"}))
    recorder = Recorder()
    with pytest.raises(RequestRejected) as caught:
        await design_homes(api, tmp_path, reporter=recorder)
    assert recorder.retries[0][2].startswith("HTTP 502: Bad Gateway; attempt 1/6 failed")
    assert "(HTTP 404: model 'llama3' not found, try pulling it first)" in str(caught.value)


@pytest.mark.parametrize("answer", [
    # OPENAI_BASE_URL at a web UI or behind a proxy's error page: the SDK returns the text
    Answer(raw=b"<html><body>Sign in</body></html>", content_type="text/html; charset=utf-8"),
    Answer(raw=b"<html><body>Bad gateway</body></html>"),  # said to be JSON, is not
    Answer(raw=b'"ok"'),  # JSON, but no object
    # Another API's JSON object, which the SDK makes a ChatCompletion without checking it: it
    # was taken for a design with no choices, and every home cost a repair request.
    Answer(body={"status": "ok", "data": []}),
    # A choice with no message (a traceback), or a message whose content is no text.
    Answer(body={"choices": [{"index": 0, "finish_reason": "stop", "message": None}]}),
    Answer(body={"choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": 7}}]}),
    Answer(body={"choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": None,
                                          "refusal": 7}}]}),
])
async def test_a_200_that_is_no_chat_completion_stops_the_run(
        api: FakeOpenAI, tmp_path: Path, answer: Answer) -> None:
    """One request, then the run stops with exit 5 and advice: a traceback before."""
    api.script(answer)
    with pytest.raises(RequestRejected) as caught:
        await design_homes(api, tmp_path, count=2)
    assert len(api.requests) == 1 and caught.value.exit_code == 5
    assert str(caught.value) == (f"the server at {api.url} did not answer like the chat "
                                 "completions API; check OPENAI_BASE_URL.")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("answer", [
    Answer(raw=b"<html><body>Bad gateway</body></html>"),  # said to be JSON, is not
    Answer(body={"status": "ok", "data": []}),  # another API's JSON object
])
async def test_a_200_that_is_no_chat_completion_keeps_its_hold(
        api: FakeOpenAI, tmp_path: Path, answer: Answer) -> None:
    """Something answered 200 and reported no tokens: what it may bill is not known, so the
    request's whole hold counts as spent, as for a reply without usage."""
    api.script(answer)
    jobs = plan_jobs(1, 2, 7, tmp_path, {"condo": 1}, generator="openai")
    settings = dataclasses.replace(FAST, max_cost_usd=1.0)
    summary = RunSummary()
    async with make_client(settings, api_key="test-key", base_url=api.url) as client:
        with pytest.raises(RequestRejected):
            await generate_homes(jobs, settings, client, Recorder(), summary=summary)
    assert summary.spent_usd == pytest.approx(_hold_usd(jobs[0]))


async def test_malformed_json_then_valid(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(completion('{"language": "en", "timezone": "Europe/Ber'))
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, reporter=recorder)
    assert len(api.requests) == 2 and jobs[0].path.exists() and not summary.skipped
    assert "not valid JSON" in recorder.repairs[0][1]
    repair = api.requests[1].body["messages"]
    assert [m["role"] for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[2]["content"].startswith('{"language"')
    assert "not valid JSON" in repair[3]["content"]
    assert read_snapshot(jobs[0].path).metadata["usage"]["requests"] == 2


async def test_schema_violation_is_repaired_once_then_skipped(
        api: FakeOpenAI, tmp_path: Path) -> None:
    nowhere: dict[str, Any] = {"devices": [{"name": "Lamp", "kind": "smart_bulb", "area": "Attic",
                            "manufacturer": "IKEA of Sweden", "model": None}]}
    bad = completion(design_reply("condo", **nowhere))
    api.script(bad, bad)
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, count=2, reporter=recorder)
    assert len(api.requests) == 3  # home 1: first + repair; home 2: one good request
    assert api.requests[0].home == api.requests[1].home != api.requests[2].home
    skipped = api.requests[0].home[0]
    assert list(summary.skipped) == [skipped] and [s[0] for s in recorder.skips] == [skipped]
    assert "devices[0].area: 'Attic' is not the name of an area" in summary.skipped[skipped]
    assert "after one repair" in summary.skipped[skipped]
    assert [job.path.exists() for job in jobs] == [job.home_id != skipped for job in jobs]


@pytest.mark.parametrize("status", [400, 422])
async def test_a_rejected_repair_request_skips_its_home_not_the_run(
        api: FakeOpenAI, tmp_path: Path, status: int) -> None:
    """A repair request carries the rejected reply, so it can pass a local server's context
    length where the home's first request did not: vLLM answers 400. It stopped the whole run
    (exit 5, "the model must support json_schema") and cancelled the homes in flight, which the
    server still generated; now that home alone is skipped."""
    api.script(completion(design_reply("condo", timezone="Mars/Olympus")),
               error(status, None, "This model's maximum context length is 12288 tokens. "
                     "However, you requested 13562 tokens (5562 in the messages, 8000 in the "
                     "completion).", type_="BadRequestError"))
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, count=3, reporter=recorder)
    assert len(api.requests) == 4  # home 1: first + repair; homes 2 and 3: one each
    skipped = api.requests[0].home[0]
    assert list(summary.skipped) == [skipped] and summary.retries == 0
    assert summary.skipped[skipped].startswith(
        f"the repair request was rejected (HTTP {status}: This model's maximum context length")
    assert [job.path.exists() for job in jobs] == [job.home_id != skipped for job in jobs]


async def test_a_rejected_first_request_still_stops_the_run(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """The first request's 400 is the request's own fault (model, parameters): every home's
    would be refused alike, so the run stops there, as before."""
    api.script(error(400, None, "Invalid parameter: 'response_format' of type 'json_schema' is "
                     "not supported with this model.", type_="invalid_request_error"))
    with pytest.raises(RequestRejected):
        await design_homes(api, tmp_path, count=3)
    assert len(api.requests) == 1


async def test_refusal_and_truncation_count_as_unusable(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(completion(None, refusal="I can't help with that."),
               completion('{"language": "en"', finish_reason="length"))
    recorder = Recorder()
    _, summary = await design_homes(api, tmp_path, reporter=recorder)
    assert len(api.requests) == 2
    assert "refused" in recorder.repairs[0][1]
    assert "cut off" in summary.skipped["home_001"]


async def test_a_content_filter_stop_and_a_too_deep_reply_are_repaired(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Said as what they are: a filtered reply was called empty, and a deep one a traceback."""
    api.script(completion(None, finish_reason="content_filter"),
               completion("[" * 100_000 + "]" * 100_000))
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, reporter=recorder)
    assert recorder.repairs == [
        ("home_001", "the reply was stopped by the server's content filter")]
    assert summary.skipped == {"home_001": "the reply is not valid JSON (nested too deeply) "
                                           "(still, after one repair request)"}
    assert not jobs[0].path.exists()


async def test_null_token_counts_are_no_usage(api: FakeOpenAI, tmp_path: Path) -> None:
    """A compatible server's nulls in ``usage`` (a traceback before) count as no report: the
    home is written, and the request is held in full against the cap."""
    reply = completion(design_reply("condo"))
    reply.body["usage"] = {"prompt_tokens": None, "completion_tokens": None, "total_tokens": 0}
    del reply.body["model"]
    api.script(reply)
    jobs, summary = await design_homes(api, tmp_path, mix={"condo": 1},
                                       settings=dataclasses.replace(FAST, max_cost_usd=1.0))
    home = read_snapshot(jobs[0].path)
    assert home.metadata["usage"] == {"requests": 1, "prompt_tokens": 0, "completion_tokens": 0}
    assert home.metadata["model_version"] == "gpt-4o-mini"  # the model asked for, unnamed
    assert summary.spent_usd == pytest.approx(cost_usd(
        "gpt-4o-mini", chat_tokens(messages(jobs[0])), OpenAISettings().max_completion_tokens))


async def test_negative_token_counts_are_no_usage(api: FakeOpenAI, tmp_path: Path) -> None:
    """A count below zero is no count: taken, it would have paid back spending under the cap."""
    reply = completion(design_reply("condo"))
    reply.body["usage"] = {"prompt_tokens": 1900, "completion_tokens": -1_000_000,
                           "total_tokens": 0}
    api.script(reply)
    jobs, summary = await design_homes(api, tmp_path,
                                       settings=dataclasses.replace(FAST, max_cost_usd=1.0))
    assert read_snapshot(jobs[0].path).metadata["usage"] == {
        "requests": 1, "prompt_tokens": 0, "completion_tokens": 0}
    assert summary.spent_usd == pytest.approx(_hold_usd(jobs[0]))


async def test_a_reply_of_no_tokens_is_counted_as_reported(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Zero is a count the server reported: the reply costs its prompt, not the whole hold."""
    reply = completion(design_reply("condo"))
    reply.body["usage"] = {"prompt_tokens": 1900, "completion_tokens": 0, "total_tokens": 1900}
    api.script(reply)
    jobs, summary = await design_homes(api, tmp_path,
                                       settings=dataclasses.replace(FAST, max_cost_usd=1.0))
    assert read_snapshot(jobs[0].path).metadata["usage"] == {
        "requests": 1, "prompt_tokens": 1900, "completion_tokens": 0}
    assert summary.spent_usd == pytest.approx(cost_usd("gpt-4o-mini", 1900, 0))


async def test_empty_reply_is_repaired_not_a_crash(api: FakeOpenAI, tmp_path: Path) -> None:
    """A compatible server may answer with no content and no refusal: that is a bad reply."""
    api.script(completion(None))
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, reporter=recorder)
    assert len(api.requests) == 2 and jobs[0].path.exists() and not summary.skipped
    assert recorder.repairs == [("home_001", "the reply was empty")]


@pytest.mark.parametrize(("headers", "waited"), [
    ({"retry-after": "7"}, 7.0),
    ({"retry-after-ms": "2500"}, 2.5),
    ({"x-ratelimit-reset-requests": "1m30s", "x-ratelimit-remaining-requests": "0"}, 90.0),
])
async def test_retry_after_is_honoured(api: FakeOpenAI, tmp_path: Path,
                                       headers: dict[str, str], waited: float) -> None:
    api.script(rate_limited(headers))
    clock = FakeTime()
    recorder = Recorder()
    jobs, _ = await design_homes(api, tmp_path, clock=clock, reporter=recorder)
    assert len(api.requests) == 2 and jobs[0].path.exists()
    assert len(clock.sleeps) == 1
    # The hint, plus up to 10 % jitter, which spreads out clients told to come back at the
    # same moment (a draw of exactly 0 has a chance of 2^-53).
    assert waited < clock.sleeps[0] <= waited * 1.1
    assert "as the server asked" in recorder.retries[0][2]


def test_reset_headers_are_a_wait_only_for_a_429() -> None:
    """A 5xx sends them for limits it did not hit: 12 ms between attempts was no backoff."""
    headers = {"x-ratelimit-reset-requests": "12ms", "x-ratelimit-remaining-requests": "59"}
    assert retry_after_seconds(headers, rate_limited=False) is None
    assert retry_after_seconds({**headers, "retry-after": "3"}, rate_limited=False) == 3.0


@pytest.mark.parametrize("answer", [
    # Azure: tokens exhausted (-1), reset in 0 s: all six attempts went at once
    rate_limited({"x-ratelimit-remaining-tokens": "-1", "x-ratelimit-reset-tokens": "0"}),
    rate_limited({"retry-after": "0"}),
    rate_limited({"x-ratelimit-remaining-requests": "5", "x-ratelimit-reset-requests": "1s"}),
    error(503, None, "Service unavailable", headers={
        "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "12ms"}),
    # a 5xx's reset headers are no wait, even for a limit they say is used up
    error(503, None, "Service unavailable", headers={
        "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "12ms"}),
])
async def test_no_wait_from_the_server_means_backoff(
        api: FakeOpenAI, tmp_path: Path, answer: Answer) -> None:
    api.script(answer, answer)
    clock = FakeTime()
    recorder = Recorder()
    jobs, _ = await design_homes(api, tmp_path, clock=clock, reporter=recorder)
    assert len(api.requests) == 3 and jobs[0].path.exists()
    assert 1.0 <= clock.sleeps[0] <= 2.0 and 2.0 <= clock.sleeps[1] <= 3.0  # 1, 2 s + jitter
    assert not any("as the server asked" in reason for _, _, reason in recorder.retries)


async def test_wait_beyond_the_time_budget_stops(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(rate_limited({"x-ratelimit-reset-requests": "6m0s"}))
    clock = FakeTime()
    with pytest.raises(APIUnavailable) as caught:
        await design_homes(api, tmp_path, clock=clock)
    assert len(api.requests) == 1 and clock.sleeps == [] and caught.value.exit_code == 6
    # A sentence of its own: the command adds "This run wrote … homes" after it.
    assert str(caught.value).endswith("try again later: finished homes are kept and skipped.")
    # "after 1 attempt" alone would not say why the attempts stopped.
    assert re.search(r"after 1 attempt; the server asked to wait 360 s, past the \d+ s a "
                     r"request is retried for; try again later", str(caught.value))


@pytest.mark.parametrize(("host", "in_container", "hint"), [
    ("127.0.0.1", "", False), ("localhost", "1", True), ("127.0.0.1", "1", True)])
async def test_a_server_never_reached_is_named(
        socket_enabled: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        host: str, in_container: str, hint: bool) -> None:
    """Connection refused on every attempt is no busy server: the message names the address to
    check; in the trainer container, where localhost is the container, the one to use."""
    monkeypatch.setenv(IN_CONTAINER_VARIABLE, in_container)
    port = free_port()  # nothing listens: every connection is refused at once
    base_url = f"http://{host}:{port}/v1"
    jobs = plan_jobs(1, 2, 7, tmp_path, {"condo": 1}, generator="openai")
    clock = FakeTime()
    async with make_client(FAST, api_key="test-key", base_url=base_url) as client:
        with pytest.raises(APIUnavailable) as caught:
            await generate_homes(jobs, FAST, client, Recorder(), sleep=clock.sleep,
                                 clock=clock.clock)
    message = str(caught.value)
    assert f"check that the server at {base_url} is running and reachable (OPENAI_BASE_URL)" \
        in message and message.endswith(": finished homes are kept and skipped.")
    # In the container nothing else runs: a refused localhost stops at once, not after
    # minutes of retries; elsewhere the server may be starting, so it is retried.
    assert ("after 1 attempt;" in message) is hint
    assert (clock.sleeps == []) is hint
    container = (f"in the trainer container, {host} is the container itself: a server on your "
                 f"machine is http://host.docker.internal:{port}/v1")
    assert (container in message) is hint


async def test_requests_that_never_reached_the_server_cost_nothing(
        socket_enabled: None, tmp_path: Path) -> None:
    """A refused connection sent nothing, so it was not billed: its hold on the cap is freed.
    Kept, three refused attempts spent three holds, which could end a run's cap early after a
    short network outage, and made the 'up to' figure larger than anything billed."""
    jobs = plan_jobs(1, 2, 7, tmp_path, {"condo": 1}, generator="openai")
    settings = dataclasses.replace(FAST, max_cost_usd=1.0)
    summary = RunSummary()
    clock = FakeTime()
    async with make_client(settings, api_key="test-key",
                           base_url=f"http://127.0.0.1:{free_port()}/v1") as client:
        with pytest.raises(APIUnavailable):
            await generate_homes(jobs, settings, client, Recorder(), summary=summary,
                                 sleep=clock.sleep, clock=clock.clock)
    assert len(clock.sleeps) > 1  # retried, each attempt refused
    assert summary.spent_usd == 0


@pytest.mark.parametrize("transport", ["httpx", "httpx2"])
def test_only_a_connection_never_made_is_a_request_never_sent(transport: str) -> None:
    """A read that timed out, or a connection dropped mid-reply, may have been generated and
    billed: those keep their hold. The SDK raises from httpx (1.x) or httpx2 (later)."""
    httpx = pytest.importorskip(transport)
    request = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")

    def failed(kind: type[openai.APIConnectionError], cause: Exception) -> BaseException:
        err = kind(request=request)
        err.__cause__ = cause
        return err

    assert never_sent(failed(openai.APIConnectionError, httpx.ConnectError("refused")))
    assert never_sent(failed(openai.APITimeoutError, httpx.ConnectTimeout("no answer")))
    assert not never_sent(failed(openai.APITimeoutError, httpx.ReadTimeout("slow")))
    assert not never_sent(failed(openai.APIConnectionError,
                                 httpx.RemoteProtocolError("peer closed")))
    assert not never_sent(httpx.ConnectError("not the SDK's"))


async def test_a_timeout_in_the_container_is_still_retried(
        api: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a refused connection to the container's own localhost stops at once: a server
    there that answered too slowly is there, and a timeout is retried as elsewhere."""
    monkeypatch.setenv(IN_CONTAINER_VARIABLE, "1")
    # A real refusal, from the SDK: nothing listens on that port.
    async with make_client(FAST, api_key="k", base_url=f"http://127.0.0.1:{free_port()}/v1") \
            as client:
        with pytest.raises(openai.APIConnectionError) as refused:
            await client.models.list()
    # 0.0.0.0 is the container itself too (a server's listen address, copied as its URL)
    assert [refused_in_container(refused.value, url) for url in (
        api.url, "http://0.0.0.0:11434/v1", "http://host.docker.internal:11434/v1")] == [
        True, True, False]
    api.script(Answer(body=completion(design_reply("condo")).body, delay=1.0))
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, reporter=recorder,
                                       settings=dataclasses.replace(FAST, timeout=0.3))
    assert len(api.requests) == 2 and summary.retries == 1 and jobs[0].path.exists()
    assert "timed out" in recorder.retries[0][2]


class QueueingTime(FakeTime):
    """FakeTime whose sleeps also take a twentieth of their length in real time, so that the
    retry budget (tenacity's real clock) sees a wait in the rate limiter."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds)
        await asyncio.sleep(seconds / 20)


async def test_time_queued_in_our_limiter_is_not_the_api_failing(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """A low --rpm queues each attempt in the limiter; that wait is not spent on retries.

    At 6 requests a minute the limiter holds each retry for 10 s (0.5 s here in real time),
    which alone overran a 0.3 s budget: the home failed after 2 requests with "the OpenAI API
    kept failing", though the server had asked for 1 ms.
    """
    api.script(rate_limited({"retry-after-ms": "1"}), rate_limited({"retry-after-ms": "1"}))
    settings = dataclasses.replace(FAST, rpm=6, max_retry_seconds=0.3)
    jobs, summary = await design_homes(api, tmp_path, settings=settings, clock=QueueingTime())
    assert len(api.requests) == 3 and summary.retries == 2 and jobs[0].path.exists()


async def test_attempts_are_bounded(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(*[error(503, None, "Service unavailable")] * 10)
    clock = FakeTime()
    with pytest.raises(APIUnavailable, match="after 6 attempts"):
        await design_homes(api, tmp_path, clock=clock)
    assert len(api.requests) == 6 and len(clock.sleeps) == 5
    assert clock.sleeps == sorted(clock.sleeps)  # exponential backoff (plus jitter)
    assert all(not s > 32 for s in clock.sleeps)


async def test_attempts_run_out_with_the_servers_waits_kept(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Six 429s, each asking for 20 ms: the attempts ran out, not the time; the message must
    not say the server's wait outlasted the budget."""
    api.script(*[rate_limited()] * 6)
    clock = FakeTime()
    with pytest.raises(APIUnavailable) as caught:
        await design_homes(api, tmp_path, clock=clock)
    assert len(api.requests) == 6 and len(clock.sleeps) == 5
    assert "rate_limit_exceeded" in str(caught.value)
    assert "after 6 attempts; try again later" in str(caught.value)
    assert "the server asked to wait" not in str(caught.value)


async def test_attempts_counted_are_those_of_the_failing_request(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """A repair request that never gets through failed 6 times, not 7: the first reply came."""
    api.script(completion("not JSON"), *[error(503, None, "Service unavailable")] * 6)
    with pytest.raises(APIUnavailable, match="after 6 attempts"):
        await design_homes(api, tmp_path)
    assert len(api.requests) == 7


async def test_exponential_backoff_is_capped_at_30_seconds(
        api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(*[error(503, None, "Service unavailable")] * 10)
    clock = FakeTime()
    settings = OpenAISettings(concurrency=1, rpm=100_000, tpm=100_000_000, max_attempts=9)
    with pytest.raises(APIUnavailable, match="after 9 attempts"):
        await design_homes(api, tmp_path, settings=settings, clock=clock)
    assert len(clock.sleeps) == 8
    assert all(2 ** n <= s <= 2 ** n + 1 for n, s in enumerate(clock.sleeps[:5]))
    assert clock.sleeps[5:] == [30.0, 30.0, 30.0]  # 32, 64, 128 s: capped


async def test_tpm_budget_reserves_the_reply_allowance(api: FakeOpenAI, tmp_path: Path) -> None:
    """Each request counts its prompt plus max_completion_tokens, as OpenAI's limiter does."""
    settings = OpenAISettings(concurrency=1, rpm=100_000, tpm=60_000)  # a 10,000-token bucket
    clock = FakeTime()
    jobs, _ = await design_homes(api, tmp_path, count=2, settings=settings, clock=clock)
    first, second = (chat_tokens(messages(job)) + settings.max_completion_tokens for job in jobs)
    assert first < 10_000 < first + second
    # the first fits the bucket; the second waits for what it lacks at 1,000 tokens a second
    assert clock.sleeps == [pytest.approx((first + second - 10_000) / 1_000)]


async def test_concurrency_is_bounded(api: FakeOpenAI, tmp_path: Path) -> None:
    api.default_delay = 0.2
    settings = OpenAISettings(concurrency=3, rpm=100_000, tpm=100_000_000)
    jobs, _ = await design_homes(api, tmp_path, count=6, settings=settings)
    assert all(job.path.exists() for job in jobs)
    assert api.max_in_flight == 3  # overlapping requests, never more than allowed


async def test_resume_after_interruption_writes_only_missing_homes(
        api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(completion(design_reply("condo")), completion(design_reply("condo")),
               quota_exhausted())
    with pytest.raises(QuotaExhausted):
        await design_homes(api, tmp_path, count=5)
    first = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert sorted(first) == ["home_001.json.gz", "home_002.json.gz"]
    api.requests.clear()
    jobs, summary = await design_homes(api, tmp_path, count=5)
    assert sorted(r.home[0] for r in api.requests) == ["home_003", "home_004", "home_005"]
    assert len(summary.written) == 3 and all(job.path.exists() for job in jobs)
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in first} == first


async def test_designs_received_before_a_stop_are_written(
        api: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paid for, they were thrown away: those queued behind the one being simulated when the
    quota answer came were cancelled, and the next run paid for them again."""
    def slowly(*args: Any) -> HomeResult:
        time.sleep(0.6)  # outlasts the quota answer's 0.1 s, even on a loaded machine
        return runner.simulate_and_write(*args)

    monkeypatch.setattr(openai_backend, "simulate_and_write", slowly)
    api.script(completion(design_reply("condo", "home_001")),
               completion(design_reply("condo", "home_002")),
               completion(design_reply("condo", "home_003")),
               dataclasses.replace(quota_exhausted(), delay=0.1))
    settings = dataclasses.replace(FAST, concurrency=4)
    # Four homes, all asked at once: a fifth, asked when the first design came, raced the quota
    # answer, and a loaded machine's stop cancelled it after the server had counted it.
    jobs = plan_jobs(4, 2, 7, tmp_path, {"condo": 1}, generator="openai")
    recorder, summary = Recorder(), RunSummary()
    async with make_client(settings, api_key="test-key", base_url=api.url) as client:
        with pytest.raises(QuotaExhausted):
            await generate_homes(jobs, settings, client, recorder, simulate_threads=1,
                                 summary=summary)
    # Every request but the fourth (the quota answer) brought a design: each is written.
    designed = sorted(r.home[0] for i, r in enumerate(api.requests) if i != 3)
    assert len(designed) == 3 and sorted(recorder.homes) == designed
    assert [job.home_id for job in jobs if job.path.exists()] == designed
    assert recorder.finishing_homes and recorder.finishing_homes[0] >= 2
    # What the run spent, for the line that ends it: the quota answer cost nothing.
    assert summary.usage.requests == len(api.requests)
    assert summary.usage.prompt_tokens == len(designed) * 1900


def test_client_defaults_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's retries are off, the timeout is ours, and OPENAI_BASE_URL is where requests go."""
    client = make_client(FAST, api_key="k", base_url="http://127.0.0.1:9/v1")
    assert client.max_retries == 0 and client.timeout == 120.0
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert str(make_client(FAST, api_key="k").base_url) == "http://127.0.0.1:9/v1/"
    # empty means unset: the real API, not an empty URL that fails as a connection error six
    # times (the SDK, given no URL, reads the empty variable itself)
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    assert str(make_client(FAST, api_key="k").base_url) == "https://api.openai.com/v1/"


def test_the_quota_error_wins_over_other_stops() -> None:
    """Two homes stopped at once, by an empty account and by a bad key: the user sees the quota."""
    errors = BaseExceptionGroup("run", [AuthFailed("key"), ExceptionGroup(
        "inner", [QuotaExhausted("quota"), APIUnavailable("down")])])
    picked = openai_backend._most_telling(errors)
    assert isinstance(picked, QuotaExhausted)
    bug = ValueError("a bug")
    assert openai_backend._most_telling(BaseExceptionGroup("run", [bug])) is bug
    # Two homes that could not be written at once (a full disk): one error line, not a
    # traceback of the group; a bug beside them is still shown whole.
    full = [OSError(28, "No space left on device"), OSError(28, "No space left on device")]
    assert openai_backend._most_telling(BaseExceptionGroup("run", full)) is full[0]
    both = BaseExceptionGroup("run", [*full, bug])
    assert openai_backend._most_telling(both) is both


def test_token_estimate_per_home() -> None:
    jobs = plan_jobs(40, 2, 42, Path("."), generator="openai")
    plans = plan_requests(jobs)
    prompt = [p.prompt_tokens for p in plans]
    reply = [p.completion_tokens for p in plans]
    assert 1_000 < min(prompt) <= max(prompt) < 3_000
    assert min(reply) > 200 and max(reply) < FAST.max_completion_tokens
    by_type: dict[str, list[int]] = {}
    for plan in plans:
        by_type.setdefault(plan.home_type, []).append(plan.completion_tokens)
    assert np.mean(by_type["studio"]) < np.mean(by_type["single_family_house"])


def test_usage_is_priced_at_the_assumed_rates(capsys: pytest.CaptureFixture[str]) -> None:
    assert cost_usd("gpt-4o-mini", 2_000_000, 1_000_000) == pytest.approx(0.30 + 0.60)
    assert cost_usd("gpt-4o", 1_000_000, 0) == pytest.approx(2.50)
    assert cost_usd("my-local-model", 1_000_000, 1_000_000) is None
    summary = RunSummary(usage=Usage(requests=12, prompt_tokens=2_000_000,
                                     completion_tokens=1_000_000), retries=2)
    openai_command._openai_summary(summary, OpenAISettings())
    line = " ".join(capsys.readouterr().err.split())
    assert line.startswith("12 requests (2 retries), 2,000,000 input + 1,000,000 output tokens, "
                           "about $0.90 (assumed price for gpt-4o-mini")


def test_hints_vary_between_homes_and_follow_the_seed() -> None:
    """Each home asks for its own variety; the same seed asks for the same, another seed not."""
    jobs = plan_jobs(40, 2, 42, Path("."), generator="openai")
    hints = [home_hints(job) for job in jobs]
    assert len({json.dumps(h, sort_keys=True) for h in hints}) >= 35
    assert hints == [home_hints(job) for job in plan_jobs(40, 2, 42, Path("."),
                                                           generator="openai")]
    other = [home_hints(job) for job in plan_jobs(40, 2, 43, Path("."), generator="openai")]
    assert sum(a != b for a, b in zip(hints, other, strict=True)) >= 35


def test_household_hint_fits_the_home_size() -> None:
    """Studios, apartments and cottages are asked mostly for one or two residents, houses for
    more."""
    def residents(home_type: str) -> float:
        jobs = plan_jobs(200, 2, 5, Path("."), {home_type: 1}, generator="openai")
        return float(np.mean([int(home_hints(job)["residents"]) for job in jobs]))

    assert max(residents("apartment"), residents("cottage")) < 2.3 < residents(
        "single_family_house")


@pytest.mark.parametrize(("home_type", "usual"), [("apartment", "rents"),
                                                  ("single_family_house", "owns")])
def test_tenure_hint_fits_the_home_type(home_type: str, usual: str) -> None:
    jobs = plan_jobs(200, 2, 5, Path("."), {home_type: 1}, generator="openai")
    assert sum(home_hints(job)["tenure"] == usual for job in jobs) > 160


# --- the spending cap (--max-cost) ------------------------------------------------------------

#: What one of the fake's replies costs: it reports 1,900 input and 1,500 output tokens.
REPLY_USD = cost_usd("gpt-4o-mini", 1_900, 1_500) or 0.0


def _hold_usd(job: HomeJob) -> float:
    """Dollars the first request of ``job`` holds of the cap before it is sent."""
    return cost_usd(FAST.model, chat_tokens(messages(job)), FAST.max_completion_tokens) or 0.0


def _holds(count: int, output: Path) -> list[float]:
    """Dollars each of ``design_homes``'s requests holds of the cap before it is sent."""
    return [_hold_usd(job)
            for job in plan_jobs(count, 2, 7, output, {"condo": 1}, generator="openai")]


@pytest.mark.parametrize(("base_url", "local"), [
    ("https://api.openai.com/v1/", False),
    ("https://eu.api.openai.com/v1", False),
    ("https://x.openai.azure.com/openai/v1/", False),
    ("https://openrouter.ai/api/v1", False),
    ("http://localhost:11434/v1", True),
    ("http://127.0.0.1:8000/v1", True),
    ("http://[::1]:8000/v1", True),
    ("http://192.168.1.20:11434/v1", True),
    ("http://10.0.0.5:8080/v1", True),
    ("http://ollama:11434/v1", True),  # a container of the same compose project
    ("http://host.docker.internal:11434/v1", True),
    ("http://nas.local:8080/v1", True),
    ("http://nas.local.:8080/v1", True),  # a fully qualified name ends in a dot
    ("http://router.lan/v1", True),
    ("http://gpu.home.arpa:11434/v1", True),
    ("http://llm.localhost:8000/v1", True),
    ("http://169.254.10.1:8000/v1", True),  # link-local
    ("https://api.openai.com./v1", False),
    ("https://llm.example.com/v1", False),
    ("http://8.8.8.8:8000/v1", False),
])
def test_the_older_reply_limit_goes_to_local_servers_only(base_url: str, local: bool) -> None:
    """Ollama and llama.cpp ignore max_completion_tokens (their replies ran unbounded); OpenAI,
    at any of its addresses, refuses max_tokens beside it, as other hosted APIs do."""
    assert older_reply_limit(base_url, 8_000) == ({"max_tokens": 8_000} if local else None)


async def test_a_reply_past_its_hold_that_passes_the_cap_ends_new_homes() -> None:
    """A server that does not keep to the reply allowance: a reply costs more than its hold.
    Once that has passed the cap, no new home is begun; below the cap, the run goes on."""
    cap = SpendingCap(0.02, "gpt-4o-mini")
    hold = await cap.reserve(2_000, 8_000)  # $0.0051 held
    cap.settle(hold, 2_000, 9_000)  # $0.0057 spent, past its hold, still under the cap
    assert not cap.reached
    hold = await cap.reserve(2_000, 8_000)
    cap.settle(hold, 2_000, 30_000)  # $0.0183 more: $0.0240 spent, past the cap
    assert cap.reached and cap.spent_usd > 0.02 and cap.refused_usd == 0
    for new_home in (True, False):  # past the cap, not even a home begun sends more
        with pytest.raises(CapReached):
            await cap.reserve(1, 1, new_home=new_home)


async def test_a_long_reply_under_the_cap_leaves_room_for_more_homes() -> None:
    """A reply past its hold that leaves spending under the cap ends nothing, even when the
    holds still in flight would take it past: they come back as what their replies cost."""
    cap = SpendingCap(0.05, "gpt-4o-mini")
    holds = [await cap.reserve(2_000, 8_000) for _ in range(4)]  # $0.0204 held
    cap.settle(holds[0], 2_000, 60_000)  # $0.0363 spent; with the other holds, past $0.05
    assert not cap.reached
    for hold in holds[1:]:
        cap.settle(hold, 1_900, 1_500)  # $0.0399 spent in all
    async with asyncio.timeout(5):
        for _ in range(2):  # $0.0101 left: two more holds fit, one after the other
            cap.settle(await cap.reserve(2_000, 8_000), 100, 100)
    assert not cap.reached


async def test_spending_cap_holds_the_worst_case_until_the_reply() -> None:
    cap = SpendingCap(0.01, "gpt-4o-mini")
    hold = await cap.reserve(2_000, 8_000)
    assert hold.dollars == pytest.approx((2_000 * 0.15 + 8_000 * 0.60) / 1e6)
    assert cap.reserved_usd == pytest.approx(hold.dollars) and cap.spent_usd == 0
    cap.settle(hold, 1_900, 1_500)
    assert cap.reserved_usd == 0 and cap.spent_usd == pytest.approx(REPLY_USD)
    second = await cap.reserve(2_000, 8_000)  # $0.0012 spent + $0.0051 held: fits under $0.01
    # another $0.0051 held would pass the cap: it waits for the one in flight
    third = asyncio.create_task(cap.reserve(2_000, 8_000))
    await asyncio.sleep(0)
    assert not third.done() and not cap.reached
    cap.settle(second, 1_900, 1_500)  # $0.0024 spent, nothing held: now it fits
    async with asyncio.timeout(5):  # a release that wakes no one would hang here
        held = await third
    fourth = asyncio.create_task(cap.reserve(2_000, 8_000))
    await asyncio.sleep(0)
    assert not fourth.done()
    cap.keep(held)  # a timeout: $0.0075 spent, nothing in flight, and $0.0051 more won't fit
    async with asyncio.timeout(5):
        with pytest.raises(CapReached):
            await fourth
    assert cap.reached and cap.refused_usd == pytest.approx(hold.dollars)
    with pytest.raises(CapReached):  # no new home after that, though this one would fit
        await cap.reserve(1, 1)
    begun = await cap.reserve(1, 1, new_home=False)  # a begun home's retry: judged on the fit
    cap.free(begun)  # an error answer: nothing spent
    assert cap.spent_usd == pytest.approx(2 * REPLY_USD + hold.dollars)
    assert cap.reserved_usd == 0
    with pytest.raises(ValueError, match="no price is assumed for 'llama3'"):
        SpendingCap(1.0, "llama3")
    await SpendingCap(None, "llama3").reserve(10**9, 10**9)  # no cap, never refused


async def test_max_cost_stops_before_a_request_could_pass_it(
        api: FakeOpenAI, tmp_path: Path) -> None:
    limit = REPLY_USD + max(_holds(4, tmp_path)) + REPLY_USD / 2  # room for two homes
    settings = dataclasses.replace(FAST, max_cost_usd=limit)
    jobs, summary = await design_homes(api, tmp_path, count=4, settings=settings)
    assert len(api.requests) == 2
    assert [job.path.exists() for job in jobs] == [True, True, False, False]
    assert summary.not_sent == ["home_003", "home_004"]
    assert summary.spent_usd == pytest.approx(2 * REPLY_USD) and summary.spent_usd < limit


async def test_a_request_that_does_not_fit_waits_for_those_in_flight(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Holds of the requests in flight count, and shrink when they answer: the run waits for
    them rather than ending with --concurrency holds of the cap unused."""
    api.default_delay = 0.1
    holds = _holds(10, tmp_path)
    limit = 2.5 * max(holds)  # two holds at once; seven homes in all, as one at a time
    assert 6 * REPLY_USD + max(holds) < limit < 7 * REPLY_USD + min(holds)
    settings = dataclasses.replace(FAST, concurrency=3, max_cost_usd=limit)
    async with asyncio.timeout(30):  # a waiting request nobody wakes would hang the run
        jobs, summary = await design_homes(api, tmp_path, count=10, settings=settings)
    assert api.max_in_flight == 2 and len(api.requests) == 7
    assert sum(job.path.exists() for job in jobs) == 7 and len(summary.not_sent) == 3
    assert summary.spent_usd == pytest.approx(7 * REPLY_USD) and summary.spent_usd < limit


async def test_a_cap_below_one_hold_sends_nothing_and_says_so(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """No request fits under $0.001: nothing is sent, and the exit-7 line says to raise the
    cap above one request's hold, not to run the same command again."""
    settings = dataclasses.replace(FAST, max_cost_usd=0.001)
    jobs, summary = await design_homes(api, tmp_path, count=2, settings=settings)
    assert api.requests == [] and summary.not_sent == ["home_001", "home_002"]
    hold = _hold_usd(jobs[0])
    assert summary.refused_usd == pytest.approx(hold) and summary.spent_usd == 0
    assert openai_command._cap_message(summary, settings) == (
        "stopped at --max-cost $0.001: $0.00 of it used, and the next request, holding "
        f"{usd(hold)} until it answers, could have passed it, so 2 homes were not designed "
        f"(home_001, home_002). Raise --max-cost above {usd(hold)}, or lower --max-reply-tokens "
        "(pipeline: --openai-max-reply-tokens; 8,000, held in full until a reply comes): no "
        "request fits under less.")


async def test_an_error_answer_frees_its_hold(api: FakeOpenAI, tmp_path: Path) -> None:
    """A 503 generated nothing, so its retry fits where the first request did."""
    api.script(error(503, None, "Service unavailable"))
    limit = max(_holds(2, tmp_path)) + REPLY_USD / 2  # one request's hold at a time
    settings = dataclasses.replace(FAST, max_cost_usd=limit)
    jobs, summary = await design_homes(api, tmp_path, count=2, settings=settings)
    assert len(api.requests) == 2 and jobs[0].path.exists()
    assert summary.not_sent == ["home_002"]


async def test_a_timeout_keeps_its_hold(api: FakeOpenAI, tmp_path: Path) -> None:
    """A request that timed out may still be billed: its whole hold counts as spent."""
    api.script(Answer(body=completion(design_reply("condo")).body, delay=1.0))
    limit = max(_holds(2, tmp_path)) + REPLY_USD / 2
    settings = dataclasses.replace(FAST, timeout=0.3, max_cost_usd=limit)
    _, summary = await design_homes(api, tmp_path, count=2, settings=settings)
    assert len(api.requests) == 1 and summary.written == []
    assert summary.not_sent == ["home_001", "home_002"]
    assert summary.spent_usd == pytest.approx(_holds(1, tmp_path)[0])


async def test_a_reply_without_usage_keeps_its_hold(api: FakeOpenAI, tmp_path: Path) -> None:
    """A compatible server that reports no tokens is charged the worst case, not nothing."""
    body = {k: v for k, v in completion(design_reply("condo")).body.items() if k != "usage"}
    api.script(Answer(body=body))
    holds = _holds(2, tmp_path)
    # with usage reported the second home would fit: a reply plus a hold is under the cap
    limit = max(holds) + 1.5 * REPLY_USD
    settings = dataclasses.replace(FAST, max_cost_usd=limit)
    jobs, summary = await design_homes(api, tmp_path, count=2, settings=settings)
    assert len(api.requests) == 1 and jobs[0].path.exists()
    assert summary.not_sent == ["home_002"] and summary.spent_usd == pytest.approx(holds[0])


async def test_a_repair_request_is_held_like_any_other(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """After an unusable first reply, the repair must fit too; here it does not."""
    api.script(completion('{"language": "en"'))
    limit = max(_holds(2, tmp_path)) + REPLY_USD / 2  # one hold, but not a reply and a hold
    settings = dataclasses.replace(FAST, max_cost_usd=limit)
    jobs, summary = await design_homes(api, tmp_path, count=2, settings=settings)
    assert len(api.requests) == 1 and not any(job.path.exists() for job in jobs)
    assert summary.not_sent == ["home_001", "home_002"]
    assert summary.spent_usd == pytest.approx(REPLY_USD)


async def test_a_begun_homes_retry_is_sent_after_the_cap_is_reached(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """The cap is reached while a home waits to retry a 429: that home, begun, still sends
    its retry (it fits), and is written; only the home not yet begun is not designed."""
    apartment, studio, _ = plan_jobs(3, 2, 7, tmp_path, {"apartment": 1, "studio": 1},
                                     generator="openai")
    assert (apartment.home_type, studio.home_type) == ("apartment", "studio")
    small, large = _hold_usd(studio), _hold_usd(apartment)
    assert small < large
    api.script(rate_limited())
    settings = dataclasses.replace(FAST, concurrency=2, max_cost_usd=(small + large) / 2)
    summary = await _design_in_order(api, [studio, apartment], settings)
    # the apartment's hold never fits: refused with nothing in flight, it reaches the cap
    assert summary.not_sent == [apartment.home_id] and summary.refused_usd == large
    assert [r.home[0] for r in api.requests] == [studio.home_id] * 2
    assert studio.path.exists() and summary.spent_usd == pytest.approx(REPLY_USD)


async def test_the_request_named_by_the_cap_is_the_first_refused(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """The exit-7 line names what the first request refused would have held; a begun home's
    repair refused after it, larger by the reply it carries, does not take its place. It
    names the homes not designed in order, whatever order they were refused in: the one
    whose repair was refused among them, since its first request was answered."""
    studio, apartment = plan_jobs(2, 2, 7, tmp_path, {"apartment": 1, "studio": 1},
                                  generator="openai")
    assert (studio.home_id, apartment.home_type) == ("home_001", "apartment")
    small, large = _hold_usd(studio), _hold_usd(apartment)
    assert small < large
    api.script(rate_limited(), completion('{"language": "en"'))
    settings = dataclasses.replace(FAST, concurrency=2, max_cost_usd=(small + large) / 2)
    summary = await _design_in_order(api, [studio, apartment], settings)
    assert [r.home[0] for r in api.requests] == [studio.home_id] * 2  # no repair request
    # refused first: home_002's request, then home_001's repair
    assert summary.not_sent == ["home_001", "home_002"]
    assert summary.refused_usd == large
    assert "so 2 homes were not designed (home_001, home_002)." in openai_command._cap_message(
        summary, settings)


async def test_no_home_is_begun_after_the_cap_is_reached(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Two homes wait for the one in flight; when it answers, the first of them does not fit
    with nothing in flight and reaches the cap. The second would fit, but is not begun."""
    apartment, studio, other = plan_jobs(3, 2, 7, tmp_path, {"apartment": 1, "studio": 1},
                                         generator="openai")
    assert [job.home_type for job in (apartment, studio, other)] == [
        "apartment", "studio", "studio"]
    small, large = _hold_usd(studio), _hold_usd(apartment)
    assert small < large and _hold_usd(other) == small
    limit = REPLY_USD + (small + large) / 2  # after one reply: the studio fits, not the apartment
    settings = dataclasses.replace(FAST, concurrency=3, max_cost_usd=limit)
    summary = await _design_in_order(api, [other, apartment, studio], settings)
    assert [r.home[0] for r in api.requests] == [other.home_id]
    assert summary.not_sent == sorted([apartment.home_id, studio.home_id])
    assert summary.refused_usd == large and not studio.path.exists()


def test_dollars_are_shown_to_two_significant_digits_below_a_dime() -> None:
    assert [usd(d) for d in (0, 0.0048, 0.00119, 0.05, 0.099, 0.125, 2.01, 1e-5)] == [
        "$0.00", "$0.0048", "$0.0012", "$0.05", "$0.099", "$0.12", "$2.01", "$0.00001"]
    # what rounds up to a dime is shown as one, not as "$0.1"
    assert [usd(d) for d in (0.0996, 0.00999)] == ["$0.10", "$0.01"]


# --- the command line, end to end -----------------------------------------------------------


def _env(api: FakeOpenAI | None, key: str | None = "test-key") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPENAI_") and "proxy" not in k.lower()}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    if api is not None:
        env["OPENAI_BASE_URL"] = api.url
    if key is not None:
        env["OPENAI_API_KEY"] = key
    return env


def _generate(output: Path, *args: str) -> list[str]:
    """``generate --backend openai`` with limits a local server does not need."""
    return ["generate", "--backend", "openai", "--days", "2", "--seed", "3",
            "--rpm", "100000", "--tpm", "100000000", "--output", str(output), *args]


def _progress_line(stderr: str) -> str:
    """The progress bar's last state, as the user saw it (spaces collapsed)."""
    bar = next(line for line in stderr.splitlines() if line.startswith("homes (gpt-4o-mini)"))
    return " ".join(bar.split())


def test_cli_quota_exit_code_and_one_line(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(quota_exhausted())
    result = call_trainer(*_generate(tmp_path / "homes", "--count", "3", "--concurrency", "1"),
                          env=_env(api))
    assert result.returncode == 3, result.stderr
    assert len(api.requests) == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: OpenAI quota exhausted (HTTP 429 insufficient_quota")
    assert BILLING_URL in lines[-1] and "This run wrote 0 new homes" in lines[-1]
    assert "Traceback" not in result.stderr


def test_cli_missing_key_before_any_request(api: FakeOpenAI, tmp_path: Path) -> None:
    result = call_trainer(*_generate(tmp_path / "homes", "--count", "2"), env=_env(api, None))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: OPENAI_API_KEY is not set: export OPENAI_API_KEY=sk-… (any non-empty value for "
        "a local server at OPENAI_BASE_URL), or run generate with --dry-run to see the plan and "
        "its cost without a key"]
    assert api.requests == [] and not (tmp_path / "homes").exists()
    blank = call_trainer(*_generate(tmp_path / "homes", "--count", "2"), env=_env(api, "  "))
    assert blank.returncode == 2 and "OPENAI_API_KEY is not set" in blank.stderr
    assert api.requests == [] and not (tmp_path / "homes").exists()


def test_cli_no_request_while_another_run_uses_the_folder(api: FakeOpenAI,
                                                          tmp_path: Path) -> None:
    """Two runs into one folder would pay for every home twice."""
    from trainer.folder_lock import writing_homes

    (tmp_path / "homes").mkdir()
    with writing_homes(tmp_path / "homes"):
        result = call_trainer(*_generate(tmp_path / "homes", "--count", "2"), env=_env(api))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'homes'}: another trainer run is using this folder (generate "
        "writing homes into it, or train, evaluate or curve reading them); wait for it to end, "
        "or generate into another folder"]
    assert api.requests == [] and not list((tmp_path / "homes").iterdir())


def test_cli_web_page_at_the_base_url_is_one_error_line(
        api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(Answer(raw=b"<html>Open WebUI</html>", content_type="text/html"))
    result = call_trainer(*_generate(tmp_path, "--count", "2", "--concurrency", "1"),
                          env=_env(api))
    assert result.returncode == 5, result.stderr
    assert "Traceback" not in result.stderr and len(api.requests) == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: the server at {api.url} did not answer like the chat completions API; check "
        f"OPENAI_BASE_URL. This run wrote 0 new homes to {tmp_path}.")


def test_cli_whitespace_around_the_key_is_ignored(api: FakeOpenAI, tmp_path: Path) -> None:
    """The \r a CRLF .env leaves on the key: a connection error retried six times, exit 6, with
    the key in every line, before the key was stripped."""
    result = call_trainer(*_generate(tmp_path, "--count", "1"), env=_env(api, " test-key\r"))
    assert result.returncode == 0, result.stderr
    assert [r.headers["authorization"] for r in api.requests] == ["Bearer test-key"]


def test_cli_whitespace_around_the_url_and_ids_is_ignored(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """A CRLF .env's \r on OPENAI_BASE_URL was a traceback; on OPENAI_PROJECT_ID or
    OPENAI_ORG_ID, six retries advising to check the server."""
    env = _env(api) | {"OPENAI_BASE_URL": f" {api.url}\r", "OPENAI_PROJECT_ID": "proj_abc\r",
                       "OPENAI_ORG_ID": " org-xyz\r\n"}
    result = call_trainer(*_generate(tmp_path, "--count", "1"), env=env)
    assert result.returncode == 0, result.stderr
    assert [(r.headers["openai-project"], r.headers["openai-organization"])
            for r in api.requests] == [("proj_abc", "org-xyz")]
    # An empty line of that file: nothing is sent (the SDK read "\r" itself and sent it).
    blank = call_trainer(*_generate(tmp_path / "blank", "--count", "1"),
                         env=_env(api) | {"OPENAI_ORG_ID": "\r", "OPENAI_PROJECT_ID": " "})
    assert blank.returncode == 0, blank.stderr
    assert [("openai-organization" in r.headers, "openai-project" in r.headers)
            for r in api.requests[1:]] == [(False, False)]


def test_cli_a_password_in_the_url_is_never_shown(socket_enabled: None, tmp_path: Path) -> None:
    """The dry run's plan and the advice after refused connections named the URL whole."""
    url = f"http://me:s3cret@127.0.0.1:{free_port()}/v1"
    env = _env(None) | {"OPENAI_BASE_URL": url}
    plan = call_trainer(*_generate(tmp_path, "--count", "1", "--dry-run"), env=env)
    assert plan.returncode == 0, plan.stderr
    assert f"at http://me:***@127.0.0.1:{url.rsplit(':', 1)[1]}," in plan.stdout
    assert "s3cret" not in plan.stdout + plan.stderr
    assert shown_url(url).replace(":***@", ":s3cret@") == url
    assert shown_url("http://me@host/v1") == "http://me@host/v1"
    clock = FakeTime()
    jobs = plan_jobs(1, 2, 7, tmp_path, {"condo": 1}, generator="openai")

    async def refused() -> str:
        async with make_client(FAST, api_key="test-key", base_url=url) as client:
            with pytest.raises(APIUnavailable) as caught:
                await generate_homes(jobs, FAST, client, Recorder(), sleep=clock.sleep,
                                     clock=clock.clock)
        return str(caught.value)

    message = asyncio.run(refused())
    assert f"check that the server at {shown_url(url)} is running" in message
    assert "s3cret" not in message


@pytest.mark.parametrize("key", ["sk-…", "sk-proj secret", "sk-proj\tsecret"])
def test_cli_a_key_no_api_has_is_refused_before_any_request(
        api: FakeOpenAI, tmp_path: Path, key: str) -> None:
    """The docs' placeholder pasted as it is was a traceback; a key is never echoed."""
    result = call_trainer(*_generate(tmp_path / "homes", "--count", "2"), env=_env(api, key))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: OPENAI_API_KEY is not a key: it holds a space, a control character or a "
        "non-ASCII character (the '…' of the placeholder sk-…, say); set it to the key itself"]
    assert "secret" not in result.stderr
    assert api.requests == [] and not (tmp_path / "homes").exists()


def test_cli_bad_key_exit_code(api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(error(401, "invalid_api_key", "Incorrect API key provided."))
    result = call_trainer(*_generate(tmp_path, "--count", "2", "--model", "gpt-9",
                                    "--concurrency", "1"),
                          env=_env(api))
    assert result.returncode == 4, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: OpenAI refused the API key (HTTP 401 invalid_api_key")
    assert len(api.requests) == 1 and api.requests[0].body["model"] == "gpt-9"


def test_cli_success_then_nothing_to_do(api: FakeOpenAI, tmp_path: Path) -> None:
    args = _generate(tmp_path, "--count", "2", "--mix", "studio=1,ranch_house=1")
    result = call_trainer(*args, env=_env(api))
    assert result.returncode == 0, result.stderr
    assert "2 homes written" in result.stderr and "2 requests (0 retries)" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home_001.json.gz", "home_002.json.gz"]
    labels = sorted(read_snapshot(p).home_type or "" for p in tmp_path.iterdir())
    assert labels == ["ranch_house", "studio"]
    again = call_trainer(*args, env=_env(api, None))  # nothing left to ask: no key needed
    assert again.returncode == 0 and "nothing to do" in again.stderr
    assert len(api.requests) == 2


def test_cli_dry_run_needs_no_key_and_sends_nothing(api: FakeOpenAI, tmp_path: Path) -> None:
    result = call_trainer(*_generate(tmp_path / "homes", "--count", "4", "--dry-run"),
                          env=_env(api, None))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("dry run: 4 requests to gpt-4o-mini at " + api.url)
    assert [line.split()[0] for line in lines[1:5]] == [f"home_00{i}" for i in range(1, 5)]
    assert lines[5].startswith("total: ~") and lines[6].startswith("cost: about $0.0")
    assert "assumed price for gpt-4o-mini: $0.15 input / $0.60 output" in lines[6]
    assert api.requests == [] and not (tmp_path / "homes").exists()


def test_cli_rejects_bad_openai_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Each refused in this process (17 interpreters took 40 s), with no key and no server."""
    for name in [name for name in os.environ if name.startswith("OPENAI_")]:
        monkeypatch.delenv(name)

    def refusal(*argv: str) -> str:
        code = trainer_in_process(monkeypatch, *argv)
        err = capsys.readouterr().err.strip()
        assert code == 2, (argv, err)
        return err

    def openai_refusal(*args: str) -> str:
        return refusal(*_generate(tmp_path, *args))

    assert openai_refusal("--concurrency", "0") == "error: --concurrency must be at least 1"
    assert openai_refusal("--model", " ", "--dry-run") == "error: --model must name a model"
    for bad in ("0", "-1", "nan", "inf"):
        assert openai_refusal("--max-cost", bad, "--dry-run").startswith(
            "error: --max-cost must be a positive number of dollars, not "), bad
    assert openai_refusal("--max-cost", "1", "--model", "llama3", "--dry-run") == (
        "error: --max-cost needs the price of 'llama3', and none is assumed (priced: "
        "gpt-4o-mini, gpt-4o, gpt-4.1-nano, gpt-4.1-mini, gpt-4.1): give it as --price "
        "INPUT,OUTPUT (USD per million input and output tokens), or leave --max-cost out for a "
        "free or local server")
    for bad in ("0.25", "0.25;2", "a,b", "1,2,3", "-0.1,2", "nan,1", "1,inf", ""):
        assert openai_refusal("--price", bad, "--dry-run") == (
            "error: --price must be two dollar amounts per million tokens, INPUT,OUTPUT, each 0 "
            f"or more (e.g. --price 0.25,2.00), not {bad!r}"), bad
    # Retried for a minute as a connection error, and --dry-run named it as the server.
    for bad in ("notaurl", "localhost:8000/v1", "ftp://host/v1", "http://", "http://[::1/v1",
                "http://host:99999/v1", "http://host:port/v1", "user:secret@host/v1",
                "http://host:1/v\r1", "http://host/my v1"):
        monkeypatch.setenv("OPENAI_BASE_URL", bad)
        for dry_run in ((), ("--dry-run",)):
            assert openai_refusal("--count", "2", *dry_run) == (
                "error: OPENAI_BASE_URL is not a server's address: give it with http:// or "
                "https:// and a host, and no space or control character (e.g. "
                "http://localhost:11434/v1 for a local server), or unset it for OpenAI's own "
                "API"), bad
    monkeypatch.delenv("OPENAI_BASE_URL")
    for bad in ("999", "0", "-1"):
        assert openai_refusal("--max-reply-tokens", bad, "--dry-run") == (
            "error: --max-reply-tokens must be at least 1,000 tokens (a home's design takes up "
            f"to ~3,750), not {int(bad):,}"), bad
    for bad in ("0", "-5", "nan", "inf"):
        assert openai_refusal("--timeout", bad, "--dry-run") == (
            f"error: --timeout must be a positive number of seconds, not {float(bad):g}"), bad
    # Sent as headers: a non-ASCII id was a traceback, a control character six retries.
    for name in ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        for bad in ("proj_\u00e9", "org-x\ry", "org x"):
            monkeypatch.setenv(name, bad)
            assert openai_refusal("--count", "2") == (
                f"error: {name} is not an id: it holds a space, a control character or a "
                "non-ASCII character; set it to the id itself, or unset it"), bad
        monkeypatch.delenv(name)
    assert not (tmp_path / "home_001.json.gz").exists()
    defaults = {name: param.default for name, param in
                inspect.signature(homes_commands.generate).parameters.items()}
    with pytest.raises(UserError, match="--dry-run: OpenAI backend option; use with "):
        homes_commands.generate(**{**defaults, "output": tmp_path, "dry_run": True})
    # Without --backend openai they would do nothing, silently.
    assert refusal("generate", "--model", "gpt-4o", "--concurrency", "2", "--rpm", "5", "--tpm",
                   "5000", "--max-cost", "1", "--price", "0,0", "--timeout", "30",
                   "--max-reply-tokens", "16000", "--output", str(tmp_path / "homes")) == (
        "error: --model, --concurrency, --rpm, --tpm, --max-cost, --price, --timeout, "
        "--max-reply-tokens: OpenAI backend options; use with --backend openai")
    assert not (tmp_path / "homes").exists()
    # And the other way round: the OpenAI backend would ignore it.
    with pytest.raises(UserError, match="--workers: procedural backend option"):
        homes_commands.generate(**{**defaults, "output": tmp_path, "backend": "openai",
                                   "workers": 8, "dry_run": True})
    for flag in ("rpm", "tpm"):
        with pytest.raises(UserError, match=f"--{flag} must be at least 1"):
            homes_commands.generate(**{**defaults, "output": tmp_path, "backend": "openai", flag: 0,
                            "dry_run": True})


def test_openai_flags_at_their_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The least allowance taken is 1,000 tokens, a long --timeout lengthens the retry budget,
    and an allowance that fills --tpm exactly with the largest prompt still fits."""
    for name in [name for name in os.environ if name.startswith("OPENAI_")]:
        monkeypatch.delenv(name)
    least = openai_command.openai_settings("gpt-4o-mini", 1, 1, 1, max_reply_tokens=1_000)
    assert least.max_completion_tokens == 1_000 and least.max_retry_seconds == 300
    patient = openai_command.openai_settings("gpt-4o-mini", 1, 1, 1, timeout=600)
    assert patient.max_retry_seconds == 1_500  # 2.5 timeouts: room for a second attempt
    # Not given, the wait grows with the allowance, and the retry budget with it; given, it
    # is taken as it is.
    waits = {tokens: openai_command.openai_settings("gpt-4o-mini", 1, 1, 1,
                                                    max_reply_tokens=tokens)
             for tokens in (1_000, 8_000, 12_000, 32_000)}
    assert {tokens: (s.timeout, s.max_retry_seconds) for tokens, s in waits.items()} == {
        1_000: (120, 300), 8_000: (120, 300), 12_000: (180, 450), 32_000: (480, 1_200)}
    brief = openai_command.openai_settings("gpt-4o-mini", 1, 1, 1, timeout=30,
                                           max_reply_tokens=32_000)
    assert (brief.timeout, brief.max_retry_seconds) == (30, 300)
    jobs = plan_jobs(4, 2, 3, tmp_path, generator="openai")
    largest = max(chat_tokens(messages(job)) for job in jobs)
    exact = dataclasses.replace(FAST, tpm=largest + FAST.max_completion_tokens)
    assert openai_command._allowance_problem(jobs, exact) is None
    over = openai_command._allowance_problem(jobs, dataclasses.replace(exact, tpm=exact.tpm - 1))
    assert over is not None and over.startswith(
        f"--max-reply-tokens 8,000 and a prompt of up to ~{largest:,} tokens are more than "
        f"--tpm {exact.tpm - 1:,} allows a request")


def test_cli_resume_refuses_homes_of_other_flags(api: FakeOpenAI, tmp_path: Path) -> None:
    """An LLM folder resumes only with the flags that planned it; no request is sent otherwise."""
    args = _generate(tmp_path, "--count", "2", "--mix", "condo=1", "--concurrency", "1")
    assert call_trainer(*args, env=_env(api)).returncode == 0
    assert len(api.requests) == 2
    again = call_trainer(*args, env=_env(api))
    assert again.returncode == 0 and "2 of 2 homes already" in again.stderr
    for flags in (("--days", "3"), ("--seed", "4"), ("--dry-run", "--days", "3")):
        result = call_trainer(*args, *flags, env=_env(api))
        assert result.returncode == 2, (flags, result.stderr)
        assert result.stderr.startswith(f"error: {tmp_path} holds homes of ")
        assert f"pass --overwrite or delete {tmp_path} to regenerate them" in result.stderr
    assert len(api.requests) == 2


def test_cli_counts_only_the_homes_this_run_wrote(api: FakeOpenAI, tmp_path: Path) -> None:
    first = call_trainer(*_generate(tmp_path, "--count", "2", "--mix", "condo=1"), env=_env(api))
    assert first.returncode == 0, first.stderr
    plan = call_trainer(*_generate(tmp_path, "--count", "4", "--mix", "condo=1", "--dry-run"),
                        env=_env(api, None))
    lines = plan.stdout.strip().splitlines()
    assert lines[0].startswith("dry run: 2 requests") and "(2 of 4 homes already in" in lines[0]
    assert [line.split()[0] for line in lines[1:3]] == ["home_003", "home_004"]
    api.script(completion(design_reply("condo")), quota_exhausted())
    second = call_trainer(*_generate(tmp_path, "--count", "4", "--mix", "condo=1",
                                    "--concurrency", "1"), env=_env(api))
    assert second.returncode == 3, second.stderr
    assert "This run wrote 1 new home to" in second.stderr.strip().splitlines()[-1]
    assert len(list(tmp_path.iterdir())) == 3
    # --overwrite plans every home again; the three kept from before are not this run's
    api.script(quota_exhausted())
    third = call_trainer(*_generate(tmp_path, "--count", "4", "--mix", "condo=1",
                                   "--concurrency", "1", "--overwrite"), env=_env(api))
    assert third.returncode == 3, third.stderr
    assert "This run wrote 0 new homes" in third.stderr.strip().splitlines()[-1]
    assert len(list(tmp_path.iterdir())) == 3


def test_cli_skipped_homes_are_named_and_retried_by_a_rerun(
        api: FakeOpenAI, tmp_path: Path) -> None:
    bad = completion('{"language": "en"')
    api.script(bad, bad)
    args = _generate(tmp_path, "--count", "2", "--mix", "condo=1", "--concurrency", "1")
    result = call_trainer(*args, env=_env(api))
    assert result.returncode == 0, result.stderr
    err = " ".join(result.stderr.split())
    assert "home_001 skipped: the reply is not valid JSON" in err
    assert ("1 home skipped because the model's design could not be used: home_001. Run the "
            "same command again to retry it.") in err
    assert [p.name for p in tmp_path.iterdir()] == ["home_002.json.gz"]
    again = call_trainer(*args, env=_env(api))
    assert again.returncode == 0, again.stderr
    assert [r.home[0] for r in api.requests[3:]] == ["home_001"]
    assert len(list(tmp_path.iterdir())) == 2


def test_cli_an_overwrite_that_stopped_says_how_to_pay_only_for_the_rest(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Stopped (here by the quota), a run with --overwrite advised running the same command
    again, which designs every home again, paying twice for those just written (at a
    --max-cost stop, stopping at the same place again). The note's way pays once."""
    args = _generate(tmp_path, "--count", "3", "--mix", "condo=1", "--concurrency", "1")
    assert call_trainer(*args, env=_env(api)).returncode == 0
    api.script(completion(design_reply("condo")), quota_exhausted())
    stopped = call_trainer(*args, "--overwrite", env=_env(api))
    assert stopped.returncode == 3, stopped.stderr
    assert ("note: with --overwrite the same command designs all 3 homes again, those this run "
            "wrote too; to design only the rest, delete the 2 homes it did not rewrite "
            "(home_002.json.gz, home_003.json.gz) and run it without --overwrite"
            ) in " ".join(stopped.stderr.split())
    for name in ("home_002.json.gz", "home_003.json.gz"):
        (tmp_path / name).unlink()
    sent = len(api.requests)
    again = call_trainer(*args, env=_env(api))
    assert again.returncode == 0, again.stderr
    assert sorted(r.home[0] for r in api.requests[sent:]) == ["home_002", "home_003"]
    assert "note:" not in again.stderr


def test_cli_a_run_whose_every_reply_was_unusable_fails(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """A server that ignores response_format (here: JSON in a Markdown fence) makes every
    reply unusable. The run paid for every request, wrote nothing, and exited 0, so that the
    pipeline went on to pay for its evaluation homes; it now fails with exit 5."""
    fenced = completion("```json\n" + design_reply("condo") + "\n```")
    api.script(*[fenced] * 4)
    result = call_trainer(*_generate(tmp_path, "--count", "2", "--mix", "condo=1",
                                    "--concurrency", "1"), env=_env(api))
    assert result.returncode == 5, result.stderr
    last = " ".join(result.stderr.strip().splitlines()[-1].split())
    assert last.startswith("error: not one home could be designed: every reply was unusable, "
                           "even after a repair request (home_001: the reply is not valid JSON")
    assert "Check that the model 'gpt-4o-mini' supports structured outputs" in last
    assert len(api.requests) == 4 and list(tmp_path.iterdir()) == []
    # A rerun for the homes skipped by an earlier run, beside the ones it wrote: exit 0.
    api.script(completion(design_reply("condo")), fenced, fenced)
    first = call_trainer(*_generate(tmp_path, "--count", "2", "--mix", "condo=1",
                                   "--concurrency", "1"), env=_env(api))
    assert first.returncode == 0 and len(list(tmp_path.iterdir())) == 1, first.stderr
    api.script(fenced, fenced)
    again = call_trainer(*_generate(tmp_path, "--count", "2", "--mix", "condo=1",
                                   "--concurrency", "1"), env=_env(api))
    assert again.returncode == 0, again.stderr
    assert "1 home skipped because the model's design could not be used" in again.stderr


def test_cli_max_reply_tokens_is_the_allowance_sent_held_and_advised(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """A reasoning model's thinking counts against the 8,000-token allowance: its replies were
    cut off, each home cost two full requests, and nothing said what to change."""
    cut = completion(None, finish_reason="length")
    api.script(cut, cut, cut, cut)
    args = _generate(tmp_path, "--count", "2", "--mix", "condo=1", "--concurrency", "1")
    result = call_trainer(*args, env=_env(api))
    assert result.returncode == 5, result.stderr
    err = " ".join(result.stderr.split())
    assert ("home_001 skipped: the reply was cut off at the token limit, 8,000 tokens, after "
            "one repair request; a reasoning model's thinking counts against it: raise "
            "--max-reply-tokens (pipeline: --openai-max-reply-tokens)") in err
    assert err.endswith("Raise --max-reply-tokens (pipeline: --openai-max-reply-tokens) above "
                        "8,000, or ask a model that does not reason")
    assert "supports structured outputs" not in err
    raised = call_trainer(*args, "--max-reply-tokens", "32000", env=_env(api))
    assert raised.returncode == 0, raised.stderr
    assert len(list(tmp_path.iterdir())) == 2
    assert {(r.body["max_completion_tokens"], r.body["max_tokens"])
            for r in api.requests[4:]} == {(32_000, 32_000)}
    # What each request holds of --tpm and --max-cost: the dry run counts the new allowance.
    plan = call_trainer(*_generate(tmp_path / "plan", "--count", "2", "--max-reply-tokens",
                                  "16000", "--dry-run"), env=_env(api, None))
    assert plan.returncode == 0, plan.stderr
    assert "+ 16,000 reply tokens" in " ".join(plan.stdout.split())
    # OpenAI refuses a request above the account's tokens per minute: none is planned so.
    beyond = call_trainer(*_generate(tmp_path / "beyond", "--count", "2", "--tpm", "30000",
                                    "--max-reply-tokens", "50000", "--dry-run"),
                          env=_env(api, None))
    assert beyond.returncode == 2 and " ".join(beyond.stderr.split()).startswith(
        "error: --max-reply-tokens 50,000 and a prompt of up to ~"), beyond.stderr
    assert "more than --tpm 30,000 allows a request" in " ".join(beyond.stderr.split())
    assert len(api.requests) == 6 and not (tmp_path / "beyond").exists()


def test_cli_one_cut_off_home_among_others_gets_the_allowance_advice(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """The advice came from the first home skipped, whatever the others': here an invalid
    reply, while the next home's replies were cut off."""
    bad, cut = completion('{"language": "en"'), completion(None, finish_reason="length")
    api.script(bad, bad, cut, cut)
    result = call_trainer(*_generate(tmp_path, "--count", "2", "--mix", "condo=1",
                                    "--concurrency", "1"), env=_env(api))
    assert result.returncode == 5, result.stderr
    last = " ".join(result.stderr.strip().splitlines()[-1].split())
    assert "(home_002: the reply was cut off at the token limit" in last
    assert last.endswith("Raise --max-reply-tokens (pipeline: --openai-max-reply-tokens) above "
                         "8,000, or ask a model that does not reason")


@pytest.mark.parametrize(("code", "param", "message"), [
    ("invalid_parameter_combination", None,
     "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported."),
    ("unsupported_parameter", "max_tokens", "Unsupported parameter: 'max_tokens' is not "
     "supported with this model. Use 'max_completion_tokens' instead."),
])
async def test_a_proxy_to_openai_gets_the_newer_reply_limit_alone(
        api: FakeOpenAI, tmp_path: Path, code: str, param: str | None, message: str) -> None:
    """A server on this network gets max_tokens too, for Ollama; a proxy there (LiteLLM)
    passes it on to OpenAI, which refuses it. That was read as an allowance too large ("Lower
    --max-reply-tokens") and stopped the run; now the request goes again without it, and so
    does every later one."""
    api.script(error(400, code, message, type_="invalid_request_error", param=param))
    recorder = Recorder()
    jobs, summary = await design_homes(api, tmp_path, count=2, mix={"condo": 1},
                                       reporter=recorder)
    assert all(job.path.exists() for job in jobs) and summary.retries == 0
    assert ["max_tokens" in request.body for request in api.requests] == [True, False, False]
    assert all(request.body["max_completion_tokens"] == 8_000 for request in api.requests)


@pytest.mark.parametrize(("status", "message"), [
    (400, "max_tokens is too large: 32000. This model supports at most 16384 completion tokens, "
          "whereas you provided 32000."),
    (400, "This model's maximum context length is 32768 tokens. However, you requested 41900 "
          "tokens (1900 in the messages, 40000 in the completion)."),
    (429, "Request too large for gpt-4o-mini in organization org-x on tokens per min (TPM): "
          "Limit 30000, Requested 33900. The input or output tokens must be reduced in order "
          "to run successfully."),
])
def test_cli_an_allowance_refused_stops_at_once_saying_to_lower_it(
        api: FakeOpenAI, tmp_path: Path, status: int, message: str) -> None:
    """Each said "check the model supports structured outputs", or was retried six times as a
    rate limit and ended "try again later": no retry or model changes the allowance."""
    api.script(error(status, "rate_limit_exceeded" if status == 429 else None, message,
                     type_="tokens" if status == 429 else "invalid_request_error"))
    result = call_trainer(*_generate(tmp_path, "--count", "2", "--mix", "condo=1",
                                    "--concurrency", "1"), env=_env(api))
    assert result.returncode == 5, result.stderr
    last = " ".join(result.stderr.strip().splitlines()[-1].split())
    assert last.startswith("error: OpenAI rejected the request for its reply allowance "
                           f"(HTTP {status}"), last
    assert ("Lower --max-reply-tokens (pipeline: --openai-max-reply-tokens) below the model's "
            "output limit") in last
    assert len(api.requests) == 1


def test_cli_dry_run_time_at_the_default_limits(tmp_path: Path) -> None:
    """With the defaults the TPM budget, not the RPM one, bounds the time: it is printed."""
    output = tmp_path / "homes"
    result = call_trainer("generate", "--backend", "openai", "--count", "20", "--days", "2",
                          "--seed", "3", "--output", str(output), "--dry-run", env=_env(None, None))
    assert result.returncode == 0, result.stderr
    plans = plan_requests(plan_jobs(20, 2, 3, output, generator="openai"))
    reserved = sum(p.prompt_tokens for p in plans) + 20 * 8_000
    assert reserved / 100_000 > 20 / 60
    assert (f"time: at least {reserved / 100_000:.1f} min within --rpm 60 --tpm 100000"
            in result.stdout)
    assert ("wait: up to 120 s for each reply (--timeout); no new attempt of a request starts "
            "300 s after its first") in result.stdout
    longer = call_trainer("generate", "--backend", "openai", "--count", "2", "--days", "2",
                          "--output", str(output), "--max-reply-tokens", "16000", "--dry-run",
                          env=_env(None, None))
    assert "wait: up to 240 s for each reply (--timeout)" in longer.stdout, longer.stderr


def test_cli_llm_homes_go_to_a_folder_of_their_own_by_default(tmp_path: Path) -> None:
    """Without --output, homes designed by an LLM go to data/synthetic_homes_llm, not among the
    procedural homes of data/synthetic_homes: a folder of both is refused by the next run
    of either backend, and training would mix the two."""
    result = run_trainer("generate", "--backend", "openai", "--count", "2", "--days", "2",
                         "--dry-run", cwd=tmp_path,
                         env={**_env(None, None), "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert "(0 of 2 homes already in data/synthetic_homes_llm)" in result.stdout


def test_dry_run_time_when_requests_per_minute_bind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Three requests at --rpm 2 take at least 1.5 minutes, however high --tpm is."""
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    jobs = plan_jobs(3, 2, 3, tmp_path, generator="openai")
    openai_command._print_plan(jobs, 3, dataclasses.replace(FAST, rpm=2), tmp_path)
    assert "time: at least 1.5 min within --rpm 2 --tpm 100000000" in capsys.readouterr().out


def test_cli_max_cost_stops_with_exit_7_and_a_rerun_finishes(
        api: FakeOpenAI, tmp_path: Path) -> None:
    holds = [_hold_usd(job) for job in plan_jobs(3, 2, 3, tmp_path, generator="openai")]
    limit = f"{max(holds) + REPLY_USD / 2:.6f}"  # room for the first home only
    args = _generate(tmp_path, "--count", "3", "--concurrency", "1")
    result = call_trainer(*args, "--max-cost", limit, env=_env(api))
    assert result.returncode == 7, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["home_001.json.gz"]
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: stopped at --max-cost {usd(float(limit))}: {usd(REPLY_USD)} of it used, and "
        f"the next request, holding {usd(holds[1])} until it answers, could have passed it, so "
        "2 homes were not designed (home_002, home_003). Run the same command again to design "
        "them: the cap counts each run's spend on its own, and the homes written are kept.")
    assert "1 request (0 retries)" in result.stderr and len(api.requests) == 1
    assert f"; {usd(REPLY_USD)} of --max-cost {usd(float(limit))} used" in result.stderr
    # the bar ends full, not stalled at 1/3 as if the run had hung, and says why
    assert ("3/3 retries 0 · skipped 0 · 3,400 tokens · cap reached: 2 homes not designed"
            in _progress_line(result.stderr))
    # the same cap again: a new run's own budget, for the homes not yet written
    again = call_trainer(*args, "--max-cost", limit, env=_env(api))
    assert again.returncode == 7, again.stderr
    assert [r.home[0] for r in api.requests[1:]] == ["home_002"]
    assert "2/2 retries 0 · skipped 0 · 3,400 tokens · cap reached: 1 home not designed" in \
        _progress_line(again.stderr)
    last = call_trainer(*args, "--max-cost", limit, env=_env(api))
    assert last.returncode == 0, last.stderr
    assert [r.home[0] for r in api.requests[1:]] == ["home_002", "home_003"]
    assert "cap reached" not in last.stderr
    assert len(list(tmp_path.iterdir())) == 3


def test_cli_a_reply_past_the_allowance_stops_the_run_at_the_cap(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """A server that ignores the reply allowance (Ollama and max_completion_tokens) answers
    30,000 tokens: the cap is passed, no home is begun after it, and the line says why, not
    that the next request "could have passed it"."""
    long = completion(design_reply("condo"))
    long.body["usage"] = {"prompt_tokens": 1900, "completion_tokens": 30_000,
                          "total_tokens": 31_900}
    api.script(long)
    holds = [_hold_usd(job) for job in plan_jobs(3, 2, 3, tmp_path, generator="openai")]
    limit = f"{max(holds) * 2:.6f}"  # room for two homes as the allowance promises
    result = call_trainer(*_generate(tmp_path, "--count", "3", "--concurrency", "1"),
                          "--max-cost", limit, env=_env(api))
    assert result.returncode == 7, result.stderr
    spent = cost_usd("gpt-4o-mini", 1900, 30_000)
    assert spent is not None and spent > float(limit)
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: stopped at --max-cost {usd(float(limit))}: {usd(spent)} spent, past it: a "
        "reply was longer than the 8,000 tokens its request held for it, which the server did "
        "not keep to, so 2 homes were not designed (home_002, home_003). Run the same command "
        "again to design them: the cap counts each run's spend on its own, and the homes "
        "written are kept.")
    assert len(api.requests) == 1


def test_cli_dry_run_says_where_max_cost_stops_the_run(tmp_path: Path) -> None:
    args = ("generate", "--backend", "openai", "--count", "20", "--days", "2", "--seed", "3",
            "--output", str(tmp_path / "homes"), "--dry-run")
    plans = plan_requests(plan_jobs(20, 2, 3, tmp_path / "homes", generator="openai"))
    fit = homes_within(0.01, FAST.model, plans, 8_000)
    assert 0 < fit < 20
    low = call_trainer(*args, "--max-cost", "0.01", env=_env(None, None))
    assert low.returncode == 0, low.stderr
    assert low.stdout.strip().splitlines()[-1].startswith(
        f"cap: --max-cost $0.01 stops the run after about {fit} of 20 homes (each request "
        "holds its prompt + 8,000 reply tokens of the cap until it answers")
    high = call_trainer(*args, "--max-cost", "1", env=_env(None, None))
    assert "cap: --max-cost $1.00 leaves room for every planned home" in high.stdout


def test_homes_within_feeds_the_plan_through_the_cap() -> None:
    """Each estimated home spends its reply and must first fit its whole allowance."""
    plans = plan_requests(plan_jobs(10, 2, 3, Path("."), generator="openai"))
    cap = SpendingCap(None, FAST.model)
    spent = [cap.dollars(p.prompt_tokens, p.completion_tokens) for p in plans]
    held = [cap.dollars(p.prompt_tokens, 8_000) for p in plans]
    limit = sum(spent[:4]) + held[4]  # the fifth fits exactly, the sixth not
    assert homes_within(limit, FAST.model, plans, 8_000) == 5
    assert homes_within(limit - 1e-9, FAST.model, plans, 8_000) == 4
    assert homes_within(100.0, FAST.model, plans, 8_000) == 10


def test_a_given_price_replaces_the_assumed_one() -> None:
    """--price prices a model the table does not know, and overrides one it does."""
    assert cost_usd("gpt-5-mini", 2_000_000, 1_000_000, (0.25, 2.00)) == pytest.approx(2.50)
    assert cost_usd("gpt-4o-mini", 1_000_000, 0, (1.0, 0.0)) == pytest.approx(1.0)
    assert cost_usd("gpt-4o-mini", 1_000_000, 1_000_000, (0.0, 0.0)) == 0.0
    plans = plan_requests(plan_jobs(10, 2, 3, Path("."), generator="openai"))
    assert homes_within(0.02, "gpt-4o-mini", plans, 8_000) == 10
    # The given price, not the table's, whichever model (how many fit follows the prompt).
    priced = homes_within(0.02, "gpt-4o-mini", plans, 8_000, (0.25, 2.00))
    assert 0 < priced < 10
    assert homes_within(0.02, "gpt-5-mini", plans, 8_000, (0.25, 2.00)) == priced
    assert homes_within(1e-9, "gpt-5-mini", plans, 8_000, (0.0, 0.0)) == 10
    assert SpendingCap(1.0, "llama3", (0.0, 0.0)).dollars(10**9, 10**9) == 0.0


def test_cli_price_is_what_the_dry_run_and_the_summary_count(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """A model without an assumed price gets one from --price; a known model's is replaced."""
    args = _generate(tmp_path, "--count", "2", "--model", "gpt-5-mini", "--price", "0.25,2.00")
    plan = call_trainer(*args, "--dry-run", env=_env(api, None))
    assert plan.returncode == 0, plan.stderr
    plans = plan_requests(plan_jobs(2, 2, 3, tmp_path, generator="openai"))
    dollars = cost_usd("gpt-5-mini", sum(p.prompt_tokens for p in plans),
                       sum(p.completion_tokens for p in plans), (0.25, 2.00)) or 0.0
    assert (f"cost: about {usd(dollars)} (--price for gpt-5-mini: $0.25 input / $2.00 output "
            "per million tokens)") in plan.stdout
    result = call_trainer(*args, env=_env(api))
    assert result.returncode == 0, result.stderr
    assert [r.body["model"] for r in api.requests] == ["gpt-5-mini"] * 2
    paid = 2 * (1_900 * 0.25 + 1_500 * 2.00) / 1e6  # the fake reports 1,900 + 1,500 tokens
    assert (f"about {usd(paid)} (--price for gpt-5-mini: $0.25 input / $2.00 output per million "
            "tokens)") in " ".join(result.stderr.split())
    known = call_trainer(*_generate(tmp_path / "known", "--count", "1", "--price", "0.075,0",
                                   "--dry-run"), env=_env(api, None))
    assert "(--price for gpt-4o-mini: $0.075 input / $0.00 output per million tokens)" in \
        known.stdout
    unknown = call_trainer(*_generate(tmp_path / "unknown", "--count", "1", "--model", "llama3",
                                     "--dry-run"), env=_env(api, None))
    assert ("cost: unknown (no price assumed for 'llama3'; --price INPUT,OUTPUT gives one)"
            in unknown.stdout)


def test_cli_max_cost_counts_at_the_given_price(api: FakeOpenAI, tmp_path: Path) -> None:
    """With --price, --max-cost holds and spends at that price: here room for one home only,
    where gpt-4o-mini's assumed price would have left room for all three."""
    price = (0.25, 2.00)
    jobs = plan_jobs(3, 2, 3, tmp_path, generator="openai")
    hold = [cost_usd("gpt-5-mini", chat_tokens(messages(job)), 8_000, price) or 0.0
            for job in jobs]
    spent = cost_usd("gpt-5-mini", 1_900, 1_500, price) or 0.0
    limit = max(hold) + spent / 2
    assert 2 * REPLY_USD + max(_hold_usd(job) for job in jobs) < limit
    args = _generate(tmp_path, "--count", "3", "--concurrency", "1", "--model", "gpt-5-mini",
                     "--price", "0.25,2.00", "--max-cost", f"{limit:.6f}")
    plan = call_trainer(*args, "--dry-run", env=_env(api, None))
    assert f"cap: --max-cost {usd(limit)} stops the run after about 1 of 3 homes" in \
        plan.stdout, plan.stdout
    result = call_trainer(*args, env=_env(api))
    assert result.returncode == 7, result.stderr
    assert len(api.requests) == 1 and [p.name for p in tmp_path.iterdir()] == [
        "home_001.json.gz"]
    assert f"; {usd(spent)} of --max-cost {usd(limit)} used" in result.stderr
    assert f"holding {usd(hold[1])} until it answers" in result.stderr.splitlines()[-1]


@pytest.mark.slow
def test_cli_ctrl_c_leaves_no_partial_file_and_rerun_resumes(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """Ctrl-C while a home is being written: that home is finished whole and counted."""
    api.default_delay = 0.4
    args = _generate(tmp_path, "--count", "6", "--concurrency", "1")
    stderr, written = interrupt_after_first_home(args, tmp_path, env=_env(api), timeout=60,
                                                 mid_write=True)
    assert [p.name for p in written][:2] == ["home_001.json.gz", "home_002.json.gz"]
    assert f"interrupted: {len(written)} new homes written" in stderr
    before = len(api.requests)
    api.default_delay = 0.0
    resumed = call_trainer(*args, env=_env(api))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(written)} of 6 homes already" in resumed.stderr
    assert len(api.requests) - before == 6 - len(written)
    assert len(list(tmp_path.iterdir())) == 6


def test_cli_a_second_ctrl_c_still_waits_for_the_designed_home(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """The first Ctrl-C says what it waits for (nothing was shown for as long as it took); a
    second one no longer ends the wait with a count the files then outgrew."""
    args = _generate(tmp_path, "--count", "6", "--concurrency", "1", "--max-cost", "5")
    api.default_delay = 0.4
    stderr, written = interrupt_after_first_home(args, tmp_path, env=_env(api), timeout=60,
                                                 mid_write=True, presses=2)
    shown = " ".join(stderr.split())
    # The second home, held halfway through its write, and those whose designs came meanwhile:
    # on a loaded machine, simulating the second home outlasts two more replies.
    waited = re.search(r"waiting for the (\d+) homes? already designed to be written", shown)
    assert waited, shown
    assert [p.name for p in written][:2] == ["home_001.json.gz", "home_002.json.gz"]
    # All written (the first home too may have been still on its way to the disk).
    assert 1 <= int(waited[1]) <= len(written)
    assert f"interrupted: {len(written)} new homes written" in shown
    # A stopped run says what it spent, as a finished one does.
    assert re.search(r"\d+ requests \(0 retries\), [\d,]+ input \+ [\d,]+ output tokens, about "
                     r"\$[\d.]+ .*; \$[\d.]+ of --max-cost \$5.00 used", shown), shown


def test_cli_progress_counts_the_tokens_of_skipped_homes(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """The bar showed "skipped 1 · 0 tokens" for two requests paid for."""
    bad = completion('{"language": "en"')
    api.script(bad, bad)
    result = call_trainer(*_generate(tmp_path, "--count", "1"), env=_env(api))
    assert result.returncode == 5, result.stderr  # its only home: no home could be designed
    assert "skipped 1 · 6,800 tokens" in _progress_line(result.stderr)


# --- the classifier ------------------------------------------------------------------------------


@pytest.mark.slow
def test_llm_and_procedural_homes_train_one_classifier(api: FakeOpenAI, tmp_path: Path) -> None:
    """LLM homes are ordinary training data: one folder of both trains the classifier.

    The folder is mixed the way a user would mix it now that ``generate`` never resumes over
    another backend's homes: 16 procedural homes, plus the last 8 of 24 the OpenAI backend
    designed in a folder of its own, then ``python -m trainer train`` trains on the folder.
    """
    mix = ",".join(f"{label}=1" for label in (
        "studio", "apartment", "condo", "townhouse", "single_family_house", "ranch_house",
        "multi_story", "cottage"))
    homes, evaluation = tmp_path / "homes", tmp_path / "evaluation"
    for count, seed, folder in (("16", "1", homes), ("8", "2", evaluation)):
        made = call_trainer("generate", "--count", count, "--days", "4", "--seed", seed,
                            "--mix", mix, "--output", str(folder), *ONE_WORKER)
        assert made.returncode == 0, made.stderr
    refused = call_trainer(*_generate(homes, "--count", "24", "--seed", "1", "--mix", mix),
                           env=_env(api))
    assert refused.returncode == 2 and "holds homes of the procedural backend, 4 days; these " \
        "flags ask for homes of the openai backend, 2 days" in refused.stderr and not api.requests
    llm_homes = tmp_path / "llm"
    llm = call_trainer(*_generate(llm_homes, "--count", "24", "--seed", "1", "--mix", mix),
                       env=_env(api))
    assert llm.returncode == 0, llm.stderr
    assert len(api.requests) == 24
    for path in sorted(llm_homes.iterdir())[16:]:
        path.rename(homes / path.name)
    generators = [read_snapshot(p).metadata["generator"] for p in sorted(homes.iterdir())]
    assert generators == ["procedural"] * 16 + ["openai"] * 8
    model = tmp_path / "models" / "home_type_classifier.pkl"
    trained = call_trainer("train", "--synthetic-homes", str(homes), "--evaluation-homes",
                           str(evaluation), "--output", str(model), "--copies", "1")
    assert trained.returncode == 0, trained.stderr + trained.stdout
    # The model says what it learned from (train fits on the homes it records): both kinds.
    info = load_model(model).info["training_data"]
    assert (info["homes"], info["generators"]) == (24, ["openai", "procedural"])

