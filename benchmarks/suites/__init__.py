"""The suite registry: `--suite NAME` picks a module here.

To add a suite (say "text"), write `benchmarks/suites/text.py` with a `Suite`
subclass instance named `SUITE`, and add `"text": "benchmarks.suites.text"` to
`_SUITES` (or call `register` at run time). Modules are imported only when
their suite runs, so one suite's heavy imports never slow another.
"""

from __future__ import annotations

import importlib

from benchmarks.suites._base import Budget, Data, RunConfig, Suite

__all__ = ["Budget", "Data", "RunConfig", "Suite", "get", "names", "register"]

_SUITES: dict[str, str] = {
    "image": "benchmarks.suites.image",
    "multimodal": "benchmarks.suites.multimodal",
    "tabular": "benchmarks.suites.tabular",
    "text": "benchmarks.suites.text",
}


def register(name: str, module: str) -> None:
    """Make `--suite name` run the `SUITE` object of `module` (a dotted path)."""
    _SUITES[name] = module


def names() -> list[str]:
    """The registered suite names."""
    return sorted(_SUITES)


def get(name: str) -> Suite:
    """The suite registered as `name`.

    Raises:
        KeyError: For an unknown name (the message lists the known ones).
    """
    if name not in _SUITES:
        raise KeyError(f"Unknown suite {name!r}; known suites: {', '.join(names())}.")
    suite = importlib.import_module(_SUITES[name]).SUITE
    if not isinstance(suite, Suite):
        raise TypeError(f"{_SUITES[name]}.SUITE is a {type(suite).__name__}, not a Suite.")
    return suite
