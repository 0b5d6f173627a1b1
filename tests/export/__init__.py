"""Helpers shared by the export tests: tiny real data and one-trial fits."""

from __future__ import annotations

import hashlib
import os

import numpy as np

import easynas as en
from easynas.blocks import ConvBlock, ImageAugmentation

SEED = int(os.environ.get("EASYNAS_TEST_SEED", "42"))


def tiny_digits() -> tuple[np.ndarray, np.ndarray]:
    """64 real 8x8 digit images (uint8, 0-16) and their int labels (as the `digits` fixture)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images[:64].astype(np.uint8), data.target[:64].astype(np.int64)


def fit_tiny(x, y, directory, *, regression: bool = False, augment: bool = False) -> en.AutoModel:
    """A one-trial, one-epoch, silent search over a one-layer conv net.

    With `augment`, every stock random augmentation layer comes first: they must
    export as the identity.
    """
    image = en.ImageInput()
    features = image
    if augment:
        features = ImageAugmentation(translation=0.1, horizontal_flip=True, vertical_flip=True,
                                     rotation=0.05, contrast=0.1, zoom=0.1)(features)
    features = ConvBlock(num_blocks=1, num_layers=1, filters=8)(features)
    head = (en.RegressionHead() if regression else en.ClassificationHead())(features)
    model = en.AutoModel(
        image, head, search="random", max_trials=1, epochs=1, batch_size=16, verbose=0,
        seed=SEED, directory=str(directory),
    )
    return model.fit(x, y)


def tree_digest(folder) -> dict[str, str]:
    """The sha256 of every file under `folder`, by relative path."""
    digests = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                digests[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return digests


def staging_leftovers(folder) -> list[str]:
    """Export staging folders or files left anywhere under `folder`."""
    found = []
    for root, dirs, files in os.walk(folder):
        found += [os.path.join(root, n) for n in dirs + files if n.startswith(".easynas-export-")]
    return found
