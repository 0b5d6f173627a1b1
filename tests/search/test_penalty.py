"""val_loss without the weight penalty: candidates with and without one rank on the data loss."""

import keras
import numpy as np
import pytest

from easynas.search._penalty import DataValLoss, penalty


def _fit(callbacks):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2, activation="softmax",
                                 kernel_regularizer=keras.regularizers.L2(0.05))(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    history = model.fit(x[:32], y[:32], validation_data=(x[32:], y[32:]), epochs=2,
                        batch_size=16, verbose=0, callbacks=callbacks)
    probabilities = model.predict(x[32:], verbose=0)
    data_loss = float(-np.mean(np.log(probabilities[np.arange(16), y[32:]])))
    return history.history["val_loss"][-1], data_loss, model


def test_data_val_loss_takes_the_weight_penalty_off_val_loss():
    keras_val_loss, data_loss, model = _fit([])
    assert penalty(model) > 0.01
    # Keras' own val_loss carries the penalty ...
    assert keras_val_loss == pytest.approx(data_loss + penalty(model), rel=1e-4)
    # ... which DataValLoss removes, for every callback and the history after it.
    corrected, data_loss, _ = _fit([DataValLoss()])
    assert corrected == pytest.approx(data_loss, rel=1e-4)


def test_penalty_is_zero_without_regularisers():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert penalty(model) == 0.0
