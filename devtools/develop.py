"""``scripts/develop``: a real Home Assistant with Home Type and a synthetic home, for a browser.

Run through ``scripts/develop`` (which installs the ``develop`` extra: Home Assistant's
frontend); ``--help`` lists the options. It generates a home (or takes ``--home FILE``),
writes a throw-away configuration folder (``.develop/config``, made afresh unless ``--keep``),
starts ``hass`` on http://127.0.0.1:8123, completes onboarding (user ``dev``, password
``dev``), waits for the home's history to be in the recorder, adds Home Type through its config
flow, and prints where to look. Ctrl-C stops Home Assistant cleanly.

The loopback address logs in without a password (``trusted_networks`` with
``allow_bypass_login``): local development only, on a server bound to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from .instance import (
    DEV_USER,
    ROOT,
    Client,
    HomeAssistantProcess,
    InstanceError,
    set_up_home_type,
    write_config,
)

DEVELOP_DIR = ROOT / ".develop"
#: The development home: a single-family house that the bundled model recognises. 21 days,
#: because its history is moved by whole weeks to end in the last week: 14 days or more
#: remain, more than the default 10-day window.
HOME_TYPE = "single_family_house"
HOME_SEED = 2
HOME_DAYS = 21


def generate_home(folder: Path, *, seed: int = HOME_SEED, days: int = HOME_DAYS,
                  home_type: str = HOME_TYPE) -> Path:
    """One home made by the trainer's generator (``python -m trainer generate``), reused."""
    home = folder / "home_001.json.gz"
    if not home.exists():
        subprocess.run(
            [sys.executable, "-m", "trainer", "generate", "--count", "1", "--days", str(days),
             "--mix", f"{home_type}=1", "--seed", str(seed), "--workers", "1",
             "--output", str(folder)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )
    return home


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of scripts/develop."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description="Start a real Home Assistant with Home Type and a synthetic home loaded "
                    "into its registries and recorder; Ctrl-C stops it.")
    parser.add_argument("--home", type=Path, help="a home file (.json or .json.gz) to load "
                        "instead of a generated one")
    parser.add_argument("--type", default=HOME_TYPE, dest="home_type",
                        help=f"label of the generated home (default {HOME_TYPE})")
    parser.add_argument("--seed", type=int, default=HOME_SEED,
                        help=f"generator seed (default {HOME_SEED})")
    parser.add_argument("--days", type=int, default=HOME_DAYS,
                        help=f"days of generated history (default {HOME_DAYS})")
    parser.add_argument("--port", type=int, default=8123, help="HTTP port (default 8123)")
    parser.add_argument("--config", type=Path, default=DEVELOP_DIR / "config",
                        help="configuration folder (default .develop/config)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the configuration folder of the last run (its database, "
                             "user and entries; the home file it was made with) instead of "
                             "starting afresh")
    parser.add_argument("--console", action="store_true",
                        help="show Home Assistant's console output here (default: in "
                             "CONFIG/console.log; its log is CONFIG/home-assistant.log)")
    parser.add_argument("--no-setup", action="store_true",
                        help="leave onboarding and adding Home Type to you, in the UI")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run Home Assistant until Ctrl-C; the exit code."""
    args = parse_args(argv)
    if importlib.util.find_spec("hass_frontend") is None:
        print("error: Home Assistant's frontend (home-assistant-frontend) is not installed; "
              "scripts/develop installs it (pip install -e '.[develop]')", file=sys.stderr)
        return 2
    config = args.config.resolve()
    if args.keep and (config / "configuration.yaml").exists():
        home = Path(_configured_home(config))
    else:
        if config.exists():
            shutil.rmtree(config)
        home = (args.home.resolve() if args.home is not None else generate_home(
            DEVELOP_DIR / "homes" / f"{args.home_type}-seed{args.seed}-{args.days}d",
            seed=args.seed, days=args.days, home_type=args.home_type))
    write_config(config, home, args.port, ui=True)

    # Its console output goes to a file: onboarding sets up a few integrations whose packages
    # --skip-pip does not install (met, radio_browser, google_translate), and their tracebacks
    # would bury what this script prints. --console shows it here instead.
    hass = HomeAssistantProcess(config, args.port,
                                output=None if args.console else config / "console.log")
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    print(f"==> starting Home Assistant ({config}) with {home}")
    hass.start()
    try:
        hass.wait_until_up(timeout=300)
        client = Client(hass.url)
        if not args.no_setup:
            _set_up(client)
        _banner(hass, home, args.no_setup)
        assert hass.process is not None
        hass.process.wait()
        print(f"Home Assistant exited with {hass.process.returncode}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n==> stopping Home Assistant (Ctrl-C)")
        return 0
    except InstanceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        code = hass.stop()
        print(f"==> Home Assistant stopped (exit code {code})")


def _set_up(client: Client) -> None:
    """Onboard (first run), wait for the home's history, add Home Type unless it is there."""
    print("==> onboarding (user 'dev', password 'dev'), waiting for the home's history, "
          "adding Home Type (history window 10 days, bundled model)")
    _, state = set_up_home_type(client)
    print(f"==> home {state['attributes']['home_id']} loaded "
          f"({state['attributes']['events']} state changes, generated as "
          f"{state['attributes']['home_type']})")
    sensor = client.state("sensor.home_type") or {}
    print(f"==> sensor.home_type: {sensor.get('state')} "
          f"(confidence {sensor.get('attributes', {}).get('confidence')})")


def _banner(hass: HomeAssistantProcess, home: Path, no_setup: bool) -> None:
    print(f"""
    Home Assistant is running: {hass.url}
      dashboard     {hass.url}/home-type
      Home Type     {hass.url}/config/integrations/integration/home_type
      login         none needed from this machine (trusted network 127.0.0.1);
                    otherwise user '{DEV_USER["username"]}', password '{DEV_USER["password"]}'
      home file     {home}
      log           {hass.log_file}
    {"Onboarding and adding Home Type are yours to do in the UI." if no_setup else ""}
    Ctrl-C stops Home Assistant. scripts/develop --keep starts this instance again.
    """, flush=True)


def _configured_home(config: Path) -> str:
    """The home file a kept configuration folder names."""
    import yaml  # PyYAML comes with Home Assistant

    settings = yaml.safe_load((config / "configuration.yaml").read_text())
    try:
        return str(settings["home_fixture"]["path"])
    except (KeyError, TypeError):
        raise SystemExit(f"error: {config}/configuration.yaml names no home file") from None


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
