"""The parent's memory stays flat over a long search (30 tiny trials in this process)."""

import os
import sys
import time

import keras
import pytest

import easynas as en

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads the resident set size from /proc")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _RecordRSS(keras.callbacks.Callback):
    """Records this process's resident memory at the end of every trial's training."""

    def __init__(self):
        super().__init__()
        self.mb = []

    def on_train_end(self, logs=None):
        self.mb.append(_rss_mb())


@pytest.mark.slow  # 135 s: 30 trials, each measuring its costs
def test_resident_memory_stays_flat_over_30_trials(digits, tmp_path):
    x, y = digits
    image = en.ImageInput()
    block = en.blocks.DenseBlock(num_layers=1, units=[8, 16, 32, 64], batch_norm=False)
    model = en.AutoModel(image, en.ClassificationHead()(block(image)), search="random",
                         max_trials=30, epochs=1, batch_size=64, refit=False, verbose=0,
                         seed=0, directory=str(tmp_path))
    record = _RecordRSS()
    started = time.perf_counter()
    model.fit(x, y, callbacks=[record])
    after = _rss_mb()
    seconds = time.perf_counter() - started
    assert len(model.trials_) == 30 and len(record.mb) == 30
    # The first trial loads TensorFlow's kernels and tracing machinery once; growth
    # is counted from the end of it.
    growth = after - record.mb[0]
    print(f"\nRSS over 30 trials ({seconds:.0f}s), MB: "
          + " ".join(f"{mb:.0f}" for mb in record.mb) + f"; after fit {after:.0f}; "
          f"growth {growth:.1f} MB")
    assert growth < 100, f"the parent grew by {growth:.0f} MB over 30 trials"
