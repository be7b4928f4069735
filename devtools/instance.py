"""A real Home Assistant process with Home Type and a synthetic home: set up, start, drive, stop.

Shared by ``scripts/develop`` (a contributor's instance, with the UI) and ``tests/instance``
(the same instance without the UI, on a free port). Nothing here imports Home Assistant: the
instance is a ``hass`` subprocess, reached over its HTTP API with the standard library alone.

- :func:`write_config` lays out a throw-away configuration folder: ``configuration.yaml``,
  and ``custom_components/`` with symbolic links to ``custom_components/home_type`` (the
  integration as shipped) and ``devtools/home_fixture`` (the development-only integration that
  loads the home file into the registries and the recorder).
- :class:`HomeAssistantProcess` starts ``hass -c DIR --skip-pip`` and stops it with SIGTERM
  (Home Assistant's own clean shutdown), never leaving it behind.
- :class:`Client` speaks the REST API; :func:`onboard` completes onboarding the way the
  frontend does, :func:`add_home_type` adds the integration through its config flow;
  :func:`set_up_home_type` does what is left of both on an instance.
- :func:`running` is all of it in one ``with`` block: configured, started, onboarded, the home
  loaded and Home Type added; stopped at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "home_type"
FIXTURE_INTEGRATION = ROOT / "devtools" / "home_fixture"
HOST = "127.0.0.1"

#: The onboarding user of a development or test instance (loopback only; see scripts/develop).
DEV_USER = {"name": "Developer", "username": "dev", "password": "dev"}
FIXTURE_STATUS = "home_fixture.status"

#: Where the generator's time zones are, for Home Assistant's country setting (without one,
#: Home Assistant raises a repair issue in the UI).
COUNTRIES = {
    "America/New_York": "US", "America/Chicago": "US", "America/Denver": "US",
    "America/Phoenix": "US", "America/Los_Angeles": "US", "America/Toronto": "CA",
    "Europe/London": "GB", "Europe/Berlin": "DE", "Europe/Paris": "FR", "Europe/Madrid": "ES",
    "Europe/Amsterdam": "NL", "Europe/Stockholm": "SE", "Europe/Rome": "IT",
    "Australia/Sydney": "AU",
}

#: What the API needs: no default_config (cloud, bluetooth, … need packages and a network).
API_CONFIG = """\
http:
  server_host: {host}
  server_port: {port}
api:
config:
onboarding:
logger:
  default: warning
  logs:
    custom_components.home_type: debug
    custom_components.home_fixture: info
    homeassistant.bootstrap: info
"""

#: Without the frontend package, whose wheel only a person at a browser needs. Home Assistant
#: always sets up ``frontend`` and starts in recovery mode (custom integrations off) when it
#: fails, so the API-only instance points it at an empty folder through its official
#: ``development_repo`` option: the frontend integration loads, and serves no UI.
NO_UI_CONFIG = """\
frontend:
  development_repo: {folder}
"""

#: For a person at a browser: the frontend and what its more-info dialogs use, a dashboard,
#: and a login that the loopback address skips (local development only).
UI_CONFIG = """\
frontend:
history:
logbook:
lovelace:
  dashboards:
    home-type:
      mode: yaml
      filename: home_type_dashboard.yaml
      title: Home Type
      icon: mdi:home-search
      show_in_sidebar: true
"""

#: Local development only: a browser on this machine is logged in without a password (the
#: first provider is the one the login page tries; with one user, it skips the page).
TRUSTED_NETWORKS = """\
  auth_providers:
    - type: trusted_networks
      trusted_networks:
        - 127.0.0.1/32
        - ::1/128
      allow_bypass_login: true
    - type: homeassistant
"""

DASHBOARD = """\
title: Home Type
views:
  - title: Home Type
    path: home-type
    cards:
      - type: entities
        title: Home Type
        entities:
          - entity: sensor.home_type
            name: Home type
          - type: attribute
            entity: sensor.home_type
            attribute: confidence
            name: Confidence
          - type: attribute
            entity: sensor.home_type
            attribute: method
            name: Method
          - type: attribute
            entity: sensor.home_type
            attribute: history_days
            name: History (days)
          - type: attribute
            entity: sensor.home_type
            attribute: model_version
            name: Model version
      - type: markdown
        title: Probabilities
        content: |
          {% for label, p in (state_attr('sensor.home_type', 'probabilities') or {}).items() -%}
          - {{ label | replace('_', ' ') }}: **{{ (p * 100) | round(1) }} %**
          {% endfor %}
      - type: entities
        title: Development home (ground truth)
        entities:
          - entity: home_fixture.status
            name: Loading
          - type: attribute
            entity: home_fixture.status
            attribute: home_type
            name: Generated as
          - type: attribute
            entity: home_fixture.status
            attribute: events
            name: State changes loaded
"""


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def home_settings(home_file: Path) -> dict[str, Any]:
    """Time zone and place of a home file, for Home Assistant's core configuration."""
    from custom_components.home_type.core.snapshot import read_snapshot

    metadata = read_snapshot(home_file).metadata
    settings: dict[str, Any] = {"unit_system": "metric"}
    if (zone := metadata.get("timezone")) is not None:
        settings["time_zone"] = zone
        if (country := COUNTRIES.get(zone)) is not None:
            settings["country"] = country
    for key in ("latitude", "longitude"):
        if isinstance(metadata.get(key), int | float):
            settings[key] = metadata[key]
    return settings


def write_config(config_dir: Path, home_file: Path, port: int, *, ui: bool) -> None:
    """A configuration folder for a development (``ui``) or test instance with ``home_file``.

    Home Assistant's time zone is the home's, so that it reads the home's hours as the
    trainer does. Existing files are overwritten; the database and ``.storage`` are kept.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    # Home Assistant 2026.x reads the YAML http settings once, into this file, and then only
    # the file: without it, a kept folder started on another port takes the YAML again
    # (confirm_http_settings). Earlier releases rewrite it from the YAML at every start.
    (config_dir / ".storage" / "http").unlink(missing_ok=True)
    components = config_dir / "custom_components"
    components.mkdir(exist_ok=True)
    for source in (INTEGRATION, FIXTURE_INTEGRATION):
        link = components / source.name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source, target_is_directory=True)
    core = {"name": "Home Type development", **home_settings(home_file)}
    lines = ["homeassistant:"]
    lines += [f"  {key}: {json.dumps(value)}" for key, value in core.items()]
    text = "\n".join(lines) + "\n"
    if ui:
        text += TRUSTED_NETWORKS
    text += API_CONFIG.format(host=HOST, port=port)
    if ui:
        text += UI_CONFIG
        (config_dir / "home_type_dashboard.yaml").write_text(DASHBOARD)
    else:
        no_frontend = config_dir / "no_frontend"
        (no_frontend / "hass_frontend").mkdir(parents=True, exist_ok=True)
        text += NO_UI_CONFIG.format(folder=json.dumps(str(no_frontend)))
    text += f"home_fixture:\n  path: {json.dumps(str(home_file.resolve()))}\n"
    (config_dir / "configuration.yaml").write_text(text)


class InstanceError(RuntimeError):
    """The instance did not start, answer or stop as expected; the message says what."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        #: The websocket API's error code, for a command it refused (``unknown_command``, …).
        self.code = code


class HomeAssistantProcess:
    """``hass -c CONFIG --skip-pip`` in a session of its own, stopped by SIGTERM.

    In its own session, a Ctrl-C at the terminal reaches only the caller, which then stops
    Home Assistant cleanly with :meth:`stop`. ``output`` is where its console output goes
    (a file; ``None``: the caller's terminal); its log is also in ``CONFIG/home-assistant.log``.
    """

    def __init__(self, config_dir: Path, port: int, output: Path | None = None) -> None:
        self.config_dir = config_dir
        self.port = port
        self.output = output
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where its HTTP API answers."""
        return f"http://{HOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        """Home Assistant's own log file."""
        return self.config_dir / "home-assistant.log"

    def command(self) -> list[str]:
        """The ``hass`` of this Python's environment (``.venv/bin/hass``)."""
        hass = Path(sys.executable).parent / "hass"
        program = [str(hass)] if hass.exists() else [sys.executable, "-m", "homeassistant"]
        return [*program, "-c", str(self.config_dir), "--skip-pip", "--log-no-color"]

    def start(self) -> None:
        """Start ``hass``; :meth:`wait_until_up` tells when it answers."""
        output = open(self.output, "ab") if self.output is not None else None  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT if output is not None else None,
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def wait_until_up(self, timeout: float = 120) -> None:
        """Wait until the HTTP API answers (Home Assistant has started)."""
        deadline = time.monotonic() + timeout
        client = Client(self.url)
        while True:
            if not self.running():
                raise InstanceError(f"Home Assistant exited during start-up\n{self.log_tail()}")
            try:  # any answer will do: 401 without a token
                status, _ = client.request("GET", "/api/", auth=False, timeout=5)
            except OSError:
                status = 0
            if status:
                return
            if time.monotonic() > deadline:
                raise InstanceError(f"no answer on {self.url} after {timeout:.0f} s\n"
                                    f"{self.log_tail()}")
            time.sleep(0.25)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, wait for the clean shutdown; SIGKILL only if it hangs (then raise)."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                raise InstanceError(f"Home Assistant did not stop within {timeout:.0f} s "
                                    "of SIGTERM; killed") from None
        return self.process.returncode

    def log_tail(self, lines: int = 40) -> str:
        """The end of Home Assistant's log (or console output), for error messages."""
        for path in (self.output, self.log_file):
            if path is not None and path.exists():
                text = path.read_text(errors="replace").splitlines()
                if text:
                    return "\n".join(text[-lines:])
        return "(no log)"


class Client:
    """Home Assistant's REST API over urllib: one connection a request, nothing left open."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token

    def request(
        self, method: str, path: str, body: Any = None, *, form: dict[str, str] | None = None,
        auth: bool = True, timeout: float = 30,
    ) -> tuple[int, Any]:
        """Send a request; return the status and the decoded JSON (or text) answer."""
        headers: dict[str, str] = {}
        data: bytes | None = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as err:
            with err:
                return err.code, _decode(err.read())

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """Like :meth:`request`, but a non-2xx answer raises."""
        status, answer = self.request(method, path, body, **kwargs)
        if not 200 <= status < 300:
            raise InstanceError(f"{method} {path}: HTTP {status}: {answer}")
        return answer

    def command(self, message: dict[str, Any], timeout: float = 30) -> Any:
        """Send one command over the websocket API and return its result.

        What the UI uses: editing a registry (a floor, an area) has no REST endpoint. One
        connection a command, closed with its event loop, as the REST calls leave nothing open.
        """
        return asyncio.run(self._command(message, timeout))

    async def _command(self, message: dict[str, Any], timeout: float) -> Any:
        url = self.url.replace("http", "ws", 1) + "/api/websocket"
        limit = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=limit) as session, session.ws_connect(url) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            authorised = await ws.receive_json()
            if authorised.get("type") != "auth_ok":
                raise InstanceError(f"websocket: not authorised: {authorised}")
            await ws.send_json({"id": 1, **message})
            answer = await ws.receive_json()
        if not answer.get("success"):
            error = answer.get("error") or {}
            raise InstanceError(f"websocket {message['type']}: {error}",
                                code=error.get("code"))
        return answer.get("result")

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """An entity's state as ``GET /api/states/…`` gives it, or None if there is none."""
        status, answer = self.request("GET", f"/api/states/{entity_id}")
        if status == 404:
            return None
        if status != 200:
            raise InstanceError(f"GET /api/states/{entity_id}: HTTP {status}: {answer}")
        return dict(answer)

    def wait_for_state(
        self, entity_id: str, ready: Callable[[dict[str, Any]], bool], timeout: float = 60
    ) -> dict[str, Any]:
        """Poll an entity's state until ``ready`` says so."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(entity_id)
            if state is not None and ready(state):
                return state
            if time.monotonic() > deadline:
                raise InstanceError(f"{entity_id} not ready after {timeout:.0f} s: {state}")
            time.sleep(0.25)


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def onboarding_done(client: Client) -> bool:
    """Whether every onboarding step is done (the steps' list needs no token).

    An instance onboarded before it started does not serve the onboarding API at all (404).
    """
    status, steps = client.request("GET", "/api/onboarding", auth=False)
    if status == 404:
        return True
    if status != 200:
        raise InstanceError(f"GET /api/onboarding: HTTP {status}: {steps}")
    return all(step["done"] for step in steps)


def onboard(client: Client, user: dict[str, str] = DEV_USER, language: str = "en") -> str:
    """Complete onboarding as the frontend does; return an access token (also set on client).

    The user step makes the owner and answers with an authorization code, exchanged for
    tokens at ``/auth/token``; core configuration, analytics and the integration step follow.
    """
    client_id = f"{client.url}/"
    answer = client.call("POST", "/api/onboarding/users", {
        **user, "client_id": client_id, "language": language,
    }, auth=False)
    tokens = client.call("POST", "/auth/token", form={
        "grant_type": "authorization_code", "code": answer["auth_code"], "client_id": client_id,
    }, auth=False)
    client.token = str(tokens["access_token"])
    client.call("POST", "/api/onboarding/core_config", {})
    client.call("POST", "/api/onboarding/analytics", {})
    client.call("POST", "/api/onboarding/integration", {
        "client_id": client_id, "redirect_uri": f"{client.url}/?auth_callback=1",
    })
    if not onboarding_done(client):
        raise InstanceError("onboarding did not finish")
    return client.token


def log_in(client: Client, user: dict[str, str] = DEV_USER) -> str:
    """An access token for an onboarded instance, through the login flow (username, password)."""
    client_id = f"{client.url}/"
    flow = client.call("POST", "/auth/login_flow", {
        "client_id": client_id, "handler": ["homeassistant", None],
        "redirect_uri": f"{client.url}/?auth_callback=1",
    }, auth=False)
    done = client.call("POST", f"/auth/login_flow/{flow['flow_id']}", {
        "client_id": client_id, "username": user["username"], "password": user["password"],
    }, auth=False)
    if done.get("type") != "create_entry":
        raise InstanceError(f"login failed: {done}")
    tokens = client.call("POST", "/auth/token", form={
        "grant_type": "authorization_code", "code": done["result"], "client_id": client_id,
    }, auth=False)
    client.token = str(tokens["access_token"])
    return client.token


def wait_for_home(client: Client, timeout: float = 120) -> dict[str, Any]:
    """Wait until the home fixture has written the home's history into the recorder."""
    state = client.wait_for_state(FIXTURE_STATUS, lambda s: s["state"] != "loading", timeout)
    if state["state"] != "loaded":
        raise InstanceError(f"the development home did not load: {state}")
    return state


def confirm_http_settings(client: Client) -> None:
    """Keep the instance on its loopback address and port.

    From Home Assistant 2026.x, the YAML ``http:`` settings are copied into storage as a trial
    (with the repair issue ``http/deprecated_yaml``) that Home Assistant reverts after 5
    minutes unless they are confirmed: it then restarts listening on 0.0.0.0:8123 and ignores
    the YAML for good -- a development instance open to the network. Confirming them as the
    UI does keeps 127.0.0.1. Earlier releases apply the YAML as it is and have no command.
    """
    try:
        settings = client.command({"type": "http/config"})
    except InstanceError as err:
        if err.code == "unknown_command":
            return
        raise
    if settings.get("pending") is not None:
        client.command({"type": "http/config/promote"})


def home_type_entries(client: Client) -> list[dict[str, Any]]:
    """Home Type's config entries."""
    entries = client.call("GET", "/api/config/config_entries/entry?domain=home_type")
    return list(entries)


def add_home_type(client: Client, history_days: int = 10, model_path: str = "") -> str:
    """Add Home Type through its config flow, as the UI does; return the new entry's id."""
    form = client.call("POST", "/api/config/config_entries/flow", {
        "handler": "home_type", "show_advanced_options": False,
    })
    if form.get("type") != "form" or form.get("step_id") != "user":
        raise InstanceError(f"unexpected first step of Home Type's config flow: {form}")
    result = client.call("POST", f"/api/config/config_entries/flow/{form['flow_id']}", {
        "history_days": history_days, "model_path": model_path,
    })
    if result.get("type") != "create_entry":
        raise InstanceError(f"Home Type's config flow did not create an entry: {result}")
    return str(result["result"]["entry_id"])


def set_up_home_type(client: Client) -> tuple[str, dict[str, Any]]:
    """Onboard (or log in), wait for the home, add Home Type unless it is there.

    Returns Home Type's entry id and the home fixture's status state.
    """
    if not onboarding_done(client):
        onboard(client)
    else:
        log_in(client)
    confirm_http_settings(client)
    home = wait_for_home(client)
    entries = home_type_entries(client)
    entry_id = str(entries[0]["entry_id"]) if entries else add_home_type(client)
    return entry_id, home


@dataclass
class RunningInstance:
    """A started instance, with a logged-in client."""

    hass: HomeAssistantProcess
    client: Client
    entry_id: str
    home: dict[str, Any]


@contextmanager
def running(config_dir: Path, home_file: Path, *, ui: bool, port: int | None = None,
            output: Path | None = None) -> Iterator[RunningInstance]:
    """A configured, started and set-up instance; stopped (SIGTERM) when the block ends."""
    port = port if port is not None else free_port()
    write_config(config_dir, home_file, port, ui=ui)
    hass = HomeAssistantProcess(config_dir, port, output=output)
    hass.start()
    try:
        hass.wait_until_up(timeout=300)
        client = Client(hass.url)
        entry_id, home = set_up_home_type(client)
        yield RunningInstance(hass, client, entry_id, home)
    finally:
        hass.stop()
