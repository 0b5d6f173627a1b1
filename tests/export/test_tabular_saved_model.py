"""A table's SavedModel takes one raw tensor per column and serves, without easynas, what
`predict_proba` gives, unseen categories and missing values included."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import easynas as en
from easynas.search import GreedySearch
from tests.blocks._tabular_table import mixed_table
from tests.export import SEED

# Serves the export in a fresh interpreter where easynas cannot be imported: one tensor
# per column, as a TF Serving request would send a row as JSON.
SERVE = """
import json, sys
import numpy as np
import tensorflow as tf

assert not [m for m in sys.modules if m.startswith("easynas") and sys.modules[m] is not None]
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
_, kwargs = serve.structured_input_signature
with open(sys.argv[2]) as f:
    columns = json.load(f)
dtypes = {name: spec.dtype for name, spec in kwargs.items()}
out = serve(**{name: tf.constant(values, dtype=dtypes[name]) for name, values in columns.items()})
np.savez(sys.argv[3], probabilities=out["probabilities"].numpy(),
         classes=out["classes"].numpy().astype(bytes).astype(str))
with open(sys.argv[4], "w") as f:
    json.dump({k: [s.dtype.name, s.shape.as_list()] for k, s in kwargs.items()}, f)
"""


def _table() -> tuple[pd.DataFrame, np.ndarray]:
    frame = mixed_table(SEED, rows=40)
    frame["zip code"] = np.random.default_rng(SEED).choice([94103, 10001, 60601], 40)
    frame["joined"] = frame["joined"].dt.strftime("%Y-%m-%d %H:%M")
    label = (frame.age.fillna(40) > 45) ^ (frame.colour == "red")
    return frame, np.where(label, "yes", "no").astype(object)


# The numeric columns piecewise-linear encoded (fixed Dense + clipping ReLU layers).
PIECEWISE = {"tabular_block/block_type": "mlp",
             "tabular_block/encoding/numeric": "piecewise_linear"}


@pytest.mark.parametrize("numeric", ["searched", "piecewise_linear"])
def test_tabular_saved_model_serves_raw_columns_like_predict_without_easynas(
    tmp_path, fast, run_without_easynas, numeric
):
    frame, y = _table()
    search = "random" if numeric == "searched" else GreedySearch(initial_values=[PIECEWISE])
    clf = en.TabularClassifier(**{**fast, "search": search},
                               column_types={"zip code": "categorical", "review": "text"})
    clf.fit(frame, y)
    if numeric == "piecewise_linear":
        assert any(layer.name.endswith("_piecewise_linear")
                   for layer in clf.best_model_.layers)
    folder = clf.export(str(tmp_path / "serving"))

    rows = frame.head(6).copy()
    rows.loc[0, "colour"] = "purple"  # a category never seen in training
    rows.loc[1, "zip code"] = 99999  # an unseen integer category
    rows.loc[2, ["age", "colour", "joined"]] = [np.nan, None, None]  # missing values
    rows.loc[3, "review"] = "words nobody used before"
    expected = clf.predict_proba(rows)

    request = {
        "age": rows["age"].astype(float).tolist(),  # NaN for missing
        "colour": rows["colour"].fillna("").tolist(),
        "member": rows["member"].tolist(),
        "joined": rows["joined"].fillna("").tolist(),
        "review": rows["review"].tolist(),
        "zip_code": rows["zip code"].astype(int).tolist(),  # the column's serving name
    }
    (tmp_path / "request.json").write_text(json.dumps(request))
    run_without_easynas(SERVE, folder, tmp_path / "request.json", tmp_path / "out.npz",
                        tmp_path / "inputs.json")
    served = np.load(tmp_path / "out.npz")
    inputs = json.loads((tmp_path / "inputs.json").read_text())

    assert inputs == {"age": ["float32", [None]], "colour": ["string", [None]],
                      "member": ["bool", [None]], "joined": ["string", [None]],
                      "review": ["string", [None]], "zip_code": ["int64", [None]]}
    assert np.max(np.abs(served["probabilities"] - expected)) < 1e-5
    np.testing.assert_array_equal(served["classes"], clf.predict(rows))

    metadata = json.loads(open(os.path.join(folder, "easynas_metadata.json")).read())
    assert metadata["spec"]["inputs"][0]["kind"] == "tabular"
    assert metadata["signature"]["inputs"]["zip_code"] == {"dtype": "int64", "shape": [None]}
