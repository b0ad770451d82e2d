"""The report's truth steps: committed truths reused and re-checked, cross-checks, and the estimators' record.

* :func:`truths_with_table` -- every case's truth, from the committed table
  where its key matches (``truth_table``), computed (resumably) otherwise, and
  a random sample of the reused ones recomputed with another seed;
* :func:`cross_checks` -- independent checks of resolved ensemble truths
  (docs/theory.md §§9.2, 10), spread over ``n`` (at least ``per_n`` at every
  ensemble size that has them), kept in their own table and reused by key;
* :func:`exact_against_monte_carlo` -- the 1-D spacing estimator on a sample of
  single-connection cases against their exact values (docs/theory.md §8);
* :func:`ksg_against_truth` -- KSG where it is what it is: a lower bound with a
  measured bias (docs/theory.md §9).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ... import empirical
from ...analytic.inputs import Case
from ..engine.comparison import EstimationConfig, case_seed
from ..engine.sweeps import run_truths
from ..engine.truth_analysis import is_monte_carlo
from ..engine.truth_table import (
    load_truth_table,
    reproduction_check,
    reproduction_sample,
    save_truth_table,
    table_key,
)

__all__ = ["truths_with_table", "cross_checks", "choose_cross_checks", "check_interval", "exact_against_monte_carlo", "ksg_against_truth",
           "truth_from_row"]


def truths_with_table(cases: Sequence[Case], config: EstimationConfig, table_path: Path, *, cache: Path,
                      n_jobs: int, scheduler: str | None, recompute: bool = False, fraction: float = 0.05,
                      minimum: int = 5, rng: np.random.Generator | None = None
                      ) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """Truth rows of every case, the reproduction check of a random sample of reused ones, and counts.

    The table at ``table_path`` is rewritten with every truth of ``cases`` (keyed
    by :func:`table_key`); with ``recompute`` the stored rows are ignored.
    """
    known = {} if recompute else load_truth_table(table_path)
    keys = [table_key(c, config) for c in cases]
    reused = [k in known for k in keys]
    truths = run_truths(cases, config, out_dir=cache, n_jobs=n_jobs, scheduler=scheduler, known=known,
                        progress="truths")
    # the reproduction sample: reused Monte Carlo truths, whatever their method (exact, infinite and exactly
    # zero ones are decided without sampling and reproduce by construction)
    eligible = [r and is_monte_carlo(truths[t]["truth_method"]) for t, r in enumerate(reused)]
    sample = reproduction_sample(keys, eligible, fraction=fraction, minimum=minimum, rng=rng)
    fresh = _reproductions([cases[t] for t in sample], [truths[t] for t in sample], config, cache=cache,
                           n_jobs=n_jobs, scheduler=scheduler)
    check = reproduction_check([truths[t] for t in sample], fresh, config.z)
    save_truth_table({k: row for k, row in zip(keys, truths)}, table_path)
    info = {"cases": len(cases), "reused": int(sum(reused)), "computed": int(len(cases) - sum(reused)),
            "recomputed_sample": len(sample), "reproduced": int(check["agree"].sum()) if len(check) else 0,
            "table": str(table_path)}
    return truths, check, info


def _reproductions(cases: Sequence[Case], stored: Sequence[dict[str, Any]], config: EstimationConfig, *,
                   cache: Path, n_jobs: int, scheduler: str | None) -> list[dict[str, Any]]:
    """Each stored truth recomputed with another seed by the same rule, its ladder not extended beyond the
    stored truth's top rung: an independent replicate of the computation that gave the stored value (which
    the agreement test needs), at its cost (a fresh seed that would extend the ladder to 4x the draws would
    make one truth cost minutes and the report's time unpredictable)."""
    fresh: dict[int, dict[str, Any]] = {}
    groups: dict[int, list[int]] = {}
    for t, row in enumerate(stored):
        groups.setdefault(max(int(row["truth_n_samples"]), config.ladder[-1]), []).append(t)
    for top, members in sorted(groups.items()):
        capped = replace(config, seed=config.seed + 1, max_samples=top, max_samples_tree=top)
        rows = run_truths([cases[t] for t in members], capped, out_dir=cache, n_jobs=n_jobs, scheduler=scheduler,
                          progress="reproduction check")
        fresh.update(zip(members, rows))
    return [fresh[t] for t in range(len(stored))]


def truth_from_row(row: dict[str, Any]) -> empirical.TrueInformation:
    """A :class:`~synmi.empirical.TrueInformation` rebuilt from a truth row (for a later cross-check)."""
    ladder = json.loads(row["ladder"]) if isinstance(row.get("ladder"), str) else []
    reps = int(row["replicates"])
    rungs = tuple(empirical.LadderRung(r["n_samples"], tuple(r["orders"]), tuple(r["values"]), tuple(r["stderrs"]),
                                       ((math.nan,),) * reps, 0.0) for r in ladder)
    return empirical.TrueInformation(value=float(row["truth"]), stderr=float(row["truth_stderr"]),
                                     ci_low=float(row["truth_ci_low"]), ci_high=float(row["truth_ci_high"]),
                                     method=str(row["truth_method"]), resolved=bool(row["truth_resolved"]),
                                     precision=math.nan, atol=math.nan, drift=float(row["truth_drift"]),
                                     order_gap=float(row["truth_order_gap"]), ladder=rungs)


def _spread(indices: list[int], count: int) -> list[int]:
    if len(indices) <= count:
        return indices
    return [indices[int(t)] for t in np.linspace(0, len(indices) - 1, count).round().astype(int)]


def check_interval(method: str, value: float, stderr: float, diagnostics: dict[str, Any]) -> tuple[float, float]:
    """The 95 % interval of a cross-check's value, as its agreement rule reads it (docs/theory.md §§9.2, 10, 10.1).

    Entropy-difference ladder: ``value -+`` its own half-width (noise at 95 %
    plus its drift and order gap); Rao-Blackwellised density and Gaussian
    surrogate: ``value -+ 1.96 stderr``; NaN when the check did not run.
    """
    half = diagnostics.get("half_width")
    if method == "entropy_difference" and half is not None and math.isfinite(float(half)):
        h = float(half)
    elif math.isfinite(stderr):
        h = 1.959963984540054 * stderr
    else:
        return math.nan, math.nan
    return value - h, value + h


def _one_cross_check(case: Case, row: dict[str, Any], config: EstimationConfig, key: str) -> dict[str, Any]:
    check = empirical.cross_check_truth(case.mu, case.sigma, case.ensemble, case.pattern, truth_from_row(row),
                                        seed=case_seed(case, replace(config, seed=config.seed + 2)),
                                        replicates=config.replicates)
    lo, hi = check_interval(check.method, check.value, check.stderr, dict(check.diagnostics))
    return {"key": key, "case_id": row["case_id"], "sweep": row["sweep"],
            "n_connections": int(row["n_connections"]), "n_patterns": int(row["n_patterns"]),
            "truth_method": row["truth_method"], "truth": float(row["truth"]),
            "truth_half_width": 0.5 * (row["truth_ci_high"] - row["truth_ci_low"]),
            "truth_ci_low": float(row["truth_ci_low"]), "truth_ci_high": float(row["truth_ci_high"]),
            "method": check.method, "value": check.value, "stderr": check.stderr, "check_ci_low": lo,
            "check_ci_high": hi, "agree": check.agree, "reason": check.reason, "seconds": check.seconds}


def choose_cross_checks(truths: Sequence[dict[str, Any]], count: int, per_n: int | None = None) -> list[int]:
    """Indices of the resolved Monte Carlo ensemble truths to cross-check.

    Parameters
    ----------
    truths : sequence of dict
        Truth rows (``truth_method``, ``truth_resolved``, ``truth``, ``n_connections``).
    count : int
        Without ``per_n``: at most this many, spread evenly over the truths
        sorted by ``n``.
    per_n : int, optional
        At most this many at every ensemble size (all where fewer), spread over
        the truths of that size in their order; ``count`` is then not used.

    Returns
    -------
    list of int
        Sorted by ``(n, index)``.
    """
    eligible = sorted((t for t, row in enumerate(truths)
                       if is_monte_carlo(row["truth_method"]) and bool(row["truth_resolved"])
                       and math.isfinite(float(row["truth"]))),
                      key=lambda t: (int(truths[t]["n_connections"]), t))
    if per_n is None:
        return _spread(eligible, count)
    chosen: list[int] = []
    for n in sorted({int(truths[t]["n_connections"]) for t in eligible}):
        chosen += _spread([t for t in eligible if int(truths[t]["n_connections"]) == n], per_n)
    return chosen


def cross_checks(cases: Sequence[Case], truths: Sequence[dict[str, Any]], config: EstimationConfig, count: int,
                 table_path: Path, *, n_jobs: int = 1, per_n: int | None = None) -> pd.DataFrame:
    """Independent checks of resolved ensemble truths (:func:`choose_cross_checks`), one row each.

    Stored rows (same truth key) are reused; the others run on ``n_jobs``
    processes.  Each check is seeded apart from its truth, from the case
    content, and runs :func:`synmi.empirical.cross_check_truth` with
    ``method="auto"`` (the Rao-Blackwellised density where its diagnostics
    allow, else the entropy-difference ladder).  Each row carries both
    intervals (truth and check) and the check's reason.
    """
    chosen = choose_cross_checks(truths, count, per_n)
    stored = pd.read_csv(table_path).set_index("key").to_dict(orient="index") if table_path.exists() else {}
    keys = {t: table_key(cases[t], config) for t in chosen}
    todo = [t for t in chosen if keys[t] not in stored]
    if n_jobs > 1 and len(todo) > 1:
        from joblib import Parallel, delayed

        done = Parallel(n_jobs=n_jobs)(delayed(_one_cross_check)(cases[t], truths[t], config, keys[t]) for t in todo)
    else:
        done = [_one_cross_check(cases[t], truths[t], config, keys[t]) for t in todo]
    fresh = dict(zip(todo, done))
    rows = [fresh[t] if t in fresh else {"key": keys[t], **stored[keys[t]]} for t in chosen]
    out = pd.DataFrame(rows)
    if len(out):
        table_path.parent.mkdir(parents=True, exist_ok=True)
        out.to_csv(table_path, index=False, float_format="%.8g")
    return out


def exact_against_monte_carlo(cases: Sequence[Case], truths: Sequence[dict[str, Any]], count: int, *,
                              n_samples: int = 200_000, replicates: int = 5, seed: int = 0) -> pd.DataFrame:
    """The 1-D spacing estimator against the exact single-connection value on up to ``count`` cases."""
    eligible = [t for t, row in enumerate(truths) if row["truth_method"] == "exact_quadrature"]
    rows = []
    for t in _spread(eligible, count):
        case, row = cases[t], truths[t]
        est = empirical.estimate_mi(case.mu, case.sigma, case.ensemble, case.pattern, n_samples=n_samples,
                                    seed=seed + t, method="entropy_1d", replicates=replicates, calibrate=True)
        tol = 3 * math.hypot(est.stderr, est.bias_stderr) + abs(est.bias)
        rows.append({"case_id": row["case_id"], "scale": row["scale"], "exact": float(row["truth"]),
                     "exact_error_bound": float(row["truth_error_bound"]), "monte_carlo": est.value,
                     "stderr": est.stderr, "bias": est.bias, "tolerance": tol,
                     "agree": bool(abs(est.value - row["truth"]) <= tol), "seconds": est.seconds})
    return pd.DataFrame(rows)


def ksg_against_truth(cases: Sequence[Case], truths: Sequence[dict[str, Any]], count: int, *, n_samples: int,
                      replicates: int = 4, max_n: int = 4, seed: int = 0) -> pd.DataFrame:
    """KSG on up to ``count`` ensembles (``n <= max_n``) against their resolved truths: its measured bias."""
    eligible = [t for t, row in enumerate(truths) if 2 <= row["n_connections"] <= max_n
                and is_monte_carlo(row["truth_method"]) and bool(row["truth_resolved"])
                and math.isfinite(float(row["truth"]))]
    rows = []
    for t in _spread(eligible, count):
        case, row = cases[t], truths[t]
        est = empirical.estimate_mi(case.mu, case.sigma, case.ensemble, case.pattern, n_samples=n_samples,
                                    seed=seed + t, method="ksg", replicates=replicates)
        rows.append({"case_id": row["case_id"], "n_connections": int(row["n_connections"]), "scale": row["scale"],
                     "truth": float(row["truth"]), "ksg": est.value, "ksg_stderr": est.stderr,
                     "bias": est.value - float(row["truth"]), "n_samples": n_samples})
    return pd.DataFrame(rows)
