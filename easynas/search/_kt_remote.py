"""The adapter's gRPC half: KerasTuner's chief/worker protocol, with liveness.

Part of the thin KerasTuner adapter (with `_kt_adapter.py`): the only other
module that touches KerasTuner internals, here its gRPC service
(`keras_tuner.src.distribute.oracle_chief.OracleServicer` and its protos).
The chief serves a `StrategyOracle` with KerasTuner's servicer; a GetTrial
call doubles as a worker's heartbeat. The worker's client is our own (not
KerasTuner's `OracleClient`) because it needs timeouts that let a worker stop
when the chief is gone, and it carries failure messages that KerasTuner's
trial proto drops. grpc is imported only here, on first use.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import TYPE_CHECKING, Any

from easynas.search._roles import HEARTBEAT_SECONDS

if TYPE_CHECKING:
    from easynas.search._kt_adapter import StrategyOracle

logger = logging.getLogger(__name__)

__all__ = ["ChiefClient", "ChiefUnavailable", "serve", "wait_for_chief"]

_LINGER_SECONDS = 5.0  # after the search, how long the chief answers "stop" to idle workers
_SERVER_THREADS = "easynas-chief"


class _MuteThreads(io.TextIOBase):
    """A stdout that drops what the chief's server threads write.

    KerasTuner 1.4.8 prints each conditional hyperparameter's parent value
    whenever it turns a search space into a proto (a leftover `print` in
    `conditions.Parent.to_proto`), i.e. on nearly every call a worker makes.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if threading.current_thread().name.startswith(_SERVER_THREADS):
            return len(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()


def _quiet_proto(make: Callable[[], Any]) -> Any:
    """`make()` (which builds a proto) without KerasTuner's stray prints (single-threaded use)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return make()


class ChiefUnavailable(RuntimeError):
    """The chief did not answer in time: it finished, crashed or cannot be reached."""


def _grpc() -> Any:
    try:
        import grpc
    except ImportError as error:  # pragma: no cover - grpcio is a KerasTuner extra
        raise ImportError(
            "A distributed search needs grpcio and protobuf: pip install 'easynas[distributed]'"
        ) from error
    return grpc


def _servicer_class() -> type:
    from keras_tuner.src.distribute import oracle_chief

    class _Servicer(oracle_chief.OracleServicer):
        """KerasTuner's servicer; every call about a trial counts as its worker's heartbeat."""

        def GetTrial(self, request, context):  # noqa: N802 - gRPC's method name
            self.oracle.touch(request.trial_id)
            return super().GetTrial(request, context)

        def UpdateTrial(self, request, context):  # noqa: N802
            self.oracle.touch(request.trial_id)
            return super().UpdateTrial(request, context)

    return _Servicer


def serve(
    oracle: StrategyOracle, host: str, port: int, *, worker_timeout: float,
    on_poll: Callable[[], None] | None = None, poll_seconds: float = 0.5,
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Serve `oracle` to workers until the search is done.

    Every `poll_seconds` the chief hands the trials of workers silent for
    `worker_timeout` to others, tells running trials to stop once the time
    budget is spent, and calls `on_poll` (which may raise to end the search).
    It returns once no trial is left to run or running, after answering
    "stop" to the workers still asking (for up to a few seconds).

    Args:
        oracle: The chief's oracle.
        host: Interface to listen on.
        port: Port to listen on; 0 takes a free one.
        worker_timeout: Seconds of silence after which a worker's trial is lost.
        on_poll: Called on every poll, in this thread.
        poll_seconds: Seconds between polls.
        on_listening: Called with the port once the server listens.

    Raises:
        OSError: The address cannot be listened on.
    """
    grpc = _grpc()
    from keras_tuner.src import protos

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8,
                                                    thread_name_prefix=_SERVER_THREADS))
    protos.get_service_grpc().add_OracleServicer_to_server(_servicer_class()(oracle), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if not bound:
        raise OSError(f"The chief cannot listen on {host}:{port} (is the port in use?).")
    stdout, sys.stdout = sys.stdout, _MuteThreads(sys.stdout)
    server.start()
    logger.info("Chief listening on %s:%d for workers.", host, bound)
    try:
        if on_listening is not None:
            on_listening(bound)
        while True:
            for trial_id, worker in oracle.requeue_lost(worker_timeout):
                logger.warning("Worker %s went silent for %gs; trial %s will run again.",
                               worker, worker_timeout, trial_id)
            if oracle.deadline.expired():
                oracle.stop_running()
            if on_poll is not None:
                on_poll()
            if oracle.done():
                break
            time.sleep(poll_seconds)
        ends = time.monotonic() + _LINGER_SECONDS
        while oracle.waiting_workers() and time.monotonic() < ends:
            time.sleep(0.1)
    finally:
        server.stop(grace=1.0).wait()
        sys.stdout = stdout


class ChiefClient:
    """A worker's view of the chief's oracle (what `SearchTuner` calls on `self.oracle`).

    Args:
        local: The worker's own `StrategyOracle`, for the objective and its
            local deadline (the chief's budget reaches workers as "stop").
        host: The chief's host.
        port: The chief's port.
        tuner_id: This worker's id.
        connect_timeout: Seconds the first call waits for the chief.
        chief_timeout: Seconds any later call may take.
    """

    def __init__(self, local: StrategyOracle, host: str, port: int, tuner_id: str, *,
                 connect_timeout: float, chief_timeout: float) -> None:
        grpc = _grpc()
        from keras_tuner.src import protos

        self._local = local
        self._channel = grpc.insecure_channel(f"{host}:{port}")
        self._stub = protos.get_service_grpc().OracleStub(self._channel)
        self._service = protos.get_service()
        self._rpc_error = grpc.RpcError
        self.address = f"{host}:{port}"
        self.tuner_id = tuner_id
        self.connect_timeout = connect_timeout
        self.chief_timeout = chief_timeout
        self._connected = False
        self.stop_requested = threading.Event()
        self.deadline = _WorkerDeadline(local.deadline, self.stop_requested)
        self.easynas_objective = local.easynas_objective
        self.objective = local.objective
        self.multi_worker = False
        self.should_report = True
        self.verbose = 0

    # --- calls -------------------------------------------------------------------
    def _call(self, method: str, request: Any, timeout: float | None = None) -> Any:
        if timeout is None:
            timeout = self.chief_timeout if self._connected else self.connect_timeout
        try:
            response = getattr(self._stub, method)(request, wait_for_ready=True,
                                                   timeout=timeout)
        except self._rpc_error as error:
            raise ChiefUnavailable(
                f"The chief at {self.address} did not answer {method} within {timeout:g}s "
                f"({error.code().name})."
            ) from error
        self._connected = True
        return response

    def connect(self) -> None:
        """Wait (up to `connect_timeout`) until the chief answers."""
        self.get_space()

    def get_space(self) -> Any:
        from keras_tuner.src.engine import hyperparameters as hp_module

        response = self._call("GetSpace", self._service.GetSpaceRequest())
        return hp_module.HyperParameters.from_proto(response.hyperparameters)

    def update_space(self, hyperparameters: Any) -> None:
        proto = _quiet_proto(hyperparameters.to_proto)
        self._call("UpdateSpace", self._service.UpdateSpaceRequest(hyperparameters=proto))

    def create_trial(self, tuner_id: str) -> Any:
        from keras_tuner.src.engine import trial as trial_module

        response = self._call("CreateTrial", self._service.CreateTrialRequest(tuner_id=tuner_id))
        return trial_module.Trial.from_proto(response.trial)

    def update_trial(self, trial_id: str, metrics: dict[str, float], step: int = 0) -> Any:
        from keras_tuner.src.engine import trial as trial_module

        response = self._call("UpdateTrial", self._service.UpdateTrialRequest(
            trial_id=trial_id, metrics=metrics, step=step))
        return trial_module.Trial.from_proto(response.trial)

    def end_trial(self, trial: Any) -> None:
        # The trial proto has no message; the chief reads it from the trial folder.
        self._local.write_ending(trial, self.tuner_id)
        proto = _quiet_proto(trial.to_proto)
        self._call("EndTrial", self._service.EndTrialRequest(trial=proto))

    def get_trial(self, trial_id: str, timeout: float | None = None) -> Any:
        from keras_tuner.src.engine import trial as trial_module

        response = self._call("GetTrial", self._service.GetTrialRequest(trial_id=trial_id),
                              timeout)
        return trial_module.Trial.from_proto(response.trial)

    def get_best_trials(self, num_trials: int = 1) -> list[Any]:
        from keras_tuner.src.engine import trial as trial_module

        response = self._call("GetBestTrials",
                              self._service.GetBestTrialsRequest(num_trials=num_trials))
        return [trial_module.Trial.from_proto(t) for t in response.trials]

    def save(self) -> None:
        """Nothing to save: the chief keeps the search state."""

    def close(self) -> None:
        self._channel.close()

    # --- liveness ----------------------------------------------------------------
    @contextlib.contextmanager
    def heartbeat(self, trial_id: str) -> Iterator[None]:
        """Tell the chief every 2 s that `trial_id` is alive, while the block runs.

        When the chief answers that the trial should stop (its time budget is
        spent) or stops answering for `chief_timeout`, `deadline.expired()`
        turns true, so training ends at the end of the current batch.
        """
        self.stop_requested.clear()
        done = threading.Event()

        def beat() -> None:
            last_answer = time.monotonic()
            while not done.wait(HEARTBEAT_SECONDS):
                try:
                    trial = self.get_trial(trial_id, timeout=HEARTBEAT_SECONDS)
                except ChiefUnavailable:
                    if time.monotonic() - last_answer > self.chief_timeout:
                        logger.warning("The chief at %s is gone; stopping trial %s.",
                                       self.address, trial_id)
                        self.stop_requested.set()
                        return
                    continue
                last_answer = time.monotonic()
                if trial.status == "STOPPED":
                    logger.info("The chief asked to stop trial %s (time budget spent).",
                                trial_id)
                    self.stop_requested.set()

        thread = threading.Thread(target=beat, name=f"easynas-heartbeat-{trial_id}",
                                  daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()


class _WorkerDeadline:
    """The worker's deadline: its own budget, or earlier when the chief says stop."""

    def __init__(self, local: Any, stop: threading.Event) -> None:
        self._local = local
        self._stop = stop

    def expired(self) -> bool:
        return self._stop.is_set() or self._local.expired()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._local, name)


def wait_for_chief(address: str, timeout: float) -> None:
    """Return once the chief at "HOST:PORT" answers; raise `ChiefUnavailable` after `timeout` s."""
    grpc = _grpc()
    from keras_tuner.src import protos

    with grpc.insecure_channel(address) as channel:
        stub = protos.get_service_grpc().OracleStub(channel)
        try:
            stub.GetSpace(protos.get_service().GetSpaceRequest(), wait_for_ready=True,
                          timeout=timeout)
        except grpc.RpcError as error:
            raise ChiefUnavailable(
                f"The chief at {address} did not answer within {timeout:g}s "
                f"({error.code().name}). Is it running, and reachable from here?"
            ) from error
