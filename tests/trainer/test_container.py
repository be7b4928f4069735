"""The trainer image and docker-compose.yml, checked on machines without a Docker engine.

docker-compose itself validates the compose file (``docker-compose config``), a lint reads the
Dockerfile's structure, and the image's exact command -- ENTRYPOINT + CMD parsed from the
Dockerfile, so this test cannot drift from it -- runs in the local venv from an empty folder,
with Home Assistant made unimportable because the image does not have it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import pytest
import yaml

from custom_components.home_type.core.model import load_model
from custom_components.home_type.core.snapshot import read_snapshot
from tests.conftest import (
    EQUAL_MIX,
    ONE_WORKER,
    ROOT,
    call_trainer,
    run_trainer,
    trainer_in_process,
)
from tests.trainer.fake_openai import FakeOpenAI, quota_exhausted, serve
from tests.trainer.test_openai import _env as openai_env
from trainer.container import IN_CONTAINER_VARIABLE
from trainer.pipeline_command import resolve_backend
from trainer.publish import EXIT_BELOW_THRESHOLDS, MODEL_NAME

DOCKERFILE = ROOT / "trainer" / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
HA_CONFIG_MODELS = PurePosixPath("/config/home_type_models")
#: The fewest homes pipeline trains on: two types, and a type of three to hold one out.
SMALLEST_MIX = "studio=3,condo=1"
BUNDLED_MODEL = ROOT / "custom_components" / "home_type" / "models" / MODEL_NAME


@dataclass
class Stage:
    """One ``FROM`` … block of a Dockerfile."""

    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]


def dockerfile_stages(path: Path = DOCKERFILE) -> list[Stage]:
    """Instructions per stage, continuation lines joined, comments and parser directives dropped."""
    lines: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        if raw.lstrip().startswith("#"):
            continue
        pending += raw.rstrip().removesuffix("\\") + " " if raw.rstrip().endswith("\\") else raw
        if not raw.rstrip().endswith("\\"):
            if pending.strip():
                lines.append(pending.strip())
            pending = ""
    stages: list[Stage] = []
    for line in lines:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = args.split()
            stages.append(Stage(image=parts[0], name=parts[2] if len(parts) > 2 else None))
        else:
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def image_command() -> list[str]:
    """The image's default command: ENTRYPOINT then CMD, both in exec (JSON) form."""
    final = dockerfile_stages()[-1]
    command: list[str] = json.loads(final.args("ENTRYPOINT")[-1]) + json.loads(
        final.args("CMD")[-1])
    return command


def option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_dockerfile_is_small_pinned_multistage_and_non_root() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "a builder stage and a final stage"
    for stage in stages:
        assert re.fullmatch(r"python:3\.13\.\d+-slim-bookworm", stage.image), stage.image
        assert "latest" not in stage.image
    builder, final = stages[0], stages[-1]
    assert builder.name and final.name is None
    assert any(re.search(r"\bpip wheel\b.* \.$", run) for run in builder.args("RUN")), \
        "wheels are built from the project's own metadata (pyproject.toml)"
    final_runs = " ".join(final.args("RUN"))
    for tool in ("gcc", "g++", "clang", "build-essential", "make ", "cargo"):
        assert tool not in final_runs, f"{tool} in the final stage"
    # One system package: procps, whose pgrep joblib's worker pool needs to stop on SIGINT
    # (without it, `docker stop` during training gave a traceback and a hang).
    installs = re.findall(r"apt-get install ([^&]*)", final_runs)
    assert [[word for word in packages.split() if not word.startswith("-")]
            for packages in installs] == [["procps"]]
    assert "rm -rf /var/lib/apt/lists/*" in final_runs
    assert "--no-index" in final_runs and f"from={builder.name}" in final_runs
    instructions = " ".join(args for stage in stages for _, args in stage.instructions)
    assert "homeassistant" not in instructions and "[test]" not in instructions, \
        "no Home Assistant in the image (the project's own dependencies, no test extras)"
    users = final.args("USER")
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    keywords = [key for key, _ in final.instructions]
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    assert final.args("WORKDIR")[-1] == "/app"
    assert json.loads(final.args("ENTRYPOINT")[-1]) == ["python", "-m", "trainer"]
    assert json.loads(final.args("CMD")[-1])[0] == "pipeline"
    # The trainer's hint when an OpenAI-compatible server at localhost cannot be reached.
    assert f"{IN_CONTAINER_VARIABLE}=1" in " ".join(final.args("ENV")).split()


def test_dockerignore_sends_only_what_the_image_needs() -> None:
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", "everything is left out unless named"
    included = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    copied: set[str] = set()
    for stage in dockerfile_stages():
        for args in stage.args("COPY"):
            if "--from" not in args:
                copied.update(s.rstrip("/") for s in args.split()[:-1])
    assert copied <= included, copied - included
    assert not included & {".venv", "data", "models", "config", "tests", ".git"}


def environment_without_settings() -> dict[str, str]:
    """This process's environment minus anything that would choose for the code under test."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "HOME_TYPE_", "COMPOSE_", "PYTHONPATH"))}


def compose_config(**env: str) -> dict[str, Any]:
    """``docker-compose config``: the file as docker-compose reads it, paths resolved."""
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose; "
                    ".ci/run installs it)")
    result = subprocess.run([tool, "--project-directory", str(ROOT), "-f", str(COMPOSE),
                             "config"], capture_output=True, text=True, timeout=120,
                            env={**environment_without_settings(), **env}, check=False)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def volumes(service: dict[str, Any]) -> dict[PurePosixPath, tuple[Path, str]]:
    """Container path → (host path, mode)."""
    out = {}
    for volume in service["volumes"]:
        host, container, mode = volume.split(":") if isinstance(volume, str) else (
            volume["source"], volume["target"], "ro" if volume.get("read_only") else "rw")
        out[PurePosixPath(container)] = (Path(host), mode)
    return out


def host_path(service: dict[str, Any], container_path: PurePosixPath) -> Path:
    """Where a path inside a container lives on the host, through the service's bind mounts."""
    for target, (source, _) in sorted(volumes(service).items(), key=lambda kv: -len(kv[0].parts)):
        if container_path == target or target in container_path.parents:
            return source.joinpath(*container_path.relative_to(target).parts)
    raise AssertionError(f"{container_path} is not on a volume: it would be lost with the "
                         "container")


def test_compose_file_is_valid_and_wires_trainer_and_home_assistant() -> None:
    config = compose_config()
    services = config["services"]
    assert set(services) == {"trainer", "homeassistant"}

    trainer = services["trainer"]
    assert Path(trainer["build"]["context"]) == ROOT
    assert trainer["build"]["dockerfile"] == "trainer/Dockerfile"
    assert trainer["restart"] == "no"  # runs once and exits
    assert volumes(trainer) == {PurePosixPath("/app/data"): (ROOT / "data", "rw"),
                                PurePosixPath("/app/models"): (ROOT / "models", "rw")}
    # Passed through by name: unset stays unset (→ procedural), a set value arrives as is.
    assert trainer["environment"]["OPENAI_API_KEY"] is None
    assert trainer["environment"]["OPENAI_BASE_URL"] is None
    keyed = compose_config(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="http://127.0.0.1:9/v1",
                           HOME_TYPE_COUNT="20", HOME_TYPE_MAX_COST="0.5",
                           HOME_TYPE_PRICE="0.25,2.00", HOME_TYPE_OPENAI_MODEL="llama3.1")
    environment = keyed["services"]["trainer"]["environment"]
    # Every setting the README's table offers reaches the pipeline: one missing here was
    # silently dropped (HOME_TYPE_BACKEND=procedural, and a set key still designed with OpenAI).
    settings = re.findall(r"envvar=\"(HOME_TYPE_\w+)\"",
                          (ROOT / "trainer" / "pipeline_command.py").read_text())
    assert len(settings) >= 11 and set(settings) <= set(environment), \
        set(settings) - set(environment)
    assert environment["OPENAI_API_KEY"] == "sk-test"
    assert environment["OPENAI_BASE_URL"] == "http://127.0.0.1:9/v1"
    assert environment["HOME_TYPE_COUNT"] == "20"
    assert environment["HOME_TYPE_MAX_COST"] == "0.5"
    assert environment["HOME_TYPE_PRICE"] == "0.25,2.00"
    assert environment["HOME_TYPE_OPENAI_MODEL"] == "llama3.1"

    ha = services["homeassistant"]
    pinned = next(r for r in tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"]["optional-dependencies"]["test"] if r.startswith("homeassistant=="))
    assert ha["image"] == ("ghcr.io/home-assistant/home-assistant:"
                           + pinned.removeprefix("homeassistant=="))
    ha_volumes = volumes(ha)
    assert ha_volumes[PurePosixPath("/config")] == (ROOT / "config", "rw")
    assert ha_volumes[PurePosixPath("/config/custom_components/home_type")] == (
        ROOT / "custom_components" / "home_type", "ro")
    assert ha_volumes[HA_CONFIG_MODELS][1] == "ro"
    assert ha["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
    assert "8123" in " ".join(ha["healthcheck"]["test"])

    # Where the image's command publishes is the folder Home Assistant reads.
    command = image_command()
    workdir = PurePosixPath(dockerfile_stages()[-1].args("WORKDIR")[-1])
    published = host_path(trainer, workdir / option(command, "--to"))
    assert published == ha_volumes[HA_CONFIG_MODELS][0]
    assert (published / ".gitkeep").exists(), "the folder exists in a checkout, owned by you"
    host_path(trainer, workdir / option(command, "--model"))  # training output persists
    host_path(trainer, workdir / option(command, "--data"))


def test_resolve_backend() -> None:
    assert resolve_backend("auto", None) == ("procedural", None)
    assert resolve_backend("auto", "  ") == ("procedural", None)
    assert resolve_backend("procedural", "sk-x") == ("procedural", None)
    assert resolve_backend("openai", None) == ("openai", None)  # generate then asks for a key
    backend, notice = resolve_backend("auto", "sk-x")
    assert backend == "openai" and "OPENAI_API_KEY is set" in (notice or "")


@pytest.fixture
def api(socket_enabled: None) -> Iterator[FakeOpenAI]:
    """The fake OpenAI API on 127.0.0.1 (sockets are enabled for this test only)."""
    yield from serve()


def test_pipeline_with_a_key_designs_homes_with_openai_and_stops_on_its_error(
        api: FakeOpenAI, tmp_path: Path) -> None:
    """The key compose passes through selects the OpenAI backend; its stop ends the pipeline."""
    api.script(quota_exhausted())
    env = {k: v for k, v in openai_env(api).items() if not k.startswith("HOME_TYPE_")}
    result = run_trainer("pipeline", cwd=tmp_path,
                         env={**env, "HOME_TYPE_COUNT": "4", "HOME_TYPE_DAYS": "2",
                              "HOME_TYPE_MIX": SMALLEST_MIX})
    assert result.returncode == 3, result.stderr  # the OpenAI backend's "quota" exit code
    assert "notice: OPENAI_API_KEY is set" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: step 1/5 (generate): OpenAI quota exhausted")
    assert len(api.requests) == 1
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("typed", [False, True])
def test_pipeline_max_cost_too_small_for_one_request_sends_none(
        api: FakeOpenAI, tmp_path: Path, typed: bool) -> None:
    env = {k: v for k, v in openai_env(api).items() if not k.startswith("HOME_TYPE_")}
    cap = ["--max-cost", "0.002"] if typed else []
    result = run_trainer("pipeline", *cap, cwd=tmp_path, env={
        **env, "HOME_TYPE_COUNT": "4", "HOME_TYPE_DAYS": "2", "HOME_TYPE_MIX": SMALLEST_MIX,
        **({} if typed else {"HOME_TYPE_MAX_COST": "0.002"})})
    assert result.returncode == 7, result.stderr  # generate's "cap reached" exit code
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: step 1/5 (generate): stopped at --max-cost $0.001: $0.00 "
                           "of it used, and the next request, holding $0.005"), last
    # the figures are the step's half: raising --max-cost to the one named would still fail
    assert last.endswith("4 homes were not designed (home_001, home_002, home_003, home_004). "
                         "Raise --max-cost above $0.0051, or lower --max-reply-tokens "
                         "(pipeline: --openai-max-reply-tokens; 8,000, held in full until a "
                         "reply comes): no request fits under less. (The pipeline "
                         "gives each generate step half of --max-cost"
                         + ("" if typed else " (env var: 'HOME_TYPE_MAX_COST')")
                         + " $0.002: set it to twice any cap named here.)"), last
    assert api.requests == [] and not (tmp_path / "models").exists()


@pytest.fixture
def image_environment(tmp_path: Path) -> dict[str, str]:
    """The environment of the image, small: no Home Assistant, no OpenAI key, tiny sizes."""
    # A package that shadows the installed one and fails to import, as it would in the image.
    hide = tmp_path / "no_home_assistant"
    (hide / "homeassistant").mkdir(parents=True)
    (hide / "homeassistant" / "__init__.py").write_text(
        "raise ModuleNotFoundError('the trainer image has no Home Assistant', "
        "name='homeassistant')\n")
    # Then this checkout's trainer, not whichever one the venv's editable install points to.
    return {**environment_without_settings(), "PYTHONPATH": f"{hide}{os.pathsep}{ROOT}",
            "HOME_TYPE_COUNT": "24", "HOME_TYPE_DAYS": "3", "HOME_TYPE_COPIES": "1",
            "HOME_TYPE_MIX": EQUAL_MIX, "HOME_TYPE_MIN_ACCURACY": "0",
            "HOME_TYPE_MIN_MACRO_F1": "0", "PYTHONWARNINGS": "ignore"}


@pytest.mark.slow
def test_image_command_runs_the_whole_pipeline(tmp_path: Path,
                                               image_environment: dict[str, str]) -> None:
    command = image_command()
    assert command[:3] == ["python", "-m", "trainer"]
    work = tmp_path / "app"
    work.mkdir()

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *command[1:]], cwd=work, capture_output=True,
                              text=True, timeout=600, env={**image_environment, **env},
                              check=False)

    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    steps = re.findall(r"^(\d)/5 (\w+)", first.stderr, flags=re.MULTILINE)
    assert steps == [("1", "generate"), ("2", "generate"), ("3", "train"), ("4", "verify"),
                     ("5", "publish")]
    assert "Traceback" not in first.stderr and "openai" not in first.stderr.lower()
    data = work / option(command, "--data")
    assert len(list((data / "synthetic_homes").glob("home_*.json.gz"))) == 24
    assert len(list((data / "synthetic_homes_eval").glob("home_*.json.gz"))) == 24
    trained = work / option(command, "--model")
    published = work / option(command, "--to") / MODEL_NAME
    assert published.read_bytes() == trained.read_bytes()
    model = load_model(published)
    assert f"none → {model.version}" in first.stdout
    results = json.loads(published.with_name("home_type_classifier_results.json").read_text())
    assert results["model_version"] == model.version
    assert results["training_data"]["seeds"] == ["42"]
    assert results["evaluation"]["data"]["seeds"] == ["1042"]  # evaluated on another seed
    assert "loaded without scikit-learn" in first.stdout

    # Again, with a bar no model can pass: homes are kept, the published model stays.
    before = published.read_bytes()
    # The run is seeded: this model misses some homes, or the bar below would not be one.
    assert results["evaluation"]["by_window"]["10d"]["accuracy"] < 1.0
    second = run(HOME_TYPE_MIN_ACCURACY="1.0")
    assert second.returncode == EXIT_BELOW_THRESHOLDS, second.stderr[-3000:]
    assert "24 of 24 homes already in" in second.stderr
    last = second.stderr.strip().splitlines()[-1]
    assert last.startswith("error: step 5/5 (publish): not published: ")
    assert "< --min-accuracy 1.00" in last
    assert published.read_bytes() == before


#: Runs a command as the first process of a new PID namespace -- PID 1, as in a container --
#: and prints its process id as seen from outside, where ``docker stop`` sends from. Signals
#: start at their defaults, as Docker starts PID 1: a test run in the background of a shell
#: inherits SIGINT ignored, which the trainer would keep.
AS_PID_1 = textwrap.dedent("""
    import os, signal, sys
    os.unshare(os.CLONE_NEWPID)
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
    print(child, flush=True)
    sys.exit(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
""")


def test_docker_stop_stops_the_image_command_cleanly(
        tmp_path: Path, image_environment: dict[str, str]) -> None:
    """``docker stop`` sends the image's STOPSIGNAL to PID 1 and kills it 10 s later (compose:
    its ``stop_grace_period``). As PID 1, Python ignores a signal it has no handler for, so the
    signal must be one the trainer stops on: homes in progress finish, nothing is left
    half-written, exit 130, within the grace period."""
    final = dockerfile_stages()[-1]
    stop = signal.Signals[(final.args("STOPSIGNAL") or ["SIGTERM"])[-1]]
    trainer = yaml.safe_load(COMPOSE.read_text())["services"]["trainer"]
    assert "stop_signal" not in trainer, "the image's STOPSIGNAL is the one tested here"
    grace_period = re.fullmatch(r"(\d+)([sm])", trainer.get("stop_grace_period", "10s"))
    assert grace_period is not None
    amount, unit = grace_period.groups()
    grace = int(amount) * (60 if unit == "m" else 1)
    work = tmp_path / "app"
    work.mkdir()
    try:
        launcher = subprocess.Popen(
            [sys.executable, "-c", AS_PID_1, *image_command()[1:]], cwd=work, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**image_environment, "HOME_TYPE_COUNT": "400", "HOME_TYPE_DAYS": "30"})
    except OSError as err:  # pragma: no cover - depends on the machine
        pytest.skip(f"cannot start a process: {err}")
    assert launcher.stdout is not None and launcher.stderr is not None
    first_line = launcher.stdout.readline()
    if not first_line.strip():  # no new PID namespace without CAP_SYS_ADMIN
        launcher.wait(timeout=30)
        pytest.skip(f"cannot make a PID namespace here: {launcher.stderr.read()[-300:]}")
    pid_1 = int(first_line)
    homes = work / option(image_command(), "--data") / "synthetic_homes"
    try:
        deadline = time.monotonic() + 120
        while not list(homes.glob("home_*.json.gz")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(homes.glob("home_*.json.gz")), "the pipeline never began writing homes"
        os.kill(pid_1, stop)
        try:
            _, errors = launcher.communicate(timeout=min(grace, 60))
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{stop.name} sent to PID 1 did not stop it: docker stop "
                                 "would kill it") from None
    finally:
        if launcher.poll() is None:
            os.kill(pid_1, signal.SIGKILL)
            launcher.wait(timeout=30)
    assert launcher.returncode == 130, errors[-2000:]
    assert "interrupted" in errors and "Traceback" not in errors
    written = sorted(homes.iterdir())
    assert written and all(p.name.startswith("home_") for p in written), written  # no temp files
    for path in written:
        read_snapshot(path)  # each one whole


def test_pipeline_usage_errors(tmp_path: Path) -> None:
    # In the words of generate's own checks, not pydantic's ("Input should be greater …").
    bad = call_trainer("pipeline", "--count", "0", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith(
        "error: Invalid value for '--count': must be at least 1 (see ")
    # A bad value is blamed on where it came from: the flag typed, or the variable set.
    typed = call_trainer("pipeline", "--days", "abc", cwd=tmp_path)
    assert typed.returncode == 2 and typed.stderr.startswith(
        "error: Invalid value for '--days': give a whole number (see ")
    from_environment = call_trainer("pipeline", cwd=tmp_path,
                                    env={**os.environ, "HOME_TYPE_DAYS": "abc"})
    assert from_environment.returncode == 2 and from_environment.stderr.startswith(
        "error: Invalid value for '--days' (env var: 'HOME_TYPE_DAYS'): give a whole number")
    for flag, value, words in (
            ("--min-accuracy", "2", "must be a share from 0 to 1, e.g. 0.7, not 2"),
            # Click's own range check refused NaN as "must be at most 1".
            ("--min-macro-f1", "nan", "must be a share from 0 to 1, e.g. 0.7, not nan"),
            ("--min-accuracy", "x", "give a number")):
        refused = call_trainer("pipeline", flag, value, cwd=tmp_path)
        assert refused.returncode == 2 and refused.stderr.startswith(
            f"error: Invalid value for '{flag}': {words} (see "), refused.stderr
    backend = call_trainer("pipeline", "--backend", "llm", cwd=tmp_path)
    assert backend.returncode == 2 and "--backend must be one of auto, procedural, openai" in \
        backend.stderr
    free = call_trainer("pipeline", "--max-cost", "0", cwd=tmp_path)
    assert free.returncode == 2 and free.stderr.strip() == (
        "error: --max-cost must be a positive number of dollars, not 0")
    patience = call_trainer("pipeline", cwd=tmp_path,
                            env={**os.environ, "HOME_TYPE_OPENAI_TIMEOUT": "-1"})
    assert patience.returncode == 2 and patience.stderr.strip() == (
        "error: --openai-timeout (env var: 'HOME_TYPE_OPENAI_TIMEOUT') must be a positive number "
        "of seconds, not -1")
    allowance = call_trainer("pipeline", cwd=tmp_path,
                             env={**os.environ, "HOME_TYPE_OPENAI_MAX_REPLY_TOKENS": "500"})
    assert allowance.returncode == 2 and allowance.stderr.strip() == (
        "error: --openai-max-reply-tokens (env var: 'HOME_TYPE_OPENAI_MAX_REPLY_TOKENS') must be "
        "at least 1,000 tokens (a home's design takes up to ~3,750), not 500")
    price = call_trainer("pipeline", "--price", "0.25", cwd=tmp_path)
    assert price.returncode == 2 and price.stderr.strip() == (
        "error: --price must be two dollar amounts per million tokens, INPUT,OUTPUT, each 0 or "
        "more (e.g. --price 0.25,2.00), not '0.25'")
    # Refused before any home is generated: the evaluation homes' seed, and a copy count
    # that would only fill memory.
    seed = call_trainer("pipeline", "--seed", "4294966296", cwd=tmp_path)
    assert seed.returncode == 2 and seed.stderr.strip() == (
        "error: --seed 4294966296: give a whole number from 0 to 4294966295 (the evaluation "
        "homes use --seed + 1000)")
    copies = call_trainer("pipeline", cwd=tmp_path,
                          env={**os.environ, "HOME_TYPE_COPIES": "999999999"})
    assert copies.returncode == 2 and copies.stderr.strip() == (
        "error: --copies (env var: 'HOME_TYPE_COPIES') must be at most 100, not 999999999")
    leaf = call_trainer("pipeline", cwd=tmp_path,
                        env={**os.environ, "HOME_TYPE_MIN_SAMPLES_LEAF": "1000001"})
    assert leaf.returncode == 2 and leaf.stderr.strip() == (
        "error: --min-samples-leaf (env var: 'HOME_TYPE_MIN_SAMPLES_LEAF') must be at most "
        "1,000,000, not 1000001")
    assert not (tmp_path / "data").exists()
    unnamed = call_trainer("pipeline", cwd=tmp_path,
                           env={**os.environ, "HOME_TYPE_OPENAI_MODEL": " "})
    assert unnamed.returncode == 2 and unnamed.stderr.strip() == (
        "error: --openai-model (env var: 'HOME_TYPE_OPENAI_MODEL') must name a model")
    # Training writes the model before publish checks it: never in the folder HA reads.
    live = call_trainer("pipeline", "--model", "ha/home_type_classifier.pkl", "--to", "ha",
                        cwd=tmp_path)
    assert live.returncode == 2 and " ".join(live.stderr.split()) == (
        "error: --model ha/home_type_classifier.pkl is in --to ha, the folder Home Assistant "
        "reads: a model that fails publish's checks would be live there; train it elsewhere "
        "(default models/home_type_classifier.pkl)")
    (tmp_path / "data").write_text("not a folder")
    data = call_trainer("pipeline", cwd=tmp_path)
    assert data.returncode == 2 and data.stderr.strip() == (
        "error: --data data: is a file, not a folder")
    (tmp_path / "data").unlink()
    assert not list(tmp_path.iterdir()), "nothing written for a usage error"


def test_pipeline_refuses_to_train_on_homes_of_other_settings(tmp_path: Path) -> None:
    """Homes of another seed, length or count in --data stop the run before training on them."""
    data, model, to = tmp_path / "data", tmp_path / "model.pkl", tmp_path / "published"
    args = ["pipeline", "--count", "4", "--days", "1", "--seed", "42", "--backend", "procedural",
            "--mix", SMALLEST_MIX, "--data", str(data), "--model", str(model), "--to", str(to)]
    homes = data / "synthetic_homes"
    made = call_trainer("generate", "--count", "5", "--days", "2", "--seed", "5",
                        "--output", str(homes), *ONE_WORKER)
    assert made.returncode == 0, made.stderr
    result = call_trainer(*args)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: step 1/5 (generate): {homes} holds 5 homes of seed 5, 2 days; these flags ask "
        f"for 4 homes of seed 42, 1 day: delete {homes} to generate it anew with these "
        "settings, or pass another --data")
    assert not model.exists() and not to.exists()
    assert len(list(homes.iterdir())) == 5
    # Homes of these very settings, and more of them than --count: also refused (the step
    # planned 4; training reads every home in the folder).
    shutil.rmtree(homes)
    evaluation = data / "synthetic_homes_eval"
    for count, seed, folder in (("4", "42", homes), ("5", "1042", evaluation)):
        assert call_trainer("generate", "--count", count, "--days", "1", "--seed", seed,
                            "--mix", SMALLEST_MIX, "--output", str(folder),
                            *ONE_WORKER).returncode == 0
    result = call_trainer(*args)
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: step 2/5 (generate): {evaluation} holds 5 homes; these "
                           "flags ask for 4 homes"), last
    assert not model.exists()


def test_readme_documents_the_container_and_its_knobs() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Retrain with the trainer container"):]
    for text in ("docker compose build trainer", "docker compose run --rm trainer",
                 "docker compose run --rm trainer train", "home_type.reload_model",
                 "scripts/train", "python -m trainer publish --to",
                 "/config/home_type_models/home_type_classifier.pkl", "--rollback"):
        assert text in section, text
    for variable in re.findall(r"envvar=\"(HOME_TYPE_\w+)\"",
                               (ROOT / "trainer" / "pipeline_command.py").read_text()):
        assert variable in section, variable


type StepCall = tuple[str, tuple[object, ...], dict[str, object]]


class PipelineSteps(Protocol):
    """The ``pipeline_steps`` fixture: (exit code, the steps called) of a pipeline run."""

    def __call__(self, *args: str, **env: str) -> tuple[int, list[StepCall]]: ...


@pytest.fixture
def pipeline_steps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> PipelineSteps:
    """``python -m trainer pipeline …`` in this process with each step recorded, not run.

    Returns a function of the arguments (and environment variables) that gives the exit code
    and the steps as called: (name, positional arguments, keyword arguments).
    """
    from trainer import pipeline_command

    calls: list[StepCall] = []

    def record(name: str) -> Callable[..., None]:
        def step(*args: object, **kwargs: object) -> None:
            calls.append((name, args, kwargs))
        return step

    for name in ("generate", "train", "publish", "_verify_in_new_process"):
        monkeypatch.setattr(pipeline_command, name, record(name))
    for key in os.environ:
        if key.startswith(("OPENAI_", "HOME_TYPE_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, **env: str) -> tuple[int, list[StepCall]]:
        calls.clear()
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        code = trainer_in_process(monkeypatch, "pipeline", *args)
        return code, list(calls)

    return run


def test_pipeline_calls_each_step_with_its_settings(pipeline_steps: PipelineSteps,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Each step is the command of that name given the pipeline's flags and variables: the
    evaluation homes of seed + 1000 beside the training homes, same count, days, mix and
    backend; training on the one, scored on the other; verify and publish of that model."""
    code, calls = pipeline_steps(
        "--count", "4", "--days", "2", "--seed", "5", "--mix", SMALLEST_MIX, "--data", "d",
        "--model", "out/m.pkl", "--to", "ha", "--min-accuracy", "0.5",
        HOME_TYPE_COPIES="2", HOME_TYPE_MIN_SAMPLES_LEAF="30", HOME_TYPE_MIN_MACRO_F1="0.25",
        HOME_TYPE_MAX_COST="1",
        HOME_TYPE_PRICE="0.25,2.00", HOME_TYPE_OPENAI_MODEL="llama3.1",
        HOME_TYPE_OPENAI_TIMEOUT="600", HOME_TYPE_OPENAI_MAX_REPLY_TOKENS="16000")
    assert code == 0, capsys.readouterr().err
    homes, evaluation, model = Path("d/synthetic_homes"), Path("d/synthetic_homes_eval"), Path(
        "out/m.pkl")
    # the procedural generator costs nothing and asks no model: the cap, the price, the model,
    # the timeout and the reply allowance, set for when a key is there, are not passed
    same = {"count": 4, "days": 2, "backend": "procedural", "mix": SMALLEST_MIX, "max_cost": None,
            "price": None, "model": "gpt-4o-mini", "timeout": None, "max_reply_tokens": 8_000}
    assert calls == [
        ("generate", (), {**same, "seed": 5, "output": homes}),
        ("generate", (), {**same, "seed": 1005, "output": evaluation}),
        ("train", (), {"synthetic_homes": homes, "output": model, "evaluation_homes": evaluation,
                       "seed": 5, "copies": 2, "min_samples_leaf": 30}),
        ("_verify_in_new_process", (model,), {}),
        ("publish", (model,), {"to": Path("ha"), "min_accuracy": 0.5, "min_macro_f1": 0.25}),
    ]
    stderr = capsys.readouterr().err
    assert [line.split(" ", 2)[:2] for line in stderr.splitlines() if "/5 " in line] == [
        ["1/5", "generate"], ["2/5", "generate"], ["3/5", "train"], ["4/5", "verify"],
        ["5/5", "publish"]]


def test_pipeline_steps_say_one_day(pipeline_steps: PipelineSteps,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The steps' headers said "(4 × 1 days, …)" (found by a review of the command line)."""
    code, _ = pipeline_steps("--count", "4", "--days", "1", "--seed", "5", "--mix",
                             SMALLEST_MIX, "--backend", "procedural")
    assert code == 0
    headers = [line for line in capsys.readouterr().err.splitlines() if " generate " in line]
    assert [h.split("(")[1].split(",")[0] for h in headers] == ["4 × 1 day", "4 × 1 day"]


@pytest.mark.parametrize(("args", "message"), [
    (["--mix", "condo=1"], "--mix condo=1: training needs homes of at least 2 "
                           "types; give 2 labels a positive weight"),
    (["--count", "3"], "--count 3: too few homes for training (1 condo, 1 "
                       "single_family_house, 1 apartment); it needs 2 types, and a type with "
                       "enough homes to hold 20% of them out for testing: give a larger --count"),
    (["--count", "4", "--mix", "studio=2,condo=2"], "--count 4: too few homes "
     "for training (2 studio, 2 condo); it needs 2 types, and a type with enough homes to hold "
     "20% of them out for testing: give a larger --count"),
    (["--count", "100001"], "--count must be at most 100000, not 100001"),
    (["--days", "3651"], "--days must be at most 3650 (ten years), not 3651"),
    (["--mix", "castle=1"], "--mix: 'castle=1' is not LABEL=WEIGHT"),
])
def test_pipeline_refuses_what_train_would_before_generating(
        pipeline_steps: PipelineSteps, capsys: pytest.CaptureFixture[str],
        args: list[str], message: str) -> None:
    """Homes train could not split are never generated (with openai they would be paid for)."""
    code, calls = pipeline_steps(*args, "--backend", "procedural")
    assert (code, calls) == (2, [])
    assert capsys.readouterr().err.strip().startswith(f"error: {message}")
    code, calls = pipeline_steps("--count", "4", "--mix", SMALLEST_MIX, "--backend", "procedural")
    assert code == 0 and [name for name, _, _ in calls][:3] == ["generate", "generate", "train"]


@pytest.mark.parametrize(("env", "message"), [
    ({"HOME_TYPE_MIX": "castle=1"}, "--mix (env var: 'HOME_TYPE_MIX'): 'castle=1' is not "),
    ({"HOME_TYPE_MIX": "condo=1"}, "--mix (env var: 'HOME_TYPE_MIX') condo=1: training needs "),
    ({"HOME_TYPE_COUNT": "3"}, "--count (env var: 'HOME_TYPE_COUNT') 3: too few homes "),
    ({"HOME_TYPE_DAYS": "3651"}, "--days (env var: 'HOME_TYPE_DAYS') must be at most 3650 "),
    ({"HOME_TYPE_SEED": "4294966296"}, "--seed (env var: 'HOME_TYPE_SEED') 4294966296: give "),
    ({"HOME_TYPE_BACKEND": "llm"}, "--backend (env var: 'HOME_TYPE_BACKEND') must be one of "),
    ({"HOME_TYPE_MAX_COST": "0"}, "--max-cost (env var: 'HOME_TYPE_MAX_COST') must be "),
    ({"HOME_TYPE_PRICE": "1"}, "--price (env var: 'HOME_TYPE_PRICE') must be two dollar "),
])
def test_pipeline_errors_name_the_variable_that_gave_the_value(
        pipeline_steps: PipelineSteps, capsys: pytest.CaptureFixture[str],
        env: dict[str, str], message: str) -> None:
    """The container's runs are set in docker-compose.yml: "--mix" alone sent its user looking
    for a flag they never typed. As click's own errors do, the variable is named beside it."""
    code, calls = pipeline_steps(**env)
    assert (code, calls) == (2, [])
    assert capsys.readouterr().err.startswith(f"error: {message}")


def test_pipeline_keeps_llm_homes_apart(pipeline_steps: PipelineSteps,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A key selects the OpenAI backend, whose homes go to …_llm and …_llm_eval: never mixed
    with the procedural homes of the same --data."""
    code, calls = pipeline_steps(OPENAI_API_KEY="sk-test", HOME_TYPE_MAX_COST="0.5",
                                 HOME_TYPE_PRICE="0.25,2.00", HOME_TYPE_OPENAI_MODEL=" llama3.1 ",
                                 HOME_TYPE_OPENAI_TIMEOUT="600",
                                 HOME_TYPE_OPENAI_MAX_REPLY_TOKENS="16000")
    assert code == 0, capsys.readouterr().err
    generated = [(kwargs["output"], kwargs["seed"], kwargs["backend"], kwargs["max_cost"],
                  kwargs["price"], kwargs["model"], kwargs["timeout"], kwargs["max_reply_tokens"])
                 for name, _, kwargs in calls if name == "generate"]
    # half of the cap each: the two steps together stay within it, at the same price, model,
    # timeout and reply allowance
    assert generated == [
        (Path("data/synthetic_homes_llm"), 42, "openai", 0.25, "0.25,2.00", "llama3.1", 600.0,
         16_000),
        (Path("data/synthetic_homes_llm_eval"), 1042, "openai", 0.25, "0.25,2.00", "llama3.1",
         600.0, 16_000)]
    assert "seed 42, openai, at most $0.25 of --max-cost $0.50)" in capsys.readouterr().err
    train = next(kwargs for name, _, kwargs in calls if name == "train")
    assert train["synthetic_homes"] == Path("data/synthetic_homes_llm")
    assert train["evaluation_homes"] == Path("data/synthetic_homes_llm_eval")


def test_pipeline_leaves_the_wait_to_the_reply_allowance(pipeline_steps: PipelineSteps) -> None:
    """Without --openai-timeout, generate is given none, and waits as long as the reply
    allowance calls for (``default_timeout``) rather than a fixed 120 s."""
    code, calls = pipeline_steps(OPENAI_API_KEY="sk-test",
                                 HOME_TYPE_OPENAI_MAX_REPLY_TOKENS="16000")
    assert code == 0
    assert [(kwargs["timeout"], kwargs["max_reply_tokens"])
            for name, _, kwargs in calls if name == "generate"] == [(None, 16_000)] * 2


def test_pipeline_stops_at_the_failing_step(pipeline_steps: PipelineSteps,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from trainer import pipeline_command
    from trainer.command_line import UserError

    def refuse(model: Path) -> None:
        raise UserError("the bundle failed verification (its error is above)", 7)

    monkeypatch.setattr(pipeline_command, "_verify_in_new_process", refuse)
    code, calls = pipeline_steps("--backend", "procedural")
    assert code == 7
    assert [name for name, _, _ in calls] == ["generate", "generate", "train"]  # no publish
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: step 4/5 (verify): the bundle failed verification (its error is above)")
    # exit code 7 is generate's "cap reached" too; only a generate step gets the cap's note
    code, _ = pipeline_steps("--backend", "openai", "--max-cost", "1", OPENAI_API_KEY="sk-test")
    assert code == 7
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: step 4/5 (verify): the bundle failed verification (its error is above)")


def test_a_machine_error_in_a_step_names_the_step(pipeline_steps: PipelineSteps,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A full disk in a step is its one line; an OSError of the code's own is a traceback."""
    from trainer import pipeline_command

    def error(number: int, words: str, filename: str) -> Callable[..., None]:
        def step(**kwargs: object) -> None:
            raise OSError(number, words, filename)
        return step

    monkeypatch.setattr(pipeline_command, "train",
                        error(errno.ENOSPC, "No space left on device", "models/x.tmp"))
    code, _ = pipeline_steps("--backend", "procedural")
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: step 3/5 (train): models/x.tmp: No space left on device")
    monkeypatch.setattr(pipeline_command, "train",
                        error(errno.ENOENT, "No such file or directory", "lost.tmp"))
    with pytest.raises(FileNotFoundError):
        pipeline_steps("--backend", "procedural")


def test_verify_step_fails_on_a_model_verify_refuses(tmp_path: Path) -> None:
    """The verify step runs ``verify`` in a new process; its refusal stops the pipeline."""
    from trainer.command_line import UserError
    from trainer.pipeline_command import _verify_in_new_process

    model = tmp_path / MODEL_NAME
    model.write_bytes(BUNDLED_MODEL.read_bytes() + b"x")  # the hash no longer matches
    (tmp_path / f"{MODEL_NAME}.sha256").write_bytes(
        BUNDLED_MODEL.with_name(f"{MODEL_NAME}.sha256").read_bytes())
    with pytest.raises(UserError, match=r"failed verification") as refused:
        _verify_in_new_process(model)
    assert refused.value.exit_code == 2
    _verify_in_new_process(BUNDLED_MODEL)  # a good bundle passes


def test_ctrl_c_during_the_verify_step_is_said_once(tmp_path: Path) -> None:
    """The verify step's process got the terminal's Ctrl-C too, and said "interrupted" (or,
    still importing, printed a traceback) before the pipeline said it again. Here the step's
    process is a Python that only sleeps; Ctrl-C goes to the pipeline's process group, as a
    terminal sends it, once that process runs."""
    sleeper, started = tmp_path / "python", tmp_path / "started"
    sleeper.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import pathlib, time; "
                       f"pathlib.Path(\"{started}\").touch(); time.sleep(60)'\n")
    sleeper.chmod(0o755)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from trainer.pipeline_command import _verify_in_new_process
        sys.executable = {str(sleeper)!r}
        try:
            _verify_in_new_process(Path("model.pkl"))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)
        """)
    run = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=subprocess.PIPE,
                           text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=30)
    assert (run.returncode, stderr) == (130, "interrupted\n")


def test_pipeline_checks_the_split_train_makes() -> None:
    """The labels check holds out train's share: pipeline calls train with its default, and
    the check refuses the planned homes exactly when train's split would."""
    import inspect
    from types import SimpleNamespace

    from trainer.command_line import UserError
    from trainer.dataset import DatasetError, split_by_home
    from trainer.pipeline_command import _check_planned_labels
    from trainer.runs import DEFAULT_TEST_SIZE, TrainingRun
    from trainer.training_commands import train

    assert inspect.signature(train).parameters["test_size"].default == DEFAULT_TEST_SIZE
    assert TrainingRun(Path("h"), Path("m")).test_size == DEFAULT_TEST_SIZE
    # Two homes of each of two types: train holds none out at a fifth; three: one each.
    for count, splits in ((4, False), (6, True)):
        homes = [SimpleNamespace(label=label) for label in ("condo", "cottage")
                 for _ in range(count // 2)]
        try:
            split_by_home(homes, DEFAULT_TEST_SIZE, 0)  # type: ignore[arg-type]
        except DatasetError:
            assert not splits, count
        else:
            assert splits, count
        try:
            _check_planned_labels(count, 1, 42, "condo=1,cottage=1")
        except UserError:
            assert not splits, count
        else:
            assert splits, count


@pytest.mark.parametrize("in_image", [False, True])
def test_an_unwritable_folder_says_why_and_what_to_do_in_the_container(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_image: bool) -> None:
    """Run as root, CI can write anywhere: the refusal is simulated. In the image the usual
    cause is a folder owned by another uid than the container's, so the line says how to fix
    it; a read-only mount says that instead, wherever it happens."""
    from trainer import command_line

    if in_image:
        monkeypatch.setenv(IN_CONTAINER_VARIABLE, "1")
    else:
        monkeypatch.delenv(IN_CONTAINER_VARIABLE, raising=False)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(command_line.UserError) as denied:
        command_line.check_output(tmp_path / "m.pkl", "--model", "m.pkl")
    hint = (f"; the container writes as uid {os.getuid()}: give ./data and ./models to that "
            "user, or run it as yours with HOME_TYPE_UID=$(id -u) HOME_TYPE_GID=$(id -g)")
    assert str(denied.value) == (f"--model {tmp_path / 'm.pkl'}: cannot write in {tmp_path} "
                                 "(permission denied)" + (hint if in_image else ""))

    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda path: ReadOnly())
    with pytest.raises(command_line.UserError) as read_only:
        command_line.check_output(tmp_path / "m.pkl", "--model", "m.pkl")
    assert str(read_only.value) == (f"--model {tmp_path / 'm.pkl'}: cannot write in {tmp_path} "
                                    "(read-only file system)")


def test_no_trained_model_yet_names_the_command_there_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The image has no scripts/ folder: there, the pipeline is what trains a model."""
    from trainer.command_line import no_model_yet

    monkeypatch.delenv(IN_CONTAINER_VARIABLE, raising=False)
    assert "run scripts/train (or python -m trainer train)" in no_model_yet()
    monkeypatch.setenv(IN_CONTAINER_VARIABLE, "1")
    assert "run docker compose run --rm trainer (the whole pipeline)" in no_model_yet()
    assert "scripts/" not in no_model_yet()


def test_in_a_checkout_the_bundled_model_is_named_from_its_root(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where scripts/train runs, the checkout's root, the bundled model is named as the user
    would type it there (elsewhere, as in the image, by its absolute path)."""
    from trainer.command_line import no_model_yet

    monkeypatch.chdir(ROOT)
    assert no_model_yet().endswith(
        "or use the one bundled with the integration, "
        "custom_components/home_type/models/home_type_classifier.pkl")


@pytest.mark.parametrize("args", [["--help"], ["verify", "nowhere.pkl"]])
def test_ctrl_c_after_the_command_has_ended_is_ignored(args: list[str]) -> None:
    """Once a command has ended, whether it succeeded or not, the interpreter's shutdown joins
    joblib's threads; a docker stop landing there has nothing to stop and must not print a
    traceback, so the entry point ignores SIGINT from then on."""
    probe = textwrap.dedent(f"""
        import signal, sys
        import trainer.__main__ as entry
        sys.argv = ["trainer", *{args!r}]
        try:
            entry.run()
        except SystemExit:
            pass
        print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN
              and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=ROOT, timeout=120, check=False)
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
