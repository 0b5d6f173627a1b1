"""How in-memory data reaches `model.fit`: small data as a seeded tf.data pipeline."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from easynas.search._feed import data_bytes, fit_arguments


def _first_epoch_targets(arguments: dict) -> np.ndarray:
    return np.concatenate([batch[1].numpy() for batch in arguments["x"]])


def test_small_data_becomes_a_batched_pipeline_with_every_row_once():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10)
    arguments = fit_arguments(x, y, batch_size=4, seed=3)

    assert isinstance(arguments["x"], tf.data.Dataset)
    assert set(arguments) == {"x", "shuffle"}
    sizes = [len(batch[1]) for batch in arguments["x"]]
    assert sizes == [4, 4, 2]
    assert sorted(_first_epoch_targets(arguments)) == list(range(10))


def test_shuffling_order_follows_the_seed():
    x = np.arange(200, dtype="float32").reshape(100, 2)
    y = np.arange(100)
    first = _first_epoch_targets(fit_arguments(x, y, batch_size=16, seed=7))
    again = _first_epoch_targets(fit_arguments(x, y, batch_size=16, seed=7))
    other = _first_epoch_targets(fit_arguments(x, y, batch_size=16, seed=8))

    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first, np.arange(100))


def test_validation_data_is_batched_in_order_and_not_shuffled():
    x = np.zeros((6, 1), "float32")
    y = np.arange(6)
    arguments = fit_arguments(x, y, validation_data=(x, y), batch_size=4, seed=0)

    targets = np.concatenate([batch[1].numpy() for batch in arguments["validation_data"]])
    np.testing.assert_array_equal(targets, np.arange(6))


def test_data_over_the_limit_is_passed_on_as_arrays():
    x = np.zeros((100, 10), "float32")
    y = np.zeros(100)
    weights = np.ones(100)
    arguments = fit_arguments(
        x, y, sample_weight=weights, validation_data=(x, y), batch_size=8,
        small_data_bytes=1000,
    )

    assert arguments["x"] is x
    assert arguments["y"] is y
    assert arguments["sample_weight"] is weights
    assert arguments["batch_size"] == 8


def test_data_bytes_counts_nested_arrays_and_estimates_strings():
    tree = {"a": np.zeros(10, "float32"), "b": [np.zeros(5, "int64")]}
    assert data_bytes(tree) == 40 + 40
    assert data_bytes(np.array(["x", "y"], dtype=object)) == 128
    assert data_bytes(None, (np.zeros(2, "float64"),)) == 16


def _two_input_two_head_model() -> keras.Model:
    numbers = keras.Input((3,), name="numbers")
    words = keras.Input((1,), dtype="string", name="words")
    lookup = keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")(words)
    hidden = keras.layers.Concatenate()([numbers, keras.layers.Flatten()(lookup)])
    label = keras.layers.Dense(2, activation="softmax", name="label")(hidden)
    amount = keras.layers.Dense(1, name="amount")(hidden)
    model = keras.Model([numbers, words], [label, amount])
    model.compile("adam", ["sparse_categorical_crossentropy", "mse"])
    return model


@pytest.mark.parametrize("inputs_as", ["list", "dict"])
def test_a_real_fit_takes_several_inputs_heads_weights_and_strings(inputs_as):
    rng = np.random.default_rng(0)
    numbers = rng.normal(size=(32, 3)).astype("float32")
    words = rng.choice(np.array(["a", "b", "c"], dtype=object), size=(32, 1))
    x = [numbers, words] if inputs_as == "list" else {"numbers": numbers, "words": words}
    y = [rng.integers(0, 2, 32), rng.normal(size=(32, 1)).astype("float32")]
    weights = [np.ones(32, "float32"), np.full(32, 0.5, "float32")]
    model = _two_input_two_head_model()

    history = model.fit(
        **fit_arguments(x, y, sample_weight=weights, validation_data=(x, y), batch_size=8,
                        seed=1),
        epochs=2, verbose=0,
    )

    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["val_loss"]).all()
