"""``scripts/screenshots``: the README's pictures of Home Type, from a real Home Assistant UI.

Starts a development instance the way ``scripts/develop`` does (its own configuration folder
in a temporary directory, a free port, the same generated home, onboarded, Home Type added),
opens its UI in headless Chromium (Debian's ``chromium`` package) and saves, in
``docs/images/``:

- ``dashboard.png``: the development dashboard -- the sensor and its attributes in an entities
  card, the probabilities, and the home's true label;
- ``more-info.png``: the sensor's more-info dialog with its attributes open;
- ``integration.png``: Home Type's page under Settings -> Devices & services;
- ``pictured.json``: the model version the dashboard shows.

``--url URL`` uses an instance that is already running (``scripts/develop``) instead. Chromium
is driven through its DevTools protocol over a WebSocket (aiohttp, which Home Assistant brings):
Selenium would need urllib3 2, which Home Assistant 2025.4 does not allow. The browser's login
is the development instance's: the loopback address is a trusted network.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from .develop import generate_home
from .instance import ROOT, running

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-port=0",
)
WIDTH, HEIGHT = 1280, 860
#: Beside the pictures: the model version they show (see :func:`pictured`).
PICTURED = "pictured.json"

#: Text of the whole page, shadow roots included (Home Assistant's UI is web components).
DEEP_TEXT = """
(() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.documentElement);
  return parts.join(' ').replace(/\\s+/g, ' ');
})()
"""

#: The first element matching a selector anywhere, shadow roots included.
DEEP_QUERY = """
window.__deepQuery = (selector) => {
  const search = (root) => {
    const found = root.querySelector(selector);
    if (found) return found;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const inner = search(el.shadowRoot); if (inner) return inner; }
    }
    return null;
  };
  return search(document);
};
"""

OPEN_MORE_INFO = """
document.querySelector('home-assistant').dispatchEvent(new CustomEvent('hass-more-info', {
  detail: {entityId: 'sensor.home_type'}, bubbles: true, composed: true}));
"""

#: Open the dialog's "Attributes" panel as a click on its header does.
EXPAND_ATTRIBUTES = """
(() => {
  const attributes = window.__deepQuery('ha-more-info-dialog ha-attributes')
    || window.__deepQuery('ha-attributes');
  const panel = attributes?.shadowRoot?.querySelector('ha-expansion-panel')
    || attributes?.querySelector('ha-expansion-panel');
  const header = panel?.shadowRoot?.querySelector('#summary');
  if (!header) return false;
  header.click();
  return true;
})()
"""

#: Text of the more-info dialog alone.
DIALOG_TEXT = """
(() => {
  const dialog = window.__deepQuery('ha-more-info-dialog');
  if (!dialog) return '';
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(dialog);
  return parts.join(' ').replace(/\\s+/g, ' ');
})()
"""

#: The instance's own notices (onboarding's "New devices discovered") are not Home Type's.
DISMISS_NOTIFICATIONS = """
document.querySelector('home-assistant').hass.callService(
  'persistent_notification', 'dismiss_all', {}).then(() => true)
"""


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, chromium: str, profile: Path) -> None:
        self.process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--window-size={WIDTH},{HEIGHT}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, start_new_session=True,  # its helpers too go with close()
        )
        self.ids = itertools.count(1)
        self.session: aiohttp.ClientSession | None = None
        self.socket: aiohttp.ClientWebSocketResponse | None = None

    async def connect(self) -> None:
        """Find the DevTools port Chromium prints, and attach to its page."""
        assert self.process.stderr is not None
        port = None
        deadline = time.monotonic() + 30
        while port is None:
            line = await asyncio.to_thread(self.process.stderr.readline)
            if match := re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line):
                port = int(match.group(1))
            elif not line or time.monotonic() > deadline:
                raise RuntimeError(f"Chromium did not start: {line}")
        self.session = aiohttp.ClientSession()
        async with self.session.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json(content_type=None)
        page = next(t for t in targets if t["type"] == "page")
        self.socket = await self.session.ws_connect(page["webSocketDebuggerUrl"],
                                                    max_msg_size=0)
        await self.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                        deviceScaleFactor=1, mobile=False)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (events in between are skipped)."""
        assert self.socket is not None
        number = next(self.ids)
        await self.socket.send_json({"id": number, "method": method, "params": params})
        while True:
            message = json.loads((await self.socket.receive()).data)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value."""
        result = await self.send("Runtime.evaluate", expression=expression,
                                 awaitPromise=True, returnByValue=True)
        return result.get("result", {}).get("value")

    async def open(self, url: str) -> None:
        """Go to a URL (without waiting: :meth:`wait_for_text` does)."""
        await self.send("Page.navigate", url=url)

    async def wait_for_text(self, *texts: str, timeout: float = 30,
                            where: str = DEEP_TEXT) -> str:
        """Wait until the page (or ``where``'s part of it) shows every text; let it settle."""
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            try:
                shown = await self.evaluate(where) or ""
            except RuntimeError:  # navigating (the login redirects): ask the next page
                shown = ""
            if all(text in shown for text in texts):
                await asyncio.sleep(1.5)
                return str(shown)
            await asyncio.sleep(0.5)
        raise RuntimeError(f"the page does not show {texts}: {shown[:2000]}")

    async def screenshot(self, path: Path) -> None:
        """Save what the page shows now as a PNG."""
        result = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(result["data"]))
        print(f"    {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    async def close(self) -> None:
        """Close the connection and Chromium."""
        if self.socket is not None:
            await self.socket.close()
        if self.session is not None:
            await self.session.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        await asyncio.to_thread(self.process.wait, 30)
        if self.process.stderr is not None:
            self.process.stderr.close()


def pictured(output: Path, shown: str) -> None:
    """Record beside the pictures which model they show.

    tests/test_docs_figures.py holds it to the bundled model, so a retrained model cannot leave
    the README's pictures behind.
    """
    match = re.search(r"Model version (\S+)", shown)
    if match is None:
        raise RuntimeError(f"the dashboard shows no model version: {shown[:2000]}")
    (output / PICTURED).write_text(json.dumps({"model_version": match.group(1)}) + "\n")


async def capture(url: str, output: Path, chromium: str) -> None:
    """Take the three pictures of a running development instance."""
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="home-type-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        browser = Browser(chromium, Path(profile))
        try:
            await browser.connect()
            await browser.open(f"{url}/home-type")
            await browser.wait_for_text("Single-family house", "Probabilities", "Confidence")
            await browser.evaluate(DISMISS_NOTIFICATIONS)
            shown = await browser.wait_for_text("Single-family house")
            await browser.screenshot(output / "dashboard.png")
            pictured(output, shown)

            await browser.evaluate(DEEP_QUERY)
            await browser.evaluate(OPEN_MORE_INFO)
            await browser.wait_for_text("Attributes", where=DIALOG_TEXT)
            if not await browser.evaluate(EXPAND_ATTRIBUTES):
                raise RuntimeError("no attributes panel in the more-info dialog")
            await browser.wait_for_text("Confidence", where=DIALOG_TEXT)
            await browser.screenshot(output / "more-info.png")

            await browser.open(f"{url}/config/integrations/integration/home_type")
            await browser.wait_for_text("Home Type", "1 service", "1 entity")
            await browser.screenshot(output / "integration.png")
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    """Start an instance (unless --url), take the pictures, stop it."""
    parser = argparse.ArgumentParser(prog="scripts/screenshots", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--url", help="a running instance (scripts/develop) to photograph")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    if shutil.which(args.chromium) is None:  # before Home Assistant is started for it
        parser.error(f"--chromium {args.chromium}: no such program; install Debian's chromium "
                     "package (apt-get install chromium) or name the browser")
    if args.url:
        asyncio.run(capture(args.url.rstrip("/"), args.output, args.chromium))
        return 0
    with tempfile.TemporaryDirectory(prefix="home-type-screenshots-") as folder:
        base = Path(folder)
        home = generate_home(ROOT / ".develop" / "homes" / "single_family_house-seed2-21d")
        print("==> starting Home Assistant")
        with running(base / "config", home, ui=True, output=base / "console.log") as instance:
            print(f"==> taking screenshots of {instance.hass.url} into {args.output}")
            asyncio.run(capture(instance.hass.url, args.output, args.chromium))
    return 0


if __name__ == "__main__":
    sys.exit(main())
