"""A fake OpenAI API on 127.0.0.1: real HTTP, scripted answers, every request recorded.

Tests talk to it through the real ``openai`` SDK (``base_url``/``OPENAI_BASE_URL``), so what is
tested is the SDK's real exception classes, headers and bodies -- not a mock of them. Each test
scripts the answers it needs (``server.script(...)``); once the script runs out, the server
answers every request with a valid design for the home the request asks for.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from trainer.generate.llm_schema import from_design
from trainer.generate.procedural import design_home

_ASKED = re.compile(r"Design home (\S+): an? (.+?) — ")


@dataclass(frozen=True)
class Answer:
    """One scripted answer: a status, headers, a JSON body (or raw bytes of ``content_type``), an
    optional delay."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None
    content_type: str = "application/json"


def completion(content: str | None, *, finish_reason: str = "stop",
               refusal: str | None = None) -> Answer:
    """A 200 chat.completion whose message carries ``content``."""
    return Answer(body={
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": finish_reason, "logprobs": None,
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": 1900, "completion_tokens": 1500, "total_tokens": 3400},
    })


def error(status: int, code: str | None, message: str = "scripted error", *,
          type_: str | None = None, headers: dict[str, str] | None = None,
          param: str | None = None) -> Answer:
    """An error in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""
    return Answer(status=status, headers=headers or {}, body={"error": {
        "message": message, "type": type_ or code or "error", "param": param, "code": code}})


def quota_exhausted() -> Answer:
    """What OpenAI sends when the account has no credit left."""
    return error(429, "insufficient_quota", "You exceeded your current quota, please check your "
                 "plan and billing details.", type_="insufficient_quota")


def rate_limited(headers: dict[str, str] | None = None) -> Answer:
    """A per-minute rate limit, by default with a short reset."""
    return error(429, "rate_limit_exceeded", "Rate limit reached for gpt-4o-mini on requests "
                 "per min (RPM): Limit 3, Used 3, Requested 1.", type_="requests",
                 headers=headers if headers is not None else {"retry-after-ms": "20"})


def design_reply(home_type: str, home_id: str = "home_001", **changes: Any) -> str:
    """A valid reply for a home: a procedural design of the type, as the LLM would return it."""
    seed = int(re.sub(r"\D", "", home_id) or 0)
    design = design_home(home_type, np.random.default_rng(seed))
    reply = from_design(design).model_dump(mode="json")
    reply.update(changes)
    return json.dumps(reply)


@dataclass
class Recorded:
    """A request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def home(self) -> tuple[str, str]:
        """(home_id, home_type) the request asks for."""
        user = next(m["content"] for m in self.body["messages"] if m["role"] == "user")
        match = _ASKED.search(user)
        assert match, user
        return match.group(1), match.group(2).replace(" ", "_")


class FakeOpenAI:
    """The server; ``url`` is its ``/v1`` base URL."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        #: Seconds the unscripted (valid) answers take: makes a run slow enough to interrupt.
        self.default_delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake._answer(self, Recorded(self.path, headers, body))

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's address: (host, port)
        return f"http://{host}:{port}/v1"

    def script(self, *answers: Answer) -> None:
        """Answer the next requests with these, in order; then valid designs again."""
        with self._lock:
            self._script.extend(answers)

    def _next(self, request: Recorded) -> Answer:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if request.path != "/v1/chat/completions":
                return error(404, "unknown_url", f"Unknown request URL: POST {request.path}")
            if self._script:
                return self._script.pop(0)
        home_id, home_type = request.home
        answer = completion(design_reply(home_type, home_id))
        return Answer(answer.status, answer.body, delay=self.default_delay)

    def _answer(self, handler: BaseHTTPRequestHandler, request: Recorded) -> None:
        answer = self._next(request)
        try:
            if answer.delay:
                time.sleep(answer.delay)
            payload = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
            handler.send_response(answer.status)
            handler.send_header("content-type", answer.content_type)
            handler.send_header("content-length", str(len(payload)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
        finally:
            with self._lock:
                self.in_flight -= 1

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve() -> Iterator[FakeOpenAI]:
    """Run a fake server for the duration of a fixture."""
    with FakeOpenAI() as server:
        yield server
