"""What every trainer command shares: the consoles, the one-line error, the progress bar.

Also the checks of an output before the long work, and the model and home readers that turn a
refusal into the user's one line. The commands live in modules by what they work on --
``homes_commands``, ``training_commands``, ``model_commands``, ``pipeline_command`` -- and
``cli`` registers them on its app and runs it.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from custom_components.home_type.const import BUNDLED_MODEL
from custom_components.home_type.core.model import (
    HomeTypeModel,
    ModelError,
    ModelMissingError,
    load_model,
)
from custom_components.home_type.core.snapshot import (
    HomeSnapshot,
    SnapshotError,
    iter_home_files,
    read_snapshot,
)

from .container import in_container, ownership_hint
from .generate.runner import GENERATED_HOME, FolderMismatch

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Reports are wide tables; when output goes to a file or CI log, do not squeeze them to 80,
# and leave lines of text whole: a line broken at 140 columns ("NOT⏎met") defeats grep.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 140,
                  soft_wrap=not sys.stderr.isatty())
out = Console(width=None if sys.stdout.isatty() else 140, soft_wrap=not sys.stdout.isatty())


class UserError(Exception):
    """A mistake the user can fix; shown as one line, exit code 2 (or ``exit_code``)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class FolderMismatchError(UserError):
    """``generate`` refused a folder of other homes; ``mismatch`` lets a caller advise its way."""

    def __init__(self, mismatch: FolderMismatch) -> None:
        super().__init__(str(mismatch))
        self.mismatch = mismatch


def given_path(value: str | Path) -> Path:
    """A path as typed; an empty one is refused rather than read as the current folder.

    An unset shell variable (``--to "$CONFIG"``) gives an empty argument, which pathlib turns
    into ``.``: the command would read or write wherever it was started. Typer passes a
    default in too, already a Path.
    """
    if isinstance(value, str) and not value.strip():
        raise typer.BadParameter("is empty (an unset variable?); give a path")
    return Path(value)


def given_file(value: str | Path) -> Path:
    """:func:`given_path` of a file to write, where a trailing / (which pathlib drops) is refused.

    ``--output models/new/`` asks for a folder; read as ``models/new`` it would become a file
    of that name beside the folder meant.
    """
    path = given_path(value)
    if isinstance(value, str) and value.endswith(("/", os.sep)):
        raise typer.BadParameter(f"{value} ends in /, so it names a folder; give the file's "
                                 "name in it")
    return path


def path_option(*names: str, file: bool = False, **kwargs: Any) -> Any:
    """``typer.Option`` of a path (``file``: one written as a file), typed as :func:`given_path`."""
    return typer.Option(*names, parser=given_file if file else given_path, metavar="<path>",
                        **kwargs)


def given_share(text: str) -> float:
    """A share from 0 to 1; NaN is refused as no share (Click's range check said "at most 1")."""
    try:
        share = float(text)
    except ValueError:
        raise typer.BadParameter("give a number") from None
    if not 0.0 <= share <= 1.0:
        raise typer.BadParameter(f"must be a share from 0 to 1, e.g. 0.7, not {text}")
    return share


def share_option(**kwargs: Any) -> Any:
    """``typer.Option`` of a share from 0 to 1, typed as :func:`given_share`."""
    return typer.Option(parser=given_share, metavar="SHARE", **kwargs)


def path_argument(**kwargs: Any) -> Any:
    """``typer.Argument`` of a path, typed as :func:`given_path`."""
    return typer.Argument(parser=given_path, **{"metavar": "<path>", **kwargs})


def shown_path(path: Path) -> str:
    """``path`` as text any output can carry, where ``print`` could fail on it half-way.

    A Linux file name may hold any bytes; those that are not UTF-8 become U+FFFD.
    """
    return os.fsencode(path).decode("utf-8", "replace")


def print_error(message: str) -> None:
    """The one ``error:`` line; the message is shown as written (a path may hold "[x]")."""
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


def progress_bar() -> Progress:
    """The progress bar every long command shows (on stderr, so stdout stays data)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 home``, ``3 homes``: a run of one is common (``--count 1``, a resume, a retry)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def _again(planned: int, overwrite: bool) -> str:
    """How a run that stopped short is finished.

    A run with ``--overwrite`` does not resume: it makes every home again, those this run
    wrote included, and its advice said "to finish (finished homes are kept)".
    """
    if overwrite:
        return (f"run the same command again, which makes all {counted(planned, 'home')} again "
                "(--overwrite remakes every home)")
    return "run the same command again to finish"


def write_failed(output: Path, err: OSError, written: int, planned: int, *,
                 overwrite: bool = False) -> str:
    """A home that could not be written (disk full, a folder in its place …), as one line.

    Names the folder, not the temporary file the atomic write was filling, and the file only
    when it is in the way.
    """
    where = output
    in_the_way = err.filename2 or err.filename  # a rename's target, else the file opened
    if in_the_way and isinstance(err, IsADirectoryError | NotADirectoryError):
        where = Path(os.fsdecode(in_the_way))
    return (f"cannot write into {where}: {err.strerror or err}; "
            f"{counted(written, 'new home')} written, none half-written: fix that and "
            f"{_again(planned, overwrite)}")


def generation_interrupted(output: Path, written: int, planned: int, *,
                           overwrite: bool = False) -> UserError:
    """Ctrl-C or SIGTERM during ``generate`` (either backend): what is on disk, what to do.

    Interrupted as the last home was written, it has nothing left to do: "run the same
    command again to finish" then sent the user to a run that found nothing to do.
    """
    if written == planned:
        rest = "every home it was to make: nothing is left to do"
    elif overwrite:
        rest = f"{_again(planned, overwrite)}; no partial file is left"
    else:
        rest = f"{_again(planned, overwrite)} (finished homes are kept, no partial file is left)"
    return UserError(f"interrupted: {counted(written, 'new home')} written to {output}; {rest}",
                     EXIT_INTERRUPTED)


DEFAULT_MODEL = Path("models/home_type_classifier.pkl")


def no_model_yet() -> str:
    """What to add when the default model is missing: a fresh checkout has trained none yet.

    The bundled model is the integration's own file wherever the trainer runs (a checkout, or
    site-packages in the trainer's image, whose working folder holds only data and models):
    relative when it lies under the working folder (a checkout's root), else absolute, so that
    it always names a file that is there.
    """
    here = Path.cwd().resolve()
    bundled = BUNDLED_MODEL.resolve()
    if bundled.is_relative_to(here):
        bundled = bundled.relative_to(here)
    train = ("docker compose run --rm trainer (the whole pipeline)" if in_container()
             else "scripts/train (or python -m trainer train)")
    return (f"; no model has been trained here yet: run {train}, or use the one bundled with "
            f"the integration, {bundled}")


def load_bundle(path: Path) -> HomeTypeModel:
    """Load a bundle as Home Assistant does; a refusal is the user's one-line error."""
    try:
        return load_model(path)
    except ModelMissingError as err:
        hint = no_model_yet() if path == DEFAULT_MODEL else ""
        raise UserError(f"{err}{hint}") from None
    except ModelError as err:
        raise UserError(str(err)) from None


def check_output(path: Path, flag: str, example: str, *beside: Path) -> None:
    """Refuse an output that cannot be written before the long work, not after it.

    ``beside`` are the other files written next to it (a model's hash, joblib and results):
    none may be a folder, and the nearest existing parent must be a folder one can write in.
    Nothing is created here; the folder is made when the files are written.
    """
    with looking_at(path, flag):
        _refuse_folder(path, flag, example)
        for other in beside:
            if other.is_dir():
                raise UserError(f"{flag} {path}: {other} is a folder, and a file goes there")
        _check_writable(path, flag, path.absolute().parent)


@contextmanager
def looking_at(given: Path, flag: str) -> Iterator[None]:
    """A path that cannot even be looked at is the user's one-line error too.

    On Python 3.13 ``Path.exists()`` and ``is_dir()`` raise, rather than say no, for a path
    under a folder this user may not enter (another user's home, or ./models made by another
    user than the trainer's container runs as) or a name too long for the file system. The
    folder that cannot be entered is named, not the path under it.
    """
    try:
        yield
    except PermissionError:
        closed = next((folder for folder in (*reversed(given.absolute().parents),
                                             given.absolute())
                       if os.path.isdir(folder) and not os.access(folder, os.R_OK | os.X_OK)),
                      None)
        where = f"cannot enter {closed}" if closed is not None else "cannot look at it"
        raise UserError(f"{flag} {given}: {where} (permission denied)"
                        + ownership_hint()) from None
    except OSError as err:
        said = err.strerror or str(err)
        if err.filename is not None and os.fsdecode(err.filename) != os.fsdecode(given):
            said = os_error_text(err)  # a folder above it, or a file beside it
        raise UserError(f"{flag} {given}: {said}") from None


#: OSErrors of the machine a command runs on: full, read-only or failing disks, refused
#: permissions, names the file system does not take. Any other is a bug, shown as one.
ENVIRONMENT_ERRORS: Final = frozenset({
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM,
    errno.ENAMETOOLONG, errno.ELOOP, errno.EMFILE, errno.ENFILE,
})


def os_error_text(err: OSError) -> str:
    """An OSError as a person reads it: the path it names, if any, and what went wrong."""
    what = err.strerror or str(err)
    return f"{os.fsdecode(err.filename)}: {what}" if err.filename is not None else what


def _refuse_folder(path: Path, flag: str, example: str) -> None:
    """A file output that names a folder: one that exists, or ``.``, ``..`` or ``/``."""
    if not path.name or path.name == ".." or path.is_dir():
        raise UserError(f"{flag} {path}: is a folder; give a file name, e.g. {path / example}")


def check_folder_output(folder: Path, flag: str) -> None:
    """Refuse a destination folder that cannot be written, as :func:`check_output` a file."""
    with looking_at(folder, flag):
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{flag} {folder}: is a file, not a folder")
        _check_writable(folder, flag, folder.absolute())


def _check_writable(given: Path, flag: str, start: Path) -> None:
    """The nearest existing path at or above ``start`` must be a folder one can write in.

    A symbolic link to nothing is no folder to write in: taken for a missing folder, it let
    a whole training run before the write failed ("File exists").
    """
    nearest = next(p for p in [start, *start.parents] if p.exists() or p.is_symlink())
    if not nearest.exists():  # a link to nothing, or to itself
        raise UserError(f"{flag} {given}: {nearest} is a symbolic link that leads to no "
                        f"folder ({os.readlink(nearest)})")
    if not nearest.is_dir():
        raise UserError(f"{flag} {given}: {nearest} is a file, not a folder")
    if why := unwritable(nearest):
        raise UserError(f"{flag} {given}: cannot write in {nearest} ({why})"
                        + (ownership_hint() if why == PERMISSION_DENIED else ""))


#: What :func:`unwritable` says of a folder this user may not write in.
PERMISSION_DENIED: Final = "permission denied"


def unwritable(folder: Path) -> str | None:
    """Why a folder cannot be written in, in the words of the error a write would meet, or None.

    "read-only file system" says what to change; "permission denied" on one would send the
    user to chmod.
    """
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    # No statvfs on Windows: there, a read-only folder says "permission denied".
    if hasattr(os, "statvfs") and os.statvfs(folder).f_flag & os.ST_RDONLY:
        return "read-only file system"
    return PERMISSION_DENIED


def homes_folder_flag(folder: Path, homes: Iterable[tuple[str, Path | None]]) -> str | None:
    """The flag of the homes folder that ``folder`` is, if any.

    A file written into a homes folder is read as a home there (a results or curve file), or
    replaces one (``home_001.json.gz``): every later run that reads the folder fails.
    """
    where = folder.absolute().resolve()
    return next((flag for flag, home in homes
                 if home is not None and home.absolute().resolve() == where), None)


def refuse_generated_homes(folder: Path, flag: str) -> None:
    """Refuse to publish into a folder of generated homes.

    The results file published beside the model is read as a home there, and every later
    train or evaluate of that folder failed. Home Assistant's folder, which may hold the export
    action's ``home_type_export_…`` homes, is one to publish into.
    """
    with looking_at(folder, flag):
        if folder.is_dir() and any(GENERATED_HOME.fullmatch(path.name)
                                   for path in iter_home_files(folder)):
            raise UserError(f"{flag} {folder}: holds generated homes (home_001.json.gz …); "
                            "publish into the folder Home Assistant reads the model from")


def check_model_output(path: Path, flag: str) -> None:
    """:func:`check_output` for a model bundle and the files training writes beside it."""
    from .runs import TrainingRun

    with looking_at(path, flag):
        _refuse_folder(path, flag, DEFAULT_MODEL.name)  # before naming the files beside it
    check_output(path, flag, DEFAULT_MODEL.name,
                 *TrainingRun(homes=Path(), output=path).written[1:])


def read_home(path: Path) -> HomeSnapshot:
    """Read a home file; a broken or missing one is the user's one-line error."""
    try:
        return read_snapshot(path)
    except SnapshotError as err:
        raise UserError(str(err)) from None
