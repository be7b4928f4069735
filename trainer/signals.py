"""Holding Ctrl-C, ``docker stop`` and SIGHUP while a set of files changes together.

Publishing switches a model slot with several renames, and training writes a model, its hash,
its scikit-learn pipeline and its results: a signal between two of them would leave a set that
does not belong together (a model trusted by nothing, a previous model that exists only as a
temporary file). Each step is atomic on its own; this makes the set of them uninterrupted.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done, then raise them again.

    The block takes milliseconds, and a signal received meanwhile still stops the process --
    with the set complete. Python runs signal handlers in the main thread whichever thread the
    signal hits (joblib may have left threads), so swapping the handlers holds them where
    blocking the signal in one thread would not.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread
        return
    received: list[int] = []
    held = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
            if hasattr(signal, name)]
    before = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
              for sig in held}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for sig in received:
            signal.raise_signal(sig)
