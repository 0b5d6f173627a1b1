"""Reading, analysing and conforming tables: kinds, statistics, and errors naming the column."""

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from easynas.data import TabularSpec
from easynas.data._datetime import datetime_parts, datetime_parts_tf
from easynas.data._spec import spec_from_dict
from easynas.data._tabular import analyze_table, infer_kind, read_table
from easynas.data._tabular_conform import conform_table
from easynas.exceptions import EasyNASWarning, InvalidDataError


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "age": [39.0, 50.0, np.nan, 28.0, 45.0, 33.0],
        "color": ["red", "blue", None, "red", "green", "blue"],
        "member": [True, False, True, True, False, False],
        "signup": ["2024-03-01", "2023-01-05 10:30", None, "2022-12-31", "2021-06-01",
                   "2020-02-29"],
        "notes": ["very nice and clean", "a bit too loud at night", "would come back again",
                  "not my cup of tea", "the staff was rude", "great view from the room"],
        "zip": [94103, 94103, 10001, 60601, 10001, 94103],
    })


@pytest.mark.parametrize("values, kind", [
    ([1.5, np.nan, 3.0], "numeric"),
    ([1, 2, 3], "numeric"),
    (np.array([1, None, 2.5], dtype=object), "numeric"),
    ([True, False, True], "boolean"),
    (np.array([True, None, False], dtype=object), "categorical"),  # a bool cannot be missing
    (["a", "b", None], "categorical"),
    (["1", "2", "3"], "categorical"),  # numeric strings stay categories
    (pd.Categorical([1, 2, 1]), "categorical"),
    (["2024-01-02", "2024-02-03 10:00", None], "datetime"),
    (["2024-13-02", "2024-02-03", "2024-02-04"], "categorical"),  # month 13 is no date
    (pd.to_datetime(["2024-01-02", None, "2024-01-03"]), "datetime"),
    (["the cat sat on the mat", "a dog ran in the park", "birds sing at dawn"], "text"),
    (["New York City"] * 4 + ["Los Angeles"], "categorical"),  # few distinct values
    (np.array(["a", 1, 2.5], dtype=object), "categorical"),
])
def test_infer_kind_follows_the_documented_rules(values, kind):
    assert infer_kind(pd.Series(values)) == kind


def test_analyze_table_describes_every_kind_and_round_trips_through_json():
    spec = analyze_table(read_table(_table()), "x", {"zip": "categorical"})
    assert spec.column_kinds == {"age": "numeric", "color": "categorical", "member": "boolean",
                                 "signup": "datetime", "notes": "text", "zip": "categorical"}
    age, color, member, signup, notes, zip_code = spec.columns
    assert age.missing == 1 and age.mean == pytest.approx((39.0,))
    assert color.dtype == "string" and color.vocabulary == ("blue", "red", "", "green")
    assert color.counts == (2, 2, 1, 1)  # most frequent first, "" stands for missing
    assert member.dtype == "bool" and signup.dtype == "string" and len(signup.mean) == 5
    assert "the" in notes.vocabulary
    assert zip_code.dtype == "int64" and zip_code.vocabulary == (94103, 10001, 60601)
    # layout: 2 numeric (value + indicator), 1 boolean, 5 datetime parts + 1 indicator
    assert spec.scalar_width == 9
    (_, text_start, text_width), = spec.text_slices
    assert text_start == 9 and text_width == len(notes.vocabulary) + 1
    assert spec.categorical_slices == (("color", 9 + text_width, 5), ("zip", 10 + text_width, 4))
    assert spec.width == 11 + text_width
    rebuilt = spec_from_dict(json.loads(json.dumps(spec.to_dict())))
    assert isinstance(rebuilt, TabularSpec) and rebuilt == spec


def test_conform_table_gives_one_array_per_column_in_fitted_order():
    spec = analyze_table(read_table(_table()), "x", {"zip": "categorical"})
    shuffled = _table()[["zip", "notes", "signup", "member", "color", "age"]]
    shuffled.loc[0, "color"] = "purple"
    arrays = conform_table(spec, read_table(shuffled), "x")
    assert [a.dtype.name for a in arrays] == ["float32", "object", "float32", "float32",
                                              "object", "int64"]
    assert np.isnan(arrays[0][2]) and arrays[1][0] == "purple" and arrays[1][2] == ""
    assert arrays[3].shape == (6, 5) and np.isnan(arrays[3][2]).all()


def test_read_table_names_array_columns_and_matches_them_by_position():
    array = np.array([[1.0, "a"], [2.0, "b"], [3.0, "a"]], dtype=object)
    named = read_table(array, "x", ["size", "kind"])
    assert list(named.columns) == ["size", "kind"] and named["size"].dtype == np.float64
    spec = analyze_table(named)
    unnamed = read_table(array[:2], "x")
    assert list(unnamed.columns) == ["x0", "x1"]
    assert conform_table(spec, unnamed)[1].tolist() == ["a", "b"]
    with pytest.raises(InvalidDataError, match="3 columns; the model was fitted on 2"):
        conform_table(spec, read_table(np.ones((2, 3)), "x"))


def test_an_array_fitted_by_position_needs_the_same_column_count_at_predict():
    spec = analyze_table(read_table(np.arange(12.0).reshape(4, 3), "x"))  # x0, x1, x2
    with pytest.raises(InvalidDataError, match="4 columns; the model was fitted on 3"):
        conform_table(spec, read_table(np.ones((2, 4)), "x"))  # never drops x3 silently
    with pytest.raises(InvalidDataError, match="2 columns; the model was fitted on 3"):
        conform_table(spec, read_table(np.ones((2, 2)), "x"))


@pytest.mark.parametrize("part, match", [
    (np.ones(5), r"shape \(rows, columns\).*reshape"),
    ("a string", "must be a table"),
    (pd.DataFrame(), "empty"),
    (pd.DataFrame([[1, 2]], columns=["a", "a"]), "repeated column names"),
    (scipy.sparse.csr_matrix(np.eye(3)), "sparse input is not supported"),
])
def test_read_table_rejects_what_is_not_a_table(part, match):
    with pytest.raises(InvalidDataError, match=match):
        read_table(part, "x")


def test_read_table_checks_the_count_of_column_names():
    with pytest.raises(InvalidDataError, match="2 columns, but column_names lists 1"):
        read_table(np.ones((3, 2)), "x", ["b"])
    assert list(read_table(pd.DataFrame({"a": [1]}), "x", ["b"]).columns) == ["a"]


def test_analyze_table_names_an_empty_column_a_single_row_and_an_unknown_override():
    table = _table().assign(blank=np.nan)
    with pytest.raises(InvalidDataError, match="column 'blank' has no values"):
        analyze_table(read_table(table), "x")
    with pytest.raises(InvalidDataError, match="1 row; at least 2"):
        analyze_table(read_table(_table().head(1)), "x")
    with pytest.raises(InvalidDataError, match=r"column_types names \['nope'\]"):
        analyze_table(read_table(_table()), "x", {"nope": "numeric"})


def test_analyze_table_names_values_that_do_not_fit_an_override():
    with pytest.raises(InvalidDataError, match="'color' is numeric, but row 0 holds 'red'"):
        analyze_table(read_table(_table()), "x", {"color": "numeric"})
    with pytest.raises(InvalidDataError, match="x column 'age' is boolean, but row 0 holds 39"):
        analyze_table(read_table(_table()), "x", {"age": "boolean"})
    gaps = _table().assign(member=np.array([True, None, False, True, True, False], dtype=object))
    with pytest.raises(InvalidDataError, match="'member' is boolean, and row 1 is missing"):
        analyze_table(read_table(gaps), "x", {"member": "boolean"})
    with pytest.raises(InvalidDataError, match="x column 'color' holds datetimes; row 0"):
        analyze_table(read_table(_table()), "x", {"color": "datetime"})


def test_conform_table_names_a_column_whose_type_changed_or_is_missing():
    spec = analyze_table(read_table(_table()), "x")
    changed = _table().assign(age=["old", "young", "old", "old", "young", "old"])
    with pytest.raises(InvalidDataError, match="x column 'age' is numeric, but row 0 holds 'old'"):
        conform_table(spec, read_table(changed), "x")
    with pytest.raises(InvalidDataError, match=r"lacks the column\(s\) \['member'\]"):
        conform_table(spec, read_table(_table().drop(columns="member")), "x")
    with pytest.raises(InvalidDataError, match="'member' is boolean, but row 0 holds 'yes'"):
        conform_table(spec, read_table(_table().assign(member="yes")), "x")


def test_conform_table_ignores_extra_columns_with_a_warning():
    spec = analyze_table(read_table(_table()), "x")
    with pytest.warns(EasyNASWarning, match=r"\['extra'\] that the model was not fitted on"):
        arrays = conform_table(spec, read_table(_table().assign(extra=1)), "x")
    assert len(arrays) == 6


def test_datetime_parts_agree_between_pandas_and_tensorflow(seed):
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    stamps = (pd.Timestamp("1890-01-01") + pd.to_timedelta(rng.integers(0, 80000, 300), "D")
              + pd.to_timedelta(rng.integers(0, 24, 300), "h"))
    text = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"))
    text[::3] = stamps[::3].strftime("%Y-%m-%dT%H:%M")
    text[::7] = stamps[::7].strftime("%Y-%m-%d")
    text[5], text[6] = None, ""
    from_pandas = datetime_parts(text, "x column 'd'")
    from_tf = datetime_parts_tf(tf.constant(text.fillna("").tolist())).numpy()
    np.testing.assert_array_equal(from_pandas, from_tf)  # NaN where missing, in both
    np.testing.assert_array_equal(datetime_parts(pd.Series(stamps), "d")[1], from_pandas[1])
    assert from_pandas[1, 3] == stamps[1].day_of_week and from_pandas[1, 4] == stamps[1].hour
