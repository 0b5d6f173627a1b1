"""Turning what users pass as `x` and `y` into NumPy arrays, one per input or head.

Accepted: NumPy arrays and anything `np.asarray` reads, pandas Series and
DataFrames (a Series of equal-shape arrays is stacked), lists/tuples/dicts of
those for several inputs or heads, a `tf.data.Dataset` of `(x, y)` pairs
(batched or not), a directory of images (one sub-folder per class) and a
`.npz` file with `x` and `y` arrays.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from easynas.exceptions import InvalidDataError

__all__ = ["as_array", "check_lengths", "read_source", "take_rows", "to_arrays", "to_parts"]

# Unbatched datasets are read in batches of this many samples.
_READ_BATCH = 1024


def read_source(x: Any, y: Any, argument: str = "x") -> tuple[Any, Any]:
    """Materialise a data source that carries its own labels.

    Args:
        x: A `tf.data.Dataset` of `(inputs, targets)` pairs (or of inputs
            alone, for `predict`), a directory path of class folders, a
            `.npz` path, a `.csv` path (read as a DataFrame), or plain data
            (returned unchanged).
        y: Targets; must be None when `x` carries them. For a `.csv` path or
            a pandas DataFrame, a string names the target column, which is
            taken out of the table.
        argument: Name of `x` in messages.

    Returns:
        `(x, y)` as plain data; `y` is None for a dataset of inputs alone.

    Raises:
        InvalidDataError: If `y` is given as well as a source with labels, a
            path does not exist or cannot be read, a dataset is infinite
            or not made of `(inputs, targets)` pairs, or a named target
            column is absent or has missing values.
    """
    if isinstance(x, (str, os.PathLike)):
        path = os.fspath(x)
        if not os.path.exists(path):
            raise InvalidDataError(
                f"{argument} is the path {path!r}, which does not exist. (A single string is "
                "read as a path; pass documents as a list of strings.)"
            )
        if path.lower().endswith(".csv"):
            return _target_column(_read_csv(path, argument), y, argument)
        if y is not None:
            raise InvalidDataError(
                f"{argument} is a path, which carries its own labels; leave y=None. "
                f"Got y of type {type(y).__name__}."
            )
        if os.path.isdir(path):
            from easynas.data._image_folder import read_image_folder

            return read_image_folder(path, argument=argument)
        if path.lower().endswith(".npz"):
            return _read_npz(path, argument)
        raise InvalidDataError(
            f"{argument} must be a directory of class folders, a .npz or a .csv file. "
            f"Got {path!r}."
        )
    if _is_tf_dataset(x):
        if y is not None:
            raise InvalidDataError(
                f"{argument} is a tf.data.Dataset of (inputs, targets); leave y=None. "
                f"Got y of type {type(y).__name__}."
            )
        return _read_dataset(x, argument)
    if isinstance(y, str) and hasattr(x, "columns"):
        return _target_column(x, y, argument)
    return x, y


def to_arrays(data: Any, names: Sequence[str], argument: str) -> list[np.ndarray]:
    """One NumPy array per graph input (or head).

    Args:
        data: One array-like for a single input; a list/tuple in graph order
            or a dict keyed by name for several.
        names: The inputs' (or heads') names in graph order.
        argument: "x", "y", ... for messages.

    Returns:
        Arrays in graph order.

    Raises:
        InvalidDataError: On a missing or unknown name, a wrong count, a
            scalar, or samples of different shapes.
    """
    return [as_array(part, label) for part, label in to_parts(data, names, argument)]


def check_lengths(named_arrays: Sequence[tuple[str, np.ndarray]]) -> int:
    """Check all arrays have the same number of samples and return it.

    Args:
        named_arrays: `(argument name, array)` pairs.

    Returns:
        The common number of samples.

    Raises:
        InvalidDataError: If the lengths differ (naming each) or are zero.
    """
    lengths = {name: len(array) for name, array in named_arrays}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise InvalidDataError(
            f"Inputs and targets must have the same number of samples: {detail}."
        )
    (count,) = set(lengths.values())
    if count == 0:
        raise InvalidDataError(f"{named_arrays[0][0]} is empty; no samples to learn from.")
    return count


def to_parts(data: Any, names: Sequence[str], argument: str) -> list[tuple[Any, str]]:
    """Split `data` into one raw part per graph input (or head), unconverted.

    Args:
        data: One object for a single input; a list/tuple in graph order or a
            dict keyed by name for several.
        names: The inputs' (or heads') names in graph order.
        argument: "x", "y", ... for messages.

    Returns:
        `(part, label)` pairs in graph order; `label` names the part in
        messages ("x", "x['text']", "x[1]").

    Raises:
        InvalidDataError: On None, a missing or unknown name, or a wrong count.
    """
    if data is None:
        raise InvalidDataError(f"{argument} is missing (None).")
    # (A SciPy DOK sparse matrix is a dict of cells, not one part per input.)
    if isinstance(data, dict) and not hasattr(data, "toarray"):
        unknown = sorted(set(data) - set(names))
        missing = [n for n in names if n not in data]
        if unknown or missing:
            raise InvalidDataError(
                f"{argument} as a dict must have exactly the keys {list(names)}; "
                f"missing {missing}, unknown {unknown}."
            )
        return [(data[n], f"{argument}[{n!r}]") for n in names]
    if len(names) > 1:
        if not isinstance(data, (list, tuple)) or len(data) != len(names):
            raise InvalidDataError(
                f"{argument} must be a list of {len(names)} arrays (for {list(names)}) or a "
                f"dict keyed by those names. Got {type(data).__name__}."
            )
        return [(part, f"{argument}[{i}]") for i, part in enumerate(data)]
    return [(data, argument)]


def take_rows(data: Any, indices: np.ndarray) -> Any:
    """Rows `indices` of an array, or of a pandas object (renumbered from 0)."""
    if hasattr(data, "iloc"):
        return data.iloc[indices].reset_index(drop=True)
    return data[indices]


def as_array(part: Any, argument: str) -> np.ndarray:
    """`part` as a NumPy array of samples (see the module docstring for the forms).

    Raises:
        InvalidDataError: On a scalar, a Dataset inside a list or dict, or
            samples of different shapes.
    """
    if _is_tf_dataset(part):
        raise InvalidDataError(
            f"{argument} holds a tf.data.Dataset inside a list or dict; pass one Dataset of "
            "(inputs, targets) as x instead."
        )
    if hasattr(part, "to_numpy"):  # pandas Series / DataFrame
        array = np.asarray(part.to_numpy())
    elif hasattr(part, "numpy") and callable(part.numpy):  # tf / keras tensor
        array = np.asarray(part.numpy())
    elif np.isscalar(part):
        raise InvalidDataError(f"{argument} must be an array of samples. Got the scalar {part!r}.")
    else:
        try:
            array = np.asarray(part)
        except ValueError:
            array = _stack_samples(list(part), argument)
    if array.ndim == 0:
        raise InvalidDataError(f"{argument} must be an array of samples. Got {part!r}.")
    if array.dtype == object and array.ndim == 1 and len(array) and _all_arrays(array):
        array = _stack_samples(list(array), argument)
    return array


def _all_arrays(values: np.ndarray) -> bool:
    """Whether every element of an object array is itself an array or a list."""
    return all(isinstance(v, (np.ndarray, list, tuple)) for v in values)


def _stack_samples(samples: list, argument: str) -> np.ndarray:
    """Stack samples of one shape (a Series of images, a list of arrays)."""
    try:
        shapes = [np.shape(s) for s in samples]
    except ValueError:
        shapes = []
    first = shapes[0] if shapes else None
    for row, shape in enumerate(shapes):
        if shape != first:
            raise InvalidDataError(
                f"{argument} holds samples of different shapes: sample 0 is {first}, sample "
                f"{row} is {shape}. Give every sample one shape (resize images to one size)."
            )
    try:
        return np.stack([np.asarray(s) for s in samples])
    except (ValueError, TypeError) as error:
        raise InvalidDataError(
            f"{argument} could not be read as an array (ragged or mixed shapes?): {error}"
        ) from None


def _is_tf_dataset(value: Any) -> bool:
    return type(value).__module__.startswith("tensorflow") and hasattr(value, "element_spec")


def _read_dataset(dataset: Any, argument: str) -> tuple[Any, Any]:
    """Read a whole dataset into arrays (keeping dict / tuple structure of inputs)."""
    import tensorflow as tf

    if int(dataset.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
        raise InvalidDataError(
            f"{argument} is an infinite tf.data.Dataset (after .repeat()?); pass a finite one."
        )
    spec = dataset.element_spec
    if isinstance(spec, tuple) and len(spec) != 2:
        raise InvalidDataError(
            f"{argument} must be a tf.data.Dataset of (inputs, targets) pairs. Got elements "
            f"of {len(spec)} parts: {spec}."
        )
    paired = isinstance(spec, tuple)
    if not _is_batched(spec, paired):
        dataset = dataset.batch(_READ_BATCH)
    parts: list[list] = []
    for element in dataset.as_numpy_iterator():
        parts.append(tf.nest.flatten(element))
    if not parts:
        raise InvalidDataError(f"{argument} is an empty tf.data.Dataset.")
    try:
        columns = [np.concatenate(column) for column in zip(*parts)]
    except ValueError as error:
        raise InvalidDataError(
            f"{argument} holds batches that cannot be joined into arrays (samples of "
            f"different shapes?): {error}"
        ) from None
    element = tf.nest.pack_sequence_as(spec, columns)
    return (element[0], element[1]) if paired else (element, None)


def _is_batched(spec: Any, paired: bool) -> bool:
    """Whether a dataset's elements are batches rather than single samples.

    A dataset is batched when the first dimension of its first input is
    unknown (`.batch(n)`). With `.batch(n, drop_remainder=True)` that
    dimension is known; such a dataset of pairs counts as batched when every
    input and target has the same known first dimension and the targets are
    not scalars (single samples have scalar labels or, rarely, label vectors
    as long as the image is high).
    """
    import tensorflow as tf

    shapes = [s.shape for s in tf.nest.flatten(spec)]
    first = shapes[0]
    if first.rank is None:
        return True
    if first.rank > 0 and first[0] is None:
        return True
    if not paired or any(s.rank is None or s.rank == 0 for s in shapes):
        return False
    leading = {s[0] for s in shapes}
    return len(leading) == 1 and None not in leading


def _read_csv(path: str, argument: str) -> Any:
    import pandas as pd

    try:
        return pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise InvalidDataError(
            f"{argument} is the CSV file {path!r}, which cannot be read: {error}"
        ) from None


def _target_column(table: Any, y: Any, argument: str) -> tuple[Any, Any]:
    """`(table without the column y, that column)` when `y` names a column."""
    if not isinstance(y, str):
        return table, y
    columns = [str(c) for c in table.columns]
    if y not in columns:
        raise InvalidDataError(
            f"y names the target column {y!r}, which {argument} lacks. Its columns are "
            f"{columns}."
        )
    position = columns.index(y)
    target = table.iloc[:, position]
    missing = target.isna().to_numpy()
    if missing.any():
        rows = [int(r) for r in missing.nonzero()[0][:5]]
        raise InvalidDataError(
            f"The target column {y!r} has {int(missing.sum())} missing value(s) (rows "
            f"{rows}{', ...' if missing.sum() > 5 else ''}); drop those rows or fill them in."
        )
    return table.drop(columns=table.columns[position]), target.reset_index(drop=True)


def _read_npz(path: str, argument: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            if "x" not in archive or "y" not in archive:
                raise InvalidDataError(
                    f"{argument} is the .npz file {path!r}, which must hold arrays named 'x' "
                    f"and 'y'. It holds {sorted(archive.files)}."
                )
            return archive["x"], archive["y"]
    except InvalidDataError:
        raise
    except (ValueError, OSError) as error:
        raise InvalidDataError(
            f"{argument} is the .npz file {path!r}, which cannot be read ({error}). Object "
            "arrays need pickle, which easynas does not load: save labels as a str or int array."
        ) from None
