"""Atomic writes and TF Serving's versioned layout, shared by the exporters.

A writer works in a hidden staging folder beside its target (named
`.easynas-export-*`, which TF Serving and `next_version` ignore) and the result
is renamed into place only once it is complete and checked. On any failure the
staging folder, and any parent folders the write created, are removed, so a
failed export leaves the file system as it found it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

__all__ = [
    "STAGING_PREFIX", "atomic_directory", "atomic_file", "atomic_files", "next_version",
    "refuse_taken",
]

STAGING_PREFIX = ".easynas-export-"


def next_version(base: str) -> int:
    """The next free integer version folder under `base` (1 when there is none)."""
    if not os.path.isdir(base):
        return 1
    versions = [int(d) for d in os.listdir(base) if d.isdecimal()]
    return max(versions, default=0) + 1


def _is_taken(target: str) -> bool:
    """Whether `target` holds something (a file, or a folder that is not empty)."""
    return os.path.lexists(target) and (not os.path.isdir(target) or bool(os.listdir(target)))


def refuse_taken(target: str, overwrite: bool) -> None:
    """Raise `FileExistsError` if `target` holds something, unless `overwrite`."""
    _refuse_taken(target, overwrite)


def _refuse_taken(target: str, overwrite: bool) -> None:
    if not overwrite and _is_taken(target):
        raise FileExistsError(
            f"{target!r} already exists and is not empty; pass overwrite=True to replace it."
        )


@contextlib.contextmanager
def _staging(target: str) -> Iterator[str]:
    """A staging folder beside `target`, removed (with the parents it made) on failure."""
    parent = os.path.dirname(os.path.abspath(target))
    created = []
    folder = parent
    while not os.path.exists(folder):
        created.append(folder)
        folder = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    staging = None
    try:
        staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent)
        yield staging
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # deepest first; stop at the first that is not empty
            try:
                os.rmdir(folder)
            except OSError:
                break
        raise


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


def _move_into_place(source: str, target: str, overwrite: bool) -> None:
    """Rename `source` to `target`; an existing target is restored if that fails."""
    # Checked again here: another writer may have taken the target meanwhile.
    _refuse_taken(target, overwrite)
    if not os.path.lexists(target):
        os.replace(source, target)
        return
    backup = source + ".old"
    os.replace(target, backup)
    try:
        os.replace(source, target)
    except BaseException:
        os.replace(backup, target)
        raise
    _remove(backup)


@contextlib.contextmanager
def atomic_directory(target: str, overwrite: bool = False) -> Iterator[str]:
    """Yield a temporary folder beside `target`, renamed to `target` on success.

    On an exception nothing at `target` changes, and the temporary folder and
    any parent folders created for it are removed.

    Args:
        target: The folder to write.
        overwrite: Replace `target` if it exists and is not empty.

    Yields:
        The staging folder to write into.

    Raises:
        FileExistsError: If `target` exists and is not empty, unless `overwrite`.
    """
    _refuse_taken(target, overwrite)
    with _staging(target) as staging:
        yield staging
        _move_into_place(staging, target, overwrite)


@contextlib.contextmanager
def atomic_file(target: str, overwrite: bool = False) -> Iterator[str]:
    """Yield a temporary file path beside `target`, renamed to `target` on success.

    The temporary path has `target`'s file name (inside a staging folder), so
    writers that look at the extension (such as `keras.Model.save`) accept it.

    Args:
        target: The file to write.
        overwrite: Replace `target` if it exists.

    Yields:
        The temporary path to write.

    Raises:
        FileExistsError: If `target` exists, unless `overwrite`.
    """
    if os.path.lexists(target) and not overwrite:
        raise FileExistsError(f"{target!r} already exists; pass overwrite=True to replace it.")
    with _staging(target) as staging:
        temporary = os.path.join(staging, os.path.basename(target))
        yield temporary
        if os.path.lexists(target) and not overwrite:  # taken by another writer meanwhile
            raise FileExistsError(
                f"{target!r} already exists; pass overwrite=True to replace it."
            )
        if os.path.isdir(target) and not os.path.islink(target):
            raise IsADirectoryError(f"{target!r} is a folder; give a file path.")
        os.replace(temporary, target)
    shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def atomic_files(targets: list[str], overwrite: bool = False) -> Iterator[list[str]]:
    """Yield temporary paths for several files (a model and the JSON beside it),
    renamed to `targets` together on success.

    Every target is checked before anything is written; on an exception none of
    them changes. The renames come one after the other, in the order given,
    so list the file a reader looks for (the model) last.

    Args:
        targets: The files to write, all in one folder.
        overwrite: Replace targets that exist.

    Yields:
        One temporary path per target (same file names, in a staging folder).

    Raises:
        FileExistsError: If a target exists, unless `overwrite`.
    """
    for target in targets:
        if os.path.lexists(target) and not overwrite:
            raise FileExistsError(
                f"{target!r} already exists; pass overwrite=True to replace it."
            )
        if os.path.isdir(target) and not os.path.islink(target):
            raise IsADirectoryError(f"{target!r} is a folder; give a file path.")
    with _staging(targets[0]) as staging:
        temporaries = [os.path.join(staging, os.path.basename(t)) for t in targets]
        yield temporaries
        for target in targets:
            if os.path.lexists(target) and not overwrite:  # taken meanwhile
                raise FileExistsError(
                    f"{target!r} already exists; pass overwrite=True to replace it."
                )
        for temporary, target in zip(temporaries, targets):
            os.replace(temporary, target)
    shutil.rmtree(staging, ignore_errors=True)
