"""``python -m trainer`` and the ``home-type-trainer`` command: the trainer's command line."""

import signal
import sys
from types import FrameType

#: 130 is trainer.cli.EXIT_INTERRUPTED, written out because that module may not be loaded yet;
#: a run stopped by SIGTERM ends as the shell reports a process it killed, 128 + 15.
_EXIT_INTERRUPTED = 130
_EXIT_TERMINATED = 128 + signal.SIGTERM

_terminated: list[int] = []


def _terminate_as_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (``kill``, systemd, a CI time-out) stops a run as Ctrl-C does.

    Python's default for it ends the process at once: files were still written whole, but the
    generator's and joblib's worker processes were left running with no parent. Handed to
    whatever handles Ctrl-C at that moment, it is held and released as Ctrl-C is.
    """
    _terminated.append(signum)
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # Ctrl-C ignored (a background job): SIGTERM must still stop the run
        raise KeyboardInterrupt


def run() -> None:
    """Import the command line and run it; Ctrl-C during the import is a clean stop too.

    Importing the command line (numpy, rich, typer …) takes a few tenths of a second, before
    main() can catch anything: Ctrl-C then must still end in one line and 130, not an import
    traceback.
    """
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate_as_ctrl_c)
    try:
        try:
            from trainer.cli import main

            main()
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(_EXIT_INTERRUPTED)
    except SystemExit as stop:
        if stop.code == _EXIT_INTERRUPTED and _terminated:
            sys.exit(_EXIT_TERMINATED)
        raise
    finally:
        # The command has ended and its files are written. The interpreter's shutdown then
        # joins joblib's worker-pool threads: a Ctrl-C (docker stop) there printed "Exception
        # ignored on threading shutdown" with a traceback, and there is nothing left to stop.
        # SIGTERM ends the process at once again, as nothing is left to finish.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if signal.getsignal(signal.SIGTERM) is _terminate_as_ctrl_c:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":
    run()
