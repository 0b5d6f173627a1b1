"""The Pareto-front PNG: a real image file written by matplotlib."""

from __future__ import annotations

import pytest

from easynas.report._pareto_plot import plot_front

pytest.importorskip("matplotlib", reason="plotting needs matplotlib (pip install 'easynas[plot]')")


def test_plot_front_writes_a_png_of_the_given_size(tmp_path):
    points = [("0", 1.2, 0.91), ("1", 0.4, 0.85), ("2", 2.5, 0.80), ("3", 0.9, 0.93)]
    path = plot_front(points, ["1", "3"], str(tmp_path / "front.png"),
                      x_label="latency (ms)", y_label="val_accuracy", title="t", log_x=True)
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert (width, height) == (768, 528)  # 6.4 x 4.4 inches at 120 dpi
