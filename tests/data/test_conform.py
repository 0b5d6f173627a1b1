"""New data is checked against the fitted spec; outputs map back to the user's labels."""

import numpy as np
import pytest

from easynas.data._analysis import (
    analyze_classification_target,
    analyze_images,
    analyze_regression_target,
)
from easynas.data._conform import (
    conform_images,
    decode_output,
    encode_target,
    output_probabilities,
)
from easynas.exceptions import InvalidDataError


def test_conform_images_gives_float32_in_the_fitted_shape(digits):
    x, _ = digits
    spec = analyze_images(x)
    fed = conform_images(spec, x)
    assert fed.dtype == np.float32 and fed.shape == (64, 8, 8)
    np.testing.assert_array_equal(fed, x)


def test_conform_images_takes_grey_images_with_or_without_a_channel_axis(digits):
    x, _ = digits
    flat_spec, channel_spec = analyze_images(x), analyze_images(x[..., None])
    assert conform_images(flat_spec, x[..., None]).shape == (64, 8, 8)
    assert conform_images(channel_spec, x).shape == (64, 8, 8, 1)


@pytest.mark.parametrize(
    ("fitted", "given", "match"),
    [
        ((8, 8), np.zeros((2, 9, 9)), r"x has images of shape \(9, 9\); the model was fitted on "
                                      r"images of shape \(8, 8\) \(array shape \(n, 8, 8\)\)"),
        ((8, 8), np.zeros((2, 8, 8, 3)), r"shape \(8, 8, 3\); the model was fitted on.*\(8, 8\)"),
        ((6, 10, 3), np.zeros((2, 10, 6, 3)), r"shape \(10, 6, 3\).*\(6, 10, 3\)"),
        ((4, 4, 5), np.zeros((2, 4, 4, 4)), r"shape \(4, 4, 4\).*\(4, 4, 5\)"),
        ((8, 8), np.zeros(64), r"shape \(\); the model was fitted"),
        ((8, 8), np.full((2, 8, 8), "a"), "numeric pixels.*Got dtype <U1"),
        ((8, 8), np.zeros((2, 8, 8), dtype=bool), "numeric pixels.*Got dtype bool"),
        ((8, 8), np.where(np.arange(2)[:, None, None] == 1, np.nan, np.zeros((2, 8, 8))),
         "x must hold finite numbers; sample 1"),
    ],
    ids=["size", "channels-added", "transposed", "channel-count", "1-d", "strings", "bool",
         "nan"],
)
def test_conform_images_names_what_differs_from_training(fitted, given, match):
    spec = analyze_images(np.zeros((2, *fitted), dtype=np.uint8))
    with pytest.raises(InvalidDataError, match=match):
        conform_images(spec, given)


def test_conform_images_uses_the_argument_name():
    spec = analyze_images(np.zeros((2, 8, 8), dtype=np.uint8))
    with pytest.raises(InvalidDataError, match=r"validation_data\[0\] has images of shape"):
        conform_images(spec, np.zeros((2, 7, 7)), "validation_data[0]")


def test_encode_target_encodes_classification_labels():
    spec = analyze_classification_target(np.array(["b", "a", "c"]))
    np.testing.assert_array_equal(encode_target(spec, np.array(["c", "a"])), [2, 0])
    np.testing.assert_array_equal(encode_target(spec, np.array([["c"], ["a"]])), [2, 0])
    with pytest.raises(InvalidDataError, match=r"y must hold one label per sample.*\(2, 2\)"):
        encode_target(spec, np.array([["c", "a"], ["a", "b"]]))


@pytest.mark.parametrize(
    ("train", "given", "shape"),
    [
        (np.arange(4.0), np.arange(3.0), (3, 1)),
        (np.arange(4.0), np.arange(3.0).reshape(3, 1), (3, 1)),
        (np.arange(8.0).reshape(4, 2), np.arange(6).reshape(3, 2), (3, 2)),
        (np.arange(4.0), np.array([1, 2], dtype=object), (2, 1)),
    ],
)
def test_encode_target_gives_float32_regression_columns(train, given, shape):
    encoded = encode_target(analyze_regression_target(train), given)
    assert encoded.dtype == np.float32 and encoded.shape == shape


@pytest.mark.parametrize(
    ("given", "match"),
    [
        (np.array(["a", "b"]), "y must hold numbers for regression. Got dtype <U1"),
        (np.array(["a", None], dtype=object), "Got non-numeric values"),
        (np.array([True, False]), "Got dtype bool"),
        (np.zeros((2, 3)), r"y must have 2 target value\(s\) per sample.*\(2, 3\)"),
        (np.array([[1.0, 2.0], [np.inf, 1.0]]), "y must hold finite numbers; sample 1"),
    ],
)
def test_encode_target_names_bad_regression_targets(given, match):
    spec = analyze_regression_target(np.arange(8.0).reshape(4, 2))
    with pytest.raises(InvalidDataError, match=match):
        encode_target(spec, given)


PROBABILITIES = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.5, 0.3]], dtype=np.float32)


@pytest.mark.parametrize(
    ("train", "expected"),
    [
        (np.array([10, 20, 30]), np.array([10, 30, 20])),
        (np.array(["cat", "dog", "emu"]), np.array(["cat", "emu", "dog"], dtype=object)),
        (np.array([b"cat", b"dog", b"emu"]), np.array([b"cat", b"emu", b"dog"], dtype=object)),
        (np.array([0.5, 1.5, 2.5]), np.array([0.5, 2.5, 1.5])),
        (np.eye(3), np.array([0, 2, 1])),
    ],
    ids=["int", "str", "bytes", "float", "one-hot"],
)
def test_decode_output_gives_1d_labels_of_the_users_type(train, expected):
    decoded = decode_output(analyze_classification_target(train), PROBABILITIES)
    assert decoded.ndim == 1
    assert decoded.tolist() == expected.tolist()
    assert [type(v) for v in decoded.tolist()] == [type(v) for v in expected.tolist()]


def test_decode_output_of_bool_labels_gives_bools():
    spec = analyze_classification_target(np.array([True, False]))
    decoded = decode_output(spec, np.array([[0.9, 0.1], [0.3, 0.7]]))
    assert decoded.dtype == np.bool_ and decoded.tolist() == [False, True]


def test_decode_output_of_multi_label_gives_a_0_1_matrix():
    spec = analyze_classification_target(np.array([[1, 0, 1], [0, 1, 1]]))
    decoded = decode_output(spec, PROBABILITIES)
    assert decoded.dtype == np.int64
    np.testing.assert_array_equal(decoded, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])


@pytest.mark.parametrize(("train", "shape"), [(np.arange(4.0), (3,)),
                                              (np.arange(8.0).reshape(4, 2), (3, 2))])
def test_decode_output_of_regression_keeps_the_targets_shape(train, shape):
    raw = np.arange(float(np.prod(shape))).reshape(3, -1)
    assert decode_output(analyze_regression_target(train), raw).shape == shape


def test_output_probabilities_only_for_classification():
    spec = analyze_classification_target(np.array([0, 1, 2]))
    probabilities = output_probabilities(spec, PROBABILITIES.astype(np.float64))
    assert probabilities.dtype == np.float32 and probabilities.shape == (3, 3)
    with pytest.raises(TypeError, match="only for classification"):
        output_probabilities(analyze_regression_target([1.0, 2.0]), PROBABILITIES)
    with pytest.raises(TypeError, match="No decoding for spec ImageSpec"):
        decode_output(analyze_images(np.zeros((2, 3, 3))), PROBABILITIES)
