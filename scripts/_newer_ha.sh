# shellcheck shell=bash
# Sourced by scripts/test-newer-ha and scripts/test (after _venv.sh, which sets ROOT and VENV,
# and _beside.sh): the integration's tests on Home Assistant releases newer than the pinned
# one, each in a venv of its own (created and installed on first use).
#
# Why: hacs.json promises 2025.4.4 "or newer", and newer releases change the registries, the
# recorder, the REST API and the test plugin. Two releases:
# - NEWER_HA, the newest that pytest-homeassistant-custom-component has been published for:
#   tests/integration and tests/core (and tests/instance when it is the current release), in
#   .venv-newer-ha; in scripts/test-newer-ha with HOME_TYPE_TEST_DBURL set, the tests that
#   read the recorder's database again on PostgreSQL, as in scripts/test, in a database of
#   their own (the URL's name with _newer_ha added: scripts/test's run on PostgreSQL may be
#   going on beside them).
# - CURRENT_HA, the current release, while the plugin lags behind it: tests/instance only (a
#   real `hass` process, which needs no plugin), in .venv-current-ha. Empty when NEWER_HA is
#   the current release.
# Both need Python 3.14.2, which scripts/_python314.sh finds or fetches (Debian testing's
# build, into .python3.14/).
#
# Not run here: the static checks and the trainer's tests (they do not depend on Home
# Assistant), and the entity snapshot of test_sensor.py (its stored registry entry lists the
# pinned release's fields; newer releases add some). Home Assistant's own pins win over the
# project's (numpy, orjson): the integration runs on what Home Assistant ships.

NEWER_HA=2026.10.4
NEWER_PLUGIN=0.13.375  # pytest-homeassistant-custom-component for that release
CURRENT_HA=2026.11.0   # plugin 0.13.375 does not load with it (httpx2, logger internals)
NEWER_VENV="$ROOT/.venv-newer-ha"
CURRENT_VENV="$ROOT/.venv-current-ha"

# shellcheck source=scripts/_python314.sh
source "$ROOT/scripts/_python314.sh"
shopt -s inherit_errexit

# ensure_ha_venv DIR RELEASE [PLUGIN]: DIR holds Home Assistant RELEASE with its test plugin
# (or, without one, the pytest plugins tests/instance needs), the project's requirements and
# test extras less the pins that are Home Assistant's, and the project itself.
ensure_ha_venv() {
    local dir="$1" release="$2" plugin="${3:-}"
    # Marked as .venv is (_venv.sh). Without pip: .venv's uv installs into it (and Debian's
    # ensurepip would look for its wheels under /usr/share).
    if ! venv_marked "$dir" || ! python314_works "$dir/bin/python"; then
        local python314
        python314="$(find_python314)"
        echo "==> creating ${dir#"$ROOT/"} with $python314"
        rm -rf "$dir"
        "$python314" -m venv --without-pip "$dir"
        mark_venv "$dir"
    fi
    local stamp="$dir/.home-type-installed" want
    want="$( (cat "$ROOT/pyproject.toml"; echo "$release $plugin") | sha256sum | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    echo "==> installing Home Assistant $release and the project into ${dir#"$ROOT/"}" \
         "(first time: one to two minutes)"
    local requirements
    mapfile -t requirements < <("$dir/bin/python" - "$ROOT/pyproject.toml" <<'PY'
import re
import sys
import tomllib

with open(sys.argv[1], "rb") as file:
    project = tomllib.load(file)["project"]
pinned_by_home_assistant = {"numpy", "orjson", "homeassistant",
                            "pytest-homeassistant-custom-component"}
for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
    name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
    if name not in pinned_by_home_assistant:
        print(requirement)
PY
    )
    if [[ -n "$plugin" ]]; then
        requirements+=("pytest-homeassistant-custom-component==$plugin")
    else  # what the plugin brings that tests/instance uses
        requirements+=(pytest pytest-asyncio pytest-socket)
    fi
    uv_install "$dir/bin/python" "homeassistant==$release" "${requirements[@]}"
    uv_install "$dir/bin/python" --no-deps -e "$ROOT"
    echo "$want" > "$stamp"
}

set_up_newer_release() {
    ensure_ha_venv "$NEWER_VENV" "$NEWER_HA" "$NEWER_PLUGIN"
}

set_up_current_release() {
    ensure_ha_venv "$CURRENT_VENV" "$CURRENT_HA"
}

# set_up_newer_releases: the venvs of both releases, ready, one after the other (the first may
# fetch Python 3.14 for both).
set_up_newer_releases() {
    set_up_newer_release
    if [[ -n "$CURRENT_HA" ]]; then
        set_up_current_release
    fi
}

# take_newer_release_arguments ARG…: the pytest arguments of scripts/test-newer-ha. Test
# paths among them choose each run's tests, and a run with none of them is left out; the other
# arguments (-k, -x …) go to every run. A path outside the folders run here is a one-line error.
take_newer_release_arguments() {
    GIVEN=$#
    ARGS=("$@")
    OPTIONS=()
    local arg
    for arg in "$@"; do
        [[ ${arg#./} == tests/* ]] || OPTIONS+=("$arg")
    done
    PATHS_GIVEN=$((GIVEN - ${#OPTIONS[@]}))
    local runnable
    mapfile -t runnable < <(tests_within "tests/integration tests/core tests/instance" "$@")
    if ((${#runnable[@]} < PATHS_GIVEN)); then
        echo "error: only tests/integration, tests/core and tests/instance run on newer releases;" \
             "run the others with scripts/test" >&2
        exit 2
    fi
}

# run_over VENV "FOLDER…" ARG…: pytest over the FOLDERs, or over the chosen paths inside them,
# with ARGs and the options given.
run_over() {
    local venv="$1" folders="$2" chosen=()
    shift 2
    if ((PATHS_GIVEN == 0)); then
        read -ra chosen <<<"$folders"
    else
        mapfile -t chosen < <(tests_within "$folders" "${ARGS[@]}")
    fi
    if ((${#chosen[@]} == 0)); then
        echo "    (none of the selected tests is among these)"
        return 0
    fi
    run_pytest "$venv" "$GIVEN" "${chosen[@]}" "$@" "${OPTIONS[@]}"
}

# with_database_suffix URL SUFFIX: the database URL with SUFFIX added to its database's name,
# parsed as Home Assistant parses it (SQLAlchemy's make_url: a password may hold a "?").
with_database_suffix() {
    "$VENV/bin/python" - "$1" "$2" <<'PY'
import sys

from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
if not url.database:
    sys.exit(f"error: the database URL {url} names no database")
print(url.set(database=url.database + sys.argv[2]).render_as_string(hide_password=False))
PY
}

# start_newer_release_run: NEWER_HA's run, beside whatever else the caller started. It needs
# set_up_newer_release first. A real `hass` (tests/instance) runs on the newest release only:
# on NEWER_HA as well it cost as much again as CURRENT_HA's run (38 s of pytest in a
# clean-clone .ci/run), for what that run shows.
start_newer_release_run() {
    local folders="tests/integration tests/core"
    if [[ -z "$CURRENT_HA" ]]; then
        folders+=" tests/instance"
    fi
    start_beside "integration tests on Home Assistant $NEWER_HA" \
        run_over "$NEWER_VENV" "$folders" \
        --deselect "tests/integration/test_sensor.py::test_entities"
}

# start_newer_release_database_run: with HOME_TYPE_TEST_DBURL set, NEWER_HA's recorder tests
# again on PostgreSQL, beside the rest. scripts/test-newer-ha only: scripts/test (CI's) leaves
# it out to stay well under CI's 15 minutes (the same tests on the pinned release took 61 s of
# CPU, and 106 s, alone). scripts/test's PostgreSQL run covers the SQL dialect, and the run
# above the newer schema, on SQLite; this one, the two together.
start_newer_release_database_run() {
    if [[ -n "${HOME_TYPE_TEST_DBURL:-}" ]]; then
        local url
        url="$(with_database_suffix "$HOME_TYPE_TEST_DBURL" _newer_ha)"
        start_beside "recorder tests on Home Assistant $NEWER_HA again, on $(shown_url "$url")" \
            run_over "$NEWER_VENV" "tests/integration" -m recorder --dburl "$url"
    fi
}

# start_current_release_run: CURRENT_HA's run, if there is such a release, beside the others.
# It needs set_up_current_release first.
start_current_release_run() {
    [[ -n "$CURRENT_HA" ]] || return 0
    start_beside "a real Home Assistant $CURRENT_HA running Home Type (tests/instance, no test plugin)" \
        run_over "$CURRENT_VENV" "tests/instance" -p no:homeassistant
}
