"""Signals the trainer holds or keeps away: while a set of files changes, and from workers.

Publishing switches a model slot with several renames, and training writes a model, its hash,
its scikit-learn pipeline and its results: a signal between two of them would leave a set that
does not belong together (a model trusted by nothing, a previous model that exists only as a
temporary file). Each step is atomic on its own; this makes the set of them uninterrupted.
Worker processes, on the other hand, are kept from Ctrl-C: the main process stops them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType


class HeldUntilDone(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) that :func:`signals_held` held, raised once its block had finished.

    The set of files the block switched is whole: the caller says what it did, then stops.
    """


class WrittenThenStopped(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) held while a model's files were switched in, raised once they were.

    It stops the run as Ctrl-C does, and the command first says the model was written: a bare
    "interrupted" left the user believing the run had changed nothing.
    """

    def __init__(self, model: Path) -> None:
        super().__init__(str(model))
        self.model = model


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done, then raise them again.

    The block takes milliseconds, and a signal received meanwhile still stops the process --
    with the set complete: a Ctrl-C after a block that finished comes out as
    :class:`HeldUntilDone`, so the caller can say what was done before the run stops. Python
    runs signal handlers in the main thread whichever thread the signal hits (joblib may have
    left threads), so swapping the handlers holds them where blocking the signal in one thread
    would not.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread
        return
    received: list[int] = []
    held = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
            if hasattr(signal, name)]
    before = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
              for sig in held}
    finished = False
    try:
        yield
        finished = True
    finally:
        for sig, handler in before.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        try:
            # The first one raised ends the block, or the process, and the rest are lost: a
            # hang-up and a SIGTERM (exit 143) before a Ctrl-C, each once.
            for sig in sorted(set(received), key=held.index, reverse=True):
                signal.raise_signal(sig)
        except KeyboardInterrupt as stop:
            if finished:
                raise HeldUntilDone from stop
            raise


@contextlib.contextmanager
def ctrl_c_handled_by(handler: signal.Handlers | Callable[[int, FrameType | None], None],
                      ) -> Iterator[None]:
    """SIGINT goes to ``handler`` inside the block, and to the handler before it after.

    Outside the main thread, where handlers cannot be set, the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def workers_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes with SIGINT ignored; the main process alone handles Ctrl-C.

    Ctrl-C goes to the terminal's whole process group. A worker still importing when it came
    died with a traceback, before the main process said "interrupted". An ignored SIGINT is
    inherited across fork and exec from the moment the worker exists (a blocked one is not:
    joblib's workers start with none blocked); the main process ends its workers as it stops.
    The block only starts them -- milliseconds in which a Ctrl-C is lost. (A worker joblib
    replaces later, one that outgrew its memory, starts without it.)
    """
    with ctrl_c_handled_by(signal.SIG_IGN):
        yield
