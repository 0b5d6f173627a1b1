"""easynas benchmarks: timed searches on real data, written to files.

Run them with `python -m benchmarks.run --suite image` (see benchmarks/README.md).
"""
