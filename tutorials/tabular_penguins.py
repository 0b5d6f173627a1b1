"""Tables: find a classifier for the Palmer penguins, a real table with numeric and string
columns and missing values, export it, and serve it one raw column per tensor.

The data (344 penguins, 3 species; CC0) ships inside the `palmerpenguins==0.1.6` wheel.
`easynas.datasets.load_penguins` downloads that wheel once with `pip download --no-deps` into
easynas's data folder (`~/.cache/easynas/datasets`, or `$EASYNAS_DATA_DIR`) and reads the CSV
straight out of it: nothing is installed.

Run it with `python tutorials/tabular_penguins.py` (a few minutes on 2 CPU cores). Set
EASYNAS_TUTORIAL_FAST=1 for a one-trial smoke run (used by the test suite).
"""

import json
import os
import subprocess
import sys
import tempfile

import pandas as pd
from sklearn.model_selection import train_test_split

import easynas as en
from easynas.datasets import load_penguins

FAST = os.environ.get("EASYNAS_TUTORIAL_FAST") == "1"
OUTPUT = os.environ.get("EASYNAS_TUTORIAL_OUTPUT", "tabular_output")


# 1. Data: species (the target), island and sex are strings; sex and the four measurements
#    have missing values. `year` holds 2007-2009: we tell easynas to treat it as a category.
table = load_penguins()
print(table.head().to_string())
target = "species"
train, test = train_test_split(table, test_size=0.25, stratify=table[target], random_state=0)

# 2. Search. The first candidate is a linear model on one-hot categories (the model to beat
#    on a small table); MLPs and a feature-token transformer follow. Everything the table
#    needs (imputation, scaling, category lookup) is learnt from the training rows and lives
#    inside the model.
clf = en.TabularClassifier(
    column_types={"year": "categorical"},
    max_trials=1 if FAST else 6,
    time_budget="60s" if FAST else "4min",
    epochs=1 if FAST else 50,
    seed=0,
    directory=os.path.join(OUTPUT, "projects"),
    overwrite=True,
    verbose=1,
)
clf.fit(train, y=target)  # a DataFrame and its target column's name (a CSV path works too)
print("column kinds:", clf.column_types_)
board = clf.leaderboard()
print(board[["trial_id", "status", "val_loss", "val_accuracy", "params",
             "trial_seconds"]].to_string())
print("best candidate:", clf.best_hyperparameters_)
# On a table this small the best few trials are cross-validated (`finalists_`); when a weighted
# mix of them beats each alone on the rows they did not train on, the mix is what is deployed
# and exported, as one Keras model (`ensemble_`; None when one network won).
print("finalists' ensemble:", None if clf.ensemble_ is None else clf.ensemble_["weights"])
x_test, y_test = test.drop(columns=target), test[target].to_numpy()
print(f"test accuracy (easynas predict): {clf.score(x_test, y_test):.4f}")

# 3. Rows with gaps and never-seen values still get predictions.
odd = x_test.head(2).copy()
odd.loc[odd.index[0], "island"] = "Atlantis"  # an island never seen in training
odd.loc[odd.index[1]] = None  # a row with every value missing
print("odd rows:", clf.predict(odd))

# 4. Export a TF Serving SavedModel: its signature takes one tensor per raw column, named
#    after the column (float32 numbers with NaN for missing, strings with "" for missing).
export_dir = clf.export(os.path.join(OUTPUT, "penguins"))
print("exported to", export_dir)
with open(os.path.join(export_dir, "easynas_metadata.json")) as f:
    signature = json.load(f)["signature"]["inputs"]
print("serving inputs:", signature)


def column_values(frame: pd.DataFrame, name: str, dtype: str) -> list:
    """A column as a TF Serving client would send it."""
    values = frame[name]
    if dtype == "float32":
        return values.astype(float).tolist()  # NaN for missing
    if dtype == "int64":
        return values.astype(int).tolist()
    return ["" if pd.isna(v) else str(v) for v in values]


request = {name: column_values(x_test, name, spec["dtype"]) for name, spec in signature.items()}
print("a REST request would send:",
      json.dumps({"instances": [{k: v[0] for k, v in request.items()}]}))

# 5. Serve the export in a fresh Python where easynas cannot even be imported.
SERVE = """
import json, sys
sys.modules["easynas"] = None
import numpy as np, tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
_, specs = serve.structured_input_signature
with open(sys.argv[2]) as f:
    data = json.load(f)
out = serve(**{k: tf.constant(v, dtype=specs[k].dtype) for k, v in data["columns"].items()})
predicted = out["classes"].numpy().astype(str)
print(f"test accuracy (reloaded SavedModel, no easynas): "
      f"{np.mean(predicted == np.array(data['labels'])):.4f}")
"""
with tempfile.TemporaryDirectory() as scratch:
    path = os.path.join(scratch, "request.json")
    with open(path, "w") as f:
        json.dump({"columns": request, "labels": [str(v) for v in y_test]}, f)
    subprocess.run([sys.executable, "-c", SERVE, export_dir, path], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
