"""Atomic file writes shared by the trainer and the integration.

A model or home file that is half-written after a crash or Ctrl-C is worse than no file: the next
run would trust it. Writing to a temporary file in the same folder and renaming it over the target
makes the write all-or-nothing on every POSIX file system and on Windows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_temp_beside(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to a new hidden temporary file in ``path``'s folder and return its path.

    The file is complete and on disk (fsynced) when this returns, so renaming it over ``path``
    (``os.replace``) is the whole write. Callers that must switch several files in a chosen order
    (the trainer's ``publish``) stage them all with this first; the caller renames or unlinks it.
    """
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
    except BaseException:
        # KeyboardInterrupt included: the temporary file must not outlive an interrupted write.
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return Path(tmp_name)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    target = Path(path)
    tmp = write_temp_beside(target, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
