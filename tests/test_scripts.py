"""The set-up every script shares (scripts/_venv.sh), run in bash on venvs made for the test.

The functions are sourced without the file's last two lines (make .venv, go to the
repository), so nothing here touches the project's own .venv or installs anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from tests.conftest import (
    RECORDER_TESTS,
    ROOT,
    made_once,
    processes_left,
    pytest_collection_modifyitems,
    scripts_uv_version,
)

SCRIPTS = ROOT / "scripts"
VENV_SH = SCRIPTS / "_venv.sh"
RUNS_ON_SOURCING = 'ensure_venv\ncd "$ROOT"\n'
#: How _venv.sh's uv_install starts uv, as the stand-ins below log it, up to the venv's python.
UV_INSTALL = "uv pip install --quiet --python"
#: A real Python 3.13: the one running the tests.
PYTHON313 = sys.executable


def laid_out(folder: Path) -> Path:
    """``folder`` laid out like the repository, with _venv.sh's functions only."""
    text = VENV_SH.read_text()
    assert text.endswith(RUNS_ON_SOURCING)
    (folder / "scripts").mkdir(parents=True)
    (folder / "scripts" / "_venv.sh").write_text(text.removesuffix(RUNS_ON_SOURCING))
    return folder


def copy_scripts(folder: Path, *names: str) -> Path:
    """The scripts ``names`` copied into ``folder``/scripts (made if missing); that folder."""
    scripts = folder / "scripts"
    scripts.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(SCRIPTS / name, scripts / name)
    return scripts


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return laid_out(tmp_path)


def bash(project: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` after sourcing the functions (``set -euo pipefail`` holds, as in a script)."""
    script = f'source "{project}/scripts/_venv.sh"\n{code}\n'
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(project), **env},
                          check=False)


def make_venv(path: Path, *, pip: bool = True) -> None:
    args = [] if pip else ["--without-pip"]
    subprocess.run([PYTHON313, "-m", "venv", *args, str(path)], check=True, timeout=120)


def executable(path: Path, script: str) -> Path:
    """A stand-in program at ``path`` (its folder made): a shell script, runnable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    path.chmod(0o755)
    return path


def ready(project: Path) -> bool:
    return bash(project, "venv_ready").returncode == 0


@contextlib.contextmanager
def in_session(project: Path, script: str, **env: str) -> Iterator[subprocess.Popen[str]]:
    """``script`` run by bash in a session of its own (its id: the script's pid), running, its
    output read as it comes; its process group KILLed if it still runs at the end."""
    # Ctrl-C as a terminal's shell leaves it, whatever this test's own runner does with it
    # (started in the background by a shell, it ignores SIGINT, which bash could not undo).
    run = subprocess.Popen(["env", "--default-signal=INT", "bash", "-c", script],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(project), **env})
    try:
        yield run
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)


def read_until(run: subprocess.Popen[str], text: str, *, stream: str = "stdout") -> None:
    """Read ``run``'s stdout (or stderr) until a line holding ``text``."""
    lines = getattr(run, stream)
    while text not in lines.readline():
        assert run.poll() is None, run.communicate()


def test_a_venv_is_ready_only_when_finished_here(project: Path, tmp_path: Path) -> None:
    """Its marker is written last, naming the folder: without it (a Ctrl-C while .venv was
    made, or ensurepip missing) or naming another folder (a moved checkout, whose scripts
    and editable install point there), the venv is made again -- as is one without pip."""
    venv = project / ".venv"
    assert not ready(project)
    make_venv(venv)
    assert not ready(project), "no marker and no install stamp: cut short"
    (venv / ".home-type-venv").write_text(f"{tmp_path / 'elsewhere' / '.venv'}\n")
    assert not ready(project), "made in another folder"
    (venv / ".home-type-venv").write_text(f"{venv}\n")
    assert ready(project)

    bare = laid_out(project / "bare")
    make_venv(bare / ".venv", pip=False)
    (bare / ".venv" / ".home-type-venv").write_text(f"{bare / '.venv'}\n")
    assert not ready(bare), "no pip"


@pytest.mark.parametrize("folder", ["repo", "a repo with spaces"])
def test_a_venv_finished_before_the_marker_is_kept(tmp_path: Path, folder: str) -> None:
    """A .venv the scripts finished before they wrote markers (its install stamp is there)
    is adopted, not made again -- unless it was moved from another folder, which its pip
    script still names (pip writes a path with spaces on a line of its own)."""
    here = laid_out(tmp_path / folder)
    venv = here / ".venv"
    make_venv(venv)
    (venv / ".home-type-installed-test").write_text("stamp\n")
    assert ready(here) and (venv / ".home-type-venv").read_text() == f"{venv}\n"

    moved = tmp_path / f"moved {folder}"
    moved.mkdir()
    (here / "scripts").rename(moved / "scripts")
    (venv / ".home-type-venv").unlink()
    venv.rename(moved / ".venv")
    assert not ready(moved) and not (moved / ".venv" / ".home-type-venv").exists()


def _another_python() -> str | None:
    """A real Python that is not 3.13 (Debian 12's own 3.11, say), or None."""
    for name in ("/usr/bin/python3", "python3.11", "python3.12"):
        candidate = shutil.which(name)  # None where it is missing, so it is never run
        if candidate and subprocess.run(
                [candidate, "-c", "import sys; sys.exit(sys.version_info[:2] == (3, 13))"],
                check=False).returncode == 0:
            return candidate
    return None


def test_the_python_named_by_PYTHON_is_checked(project: Path) -> None:
    """PYTHON was taken as it was: a Python 3.11 made a .venv no install could use, and every
    later run failed the same way. Refused: something that is no Python, and a real Python of
    another version (which runs the check's code, so only the version can refuse it)."""
    broken = project / "python3.11"
    executable(broken, "#!/bin/sh\nexec /usr/bin/env python3 -c 'import sys; sys.exit(1)'\n")
    chosen = bash(project, "find_python313", PYTHON=PYTHON313)
    assert chosen.returncode == 0 and chosen.stdout == f"{PYTHON313}\n"
    another = _another_python()
    for other in (str(broken), another):
        if other is None:
            pytest.skip("refused what is no Python; no other version on this machine to try")
        refused = bash(project, "find_python313", PYTHON=other)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr == (f"error: PYTHON={other} is not a Python 3.13 with venv and "
                                  "ensurepip\n")


def test_any_pyenv_python_313_is_found(project: Path) -> None:
    """pyenv's 3.13.0 alone was tried (and PYENV_VERSION=3.13.0 forced on every candidate):
    an owner with pyenv's 3.13.5 only was told to install Python 3.13. The newest 3.13 pyenv
    has is taken, by its own path, which needs no pyenv to make the venv."""
    if any(Path(p).exists() for p in ("/usr/bin/python3.13", "/usr/local/bin/python3.13")):
        pytest.skip("a system Python 3.13 here comes first")
    root = project / "pyenv"
    for version in ("3.12.9", "3.13.2", "3.13.10", "3.13.5", "3.13.9"):
        (root / "versions" / version / "bin").mkdir(parents=True)
        (root / "versions" / version / "bin" / "python3.13").symlink_to(PYTHON313)
    executable(project / "bin" / "pyenv", f"#!/bin/sh\necho '{root}'\n")
    found = bash(project, "find_python313", PATH=f"{project / 'bin'}:/usr/bin:/bin")
    assert found.returncode == 0, found.stderr
    assert found.stdout == f"{root / 'versions' / '3.13.10' / 'bin' / 'python3.13'}\n"


def test_the_python_found_is_named_by_its_own_path(project: Path) -> None:
    """A shim or wrapper answers for the interpreter it runs: the venv is made with that one,
    which needs no shim (nor the PATH that found it) afterwards."""
    executable(project / "bin" / "python3.13", f'#!/bin/sh\nexec "{PYTHON313}" "$@"\n')
    found = bash(project, "find_python313", PATH=f"{project / 'bin'}:/usr/bin:/bin")
    assert found.returncode == 0, found.stderr
    assert found.stdout == f"{PYTHON313}\n"


def logged_venv(project: Path, *, uv: bool = True) -> tuple[Path, Path]:
    """A finished .venv in ``project`` whose python and uv stand-ins log their installs to
    install.log; without ``uv``, a .venv that has none until its pip installs it. The venv
    and the log."""
    (project / "pyproject.toml").write_text("[project]\n")
    venv = project / ".venv"
    log = project / "install.log"
    uv_stand_in = f'#!/bin/sh\necho "uv $*" >> "{log}"\n'
    executable(venv / "bin" / "python", f"""#!/bin/sh
case "$*" in *"pip install"*) echo "python $*" >> "{log}";; esac
case "$*" in *"pip install --quiet uv=="*)
    printf '%s' '{uv_stand_in}' > "{venv}/bin/uv"; chmod +x "{venv}/bin/uv";;
esac
""")
    if uv:
        executable(venv / "bin" / "uv", uv_stand_in)
    (venv / ".home-type-venv").write_text(f"{venv}\n")
    return venv, log


def test_an_install_is_stamped_with_its_extras_and_not_repeated(project: Path) -> None:
    """The stamp names every extra installed, so the next run asking for them installs
    nothing (and needs no network)."""
    venv, log = logged_venv(project)
    for _ in range(2):
        run = bash(project, "ensure_venv", HOME_TYPE_EXTRAS="develop")
        assert run.returncode == 0, run.stderr
    assert log.read_text().splitlines() == [
        f"{UV_INSTALL} {venv}/bin/python -e {project}[test,develop]"]
    digest = hashlib.sha256(b"[project]\n").hexdigest()
    assert (venv / ".home-type-installed-test-develop").read_text() == f"{digest}\n"


def test_a_venv_without_uv_gets_home_assistant_s_uv_from_pip_first(project: Path) -> None:
    """uv installs the project: a .venv made before it did, or cut short before uv was in,
    gets it from its pip, at the release Home Assistant pins, and then installs with it."""
    venv, log = logged_venv(project, uv=False)
    for _ in range(2):
        run = bash(project, "ensure_venv")
        assert run.returncode == 0, run.stderr
    assert log.read_text().splitlines() == [
        f"python -m pip install --quiet uv=={scripts_uv_version()}",
        f"{UV_INSTALL} {venv}/bin/python -e {project}[test]"]


def test_what_needs_only_uv_starts_before_the_install_without_the_lock(
        project: Path) -> None:
    """scripts/test sets the newer releases' venvs up with .venv's uv, beside the project's
    install: its while_venv_installs runs first, and what it starts in the background does not
    hold .venv's lock, or a second run would wait for those set-ups too."""
    venv, log = logged_venv(project)
    run = bash(project, f"""
while_venv_installs() {{
    echo "started" >> "{log}"
    sleep 3 >/dev/null 2>&1 &
}}
ensure_venv
flock -n {project}/pyproject.toml true && echo "lock free while it runs" >> "{log}"
""")
    assert run.returncode == 0, run.stderr
    assert log.read_text().splitlines() == [
        "started", f"{UV_INSTALL} {venv}/bin/python -e {project}[test]",
        "lock free while it runs"]


def test_the_scripts_pythons_compile_each_import_once_into_the_venv(project: Path) -> None:
    """uv compiles nothing at install: a module is compiled when first imported, into
    .venv/pycache -- also where PYTHONDONTWRITEBYTECODE would have every process compile it
    again -- and never beside its source. Only once .venv is set up: a clean clone's first
    Python (finding Python 3.13) made .venv/pycache, taken then for a .venv cut short."""
    (project / "module.py").write_text("")
    importing = f'cd "{project}" && "{PYTHON313}" -c "import module"'
    before = bash(project, importing, PYTHONDONTWRITEBYTECODE="1")
    assert before.returncode == 0, before.stderr
    assert sorted(path.name for path in project.iterdir()) == ["module.py", "scripts"]

    logged_venv(project)
    run = bash(project, f"ensure_venv\n{importing}", PYTHONDONTWRITEBYTECODE="1")
    assert run.returncode == 0, run.stderr
    cached = project / ".venv" / "pycache" / project.relative_to("/")
    assert [path.name for path in cached.iterdir()] == ["module.cpython-313.pyc"]
    assert not (project / "__pycache__").exists()


def test_an_install_with_more_extras_serves_fewer(project: Path) -> None:
    """After scripts/develop (test and develop), scripts/test (test) installed again, which
    needs the network: an install stamp of the same pyproject.toml with every extra asked
    for is enough."""
    venv = project / ".venv"
    venv.mkdir()
    (venv / ".home-type-installed-test-develop").write_text("abc\n")
    for extras, hash_, installed in (("test", "abc", True), ("test,develop", "abc", True),
                                     ("test,mariadb", "abc", False), ("test", "new", False),
                                     ("dev", "abc", False)):
        result = bash(project, f'installed_with "{extras}" "{hash_}"')
        assert (result.returncode == 0) is installed, (extras, hash_)


def test_ctrl_c_during_an_install_ends_the_script_and_stamps_nothing(project: Path) -> None:
    """pip takes Ctrl-C for its own and exits 1, which the scripts passed on as a failure;
    the project's installer is held to the same."""
    venv, _ = logged_venv(project)
    # As pip does: SIGINT ends the install with exit 1.
    executable(venv / "bin" / "uv",
               '#!/bin/sh\ncase "$*" in *"pip install"*)\n'
               '  trap \'kill $! 2>/dev/null; exit 1\' INT\n'
               '  echo "install started"; sleep 30 & wait $!;;\nesac\nexit 0\n')
    with in_session(project, f'source "{project}/scripts/_venv.sh"\nensure_venv\necho went on'
                    ) as run:
        read_until(run, "install started")
        os.killpg(run.pid, signal.SIGINT)  # as the terminal sends it: to the whole group
        out, err = run.communicate(timeout=30)
    assert run.returncode == -signal.SIGINT, err  # ended by it, as a shell is: 130 to a shell
    assert "went on" not in out
    assert err == "interrupted: the install is left to the next run\n"
    assert not list(venv.glob(".home-type-installed*"))


def test_the_caller_s_trap_on_ctrl_c_is_kept(project: Path) -> None:
    """run_pip takes SIGINT for itself while pip runs, then gives the caller's trap back."""
    stub = project / "python"
    executable(stub, "#!/bin/sh\nexit 0\n")
    kept = bash(project, f"trap 'echo mine' INT\nrun_pip {stub} install x\ntrap -p INT")
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout == "trap -- 'echo mine' SIGINT\n"
    none = bash(project, f"run_pip {stub} install x\ntrap -p INT\necho done")
    assert none.stdout == "done\n"


def test_a_second_run_waits_for_the_first_to_set_venv_up(project: Path) -> None:
    """Two first runs at once: the second took the first's half-made .venv for one cut short
    and deleted it under it. It now waits for the first's lock, then finds .venv ready."""
    (project / "pyproject.toml").write_text("[project]\n")
    venv = project / ".venv"
    make_venv(venv)
    (venv / ".home-type-venv").write_text(f"{venv}\n")
    digest = hashlib.sha256(b"[project]\n").hexdigest()
    (venv / ".home-type-installed-test").write_text(f"{digest}\n")
    with (project / "pyproject.toml").open() as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        second = subprocess.Popen(
            # Let go once set up: the script goes on (pytest, for minutes) in this shell.
            ["bash", "-c", f'source "{project}/scripts/_venv.sh"\nensure_venv\n'
                           f'flock -n "{project}/pyproject.toml" echo ready'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={"PATH": "/usr/bin:/bin", "HOME": str(project)})
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                second.wait(timeout=2)
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out == "==> another run is setting .venv up: waiting for it\nready\n"


class _CollectedTest:
    """What tests/conftest.py's collection hook reads of a pytest item."""

    def __init__(self, path: Path, *, recorder: bool) -> None:
        self.path = path
        self.nodeid = f"{path.relative_to(ROOT)}::test_it"
        self.recorder = recorder

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return pytest.mark.recorder.mark if name == "recorder" and self.recorder else None

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        """Home Assistant's tests are grouped on one worker: not what is tested here."""


def test_a_recorder_test_where_the_database_runs_do_not_look_stops_the_run() -> None:
    """scripts/test's database runs collect RECORDER_TESTS only: a test marked recorder
    elsewhere would be left out of them without a word, so collecting it is an error."""
    inside = _CollectedTest(RECORDER_TESTS / "test_new.py", recorder=True)
    unmarked = _CollectedTest(ROOT / "tests" / "trainer" / "test_new.py", recorder=False)
    pytest_collection_modifyitems(cast(list[pytest.Item], [inside, unmarked]))

    outside = _CollectedTest(ROOT / "tests" / "trainer" / "test_new.py", recorder=True)
    with pytest.raises(pytest.UsageError, match=(
            r"^tests/trainer/test_new.py::test_it is marked recorder outside"
            r" tests/integration/, where scripts/test's database runs look")):
        pytest_collection_modifyitems(cast(list[pytest.Item], [inside, outside]))


def test_nothing_collected_fails_only_a_whole_suite_run(project: Path) -> None:
    """pytest's exit 5 (no test selected) is a failure for a run given no arguments (CI's: a
    marker matching nothing must not pass), not for one that chose its tests."""
    venv = project / "fake"
    executable(venv / "bin" / "python", "#!/bin/sh\nexit 5\n")
    whole = bash(project, f'run_pytest "{venv}" 0 -m recorder; echo went on')
    assert whole.returncode == 5 and "went on" not in whole.stdout
    assert "error: pytest collected no test here" in whole.stderr
    chosen = bash(project, f'run_pytest "{venv}" 1 -m recorder; echo went on')
    assert chosen.returncode == 0 and chosen.stdout.endswith("went on\n")
    (venv / "bin" / "python").write_text("#!/bin/sh\nexit 1\n")
    failed = bash(project, f'run_pytest "{venv}" 1; echo went on')
    assert failed.returncode == 1 and "went on" not in failed.stdout


def test_test_paths_choose_the_tests_of_each_run(project: Path) -> None:
    """scripts/test-newer-ha ran its folders whole when given a path, and gave the path to its
    plugin-free run too, which failed importing it: each run takes the paths inside its
    folders (with or without ./, a trailing / or ::a_test), and no other argument."""
    chosen = bash(project, 'tests_within "tests/integration tests/instance" '
                  "tests/integration/test_view.py::test_x -k view ./tests/instance/ "
                  "tests/trainer tests/integrationx/a.py tests/core tests/integration")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.splitlines() == [
        "tests/integration/test_view.py::test_x", "./tests/instance/", "tests/integration"]


#: scripts/test's main run of the whole suite, as the stand-in python below logs it.
_MAIN_RUN = ("-m pytest -n auto --dist loadgroup --durations=20 "
             "--cov=custom_components/home_type --cov-report=term")
_POSTGRESQL = "postgresql://u:p@127.0.0.1:9/db"
_MARIADB = "mysql://u:p@127.0.0.1:9/db?charset=utf8mb4"
#: _newer_ha.sh's functions as scripts/test calls them, each run a logged python.
_NEWER_HA_STAND_IN = """
take_newer_release_arguments() { :; }
set_up_newer_releases() { :; }
start_newer_release_run() { start_beside newer run_pytest "$VENV" 0 newer-release; }
start_current_release_run() { start_beside current run_pytest "$VENV" 0 current-release; }
"""


def _scripts_test(project: Path, arguments: list[str], env: dict[str, str], *,
                  main_exits: int = 0) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """scripts/test, ended, and the arguments of each pytest run it started, sorted. .venv is
    taken as set up, _newer_ha.sh's functions are stood in for, and the python that runs pytest
    only logs its arguments (the main suite's run then exits ``main_exits``)."""
    scripts = copy_scripts(project, "test", "_help.sh", "_beside.sh")
    (scripts / "_newer_ha.sh").write_text(_NEWER_HA_STAND_IN)
    with (scripts / "_venv.sh").open("a") as functions:
        functions.write('while_venv_installs\ncd "$ROOT"\nexport PATH="$VENV/bin:$PATH"\n')
    executable(project / ".venv" / "bin" / "python",
               f'#!/bin/sh\necho "$*" >> {project}/runs\n'
               f'case "$*" in *--cov=*) exit {main_exits};; esac\n')
    ran = subprocess.run(["bash", str(scripts / "test"), *arguments], capture_output=True,
                         text=True, timeout=60, check=False,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(project),
                              "TMPDIR": str(project), **env})
    return ran, sorted((project / "runs").read_text().splitlines())


_PG, _MARIA, _NEWER = ("recorder tests on PostgreSQL", "recorder tests on MariaDB",
                       "integration tests on newer Home Assistant releases")


@pytest.mark.parametrize(("arguments", "env", "runs", "skipped"), [
    ([], {}, [_MAIN_RUN], [_PG, _MARIA, _NEWER]),
    ([], {"HOME_TYPE_TEST_DBURL": _POSTGRESQL, "HOME_TYPE_TEST_MYSQL_DBURL": _MARIADB}, [
        _MAIN_RUN, f"-m pytest tests/integration -m recorder --dburl {_MARIADB}",
        f"-m pytest tests/integration -m recorder --dburl {_POSTGRESQL}"], [_NEWER]),
    ([], {"HOME_TYPE_TEST_NEWER_HA": "1"}, [
        _MAIN_RUN, "-m pytest current-release", "-m pytest newer-release"], [_PG, _MARIA]),
    (["-x", "tests/integration/test_view.py"],
     {"HOME_TYPE_TEST_DBURL": _POSTGRESQL, "HOME_TYPE_TEST_NEWER_HA": "1"}, [
         "-m pytest -x tests/integration/test_view.py",
         f"-m pytest -x tests/integration/test_view.py -m recorder --dburl {_POSTGRESQL}"],
     [_MARIA, _NEWER]),
], ids=["alone", "databases", "newer-releases", "chosen-tests"])
def test_scripts_test_runs_what_its_settings_ask_for(
        project: Path, arguments: list[str], env: dict[str, str], runs: list[str],
        skipped: list[str]) -> None:
    """CI's entry point: the whole suite with coverage, then each database's recorder tests
    and the newer releases' runs when their variables ask for them; tests chosen go to each
    database's run, not to the newer releases' (scripts/test-newer-ha runs those). Each run
    left out says so."""
    ran, started = _scripts_test(project, arguments, env)
    assert ran.returncode == 0, ran.stderr
    assert started == sorted(runs)
    said = [line.partition(": SKIPPED")[0] for line in ran.stdout.splitlines()
            if ": SKIPPED" in line]
    assert said == [f"==> {name}" for name in skipped]


def test_scripts_test_stops_when_the_main_suite_fails(project: Path) -> None:
    """A failed main suite is the script's failure at once: no run after it starts."""
    ran, started = _scripts_test(project, [], {"HOME_TYPE_TEST_DBURL": _POSTGRESQL,
                                               "HOME_TYPE_TEST_NEWER_HA": "1"}, main_exits=3)
    assert ran.returncode == 3
    assert started == [_MAIN_RUN]


def test_a_failed_fetch_of_python_314_says_so_and_leaves_no_folder(project: Path) -> None:
    """The clean-up ran once its function had returned, where a local variable is gone: a
    failed download said "work: unbound variable" and left .python3.14.XXXXXX behind."""
    copy_scripts(project, "_python314.sh")
    executable(project / "bin" / "apt-get", "#!/bin/sh\necho 'E: no network' >&2\nexit 100\n")
    if Path("/usr/bin/python3.14").exists():
        pytest.skip("a system Python 3.14 here is found before any fetch")
    # As scripts/test-newer-ha calls it: in a command substitution, errexit inherited.
    fetched = bash(project, f'source "{project}/scripts/_python314.sh"\n'
                   'shopt -s inherit_errexit\npython="$(find_python314)"\necho "got $python"',
                   PATH=f"{project / 'bin'}:/usr/bin:/bin")
    assert fetched.returncode != 0 and "got" not in fetched.stdout
    assert "unbound variable" not in fetched.stderr
    assert "error: no Python 3.14 from http://deb.debian.org/debian (testing); set " \
           "PYTHON314=/path/to/python3.14" in fetched.stderr
    assert not list(project.glob(".python3.14*"))


def test_newer_releases_refuse_tests_they_do_not_run(project: Path) -> None:
    """A path of a folder no newer release runs is a one-line error, before any venv."""
    copy_scripts(project, "test-newer-ha", "_python314.sh", "_help.sh", "_beside.sh",
                 "_newer_ha.sh")
    refused = subprocess.run(
        ["bash", str(project / "scripts" / "test-newer-ha"), "-x", "tests/trainer/test_curve.py"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(project)})
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == ("error: only tests/integration, tests/core and tests/instance run "
                              "on newer releases; run the others with scripts/test\n")
    assert sorted(p.name for p in project.iterdir()) == ["scripts"]


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.iterdir()
                                          if not p.name.startswith("_")))
def test_each_script_stops_on_errors_even_through_a_link(script: str) -> None:
    """Run through a symbolic link (``~/bin/ht-test``), a script looked for _venv.sh beside
    the link; ``source`` failed, and without ``set -e`` of its own the script went on with
    whichever Python was on PATH -- scripts/test then exited 0 after pytest failed."""
    text = (SCRIPTS / script).read_text()
    source = text.index('source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/_venv.sh"')
    assert re.search(r"^set -euo pipefail\b", text[:source], flags=re.MULTILINE), script


@pytest.mark.parametrize(("script", "first_line"), [
    ("train", "The whole training pipeline, offline:"),
    ("train-bundled", "Rebuilds the model bundled with the integration, offline, as scripts/train "
                      "does its own:"),
    ("test", "Runs the whole test suite in .venv (created and installed on first use)."),
    ("test-newer-ha",
     "Runs the integration's tests on Home Assistant releases newer than the pinned one, "
     "each in a"),
    ("bench", "Measures speed and size; writes docs/benchmarks.md and docs/benchmarks.json."),
    ("develop", "Starts a real Home Assistant (hass -c .develop/config --skip-pip, on "
                "http://127.0.0.1:8123)"),
    ("screenshots", "Retakes the README's pictures (docs/images/*.png) from a real Home "
                    "Assistant UI: starts a"),
])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_answers_before_anything_is_set_up(tmp_path: Path, script: str, first_line: str,
                                                flag: str) -> None:
    """--help is the script's opening comment, printed before _venv.sh is sourced -- it is
    missing here, so a script that went on would fail. scripts/train went on: it generated
    200 homes, trained and replaced the model, and scripts/test printed pytest's help."""
    scripts = copy_scripts(tmp_path, script, "_help.sh")
    run = subprocess.run(["bash", str(scripts / script), flag], capture_output=True, text=True,
                         timeout=60, check=False)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.splitlines()[0] == first_line
    assert "set -euo" not in run.stdout and "#" not in run.stdout.splitlines()[0]


@pytest.mark.parametrize(("script", "module"), [("bench", "trainer.bench"),
                                                ("develop", "devtools.develop"),
                                                ("screenshots", "devtools.screenshots")])
def test_help_of_a_script_lists_its_modules_options_once_set_up(tmp_path: Path, script: str,
                                                                module: str) -> None:
    """These hand their arguments to a Python module, whose --help lists the options; on a
    fresh machine --help installed .venv (the develop extra: Home Assistant's frontend) for
    minutes first. The options come from .venv when it can run the module, else a note."""
    scripts = copy_scripts(tmp_path, script, "_help.sh")
    fresh = subprocess.run(["bash", str(scripts / script), "--help"], capture_output=True,
                           text=True, timeout=60, check=False)
    assert (fresh.returncode, fresh.stderr) == (0, "")
    assert fresh.stdout.endswith("Its options are listed here once .venv is set up (scripts/test"
                                 " or\nscripts/train sets it up; this script does on its first "
                                 "run).\n")
    executable(tmp_path / ".venv" / "bin" / "python", '#!/bin/sh\necho "options of $2 ($3)"\n')
    ready = subprocess.run(["bash", str(scripts / script), "-h"], capture_output=True,
                           text=True, timeout=60, check=False)
    assert (ready.returncode, ready.stderr) == (0, "")
    assert ready.stdout.endswith(f"\n\noptions of {module} (--help)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv", "scripts"]


@pytest.mark.parametrize("script", ["train", "train-bundled"])
def test_train_refuses_arguments_it_would_ignore(tmp_path: Path, script: str) -> None:
    """scripts/train runs the whole pipeline with fixed settings: an argument given to it was
    silently ignored, and the run then replaced the model all the same."""
    scripts = copy_scripts(tmp_path, script, "_help.sh")
    run = subprocess.run(["bash", str(scripts / script), "--count", "10"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith(f"error: scripts/{script} takes no arguments")
    assert len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize(("bundled", "said"), [
    ("2026.12.01-a1b2c3d4", "models/bundled holds the bundled model: 2026.12.09-a1b2c3d4, "
                            "bundled as 2026.12.01-a1b2c3d4"),
    ("2026.12.09-ffffffff", "models/bundled holds another model than the bundled one: "
                            "2026.12.09-a1b2c3d4, not 2026.12.09-ffffffff (to ship it: "
                            "docs/model.md, \"The bundle\")")])
def test_train_bundled_trains_on_a_thousand_homes_and_compares_hashes(
        tmp_path: Path, bundled: str, said: str) -> None:
    """The bundled model is rebuilt by one command, as scripts/train rebuilds its own: its
    homes, leaves and evaluation homes are the ones docs/model.md states, and the run says
    whether it made the bundled model, by the hash alone (the date is the day of training)."""
    scripts = copy_scripts(tmp_path, "train-bundled", "_help.sh")
    (scripts / "_venv.sh").write_text(  # python -m trainer … is logged, python -c runs
        'cd "$(dirname "${BASH_SOURCE[0]}")/.."\n'
        'python() { if [[ "$1" == -c ]]; then command python3 "$@"; '
        'else echo "$*" >> calls.log; fi; }\n')
    for folder, version in (("models/bundled", "2026.12.09-a1b2c3d4"),
                            ("custom_components/home_type/models", bundled)):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "home_type_classifier_results.json").write_text(
            json.dumps({"model_version": version}))
    run = subprocess.run(["bash", str(scripts / "train-bundled")], capture_output=True,
                         text=True, timeout=60, check=False)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.splitlines() == [said]
    assert (tmp_path / "calls.log").read_text().splitlines() == [
        "-m trainer generate --count 1000 --days 90 --seed 42 --output data/bundled_homes",
        "-m trainer generate --count 100 --days 90 --seed 1042 --output "
        "data/synthetic_homes_eval",
        "-m trainer train --synthetic-homes data/bundled_homes --evaluation-homes "
        "data/synthetic_homes_eval --min-samples-leaf 100 --output "
        "models/bundled/home_type_classifier.pkl --test-size 0.2",
        "-m trainer verify models/bundled/home_type_classifier.pkl"]


def test_screenshots_without_a_browser_is_one_line(tmp_path: Path) -> None:
    """No Chromium: a traceback from Popen, after Home Assistant had been started for it."""
    result = subprocess.run(
        [sys.executable, "-m", "devtools.screenshots", "--url", "http://127.0.0.1:9",
         "--output", str(tmp_path), "--chromium", str(tmp_path / "chromium")],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"scripts/screenshots: error: --chromium {tmp_path / 'chromium'}: no such program; "
        "install Debian's chromium package (apt-get install chromium) or name the browser")
    assert list(tmp_path.iterdir()) == []


def with_beside(project: Path, code: str) -> str:
    """``code`` as scripts/test runs its runs: after _beside.sh, its clean-up on EXIT."""
    copy_scripts(project, "_beside.sh")
    return f'source "{project}/scripts/_beside.sh"\nstop_beside_on_exit\n{code}\n'


def beside(project: Path, code: str) -> subprocess.CompletedProcess[str]:
    return bash(project, with_beside(project, code), TMPDIR=str(project))


def test_runs_beside_are_shown_whole_as_each_ends(project: Path) -> None:
    """Side by side, three runs print at once; each is shown whole, in the order they end, and
    a failure fails the script only once every run has ended and been shown."""
    ran = beside(project, """
talk() { for i in 1 2 3; do echo "$1 $i"; sleep "$2"; done; return "$3"; }
start_beside "slow" talk slow 1.5 0
start_beside "broken" talk broken 0.1 3
start_beside "quick" talk quick 1 0
finish_beside "quick"
echo "after quick"
finish_all_beside
echo "went on"
""")
    assert ran.returncode == 3
    lines = ran.stdout.splitlines()
    assert lines[:3] == [f"==> {name}: started (its output follows when it ends)"
                         for name in ("slow", "broken", "quick")]
    took = {}
    for line, name, how in ((lines[3], "quick", "done in"),
                            (lines[8], "broken", r"FAILED \(exit 3\) after"),
                            (lines[12], "slow", "done in")):
        shown = re.fullmatch(rf"==> {name}: {how} (\d+) s", line)
        assert shown, line
        took[name] = int(shown[1])
    assert lines[4:8] == ["quick 1", "quick 2", "quick 3", "after quick"]
    assert lines[9:12] == ["broken 1", "broken 2", "broken 3"]
    assert lines[13:] == ["slow 1", "slow 2", "slow 3"]
    # broken ended some 3 s before it was shown, after quick: its time is its own, not how long
    # it waited to be shown (whole seconds, so the margins are wide for a loaded machine).
    assert took["broken"] < took["quick"] and 2 <= took["quick"] <= took["slow"]
    assert ran.stderr == "error: 1 run(s) failed: broken\n"
    assert not list(project.glob("home-type-run.*"))


def test_every_failed_run_is_named_and_the_first_status_kept(project: Path) -> None:
    ran = beside(project, """
start_beside "first" sh -c 'exit 4'
start_beside "second" sh -c 'sleep 0.3; exit 1'
finish_all_beside
""")
    assert ran.returncode == 4
    assert ran.stderr == "error: 2 run(s) failed: first; second\n"
    unknown = beside(project, 'finish_beside "nothing"')
    assert unknown.returncode == 2
    assert unknown.stderr == "error: no run named 'nothing' is going on\n"


def test_the_runs_of_a_script_share_one_made_once_folder_removed_at_its_end(
        project: Path) -> None:
    """Each run beside sees the folder the script made; nothing of it is left after the exit,
    a failed run's exit included."""
    ran = beside(project, """
share_made_once
start_beside "first" sh -c 'echo "$HOME_TYPE_TEST_FIXTURES"; touch "$HOME_TYPE_TEST_FIXTURES/made"'
finish_beside "first"
start_beside "second" sh -c 'ls "$HOME_TYPE_TEST_FIXTURES"; exit 3'
finish_all_beside
""")
    assert ran.returncode == 3
    lines = ran.stdout.splitlines()
    folder = Path(lines[2])
    assert folder.parent == project and folder.name.startswith("home-type-made-once.")
    assert lines[5] == "made"  # the second run saw what the first made
    assert not folder.exists()


def test_made_once_makes_a_folder_once_for_every_run_sharing_it(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With HOME_TYPE_TEST_FIXTURES set, as scripts/test sets it for all of its runs, a second
    run finds the folder the first made, and a folder left half made (no .done) is made again."""
    monkeypatch.setenv("HOME_TYPE_TEST_FIXTURES", str(tmp_path))
    made: list[Path] = []

    def make(folder: Path) -> None:
        made.append(folder)
        (folder / "home").write_text(str(len(made)))

    first = made_once(tmp_path_factory, "homes", make)
    again = made_once(tmp_path_factory, "homes", make)
    assert first == again == tmp_path / "homes" and made == [first]
    (tmp_path / "homes.done").unlink()  # a run that failed while making it
    assert (made_once(tmp_path_factory, "homes", make) / "home").read_text() == "2"


#: A run as pytest takes Ctrl-C, leaving behind a child deaf to it (as a real hass or an xdist
#: worker could), and a line once it listens.
_POLITE = """
start_beside "polite" sh -c '(trap "" INT; sleep 62) & exec python3 -c "$0"' '
import time
try:
    print("listening", flush=True)
    time.sleep(60)
except KeyboardInterrupt:
    print("tearing down")
    open("{record}", "w").write("teardown")'
until grep -q listening "${{BESIDE_LOG[0]}}"; do sleep 0.05; done
"""
#: That run, and one deaf to Ctrl-C that leaves such a child too; a line once both listen.
_TWO_RUNS = _POLITE + """
start_beside "deaf" sh -c 'trap "" INT; (sleep 61) & echo listening; wait; sleep 60'
until grep -q listening "${{BESIDE_LOG[1]}}"; do sleep 0.05; done
echo ready
"""


@contextlib.contextmanager
def _beside_in_session(project: Path, code: str,
                       **env: str) -> Iterator[subprocess.Popen[str]]:
    """:func:`in_session` of ``code`` after :func:`with_beside`, its files in ``project``."""
    script = f'source "{project}/scripts/_venv.sh"\n' + with_beside(project, code)
    with in_session(project, script, TMPDIR=str(project), **env) as run:
        yield run


def _nothing_left(project: Path, session: int) -> None:
    """No run's file is left, nor a process of the session, but the dead that init has not
    reaped yet. A process killed a moment before is given time to exit (CI once found
    ``R sleep 61`` there on a busy machine); one the script failed to stop is still there."""
    assert not list(project.glob("home-type-run.*"))
    assert not processes_left(session, zombies=False), subprocess.run(
        ["ps", "-o", "stat=,args=", "-s", str(session)], capture_output=True, text=True,
        check=False).stdout


def test_ctrl_c_stops_the_runs_beside_as_ctrl_c_would(project: Path) -> None:
    """Started in the background, a run ignored SIGINT, and the terminal's Ctrl-C reaches only
    the script's own process group: pytest went on after the script had ended. Each run now
    gets Ctrl-C from the script (pytest tears down its fixtures); one deaf to it is killed, with
    what it left behind; and what each printed is shown."""
    record = project / "interrupted"
    with _beside_in_session(project, _TWO_RUNS.format(record=record) + "finish_all_beside",
                            BESIDE_PATIENCE="2") as run:
        read_until(run, "ready")
        os.killpg(run.pid, signal.SIGINT)  # as the terminal sends it: to the whole group
        out, err = run.communicate(timeout=30)
    assert run.returncode == -signal.SIGINT
    assert record.read_text() == "teardown"
    assert err == "==> stopping what still runs beside (Ctrl-C again: at once): polite; deaf\n"
    assert re.fullmatch(r"==> polite: stopped after \d s; it had printed:\nlistening\n"
                        r"tearing down\n==> deaf: stopped after \d s; it had printed:\n"
                        r"listening\n", out)
    _nothing_left(project, run.pid)


def test_what_a_stopped_run_leaves_running_is_killed(project: Path) -> None:
    """Only each run's first process was waited for: a child it left, deaf to Ctrl-C, lived on
    once the script had ended."""
    record = project / "interrupted"
    with _beside_in_session(project,  # BESIDE_PATIENCE: 30 s
                            _POLITE.format(record=record) + "echo ready\nfinish_all_beside") as run:
        read_until(run, "ready")
        os.killpg(run.pid, signal.SIGINT)
        run.communicate(timeout=20)
    assert run.returncode == -signal.SIGINT
    assert record.read_text() == "teardown"
    _nothing_left(project, run.pid)


@pytest.mark.parametrize("ending", ["Ctrl-C", "a failure"])
def test_a_second_ctrl_c_kills_the_runs_at_once(project: Path, ending: str) -> None:
    """A second Ctrl-C while the runs were being stopped ended the script there: the runs went
    on, their files were left, and a failure's status became 130. Now it kills them, and the
    clean-up goes on."""
    code = _TWO_RUNS.format(record=project / "interrupted")
    code += "exit 3" if ending == "a failure" else "finish_all_beside"
    started = time.monotonic()
    with _beside_in_session(project, code) as run:  # BESIDE_PATIENCE: 30 s
        read_until(run, "ready")
        if ending == "Ctrl-C":
            os.killpg(run.pid, signal.SIGINT)
        read_until(run, "==> stopping what still runs beside", stream="stderr")
        os.killpg(run.pid, signal.SIGINT)
        out, _ = run.communicate(timeout=20)
    assert time.monotonic() - started < 15
    assert run.returncode == (-signal.SIGINT if ending == "Ctrl-C" else 3)
    assert "==> deaf: stopped after" in out
    _nothing_left(project, run.pid)


def test_an_install_cut_short_beside_ends_its_run_not_the_script(project: Path) -> None:
    """run_pip ended "the script" on Ctrl-C with ``kill -INT $$``: in a run beside others,
    $$ is the script, which then died though the run had been stopped on purpose."""
    pip = executable(project / "python",
                     "#!/bin/sh\ntrap 'kill $! 2>/dev/null; exit 1' INT\n"
                     "echo 'pip started' >&2; sleep 30 & wait $!\n")
    ran = beside(project, f"""
start_beside "install" run_pip "{pip}" install x
until grep -q 'pip started' "${{BESIDE_LOG[0]}}"; do sleep 0.05; done
kill -INT -- "-${{BESIDE_PID[0]}}"
finish_all_beside || echo "the script goes on: $?"
""")
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    # How long it took is a whole second or two on a busy machine (a clean-clone CI saw 1 s).
    assert re.sub(r"after \d+ s$", "after N s", lines[1]) == (
        "==> install: FAILED (exit 130) after N s")
    assert lines[2:] == ["pip started", "interrupted: the install is left to the next run",
                         "the script goes on: 130"]


def test_the_newer_releases_postgresql_run_has_a_database_of_its_own(project: Path) -> None:
    """It runs beside the main suite's run on the same server, whose plugin drops the database
    it names when each test ends. The URL is read as Home Assistant reads it: a "?" in the
    password is no query, and a URL naming no database is refused."""
    copy_scripts(project, "_newer_ha.sh", "_python314.sh")
    venv = Path(sys.executable).parent.parent  # has SQLAlchemy, as .venv has
    urls = bash(project, f"""VENV="{venv}"
source "{project}/scripts/_newer_ha.sh"
with_database_suffix postgresql://u:p@127.0.0.1:5432/home_type_test _newer_ha
with_database_suffix 'mysql://u:pa%3Fss@127.0.0.1/db?charset=utf8mb4' _newer_ha
with_database_suffix 'postgresql://u:pa?ss@h/db' _x""")
    assert urls.returncode == 0, urls.stderr
    assert urls.stdout.splitlines() == [
        "postgresql://u:p@127.0.0.1:5432/home_type_test_newer_ha",
        "mysql://u:pa%3Fss@127.0.0.1/db_newer_ha?charset=utf8mb4",
        "postgresql://u:pa%3Fss@h/db_x"]
    none = bash(project, f"""VENV="{venv}"
source "{project}/scripts/_newer_ha.sh"
with_database_suffix postgresql://u:p@127.0.0.1:5432 _newer_ha""")
    assert none.returncode == 1
    assert none.stderr == ("error: the database URL postgresql://u:***@127.0.0.1:5432 names "
                           "no database\n")


def test_a_real_home_assistant_runs_on_the_newest_release_only(project: Path) -> None:
    """tests/instance starts a real ``hass``: on the current release, the plugin-free run, and
    not again on the plugin's release -- unless that is the current one. scripts/test leaves
    the newer release's PostgreSQL run to scripts/test-newer-ha."""
    copy_scripts(project, "_newer_ha.sh", "_python314.sh")
    runs = bash(project, f"""source "{project}/scripts/_newer_ha.sh"
take_newer_release_arguments
start_beside() {{ echo "$2 ${{3#$ROOT/}} $4"; }}
HOME_TYPE_TEST_DBURL=postgresql://u:p@127.0.0.1/db
start_newer_release_run
start_current_release_run
CURRENT_HA=""
start_newer_release_run
start_current_release_run""")
    assert runs.returncode == 0, runs.stderr
    assert runs.stdout.splitlines() == [
        "run_over .venv-newer-ha tests/integration tests/core",
        "run_over .venv-current-ha tests/instance",
        "run_over .venv-newer-ha tests/integration tests/core tests/instance"]
