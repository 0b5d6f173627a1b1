"""The image suite: ImageClassifier on Fashion-MNIST against a fixed small CNN.

The search trains on a fixed, stratified subset of Fashion-MNIST's training set
(10000 images by default, the same for every seed) and is scored on the full
10000-image test set. `--smoke` swaps in scikit-learn's 8x8 digits.
"""

from __future__ import annotations

from typing import Any

from benchmarks.suites._base import Budget, Data, RunConfig, Suite

__all__ = ["SUITE", "ImageSuite"]


class ImageSuite(Suite):
    """ImageClassifier vs. a 2-conv-layer CNN trained for the same wall-clock budget."""

    name = "image"
    title = "Image classification"
    estimator = "ImageClassifier"
    objective = "val_loss"

    def load_data(self, config: RunConfig) -> Data:
        from benchmarks.datasets import load_digits_split, load_fashion_mnist, stratified_subset

        if config.smoke:
            x_train, y_train, x_test, y_test = load_digits_split()
            name = "digits-8x8"
        else:
            x_train, y_train, x_test, y_test = load_fashion_mnist()
            name = "fashion-mnist"
        full = len(y_train)
        x_train, y_train = stratified_subset(x_train, y_train, config.train_size, config.data_seed)
        return Data(
            name=name, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
            notes={"train_pool": full, "image_shape": list(x_train.shape[1:])},
        )

    def make_estimator(self, config: RunConfig, budget: Budget, seed: int, directory: str) -> Any:
        from easynas.tasks import ImageClassifier

        return ImageClassifier(
            max_trials=config.max_trials,
            time_budget=budget.seconds,
            epochs=config.epochs,
            seed=seed,
            directory=directory,
            verbose=config.verbose,
        )

    def run_baseline(self, config: RunConfig, data: Data, budget: Budget, seed: int) -> dict:
        from benchmarks.baselines import train_within_budget

        result = train_within_budget(
            data.x_train, data.y_train, data.x_test, data.y_test,
            budget_s=budget.seconds, seed=seed, max_epochs=config.baseline_max_epochs,
        )
        result["description"] = (
            "Conv(32)-pool-Conv(64)-pool-Dense(128), Adam 1e-3, batch 32, early stopping "
            "on val_loss (patience 3) over a 20% stratified split, best epoch restored"
        )
        return result

    def smoke_defaults(self) -> dict[str, Any]:
        return {**super().smoke_defaults(), "train_size": None}


SUITE = ImageSuite()
