"""Labels encode to indices and decode back to the user's own type."""

import json

import numpy as np
import pytest

from easynas.data._analysis import analyze_classification_target
from easynas.data._labels import classes_array, decode_labels, encode_labels, label_kind
from easynas.data._spec import spec_from_dict
from easynas.exceptions import InvalidDataError

ROUND_TRIPS = {
    "int": np.array([7, 3, 3, 9, 7]),
    "str": np.array(["dog", "cat", "emu", "cat"]),
    "object-str": np.array(["dog", "cat", "emu"], dtype=object),
    "bytes": np.array([b"dog", b"cat", b"\xff\x00raw"], dtype=object),
    "bool": np.array([True, False, False, True]),
    "float": np.array([0.25, 1.5, -2.0, 0.25]),
}


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_labels_round_trip_through_encode_and_decode(name):
    labels = ROUND_TRIPS[name]
    spec = analyze_classification_target(labels)
    spec = spec_from_dict(json.loads(json.dumps(spec.to_dict())))  # as after reloading
    indices = encode_labels(labels, spec)
    assert indices.dtype == np.int32 and indices.shape == (len(labels),)
    assert indices.min() >= 0 and indices.max() < spec.num_classes
    decoded = decode_labels(indices, spec)
    assert decoded.ndim == 1
    assert decoded.tolist() == labels.tolist()
    assert [type(v) for v in decoded.tolist()] == [type(v) for v in labels.tolist()]


@pytest.mark.parametrize(
    ("labels", "dtype"),
    [
        ([3, 1], np.int64),
        ([True, False], np.bool_),
        ([0.5, 1.0], np.float64),
        (["b", "a"], object),
        (np.array([b"b", b"a"]), object),
        (np.eye(2), np.int64),
    ],
)
def test_classes_array_has_the_users_label_type(labels, dtype):
    classes = classes_array(analyze_classification_target(labels))
    assert classes.dtype == dtype and classes.ndim == 1


def test_bytes_classes_come_back_as_bytes():
    classes = classes_array(analyze_classification_target(np.array([b"b", b"a"])))
    assert classes.tolist() == [b"a", b"b"]


def test_encode_labels_matches_equal_labels_of_compatible_types():
    ints = analyze_classification_target(np.array([0, 1, 2]))
    np.testing.assert_array_equal(encode_labels(np.array([2.0, 0.0]), ints), [2, 0])
    np.testing.assert_array_equal(encode_labels(np.array([2, 0], dtype=object), ints), [2, 0])
    np.testing.assert_array_equal(encode_labels(np.array([[1], [2]]), ints), [1, 2])
    text = analyze_classification_target(np.array(["a", "b"]))
    np.testing.assert_array_equal(encode_labels(np.array([b"b", b"a"]), text), [1, 0])
    raw = analyze_classification_target(np.array([b"a", b"b"]))
    np.testing.assert_array_equal(encode_labels(np.array(["b", "a"]), raw), [1, 0])


def test_bools_and_the_ints_zero_and_one_stay_apart():
    bools = analyze_classification_target(np.array([True, False]))
    with pytest.raises(InvalidDataError, match="holds the label 1, which was not among"):
        encode_labels(np.array([1, 0]), bools)
    ints = analyze_classification_target(np.array([0, 1]))
    with pytest.raises(InvalidDataError, match="holds the label True"):
        encode_labels(np.array([True, False], dtype=object), ints)


@pytest.mark.parametrize(
    ("train", "new", "match"),
    [
        (np.arange(10), np.array([1, 2, 99]), r"holds the label 99, which was not among the "
                                               r"training classes \[0, 1, 2"),
        (np.arange(3), np.array([1.5]), "holds the label 1.5"),
        (np.arange(3), np.array([np.nan]), "holds the label nan"),
        (np.array(["a", "b"]), np.array(["a", "c"]), "holds the label 'c'"),
        (np.array(["a", "b"]), np.array([1, 2]), "holds the label 1"),
        (np.array(["a", "b"]), np.array(["a", None], dtype=object),
         "has a missing label.*sample 1"),
    ],
)
def test_encode_labels_names_an_unseen_label(train, new, match):
    spec = analyze_classification_target(train)
    with pytest.raises(InvalidDataError, match=f"y_val {match}"):
        encode_labels(new, spec, name="y_val")


def test_encode_labels_rejects_a_matrix_for_single_labels():
    spec = analyze_classification_target(np.array([0, 1]))
    with pytest.raises(InvalidDataError, match=r"y must hold one label per sample.*\(2, 2\)"):
        encode_labels(np.eye(2), spec)


def test_encode_labels_of_one_hot_targets_gives_the_hot_column():
    spec = analyze_classification_target(np.eye(3)[[0, 1, 2]])
    np.testing.assert_array_equal(encode_labels(np.eye(3)[[2, 0]], spec), [2, 0])
    np.testing.assert_array_equal(decode_labels([2, 0], spec), [2, 0])


def test_encode_labels_of_multi_label_targets_gives_float_columns():
    spec = analyze_classification_target(np.array([[1, 1, 0], [0, 0, 1]]))
    encoded = encode_labels(np.array([[True, False, True]]), spec)
    assert encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded, [[1.0, 0.0, 1.0]])


@pytest.mark.parametrize(
    ("train", "new", "match"),
    [
        (np.eye(3)[[0, 1, 2]], np.eye(4)[[0]], r"3 label columns, as in training.*\(1, 4\)"),
        (np.eye(3)[[0, 1, 2]], np.array([0, 1]), r"3 label columns.*Got shape \(2,\)"),
        (np.eye(3)[[0, 1, 2]], np.array([[1, 0, 0], [1, 1, 0]]),
         r"one-hot rows \(a single 1\), as in training; sample 1 is \[1.0, 1.0, 0.0\]"),
        (np.array([[1, 1], [0, 1]]), np.array([[1, 2]]), "0/1 values.*sample 0"),
        (np.array([[1, 1], [0, 1]]), np.array([[1, np.nan]]), "0/1 values.*sample 0"),
        (np.array([[1, 1], [0, 1]]), np.array([["a", "b"]]), "numeric 0/1"),
    ],
)
def test_encode_labels_checks_label_matrices(train, new, match):
    spec = analyze_classification_target(train)
    with pytest.raises(InvalidDataError, match=match):
        encode_labels(new, spec)


def test_vectorised_and_per_label_encoding_agree(seed):
    labels = np.random.default_rng(seed).integers(0, 50, size=500)
    spec = analyze_classification_target(labels)
    fast = encode_labels(labels, spec)
    slow = encode_labels(labels.astype(object), spec)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(decode_labels(fast, spec), labels)


@pytest.mark.parametrize(
    ("value", "kind"),
    [(1, "int"), (np.int32(1), "int"), (True, "bool"), (np.bool_(False), "bool"),
     (1.5, "float"), (np.float32(2.0), "float"), ("a", "str"), (np.str_("a"), "str"),
     (b"a", "bytes"), (None, None), (float("nan"), None), (np.float64("nan"), None),
     ((1,), "tuple")],
)
def test_label_kind(value, kind):
    assert label_kind(value) == kind
