"""Quick start: find an image classifier for scikit-learn's 8x8 digits, export it,
and serve the export with plain TensorFlow.

Run it with `make demo` (sets everything up first) or `python tutorials/digits_quickstart.py`.
It finishes in under 5 minutes on 2 CPU cores. Set EASYNAS_TUTORIAL_FAST=1 for a
one-trial smoke run (used by the test suite).
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import easynas as en

FAST = os.environ.get("EASYNAS_TUTORIAL_FAST") == "1"
OUTPUT = os.environ.get("EASYNAS_TUTORIAL_OUTPUT", "demo_output")

# 1. Data: 1797 real 8x8 grey images of handwritten digits, labels 0-9.
digits = load_digits()
images = digits.images.astype(np.uint8)  # raw pixels, values 0..16
x_train, x_test, y_train, y_test = train_test_split(
    images, digits.target, test_size=0.25, stratify=digits.target, random_state=0
)

# 2. Search. Known-good candidates come first (greedy), then variations of the best;
#    the time budget stops the search cleanly and keeps the best model so far.
clf = en.ImageClassifier(
    max_trials=1 if FAST else 8,
    time_budget="40s" if FAST else "3min",
    epochs=1 if FAST else 15,
    seed=0,
    directory=os.path.join(OUTPUT, "projects"),
    overwrite=True,
    verbose=1,
)
clf.fit(x_train, y_train)

# 3. Every candidate, best first.
board = clf.leaderboard()
print(board[["trial_id", "status", "val_loss", "val_accuracy", "params", "latency_ms",
             "trial_seconds"]].to_string())
print("best candidate:", clf.best_hyperparameters_)
print(f"test accuracy (easynas predict): {clf.score(x_test, y_test):.4f}")

# 4. Export a TF Serving SavedModel (OUTPUT/digits/<version>/saved_model.pb) with the
#    preprocessing inside: it takes raw uint8 pixels.
export_dir = clf.export(os.path.join(OUTPUT, "digits"))
print("exported to", export_dir)

# 5. Reload the export in a fresh Python where easynas cannot even be imported.
SERVE = """
import sys
sys.modules["easynas"] = None
import numpy as np, tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
data = np.load(sys.argv[2])
out = serve(image=tf.constant(data["x"]))
predicted = out["classes"].numpy().astype(str)
print(f"test accuracy (reloaded SavedModel, no easynas): "
      f"{np.mean(predicted == data['y'].astype(str)):.4f}")
"""
with tempfile.TemporaryDirectory() as scratch:
    path = os.path.join(scratch, "test.npz")
    np.savez(path, x=x_test, y=y_test)
    subprocess.run([sys.executable, "-c", SERVE, export_dir, path], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
