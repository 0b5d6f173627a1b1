"""A tiny mixed table and helpers to build tabular blocks on a real `TabularInput`."""

from __future__ import annotations

import math
from typing import Any

import keras
import keras_tuner as kt
import numpy as np
import pandas as pd

from easynas.blocks import Block
from easynas.graph import TabularInput


def mixed_table(seed: int, rows: int = 16) -> pd.DataFrame:
    """Numeric (with a gap), categorical (with a gap), boolean, datetime and text columns."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.integers(18, 80, rows).astype(float),
        "colour": rng.choice(["red", "green", "blue"], rows).astype(object),
        "member": rng.random(rows) > 0.5,
        "joined": pd.Series(pd.Timestamp("2020-01-01")
                            + pd.to_timedelta(rng.integers(0, 900, rows), "D")),
        "review": [f"room {w} and staff {v} overall" for w, v in
                   zip(rng.choice(["clean", "dirty", "small"], rows),
                       rng.choice(["kind", "rude", "slow"], rows))],
    })
    frame.loc[1, "age"] = np.nan
    frame.loc[2, "colour"] = None
    return frame


def build_on_table(
    block: Block, frame: pd.DataFrame, values: dict[str, Any] | None = None
) -> tuple[kt.HyperParameters, keras.Model, list[np.ndarray], Any]:
    """Build `block` on the preprocessed output of a `TabularInput` fed `frame`.

    Returns:
        The hyperparameters after the build, a model from the raw columns to
        the block's output, the arrays to feed it, and the table's spec.
    """
    keras.backend.clear_session(free_memory=False)
    node = TabularInput(column_types={"review": "text"} if "review" in frame else None)
    table = node.read(frame, "x")
    spec = node.analyze(table, "x")
    inputs, features = node.build(spec, "table")
    hp = kt.HyperParameters()
    hp.values.update(values or {})
    if block.needs_input_specs:
        output = block.build(hp, [features], input_specs=[spec])
    else:
        output = block.build(hp, [features])
    return hp, keras.Model(inputs, output), node.conform(spec, table, "x"), spec


def trains_one_step(model: keras.Model, arrays: list[np.ndarray], seed: int) -> float:
    """One epoch of SGD on random labels: the loss is finite and the block's weights move."""
    outputs = keras.layers.Dense(3, activation="softmax", name="test_softmax")(model.output)
    classifier = keras.Model(model.inputs, outputs)
    classifier.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                       loss="sparse_categorical_crossentropy", run_eagerly=True)
    labels = np.random.default_rng(seed).integers(0, 3, len(arrays[0]))
    before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    loss = float(classifier.fit(arrays, labels, epochs=1, batch_size=8, verbose=0)
                 .history["loss"][-1])
    assert math.isfinite(loss)
    if before:
        after = keras.ops.convert_to_numpy(model.trainable_weights[0])
        name = model.trainable_weights[0].path
        assert not np.allclose(before[0], after), f"{name} did not train"
    return loss
