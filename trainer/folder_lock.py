"""Two trainer runs on one folder at once: refused or queued, never interleaved.

Each file the trainer writes is atomic, but a run's files are a set, and two runs over one
folder mix their sets: two ``generate`` runs into one folder design every home twice (with the
OpenAI backend, paid twice); ``train`` started while homes are still being generated trains on
the part written so far, without a word; two runs switching a model and its hash in one folder
can leave one run's model beside the other's hash, which every loader then refuses.

So a run locks the folder itself (``flock`` on the folder's descriptor: no lock file is left
behind, and the system lets go of it when the process ends however it ends):

- :func:`writing_homes`: ``generate``, alone in its output folder; refused at once otherwise;
- :func:`reading_homes`: ``train``, ``evaluate`` and ``curve`` while they read a folder's homes,
  beside each other but not beside a ``generate``; refused at once otherwise;
- :func:`switching_files`: the moment a model's files are switched (training's writes,
  ``publish``): a few milliseconds, so a second run waits for the first instead of failing.

Where the system cannot lock a folder (Windows, some network shares) runs go unlocked, as before.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]


class FolderBusy(Exception):
    """Another run holds the folder in a way this one cannot share."""


@contextlib.contextmanager
def writing_homes(folder: Path) -> Iterator[None]:
    """Hold ``folder`` alone while homes are generated into it."""
    with _locked(folder, exclusive=True, wait=None) as free:
        if not free:
            raise FolderBusy(f"{folder}: another trainer run is using this folder (generate "
                             "writing homes into it, or train, evaluate or curve reading them); "
                             "wait for it to end, or generate into another folder")
        yield


@contextlib.contextmanager
def reading_homes(folder: Path) -> Iterator[None]:
    """Keep ``generate`` out of ``folder`` while its homes are read (other readers are welcome)."""
    with _locked(folder, exclusive=False, wait=None) as free:
        if not free:
            raise FolderBusy(f"{folder}: homes are being generated into this folder by another "
                             "run; wait for it to end, then run this again")
        yield


@contextlib.contextmanager
def switching_files(folder: Path) -> Iterator[None]:
    """Hold ``folder`` alone while a set of files in it changes, waiting for a run that does.

    The wait is said on stderr: it is milliseconds behind another switch, but as long as a
    whole run behind one that holds the folder for longer (a model written into a homes folder).
    """

    def waiting() -> None:
        print(f"waiting for another trainer run to finish with {folder} …", file=sys.stderr,
              flush=True)

    with _locked(folder, exclusive=True, wait=waiting):
        yield


@contextlib.contextmanager
def _locked(folder: Path, *, exclusive: bool,
            wait: Callable[[], None] | None) -> Iterator[bool]:
    """Lock ``folder``; yield False if another run holds it and there is no ``wait``.

    With ``wait``, a folder another run holds is waited for, ``wait`` called first.

    A folder that cannot be opened (missing: the caller says so in its own words) or locked
    (no support for it there) yields True unlocked.
    """
    if fcntl is None:
        yield True
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        fd = -1
    if fd < 0:
        yield True
        return
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            free = True
        except BlockingIOError:
            free = False
        except OSError:  # no locks on this file system
            free = True
        if not free and wait is not None:
            wait()
            fcntl.flock(fd, mode)
            free = True
        yield free
    finally:
        os.close(fd)  # closing lets go of the lock
