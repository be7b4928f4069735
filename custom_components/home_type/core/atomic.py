"""Atomic file writes shared by the trainer and the integration.

A model or home file that is half-written after a crash or Ctrl-C is worse than no file: the next
run would trust it. Writing to a temporary file in the same folder and renaming it over the target
makes the write all-or-nothing on every POSIX file system and on Windows.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

#: What the writers take: the bytes, or pieces of them in order -- a large home file is
#: serialised a piece at a time, so its whole text never has to be in memory at once.
type Data = bytes | Iterable[bytes]


def temporary_names(targets: str) -> re.Pattern[str]:
    """The names :func:`write_temp_beside` gives temporary files of targets named ``targets``.

    ``targets`` is a regular expression; a home's is ``.home_006.json.gz.uc9y0fkw.tmp``. For a
    run that cleans up after one killed mid-write (a stopped write removes its own).
    """
    return re.compile(rf"\.(?:{targets})\.\w{{8}}\.tmp")  # tempfile's 8 random characters


def write_temp_beside(path: str | os.PathLike[str], data: Data, mode: int = 0o644) -> Path:
    """Write ``data`` to a new hidden temporary file in ``path``'s folder and return its path.

    The file is complete and on disk (fsynced) when this returns, so renaming it over ``path``
    (``os.replace``) is the whole write. Callers that must switch several files in a chosen order
    (the trainer's ``publish``) stage them all with this first; the caller renames or unlinks it.
    ``mode``: readable by others unless the file is its owner's alone (a home's real names).
    """
    target = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.parent)
    except OSError as err:  # the folder refuses: name the file asked for, not a hidden one
        raise type(err)(err.errno, err.strerror, str(target)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in (data,) if isinstance(data, bytes) else data:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
    except BaseException:
        # KeyboardInterrupt included: the temporary file must not outlive an interrupted write.
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return Path(tmp_name)


def remove_leftovers(folder: Path, names: Iterable[str]) -> None:
    """Remove the temporary files of ``names`` that a writer killed mid-write left in ``folder``.

    ``kill -9`` or a power cut leaves them (a write that fails or is stopped removes its own):
    a model's, a whole copy of it, in the folder Home Assistant reads. Only for a caller that
    holds the folder against other writers of these names, which could be writing them now.
    """
    remove_temporary_files(folder, temporary_names("|".join(re.escape(name) for name in names)))


def remove_temporary_files(folder: Path, leftover: re.Pattern[str]) -> None:
    """Remove the files of ``folder`` whose names ``leftover`` (:func:`temporary_names`) takes."""
    with contextlib.suppress(OSError):  # a folder not there, or not ours to list: none to clean
        for path in folder.iterdir():
            if leftover.fullmatch(path.name):
                with contextlib.suppress(OSError):
                    path.unlink()


def stage_replacement(path: str | os.PathLike[str], data: Data) -> tuple[Path, Path]:
    """Stage ``data`` to replace ``path`` as :func:`atomic_write_bytes` does: (staged, target).

    Renaming the staged file over the target is the whole write. A set of files that must
    change together (a model, its hash, its results) is staged whole first, so that a full disk
    or Ctrl-C while they are written changes none of them; the caller renames or unlinks.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    try:
        return write_temp_beside(target, data, mode), target
    except OSError as err:
        if target == Path(path) or err.filename is None:
            raise
        # The folder the link leads to refused the write: name the link too.
        raise type(err)(err.errno, err.strerror, f"{path} (a link to {target})") from None


def atomic_write_bytes(path: str | os.PathLike[str], data: Data) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part.

    As an editor saves: a file replaced keeps its permissions (a results file its owner made
    0600 stays private), and a symbolic link keeps naming the file it did, which is replaced
    (``docs/model.md`` linked into a website's folder stays linked). Returns ``path``.
    """
    tmp, target = stage_replacement(path, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    sync_folder(target.parent)
    return Path(path)


def sync_folder(folder: str | os.PathLike[str]) -> None:
    """Make the names given in ``folder`` durable: a power cut must not undo a rename.

    Without it the file is whole on disk but its new name may not be, and a model written
    before its hash file could come back as the old model beside the new hash. Not every file
    system (nor Windows) can sync a folder; there the rename is as durable as it gets.
    """
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


#: errno values of file systems that have no hard links (FAT, exFAT, some network shares).
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})


def atomic_create_bytes(path: str | os.PathLike[str], data: Data, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` all-or-nothing, and only if no file is there.

    :class:`FileExistsError` if ``path`` exists -- also when another writer created it while
    this one was writing: the complete file is linked to its name, which the system refuses
    atomically when the name is taken (a check before a rename could not promise that).
    """
    return atomic_create_first_free([path], data, mode)


def atomic_create_first_free(
    paths: Sequence[str | os.PathLike[str]], data: Data, mode: int = 0o644
) -> Path:
    """Write ``data`` all-or-nothing to the first of ``paths`` that no file holds; return it.

    The data is written once and offered to each name in turn, so a default name taken by a
    write of the same second moves this one to the next name instead of failing it.
    :class:`FileExistsError` (naming the first) when every name is taken. All ``paths`` must be
    in one folder: the temporary file is linked to them.
    """
    targets = [Path(path) for path in paths]
    tmp = write_temp_beside(targets[0], data, mode)
    try:
        for target in targets:
            try:
                _link_new(tmp, target)
            except FileExistsError:
                continue
            sync_folder(target.parent)
            return target
        raise FileExistsError(errno.EEXIST, "File exists", str(targets[0]))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _link_new(tmp: Path, target: Path) -> None:
    """Give the complete file ``tmp`` the name ``target``, refusing a name that is taken."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
        # No hard links here: check, then rename -- a race remains only on such systems.
        if target.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(target)) from None
        os.replace(tmp, target)
