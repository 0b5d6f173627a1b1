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

# PIL modes with one (grey) channel, alpha aside.
_GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F")


def read_image_folder(path: str, argument: str = "x") -> tuple[np.ndarray, np.ndarray]:
    """Load `path/<class>/<image>` files into arrays.

    Images of different sizes are resized to the most common size (with a
    logged note). Greyscale images stay one channel unless colour images are
    mixed in; then all become RGB. Alpha channels are dropped. Hidden folders
    and files with other extensions are skipped.

    Args:
        path: The directory; each sub-folder's name is the class of its images.
        argument: Name of the argument in messages.

    Returns:
        `(images, labels)`: uint8 images `(n, H, W)` or `(n, H, W, 3)` and the
        class folder names (an object array of `str`), in folder then file
        name order.

    Raises:
        InvalidDataError: If there are no class folders, no images, or an
            image cannot be read.
    """
    from PIL import Image

    classes = sorted(
        d for d in os.listdir(path)
        if os.path.isdir(os.path.join(path, d)) and not d.startswith(".")
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
            if name.startswith(".") or not name.lower().endswith(IMAGE_EXTENSIONS):
                continue
            file = os.path.join(folder, name)
            try:
                with Image.open(file) as image:
                    image.load()
                    images.append(image.copy())
            except OSError as error:
                raise InvalidDataError(
                    f"{argument}: cannot read the image {file!r}: {error}"
                ) from None
            labels.append(label)
    if not images:
        raise InvalidDataError(
            f"{argument} is the directory {path!r}, whose class folders hold no images with "
            f"extensions {IMAGE_EXTENSIONS}."
        )
    grey = all(image.mode in _GREY_MODES for image in images)
    mode = "L" if grey else "RGB"
    size = Counter(image.size for image in images).most_common(1)[0][0]
    resized = sum(image.size != size for image in images)
    if resized:
        logger.info("Resized %d of %d images to %dx%d (width x height).", resized, len(images),
                    *size)
    arrays = [np.asarray(_convert(image, mode).resize(size)) for image in images]
    return np.stack(arrays).astype(np.uint8), np.asarray(labels, dtype=object)


def _convert(image, mode: str):
    """`image` in `mode` ("L" or "RGB"); 16-bit grey is scaled to 8 bits, not clipped."""
    if image.mode.startswith("I;16") and mode == "L":
        from PIL import Image

        values = np.asarray(image, dtype=np.uint32)
        return Image.fromarray(((values * 255 + 32767) // 65535).astype(np.uint8))
    return image.convert(mode)
