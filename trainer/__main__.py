"""``python -m trainer`` and the ``home-type-trainer`` command: the trainer's command line."""

import signal
import sys


def run() -> None:
    """Import the command line and run it; Ctrl-C during the import is a clean stop too.

    Importing the command line (numpy, rich, typer …) takes a few tenths of a second, before
    main() can catch anything: Ctrl-C then must still end in one line and 130, not an import
    traceback. 130 is trainer.cli.EXIT_INTERRUPTED, written out because that module may not be
    loaded yet.
    """
    try:
        from trainer.cli import main

        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        # The command has ended and its files are written. The interpreter's shutdown then
        # joins joblib's worker-pool threads: a Ctrl-C (docker stop) there printed "Exception
        # ignored on threading shutdown" with a traceback, and there is nothing left to stop.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    run()
