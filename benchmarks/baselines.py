"""Fixed reference models trained next to each search, so that results stay
comparable on a noisy machine (compare ratios, not raw seconds).

A baseline is plain Keras: no easynas code runs in it.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

__all__ = ["small_cnn", "train_within_budget"]


def small_cnn(input_shape: tuple[int, ...], num_classes: int, scale: float) -> Any:
    """Two 3x3 conv layers (32, 64 filters, each with 2x2 max-pooling) and a dense layer.

    Args:
        input_shape: `(H, W, C)`.
        num_classes: Output classes (softmax).
        scale: Multiplies the raw pixels (1/255 for uint8 images).

    Returns:
        A compiled `keras.Model` (Adam 1e-3, sparse categorical cross-entropy, accuracy).
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Rescaling(scale),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(128, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="baseline_small_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _callbacks(budget_s: float, patience: int):
    import keras

    class Budget(keras.callbacks.Callback):
        """Stops at the end of the batch on which the wall-clock budget runs out;
        keeps the best epoch's weights (by val_loss) and restores them at the end."""

        def __init__(self) -> None:
            super().__init__()
            self.deadline = time.monotonic() + budget_s
            self.stopped_by_budget = False
            self.best = math.inf
            self.best_epoch: int | None = None
            self.weights = None
            self.epochs = 0
            self.fit_seconds = 0.0
            self._start = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            if time.monotonic() >= self.deadline:
                self.stopped_by_budget = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            self.fit_seconds += time.perf_counter() - self._start
            self.epochs += 1
            value = (logs or {}).get("val_loss")
            if value is not None and math.isfinite(value) and value < self.best:
                self.best, self.best_epoch = float(value), epoch
                self.weights = self.model.get_weights()

        def on_train_end(self, logs=None):
            if self.weights is not None:
                self.model.set_weights(self.weights)

    budget = Budget()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    return budget, [keras.callbacks.TerminateOnNaN(), stop, budget]


def train_within_budget(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    budget_s: float,
    seed: int,
    max_epochs: int = 1000,
    patience: int = 3,
    batch_size: int = 32,
    validation_split: float = 0.2,
) -> dict[str, Any]:
    """Train `small_cnn` for at most `budget_s` seconds with early stopping.

    The validation split is stratified and seeded like easynas' own, so both
    see the same amount of training data.

    Args:
        x_train, y_train: Images `(n, H, W)` or `(n, H, W, C)` and integer labels.
        x_test, y_test: The held-out test set.
        budget_s: Wall-clock seconds for the whole training (building included).
        seed: Seeds the split and the weights.
        max_epochs: Most epochs (early stopping or the budget usually ends it first).
        patience: Epochs without a better val_loss before stopping.
        batch_size: Batch size.
        validation_split: Fraction of the training data held out for early stopping.

    Returns:
        A dict: model, test_accuracy, wall_seconds, fit_seconds, epochs_run,
        best_epoch, params, stopped_by ("budget", "early_stopping" or "max_epochs").
    """
    import keras
    from sklearn.model_selection import train_test_split

    started = time.perf_counter()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    if x_train.ndim == 3:
        x_train, x_test = x_train[..., None], x_test[..., None]
    classes, y_codes = np.unique(y_train, return_inverse=True)
    fit_idx, val_idx = train_test_split(
        np.arange(len(y_codes)), test_size=validation_split, random_state=seed, stratify=y_codes
    )
    scale = 1.0 / max(float(np.max(x_train)), 1.0)
    model = small_cnn(tuple(x_train.shape[1:]), len(classes), scale)
    budget, callbacks = _callbacks(budget_s - (time.perf_counter() - started), patience)
    model.fit(
        x_train[fit_idx], y_codes[fit_idx],
        validation_data=(x_train[val_idx], y_codes[val_idx]),
        epochs=max_epochs, batch_size=batch_size, callbacks=callbacks, verbose=0,
    )
    wall = time.perf_counter() - started
    probabilities = model.predict(x_test, batch_size=256, verbose=0)
    predicted = classes[np.argmax(probabilities, axis=1)]
    if budget.stopped_by_budget:
        stopped_by = "budget"
    elif budget.epochs < max_epochs:
        stopped_by = "early_stopping"
    else:
        stopped_by = "max_epochs"
    result = {
        "model": model.name,
        "test_accuracy": float(np.mean(predicted == y_test)),
        "wall_seconds": wall,
        "fit_seconds": budget.fit_seconds,
        "epochs_run": budget.epochs,
        "best_epoch": budget.best_epoch,
        "params": int(model.count_params()),
        "stopped_by": stopped_by,
    }
    keras.backend.clear_session()
    return result


# --- Text and tabular baselines (scikit-learn; the text and tabular suites) --------------------
# Fast, strong, standard models that a practitioner would reach for first. Each returns the
# same kind of dict: name, description, metric, test_score (accuracy or RMSE), wall_seconds
# (fitting, model selection included; predicting the test set is timed apart).

__all__ += [
    "hist_gradient_boosting", "linear_model", "task_score", "tfidf_linear_svc",
]

TEXT_CS = (0.1, 0.3, 1.0, 3.0)
_MAX_CATEGORIES = 255  # HistGradientBoosting's limit for a native categorical column


def task_score(task: str, y_true: Any, y_pred: Any) -> float:
    """Accuracy for `task="classification"`, root-mean-square error for `"regression"`."""
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_pred)} predictions for {len(y_true)} targets.")
    if task == "classification":
        return float(np.mean(y_pred == y_true))
    if task == "regression":
        diff = y_pred.astype("float64") - y_true.astype("float64")
        return float(np.sqrt(np.mean(diff * diff)))
    raise ValueError(f"task must be 'classification' or 'regression'; got {task!r}.")


def _metric(task: str) -> str:
    return "accuracy" if task == "classification" else "rmse"


def _tfidf() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)


def tfidf_linear_svc(
    x_train: Any, y_train: Any, x_test: Any, y_test: Any, *,
    seed: int = 0, cs: tuple[float, ...] = TEXT_CS, folds: int = 3,
) -> dict[str, Any]:
    """TF-IDF of word 1-2-grams (sublinear tf, min_df 2) into a LinearSVC.

    C is chosen by a stratified `folds`-fold cross-validation on the training
    set (the vectorizer is refitted on each fold's training part, so no
    document leaks into its own validation), then the model is refitted on
    the whole training set.

    Args:
        x_train, y_train: Raw documents (a sequence of `str`) and labels.
        x_test, y_test: The held-out test set.
        seed: Seeds the folds.
        cs: The C values tried.
        folds: Cross-validation folds (fewer when a class is that rare; none
            below 2 documents per class, then C = 1).

    Returns:
        A dict: name, description, metric ("accuracy"), test_score and
        test_accuracy, wall_seconds, predict_seconds, best_c, cv_accuracy (by C),
        features.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    started = time.perf_counter()
    docs = np.asarray([str(d) for d in x_train], dtype=object)
    labels = np.asarray(y_train)
    _, counts = np.unique(labels, return_counts=True)
    k = int(min(folds, counts.min()))
    cv_accuracy: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if k >= 2:
            scores = {c: [] for c in cs}
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            for fit_idx, val_idx in splitter.split(docs, labels):
                vectorizer = _tfidf()
                x_fit = vectorizer.fit_transform(docs[fit_idx])
                x_val = vectorizer.transform(docs[val_idx])
                for c in cs:
                    model = LinearSVC(C=c).fit(x_fit, labels[fit_idx])
                    scores[c].append(float(np.mean(model.predict(x_val) == labels[val_idx])))
            cv_accuracy = {format(c, "g"): float(np.mean(s)) for c, s in scores.items()}
            best_c = max(cs, key=lambda c: cv_accuracy[format(c, "g")])
        else:
            best_c = 1.0
        vectorizer = _tfidf()
        features = vectorizer.fit_transform(docs)
        model = LinearSVC(C=best_c).fit(features, labels)
    wall = time.perf_counter() - started
    predicted = model.predict(vectorizer.transform([str(d) for d in x_test]))
    accuracy = task_score("classification", y_test, predicted)
    return {
        "name": "tfidf_svm",
        "label": "TF-IDF + LinearSVC",
        "description": (
            f"TF-IDF of word 1-2-grams (sublinear tf, min_df 2) into a LinearSVC, C chosen "
            f"from {', '.join(format(c, 'g') for c in cs)} by {k}-fold stratified CV on the "
            "training set, then refitted on all of it"
        ),
        "metric": "accuracy",
        "test_score": accuracy,
        "test_accuracy": accuracy,
        "wall_seconds": wall,
        "predict_seconds": time.perf_counter() - started - wall,
        "best_c": best_c,
        "cv_accuracy": cv_accuracy,
        "features": int(features.shape[1]),
    }


def _is_numeric(series: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _native_categories(x_train: Any, x_test: Any) -> tuple[Any, Any, list[str]]:
    """Copies whose string columns are pandas categoricals with the training set's
    categories (a value unseen in training becomes missing). A column with more
    categories than HistGradientBoosting takes becomes its numeric category code."""
    import pandas as pd

    x_train, x_test = x_train.copy(), x_test.copy()
    categorical = []
    for column in x_train.columns:
        if _is_numeric(x_train[column]):
            continue
        train = x_train[column].astype(object).where(x_train[column].notna(), None)
        values = sorted({str(v) for v in train if v is not None})
        for frame in (x_train, x_test):
            raw = frame[column].astype(object)
            text = raw.where(raw.isna(), raw.astype(str))
            text = text.where(text.isin(values))  # unseen in training: missing
            frame[column] = pd.Categorical(text, categories=values)
        if len(values) > _MAX_CATEGORIES:
            for frame in (x_train, x_test):
                codes = frame[column].cat.codes.astype("float64")
                frame[column] = codes.where(codes >= 0)
        else:
            categorical.append(str(column))
    return x_train, x_test, categorical


def hist_gradient_boosting(
    x_train: Any, y_train: Any, x_test: Any, y_test: Any, *, task: str, seed: int = 0
) -> dict[str, Any]:
    """scikit-learn's HistGradientBoosting with native categorical columns.

    String columns become pandas categoricals (categories from the training
    set) and go in through `categorical_features="from_dtype"`; missing values
    stay missing (the trees route them). Default settings, plus early stopping
    on a 10% validation split seeded by `seed`.

    Args:
        x_train, y_train: A DataFrame of raw columns and its target.
        x_test, y_test: The held-out test set.
        task: "classification" or "regression".
        seed: Seeds the early-stopping split.

    Returns:
        A dict: name, description, metric ("accuracy" or "rmse"), test_score,
        wall_seconds, predict_seconds, iterations, categorical_columns.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    started = time.perf_counter()
    x_fit, x_held, categorical = _native_categories(x_train, x_test)
    classify = task == "classification"
    cls = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
    model = cls(categorical_features="from_dtype", early_stopping=True, random_state=seed)
    model.fit(x_fit, np.asarray(y_train))
    wall = time.perf_counter() - started
    score = task_score(task, y_test, model.predict(x_held))
    return {
        "name": "hgb",
        "label": "HistGB",
        "description": (
            f"scikit-learn {cls.__name__}, native categoricals "
            "(categorical_features='from_dtype'), default settings plus early stopping "
            "(10% validation split)"
        ),
        "metric": _metric(task),
        "test_score": score,
        "wall_seconds": wall,
        "predict_seconds": time.perf_counter() - started - wall,
        "iterations": int(model.n_iter_),
        "categorical_columns": categorical,
    }


def linear_model(
    x_train: Any, y_train: Any, x_test: Any, y_test: Any, *, task: str, seed: int = 0,
    text_columns: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The model a user tries first: scaled LogisticRegression or Ridge, defaults.

    Numeric columns: median imputation, standard scaling. String columns:
    most-frequent imputation, one-hot (unseen values ignored). Columns named
    in `text_columns`, and a 1-D sequence of documents given instead of a
    DataFrame: TF-IDF of word 1-2-grams (sublinear tf, min_df 2).

    Args:
        x_train, y_train: A DataFrame of raw columns (or documents) and its target.
        x_test, y_test: The held-out test set.
        task: "classification" (LogisticRegression, max_iter 1000) or
            "regression" (Ridge, alpha 1).
        seed: Unused (both models are deterministic); kept for a uniform call.
        text_columns: Free-text columns (absent ones are ignored).

    Returns:
        A dict: name, description, metric, test_score, wall_seconds, predict_seconds.
    """
    import warnings

    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    del seed
    started = time.perf_counter()
    if not hasattr(x_train, "columns"):  # documents
        x_train, x_test = (pd.DataFrame({"text": list(x)}) for x in (x_train, x_test))
        text_columns = ("text",)
    texts = [c for c in x_train.columns if c in text_columns]
    numeric = [c for c in x_train.columns if c not in texts and _is_numeric(x_train[c])]
    strings = [c for c in x_train.columns if c not in numeric and c not in texts]
    parts = [(f"text_{i}", _tfidf(), column) for i, column in enumerate(texts)]
    if numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()), numeric))
    if strings:
        parts.append(("strings", make_pipeline(
            SimpleImputer(strategy="most_frequent", missing_values=np.nan),
            OneHotEncoder(handle_unknown="ignore")), strings))

    def as_objects(frame: Any) -> Any:
        frame = frame.copy()
        for column in strings:
            raw = frame[column].astype(object)
            frame[column] = raw.where(raw.notna(), np.nan)
        return frame

    estimator = LogisticRegression(max_iter=1000) if task == "classification" else Ridge()
    model = make_pipeline(ColumnTransformer(parts), estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(as_objects(x_train), np.asarray(y_train))
    wall = time.perf_counter() - started
    score = task_score(task, y_test, model.predict(as_objects(x_test)))
    return {
        "name": "linear",
        "label": "LogReg" if task == "classification" else "Ridge",
        "description": (
            ("LogisticRegression (max_iter 1000)" if task == "classification" else "Ridge")
            + ", scikit-learn defaults, on standard-scaled numbers (median-imputed) and "
            "one-hot strings (most-frequent-imputed)"
            + (f"; TF-IDF 1-2-grams of {texts}" if texts else "")
        ),
        "metric": _metric(task),
        "test_score": score,
        "wall_seconds": wall,
        "predict_seconds": time.perf_counter() - started - wall,
    }
