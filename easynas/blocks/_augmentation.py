"""ImageAugmentation: random image transforms, active in training only."""

from __future__ import annotations

import numbers
import zlib
from typing import Any

import keras

from easynas.blocks import _checks
from easynas.blocks._base import Block, check_searchable

__all__ = ["ImageAugmentation"]

# RandomContrast clips its output to a value range; the block sees standardised
# pixels (any sign), so the range is made wide enough never to clip.
_NO_CLIP = (-1e9, 1e9)


@keras.saving.register_keras_serializable(package="easynas")
class ImageAugmentation(Block):
    """Random translation, flips, rotation, contrast and zoom of images.

    Only stock Keras random layers are used. They change images in training
    only: `fit` applies them; `predict`, `evaluate`, any call with
    `training=False` and easynas' exports pass images through unchanged.
    Beware that Keras' random layers default to `training=True`, so a bare
    `model(x)` call, or Keras' own `model.export()`, does apply them; call
    `model(x, training=False)`. A factor of 0 (or a flip
    set to False) leaves its layer out. The first candidate is mild and safe
    for any image: a 10% translation, nothing else. Flips come off by default
    because they break digits and text.

    Args:
        translation: Largest shift, as a fraction of the height and of the
            width. Searched in {0.1, 0, 0.2}, 0.1 first.
        horizontal_flip: Flip left-right at random. Searched, False first.
        vertical_flip: Flip upside-down at random. Searched, False first.
        rotation: Largest rotation, as a fraction of a full turn. Searched in
            {0, 0.05, 0.1}, 0 first.
        contrast: Largest contrast change, as a fraction. Searched in
            {0, 0.1, 0.2}, 0 first.
        zoom: Largest zoom in or out, as a fraction of the size. Searched in
            {0, 0.1, 0.2}, 0 first.
        seed: Seed of the random layers (each layer gets its own, derived from
            it). None derives one from the block's name, so a build is
            repeatable either way. Never searched.
        name: See `Block`.

    Example:

    >>> import easynas as en
    >>> node = en.blocks.ImageAugmentation(rotation=0.05)(en.ImageInput())
    """

    def __init__(
        self,
        translation: float | list[float] | None = None,
        horizontal_flip: bool | list[bool] | None = None,
        vertical_flip: bool | list[bool] | None = None,
        rotation: float | list[float] | None = None,
        contrast: float | list[float] | None = None,
        zoom: float | list[float] | None = None,
        seed: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        owner = type(self).__name__
        fraction = "a float in [0, 1)"
        check_searchable(owner, "translation", translation, _checks.fraction, fraction)
        check_searchable(owner, "horizontal_flip", horizontal_flip, _checks.boolean, "a bool")
        check_searchable(owner, "vertical_flip", vertical_flip, _checks.boolean, "a bool")
        check_searchable(owner, "rotation", rotation, _checks.fraction, fraction)
        check_searchable(owner, "contrast", contrast, _checks.fraction, fraction)
        check_searchable(owner, "zoom", zoom, _checks.fraction, fraction)
        if seed is not None and not (
            isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0
        ):
            raise ValueError(
                f"Argument `seed` of {owner} must be a non-negative int or None. "
                f"Received: seed={seed!r}"
            )
        self.translation = translation
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rotation = rotation
        self.contrast = contrast
        self.zoom = zoom
        self.seed = seed

    def build(self, hp, inputs: list[Any]) -> Any:
        (x,) = inputs
        if len(x.shape) != 4:
            raise ValueError(
                f"{type(self).__name__} needs images of shape (batch, height, width, "
                f"channels). Received: a tensor of shape {tuple(x.shape)}"
            )
        translation = float(self.searched(hp, "translation", [0.1, 0.0, 0.2], default=0.1))
        horizontal_flip = bool(self.searched(hp, "horizontal_flip", [False, True], default=False))
        vertical_flip = bool(self.searched(hp, "vertical_flip", [False, True], default=False))
        rotation = float(self.searched(hp, "rotation", [0.0, 0.05, 0.1], default=0.0))
        contrast = float(self.searched(hp, "contrast", [0.0, 0.1, 0.2], default=0.0))
        zoom = float(self.searched(hp, "zoom", [0.0, 0.1, 0.2], default=0.0))

        base = self.seed if self.seed is not None else zlib.crc32(self.layer_name().encode())

        def seed(offset: int) -> int:
            return int((base + offset) % 2**31)

        if translation > 0:
            x = keras.layers.RandomTranslation(
                translation, translation, seed=seed(0), name=self.layer_name("translation")
            )(x)
        if horizontal_flip:
            x = keras.layers.RandomFlip(
                "horizontal", seed=seed(1), name=self.layer_name("horizontal_flip")
            )(x)
        if vertical_flip:
            x = keras.layers.RandomFlip(
                "vertical", seed=seed(2), name=self.layer_name("vertical_flip")
            )(x)
        if rotation > 0:
            x = keras.layers.RandomRotation(
                rotation, seed=seed(3), name=self.layer_name("rotation")
            )(x)
        if contrast > 0:
            x = keras.layers.RandomContrast(
                contrast, value_range=_NO_CLIP, seed=seed(4), name=self.layer_name("contrast")
            )(x)
        if zoom > 0:
            x = keras.layers.RandomZoom(zoom, seed=seed(5), name=self.layer_name("zoom"))(x)
        return x
