"""Finalist cross-validation: on a small table, re-rank the search's best few by k-fold CV.

On a few hundred rows the validation split is a few dozen rows, and which
candidate scores best on it is close to a coin toss between good ones: a
2x64 MLP beat a regularised logistic regression on breast cancer's 91-row
split, and lost to it by 5-fold cross-validation and on the test set. So
after a small search `FINALISTS` trials (the best, the simplest, the next
best: `ranked`) are each trained afresh
`FOLDS` times (their own hyperparameters, for their best epoch count, on
four fifths of training + validation data) and scored on the fifth left
out. The simplest finalist within one standard error of the best mean
wins (`one_standard_error`) and is refitted as usual.

The time comes out of the budget like the refit's: the search holds back
what the current finalists' folds would take (`reserve_seconds`), and a
finalist whose folds no longer fit is left out (`plan`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from easynas import _cost_options as costs
from easynas import _ensemble as ensembles
from easynas.data._keras_args import one_or_list, per_head
from easynas.search._linear_solve import data_metrics
from easynas.search._records import Objective, TrialRecord, TrialStatus

logger = logging.getLogger(__name__)

__all__ = ["AUTO_MAX_ROWS", "ENSEMBLE_ID", "FINALISTS", "FOLDS", "MIN_FOLDS", "cross_validate",
           "ensemble_verdict", "fitting_plan", "fold_info", "fold_score", "folds_for",
           "one_standard_error", "plan", "ranked", "reserve_seconds", "score_finalists",
           "split"]

FOLDS = 5
FINALISTS = 3
# With less time than `FOLDS` folds of two finalists take (a loaded machine,
# slow trials, a short budget), the CV uses fewer folds, down to this many,
# before it gives up. Two folds still score every row, paired between the
# finalists, where the validation split scores a fifth of them.
MIN_FOLDS = 2
# "auto" cross-validates below this many rows (training + validation). Under
# it the validation split holds fewer than 400 rows, where one accuracy's
# standard error is over a point (about 2.3 points at 91 rows), more than
# the gap between good candidates; and such trials take seconds, so the
# `FINALISTS * FOLDS` extra fits are affordable.
AUTO_MAX_ROWS = 2000

Estimate = Callable[[dict[str, Any], float], float]


def folds_for(option: bool | str | int, rows: int, validation_given: bool) -> int:
    """How many folds finalist CV uses (0: none) for the `finalists_cv` option.

    Args:
        option: True (`FOLDS` folds), an int >= 2 (that many folds), False,
            or "auto" (`FOLDS` folds when `rows` < `AUTO_MAX_ROWS` and the
            validation data was split off, not given).
        rows: Training plus validation rows (each fold needs two).
        validation_given: Whether the user gave `validation_data`.
    """
    if option is False or (option == "auto" and (rows >= AUTO_MAX_ROWS or validation_given)):
        return 0
    folds = FOLDS if option in (True, "auto") else int(option)
    return folds if rows >= 2 * folds else 0


def ranked(records: Sequence[TrialRecord], best: TrialRecord | None, objective: Objective,
           limits: Any, count: int = FINALISTS) -> list[TrialRecord]:
    """The finalists: the search's best, the simplest trial, then the next best by score.

    The simplest is the completed trial with the fewest parameters (the best
    scoring of those): on a table, the linear model, which is what small data
    most often favours and what the search must not lose to. A search
    explores around its incumbent, so without it the finalists tend to be
    variants of one architecture that one small validation split favoured.
    All are completed trials within the cost limits.
    """
    eligible = costs.eligible(records, limits)
    by_score = sorted(eligible, key=lambda r: (objective.sort_key(r.score), r.trial_id))
    if best is not None:
        by_score = [best] + [r for r in by_score if r.trial_id != best.trial_id]
    if not by_score:
        return []
    simplest = min(by_score, key=lambda r: (r.costs.get("params", math.inf),
                                            objective.sort_key(r.score), r.trial_id))
    order = [by_score[0], simplest] + by_score[1:]
    unique: dict[str, TrialRecord] = {}
    for record in order:
        unique.setdefault(record.trial_id, record)
    return list(unique.values())[:count]


def plan(finalists: Sequence[TrialRecord], infos: dict[str, dict[str, Any]], folds: int,
         scale: float, seconds: float, estimate: Estimate) -> list[TrialRecord]:
    """The finalists, in rank order, whose folds fit in `seconds` (none if fewer than two do).

    Args:
        finalists: Ranked candidates.
        infos: Their trial infos (timing), by trial id.
        folds: Folds per finalist.
        scale: A fold's training rows over the search's training rows.
        seconds: Time available for all folds.
        estimate: Seconds to train a trial's architecture afresh, from its
            info and a data scale (the refit's estimate).
    """
    chosen, total = [], 0.0
    for record in finalists:
        info = infos.get(record.trial_id, {})
        if info.get("best_epoch") is None:
            continue
        need = folds * estimate(fold_info(info), scale)
        if total + need > seconds:
            break
        chosen.append(record)
        total += need
    return chosen if len(chosen) >= 2 else []


def fitting_plan(finalists: Sequence[TrialRecord], infos: dict[str, dict[str, Any]],
                 folds: int, data_scale: float, seconds: float,
                 estimate: Estimate) -> tuple[int, list[TrialRecord], float]:
    """The most folds, from `folds` down to `MIN_FOLDS`, for which two or more finalists fit
    in `seconds` (`plan`): `(folds, finalists, their estimated seconds)`, or `(0, [], 0.0)`.

    `data_scale` is training + validation rows over the search's training
    rows; a fold trains on `(k - 1) / k` of them.
    """
    for k in range(folds, min(folds, MIN_FOLDS) - 1, -1):
        scale = data_scale * (k - 1) / k
        chosen = plan(finalists, infos, k, scale, seconds, estimate)
        if chosen:
            need = sum(k * estimate(fold_info(infos.get(r.trial_id, {})), scale) for r in chosen)
            return k, chosen, need
    return 0, [], 0.0


def reserve_seconds(finalists: Sequence[TrialRecord], infos: dict[str, dict[str, Any]],
                    folds: int, data_scale: float, cap: float, estimate: Estimate) -> float:
    """Seconds to hold back during the search for the current finalists' folds: what
    `fitting_plan` needs within `cap` (0 if not even two finalists fit)."""
    return fitting_plan(finalists, infos, folds, data_scale, cap, estimate)[2]


def fold_info(info: dict[str, Any]) -> dict[str, Any]:
    """A trial's timing as a fold would have it: its build without the cost measuring
    (latency timing, FLOP count), which a fold does not repeat."""
    build = info.get("build_seconds", 0.0) - info.get("cost_seconds", 0.0)
    return {**info, "build_seconds": max(build, 0.0)}


def split(rows: int, folds: int, labels: np.ndarray | None, seed: int) -> list[tuple[Any, Any]]:
    """Seeded k-fold (training rows, held-out rows) pairs; stratified by `labels` when
    every class has at least `folds` rows."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if labels is not None and labels.ndim == 1:
        counts = np.unique(labels, return_counts=True)[1]
        if counts.min() >= folds:
            splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
            return list(splitter.split(np.zeros(rows), labels))
    return list(KFold(folds, shuffle=True, random_state=seed).split(np.zeros(rows)))


def fold_score(model: Any, x: Any, y: Any, sample_weight: Any,
               objective: Objective, y_pred: Any = None) -> float | None:
    """The objective on held-out rows: "val_x" read as the model's "x" (the loss
    without its weight penalty, as in the search). None if the model has no such metric.
    `y_pred` scores these predictions in place of the model's own (see `data_metrics`).

    One eager call on all the rows: a fold holds at most a few hundred, and
    `evaluate` would spend seconds tracing its test step for each fold's new model.
    """
    if not objective.name.startswith("val_"):
        return None
    return data_metrics(model, x, y, sample_weight, y_pred).get(objective.name[len("val_"):])


def cross_validate(
    finalists: Sequence[TrialRecord], fit_fold: Callable[[TrialRecord, Any], Any],
    score: Callable[[TrialRecord, Any, Any], float | None],
    splits: Sequence[tuple[Any, Any]],
    objective: Objective, on_scored: Callable[[str, list[float]], None] | None = None,
) -> dict[str, Any]:
    """Score each finalist on every fold and pick one (`one_standard_error`).

    Args:
        finalists: Candidates in the search's rank order.
        fit_fold: `(record, training rows)` -> a model trained afresh on them,
            or None when training was cut short (budget, divergence).
        score: `(record, model, held-out rows)` -> its objective value, or None.
        splits: The (training rows, held-out rows) pairs.
        objective: Its direction says which mean is best.
        on_scored: Called with each fully scored finalist's id and fold scores.

    Returns:
        {"scores": {trial_id: [fold scores]}, "chosen", "best_mean" and
        "standard_error" (see `one_standard_error`); "chosen" is None, with
        "reason", when fewer than two finalists were scored}.
    """
    scores: dict[str, list[float]] = {}
    reason = None
    for record in finalists:
        values: list[float] = []
        for train_rows, held_out in splits:
            model = fit_fold(record, train_rows)
            value = None if model is None else score(record, model, held_out)
            if value is None or not math.isfinite(value):
                break
            values.append(value)
        if len(values) < len(splits):
            reason = (f"trial {record.trial_id} could not be scored on every fold "
                      "(time budget, divergence or no such metric)")
            logger.info("Finalist CV: %s; stopping the CV there.", reason)
            break
        scores[record.trial_id] = values
        if on_scored is not None:
            on_scored(record.trial_id, values)
    if len(scores) < 2:
        return {"scores": scores, "chosen": None,
                "reason": reason or "fewer than two finalists to compare"}
    return {"scores": scores, **one_standard_error(finalists, scores, objective)}


def one_standard_error(finalists: Sequence[TrialRecord], scores: dict[str, list[float]],
                       objective: Objective) -> dict[str, Any]:
    """The simplest finalist whose mean is within one standard error of the best mean.

    The one-standard-error rule of model selection by cross-validation
    (Hastie, Tibshirani and Friedman, *The Elements of Statistical Learning*,
    section 7.10): means closer than the best mean's standard error over
    the folds are not told apart by this data, and of those the model with
    the fewest parameters generalises most reliably. On breast cancer a 2x64
    MLP's 3-fold log loss of 0.074 (standard error 0.020) beat the logistic
    regression's 0.089, which then beat it on the test set.

    Returns:
        {"chosen": the trial id, "best_mean": the id with the best mean,
        "standard_error": that mean's standard error}. Ties on parameters go
        to the better mean, then to the rank order.
    """
    order = {r.trial_id: i for i, r in enumerate(finalists)}
    params = {r.trial_id: r.costs.get("params", math.inf) for r in finalists}
    means = {t: float(np.mean(v)) for t, v in scores.items()}
    best = min(means, key=lambda t: (objective.sort_key(means[t]), order[t]))
    folds = len(scores[best])
    error = float(np.std(scores[best], ddof=1) / math.sqrt(folds)) if folds > 1 else 0.0
    close = [t for t in means if objective.sort_key(means[t]) <= objective.sort_key(means[best])
             + error]
    chosen = min(close, key=lambda t: (params[t], objective.sort_key(means[t]), order[t]))
    return {"chosen": chosen, "best_mean": best, "standard_error": error}


ENSEMBLE_ID = "ensemble"


def ensemble_verdict(finalists: Sequence[TrialRecord], scores: dict[str, list[float]],
                     weights: dict[str, float], mix_scores: list[float],
                     objective: Objective) -> dict[str, Any]:
    """Whether a mix of finalists wins the one-standard-error rule against them.

    The mix counts as one more finalist (`ENSEMBLE_ID`) whose parameters are
    all its members' together: it is deployed only when its mean over the
    folds beats every single finalist's by more than the best mean's
    standard error. A mix that is only as good as one network within the
    folds' noise, or mostly one network that the rule passed over for a
    simpler one, is not worth its extra networks.

    Args:
        finalists: The finalists scored, in rank order.
        scores: Their fold scores, by trial id.
        weights: The mix's weights, by trial id.
        mix_scores: The mix's score on each fold's held-out rows.
        objective: Its direction says which mean is best.

    Returns:
        {"wins": bool, "fold_scores": `mix_scores`, "best_mean" and
        "standard_error" of the rule (see `one_standard_error`)}.
    """
    params = sum(r.costs.get("params", math.inf) for r in finalists if r.trial_id in weights)
    mix = TrialRecord(trial_id=ENSEMBLE_ID, status=TrialStatus.COMPLETED, values={},
                      score=float(np.mean(mix_scores)), costs={"params": params})
    scored = [r for r in finalists if r.trial_id in scores]
    verdict = one_standard_error([*scored, mix], {**scores, ENSEMBLE_ID: list(mix_scores)},
                                 objective)
    return {"wins": verdict["chosen"] == ENSEMBLE_ID, "fold_scores": list(mix_scores),
            "best_mean": verdict["best_mean"], "standard_error": verdict["standard_error"]}


def score_finalists(
    tuner: Any, finalists: Sequence[TrialRecord], infos: dict[str, dict[str, Any]],
    joined: tuple[list[Any], list[Any], np.ndarray | None], *, folds: int,
    objective: Objective, seed: int, batch_size: int, deadline: Any, refit_seconds: float,
    data_scale: float, estimate: Estimate, stratify: np.ndarray | None, reporter: Any,
    fit_verbose: int = 0, ensemble: bool = False,
) -> dict[str, Any]:
    """Cross-validate the finalists that fit in the time left and pick the best mean.

    Args:
        tuner: The `SearchTuner` (its `refit` trains a trial's architecture afresh).
        finalists: Ranked candidates (`ranked`).
        infos: Trial infos by id.
        joined: Training + validation inputs, targets (lists, one array per
            input / head) and sample weights (or None).
        folds: Folds per finalist; fewer (down to `MIN_FOLDS`) when only
            fewer fit in the time left.
        objective: The search objective (a "val_" metric).
        seed: Seeds the folds and each fold's initial weights.
        batch_size: As in the search.
        deadline: The search's `Deadline`; the folds stop at it.
        refit_seconds: Time to keep for the refit after the CV.
        data_scale: Training + validation rows over the search's training rows.
        estimate: The refit's time estimate, `(info, scale) -> seconds`.
        stratify: Class labels to stratify the folds by, or None.
        reporter: The `ProgressReporter`.
        fit_verbose: Keras' `verbose` for each fold's fit.
        ensemble: Also choose ensemble weights on the finalists' out-of-fold
            predictions (`easynas._ensemble.select_weights`).

    Returns:
        The facts: "folds", "metric", "finalists" (ids cross-validated),
        "scores" (fold scores by id), "means", "chosen" (None, with
        "reason", when fewer than two could be scored), "seconds", and with
        `ensemble` "ensemble": {"weights", "score" (the mix's objective on
        all out-of-fold predictions), "scores" (each finalist's), and for a
        mix of two or more `ensemble_verdict`'s "wins", "fold_scores",
        "best_mean" and "standard_error"}, or None when fewer than two
        finalists were scored.
    """
    started = time.perf_counter()
    x_all, y_all, w_all = joined
    result: dict[str, Any] = {"folds": folds, "metric": objective.name}
    available = deadline.total_remaining() - refit_seconds
    k, chosen, _ = fitting_plan(finalists, infos, folds, data_scale, available, estimate)
    if not chosen:
        result.update(finalists=[], scores={}, means={}, chosen=None,
                      reason=f"not enough time budget left for {min(folds, MIN_FOLDS)} folds "
                      "of two finalists")
        reporter.finalists_skipped(result["reason"])
        return result
    result["folds"] = folds = k
    result["finalists"] = [r.trial_id for r in chosen]
    reporter.finalists_started(result["finalists"], folds, len(y_all[0]))
    deadline.hold_back(refit_seconds)

    def rows_of(rows: Any) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray | None]:
        """The inputs, targets and sample weights (or None) of `rows`."""
        return ([a[rows] for a in x_all], [a[rows] for a in y_all],
                None if w_all is None else w_all[rows])

    def fit_fold(record: TrialRecord, rows: np.ndarray) -> Any:
        info = infos[record.trial_id]
        epochs = int(info.get("lineage_epochs", int(info["best_epoch"]) + 1))
        x, y, weights = rows_of(rows)
        model, _ = tuner.refit(
            tuner.oracle.get_trial(record.trial_id), one_or_list(x), one_or_list(y),
            epochs=epochs, batch_size=batch_size, deadline=deadline, seed=seed,
            fit_verbose=fit_verbose, sample_weight=per_head(weights, len(y_all)),
        )
        return model

    out_of_fold: dict[str, list[np.ndarray]] = {}
    scorer: Any = None  # a fold model: its compiled loss and metrics score the mixes

    def score(record: TrialRecord, model: Any, rows: np.ndarray) -> float | None:
        nonlocal scorer
        x, y, weights = rows_of(rows)
        predicted = ensembles.outputs_of(model, x)
        if ensemble:
            held = out_of_fold.setdefault(record.trial_id, [
                np.zeros((len(y_all[0]), *p.shape[1:]), dtype=p.dtype) for p in predicted])
            for whole, part in zip(held, predicted):
                whole[rows] = part
            scorer = model
        return fold_score(model, one_or_list(x), one_or_list(y), weights, objective,
                          y_pred=one_or_list(predicted))

    splits = split(len(y_all[0]), folds, stratify, seed)
    outcome = cross_validate(chosen, fit_fold, score, splits, objective,
                             on_scored=reporter.finalist_scored)
    result.update(outcome)
    result["means"] = {t: float(np.mean(v)) for t, v in outcome["scores"].items()}
    if ensemble:
        result["ensemble"] = None
        if len(outcome["scores"]) >= 2:
            scored = {t: out_of_fold[t] for t in outcome["scores"]}
            def score_rows(mix: list[np.ndarray], rows: Any = slice(None)) -> float | None:
                x, y, weights = rows_of(rows)
                return fold_score(scorer, one_or_list(x), one_or_list(y), weights, objective,
                                  y_pred=one_or_list([p[rows] for p in mix]))

            mix = ensembles.select_weights(scored, score_rows, objective,
                                           order=result["finalists"])
            if len(mix["weights"]) >= 2:
                mixed = ensembles.combine(scored, mix["weights"])
                mix.update(ensemble_verdict(chosen, outcome["scores"], mix["weights"],
                                            [score_rows(mixed, rows) for _, rows in splits],
                                            objective))
            result["ensemble"] = mix
    result["seconds"] = time.perf_counter() - started
    reporter.finalists_finished(result)
    return result

