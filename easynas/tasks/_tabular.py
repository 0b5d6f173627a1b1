"""TabularClassifier and TabularRegressor: a table of mixed columns in, a searched network out."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

from easynas import _finalists as finalists
from easynas._estimator import SearchEstimator
from easynas._validation import NONE, InstanceOf, Interval, Options, Satisfies
from easynas.blocks import TabularBlock
from easynas.graph._graph import LEARNING_RATE, Graph
from easynas.graph._heads import L2, ClassificationHead, RegressionHead
from easynas.graph._tabular_input import TabularInput
from easynas.tasks._classifier import TaskClassifierMixin

__all__ = ["TabularClassifier", "TabularRegressor"]

# Known-good first candidates for the greedy strategy, by hyperparameter name.
# A linear model on one-hot categories comes first: on small tables it is the
# model to beat, and the search must never lose to it. Its output kernel has
# an L2 penalty (`L2`, under the head's scope); solved exactly, it
# chooses the penalty's strength by 5-fold cross-validation (the heads'
# `l2_cv`), and the preset's 1e-3 (about scikit-learn's LogisticRegression /
# Ridge defaults on a few hundred rows) is what it trains with when the
# solver cannot take it. The same linear model on piecewise-linear encoded
# numeric columns (an additive piecewise-linear model: strong on heavy-tailed
# columns), a small MLP, the same MLP on piecewise-linear encodings, the
# feature-token transformer and a wider regularised MLP follow. On a table
# without numeric bin edges the piecewise-linear presets repeat earlier ones
# and are skipped.
PENALTY_FOLDS = 5
_LINEAR = {"tabular_block/block_type": "mlp", "tabular_block/mlp/num_layers": 0,
           "tabular_block/encoding/encoding": "one_hot", LEARNING_RATE: 1e-2}
_MLP = {"tabular_block/block_type": "mlp", "tabular_block/mlp/num_layers": 2,
        "tabular_block/mlp/units": 64, "tabular_block/encoding/encoding": "embedding"}
_PIECEWISE = {"tabular_block/encoding/numeric": "piecewise_linear"}
_TABULAR_PRESETS = [
    {**_LINEAR, L2: 1e-3},
    {**_LINEAR, **_PIECEWISE, L2: 1e-3},
    _MLP,
    {**_MLP, **_PIECEWISE},
    {"tabular_block/block_type": "transformer"},
    {"tabular_block/block_type": "mlp", "tabular_block/mlp/num_layers": 3,
     "tabular_block/mlp/units": 256, "tabular_block/mlp/dropout": 0.25,
     "tabular_block/mlp/batch_norm": True, "tabular_block/encoding/encoding": "one_hot"},
]


def _valid_column_names(value: Any) -> bool:
    TabularInput(column_names=value)
    return True


def _valid_column_types(value: Any) -> bool:
    TabularInput(column_types=value)
    return True


class _TabularTask(SearchEstimator):
    _parameter_constraints = {
        **SearchEstimator._parameter_constraints,
        "column_names": [NONE, Satisfies(_valid_column_names, "a list of distinct column names")],
        "column_types": [NONE, Satisfies(
            _valid_column_types, "a dict of column name -> 'numeric', 'categorical', "
            "'boolean', 'datetime' or 'text'")],
        "finalists_cv": [Options((True, False, "auto")), Interval(int, 2, None)],
        "ensemble": [InstanceOf(bool)],
    }

    def __init__(
        self,
        *,
        column_names: list[str] | None = None,
        column_types: dict[str, str] | None = None,
        search: Any = "greedy",
        max_trials: int = 10,
        time_budget: float | str | None = None,
        trial_time_limit: float | str | None = None,
        trial_isolation: str = "auto",
        epochs: int = 20,
        patience: int = 3,
        batch_size: int = 32,
        validation_split: float = 0.2,
        refit: bool | str = "auto",
        finalists_cv: bool | str | int = "auto",
        ensemble: bool = True,
        objective: str | tuple[str, str] = "val_loss",
        directory: str | None = None,
        project_name: str | None = None,
        overwrite: bool = False,
        seed: int | None = None,
        verbose: int = 1,
        max_params: int | None = None,
        max_latency_ms: float | None = None,
        max_size_mb: float | None = None,
        objectives: list[str] | None = None,
        measure_tflite: bool = False,
        n_parallel_trials: int = 1,
        distribution_strategy: str | None = None,
        screening: str | dict[str, Any] | None = None,
    ) -> None:
        self.column_names = column_names
        self.column_types = column_types
        self.search = search
        self.max_trials = max_trials
        self.time_budget = time_budget
        self.trial_time_limit = trial_time_limit
        self.trial_isolation = trial_isolation
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.refit = refit
        self.finalists_cv = finalists_cv
        self.ensemble = ensemble
        self.objective = objective
        self.directory = directory
        self.project_name = project_name
        self.overwrite = overwrite
        self.seed = seed
        self.verbose = verbose
        self.max_params = max_params
        self.max_latency_ms = max_latency_ms
        self.max_size_mb = max_size_mb
        self.objectives = objectives
        self.measure_tflite = measure_tflite
        self.n_parallel_trials = n_parallel_trials
        self.distribution_strategy = distribution_strategy
        self.screening = screening

    def _initial_values(self, graph: Graph) -> list[dict[str, Any]]:
        head = graph.outputs[0]
        return [{f"{head}/{k}" if k == L2 else k: value for k, value in p.items()}
                for p in _TABULAR_PRESETS]

    def _finalist_folds(self, rows: int, validation_given: bool) -> int:
        return finalists.folds_for(self.finalists_cv, rows, validation_given)

    def _ensembles(self) -> bool:
        return self.ensemble

    def _table_input(self) -> TabularInput:
        return TabularInput(column_names=self.column_names, column_types=self.column_types)

    @property
    def n_features_in_(self) -> int:
        """The number of columns the model was fitted on."""
        self._check_fitted("n_features_in_")
        return len(self.spec_.inputs[0].columns)

    @property
    def feature_names_in_(self) -> np.ndarray:
        """The fitted column names, in table order (an array fitted without
        `column_names` has columns "x0", "x1", ...)."""
        self._check_fitted("feature_names_in_")
        return np.asarray(self.spec_.inputs[0].column_names, dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    @property
    def column_types_(self) -> dict[str, str]:
        """The kind of every column (inferred or given), by name, in table order."""
        self._check_fitted("column_types_")
        return dict(self.spec_.inputs[0].column_kinds)


class TabularClassifier(TaskClassifierMixin, _TabularTask):
    """Find a network that classifies the rows of a table.

    Takes a pandas DataFrame, a 2-D NumPy array (name its columns with
    `column_names`) or a CSV path with the target column named in `y`
    (`fit("train.csv", y="income")`; `fit(frame, y="income")` works too).
    Columns may be numeric, categorical (strings or ints), boolean,
    datetime or free text, with missing values (NaN / None); each column's
    kind is inferred and may be set in `column_types`. All encoding lives in
    the model (see `easynas.TabularInput`), so `export` writes a SavedModel
    whose signature takes one tensor per raw column. The search space is
    `TabularBlock` (a linear model, MLPs on one-hot or embedded categories,
    a feature-token transformer) into a `ClassificationHead` whose output
    kernel has a searched L2 penalty (`l2` in {0, 1e-4, 1e-3, 1e-2}); the
    greedy search tries an L2-regularised linear model (logistic
    regression) first. Such linear candidates are solved exactly (L-BFGS
    on the same loss) rather than trained by gradient descent, with the
    penalty's strength chosen by 5-fold cross-validation on the training
    rows (as `LogisticRegressionCV` does).

    At `predict`, columns are matched by name in any order; columns the model
    was not fitted on are ignored with an `EasyNASWarning`. A missing column,
    a value that does not fit its column's kind (text in a numeric column),
    a target column that is absent or has missing values, a column with no
    values at all and a table of one row raise `InvalidDataError` before
    training, naming the column. Unseen categories and missing values work
    at `predict` (and in the export).

    Args:
        column_names: Names of an array's columns (DataFrames use their own).
        column_types: Column kinds that override inference, e.g.
            `{"zip": "categorical"}`; kinds are "numeric", "categorical",
            "boolean", "datetime" and "text".
        class_weight: None (every class weighs 1), "balanced" (each class
            weighs `n / (classes * its count)`, counted on all of `y`) or a
            dict of label -> weight (labels left out weigh 1). It multiplies
            `fit`'s `sample_weight`, and weighs the validation loss that
            ranks candidates too.
        multi_label: True for several labels per row; None infers it from `y`.
        finalists_cv: Re-rank three finalists (the search's best, the
            trial with the fewest parameters, the next best) by 5-fold
            cross-validation on training + validation data before the refit
            (stratified for classification, seeded): each is trained afresh
            on every 4/5 for its best epoch count and scored on the 1/5 left
            out (the objective, the loss without any weight penalty), and the
            best mean wins. A single small validation split ranks good
            candidates almost at random; this costs 15 short fits. "auto"
            (the default) does it for tables under 2,000 rows (training +
            validation) when `validation_data` is not given; True always
            (also with `validation_data`: its rows join the folds); an int
            k >= 2 always, with k folds; False never. The time comes from
            `time_budget`: the search holds it back for the current
            finalists (fewer folds, down to 2, when five do not fit), and
            when too little is left for two of them the CV is skipped
            (logged). The fold scores are in
            `finalists_`, the leaderboard's `cv_score` column and the
            project's `easynas_result.json`.
        ensemble: After a finalist CV, deploy a weighted average of the
            finalists when it wins the CV's one-standard-error rule as one
            more finalist with all its members' parameters, i.e. beats
            every single network by more than a standard error over the
            folds (True, the default); or always one network (False). The
            weights come from greedy selection with replacement in
            twentieths on the finalists' out-of-fold predictions (Caruana
            et al., 2004); the members
            are refitted like a single winner, and the mix is one flat
            Keras model that predicts, saves and exports like any other.
            `ensemble_` holds the weights and scores (None when one
            network is deployed); the leaderboard gains `ensemble_weight`.
            Without a finalist CV there are no out-of-fold predictions to
            weigh, and one network is deployed.
        **others: Every other argument is AutoModel's (see `easynas.AutoModel`).

    Example:

    >>> import easynas as en
    >>> clf = en.TabularClassifier(max_trials=3, column_types={"zip": "categorical"})
    """

    _parameter_constraints = {
        **_TabularTask._parameter_constraints,
        "class_weight": [NONE, Options(("balanced",)), InstanceOf(dict, "a dict")],
        "multi_label": [NONE, InstanceOf(bool)],
    }

    def __init__(self, *, column_names: list[str] | None = None,
                 column_types: dict[str, str] | None = None,
                 class_weight: str | dict[Any, float] | None = None,
                 multi_label: bool | None = None, search: Any = "greedy", max_trials: int = 10,
                 time_budget: float | str | None = None,
                 trial_time_limit: float | str | None = None, trial_isolation: str = "auto",
                 epochs: int = 20, patience: int = 3,
                 batch_size: int = 32, validation_split: float = 0.2,
                 refit: bool | str = "auto", finalists_cv: bool | str | int = "auto",
                 ensemble: bool = True,
                 objective: str | tuple[str, str] = "val_loss",
                 directory: str | None = None,
                 project_name: str | None = None, overwrite: bool = False,
                 seed: int | None = None, verbose: int = 1,
                 max_params: int | None = None, max_latency_ms: float | None = None,
                 max_size_mb: float | None = None, objectives: list[str] | None = None,
                 measure_tflite: bool = False,
                 n_parallel_trials: int = 1,
                 distribution_strategy: str | None = None,
                 screening: str | dict[str, Any] | None = None) -> None:
        super().__init__(
            column_names=column_names, column_types=column_types, search=search,
            max_trials=max_trials, time_budget=time_budget,
            trial_time_limit=trial_time_limit, trial_isolation=trial_isolation, epochs=epochs,
            patience=patience,
            batch_size=batch_size, validation_split=validation_split, refit=refit,
            finalists_cv=finalists_cv, ensemble=ensemble, objective=objective,
            directory=directory,
            project_name=project_name,
            overwrite=overwrite, seed=seed, verbose=verbose,
            max_params=max_params, max_latency_ms=max_latency_ms, max_size_mb=max_size_mb,
            objectives=objectives, measure_tflite=measure_tflite,
            n_parallel_trials=n_parallel_trials,
            distribution_strategy=distribution_strategy,
            screening=screening,
        )
        self.class_weight = class_weight
        self.multi_label = multi_label

    def _class_weight(self) -> str | dict[Any, float] | None:
        return self.class_weight

    def _make_graph(self) -> Graph:
        table = self._table_input()
        head = ClassificationHead(multi_label=self.multi_label, l2=None,
                                  l2_cv=PENALTY_FOLDS)(TabularBlock()(table))
        return Graph.from_nodes(table, head)


class TabularRegressor(RegressorMixin, _TabularTask):
    """Find a network that predicts numbers from the rows of a table.

    Takes the same tables as `TabularClassifier` (and raises the same
    errors); targets may be `(n,)` or `(n, k)`, and predictions come back in
    the same shape and units. The search space is `TabularBlock` into a
    `RegressionHead` with a searched L2 penalty on its output kernel; the
    greedy search tries an L2-regularised linear model (ridge regression)
    first, solved exactly like the classifier's (its penalty chosen by
    5-fold cross-validation, as `RidgeCV` can).

    Args:
        column_names: See `TabularClassifier`.
        column_types: See `TabularClassifier`.
        finalists_cv: See `TabularClassifier`.
        ensemble: See `TabularClassifier`.
        **others: Every other argument is AutoModel's (see `easynas.AutoModel`).

    Example:

    >>> import easynas as en
    >>> reg = en.TabularRegressor(max_trials=3, time_budget="2min")
    """

    def _make_graph(self) -> Graph:
        table = self._table_input()
        head = RegressionHead(l2=None, l2_cv=PENALTY_FOLDS)(TabularBlock()(table))
        return Graph.from_nodes(table, head)
