"""A leaderboard of approximations of the synaptic information, judged against the same truths (docs/theory.md §13).

Every candidate (``(mu, sigma, ensemble, pattern) -> float``) is evaluated on
the same cases, case by case and candidate by candidate in turn, so that its
time per case is measured side by side with the others on the same machine in
the same run.  Scores use **resolved truths only** (docs/theory.md §9.1) and
say how many cases each number rests on:

* ``defined_fraction``: cases with a finite value;
* ``median_abs_rel_err``, ``p90_abs_rel_err``: of ``|I_approx - I| / I`` over
  the cases where the candidate is defined;
* ``within_10pct``: cases with ``|I_approx - I| <= 0.1 I``, out of all cases (an
  undefined value is not within 10 %);
* ``by_regime``: the same by log-variance scale bin x ensemble-size bin;
* ``infinite_cases``, ``infinite_right``: resolved truths that are ``+inf``
  (docs/theory.md §4.1), which enter no relative error, and how many of them
  the candidate gets right (its value ``+inf`` too);
* ``law_violation_rate``: violations of the laws of true information
  (docs/theory.md §12) over random cases of the paper's sets, where defined;
* against the first candidate (FW): a paired bootstrap over the cases where
  both are defined of the difference in median absolute relative error.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ... import analytic
from ...analytic.inputs import Case
from .comparison import fw_fields, judge

__all__ = ["SCALE_BINS", "N_BINS", "evaluate_side_by_side", "leaderboard", "paired_median_difference"]

#: log-variance scale bins (largest eigenvalue of the covariances on V(S))
SCALE_BINS = ((0.0, 1.0, "scale < 1"), (1.0, 10.0, "scale 1-10"), (10.0, np.inf, "scale > 10"))
#: ensemble-size bins
N_BINS = ((1, 1, "n = 1"), (2, 5, "n = 2-5"), (6, 20, "n = 6-20"), (21, 10**9, "n > 20"))


def _evaluate_chunk(approximations: Mapping[str, Callable], cases: Sequence[Case]) -> tuple[np.ndarray, np.ndarray]:
    """``(values, seconds)`` of shape ``(candidates, cases)``; candidates take turns on each case."""
    values = np.full((len(approximations), len(cases)), np.nan)
    seconds = np.full_like(values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        for t, case in enumerate(cases):
            for i, f in enumerate(approximations.values()):
                t0 = time.perf_counter()
                v = f(case.mu, case.sigma, case.ensemble, case.pattern)
                seconds[i, t] = time.perf_counter() - t0
                values[i, t] = float(v)
    return values, seconds


def evaluate_side_by_side(approximations: Mapping[str, Callable], cases: Sequence[Case], *, n_jobs: int = 1
                          ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Values of every candidate on every case, and each one's median seconds per case.

    Candidates take turns on each case (interleaved), so machine load affects
    them alike.  With ``n_jobs > 1`` the cases are split into contiguous chunks
    over worker processes (the candidates must then be importable functions);
    the values do not depend on ``n_jobs``.
    """
    names = list(approximations)
    if n_jobs > 1 and len(cases) > 1:
        from joblib import Parallel, delayed

        chunks = np.array_split(np.arange(len(cases)), min(n_jobs * 4, len(cases)))
        parts = Parallel(n_jobs=n_jobs)(delayed(_evaluate_chunk)(approximations, [cases[t] for t in chunk])
                                        for chunk in chunks)
        values = np.concatenate([p[0] for p in parts], axis=1)
        seconds = np.concatenate([p[1] for p in parts], axis=1)
    else:
        values, seconds = _evaluate_chunk(approximations, cases)
    return ({name: values[i] for i, name in enumerate(names)},
            {name: float(np.median(seconds[i])) if seconds.shape[1] else float("nan") for i, name in enumerate(names)})


def _scale_bin(scale: float) -> str:
    """Label of the half-open scale bin ``[lo, hi)`` holding ``scale``."""
    return next(label for lo, hi, label in SCALE_BINS if lo <= scale < hi)


def _n_bin(n: int) -> str:
    """Label of the closed ensemble-size bin ``[lo, hi]`` holding ``n``."""
    return next(label for lo, hi, label in N_BINS if lo <= n <= hi)


def _scores(rel: np.ndarray, defined: np.ndarray) -> dict[str, Any]:
    cases = int(defined.size)
    d = np.abs(rel[defined])
    return {"cases": cases, "defined_fraction": float(defined.mean()) if cases else float("nan"),
            "median_abs_rel_err": float(np.median(d)) if d.size else float("nan"),
            "p90_abs_rel_err": float(np.quantile(d, 0.9)) if d.size else float("nan"),
            "within_10pct": float((d <= 0.10).sum() / cases) if cases else float("nan")}


def paired_median_difference(abs_rel_a: np.ndarray, abs_rel_b: np.ndarray, *, n_boot: int = 2000,
                             seed: int = 0) -> dict[str, Any]:
    """``median(a) - median(b)`` over paired cases, with a 95 % paired-bootstrap percentile CI."""
    a, b = np.asarray(abs_rel_a, float), np.asarray(abs_rel_b, float)
    if a.size < 5:
        return {"cases": int(a.size), "difference": float("nan"), "ci": [float("nan"), float("nan")]}
    res = stats.bootstrap((a, b), lambda x, y, axis=-1: np.median(x, axis=axis) - np.median(y, axis=axis),
                          paired=True, vectorized=True, n_resamples=n_boot, method="percentile",
                          random_state=np.random.default_rng(seed))
    return {"cases": int(a.size), "difference": float(np.median(a) - np.median(b)),
            "ci": [float(res.confidence_interval.low), float(res.confidence_interval.high)]}


def leaderboard(truths: Sequence[Mapping[str, Any]], cases: Sequence[Case], approximations: Mapping[str, Callable],
                paths: Mapping[str, str], *, z: float = 3.0, law_rates: Mapping[str, float] | None = None,
                seed: int = 0, n_jobs: int = 1) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Score every candidate against the resolved truths.

    Parameters
    ----------
    truths : sequence of dict
        Truth rows (:func:`validation.engine.sweeps.run_truths`), one per case.
    cases : sequence of Case
    approximations : mapping of name to callable
        The candidates, the reference (FW) first.
    paths : mapping of name to str
        Their ``module:function`` paths (reported).
    z : float
        Verdict multiplier (the judged table's ``verdict`` column).
    law_rates : mapping of name to float, optional
        Each candidate's law-violation rate, measured elsewhere.
    seed : int
        Seed of the bootstraps.
    n_jobs : int
        Worker processes for the evaluation (:func:`evaluate_side_by_side`).

    Returns
    -------
    entries : list of dict
        One per candidate: ``approximation`` (path), ``name``, the scores, ``by_regime``,
        ``seconds_per_case``, ``law_violation_rate``, ``infinite_cases``, ``infinite_right``,
        ``vs_reference``.
    long : pandas.DataFrame
        One row per (candidate, case) with the truth, value, relative error and bins.
    """
    use = [t for t, row in enumerate(truths) if bool(row["truth_resolved"]) and np.isfinite(float(row["truth"]))
           and float(row["truth"]) > 0]
    infinite = [t for t, row in enumerate(truths) if np.isposinf(float(row["truth"]))]
    sub_cases = [cases[t] for t in use]
    values, seconds = evaluate_side_by_side(approximations, sub_cases, n_jobs=n_jobs)
    at_infinite, _ = evaluate_side_by_side(approximations, [cases[t] for t in infinite], n_jobs=1)
    truth = np.array([float(truths[t]["truth"]) for t in use])
    scale = np.array([float(truths[t]["scale_vs"]) for t in use])
    n = np.array([int(truths[t]["n_connections"]) for t in use])
    scale_bin = np.array([_scale_bin(v) for v in scale])
    n_bin = np.array([_n_bin(int(v)) for v in n])
    names = list(approximations)
    reference = names[0]
    rows, entries = [], []
    rel = {name: (values[name] - truth) / truth for name in names}
    for name in names:
        defined = np.isfinite(values[name])
        entry = {"approximation": paths[name], "name": name, **_scores(rel[name], defined),
                 "seconds_per_case": seconds[name],
                 "law_violation_rate": (law_rates or {}).get(name, float("nan")),
                 "infinite_cases": len(infinite), "infinite_right": int(np.isposinf(at_infinite[name]).sum())}
        regimes = []
        for _, _, sl in SCALE_BINS:
            for _, _, nl in N_BINS:
                m = (scale_bin == sl) & (n_bin == nl)
                if m.any():
                    regimes.append({"scale": sl, "n": nl, **_scores(rel[name][m], defined[m])})
        entry["by_regime"] = regimes
        if name != reference:
            both = defined & np.isfinite(values[reference])
            entry["vs_reference"] = {"reference": paths[reference], **paired_median_difference(
                np.abs(rel[name][both]), np.abs(rel[reference][both]), seed=seed)}
        entries.append(entry)
        for t, case in enumerate(sub_cases):
            row = judge({**truths[use[t]], **fw_fields(case)}, float(values[name][t]), paths[name], z)
            rows.append({"name": name, "case_id": row["case_id"], "sweep": row["sweep"], "n": int(n[t]),
                         "scale": scale[t], "scale_bin": scale_bin[t], "n_bin": n_bin[t], "truth": truth[t],
                         "value": values[name][t], "rel_err": rel[name][t], "verdict": row["verdict"]})
    return entries, pd.DataFrame(rows)
