"""Adapters turn NumPy, pandas, tf.data and files into one array per input or head."""

import numpy as np
import pandas as pd
import pytest

from easynas.data._adapters import check_lengths, read_source, to_arrays
from easynas.exceptions import InvalidDataError


@pytest.fixture
def images(digits):
    return digits[0][:10]


# --- to_arrays ----------------------------------------------------------------------------


def test_to_arrays_passes_a_numpy_array_through(images):
    (array,) = to_arrays(images, ["image"], "x")
    assert array is images


@pytest.mark.parametrize(
    "make",
    [
        lambda a: a.tolist(),
        lambda a: list(a),
        lambda a: pd.Series(list(a)),
        lambda a: pd.Series(list(a), index=np.arange(100, 110)),
    ],
    ids=["nested-lists", "list-of-arrays", "series-of-arrays", "series-with-index"],
)
def test_to_arrays_stacks_samples_given_one_by_one(images, make):
    (array,) = to_arrays(make(images), ["image"], "x")
    assert array.shape == images.shape
    np.testing.assert_array_equal(array, images)


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (pd.Series([3, 1, 2]), np.array([3, 1, 2])),
        (pd.Series(["a", "b", "a"]), np.array(["a", "b", "a"], dtype=object)),
        (pd.Series(["a", "b"], dtype="category"), np.array(["a", "b"], dtype=object)),
        (pd.DataFrame({"a": [1, 0], "b": [0, 1]}), np.array([[1, 0], [0, 1]])),
        (pd.DataFrame({"label": [4, 5]}), np.array([[4], [5]])),
        ([True, False], np.array([True, False])),
    ],
)
def test_to_arrays_reads_pandas_and_lists_of_labels(y, expected):
    (array,) = to_arrays(y, ["head"], "y")
    np.testing.assert_array_equal(array, expected)
    assert array.dtype == expected.dtype


def test_to_arrays_reads_a_tensor(images):
    import tensorflow as tf

    (array,) = to_arrays(tf.constant(images), ["image"], "x")
    np.testing.assert_array_equal(array, images)


def test_to_arrays_orders_several_inputs_by_name(images):
    other = images[:, ::-1]
    by_dict = to_arrays({"b": other, "a": images}, ["a", "b"], "x")
    by_list = to_arrays([images, other], ["a", "b"], "x")
    for left, right in zip(by_dict, by_list):
        np.testing.assert_array_equal(left, right)
    np.testing.assert_array_equal(by_dict[0], images)


@pytest.mark.parametrize(
    ("data", "names", "match"),
    [
        (None, ["image"], r"x is missing \(None\)"),
        (5, ["image"], "x must be an array of samples. Got the scalar 5"),
        ({"a": [1]}, ["a", "b"], r"keys \['a', 'b'\]; missing \['b'\], unknown \[\]"),
        ({"a": [1], "b": [1], "c": [1]}, ["a", "b"], r"missing \[\], unknown \['c'\]"),
        ([[1]], ["a", "b"], r"x must be a list of 2 arrays \(for \['a', 'b'\]\).*Got list"),
        (np.zeros((2, 3)), ["a", "b"], "x must be a list of 2 arrays.*Got ndarray"),
        ([np.zeros((8, 8)), np.zeros((9, 9))], ["image"],
         r"x holds samples of different shapes: sample 0 is \(8, 8\), sample 1 is \(9, 9\)"),
        (pd.Series([np.zeros((8, 8)), np.zeros((8, 7))]), ["image"],
         r"sample 0 is \(8, 8\), sample 1 is \(8, 7\)"),
    ],
    ids=["none", "scalar", "missing-key", "unknown-key", "wrong-count", "not-a-list",
         "ragged-list", "ragged-series"],
)
def test_to_arrays_names_what_is_wrong(data, names, match):
    with pytest.raises(InvalidDataError, match=match):
        to_arrays(data, names, "x")


def test_to_arrays_names_the_part_of_a_dict(images):
    with pytest.raises(InvalidDataError, match=r"x\['b'\] must be an array of samples"):
        to_arrays({"a": images, "b": 3}, ["a", "b"], "x")


def test_to_arrays_rejects_a_dataset_inside_a_list(images):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(images)
    with pytest.raises(InvalidDataError, match="tf.data.Dataset inside a list or dict"):
        to_arrays([images, dataset], ["a", "b"], "x")


# --- check_lengths ------------------------------------------------------------------------


def test_check_lengths_returns_the_common_count():
    assert check_lengths([("x", np.zeros((5, 2))), ("y", np.zeros(5))]) == 5


def test_check_lengths_names_every_length():
    with pytest.raises(InvalidDataError, match="same number of samples: x has 64, y has 63"):
        check_lengths([("x", np.zeros(64)), ("y", np.zeros(63))])
    with pytest.raises(InvalidDataError, match="x is empty"):
        check_lengths([("x", np.zeros(0)), ("y", np.zeros(0))])


# --- tf.data ------------------------------------------------------------------------------


def _dataset(x, y):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((x, y))


@pytest.mark.parametrize(
    "prepare",
    [
        lambda d: d,
        lambda d: d.batch(4),
        lambda d: d.batch(5, drop_remainder=True),
        lambda d: d.batch(3).prefetch(2),
        lambda d: d.shuffle(10, seed=0).batch(4),
    ],
    ids=["unbatched", "batched", "drop-remainder", "prefetched", "shuffled"],
)
def test_read_source_reads_a_dataset_batched_or_not(digits, prepare):
    x, y = digits[0][:10], digits[1][:10]
    got_x, got_y = read_source(prepare(_dataset(x, y)), None)
    assert got_x.shape == (10, 8, 8) and got_y.shape == (10,)
    order = np.lexsort(got_x.reshape(10, -1).T)  # shuffling aside, the same pairs
    expected = np.lexsort(x.reshape(10, -1).T)
    np.testing.assert_array_equal(got_x[order], x[expected])
    np.testing.assert_array_equal(got_y[order], y[expected])


def test_read_source_reads_colour_images_and_string_labels_from_a_dataset(seed):
    x = np.random.default_rng(seed).random((6, 5, 7, 3)).astype(np.float32)
    got_x, got_y = read_source(_dataset(x, ["a", "b", "c"] * 2).batch(4), None)
    assert got_x.shape == (6, 5, 7, 3) and got_x.dtype == np.float32
    assert got_y.tolist() == [b"a", b"b", b"c"] * 2  # tf.string arrives as bytes


def test_read_source_keeps_the_structure_of_several_inputs(images):
    y = np.arange(10)
    for dataset in (_dataset({"a": images, "b": images[:, :4]}, y),
                    _dataset({"a": images, "b": images[:, :4]}, y).batch(3)):
        got_x, got_y = read_source(dataset, None)
        assert set(got_x) == {"a", "b"}
        assert got_x["a"].shape == (10, 8, 8) and got_x["b"].shape == (10, 4, 8)
        np.testing.assert_array_equal(got_y, y)


def test_read_source_reads_a_dataset_of_inputs_alone_for_predict(images):
    import tensorflow as tf

    got_x, got_y = read_source(tf.data.Dataset.from_tensor_slices(images).batch(4), None)
    assert got_y is None
    np.testing.assert_array_equal(got_x, images)


def test_read_source_rejects_bad_datasets(images):
    import tensorflow as tf

    y = np.arange(10)
    with pytest.raises(InvalidDataError, match="x is a tf.data.Dataset.*leave y=None.*ndarray"):
        read_source(_dataset(images, y), y)
    with pytest.raises(InvalidDataError, match=r"\(inputs, targets\) pairs.*3 parts"):
        read_source(tf.data.Dataset.from_tensor_slices((images, y, y)), None)
    with pytest.raises(InvalidDataError, match="x is an infinite tf.data.Dataset"):
        read_source(_dataset(images, y).repeat(), None)
    with pytest.raises(InvalidDataError, match="x is an empty tf.data.Dataset"):
        read_source(_dataset(images, y).take(0), None)


# --- files --------------------------------------------------------------------------------


def test_read_source_reads_a_npz_file(tmp_path, digits):
    x, y = digits
    path = tmp_path / "digits.NPZ"
    with open(path, "wb") as f:
        np.savez(f, x=x, y=np.asarray([str(v) for v in y]))
    for source in (path, str(path)):
        got_x, got_y = read_source(source, None)
        np.testing.assert_array_equal(got_x, x)
        assert got_y.tolist() == [str(v) for v in y]


def test_read_source_names_a_bad_file(tmp_path, digits):
    x, y = digits
    missing_keys = tmp_path / "a.npz"
    np.savez(missing_keys, images=x, y=y)
    with pytest.raises(InvalidDataError, match=r"must hold arrays named 'x' and 'y'. It holds "
                                               r"\['images', 'y'\]"):
        read_source(missing_keys, None)
    objects = tmp_path / "b.npz"
    np.savez(objects, x=x[:2], y=np.array(["a", None], dtype=object))
    with pytest.raises(InvalidDataError, match="b.npz', which cannot be read.*str or int array"):
        read_source(objects, None)
    with pytest.raises(InvalidDataError, match="x is a path, which carries its own labels; "
                                               "leave y=None. Got y of type ndarray"):
        read_source(missing_keys, y)
    with pytest.raises(InvalidDataError, match="x is the path .*nope', which does not exist"):
        read_source(tmp_path / "nope", None)
    other = tmp_path / "data.txt"
    other.write_text("1,2\n")
    with pytest.raises(InvalidDataError, match="directory of class folders, a .npz or a .csv"):
        read_source(other, None)


def test_read_source_passes_plain_data_through(digits):
    x, y = digits
    got_x, got_y = read_source(x, y)
    assert got_x is x and got_y is y


def test_read_source_reads_a_csv_and_takes_out_the_named_target(tmp_path):
    import pandas as pd

    path = tmp_path / "train.csv"
    pd.DataFrame({"age": [30, 40, 50], "income": ["low", "high", "high"]}).to_csv(path,
                                                                                 index=False)
    x, y = read_source(str(path), "income")
    assert list(x.columns) == ["age"] and y.tolist() == ["low", "high", "high"]
    x, y = read_source(path, None)  # for predict: the whole table
    assert list(x.columns) == ["age", "income"] and y is None
    x, y = read_source(x, "income")  # a DataFrame names its target column too
    assert list(x.columns) == ["age"] and len(y) == 3


def test_read_source_names_an_absent_or_incomplete_target_column(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"age": [30, 40, 50], "income": ["low", None, "high"]})
    with pytest.raises(InvalidDataError, match="target column 'wage', which x lacks.*'age'"):
        read_source(frame, "wage")
    with pytest.raises(InvalidDataError, match=r"'income' has 1 missing value\(s\) \(rows \[1\]"):
        read_source(frame, "income")
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InvalidDataError, match="CSV file .* cannot be read"):
        read_source(str(tmp_path / "bad.csv"), "income")
