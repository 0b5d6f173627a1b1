"""One search per project folder: a lock file taken atomically, and stale locks taken over.

`fit` holds `ProjectLock(project_dir)` while it searches. The lock is the file
`easynas.lock` in the project folder, created with `O_CREAT | O_EXCL` (so of
two processes exactly one creates it) and holding the owner's pid, host name
and start time. A second search on the folder fails at once with
`ProjectLockedError`. A lock whose owner is a dead process on this host (the
search was killed with SIGKILL, or the machine lost power) is stale: the next
search takes it over with a warning in the log. A lock owned by another host
is never taken over, since its process cannot be checked from here.

In a distributed search the chief holds the lock with `role="chief"` and its
address; workers take no lock (they share the folder with the chief), but
`check_joinable` refuses a worker when the folder is held by a local search,
or by nobody (the worker's folder is then not the chief's).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import socket
import time
import uuid
from typing import Any

from easynas._atomic import write_json
from easynas.exceptions import ProjectLockedError

try:  # POSIX; elsewhere take-overs are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

logger = logging.getLogger(__name__)

__all__ = ["LOCK_FILE", "ProjectLock", "check_joinable"]

LOCK_FILE = "easynas.lock"
_UNREADABLE_GRACE_SECONDS = 5.0  # a lock file this young may still be being written


class ProjectLock:
    """The exclusive right to search in a project folder (a context manager).

    Args:
        project_dir: The project folder; created if missing.
        role: "search" for a local search, "chief" for the chief of a
            distributed one (workers may then join the folder).
        address: The chief's address, recorded for workers and people.

    Raises:
        ProjectLockedError: On `acquire` (or entering the block), when a live
            process (or a process on another host) holds the lock.
    """

    def __init__(self, project_dir: str, role: str = "search", address: str | None = None) -> None:
        if role not in ("search", "chief"):
            raise ValueError(f"role must be 'search' or 'chief'. Received: {role!r}")
        self.role = role
        self.address = address
        self.project_dir = os.fspath(project_dir)
        self.path = os.path.join(self.project_dir, LOCK_FILE)
        self._owner: dict[str, Any] | None = None

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self._owner is not None

    def acquire(self) -> None:
        """Take the lock, or take over a stale one; raise if someone alive holds it."""
        os.makedirs(self.project_dir, exist_ok=True)
        owner = {
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"),
            "token": uuid.uuid4().hex,
            "role": self.role,
        }
        if self.address is not None:
            owner["address"] = self.address
        for _ in range(5):
            if self._create(owner):
                self._owner = owner
                return
            holder = _read(self.path)
            if holder is _MISSING:
                continue  # released between our two looks; try again
            if not self._is_stale(holder):
                raise ProjectLockedError(_locked_message(self.project_dir, holder))
            if self._take_over(holder, owner):
                self._owner = owner
                return
        raise ProjectLockedError(
            f"Could not lock the project {self.project_dir!r}: other processes keep taking "
            f"and releasing {LOCK_FILE}. Is another search starting on it?"
        )

    def release(self) -> None:
        """Remove the lock file if it is still ours (it is left alone otherwise)."""
        if self._owner is None:
            return
        holder = _read(self.path)
        if isinstance(holder, dict) and holder.get("token") == self._owner["token"]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
        else:
            logger.warning("The lock %s was no longer ours when the search ended; left as is.",
                           self.path)
        self._owner = None

    # --- helpers ----------------------------------------------------------------------
    def _create(self, owner: dict[str, Any]) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(owner, f)
            f.flush()
            os.fsync(f.fileno())
        return True

    def _is_stale(self, holder: Any) -> bool:
        if not isinstance(holder, dict):  # unreadable: stale once old enough to be finished
            try:
                age = time.time() - os.path.getmtime(self.path)
            except FileNotFoundError:
                return False
            return age > _UNREADABLE_GRACE_SECONDS
        if holder.get("hostname") != socket.gethostname():
            return False
        pid = holder.get("pid")
        return isinstance(pid, int) and not _alive(pid)

    def _take_over(self, stale: Any, owner: dict[str, Any]) -> bool:
        """Replace the stale lock by ours, unless someone else replaced it first."""
        with open(self.path + ".takeover", "a", encoding="utf-8") as guard:
            if fcntl is not None:
                fcntl.flock(guard, fcntl.LOCK_EX)  # one take-over at a time
            if _read(self.path) != stale:
                return False
            write_json(self.path, owner)
        logger.warning(
            "Took over the stale lock of project %r: %s (the search that held it is gone).",
            self.project_dir, _describe(stale),
        )
        return True


_MISSING = object()


def check_joinable(project_dir: str) -> None:
    """Check that a worker may run trials in `project_dir`: a chief holds it.

    Raises:
        ProjectLockedError: A local search holds the folder, or no search
            does (so the chief searches another folder, or has ended).
    """
    path = os.path.join(os.fspath(project_dir), LOCK_FILE)
    holder = _read(path)
    if holder is _MISSING or not isinstance(holder, dict):
        raise ProjectLockedError(
            f"No chief holds the project {os.fspath(project_dir)!r} (it has no readable "
            f"{LOCK_FILE}). Workers must use the chief's project folder (the same "
            "directory and project_name, on a shared filesystem)."
        )
    if holder.get("role") != "chief":
        raise ProjectLockedError(
            f"The project {os.fspath(project_dir)!r} is in use by a local search "
            f"({_describe(holder)}), not by a chief; workers can only join a chief."
        )


def _read(path: str) -> Any:
    """The lock's owner record; None if unreadable, `_MISSING` if there is no lock."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return _MISSING
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _describe(holder: Any) -> str:
    if not isinstance(holder, dict):
        return "an unreadable lock file"
    role = " (the chief at " + str(holder["address"]) + ")" if holder.get("address") else ""
    return (f"pid {holder.get('pid')} on host {holder.get('hostname')!r}, "
            f"started {holder.get('started')}{role}")


def _locked_message(project_dir: str, holder: Any) -> str:
    return (
        f"The project {project_dir!r} is in use by another search ({_describe(holder)}). "
        "Wait for it to finish, or use another directory/project_name. If that process is "
        f"gone for good (e.g. it ran on another host), delete {LOCK_FILE} in the project."
    )
