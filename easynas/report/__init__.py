"""Leaderboards and progress reports."""

from easynas.report._leaderboard import build_leaderboard, describe_values
from easynas.report._progress import ProgressReporter

__all__ = ["ProgressReporter", "build_leaderboard", "describe_values"]
