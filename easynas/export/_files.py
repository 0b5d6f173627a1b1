"""Atomic writes and TF Serving's versioned layout, shared by the exporters."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

__all__ = ["atomic_directory", "next_version"]


def next_version(base: str) -> int:
    """The next free integer version folder under `base` (1 when there is none)."""
    if not os.path.isdir(base):
        return 1
    versions = [int(d) for d in os.listdir(base) if d.isdigit()]
    return max(versions, default=0) + 1


@contextlib.contextmanager
def atomic_directory(target: str, overwrite: bool = False) -> Iterator[str]:
    """Yield a temporary folder beside `target`, renamed to `target` on success.

    On an exception nothing at `target` changes and the temporary folder is
    removed.

    Raises:
        FileExistsError: If `target` exists and is not empty, unless `overwrite`.
    """
    if os.path.exists(target) and (not os.path.isdir(target) or os.listdir(target)):
        if not overwrite:
            raise FileExistsError(
                f"{target!r} already exists and is not empty; pass overwrite=True to replace it."
            )
    parent = os.path.dirname(os.path.abspath(target))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".easynas-export-", dir=parent)
    try:
        yield staging
        if os.path.exists(target):
            backup = staging + ".old"
            os.replace(target, backup)
            os.replace(staging, target)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
