"""Reading a directory of images with one sub-folder per class."""

from __future__ import annotations

import logging
import os
from collections import Counter

import numpy as np

from easynas.exceptions import InvalidDataError

logger = logging.getLogger(__name__)

__all__ = ["read_image_folder", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def read_image_folder(path: str, argument: str = "x") -> tuple[np.ndarray, np.ndarray]:
    """Load `path/<class>/<image>` files into arrays.

    Images of different sizes are resized to the most common size (with a
    logged note); greyscale stays one channel unless colour images are mixed in,
    in which case all become RGB.

    Returns:
        `(images, labels)`: uint8 images `(n, H, W)` or `(n, H, W, 3)` and the
        class folder names as strings.

    Raises:
        InvalidDataError: If there are no class folders or no readable images.
    """
    from PIL import Image

    classes = sorted(
        d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)) and not d.startswith(".")
    )
    if not classes:
        raise InvalidDataError(
            f"{argument} is the directory {path!r}, which must hold one sub-folder per class; "
            "it has none."
        )
    images, labels = [], []
    for label in classes:
        folder = os.path.join(path, label)
        for name in sorted(os.listdir(folder)):
            if not name.lower().endswith(IMAGE_EXTENSIONS):
                continue
            file = os.path.join(folder, name)
            try:
                with Image.open(file) as image:
                    image.load()
                    images.append(image.copy())
            except OSError as error:
                raise InvalidDataError(f"{argument}: cannot read the image {file!r}: {error}") from None
            labels.append(label)
    if not images:
        raise InvalidDataError(
            f"{argument} is the directory {path!r}, whose class folders hold no images with "
            f"extensions {IMAGE_EXTENSIONS}."
        )
    grey = all(image.mode in ("L", "1", "I;16", "I") for image in images)
    mode = "L" if grey else "RGB"
    size = Counter(image.size for image in images).most_common(1)[0][0]
    resized = sum(image.size != size for image in images)
    if resized:
        logger.info("Resized %d of %d images to %dx%d.", resized, len(images), *size)
    arrays = [
        np.asarray(image.convert(mode).resize(size) if image.size != size else image.convert(mode))
        for image in images
    ]
    return np.stack(arrays).astype(np.uint8), np.asarray(labels, dtype=object)
