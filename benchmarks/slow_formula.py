"""A synthetic approximation that costs 0.1 s a case, for timing the validation suite.

``fw_plus_sleep`` is the FW value (:func:`synmi.analytic.mutual_information`,
docs/theory.md §3) computed after sleeping :data:`SECONDS_PER_CASE`: the values,
and so every verdict of the suite, are FW's, while each evaluation costs what
a slow formula such as the Gaussian copula (docs/theory.md §11.4, 0.07-1 s a
case) costs.  The sleep is wall time, not CPU time, so with two worker
processes on two busy cores it measures the suite's own overhead rather than
the machine's load.  ``benchmarks/bench_suite.py`` times the suite with it; a
user can pass it too::

    pytest validation/ --approximation benchmarks.slow_formula:fw_plus_sleep

(run from the repository root, where ``benchmarks`` is importable).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from synmi import analytic

__all__ = ["SECONDS_PER_CASE", "fw_plus_sleep", "constant_plus_sleep"]

#: Cost of one evaluation, in seconds.
SECONDS_PER_CASE = 0.1


def fw_plus_sleep(mu: np.ndarray, sigma: np.ndarray, ensemble: np.ndarray, pattern: int) -> float:
    """``I_FW`` (nats) after sleeping :data:`SECONDS_PER_CASE` seconds."""
    time.sleep(SECONDS_PER_CASE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        return float(analytic.mutual_information(mu, sigma, ensemble, pattern))


def constant_plus_sleep(mu: np.ndarray, sigma: np.ndarray, ensemble: np.ndarray, pattern: int) -> float:
    """1 nat after sleeping :data:`SECONDS_PER_CASE` seconds: keeps every law of docs/theory.md §12.

    The worst case for the law part of the suite: no counterexample search stops
    early, so each spends its whole evaluation budget.
    """
    time.sleep(SECONDS_PER_CASE)
    return 1.0
