"""AutoModel: search over a graph of inputs, blocks and heads you compose."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sklearn.base import clone

from easynas._estimator import SearchEstimator
from easynas.blocks._base import Node
from easynas.graph._auto import complete_graph
from easynas.graph._graph import Graph
from easynas.graph._inputs import InputNode

__all__ = ["AutoModel"]


class AutoModel(SearchEstimator):
    """Neural architecture search over a search space you compose as a graph.

    Every block argument left unset is searched; every argument set is fixed.

    Args:
        inputs: The input node(s), e.g. `easynas.ImageInput()`, in the order
            data is passed (or keyed by their names in a dict).
        outputs: The head output node(s), e.g. `easynas.ClassificationHead()(x)`,
            and/or bare heads (`easynas.ClassificationHead()`): those are
            connected to a searched trunk of each input's default block
            (`ImageBlock`, `TextBlock`, `TabularBlock`) joined by a `Merge`
            block when there are several inputs.
        search: Strategy name ("greedy", "random", "bayesian", "hyperband",
            "morphism"), a config dict or an `easynas.search.Strategy`. Default
            "greedy": known-good candidates first, then variations of the best.
            "morphism" (experimental: `fit` warns `ExperimentalWarning`) grows
            trained candidates by function-preserving morphs.
        max_trials: Most candidates to train. Default 10.
        time_budget: Wall-clock limit for the whole `fit`: seconds or a string
            such as "10min"; None for none. When it runs out, the candidate in
            training stops at the end of its current batch, is scored, and no
            new candidate starts; the best so far is kept. The budget covers
            the project: a resumed search counts the seconds its earlier runs
            spent searching.
        trial_time_limit: Seconds (or a string such as "5min") one candidate
            may take, building and training; None for no limit. A candidate
            past it is stopped at the end of its current batch and recorded
            as a failed trial with the reason, and the search goes on.
        trial_isolation: Where each candidate is built, measured and
            trained. "process": in a child process (a fresh Python), so that
            a hard crash (a segmentation fault, the out-of-memory killer) or
            a memory blow-up of one candidate is recorded as a failed trial
            with its exit code or signal, and the search goes on; the data is
            saved once per search into the project folder and memory-mapped
            by each child; callbacks are copied into the child (what they
            record stays there). Each child costs a fresh Python importing
            TensorFlow: 6 s to start on a 2-core machine at load average 2,
            33 s at load 10-13, about 9-12 CPU seconds (see
            benchmarks/RESULTS.md). "none": in this process.
            "auto" (default): in this process until the finished trials take
            5 minutes or more each (median), then in child processes, where
            the start-up costs at most about a tenth of a trial; in this
            process throughout when the search space or callbacks cannot be
            sent to a child (a class or function defined in the running
            script or notebook).
        epochs: Most epochs per candidate. Default 20.
        patience: Early stopping: epochs without improvement of the objective
            before a candidate stops. Default 3.
        batch_size: Training batch size. Default 32.
        validation_split: Fraction of the training data held out to score
            candidates when `fit` gets no `validation_data`. Default 0.2.
        refit: After the search, train the best architecture afresh on the
            training and validation data together, for the epoch count at
            which it scored best, and keep that model. "auto" (default)
            refits when the validation data was split off the training data
            (not when `validation_data` is given) and the time budget has
            room for it; the search holds back the time the refit needs.
            True refits with given `validation_data` too; False keeps the
            searched model with its best epoch's weights.
        objective: Metric that ranks candidates: "val_loss" (default) or any
            reported metric such as "val_accuracy"; its direction is inferred
            from its name, or give `(name, "min" | "max")`.
        directory: Folder for the project (trials, checkpoints, best model).
            None uses a fresh temporary folder for each `fit`, deleted when
            the estimator is garbage-collected or the interpreter exits.
        project_name: Project sub-folder; None uses the class name in snake case.
        overwrite: Replace an existing project of the same name. With False
            (the default), a `fit` on an existing project resumes its search:
            finished trials are kept, a trial that was interrupted (Ctrl-C,
            SIGTERM, kill -9, a crash) runs again, and `time_budget` counts the
            time already spent. To continue a finished search for N more
            trials, raise `max_trials` (`set_params(max_trials=old + N)`) and
            fit again. A project made for other data or another search space
            is refused. Only one search at a time may use a project: a second
            one raises `easynas.exceptions.ProjectLockedError`.
        seed: Seeds the search and each candidate's weights; None draws one
            (stored as `seed_`).
        verbose: 0 silent, 1 a line per trial, 2 also a line per epoch.
        n_parallel_trials: Trials run at once on this machine, each in its own
            worker process (pinned to its share of the GPUs when there are
            any) served by `fit` as a chief on 127.0.0.1; 1 runs them in this
            process. Not with `callbacks`. On a 2-core CPU machine more than
            one rarely pays (see benchmarks/results/distributed.md).
        distribution_strategy: None, or "mirrored" to train each candidate
            on all the GPUs it sees with `tf.distribute.MirroredStrategy`.
            Without a GPU it logs a note and trains on one device.
        screening: Zero-cost screening of random candidates (off by default):
            None; a proxy name ("naswot", "jacob_cov", "synflow", "grad_norm",
            "params"); or `{"proxy": name, "samples": 8, "rows": 64}`. Where
            `search="random"` (every proposal) or `"bayesian"` (its random
            start) would draw one fresh candidate, it draws `samples`, builds
            each untrained, scores it with the proxy on `rows` training rows
            and trains only the best. Each trial's values then record
            `easynas/proxy_score` and `easynas/screened` (also leaderboard
            columns). Other strategies refuse it. The proxies rank our
            candidates only loosely (see the README's "Zero-cost proxies").

    Attributes:
        best_model_: The best trained `keras.Model` (used by `predict` and `export`),
            refit on all the data when `refit` applied.
        refit_info_: What the refit did (trial, epochs, samples, seconds, or
            the reason it was skipped or abandoned); None without a refit.
        ensemble_: The tabular tasks' deployed ensemble of finalists
            (`ensemble=True`): its "weights" by trial id, its out-of-fold
            "score", each finalist's "scores" and each member's "refits";
            None when `best_model_` is one network. `best_trial_id_` is then
            its heaviest member.
        leaderboard_: A DataFrame of every trial, best first.
        spec_: The frozen `DataSpec` found on the training data.
        graph_: The named `Graph` searched.
        trials_: `TrialRecord`s of every trial (with the worker that ran it,
            in a distributed search).
        worker_trials_: On a worker (`fit(..., role=Worker(...))`) only: the
            trials it ran; a worker keeps no model.

    Example:

    >>> import easynas as en
    >>> image = en.ImageInput()
    >>> head = en.ClassificationHead()(en.blocks.ConvBlock()(image))
    >>> model = en.AutoModel(image, head, max_trials=2)
    """

    def __init__(
        self,
        inputs: InputNode | Sequence[InputNode],
        outputs: Node | Sequence[Node],
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
        self.inputs = inputs
        self.outputs = outputs
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

    def _make_graph(self) -> Graph:
        return Graph.from_nodes(*complete_graph(self.inputs, self.outputs))

    def __sklearn_clone__(self) -> AutoModel:
        """An unfitted copy whose inputs and outputs are copied together.

        scikit-learn's default `clone` copies each parameter on its own, which
        would cut the copied outputs off from the copied inputs.
        """
        params = self.get_params(deep=False)
        inputs, outputs = copy.deepcopy((params.pop("inputs"), params.pop("outputs")))
        return type(self)(inputs, outputs, **{k: clone(v, safe=False) for k, v in params.items()})

    def predict_proba(self, x: Any) -> Any:
        """Class probabilities: an array for a single head; for several heads, a
        dict of every classification head's (regression heads are left out)."""
        return self._probabilities(x)
