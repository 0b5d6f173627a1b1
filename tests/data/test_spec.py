"""Specs are frozen plain data that round-trip through JSON."""

import dataclasses
import json

import numpy as np
import pytest

from easynas.data import (
    ClassificationTargetSpec,
    DataSpec,
    ImageSpec,
    RegressionTargetSpec,
    analyze_classification_target,
    analyze_images,
    analyze_regression_target,
)
from easynas.data._spec import spec_from_dict


def _json_round_trip(spec):
    return spec_from_dict(json.loads(json.dumps(spec.to_dict())))


@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 1), (6, 10, 3), (5, 7, 4), (4, 4, 5)])
def test_image_spec_round_trips_through_json(shape, seed):
    x = np.random.default_rng(seed).integers(0, 256, size=(6, *shape), dtype=np.uint8)
    spec = analyze_images(x)
    again = _json_round_trip(spec)
    assert again == spec
    assert isinstance(again.shape, tuple) and isinstance(again.channel_mean, tuple)
    assert again.channels == (1 if len(shape) == 2 else shape[-1])
    assert ImageSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize(
    ("labels", "label_format"),
    [
        (np.array([3, 1, 2, 1]), "int"),
        (np.array(["cat", "dog", "cat", "emu"]), "str"),
        (np.array([b"cat", b"dog", b"\xff\xfe"], dtype=object), "bytes"),
        (np.array([True, False, True]), "bool"),
        (np.array([0.5, 1.5, 0.5]), "float"),
        (np.eye(3, dtype=int)[[0, 1, 2, 1]], "one_hot"),
        (np.array([[1, 1, 0], [0, 1, 1], [0, 0, 0]]), "multi_label"),
    ],
)
def test_classification_spec_round_trips_through_json_for_every_label_format(
    labels, label_format
):
    spec = analyze_classification_target(labels)
    assert spec.label_format == label_format
    text = json.dumps(spec.to_dict())  # JSON-safe: no numpy scalars, no bytes
    again = ClassificationTargetSpec.from_dict(json.loads(text))
    assert again == spec
    assert [type(c) for c in again.classes] == [type(c) for c in spec.classes]


@pytest.mark.parametrize("targets", [np.arange(5.0), np.arange(10.0).reshape(5, 2)])
def test_regression_spec_round_trips_through_json(targets):
    spec = analyze_regression_target(targets)
    again = RegressionTargetSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.output_shape == targets.shape[1:]
    assert again.num_outputs == (1 if targets.ndim == 1 else targets.shape[1])


def test_data_spec_round_trips_through_json(digits):
    x, y = digits
    spec = DataSpec(
        inputs=(analyze_images(x),),
        targets=(analyze_classification_target(y), analyze_regression_target(y.astype(float))),
    )
    again = DataSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec


def test_spec_from_dict_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="Unknown spec kind 'video'"):
        spec_from_dict({"kind": "video"})


def test_from_dict_rejects_a_config_of_another_kind():
    config = analyze_regression_target(np.arange(4.0)).to_dict()
    with pytest.raises(ValueError, match="ImageSpec.from_dict got a config of kind 'regression'"):
        ImageSpec.from_dict(config)


def test_specs_are_frozen(digits):
    spec = analyze_images(digits[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.shape = (1, 1)


def test_classification_spec_properties():
    spec = analyze_classification_target(np.array([[1, 0], [1, 1]]))
    assert spec.multi_label and spec.num_classes == 2
    assert not analyze_classification_target(np.array(["a", "b"])).multi_label
