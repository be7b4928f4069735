# shellcheck shell=bash
# Sourced by scripts/test and scripts/test-newer-ha: runs that mostly wait go side by side
# instead of one after another. In a clean-clone CI run on two cores (2026-12-06), the recorder
# tests on PostgreSQL and MariaDB kept 33-56 % of one core busy (the rest is the server's
# CREATE DATABASE and its syncs) and pip's installs 25 %; one after another, what ran after the
# main suite took 440 of the 865 seconds. Side by side (and the installs during the main
# suite), CI took 588 seconds.
#
#   start_beside NAME COMMAND…  starts COMMAND (a program or a function) in the background. What
#                               it prints goes to a file of its own, shown whole when it ends,
#                               so the runs' lines do not interleave.
#   finish_beside NAME          waits for that one: its output, then its exit status.
#   finish_all_beside           waits for all the others, showing each as it ends; once all have
#                               ended, fails with the first failure's status, naming them all.
#   stop_beside_on_exit         what a script that starts any calls first: on its exit, Ctrl-C
#                               included, stop_beside runs (and the folder below is removed).
#   share_made_once             one folder, for all of the script's pytest runs, for what each
#                               would make once (tests/conftest.py's made_once: homes, a model).
#   stop_beside                 stops the runs still going with SIGINT, as Ctrl-C would (pytest
#                               then tears its fixtures down: a test database is dropped), and
#                               KILLs them BESIDE_PATIENCE seconds later (30) if not ended, or at
#                               a second Ctrl-C; then what they left running; then shows what
#                               each had printed.
#
# Each run gets a process group of its own (job control on while it starts): bash would start it
# with SIGINT ignored otherwise, and the terminal's Ctrl-C, which reaches only the script's own
# group, would not stop it. stop_beside passes it on.

BESIDE_NAME=()    # by run number, as are the three below, where ended runs are unset
BESIDE_PID=()
BESIDE_LOG=()
BESIDE_START=()   # $SECONDS when it started
BESIDE_FAILED=()  # names of the runs that failed, in the order they ended
BESIDE_STATUS=0   # the first failure's exit status

start_beside() {
    local name="$1" number=${#BESIDE_NAME[@]} ended
    shift
    # Each noted at once: a Ctrl-C may come at any moment, and stop_beside cleans up what is noted.
    BESIDE_NAME[number]="$name"
    BESIDE_LOG[number]="$(mktemp "${TMPDIR:-/tmp}/home-type-run.XXXXXX")"
    BESIDE_START[number]=$SECONDS
    # It notes when it ended: it may be shown much later, once an earlier one has been. It cannot
    # ask anything (pip for a password, say): in the background, reading the terminal stops it.
    ended="$(printf %q "${BESIDE_LOG[number]}.ended")"
    set -m
    # shellcheck disable=SC2064  # the path, expanded now: no later local can shadow it
    (trap "echo \"\$SECONDS\" >$ended" EXIT; export PIP_NO_INPUT=1 GIT_TERMINAL_PROMPT=0; "$@") \
        >"${BESIDE_LOG[number]}" 2>&1 </dev/null & BESIDE_PID[number]=$!
    set +m
    echo "==> $name: started (its output follows when it ends)"
}

# _end_beside NUMBER: waits for run NUMBER, shows how it ended and what it printed, forgets it,
# and returns its status.
_end_beside() {
    local number="$1" status=0 name="${BESIDE_NAME[$1]}" log="${BESIDE_LOG[$1]}" ended
    wait "${BESIDE_PID[number]}" || status=$?
    ended="$(cat "$log.ended" 2>/dev/null || echo "$SECONDS")"
    local took=$((ended - BESIDE_START[number]))
    if ((status == 0)); then
        echo "==> $name: done in $took s"
    else
        echo "==> $name: FAILED (exit $status) after $took s"
        BESIDE_FAILED+=("$name")
        ((BESIDE_STATUS)) || BESIDE_STATUS=$status
    fi
    cat "$log"
    _forget_beside "$number"
    return "$status"
}

# _forget_beside NUMBER: deletes run NUMBER's files and forgets it (its name stays, for its
# number is never reused).
_forget_beside() {
    rm -f "${BESIDE_LOG[$1]}" "${BESIDE_LOG[$1]}.ended"
    unset "BESIDE_PID[$1]" "BESIDE_LOG[$1]" "BESIDE_START[$1]"
}

finish_beside() {
    local number
    for number in "${!BESIDE_PID[@]}"; do
        if [[ ${BESIDE_NAME[number]} == "$1" ]]; then
            _end_beside "$number"
            return
        fi
    done
    echo "error: no run named '$1' is going on" >&2
    return 2
}

finish_all_beside() {
    local number shown
    while ((${#BESIDE_PID[@]})); do
        # Polled: `wait -n` says "no such job" of a run that ended before it was called.
        shown=0
        for number in "${!BESIDE_PID[@]}"; do
            if [[ -e "${BESIDE_LOG[number]}.ended" ]] || ! kill -0 "${BESIDE_PID[number]}" 2>/dev/null; then
                _end_beside "$number" || true
                shown=1
            fi
        done
        ((shown)) || sleep 0.1
    done
    if ((${#BESIDE_FAILED[@]})); then
        echo "error: ${#BESIDE_FAILED[@]} run(s) failed: $(_joined "${BESIDE_FAILED[@]}")" >&2
        return "$BESIDE_STATUS"
    fi
}

stop_beside_on_exit() {
    trap _at_exit EXIT
    # Without a trap, bash lost a Ctrl-C that came between two commands of finish_all_beside's
    # polling, and polled on. With it, the script still ends by SIGINT, as a shell does for
    # Ctrl-C, so that a loop around it stops too.
    trap 'trap - INT; kill -INT "$$"' INT
}

_at_exit() {
    stop_beside
    if [[ -n "${_MADE_ONCE:-}" ]]; then
        rm -rf -- "$_MADE_ONCE"
    fi
}

# The database runs and the newer releases' runs each trained the test model again: a fifth of
# a database run's time alone, a third under load. The runs end before the script does; a run
# stopped by stop_beside has been waited for (or KILLed) first.
share_made_once() {
    _MADE_ONCE="$(mktemp -d "${TMPDIR:-/tmp}/home-type-made-once.XXXXXX")"
    export HOME_TYPE_TEST_FIXTURES="$_MADE_ONCE"
}

stop_beside() {
    local number pids="" names=() timer
    for number in "${!BESIDE_PID[@]}"; do
        names+=("${BESIDE_NAME[number]}")
        pids+=" ${BESIDE_PID[number]}"
    done
    if ((${#names[@]})); then
        # A second Ctrl-C kills them, rather than the script in the middle of its clean-up.
        # shellcheck disable=SC2064  # this moment's runs
        trap "_kill_groups$pids" INT
        for number in "${!BESIDE_PID[@]}"; do
            kill -INT -- "-${BESIDE_PID[number]}" 2>/dev/null || true
        done
        echo "==> stopping what still runs beside (Ctrl-C again: at once): $(_joined "${names[@]}")" >&2
        set -m  # a group of its own, so that its sleep goes with it
        # shellcheck disable=SC2086  # one word per process group
        (sleep "${BESIDE_PATIENCE:-30}"; _kill_groups $pids) &
        set +m
        timer=$!
        for number in "${!BESIDE_PID[@]}"; do
            wait "${BESIDE_PID[number]}" 2>/dev/null || true
        done
        # What a run started and left behind (a real hass, pytest-xdist's workers) goes with it.
        # shellcheck disable=SC2086  # one word per process group
        _kill_groups $pids
        kill -- "-$timer" 2>/dev/null || true
        wait "$timer" 2>/dev/null || true
    fi
    # What each had printed: when CI's time limit stops a run that hung, the reason is there.
    for number in "${!BESIDE_LOG[@]}"; do
        if [[ -n "${BESIDE_PID[number]:-}" ]]; then
            echo "==> ${BESIDE_NAME[number]}: stopped after $((SECONDS - BESIDE_START[number])) s; it had printed:"
            cat "${BESIDE_LOG[number]}"
        fi
        _forget_beside "$number"
    done
}

# _kill_groups PID…: KILLs the process group of each run PID.
_kill_groups() {
    local pid
    for pid in "$@"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
}

# _joined WORD…: the WORDs, "; " between them.
_joined() {
    local joined
    joined="$(printf '; %s' "$@")"
    echo "${joined#; }"
}
