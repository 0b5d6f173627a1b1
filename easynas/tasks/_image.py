"""ImageClassifier and ImageRegressor: presets over AutoModel's machinery."""

from __future__ import annotations

from typing import Any

from sklearn.base import RegressorMixin

from easynas._estimator import SearchEstimator
from easynas._validation import NONE, InstanceOf
from easynas.blocks import ImageBlock
from easynas.graph._graph import Graph
from easynas.graph._heads import ClassificationHead, RegressionHead
from easynas.graph._inputs import ImageInput
from easynas.tasks._classifier import TaskClassifierMixin

__all__ = ["ImageClassifier", "ImageRegressor"]

# Known-good first candidates for the greedy strategy, by hyperparameter name
# (the rest of each candidate takes the blocks' defaults).
_IMAGE_PRESETS = [
    {"image_block/block_type": "conv"},
    {"image_block/block_type": "resnet"},
    {"image_block/block_type": "mbconv"},
    {"image_block/block_type": "conv", "image_block/augment": True},
]


class _ImageTask(SearchEstimator):
    def __init__(
        self,
        *,
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
        return [dict(p) for p in _IMAGE_PRESETS]


class ImageClassifier(TaskClassifierMixin, _ImageTask):
    """Find a network that classifies images.

    Takes images of any size and channel count (`(n, H, W)` or `(n, H, W, C)`,
    uint8 or float), labels of any type, one-hot or multi-label matrices. The
    search space is `ImageBlock` (conv, ResNet or MBConv stacks, optional
    augmentation) into a `ClassificationHead`.

    Args:
        multi_label: True for several labels per image; None infers it from `y`.
        **others: Every other argument is AutoModel's (see `easynas.AutoModel`).

    Example:

    >>> import easynas as en
    >>> clf = en.ImageClassifier(max_trials=3, time_budget="5min", seed=0)
    """

    _parameter_constraints = {
        **SearchEstimator._parameter_constraints,
        "multi_label": [NONE, InstanceOf(bool)],
    }

    def __init__(self, *, multi_label: bool | None = None, search: Any = "greedy",
                 max_trials: int = 10,
                 time_budget: float | str | None = None,
                 trial_time_limit: float | str | None = None, trial_isolation: str = "auto",
                 epochs: int = 20,
                 patience: int = 3, batch_size: int = 32, validation_split: float = 0.2,
                 refit: bool | str = "auto", objective: str | tuple[str, str] = "val_loss",
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
            search=search, max_trials=max_trials, time_budget=time_budget,
            trial_time_limit=trial_time_limit, trial_isolation=trial_isolation, epochs=epochs,
            patience=patience, batch_size=batch_size, validation_split=validation_split,
            refit=refit, objective=objective, directory=directory, project_name=project_name,
            overwrite=overwrite, seed=seed, verbose=verbose,
            max_params=max_params, max_latency_ms=max_latency_ms, max_size_mb=max_size_mb,
            objectives=objectives, measure_tflite=measure_tflite,
            n_parallel_trials=n_parallel_trials,
            distribution_strategy=distribution_strategy,
            screening=screening,
        )
        self.multi_label = multi_label

    def _make_graph(self) -> Graph:
        image = ImageInput()
        head = ClassificationHead(multi_label=self.multi_label)(ImageBlock()(image))
        return Graph.from_nodes(image, head)


class ImageRegressor(RegressorMixin, _ImageTask):
    """Find a network that predicts numbers from images.

    Targets may be `(n,)` or `(n, k)`; predictions come back in the same shape
    and units. The search space is `ImageBlock` into a `RegressionHead`.

    Args:
        **others: Every argument is AutoModel's (see `easynas.AutoModel`).
    """

    def _make_graph(self) -> Graph:
        image = ImageInput()
        head = RegressionHead()(ImageBlock()(image))
        return Graph.from_nodes(image, head)
