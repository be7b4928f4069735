# shellcheck shell=bash
# Sourced by scripts in this folder before _venv.sh: `--help` answers at once, from the
# script's opening comment, before anything is installed or run (scripts/train would
# otherwise generate, train and replace the model).

# print_header SCRIPT: the opening comment of SCRIPT, without its "# ".
print_header() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"
}

# answer_help SCRIPT NOTE ARG…: when the ARGs are just -h or --help, print SCRIPT's opening
# comment and NOTE (if any), and exit.
answer_help() {
    local script="$1" note="$2"
    shift 2
    [[ $# -eq 1 && ( "$1" == -h || "$1" == --help ) ]] || return 0
    print_header "$script"
    if [[ -n "$note" ]]; then
        printf '\n%s\n' "$note"
    fi
    exit 0
}

# answer_help_from MODULE SCRIPT ARG…: answer_help for a script that hands its arguments to a
# Python module, whose own --help lists the options: shown too when .venv can already run it,
# else a note where to find them -- nothing is installed to answer a question.
answer_help_from() {
    local module="$1" script="$2" root options
    shift 2
    [[ $# -eq 1 && ( "$1" == -h || "$1" == --help ) ]] || return 0
    print_header "$script"
    root="$(dirname "$(readlink -f "$script")")/.."
    if options="$(cd "$root" && COLUMNS=100 .venv/bin/python -m "$module" --help 2>/dev/null)"
    then
        printf '\n%s\n' "$options"
    else
        printf '\n%s\n%s\n' "Its options are listed here once .venv is set up (scripts/test or" \
               "scripts/train sets it up; this script does on its first run)."
    fi
    exit 0
}

# refuse_arguments SCRIPT ARG…: a script that runs with fixed settings stops, exit 2, when given
# any ARG (it was silently ignored, and the run then replaced the model all the same).
refuse_arguments() {
    local name
    name="scripts/$(basename "$(readlink -f "$1")")"
    shift
    if [[ $# -gt 0 ]]; then
        echo "error: $name takes no arguments ($name --help; for other counts, days or seeds:" \
             ".venv/bin/python -m trainer pipeline --help)" >&2
        exit 2
    fi
}
