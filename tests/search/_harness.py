"""The shared strategy harness: runs a strategy on a synthetic objective, no Keras.

A search here is a loop of `propose` calls, each with the generator the
`StrategyOracle` would give (`default_rng([seed, trial_number])`), whose
results become `TrialRecord`s fed back in a `History`. `CHECKS` are the
contract every strategy must pass (STYLE.md section 9); a strategy's test
module runs them all with `run_check`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import keras_tuner as kt
import numpy as np

from easynas.search import History, Objective, Proposal, Strategy, TrialRecord, TrialStatus
from easynas.search._kt_adapter import EPOCHS_KEY
from easynas.search._strategy import values_key

OBJECTIVE = Objective("val_loss", "min")
Factory = Callable[..., Strategy]


def make_space() -> kt.HyperParameters:
    """Every kind of hyperparameter, and a conditional scope."""
    hp = kt.HyperParameters()
    hp.Choice("units", [16, 32, 64, 128])
    hp.Choice("activation", ["relu", "tanh", "gelu"])
    hp.Boolean("batch_norm")
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log", default=1e-3)
    hp.Int("layers", 1, 5)
    hp.Choice("kind", ["a", "b"])
    with hp.conditional_scope("kind", ["a"]):
        hp.Float("dropout", 0.0, 0.5)
        hp.Int("width", 8, 64, step=8)
    hp.Fixed("optimizer", "adam")
    return hp


def tiny_space() -> kt.HyperParameters:
    """A space of exactly three candidates."""
    hp = kt.HyperParameters()
    hp.Choice("size", [1, 2, 3])
    return hp


def synthetic_score(values: dict) -> float:
    """A deterministic loss of the values, lowest near lr 3e-3, 3 layers, gelu,
    64 units, no batch norm, kind "a" with dropout 0.2 and width 32.

    Extra epochs (`easynas/epochs`) lower it, as training longer would.
    """
    score = (math.log10(values["learning_rate"]) + 2.5) ** 2
    score += ((values["layers"] - 3) / 2) ** 2
    score += 0.0 if values["activation"] == "gelu" else 0.3
    score += 0.2 * abs(math.log2(values["units"] / 64))
    score += 0.2 if values["batch_norm"] else 0.0
    if values["kind"] == "a":
        score += 4 * (values["dropout"] - 0.2) ** 2 + abs(values["width"] - 32) / 64
    else:
        score += 0.25
    return score + 1.0 / values.get(EPOCHS_KEY, 1)


def tiny_score(values: dict) -> float:
    return float(values["size"]) + 1.0 / values.get(EPOCHS_KEY, 1)


def run_search(
    strategy: Strategy,
    space: kt.HyperParameters,
    seed: int,
    num_trials: int,
    score: Callable[[dict], float] = synthetic_score,
    fail: Callable[[int, dict], bool] = lambda number, values: False,
    records: list[TrialRecord] | None = None,
) -> tuple[list[Proposal], list[TrialRecord]]:
    """Propose and "run" up to `num_trials` more trials, one at a time.

    Returns:
        The proposals (the last one `STOPPED` if the strategy stopped) and
        all records, the given ones first.
    """
    records = list(records or [])
    proposals = []
    for _ in range(num_trials):
        rng = np.random.default_rng([seed, len(records)])
        proposal = strategy.propose(space, History(records, OBJECTIVE), rng)
        proposals.append(proposal)
        if proposal.status == "STOPPED":
            break
        if proposal.status != "RUNNING":
            raise AssertionError(f"{proposal.status} with no trial running")
        number, values = len(records), proposal.values
        if fail(number, values):
            record = TrialRecord(str(number), TrialStatus.FAILED, values, message="synthetic")
        else:
            record = TrialRecord(str(number), TrialStatus.COMPLETED, values, score=score(values))
        records.append(record)
    return proposals, records


def check_in_space(space: kt.HyperParameters, values: dict) -> None:
    """Every active hp has a legal Python-scalar value; no inactive hp is set."""
    hps = space.copy()
    hps.values = dict(values)
    names = set()
    for hp in hps.space:
        names.add(hp.name)
        if not hps.is_active(hp):
            assert hp.name not in values, f"inactive {hp.name} is set"
            continue
        value = values[hp.name]
        kind = type(hp).__name__
        if kind == "Choice":
            assert any(type(value) is type(v) and value == v for v in hp.values), (hp.name, value)
        elif kind == "Boolean":
            assert type(value) is bool
        elif kind == "Fixed":
            assert value == hp.value
        elif kind == "Int":
            assert type(value) is int and hp.min_value <= value <= hp.max_value
            assert (value - hp.min_value) % (hp.step or 1) == 0
        else:
            assert type(value) is float and hp.min_value <= value <= hp.max_value
    for key, value in values.items():
        assert key in names or key.startswith("easynas/"), key
        assert type(value) in (int, float, str, bool), (key, type(value))


# --- the contract -------------------------------------------------------------
def check_stays_in_space(factory: Factory) -> None:
    space = make_space()
    proposals, _ = run_search(factory(), space, seed=0, num_trials=12)
    assert all(p.status == "RUNNING" for p in proposals)
    for proposal in proposals:
        check_in_space(space, proposal.values)


def check_seed_repeats_its_sequence(factory: Factory) -> None:
    space = make_space()
    first, _ = run_search(factory(), space, seed=3, num_trials=8)
    again, _ = run_search(factory(), space, seed=3, num_trials=8)
    other, _ = run_search(factory(), space, seed=4, num_trials=8)
    assert first == again
    assert first != other


def check_tolerates_failed_trials(factory: Factory) -> None:
    space = make_space()
    proposals, records = run_search(
        factory(), space, seed=1, num_trials=12, fail=lambda number, values: number % 3 == 1
    )
    assert [p.status for p in proposals] == ["RUNNING"] * 12
    assert sum(r.status == TrialStatus.FAILED for r in records) == 4
    proposals, _ = run_search(factory(), space, seed=2, num_trials=6, fail=lambda *_: True)
    assert [p.status for p in proposals] == ["RUNNING"] * 6
    for proposal in proposals:
        check_in_space(space, proposal.values)


def check_no_duplicates(factory: Factory) -> None:
    space = make_space()
    proposals, _ = run_search(factory(), space, seed=5, num_trials=15)
    keys = [values_key(p.values) for p in proposals if p.values is not None]
    assert len(keys) == len(set(keys))


def check_stops_when_space_exhausted(factory: Factory) -> None:
    space = tiny_space()
    proposals, records = run_search(factory(), space, seed=0, num_trials=30, score=tiny_score)
    assert proposals[-1].status == "STOPPED"
    sizes = {r.values["size"] for r in records}
    assert sizes == {1, 2, 3}
    again, _ = run_search(factory(), space, seed=1, num_trials=1, score=tiny_score,
                          records=records)
    assert again[0].status == "STOPPED"


def check_resumes_from_saved_state(factory: Factory) -> None:
    space = make_space()
    strategy = factory()
    _, records = run_search(strategy, space, seed=7, num_trials=5)
    state = json.loads(json.dumps(strategy.get_state()))
    config = json.loads(json.dumps(strategy.get_config()))
    resumed = type(strategy).from_config(config)
    resumed.set_state(state)
    continued, _ = run_search(strategy, space, seed=7, num_trials=4, records=records)
    restarted, _ = run_search(resumed, space, seed=7, num_trials=4, records=records)
    assert continued == restarted
    whole, _ = run_search(factory(), space, seed=7, num_trials=9)
    assert whole[5:] == continued


def check_config_round_trip(factory: Factory) -> None:
    strategy = factory()
    config = json.loads(json.dumps(strategy.get_config()))
    rebuilt = type(strategy).from_config(config)
    assert rebuilt.get_config() == strategy.get_config()


CHECKS = [
    check_stays_in_space,
    check_seed_repeats_its_sequence,
    check_tolerates_failed_trials,
    check_no_duplicates,
    check_stops_when_space_exhausted,
    check_resumes_from_saved_state,
    check_config_round_trip,
]
CHECK_IDS = [check.__name__.removeprefix("check_") for check in CHECKS]
