"""Command line of the trainer: ``python -m trainer COMMAND --help`` documents each command.

A user's mistake (a bad flag value, a missing file, a broken home file) ends in one line on
stderr starting with ``error:`` and exit code 2 -- never a traceback. Ctrl-C exits with 130 and
leaves no half-written file behind (every write is atomic).
"""

from __future__ import annotations

import re
import signal
import sys
from types import FrameType
from typing import Final

import typer

from .command_line import (
    ENVIRONMENT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    UserError,
    console,
    os_error_text,
    print_error,
)
from .homes_commands import generate, inspect
from .model_commands import classify, publish, verify
from .pipeline_command import pipeline
from .training_commands import curve, evaluate, report, train

app = typer.Typer(
    name="trainer",
    help="Home Type trainer: generate synthetic homes, train and evaluate the classifier.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# In the order --help lists them: from homes to a model Home Assistant reads, then all at once.
for command in (generate, inspect, train, evaluate, curve, report, classify, verify, publish,
                pipeline):
    app.command()(command)

#: Ctrl-C pressed while typer builds the command line, held until it is built (see main()).
_held_ctrl_c: list[int] = []


def _hold_ctrl_c(signum: int, frame: FrameType | None) -> None:
    _held_ctrl_c.append(signum)


def _release_ctrl_c() -> None:
    """Ctrl-C acts again; one pressed meanwhile stops the run now, before the command starts."""
    if signal.getsignal(signal.SIGINT) is _hold_ctrl_c:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if _held_ctrl_c:
        _held_ctrl_c.clear()
        raise KeyboardInterrupt


#: The command path of the command being run ("python -m trainer generate"), for the hint of
#: a usage error click raises without its context: a flag given no value.
_command_path: list[str] = []


@app.callback()
def _command_line_built(ctx: typer.Context) -> None:
    _release_ctrl_c()
    if ctx.invoked_subcommand:
        _command_path[:] = [f"{ctx.command_path} {ctx.invoked_subcommand}"]


def _name_only_the_flag_given(err: Exception) -> None:
    """A bad value typed after a flag is blamed on the flag alone.

    click names an option's environment variable beside it whatever the value's source
    ("Invalid value for '--days' (env var: 'HOME_TYPE_DAYS')"), which sends a user who typed
    ``--days abc`` looking for a variable they never set. It is kept when the value came from it.
    """
    param, ctx = getattr(err, "param", None), getattr(err, "ctx", None)
    if (param is None or ctx is None or getattr(param, "envvar", None) is None
            or getattr(err, "param_hint", None) is not None or not getattr(param, "opts", None)):
        return
    source = ctx.get_parameter_source(param.name)
    if getattr(source, "name", None) != "ENVIRONMENT":
        err.param_hint = " / ".join(f"'{opt}'" for opt in param.opts)  # type: ignore[attr-defined]


#: pydantic-core's words for a bad value (typer checks values with it), in the words of the
#: commands' own checks: "--count must be at least 1", not "Input should be greater than …".
_VALUE_WORDS: Final = (
    (re.compile(r"Input should be a valid integer, unable to parse string as an integer"),
     "give a whole number"),
    (re.compile(r"Input should be a valid number, unable to parse string as a number"),
     "give a number"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
)


def _plain_words(message: str) -> str:
    for pattern, words in _VALUE_WORDS:
        message = pattern.sub(words, message)
    return message


def main() -> None:
    """Entry point: run the app and turn user errors into one clean line.

    Typer builds every option's validator in pydantic-core (Rust) before parsing, for about half
    a second; a KeyboardInterrupt raised in there comes out as pyo3's PanicException, which is
    no Exception and no KeyboardInterrupt: a traceback and exit 1. So Ctrl-C is held until the
    command line is built (the app's callback), and then acts. Not if SIGINT was ignored (a
    background job): it stays ignored.
    """
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _hold_ctrl_c)
    try:
        # Without standalone mode typer does not exit: it turns Ctrl-C during a command into
        # Exit(130), and any Exit into a returned code (0 after --help), which must be passed on.
        try:
            code = app(standalone_mode=False)
        finally:
            _release_ctrl_c()  # --help and usage errors never reach the callback
    except UserError as err:
        print_error(str(err))
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        console.print("interrupted", highlight=False)
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as err:
        sys.exit(err.exit_code)
    except typer.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except OSError as err:
        # What the commands' own checks do not foresee, from the machine rather than the code:
        # the output piped to a full disk, a file turned unreadable meanwhile. The system's
        # words, on one line; any other OSError is a bug, and keeps its traceback.
        if err.errno not in ENVIRONMENT_ERRORS:
            raise
        print_error(os_error_text(err))
        sys.exit(EXIT_USAGE)
    except Exception as err:  # click's usage errors (typer's copy of click) without standalone
        format_message = getattr(err, "format_message", None)
        if not callable(format_message):
            raise
        # One line like every other mistake, with where to look, instead of click's three.
        _name_only_the_flag_given(err)
        message = _plain_words(str(format_message())).rstrip(".")
        if message:  # none after the help a bare command prints (no_args_is_help)
            ctx = getattr(err, "ctx", None)
            path = ctx.command_path if ctx is not None else next(iter(_command_path), None)
            hint = f" (see {path} --help)" if path is not None else ""
            print_error(f"{message}{hint}")
        sys.exit(getattr(err, "exit_code", EXIT_USAGE))
    if code == EXIT_INTERRUPTED:
        console.print("interrupted", highlight=False)
    if isinstance(code, int) and code:
        sys.exit(code)
