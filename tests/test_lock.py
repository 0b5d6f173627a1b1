"""The project lock: one search per folder, stale locks from dead processes taken over."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading

import pytest

from easynas._lock import LOCK_FILE, ProjectLock
from easynas.exceptions import ProjectLockedError


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: nothing here builds a Keras object."""
    yield


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped) on this host."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _write_lock(project, **owner):
    project.mkdir(parents=True, exist_ok=True)
    record = {"hostname": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00",
              "token": "theirs", **owner}
    (project / LOCK_FILE).write_text(json.dumps(record))


def test_lock_records_its_owner_and_is_removed_on_release(tmp_path):
    project = tmp_path / "project"
    with ProjectLock(str(project)) as lock:
        owner = json.loads((project / LOCK_FILE).read_text())
        assert owner["pid"] == os.getpid() and owner["hostname"] == socket.gethostname()
        assert owner["started"].startswith("20") and lock.held
    assert not (project / LOCK_FILE).exists() and not lock.held


def test_a_held_lock_refuses_a_second_search_naming_folder_and_pid(tmp_path):
    project = tmp_path / "project"
    with ProjectLock(str(project)):
        with pytest.raises(ProjectLockedError) as caught:
            ProjectLock(str(project)).acquire()
    message = str(caught.value)
    assert str(project) in message and f"pid {os.getpid()}" in message
    assert not (project / LOCK_FILE).exists()


def test_a_lock_is_released_when_the_block_raises(tmp_path):
    project = tmp_path / "project"
    with pytest.raises(KeyboardInterrupt), ProjectLock(str(project)):
        raise KeyboardInterrupt
    ProjectLock(str(project)).acquire()


def test_a_stale_lock_of_a_dead_process_is_taken_over_with_a_warning(tmp_path, caplog):
    project = tmp_path / "project"
    dead = _dead_pid()
    _write_lock(project, pid=dead)
    with caplog.at_level(logging.WARNING, logger="easynas._lock"):
        with ProjectLock(str(project)):
            assert json.loads((project / LOCK_FILE).read_text())["pid"] == os.getpid()
    assert f"pid {dead}" in caplog.text and "stale lock" in caplog.text


def test_a_lock_held_on_another_host_is_never_taken_over(tmp_path):
    project = tmp_path / "project"
    _write_lock(project, pid=_dead_pid(), hostname="another-host.invalid")
    with pytest.raises(ProjectLockedError, match="another-host.invalid"):
        ProjectLock(str(project)).acquire()
    assert json.loads((project / LOCK_FILE).read_text())["token"] == "theirs"


def test_a_lock_that_is_no_longer_ours_is_left_alone_on_release(tmp_path):
    project = tmp_path / "project"
    lock = ProjectLock(str(project))
    lock.acquire()
    _write_lock(project, pid=os.getpid())  # someone replaced it (e.g. by hand)
    lock.release()
    assert json.loads((project / LOCK_FILE).read_text())["token"] == "theirs"


def test_of_racing_takers_exactly_one_gets_the_lock(tmp_path):
    project = tmp_path / "project"
    _write_lock(project, pid=_dead_pid())  # a stale lock makes the race harder
    outcomes, start = [], threading.Barrier(8)

    def take():
        start.wait()
        try:
            ProjectLock(str(project)).acquire()
            outcomes.append("got it")
        except ProjectLockedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["got it"] + ["refused"] * 7
