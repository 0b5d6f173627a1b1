"""Search strategies (as KerasTuner Oracles), budgets, trial records and zero-cost proxies."""

from easynas.search._bayesian import BayesianSearch
from easynas.search._greedy import GreedySearch
from easynas.search._hyperband import Hyperband
from easynas.search._morphism import MorphismSearch
from easynas.search._proxies import PROXIES, proxy_scores
from easynas.search._random import RandomSearch
from easynas.search._records import Objective, TrialRecord, TrialStatus
from easynas.search._registry import get
from easynas.search._roles import Chief, Worker
from easynas.search._strategy import History, Proposal, Strategy

__all__ = [
    "BayesianSearch",
    "Chief",
    "GreedySearch",
    "History",
    "Hyperband",
    "MorphismSearch",
    "Objective",
    "PROXIES",
    "Proposal",
    "RandomSearch",
    "Strategy",
    "TrialRecord",
    "TrialStatus",
    "Worker",
    "get",
    "proxy_scores",
]
