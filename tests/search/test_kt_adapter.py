"""The KerasTuner adapter end to end: a real search of a tiny graph on tiny data."""

from __future__ import annotations

import os

import numpy as np
import pytest

from easynas.blocks import ConvBlock
from easynas.data import DataSpec, analyze_classification_target, analyze_images
from easynas.data._labels import encode_labels
from easynas.graph import ClassificationHead, Graph, ImageInput
from easynas.search import Hyperband, Objective, RandomSearch, TrialStatus, _kt_adapter
from easynas.search._kt_adapter import (
    CHECKPOINT,
    EPOCHS_KEY,
    INITIAL_EPOCH_KEY,
    PARENT_KEY,
    SearchTuner,
    StrategyOracle,
)


@pytest.fixture
def problem(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(48, 8, 8), dtype=np.uint8)
    y = np.arange(48) % 3
    spec = DataSpec(
        inputs=(analyze_images(x[:36]),), targets=(analyze_classification_target(y[:36]),)
    )
    labels = encode_labels(y, spec.targets[0])
    inp = ImageInput()
    out = ClassificationHead()(ConvBlock(num_blocks=1, num_layers=1, filters=8)(inp))
    graph = Graph.from_nodes(inp, out)
    return graph, spec, (x[:36], labels[:36]), (x[36:], labels[36:])


def _search(problem, strategy, max_trials, tmp_path, seed):
    graph, spec, (x, y), validation = problem
    oracle = StrategyOracle(strategy, Objective("val_loss", "min"), max_trials, seed)
    tuner = SearchTuner(oracle, graph, spec, directory=str(tmp_path), project_name="p",
                        overwrite=True, patience=3)
    tuner.search(x=x, y=y, validation_data=validation, epochs=1, batch_size=16)
    return tuner


def test_search_tuner_runs_trials_and_saves_checkpoint_and_info(problem, tmp_path, seed):
    tuner = _search(problem, RandomSearch(), 2, tmp_path, seed)
    records = tuner.records()
    assert [r.status for r in records] == [TrialStatus.COMPLETED] * 2
    for record in records:
        assert os.path.exists(os.path.join(tuner.get_trial_dir(record.trial_id), CHECKPOINT))
        info = tuner.trial_info(record.trial_id)
        assert info["epochs_run"] == 1 and info["params"] > 0
        assert np.isfinite(record.score)


def test_hyperband_promotion_continues_its_parent_weights(problem, tmp_path, seed, monkeypatch):
    loaded = []
    original = _kt_adapter._load_checkpoint

    def spy(model, path):
        original(model, path)
        loaded.append((path, [w.copy() for w in model.get_weights()]))

    monkeypatch.setattr(_kt_adapter, "_load_checkpoint", spy)
    # brackets [(2 candidates, 1 epoch), (1, 2 epochs)], [...]: three trials.
    tuner = _search(problem, Hyperband(max_epochs=2, factor=2), 3, tmp_path, seed)
    records = tuner.records()
    assert [r.status for r in records] == [TrialStatus.COMPLETED] * 3
    child = records[2]
    parent_id = child.values[PARENT_KEY]
    parent = next(r for r in records if r.trial_id == parent_id)
    assert parent is min(records[:2], key=lambda r: r.score)
    assert (child.values[INITIAL_EPOCH_KEY], child.values[EPOCHS_KEY]) == (1, 2)
    assert tuner.trial_info(child.trial_id)["epochs_run"] == 1  # only the remaining epoch
    assert tuner.trial_info(parent_id)["epochs_run"] == 1
    (path, weights), = loaded
    assert path == os.path.join(tuner.get_trial_dir(parent_id), CHECKPOINT)
    reference = tuner.load_model(tuner.oracle.get_trial(parent_id)).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(weights, reference))


def test_a_running_trial_holds_back_what_reserve_asks_and_stops_in_time(problem, tmp_path,
                                                                         seed):
    graph, spec, (x, y), validation = problem
    asked = []

    def reserve(running):
        asked.append(running)
        return 10.0

    oracle = StrategyOracle(RandomSearch(), Objective("val_loss", "min"), 1, seed, 15.0)
    tuner = SearchTuner(oracle, graph, spec, directory=str(tmp_path), project_name="p",
                        overwrite=True, patience=100_000, reserve=reserve)
    tuner.search(x=x, y=y, validation_data=validation, epochs=100_000, batch_size=16)
    info = tuner.trial_info(tuner.records()[0].trial_id)
    assert info["stopped_by_budget"] and info["epochs_run"] == len(asked) > 1
    assert [len(a["epoch_seconds"]) for a in asked] == list(range(1, len(asked) + 1))
    assert all(a["build_seconds"] > 0 and np.isfinite(a["score"]) for a in asked)
    # The trial ended at the held-back mark: about 10 s of the 15 are left.
    assert 6.0 < oracle.deadline.total_remaining() <= 10.0


def test_search_tuner_records_costs_and_rejects_an_infeasible_candidate_untrained(
    problem, tmp_path, seed
):
    from easynas.search._costs import CostLimits, CostMeter

    graph, spec, (x, y), validation = problem
    oracle = StrategyOracle(RandomSearch(), Objective("val_loss", "min"), 2, seed)
    tuner = SearchTuner(oracle, graph, spec, directory=str(tmp_path), project_name="p",
                        overwrite=True, cost_meter=CostMeter(CostLimits(max_params=10)))
    tuner.search(x=x, y=y, validation_data=validation, epochs=1, batch_size=16)
    records = tuner.records()
    assert [r.status for r in records] == [TrialStatus.FAILED] * 2
    for record in records:
        info = tuner.trial_info(record.trial_id)
        assert info["feasible"] is False and "max_params=10" in record.message
        assert "epochs_run" not in info and "latency_ms" not in info  # never trained or timed
        assert record.costs["params"] == info["params"] > 10
        assert not os.path.exists(os.path.join(tuner.get_trial_dir(record.trial_id), CHECKPOINT))

    fine = _search(problem, RandomSearch(), 1, tmp_path / "fine", seed)
    record, = fine.records()
    info = fine.trial_info(record.trial_id)
    assert info["feasible"] is True and info["epochs_run"] == 1
    assert set(record.costs) == {"params", "flops", "size_bytes", "latency_ms", "latency_batch",
                                 "latency_batch_ms"}
    assert record.costs["flops"] > record.costs["params"] > 0
