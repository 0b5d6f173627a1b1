"""Stock Keras layers with the settings every easynas block shares."""

from __future__ import annotations

import keras

__all__ = ["BATCH_NORM_MOMENTUM", "normalization_layer"]

# Keras' default (0.99) needs thousands of steps before the moving statistics
# used at inference match the data; candidates in a search train for a few
# hundred, and with 0.99 they predict near chance in inference mode.
BATCH_NORM_MOMENTUM = 0.9


def normalization_layer(name: str) -> keras.layers.BatchNormalization:
    """A BatchNormalization layer whose inference statistics settle quickly."""
    return keras.layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM, name=name)
