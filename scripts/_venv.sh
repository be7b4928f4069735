# shellcheck shell=bash
# Sourced by the scripts in this folder: makes sure .venv exists with Python 3.13 and the
# project installed with its test extras (and those named in HOME_TYPE_EXTRAS, e.g. develop;
# mariadb when HOME_TYPE_TEST_MYSQL_DBURL is set), and re-installs only when pyproject.toml
# changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VENV="$ROOT/.venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The project is installed by uv, the installer Home Assistant itself requires and installs its
# integrations' requirements with, at the version homeassistant==2025.4.4 pins (pyproject.toml's
# release; tests/test_packaging.py checks the two agree). Alone on a clean clone, with empty
# caches and both compiling every module (as this file had them do then), it installed .venv in
# 84 and 98 s where pip took 167 and 163 s (run in turn), and the newer releases' venvs in 148
# and 147 s against 183 and 170. pip, from ensurepip, installs only uv; uv reads none of pip's
# configuration (a mirror is UV_DEFAULT_INDEX), and takes the system's certificates, as pip
# does.
UV_VERSION=0.6.10
export UV_NATIVE_TLS="${UV_NATIVE_TLS:-1}"

# python313_at CANDIDATE: print the interpreter's own path if CANDIDATE is a Python 3.13 with
# venv and ensurepip. A pyenv shim answers for the version pyenv selects here; the path printed
# is that version's own, which needs no pyenv afterwards.
python313_at() {
    [[ -n "$1" ]] && "$1" -c '
import ensurepip, sys, venv
assert sys.version_info[:2] == (3, 13)
print(sys.executable)' 2>/dev/null
}

find_python313() {
    local candidate
    if [[ -n "${PYTHON:-}" ]]; then
        python313_at "$PYTHON" && return 0
        echo "error: PYTHON=$PYTHON is not a Python 3.13 with venv and ensurepip" >&2
        return 1
    fi
    for candidate in python3.13 /usr/bin/python3.13 /usr/local/bin/python3.13; do
        python313_at "$candidate" && return 0
    done
    # pyenv's 3.13 releases, newest first, when none is the version pyenv selects here.
    if command -v pyenv >/dev/null 2>&1; then
        while IFS= read -r candidate; do
            python313_at "$candidate" && return 0
        done < <(compgen -G "$(pyenv root)/versions/3.13*/bin/python3.13" | sort -rV)
    fi
    echo "error: Python 3.13 with venv is required (Debian 13: apt-get install python3.13-venv; Debian 12: pyenv install 3.13.0), or set PYTHON=/path/to/python3.13" >&2
    return 1
}

# mark_venv DIR: the venv in DIR is whole. Written last when a venv is made, naming the folder
# it was made in: a venv cut short (Ctrl-C, a Python without ensurepip) has no marker, and one
# moved or copied with its checkout names the old folder, which its scripts and its editable
# install still point to. Either is made again.
mark_venv() {
    echo "$1" > "$1/.home-type-venv"
}

# mark_if_finished_here DIR: a venv made before the marker existed is taken as finished here
# when it has an install stamp (written after its pip) and its pip script runs DIR's own python
# (pip writes that path into it: one moved from another folder names that folder).
mark_if_finished_here() {
    local dir="$1" first="" second=""
    [[ ! -e "$dir/.home-type-venv" ]] || return 0
    compgen -G "$dir/.home-type-installed*" >/dev/null || return 0
    [[ -f "$dir/bin/pip" ]] || return 0
    { IFS= read -r first; IFS= read -r second; } < "$dir/bin/pip" || true
    # A path without spaces is the #! line; one with spaces, an exec line under #!/bin/sh.
    local python
    for python in python python3 python3.13; do
        if [[ "$first" == "#!$dir/bin/$python" \
                || "$second" == "'''exec' \"$dir/bin/$python\" "* ]]; then
            mark_venv "$dir"
            return 0
        fi
    done
}

# venv_marked DIR: the venv in DIR was finished in DIR (see mark_venv).
venv_marked() {
    mark_if_finished_here "$1"
    [[ "$(cat "$1/.home-type-venv" 2>/dev/null)" == "$1" ]]
}

venv_ready() {
    venv_marked "$VENV" && "$VENV/bin/python" -c '
import pip, sys
assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1
}

# installed_with EXTRAS HASH: .venv holds the project of pyproject.toml's HASH with every one of
# the comma-separated EXTRAS: some install's stamp names them all (scripts/develop's test and
# develop serve scripts/test too, which then needs no network to install test alone again).
installed_with() {
    local wanted="$1" hash="$2" stamp have extra
    for stamp in "$VENV"/.home-type-installed-*; do
        [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]] || continue
        have="-${stamp#"$VENV"/.home-type-installed-}-"
        for extra in ${wanted//,/ }; do
            [[ "$have" == *"-$extra-"* ]] || continue 2
        done
        return 0
    done
    return 1
}

# run_install COMMAND ARG…: an installer (pip, uv). pip takes Ctrl-C for its own and exits 1
# ("Operation cancelled by user"), which the scripts passed on as a failed install. After it
# the script ends by SIGINT itself, as a shell does for Ctrl-C (130 to whoever runs it), and a
# script around it stops too. Nothing is stamped as installed, so the next run installs again.
# The caller's own trap on INT, if any, is put back first. In a run started beside others
# (_beside.sh), the signal ends that run, a subshell ($BASHPID), not the script ($$).
run_install() {
    local interrupted=0 status=0 previous
    previous="$(trap -p INT)"
    trap 'interrupted=1' INT
    "$@" || status=$?
    eval "${previous:-trap - INT}"
    if (( interrupted )); then
        echo "interrupted: the install is left to the next run" >&2
        kill -INT "$BASHPID"
    fi
    return "$status"
}

# run_pip PYTHON ARG…: pip of PYTHON, as run_install runs it.
run_pip() {
    run_install "$1" -m pip "${@:2}"
}

# uv_install PYTHON ARG…: uv (.venv's) installs into the environment of PYTHON, as run_install
# runs it (compiling nothing: see PYTHONPYCACHEPREFIX in ensure_venv).
uv_install() {
    run_install "$VENV/bin/uv" pip install --quiet --python "$1" "${@:2}"
}

ensure_venv() {
    # One run at a time sets .venv up: a second one took the first's half-made .venv for one
    # cut short and deleted it under it. The lock goes with this shell, or once set up.
    local lock=""
    if command -v flock >/dev/null 2>&1 && exec {lock}<"$ROOT/pyproject.toml"; then
        if ! flock -n "$lock"; then
            echo "==> another run is setting .venv up: waiting for it"
            flock "$lock"
        fi
    fi
    if ! venv_ready; then
        local py
        py="$(find_python313)" || exit 2
        if [[ -e "$VENV" ]]; then
            echo "==> .venv was cut short, is of another Python or was made in another folder:" \
                 "making it again"
            rm -rf "$VENV"
        fi
        echo "==> creating .venv with $py"
        "$py" -m venv "$VENV"
        mark_venv "$VENV"
    fi
    # Installed with the project too (Home Assistant requires it): an install cut short, or a
    # .venv made before, may lack it.
    if [[ ! -x "$VENV/bin/uv" ]]; then
        run_pip "$VENV/bin/python" install --quiet "uv==$UV_VERSION"
    fi
    # What a script can start once .venv has uv, before the project is installed into it
    # (scripts/test: the newer releases' venvs). Without the lock, which is this set-up's.
    if declare -F while_venv_installs >/dev/null; then
        if [[ -n "$lock" ]]; then
            while_venv_installs {lock}<&-
        else
            while_venv_installs
        fi
    fi
    local extras="test${HOME_TYPE_EXTRAS:+,$HOME_TYPE_EXTRAS}"
    # The recorder tests on MariaDB need its driver (scripts/test; it compiles against
    # libmariadb-dev, so it is not among the test extras every contributor installs).
    if [[ -n "${HOME_TYPE_TEST_MYSQL_DBURL:-}" && ",$extras," != *,mariadb,* ]]; then
        extras+=",mariadb"
    fi
    local want
    want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if ! installed_with "$extras" "$want"; then
        echo "==> installing the project and its extras [$extras] into .venv (first time: one to two minutes)"
        uv_install "$VENV/bin/python" -e "${ROOT}[$extras]"
        echo "$want" > "$VENV/.home-type-installed-${extras//,/-}"
    fi
    if [[ -n "$lock" ]]; then
        exec {lock}<&-
    fi
    # Bytecode: each module is compiled the first time a script's Python imports it, once for
    # all later processes, into .venv/pycache rather than beside its source (once .venv is
    # made: before, the folder would pass for a .venv cut short). Also where
    # PYTHONDONTWRITEBYTECODE is set (as on this machine), under which every process compiled
    # its imports again: a clean-clone .ci/run's main suite reached 66 % after 331 s, against
    # 251-278 s with compiled files. uv compiling everything at install instead cost about 45 s
    # of CPU per venv, mostly for Home Assistant's components that nothing here imports.
    export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-$VENV/pycache}"
    unset PYTHONDONTWRITEBYTECODE
    export PATH="$VENV/bin:$PATH"
}

# A database URL without its password, for the log.
shown_url() {
    sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"
}

# tests_within "FOLDER…" ARG…: of a script's pytest arguments ARGs, the test paths (tests/…,
# a file or folder, optionally with ::a_test) inside one of the space-separated FOLDERs, one
# per line. A run over FOLDERs takes these instead of them: added to the FOLDERs, a path would
# not narrow the run, and one of another folder would run too (and fail where its plugin is
# not installed).
tests_within() {
    local folders="$1" arg path folder
    shift
    for arg in "$@"; do
        path="${arg#./}"
        path="${path%%::*}"
        [[ $path == tests/* ]] || continue
        for folder in $folders; do
            if [[ $path == "$folder" || $path == "$folder"/* ]]; then
                printf '%s\n' "$arg"
                break
            fi
        done
    done
}

# run_pytest VENV GIVEN ARGS…: pytest in that venv; stops the script if it fails. GIVEN is how
# many pytest arguments the script itself was given ($#). "Nothing selected" (pytest's exit 5)
# is not a failure when there were some (scripts/test tests/trainer chooses none of the
# recorder tests for the database runs), and is one when there were none: a whole-suite run
# (CI's) whose marker or paths match no test ran nothing, and must not pass.
run_pytest() {
    local venv="$1" given="$2" status=0
    shift 2
    PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest "$@" || status=$?
    if [[ $status -eq 5 && $given -gt 0 ]]; then
        echo "    (none of the selected tests is among these)"
    elif [[ $status -eq 5 ]]; then
        echo "error: pytest collected no test here: this selection must run some" >&2
        exit 5
    elif [[ $status -ne 0 ]]; then
        exit $status
    fi
}

ensure_venv
cd "$ROOT"
