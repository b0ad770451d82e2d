"""The paper's conclusions recomputed with the truth over its whole range of ensemble sizes.

Works on the rows of the random set-2 and set-3 draws (``sweep`` ``draws_set2``,
``draws_set3``; ``n = 1 .. 20``, docs/theory.md §6), judged against an
approximation.  Only *resolved* truths (docs/theory.md §§9.1, 9.2) enter a slope or an
error statistic; every number says how many cases it rests on.  An infinite
truth is resolved but has no logarithm and no relative error: it is counted as
infinite, never as an undefined approximation against a finite truth.

* :func:`is_monte_carlo`: whether a truth method is a Monte Carlo ensemble
  estimate (the copula decomposition of docs/theory.md §9.2 or its fallback,
  the entropy-difference ladder of §9.1), as opposed to an exact, infinite or
  exactly-zero truth;
* :func:`truth_coverage`: per ``n``, cases, resolved truths (an infinite truth,
  decided exactly before sampling, docs/theory.md §4.1, counts as resolved) and
  infinite truths, per set;
* :func:`approximation_error_by_n`: per ``n``, median relative error, fraction
  undefined, fraction within 10 % against the finite resolved truths, and apart
  from them the infinite truths with how often the approximation is ``+inf``
  there (right) or anything else (wrong);
* :func:`truth_slopes`: the ``ln N`` and ``ln n`` slopes of ``ln I`` (Figs. 2C-D,
  3C-D) and the synergy trend (Fig. 4: the slope of ``ln(I / n)`` on ``ln n`` in
  set 3, positive when the information per connection grows with ``n``), each
  with the truth and with the approximation on the same cases, 95 % bootstrap
  CIs and the paired difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .claims import slope_pair

__all__ = ["DRAW_SWEEPS", "MONTE_CARLO_METHODS", "is_monte_carlo", "draw_rows", "truth_coverage",
           "approximation_error_by_n", "truth_slopes", "cross_check_summary", "infinite_truths"]

DRAW_SWEEPS = ("draws_set2", "draws_set3")

#: ``truth_method`` values of Monte Carlo ensemble truths: the copula decomposition (the primary since truth
#: version 2, docs/theory.md §9.2) and the entropy-difference ladder (its fallback, and the primary of
#: version 1, §9.1).  The other methods are ``exact_quadrature`` (n = 1, §8), ``infinite`` (§4.1) and
#: ``exact_zero`` (every weight constant).
MONTE_CARLO_METHODS = ("copula_decomposition", "entropy_difference_ladder")


def is_monte_carlo(method: object) -> bool:
    """Whether a truth's ``truth_method`` is a Monte Carlo ensemble estimate (docs/theory.md §§9.1, 9.2).

    Parameters
    ----------
    method : object
        The ``truth_method`` of a truth row (or
        :attr:`synmi.empirical.TrueInformation.method`).

    Returns
    -------
    bool
        True for :data:`MONTE_CARLO_METHODS`; False for an exact, infinite or
        exactly-zero truth, and for anything that is not one of these names.
    """
    return str(method) in MONTE_CARLO_METHODS


def draw_rows(table: pd.DataFrame, sets: tuple[str, ...] = DRAW_SWEEPS) -> pd.DataFrame:
    """The rows of the random per-``n`` draws of the given sets."""
    return table[table["sweep"].astype(str).isin(sets)]


def _resolved(df: pd.DataFrame) -> pd.Series:
    """Resolved *finite* truths: the ones a slope or a relative error can use."""
    return df["truth_resolved"].astype(bool) & np.isfinite(df["truth"].astype(float))


def infinite_truths(df: pd.DataFrame) -> pd.Series:
    """Rows whose truth is ``+inf`` (decided before sampling, docs/theory.md §4.1): resolved, with no finite value."""
    return np.isposinf(df["truth"].astype(float))


def _settled(df: pd.DataFrame) -> pd.Series:
    """Resolved truths, infinite ones included (coverage counts them as resolved)."""
    return (df["truth_resolved"].astype(bool) & np.isfinite(df["truth"].astype(float))) | infinite_truths(df)


def truth_coverage(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Per ensemble size of the random set-2/3 draws: cases, resolved truths and infinite truths, per set.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``sweep``, ``n_connections``, ``truth``, ``truth_resolved`` and ``truth_method``.

    Returns
    -------
    list of dict
        One per ``n``: ``cases``, ``resolved`` (infinite truths included:
        docs/theory.md §4.1 decides them exactly), ``resolved_ci`` (Wilson 95 %
        interval of the resolved share), ``infinite``, ``set2_cases``,
        ``set2_resolved``, ``set3_cases``, ``set3_resolved`` and ``method`` (the
        truth methods used, comma-separated).
    """
    from .laws import binomial_ci

    df = draw_rows(table)
    out = []
    for n, g in df.groupby("n_connections"):
        settled = _settled(g)
        row: dict[str, Any] = {"n": int(n), "cases": int(len(g)), "resolved": int(settled.sum()),
                               "resolved_ci": list(binomial_ci(int(settled.sum()), int(len(g)))),
                               "infinite": int(infinite_truths(g).sum())}
        for sweep in DRAW_SWEEPS:
            part = g["sweep"].astype(str) == sweep
            key = sweep.replace("draws_", "")
            row[f"{key}_cases"] = int(part.sum())
            row[f"{key}_resolved"] = int((settled & part).sum())
        row["method"] = ",".join(sorted(set(g["truth_method"].astype(str))))
        out.append(row)
    return out


def approximation_error_by_n(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Per ensemble size of the set-2/3 draws: the approximation against the resolved truths.

    Finite resolved truths give ``cases``, ``undefined_fraction`` (the
    approximation NaN or infinite against a finite truth),
    ``median_rel_err``, ``median_abs_rel_err`` and ``within_10pct`` (of all
    finite cases; an undefined value is a miss).  Infinite truths
    (docs/theory.md §4.1) are counted apart: ``infinite`` cases, of which
    ``infinite_right`` have the approximation at ``+inf`` (right) and the
    rest any other value, NaN included (wrong).
    """
    df = draw_rows(table)
    inf = infinite_truths(df)
    out = []
    for n, g in df.groupby("n_connections"):
        fin = g[_resolved(g)]
        ginf = g[inf.loc[g.index]]
        approx = fin["approx_value"].astype(float)
        defined = np.isfinite(approx)
        rel = (approx[defined] - fin["truth"].astype(float)[defined]) / fin["truth"].astype(float)[defined]
        if not len(fin) and not len(ginf):
            continue
        out.append({"n": int(n), "cases": int(len(fin)),
                    "undefined_fraction": float((~defined).mean()) if len(fin) else float("nan"),
                    "median_rel_err": float(rel.median()) if len(rel) else float("nan"),
                    "median_abs_rel_err": float(rel.abs().median()) if len(rel) else float("nan"),
                    "within_10pct": float((rel.abs() <= 0.10).sum() / len(fin)) if len(fin) else float("nan"),
                    "infinite": int(len(ginf)),
                    "infinite_right": int(np.isposinf(ginf["approx_value"].astype(float)).sum())})
    return out


def _pair_summary(x: np.ndarray, y_truth: np.ndarray, y_approx: np.ndarray, n_values: np.ndarray, seed: int,
                  n_boot: int) -> dict[str, Any]:
    if x.size < 4 or np.ptp(x) == 0:
        return {"cases": int(x.size), "truth": None, "approximation": None, "difference": None,
                "difference_ci": None, "n_range": None}
    pair = slope_pair(x, y_truth, y_approx, n_boot, seed)
    t, a = pair["truth"], pair["approx"]
    return {"cases": int(x.size), "truth": t.slope, "truth_ci": [t.ci_low, t.ci_high],
            "approximation": a.slope, "approximation_ci": [a.ci_low, a.ci_high],
            "difference": pair["diff"], "difference_ci": list(pair["diff_ci"]),
            "n_range": [int(n_values.min()), int(n_values.max())]}


def truth_slopes(table: pd.DataFrame, *, seed: int = 0, n_boot: int = 2000) -> dict[str, Any]:
    """``slope_N``, ``slope_n`` (sets 2 and 3 pooled) and ``synergy`` (set 3), truth against approximation.

    Cases: resolved truths where both the truth and the approximation are
    positive and finite (their logarithms exist), the same cases for both.
    """
    df = draw_rows(table)
    truth = df["truth"].astype(float)
    approx = df["approx_value"].astype(float)
    df = df[_resolved(df) & (truth > 0) & np.isfinite(approx) & (approx > 0)]
    n = df["n_connections"].to_numpy(float)
    ln_truth, ln_approx = np.log(df["truth"].to_numpy(float)), np.log(df["approx_value"].to_numpy(float))
    out = {
        "slope_N": _pair_summary(np.log(df["n_patterns"].to_numpy(float)), ln_truth, ln_approx, n, seed, n_boot),
        "slope_n": _pair_summary(np.log(n), ln_truth, ln_approx, n, seed, n_boot),
    }
    s3 = (df["sweep"] == "draws_set3").to_numpy()
    out["synergy"] = _pair_summary(np.log(n[s3]), ln_truth[s3] - np.log(n[s3]), ln_approx[s3] - np.log(n[s3]),
                                   n[s3], seed, n_boot)
    out["synergy"]["statistic"] = "slope of ln(I / n) on ln n, set 3 (> 0: information per connection grows)"
    out["slope_N"]["statistic"] = "slope of ln I on ln N, sets 2 and 3"
    out["slope_n"]["statistic"] = "slope of ln I on ln n, sets 2 and 3"
    return out


def _interval(row: Any, low: str, high: str) -> list[float]:
    """``[row[low], row[high]]`` as floats (NaN where the column is missing: a table from before it existed)."""
    return [float(row[low]) if low in row and pd.notna(row[low]) else float("nan"),
            float(row[high]) if high in row and pd.notna(row[high]) else float("nan")]


def cross_check_summary(checks: pd.DataFrame) -> dict[str, Any]:
    """The independent cross-checks (docs/theory.md §§9.2, 10): counts by method and ``n``, and every disagreement.

    Parameters
    ----------
    checks : pandas.DataFrame
        One row per checked truth (:func:`validation.report.truth_steps.cross_checks`):
        ``method``, ``agree`` (empty when the check did not run), ``n_connections``,
        ``truth`` and its interval ``truth_ci_low`` / ``truth_ci_high``, the check's
        ``value`` and interval ``check_ci_low`` / ``check_ci_high``, and ``reason``.

    Returns
    -------
    dict
        ``checked`` (checks that ran), ``agree``, ``agree_ci`` (Wilson 95 %
        interval of the agreeing share), ``stood_aside``, ``by_method``, ``by_n``
        (checked and agreeing per ensemble size) and ``disagreements`` (each
        with its case, ``n``, the two values and intervals, the check's method
        and its reason: the cause).
    """
    from .laws import binomial_ci

    if checks is None or not len(checks):
        return {"method": "", "checked": 0, "agree": 0, "agree_ci": [float("nan"), float("nan")], "stood_aside": 0,
                "by_method": {}, "by_n": {}, "disagreements": []}
    ran = checks[checks["agree"].notna()]
    agree = ran["agree"].astype(bool)
    by_method = {str(m): {"checked": int(len(g)), "agree": int(g["agree"].astype(bool).sum())}
                 for m, g in ran.groupby("method")}
    by_n = {str(int(n)): {"checked": int(len(g)), "agree": int(g["agree"].astype(bool).sum())}
            for n, g in ran.groupby("n_connections")}
    bad = ran[~agree]
    return {"method": " / ".join(sorted(by_method)), "checked": int(len(ran)), "agree": int(agree.sum()),
            "agree_ci": list(binomial_ci(int(agree.sum()), int(len(ran)))),
            "stood_aside": int(len(checks) - len(ran)), "by_method": by_method, "by_n": by_n,
            "disagreements": [{"case_id": r["case_id"], "n": int(r["n_connections"]), "truth": float(r["truth"]),
                               "truth_ci": _interval(r, "truth_ci_low", "truth_ci_high"),
                               "check": float(r["value"]), "check_ci": _interval(r, "check_ci_low", "check_ci_high"),
                               "truth_method": str(r.get("truth_method", "")), "method": r["method"],
                               "reason": r["reason"]}
                              for _, r in bad.iterrows()]}
