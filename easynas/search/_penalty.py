"""Ranking candidates on the data loss alone when some carry a weight penalty.

Keras adds every regularisation loss (`model.losses`, e.g. a head's L2
kernel penalty) to "loss" *and* to "val_loss". A candidate with a penalty
would then be ranked on its validation loss plus its weights' norm, against
candidates without one on their validation loss alone: an unfair race that
the penalised candidate loses even where it generalises better.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["DataValLoss", "penalty"]

VAL_LOSS = "val_loss"


def penalty(model: keras.Model) -> float:
    """The sum of the model's regularisation losses at its current weights (0 if none)."""
    losses = model.losses
    return float(ops.convert_to_numpy(ops.sum(ops.stack(losses)))) if losses else 0.0


class DataValLoss(keras.callbacks.Callback):
    """Takes the weight penalty off "val_loss" at each epoch's end.

    The weights do not change between the validation pass and the end of
    the epoch, so the value left is exactly the validation data loss.
    Callbacks after this one (early stopping, best-epoch tracking, History
    and so the trial's metrics) see the corrected value. Place it first.
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None and VAL_LOSS in logs:
            extra = penalty(self.model)
            if extra:
                logs[VAL_LOSS] = float(logs[VAL_LOSS]) - extra
