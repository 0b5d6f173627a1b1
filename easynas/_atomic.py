"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every state file easynas writes (the result, trial records, the search
state, checkpoints, the best model) goes through here: the content is written
to a temporary file beside the target, flushed to disk, then moved over the
target with `os.replace`, which is atomic on POSIX and Windows. A process
killed mid-write leaves at most a stray temporary file, never a torn target.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

__all__ = ["replacing", "write_json", "write_text"]


@contextlib.contextmanager
def replacing(path: str, suffix: str = "") -> Iterator[str]:
    """A temporary path beside `path`; when the block ends without error it replaces `path`.

    Args:
        path: The file to write.
        suffix: Ending the temporary name needs (Keras wants `.keras` or
            `.weights.h5` on the paths it saves to).

    Yields:
        The temporary path to write to. On an exception it is removed and
        `path` is left as it was.
    """
    directory, name = os.path.split(os.fspath(path))
    tmp = os.path.join(directory, f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp{suffix}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def write_text(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


def write_json(path: str, data: Any, *, indent: int | None = None) -> None:
    """Write `data` as JSON to `path` atomically."""
    write_text(path, json.dumps(data, indent=indent))


def _fsync(path: str) -> None:
    """Flush a written file to disk (a no-op for folders and where unsupported)."""
    if not os.path.isfile(path):
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
