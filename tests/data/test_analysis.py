"""Analysis turns arrays into frozen specs and names what is wrong with bad data."""

import numpy as np
import pandas as pd
import pytest

from easynas.data._analysis import (
    analyze_classification_target,
    analyze_images,
    analyze_regression_target,
    check_finite,
)
from easynas.exceptions import InvalidDataError

# --- images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [
        ((8, 8), np.uint8),
        ((8, 8, 1), np.uint8),
        ((6, 10, 3), np.float32),
        ((5, 7, 4), np.uint8),
        ((4, 4, 5), np.float64),
        ((3, 9), np.int16),
    ],
)
def test_analyze_images_describes_shape_dtype_and_channel_statistics(shape, dtype, seed):
    x = (np.random.default_rng(seed).random((12, *shape)) * 200).astype(dtype)
    spec = analyze_images(x)
    assert spec.shape == shape
    assert spec.dtype == np.dtype(dtype).name
    assert spec.num_samples == 12
    assert spec.channels == (1 if len(shape) == 2 else shape[-1])
    pixels = x.astype(np.float64).reshape(-1, spec.channels)
    np.testing.assert_allclose(spec.channel_mean, pixels.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(spec.channel_variance, pixels.var(axis=0), rtol=1e-9)


def test_analyze_images_variance_is_exact_over_chunks_and_large_offsets(seed):
    # 5000 samples span two analysis chunks; a 1e6 offset breaks E[x^2] - E[x]^2.
    rng = np.random.default_rng(seed)
    x = 1e6 + rng.normal(0.0, 0.01, size=(5000, 2, 2, 2))
    spec = analyze_images(x)
    pixels = x.reshape(-1, 2)
    np.testing.assert_allclose(spec.channel_mean, pixels.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(spec.channel_variance, pixels.var(axis=0), rtol=1e-6)


def test_analyze_images_gives_a_constant_channel_unit_variance():
    x = np.zeros((4, 3, 3, 2), dtype=np.uint8)
    x[..., 1] = np.arange(4)[:, None, None]
    spec = analyze_images(x)
    assert spec.channel_variance[0] == 1.0
    assert spec.channel_variance[1] == pytest.approx(np.arange(4).var())


def test_analyze_images_of_real_digits(digits):
    x, _ = digits
    spec = analyze_images(x)
    assert spec.shape == (8, 8) and spec.dtype == "uint8" and spec.num_samples == 64
    assert 0.0 < spec.channel_mean[0] < 16.0


@pytest.mark.parametrize(
    ("x", "match"),
    [
        ([[[0]]], "x must be a NumPy array of images. Got list"),
        (np.zeros(64), r"x must be images.*1 dimension\(s\)"),
        (np.zeros((64, 64)), r"x must be images.*2 dimension\(s\), samples of shape \(64,\)"),
        (np.zeros((4, 2, 8, 8, 1)), r"5 dimension\(s\), samples of shape \(2, 8, 8, 1\)"),
        (np.zeros((0, 8, 8)), r"x is empty \(shape \(0, 8, 8\)\)"),
        (np.zeros((3, 8, 0)), "x is empty"),
        (np.zeros((3, 8, 8), dtype=bool), "numeric pixels.*Got dtype bool"),
        (np.full((3, 8, 8), "a"), "numeric pixels.*Got dtype <U1"),
        (np.zeros((3, 8, 8), dtype=object), "numeric pixels.*Got dtype object"),
        (np.zeros((3, 8, 8), dtype=complex), "numeric pixels.*Got dtype complex128"),
    ],
    ids=["list", "1-d", "2-d", "5-d", "no-samples", "zero-width", "bool", "str", "object",
         "complex"],
)
def test_analyze_images_rejects_what_is_not_a_batch_of_images(x, match):
    with pytest.raises(InvalidDataError, match=match):
        analyze_images(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_analyze_images_names_the_first_non_finite_sample(bad):
    x = np.zeros((10, 4, 4, 3), dtype=np.float32)
    x[7, 1, 2, 0] = bad
    x[9, 0, 0, 0] = bad
    with pytest.raises(InvalidDataError, match="x_val must hold finite numbers; sample 7"):
        analyze_images(x, name="x_val")


def test_check_finite_finds_a_bad_row_past_the_first_chunk():
    x = np.zeros((5000, 2), dtype=np.float16)
    x[4500, 1] = np.nan
    with pytest.raises(InvalidDataError, match="sample 4500"):
        check_finite(x, "x")
    check_finite(np.zeros((3, 2), dtype=np.int64), "x")  # integers are always finite


# --- classification targets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "label_format", "classes"),
    [
        (np.array([2, 0, 1, 2]), "int", (0, 1, 2)),
        (np.array([2, 0, 1], dtype=np.uint8), "int", (0, 1, 2)),
        ([5, 3, 5], "int", (3, 5)),
        (np.array([np.int64(4), np.int64(1)], dtype=object), "int", (1, 4)),
        (np.array(["dog", "cat", "dog"]), "str", ("cat", "dog")),
        (np.array(["dog", "cat"], dtype=object), "str", ("cat", "dog")),
        (pd.Series(["b", "a", "b"], dtype="category").to_numpy(), "str", ("a", "b")),
        (np.array([b"dog", b"cat"]), "bytes", ("cat", "dog")),
        (np.array([b"dog", b"cat"], dtype=object), "bytes", ("cat", "dog")),
        (np.array([True, False, True]), "bool", (False, True)),
        (np.array([True, False], dtype=object), "bool", (False, True)),
        (np.array([0.5, 2.0, 0.5]), "float", (0.5, 2.0)),
        (np.array([[1], [0], [1]]), "int", (0, 1)),
    ],
    ids=["int", "uint8", "list", "numpy-ints-in-object", "str", "object-str", "categorical",
         "bytes", "object-bytes", "bool", "object-bool", "float", "column"],
)
def test_analyze_classification_target_finds_format_and_sorted_classes(
    labels, label_format, classes
):
    spec = analyze_classification_target(labels)
    assert spec.label_format == label_format
    assert spec.classes == classes
    assert [type(c) for c in spec.classes] == [type(c) for c in classes]
    assert spec.num_samples == len(labels)


def test_analyze_classification_target_infers_one_hot_and_multi_label():
    one_hot = analyze_classification_target(np.eye(4)[[0, 1, 2, 3, 1]])
    assert one_hot.label_format == "one_hot" and one_hot.classes == (0, 1, 2, 3)
    multi = analyze_classification_target(np.array([[1, 1, 0], [0, 0, 0], [1, 0, 1]]))
    assert multi.label_format == "multi_label" and multi.multi_label
    forced = analyze_classification_target(np.eye(3)[[0, 1, 2]], multi_label=True)
    assert forced.label_format == "multi_label"
    bools = analyze_classification_target(np.array([[True, False], [True, True]]))
    assert bools.label_format == "multi_label"


@pytest.mark.parametrize(
    ("labels", "kwargs", "match"),
    [
        (np.array([]), {}, "y is empty"),
        (np.array([3, 3, 3]), {}, r"y holds a single class \(3\)"),
        (np.array(["a", "a"]), {}, r"single class \('a'\)"),
        (np.eye(3)[[1, 1, 1]], {}, r"single class \(column 1\)"),
        (np.array([0.0, np.nan, 1.0]), {}, "y must not hold NaN or inf labels; sample 1"),
        (np.array([0.0, 1.0, np.inf]), {}, "NaN or inf labels; sample 2"),
        (np.array(["a", None, "b"], dtype=object), {}, "missing label.*sample 1"),
        (np.array(["a", "b", np.nan], dtype=object), {}, "missing label.*sample 2"),
        (pd.Series(["a", pd.NA, "b"], dtype=object).to_numpy(), {}, "missing label.*sample 1"),
        (np.array([1.0, float("inf")], dtype=object), {}, "NaN or inf labels; sample 1"),
        (np.array([1, "a"], dtype=object), {}, r"mixes label types \['int', 'str'\]"),
        (np.array([b"a", "b"], dtype=object), {}, r"mixes label types \['bytes', 'str'\]"),
        (np.array([(1,), (2,)] + [None], dtype=object)[:2], {}, "Got tuple values"),
        (np.array([1 + 1j, 2j]), {}, "Got dtype complex128"),
        (np.zeros((3, 2, 2)), {}, r"1-D labels or a 2-D.*Got shape \(3, 2, 2\)"),
        (np.array([[0, 2], [1, 0]]), {}, r"0/1 columns; it holds other values \(e.g. 2.0\)"),
        (np.array([[0, np.nan], [1, 0]]), {}, "y must not hold NaN or inf labels; sample 0"),
        (np.array([["a", "b"], ["b", "a"]]), {}, "numeric 0/1. Got dtype <U1"),
        (np.array([[1, 1], [0, 1]]), {"multi_label": False}, "exactly one 1.*sample 0 holds 2"),
        (np.array([1, 2, 1]), {"multi_label": True}, "multi_label=True needs y as a 2-D"),
    ],
    ids=["empty", "single-int", "single-str", "single-one-hot", "nan", "inf", "none",
         "nan-in-object", "pandas-na", "inf-in-object", "mixed", "bytes-and-str", "tuples",
         "complex", "3-d", "not-0-1", "nan-matrix", "str-matrix", "not-one-hot",
         "multi-label-1-d"],
)
def test_analyze_classification_target_names_bad_labels(labels, kwargs, match):
    with pytest.raises(InvalidDataError, match=match):
        analyze_classification_target(labels, **kwargs)


def test_analyze_classification_target_uses_the_argument_name():
    with pytest.raises(InvalidDataError, match=r"validation_data\[1\] holds a single class"):
        analyze_classification_target([1, 1], name="validation_data[1]")


# --- regression targets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "output_shape"),
    [
        (np.array([1.0, 2.0, 4.0]), ()),
        (np.array([1, 2, 4]), ()),
        (np.array([[1.0, 10.0], [2.0, 10.0], [4.0, 10.0]]), (2,)),
        (np.array([1.0, 2.0, 4.0], dtype=object), ()),
        (pd.Series([1.0, 2.0, 4.0]).to_numpy(), ()),
    ],
)
def test_analyze_regression_target_gives_mean_and_std_per_output(targets, output_shape):
    spec = analyze_regression_target(targets)
    assert spec.output_shape == output_shape
    matrix = np.asarray(targets, dtype=float).reshape(len(targets), -1)
    np.testing.assert_allclose(spec.mean, matrix.mean(axis=0))
    expected_std = np.where(matrix.std(axis=0) > 0, matrix.std(axis=0), 1.0)
    np.testing.assert_allclose(spec.std, expected_std)  # a constant output gets std 1
    assert spec.num_samples == 3


@pytest.mark.parametrize(
    ("targets", "match"),
    [
        (np.array([]), "y is empty"),
        (np.array(["a", "b"]), "must hold numbers for regression. Got dtype <U1"),
        (np.array(["a", 1], dtype=object), "must hold numbers for regression. Got non-numeric"),
        (np.array([True, False]), "Got dtype bool"),
        (np.array([1.0, np.nan, 2.0]), "y must be finite; sample 1"),
        (np.array([1.0, None, 2.0], dtype=object), r"missing target \(None or NaN\) at sample 1"),
        (np.zeros((2, 2, 2)), r"shape \(n,\) or \(n, outputs\). Got \(2, 2, 2\)"),
    ],
)
def test_analyze_regression_target_names_bad_targets(targets, match):
    with pytest.raises(InvalidDataError, match=match):
        analyze_regression_target(targets)
