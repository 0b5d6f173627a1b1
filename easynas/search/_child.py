"""One trial in a child process: the parent's side (launch, wait, read back) and the child's.

The parent pickles the trial's job (the search space, data spec,
hyperparameter values and settings, plus the user's callbacks) into the
trial's folder and starts `python -m easynas.search._child JOB`: a fresh
interpreter, so nothing of the parent's (its `__main__`, its TensorFlow
state) is inherited or re-run. The child reads the search's data from the
`.npy` files `_shared_data` wrote, runs the trial (`train_trial`: build,
measure costs, train), writes the checkpoint and trial info as an in-process
trial does, and reports the history (or why the candidate failed) in
`child_result.json`.

Whatever happens to the child (a segmentation fault, `os._exit`, the
kernel's out-of-memory killer), the parent survives: a child that ends
without a result is a failed trial whose reason names its exit code or
signal and quotes the end of its log (`child.log`, its stderr).
"""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

from easynas._atomic import replacing, write_json

logger = logging.getLogger(__name__)

__all__ = ["ChildTrialError", "portability_problem", "run_in_child"]

JOB_FILE = "child_job.pkl"
RESULT_FILE = "child_result.json"
LOG_FILE = "child.log"
READY_FILE = "child_started"
# A child that has not loaded TensorFlow and the data after this long is killed.
START_LIMIT_SECONDS = 600.0
_LOG_TAIL_LINES = 15


class ChildTrialError(RuntimeError):
    """The child process ended without a result, or was killed; the message says how."""


def portability_problem(objects: Any) -> str | None:
    """Why `objects` cannot be sent to a fresh interpreter, or None if they can.

    They must pickle, and every class and function they use must be importable
    by module name: one defined in the running script (`__main__`) or a
    notebook is not, since the child does not re-run the script.
    """
    pickler = _PortabilityPickler(io.BytesIO())
    try:
        pickler.dump(objects)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        return f"they cannot be pickled ({type(error).__name__}: {error})"
    if pickler.from_main:
        names = ", ".join(sorted(pickler.from_main))
        return (f"{names} {'is' if len(pickler.from_main) == 1 else 'are'} defined in __main__ "
                "(the running script or notebook); a child process can only import classes "
                "and functions from modules")
    return None


class _PortabilityPickler(pickle.Pickler):
    """A pickler that notes every class or function it meets from `__main__`."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.from_main: set[str] = set()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, (type, types.FunctionType)) and obj.__module__ == "__main__":
            self.from_main.add(obj.__qualname__)
        return NotImplemented


def run_in_child(
    payload: dict[str, Any],
    trial_dir: str,
    *,
    hard_limit: float | None = None,
    start_limit: float = START_LIMIT_SECONDS,
    on_wait: Callable[[], None] | None = None,
    wait_interval: float = 5.0,
) -> dict[str, Any]:
    """Run one trial's job in a child process and return the result it reports.

    Args:
        payload: The job: what `main` hands to `run_job`, plus `data` (a
            `_shared_data` manifest) and `data_dir` (pickled into the trial
            folder).
        trial_dir: The trial's folder: the job, the child's log and its
            result go there.
        hard_limit: Seconds the child may run once started (its interpreter
            up and the data mapped) before it is killed with SIGKILL; None
            for no limit.
        start_limit: Seconds the child may take to start before it is killed.
        on_wait: Called every `wait_interval` seconds while the child runs
            (the parent saves its search state, so a killed search knows
            the time it spent).
        wait_interval: See `on_wait`.

    Returns:
        The child's result: `{"history": ...}`, `{"failed": message}` or
        `{"error": traceback}`.

    Raises:
        ChildTrialError: The child ended without a result (crashed, was
            killed), or ran past `hard_limit` or `start_limit`.
    """
    os.makedirs(trial_dir, exist_ok=True)
    job_path = os.path.join(trial_dir, JOB_FILE)
    result_path = os.path.join(trial_dir, RESULT_FILE)
    ready_path = os.path.join(trial_dir, READY_FILE)
    log_path = os.path.join(trial_dir, LOG_FILE)
    for stale in (result_path, ready_path):  # left by an interrupted earlier run of this trial
        if os.path.exists(stale):
            os.remove(stale)
    payload = {**payload, "result_path": result_path, "ready_path": ready_path,
               "parent_pid": os.getpid(), "launched_at": time.time()}
    with replacing(job_path, ".pkl") as tmp, open(tmp, "wb") as f:
        pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
    launched = time.monotonic()
    ready: float | None = None
    overran = None
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "easynas.search._child", job_path],
            stdin=subprocess.DEVNULL, stderr=log, env=_child_environment(),
        )
        try:
            last_wait = launched
            while child.poll() is None:
                time.sleep(0.2)
                now = time.monotonic()
                if ready is None and os.path.exists(ready_path):
                    ready = now
                if ready is None and now - launched > start_limit:
                    overran = f"had not started after {now - launched:.0f}s"
                elif ready is not None and hard_limit is not None and now - ready > hard_limit:
                    overran = (f"was still running {now - ready:.0f}s after it started, past "
                               f"its hard limit of {hard_limit:.0f}s")
                if overran:
                    break
                if on_wait is not None and now - last_wait >= wait_interval:
                    on_wait()
                    last_wait = now
        finally:
            if child.poll() is None:  # past a limit, or the parent is interrupted (Ctrl-C)
                child.kill()
                child.wait()
    os.remove(job_path)
    if overran:
        raise ChildTrialError(
            f"The trial's child process {overran}, and was killed.{_log_tail(log_path)}"
        )
    if os.path.exists(result_path):
        with open(result_path, encoding="utf-8") as f:
            return json.load(f)
    raise ChildTrialError(
        f"The trial's child process {describe_exit(child.returncode)} after "
        f"{time.monotonic() - launched:.1f}s without reporting a result.{_log_tail(log_path)}"
    )


def describe_exit(returncode: int) -> str:
    """How a process ended, from its return code, in words."""
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "an unknown signal"
        cause = {
            "SIGKILL": ": the kernel's out-of-memory killer, or another process",
            "SIGSEGV": ": a crash in native code",
            "SIGABRT": ": an abort in native code",
        }.get(name, "")
        return f"was killed by signal {number} ({name}{cause})"
    return f"exited with code {returncode}"


def _log_tail(log_path: str) -> str:
    """The last lines of the child's log, as a paragraph for a failure message."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            lines = [line.rstrip() for line in f if line.strip()]
    except OSError:
        return ""
    if not lines:
        return f" Its log ({log_path}) is empty."
    tail = "\n".join(lines[-_LOG_TAIL_LINES:])
    return f" The end of its log ({log_path}):\n{tail}"


def _child_environment() -> dict[str, str]:
    """The parent's environment, with its import path, and TensorFlow kept quiet and modest."""
    path = [os.getcwd() if p == "" else p for p in sys.path]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(path)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # A GPU's memory is taken as needed, not all at once, so the next child gets it.
    env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    return env


def _exit_when_orphaned(parent_pid: int) -> None:
    """End this process at once if its parent dies (killed searches leave no trainer behind)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(70)

    threading.Thread(target=watch, daemon=True, name="easynas-parent-watch").start()


def main(argv: list[str] | None = None) -> int:
    """The child's entry point: `python -m easynas.search._child JOB`."""
    import traceback

    (job_path,) = sys.argv[1:] if argv is None else argv
    with open(job_path, "rb") as f:
        raw = f.read()
    result_path = None
    try:
        payload = pickle.loads(raw)
        result_path = payload["result_path"]
        _exit_when_orphaned(payload["parent_pid"])
        from easynas.search._kt_adapter import run_job
        from easynas.search._shared_data import load_tree

        data = load_tree(payload["data"], payload["data_dir"])
        with open(payload["ready_path"], "w", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        result = run_job(payload, data)
    except Exception:  # reported to the parent, which records the trial as failed
        result = {"error": traceback.format_exc()}
        if result_path is None:
            sys.stderr.write(result["error"])
            return 1
    write_json(result_path, result)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    raise SystemExit(main())
