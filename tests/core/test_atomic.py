"""Atomic writes: all or nothing, and a create that never replaces a file."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest.mock import patch

import pytest

from custom_components.home_type.core import atomic
from custom_components.home_type.core.atomic import (
    atomic_create_bytes,
    atomic_create_first_free,
    atomic_write_bytes,
    temporary_names,
    write_temp_beside,
)


def test_create_writes_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "home.json"
    assert atomic_create_bytes(target, b"{}") == target
    assert target.read_bytes() == b"{}"
    assert list(tmp_path.iterdir()) == [target]


def test_create_never_replaces_a_file(tmp_path: Path) -> None:
    target = tmp_path / "home.json"
    target.write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        atomic_create_bytes(target, b"{}")
    assert target.read_bytes() == b"mine"
    assert list(tmp_path.iterdir()) == [target]


def test_create_loses_to_a_file_that_appears_just_before_the_name_is_taken(
    tmp_path: Path,
) -> None:
    """Another writer may create the file at any moment, up to the very call that would give
    ours its name (the gap a check before a rename leaves open): that file is kept."""
    target = tmp_path / "home.json"
    link, replace = os.link, os.replace

    def another_writer_first(real: Callable[[str | Path, str | Path], None]
                             ) -> Callable[[str | Path, str | Path], None]:
        def call(source: str | Path, destination: str | Path) -> None:
            target.write_bytes(b"the other export")
            real(source, destination)
        return call

    with patch.object(os, "link", another_writer_first(link)), \
            patch.object(os, "replace", another_writer_first(replace)), \
            pytest.raises(FileExistsError):
        atomic_create_bytes(target, b"{}")
    assert target.read_bytes() == b"the other export"
    assert list(tmp_path.iterdir()) == [target]


def test_create_first_free_takes_the_next_name_and_leaves_the_taken_ones(tmp_path: Path) -> None:
    names = [tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"]
    names[0].write_bytes(b"mine")
    assert atomic_create_first_free(names, [b"{", b"}"]) == names[1]
    assert atomic_create_first_free(names, b"[]") == names[2]
    with pytest.raises(FileExistsError) as err:
        atomic_create_first_free(names, b"null")
    assert err.value.filename == str(names[0])
    assert [path.read_bytes() for path in names] == [b"mine", b"{}", b"[]"]
    assert sorted(tmp_path.iterdir()) == names


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS])
def test_create_without_hard_links(tmp_path: Path, code: int) -> None:
    """FAT and some network shares have no hard links: check, then rename."""
    target = tmp_path / "home.json"
    with patch.object(os, "link", side_effect=OSError(code, "not here")):
        atomic_create_bytes(target, b"{}")
        with pytest.raises(FileExistsError):
            atomic_create_bytes(target, b"[]")
    assert target.read_bytes() == b"{}"
    assert list(tmp_path.iterdir()) == [target]


def test_create_reports_other_errors_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "home.json"
    with patch.object(os, "link", side_effect=OSError(errno.ENOSPC, "disk full")), \
            pytest.raises(OSError, match="disk full"):
        atomic_create_bytes(target, b"{}")
    assert list(tmp_path.iterdir()) == []


def test_write_that_fails_to_rename_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "model.pkl"
    target.write_bytes(b"old")
    with patch.object(os, "replace", side_effect=OSError(errno.ENOSPC, "disk full")), \
            pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    """A temporary file is private (0600); the file it becomes is 0644 like any other, so
    Home Assistant reads a model or home file that another user wrote."""
    for write, name in ((atomic_write_bytes, "model.pkl"), (atomic_create_bytes, "home.json")):
        target = write(tmp_path / name, b"{}")
        assert target.stat().st_mode & 0o777 == 0o644
    # The trainer's publish stages its files with it and renames them itself.
    staged = write_temp_beside(tmp_path / "bundle.pkl", b"{}")
    assert staged.stat().st_mode & 0o777 == 0o644


def test_a_temporary_file_is_hidden_and_named_as_the_clean_ups_look_for(tmp_path: Path) -> None:
    """generate and the export remove what a killed write left by its name (temporary_names):
    a temporary file named otherwise would stay for good, and one not hidden would be listed
    among the user's files while it is written."""
    for name in ("home_006.json.gz", "model.pkl"):
        staged = write_temp_beside(tmp_path / name, b"{}")
        assert staged.parent == tmp_path
        assert temporary_names(re.escape(name)).fullmatch(staged.name), staged.name
        staged.unlink()


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    """A file its owner made private stays private when it is written again."""
    target = tmp_path / "results.json"
    target.write_bytes(b"old")
    target.chmod(0o600)
    assert atomic_write_bytes(target, b"new") == target
    assert (target.read_bytes(), target.stat().st_mode & 0o777) == (b"new", 0o600)


def test_a_symbolic_link_keeps_naming_the_file_it_named(tmp_path: Path) -> None:
    """The file a link names is replaced, in its own folder; the link stays a link, to it,
    whether it names the file by a relative or an absolute path, or a file not there yet."""
    site = tmp_path / "site"
    site.mkdir()
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, points_to in (("model.md", "../site/model.md"),
                            ("curve.md", str(site / "curve.md"))):
        (docs / name).symlink_to(points_to)
        assert atomic_write_bytes(docs / name, name.encode()) == docs / name
        assert (docs / name).is_symlink()
        assert os.readlink(docs / name) == points_to
        assert (site / name).read_bytes() == name.encode()
    assert sorted(p.name for p in site.iterdir()) == ["curve.md", "model.md"]
    assert sorted(p.name for p in docs.iterdir()) == ["curve.md", "model.md"]


def test_a_link_into_a_missing_folder_is_named_in_the_error(tmp_path: Path) -> None:
    """The error names the link and where it leads, not a hidden temporary file."""
    link = tmp_path / "model.md"
    link.symlink_to(tmp_path / "gone" / "model.md")
    with pytest.raises(FileNotFoundError) as caught:
        atomic_write_bytes(link, b"page")
    assert caught.value.filename == f"{link} (a link to {tmp_path / 'gone' / 'model.md'})"
    assert [p.name for p in tmp_path.iterdir()] == ["model.md"]
    for write in (atomic_write_bytes, atomic_create_bytes):  # no link: the file asked for
        with pytest.raises(FileNotFoundError) as caught:
            write(tmp_path / "gone" / "model.md", b"page")
        assert caught.value.filename == str(tmp_path / "gone" / "model.md")


@pytest.mark.parametrize("write", [atomic_write_bytes, atomic_create_bytes])
def test_pieces_are_written_in_order_or_not_at_all(
    tmp_path: Path, write: Callable[[Path, atomic.Data], Path]
) -> None:
    """The writers take a home file's text in pieces; a writer of pieces that fails half-way
    (an error, Ctrl-C) leaves the old file, or none, and no temporary file."""
    target = tmp_path / "home.json"
    assert write(target, iter([b"[1,", b"2", b"]"])).read_bytes() == b"[1,2]"
    target.unlink()

    def pieces() -> Iterator[bytes]:
        yield b"[1,"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write(target, pieces())
    assert list(tmp_path.iterdir()) == []


def test_the_name_is_on_disk_once_the_write_returns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A power cut after a write has returned must find the new file under its name: the
    folder is synced after the rename (train writes the model, then its hash file, and an
    undone rename would leave the old model beside the new hash)."""
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append((kind, (tmp_path / "named").exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write_bytes(tmp_path / "named", b"abc")
    assert synced == [("file", False), ("folder", True)]
    (tmp_path / "named").unlink()
    synced.clear()
    atomic_create_bytes(tmp_path / "named", b"abc")
    assert synced == [("file", False), ("folder", True)]


def test_the_data_is_on_disk_before_the_file_takes_its_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A power cut after the rename must find the whole file under its name, not an empty
    one: the temporary file is synced, whole, before it is named."""
    synced: list[tuple[int, bool]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # a folder's sync, after the rename, is no file
            synced.append((os.fstat(fd).st_size, (tmp_path / "named").exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write_bytes(tmp_path / "named", b"abc")
    (tmp_path / "named").unlink()
    atomic_create_bytes(tmp_path / "named", [b"ab", b"cd"])
    assert synced == [(3, False), (4, False)]
