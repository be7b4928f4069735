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
