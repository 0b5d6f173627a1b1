"""The declared constraint tables and the one message shape of a bad parameter."""

import inspect
import math
import re

import numpy as np
import pytest

import easynas as en
from easynas import _validation as v
from easynas.exceptions import InvalidParameterError


@pytest.fixture(autouse=True)
def _clear_keras_session():
    """Overrides tests/conftest.py's: nothing here builds a Keras object."""
    yield


def _auto_model(**kwargs):
    image = en.ImageInput()
    head = en.ClassificationHead()(en.blocks.ConvBlock(num_blocks=1, num_layers=1,
                                                       filters=8)(image))
    return en.AutoModel(image, head, **kwargs)


ESTIMATORS = {
    "AutoModel": _auto_model,
    "ImageClassifier": en.ImageClassifier,
    "ImageRegressor": en.ImageRegressor,
}
GRAPH_ARGUMENTS = {"inputs", "outputs"}  # AutoModel's search space, not a setting

# One clearly bad value per parameter, and how it shows in the message.
BAD_VALUES = {
    "search": ("nope", "'nope'"),
    "max_trials": (0, "0"),
    "time_budget": ("soon", "'soon'"),
    "trial_time_limit": (0, "0"),
    "trial_isolation": ("thread", "'thread'"),
    "epochs": (0, "0"),
    "patience": (0, "0"),
    "batch_size": (-1, "-1"),
    "validation_split": (1.5, "1.5"),
    "objective": ("", "''"),
    "directory": (5, "5"),
    "project_name": (5, "5"),
    "overwrite": ("yes", "'yes'"),
    "refit": ("always", "'always'"),
    "seed": (-1, "-1"),
    "verbose": (7, "7"),
    "multi_label": ("yes", "'yes'"),
    "max_params": (0, "0"),
    "max_latency_ms": (-1.0, "-1.0"),
    "max_size_mb": (0, "0"),
    "objectives": (["latency"], "['latency']"),
    "measure_tflite": ("yes", "'yes'"),
    "n_parallel_trials": (0, "0"),
    "distribution_strategy": ("tpu", "'tpu'"),
    "screening": ("nope", "'nope'"),
}


TIME_BUDGET = ("must be None or a positive number of seconds or a duration string like "
               "'10min' or '1h30m'.")


def _constructor_parameters(cls) -> set[str]:
    signature = inspect.signature(cls.__init__)
    return {name for name in signature.parameters if name != "self"}


# --- the tables ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_constructor_parameter_has_a_constraint_and_vice_versa(name):
    cls = getattr(en, name)
    parameters = _constructor_parameters(cls)
    if name == "AutoModel":
        assert GRAPH_ARGUMENTS <= parameters
        parameters -= GRAPH_ARGUMENTS
    constraints = set(cls._parameter_constraints)
    assert parameters - constraints == set(), "constructor parameters without a constraint"
    assert constraints - parameters == set(), "constraints on no constructor parameter"
    for key, allowed in cls._parameter_constraints.items():
        assert allowed and all(isinstance(c, v.Constraint) for c in allowed), key


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_constructor_parameters_are_keyword_only_and_stored_as_given(name):
    cls = getattr(en, name)
    estimator = ESTIMATORS[name]()
    params = estimator.get_params(deep=False)
    for parameter in inspect.signature(cls.__init__).parameters.values():
        if parameter.name in ("self", *GRAPH_ARGUMENTS):
            continue
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, parameter.name
        assert params[parameter.name] is parameter.default or \
            params[parameter.name] == parameter.default


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_defaults_satisfy_the_constraints(name):
    estimator = ESTIMATORS[name]()
    estimator._validate_params()  # raises nothing


def test_every_constrained_parameter_has_a_bad_value_here():
    constrained = set().union(*(getattr(en, n)._parameter_constraints for n in ESTIMATORS))
    assert constrained == set(BAD_VALUES)


@pytest.mark.parametrize(
    ("name", "parameter"),
    [(n, p) for n in ESTIMATORS for p in sorted(getattr(en, n)._parameter_constraints)],
)
def test_every_bad_parameter_raises_in_one_shape(name, parameter):
    value, shown = BAD_VALUES[parameter]
    estimator = ESTIMATORS[name](**{parameter: value})  # the constructor only stores
    pattern = (rf"^The '{parameter}' parameter of {name} must be .+\. "
               rf"Got {re.escape(shown)} instead\.$")
    with pytest.raises(InvalidParameterError, match=pattern) as caught:
        estimator._validate_params()
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("max_trials", 0, "must be an int in the range [1, inf). Got 0 instead."),
        ("max_trials", 2.0, "must be an int in the range [1, inf). Got 2.0 instead."),
        ("max_trials", True, "must be an int in the range [1, inf). Got True instead."),
        ("validation_split", 1.5, "must be a float in the range (0.0, 1.0). Got 1.5 instead."),
        ("validation_split", 0.0, "must be a float in the range (0.0, 1.0). Got 0.0 instead."),
        ("seed", -1, "must be None or an int in the range [0, 2147483647]. Got -1 instead."),
        ("seed", 2**31, "must be None or an int in the range [0, 2147483647]. "
                        "Got 2147483648 instead."),
        ("verbose", 7, "must be one of {0, 1, 2}. Got 7 instead."),
        ("verbose", True, "must be one of {0, 1, 2}. Got True instead."),
        ("time_budget", -5, "must be None or a positive number of seconds or a duration "
                            "string like '10min' or '1h30m'. Got -5 instead."),
        ("time_budget", 0, f"{TIME_BUDGET} Got 0 instead."),
        ("time_budget", "soon", f"{TIME_BUDGET} Got 'soon' instead."),
        ("time_budget", float("nan"), f"{TIME_BUDGET} Got nan instead."),
        ("overwrite", 1, "must be an instance of 'bool'. Got 1 instead."),
        ("directory", 5, "must be None or a path. Got 5 instead."),
        ("objective", ("val_loss", "up"), "must be a metric name such as 'val_loss' or a (name, "
                                          "'min'|'max') tuple. Got ('val_loss', 'up') instead."),
        ("search", {"class_name": "genetic"}, "must be a strategy name ('greedy', 'random', "
                                              "'bayesian', 'hyperband', 'morphism'), config or "
                                              "Strategy instance. Got {'class_name': 'genetic'} "
                                              "instead."),
    ],
)
def test_image_classifier_messages_read_like_scikit_learn(parameter, value, message):
    estimator = en.ImageClassifier(**{parameter: value})
    with pytest.raises(InvalidParameterError) as caught:
        estimator._validate_params()
    assert str(caught.value) == f"The '{parameter}' parameter of ImageClassifier {message}"


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("max_trials", np.int64(3)), ("seed", 0), ("seed", None), ("time_budget", "1h30m"),
     ("time_budget", 0.5), ("validation_split", 0.5), ("validation_split", 1 / 3),
     ("objective", ("val_accuracy", "max")), ("search", "random"),
     ("search", {"class_name": "random", "config": {}}), ("verbose", 0),
     ("directory", None), ("project_name", "run_1"), ("multi_label", False)],
)
def test_good_values_pass(parameter, value):
    en.ImageClassifier(**{parameter: value})._validate_params()


# --- the constraint classes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "text"),
    [
        (v.Interval(int, 1, None), "an int in the range [1, inf)"),
        (v.Interval(float, 0.0, 1.0, closed="neither"), "a float in the range (0.0, 1.0)"),
        (v.Interval(float, 0.0, 1.0, closed="left"), "a float in the range [0.0, 1.0)"),
        (v.Interval(float, 0.0, 1.0, closed="right"), "a float in the range (0.0, 1.0]"),
        (v.Interval(int, None, 5), "an int in the range (-inf, 5]"),
        (v.Interval(int, None, None), "an int in the range (-inf, inf)"),
        (v.Options((0, 1, 2)), "one of {0, 1, 2}"),
        (v.Options(("a", "b")), "one of {'a', 'b'}"),
        (v.InstanceOf(bool), "an instance of 'bool'"),
        (v.InstanceOf((str, bytes)), "an instance of 'str' or 'bytes'"),
        (v.InstanceOf(str, "a path"), "a path"),
        (v.NONE, "None"),
        (v.Satisfies(callable, "a callable"), "a callable"),
    ],
)
def test_constraints_describe_themselves(constraint, text):
    assert constraint.describe() == text


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        (v.Interval(int, 1, 10), [1, 10, np.int32(5)], [0, 11, 2.0, True, "3", None]),
        (v.Interval(float, 0.0, 1.0, closed="neither"), [0.5, np.float32(0.5), 1e-9],
         [0.0, 1.0, math.nan, math.inf, True, "0.5"]),
        (v.Interval(float, 0.0, 1.0, closed="both"), [0, 1, 0.0, 1.0], [-0.1, 1.1]),
        (v.Interval(float, None, None), [-math.inf, 0], [math.nan, None]),
        (v.Options((0, 1, 2)), [0, 2], [3, True, 1.0, "1", None]),
        (v.InstanceOf(bool), [True, False], [1, None, "True"]),
        (v.InstanceOf(int), [3], [True]),
        (v.NONE, [None], [0, "", False]),
    ],
)
def test_constraints_accept_and_reject(constraint, good, bad):
    assert all(constraint.is_satisfied_by(value) for value in good)
    assert not any(constraint.is_satisfied_by(value) for value in bad)


def test_satisfies_treats_type_and_value_errors_as_unsatisfied():
    def check(value):
        if value == "type":
            raise TypeError("bad type")
        if value == "value":
            raise ValueError("bad value")
        return value == "ok"

    constraint = v.Satisfies(check, "ok")
    assert constraint.is_satisfied_by("ok")
    assert not constraint.is_satisfied_by("type")
    assert not constraint.is_satisfied_by("value")
    assert not constraint.is_satisfied_by("other")


# --- validate_parameters ------------------------------------------------------------------


def test_validate_parameters_joins_several_constraints_with_or():
    constraints = {"x": [v.NONE, v.Interval(int, 1, None), v.Options(("auto",))]}
    with pytest.raises(InvalidParameterError, match=re.escape(
        "The 'x' parameter of Thing must be None, an int in the range [1, inf) or one of "
        "{'auto'}. Got 0 instead."
    )):
        v.validate_parameters(constraints, {"x": 0}, "Thing")
    for good in (None, 1, "auto"):
        v.validate_parameters(constraints, {"x": good}, "Thing")


def test_validate_parameters_reports_the_first_bad_parameter_in_order():
    constraints = {"a": [v.Interval(int, 0, None)], "b": [v.Interval(int, 0, None)]}
    with pytest.raises(InvalidParameterError, match="^The 'b' parameter"):
        v.validate_parameters(constraints, {"b": -1, "a": -1}, "Thing")


def test_validate_parameters_skips_parameters_without_constraints():
    v.validate_parameters({"a": [v.NONE]}, {"a": None, "free": object()}, "Thing")


def test_invalid_parameter_error_is_a_value_and_a_type_error():
    error = InvalidParameterError("x")
    assert isinstance(error, ValueError) and isinstance(error, TypeError)
