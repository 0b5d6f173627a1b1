"""Cost measurement of built candidates, and limits that reject them untrained."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

from easynas.search._costs import (
    CostLimits,
    CostMeter,
    InfeasibleCandidate,
    latency_ms,
    serialized_bytes,
    tflite_latency_ms,
)
from easynas.search._flops import count_flops


def _cnn(filters: int = 4) -> keras.Model:
    inp = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(filters, 3, activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inp, keras.layers.Dense(3, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


@pytest.fixture
def images(seed):
    return np.random.default_rng(seed).random((5, 8, 8, 1)).astype("float32")


def test_cost_meter_measures_every_cost_of_an_untrained_model(images):
    model = _cnn()
    costs = CostMeter(batch_size=8, repeats=5).measure(model, images)
    assert costs["params"] == model.count_params() == 40 + 15
    assert costs["flops"] == count_flops(model) > 0
    assert costs["size_bytes"] > 4 * costs["params"]
    assert costs["latency_ms"] > 0 and costs["latency_batch_ms"] > 0
    assert costs["latency_batch"] == 8  # 5 rows, repeated up to the batch
    assert costs["feasible"] is True and "tflite_latency_ms" not in costs


def test_serialized_bytes_grows_with_the_weights():
    small, large = serialized_bytes(_cnn(4)), serialized_bytes(_cnn(64))
    extra_params = _cnn(64).count_params() - _cnn(4).count_params()
    assert large - small >= 4 * extra_params * 0.9  # float32 weights, little compression


def test_max_params_rejects_before_the_size_and_latency_are_measured(images):
    meter = CostMeter(limits=CostLimits(max_params=50))
    with pytest.raises(InfeasibleCandidate, match=r"55 parameters > max_params=50") as caught:
        meter.measure(_cnn(), images)
    costs = caught.value.costs
    assert costs["feasible"] is False and "size_bytes" not in costs
    assert "latency_ms" not in costs and costs["infeasible_reason"].startswith("55 param")


def test_max_size_mb_rejects_before_the_latency_is_measured(images):
    meter = CostMeter(limits=CostLimits(max_params=1000, max_size_mb=0.001))
    with pytest.raises(InfeasibleCandidate, match=r"size .* MB > max_size_mb=0.001"):
        meter.measure(_cnn(), images)


def test_max_latency_ms_rejects_after_timing_and_a_generous_one_passes(images):
    with pytest.raises(InfeasibleCandidate, match=r"latency .* ms > max_latency_ms=1e-06") as c:
        CostMeter(limits=CostLimits(max_latency_ms=1e-6), repeats=3).measure(_cnn(), images)
    assert c.value.costs["latency_ms"] > 1e-6
    costs = CostMeter(limits=CostLimits(max_params=55, max_latency_ms=1e4, max_size_mb=1.0),
                      repeats=3).measure(_cnn(), images)
    assert costs["feasible"] is True


def test_tflite_latency_is_timed_in_the_litert_interpreter(images):
    pytest.importorskip("ai_edge_litert")
    assert tflite_latency_ms(_cnn(), images, repeats=5) > 0
    costs = CostMeter(repeats=3, tflite=True).measure(_cnn(), images)
    assert costs["tflite_latency_ms"] > 0


def _slow_model(seconds: float) -> keras.Model:
    """The identity on 4 numbers, taking `seconds` per call."""
    import tensorflow as tf

    def sleep(value):
        time.sleep(seconds)
        return value

    def slow(t):
        out = tf.numpy_function(sleep, [t], t.dtype, stateful=True)
        out.set_shape(t.shape)
        return out

    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Lambda(slow, output_shape=(4,))(inputs))


def test_latency_of_a_slow_model_is_timed_within_its_time_cap():
    x = np.zeros((2, 4), "float32")
    started = time.perf_counter()
    measured = latency_ms(_slow_model(0.3), x, repeats=20, max_seconds=0.5)
    elapsed = time.perf_counter() - started

    assert measured == pytest.approx(300, rel=0.5)
    # tracing, then two timed passes; 20 repeats would have taken 6 s
    assert elapsed < 2.5
