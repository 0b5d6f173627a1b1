"""Fixed reference models trained next to each search, so that results stay
comparable on a noisy machine (compare ratios, not raw seconds).

A baseline is plain Keras: no easynas code runs in it.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

__all__ = ["small_cnn", "train_within_budget"]


def small_cnn(input_shape: tuple[int, ...], num_classes: int, scale: float) -> Any:
    """Two 3x3 conv layers (32, 64 filters, each with 2x2 max-pooling) and a dense layer.

    Args:
        input_shape: `(H, W, C)`.
        num_classes: Output classes (softmax).
        scale: Multiplies the raw pixels (1/255 for uint8 images).

    Returns:
        A compiled `keras.Model` (Adam 1e-3, sparse categorical cross-entropy, accuracy).
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Rescaling(scale),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(128, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="baseline_small_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _callbacks(budget_s: float, patience: int):
    import keras

    class Budget(keras.callbacks.Callback):
        """Stops at the end of the batch on which the wall-clock budget runs out;
        keeps the best epoch's weights (by val_loss) and restores them at the end."""

        def __init__(self) -> None:
            super().__init__()
            self.deadline = time.monotonic() + budget_s
            self.stopped_by_budget = False
            self.best = math.inf
            self.best_epoch: int | None = None
            self.weights = None
            self.epochs = 0
            self.fit_seconds = 0.0
            self._start = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            if time.monotonic() >= self.deadline:
                self.stopped_by_budget = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            self.fit_seconds += time.perf_counter() - self._start
            self.epochs += 1
            value = (logs or {}).get("val_loss")
            if value is not None and math.isfinite(value) and value < self.best:
                self.best, self.best_epoch = float(value), epoch
                self.weights = self.model.get_weights()

        def on_train_end(self, logs=None):
            if self.weights is not None:
                self.model.set_weights(self.weights)

    budget = Budget()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    return budget, [keras.callbacks.TerminateOnNaN(), stop, budget]


def train_within_budget(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    budget_s: float,
    seed: int,
    max_epochs: int = 1000,
    patience: int = 3,
    batch_size: int = 32,
    validation_split: float = 0.2,
) -> dict[str, Any]:
    """Train `small_cnn` for at most `budget_s` seconds with early stopping.

    The validation split is stratified and seeded like easynas' own, so both
    see the same amount of training data.

    Args:
        x_train, y_train: Images `(n, H, W)` or `(n, H, W, C)` and integer labels.
        x_test, y_test: The held-out test set.
        budget_s: Wall-clock seconds for the whole training (building included).
        seed: Seeds the split and the weights.
        max_epochs: Most epochs (early stopping or the budget usually ends it first).
        patience: Epochs without a better val_loss before stopping.
        batch_size: Batch size.
        validation_split: Fraction of the training data held out for early stopping.

    Returns:
        A dict: model, test_accuracy, wall_seconds, fit_seconds, epochs_run,
        best_epoch, params, stopped_by ("budget", "early_stopping" or "max_epochs").
    """
    import keras
    from sklearn.model_selection import train_test_split

    started = time.perf_counter()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    if x_train.ndim == 3:
        x_train, x_test = x_train[..., None], x_test[..., None]
    classes, y_codes = np.unique(y_train, return_inverse=True)
    fit_idx, val_idx = train_test_split(
        np.arange(len(y_codes)), test_size=validation_split, random_state=seed, stratify=y_codes
    )
    scale = 1.0 / max(float(np.max(x_train)), 1.0)
    model = small_cnn(tuple(x_train.shape[1:]), len(classes), scale)
    budget, callbacks = _callbacks(budget_s - (time.perf_counter() - started), patience)
    model.fit(
        x_train[fit_idx], y_codes[fit_idx],
        validation_data=(x_train[val_idx], y_codes[val_idx]),
        epochs=max_epochs, batch_size=batch_size, callbacks=callbacks, verbose=0,
    )
    wall = time.perf_counter() - started
    probabilities = model.predict(x_test, batch_size=256, verbose=0)
    predicted = classes[np.argmax(probabilities, axis=1)]
    if budget.stopped_by_budget:
        stopped_by = "budget"
    elif budget.epochs < max_epochs:
        stopped_by = "early_stopping"
    else:
        stopped_by = "max_epochs"
    result = {
        "model": model.name,
        "test_accuracy": float(np.mean(predicted == y_test)),
        "wall_seconds": wall,
        "fit_seconds": budget.fit_seconds,
        "epochs_run": budget.epochs,
        "best_epoch": budget.best_epoch,
        "params": int(model.count_params()),
        "stopped_by": stopped_by,
    }
    keras.backend.clear_session()
    return result
