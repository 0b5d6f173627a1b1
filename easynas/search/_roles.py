"""Roles in a distributed search: one chief serves the search, workers run its trials.

The chief holds the strategy (a KerasTuner Oracle) and serves it over gRPC on
`HOST:PORT`; each worker asks it for a trial, trains the candidate, writes the
checkpoint into the shared project folder and reports the result. The roles
can also come from KerasTuner's environment variables `KERASTUNER_TUNER_ID`
("chief" or a worker id), `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from easynas.exceptions import InvalidParameterError

__all__ = ["Chief", "Worker", "parse_address", "role_from_env"]

ENV_TUNER_ID = "KERASTUNER_TUNER_ID"
ENV_IP = "KERASTUNER_ORACLE_IP"
ENV_PORT = "KERASTUNER_ORACLE_PORT"
HEARTBEAT_SECONDS = 2.0  # how often a worker tells the chief it is alive


def parse_address(address: str, argument: str = "address") -> tuple[str, int]:
    """`(host, port)` from "HOST:PORT" (port 0 on a chief: any free port).

    Raises:
        InvalidParameterError: The text is not HOST:PORT with a port in [0, 65535].
    """
    host, sep, port = str(address).rpartition(":")
    if sep and host.startswith("[") and host.endswith("]"):
        host = host[1:-1]  # [::1]:8000
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidParameterError(
            f"The '{argument}' must be HOST:PORT, e.g. 127.0.0.1:8000 or "
            f"chief.example.org:8000. Got {address!r} instead."
        )
    return host, int(port)


@dataclass(frozen=True)
class Chief:
    """This process serves the search; workers connect to it and run the trials.

    The chief records the search in the project folder, hands out trials,
    re-runs the trial of a worker that went silent, and returns once every
    trial is done (or the time budget is spent). It then refits and saves the
    best model like a local search.

    Args:
        address: "HOST:PORT" to listen on ("0.0.0.0:8000" for every
            interface; port 0 takes a free port).
        worker_timeout: Seconds without a sign of life (workers report every
            2 seconds while they train) after which a worker's trial counts as
            lost and is handed to another worker. At least 5.
    """

    address: str
    worker_timeout: float = 60.0

    def __post_init__(self) -> None:
        parse_address(self.address, "address")
        if not (isinstance(self.worker_timeout, (int, float))
                and self.worker_timeout >= 2.5 * HEARTBEAT_SECONDS):
            raise InvalidParameterError(
                "The 'worker_timeout' parameter of Chief must be a number of seconds "
                f">= {2.5 * HEARTBEAT_SECONDS:g} (workers report every "
                f"{HEARTBEAT_SECONDS:g}s). Got {self.worker_timeout!r} instead."
            )


@dataclass(frozen=True)
class Worker:
    """This process runs trials for the chief at `address`.

    A worker needs the same data, search space and settings as the chief and
    the same project folder (a shared filesystem). It may start before the
    chief (it waits up to `connect_timeout`) or join a running search; it
    returns when the chief says the search is over or stops answering.

    Args:
        address: The chief's "HOST:PORT".
        worker_id: This worker's name in the chief's records; None makes one
            from the host name and process id.
        connect_timeout: Seconds to wait for the chief at the start.
        chief_timeout: Seconds a call to a running chief may take before the
            chief counts as gone and the worker stops.
    """

    address: str
    worker_id: str | None = None
    connect_timeout: float = 600.0
    chief_timeout: float = 60.0

    def __post_init__(self) -> None:
        host, port = parse_address(self.address, "address")
        if port == 0:
            raise InvalidParameterError(
                f"The 'address' of a Worker needs the chief's port. Got {self.address!r}."
            )
        if self.worker_id is not None and (
            not isinstance(self.worker_id, str) or not self.worker_id
            or "chief" in self.worker_id
        ):
            raise InvalidParameterError(
                "The 'worker_id' parameter of Worker must be a non-empty string without "
                f"'chief' in it (KerasTuner's name for the chief). Got {self.worker_id!r}."
            )
        for name in ("connect_timeout", "chief_timeout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise InvalidParameterError(
                    f"The '{name}' parameter of Worker must be a positive number of "
                    f"seconds. Got {value!r} instead."
                )

    @property
    def name(self) -> str:
        """The worker id the chief records."""
        return self.worker_id or f"{socket.gethostname()}-{os.getpid()}"


def role_from_env(environ: Mapping[str, str]) -> Chief | Worker | None:
    """The role set by KerasTuner's environment variables, or None when unset.

    Raises:
        InvalidParameterError: Some of the variables are set but not all.
    """
    if ENV_IP not in environ and ENV_TUNER_ID not in environ:
        return None
    missing = [name for name in (ENV_TUNER_ID, ENV_IP, ENV_PORT) if not environ.get(name)]
    if missing:
        raise InvalidParameterError(
            f"A distributed search needs {ENV_TUNER_ID}, {ENV_IP} and {ENV_PORT} in the "
            f"environment; {', '.join(missing)} is missing."
        )
    address = f"{environ[ENV_IP]}:{environ[ENV_PORT]}"
    tuner_id = environ[ENV_TUNER_ID]
    if "chief" in tuner_id:
        return Chief(address)
    return Worker(address, worker_id=tuner_id)
