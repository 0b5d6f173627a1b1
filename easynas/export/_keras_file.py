"""The native `.keras` file export."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

__all__ = ["export_keras"]


def export_keras(model: keras.Model, path: str, *, overwrite: bool = False) -> str:
    """Save `model` to a `.keras` file, atomically, and check it loads.

    Raises:
        ValueError: If `path` does not end in `.keras`.
        FileExistsError: If `path` exists and `overwrite` is False.
    """
    import keras

    if not str(path).endswith(".keras"):
        raise ValueError(f"A Keras export path must end in '.keras'. Received: path={path!r}")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path!r} already exists; pass overwrite=True to replace it.")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".easynas-export-", dir=parent)
    try:
        temporary = os.path.join(staging, os.path.basename(path))
        model.save(temporary)
        keras.saving.load_model(temporary, compile=False)
        os.replace(temporary, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path
