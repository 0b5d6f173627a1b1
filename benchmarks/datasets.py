"""Real data sets that load with no network, cached under benchmarks/_cache/.

Fashion-MNIST comes from the Debian package `dataset-fashion-mnist` (IDX files in
/usr/share/datasets/fashion-mnist/); the 8x8 digits ship with scikit-learn.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from easynas.datasets import DatasetUnavailable  # one class for every loader

__all__ = [
    "CACHE_DIR",
    "DatasetUnavailable",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_DIR",
    "load_digits_split",
    "load_fashion_mnist",
    "read_idx",
    "stratified_subset",
]

CACHE_DIR = Path(__file__).resolve().parent / "_cache"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_PACKAGE = "dataset-fashion-mnist"
FASHION_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}




def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped or not), such as MNIST's or Fashion-MNIST's.

    The header is two zero bytes, a type code, the number of dimensions `d`,
    then `d` big-endian uint32 sizes; the data follow (for the usual uint8
    files that is offset 16 for images and 8 for labels).

    Args:
        path: The `.gz` or raw IDX file.

    Returns:
        An array of the shape and type the header gives.

    Raises:
        ValueError: If the file is not a well-formed IDX file.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        buf = f.read()
    if len(buf) < 4 or buf[0] != 0 or buf[1] != 0 or buf[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {buf[:4]!r}).")
    ndim = buf[3]
    offset = 4 + 4 * ndim
    if len(buf) < offset:
        raise ValueError(f"{path} is truncated: its header needs {offset} bytes.")
    shape = tuple(int(s) for s in np.frombuffer(buf, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[buf[2]])
    count = int(np.prod(shape)) if shape else 1
    if len(buf) - offset != count * dtype.itemsize:
        raise ValueError(
            f"{path} holds {len(buf) - offset} data bytes; its header {shape} needs "
            f"{count * dtype.itemsize}."
        )
    return np.frombuffer(buf, dtype, count=count, offset=offset).reshape(shape).astype(
        dtype.newbyteorder("=")
    )


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _install_fashion_mnist() -> None:
    """`apt-get install` the Debian package (running `apt-get update` first if needed)."""
    if shutil.which("apt-get") is None:
        raise DatasetUnavailable(
            f"Fashion-MNIST is not in {FASHION_MNIST_DIR} and this machine has no apt-get. "
            f"Copy the four IDX files ({', '.join(FASHION_MNIST_FILES.values())}) there."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", FASHION_MNIST_PACKAGE]
    print(f"Fashion-MNIST missing; running: {' '.join(install)}", flush=True)
    if subprocess.run(install, env=env, check=False).returncode != 0:
        print("Retrying after: apt-get update", flush=True)
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        result = subprocess.run(install, env=env, check=False)
        if result.returncode != 0:
            raise DatasetUnavailable(
                f"`{' '.join(install)}` failed (exit {result.returncode}); Fashion-MNIST "
                "could not be installed. Check that the Debian archive is reachable."
            )


def load_fashion_mnist(
    *, install: bool = True, cache: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fashion-MNIST: 60000 train and 10000 test 28x28 uint8 images, 10 classes.

    Reads the Debian package's IDX files; if they are missing and we run as
    root, installs the package first. The decoded arrays are cached as
    `benchmarks/_cache/fashion_mnist.npz`.

    Args:
        install: Allow `apt-get install` when the files are missing (root only).
        cache: Read and write the `.npz` cache.

    Returns:
        `(x_train, y_train, x_test, y_test)`: images `(n, 28, 28)` uint8 and
        labels `(n,)` uint8 (class names in `FASHION_MNIST_CLASSES`).

    Raises:
        DatasetUnavailable: If the files are missing and cannot be installed.
    """
    cached = CACHE_DIR / "fashion_mnist.npz"
    if cache and cached.exists():
        with np.load(cached) as data:
            return data["x_train"], data["y_train"], data["x_test"], data["y_test"]
    paths = {key: FASHION_MNIST_DIR / name for key, name in FASHION_MNIST_FILES.items()}
    if not all(p.exists() for p in paths.values()):
        if not install or not _is_root():
            raise DatasetUnavailable(
                f"Fashion-MNIST is not installed (looked for {FASHION_MNIST_DIR}/*.gz). "
                f"Install it with `sudo apt-get install -y {FASHION_MNIST_PACKAGE}` "
                "(Debian/Ubuntu), then run again."
            )
        _install_fashion_mnist()
        missing = [str(p) for p in paths.values() if not p.exists()]
        if missing:
            raise DatasetUnavailable(
                f"{FASHION_MNIST_PACKAGE} is installed but these files are missing: {missing}."
            )
    arrays = {key: read_idx(path) for key, path in paths.items()}
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 3 or len(x) != len(y):
            raise DatasetUnavailable(
                f"Fashion-MNIST {part} files disagree: images {x.shape}, labels {y.shape}."
            )
    if cache:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, cached)
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]


def load_digits_split(
    test_size: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits, in a fixed stratified train/test split.

    Args:
        test_size: Fraction held out for testing.
        seed: Seed of the split (the default gives the benchmarks' fixed split).

    Returns:
        `(x_train, y_train, x_test, y_test)`: images `(n, 8, 8)` uint8 with
        values 0-16, labels `(n,)` int64.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = data.images.astype(np.uint8)
    y = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    return x_train, y_train, x_test, y_test


def stratified_subset(
    x: np.ndarray, y: np.ndarray, size: int | None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded, class-stratified subset of `size` samples (all of them if None or larger)."""
    if size is None or size >= len(y):
        return x, y
    from sklearn.model_selection import train_test_split

    index, _ = train_test_split(
        np.arange(len(y)), train_size=size, random_state=seed, stratify=y
    )
    index = np.sort(index)
    return x[index], y[index]
