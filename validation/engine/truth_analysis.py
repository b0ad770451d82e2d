"""The paper's conclusions recomputed with the truth over its whole range of ensemble sizes.

Works on the rows of the random set-2 and set-3 draws (``sweep`` ``draws_set2``,
``draws_set3``; ``n = 1 .. 20``, docs/theory.md §6), judged against an
approximation.  Only *resolved* truths (docs/theory.md §9.1) enter a slope or an
error statistic; every number says how many cases it rests on.

* :func:`truth_coverage`: per ``n``, cases and resolved truths;
* :func:`approximation_error_by_n`: per ``n``, median relative error, fraction
  undefined, fraction within 10 %;
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

__all__ = ["DRAW_SWEEPS", "draw_rows", "truth_coverage", "approximation_error_by_n", "truth_slopes",
           "cross_check_summary"]

DRAW_SWEEPS = ("draws_set2", "draws_set3")


def draw_rows(table: pd.DataFrame, sets: tuple[str, ...] = DRAW_SWEEPS) -> pd.DataFrame:
    """The rows of the random per-``n`` draws of the given sets."""
    return table[table["sweep"].astype(str).isin(sets)]


def _resolved(df: pd.DataFrame) -> pd.Series:
    return df["truth_resolved"].astype(bool) & np.isfinite(df["truth"].astype(float))


def truth_coverage(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Per ensemble size: draws, resolved truths, and how the truth was obtained."""
    df = draw_rows(table)
    out = []
    for n, g in df.groupby("n_connections"):
        out.append({"n": int(n), "cases": int(len(g)), "resolved": int(_resolved(g).sum()),
                    "method": ",".join(sorted(set(g["truth_method"].astype(str))))})
    return out


def approximation_error_by_n(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Per ensemble size, against resolved truths: median relative error, undefined and within-10 % fractions."""
    df = draw_rows(table)
    df = df[_resolved(df)]
    out = []
    for n, g in df.groupby("n_connections"):
        approx = g["approx_value"].astype(float)
        defined = np.isfinite(approx)
        rel = (approx[defined] - g["truth"].astype(float)[defined]) / g["truth"].astype(float)[defined]
        out.append({"n": int(n), "cases": int(len(g)), "undefined_fraction": float((~defined).mean()),
                    "median_rel_err": float(rel.median()) if len(rel) else float("nan"),
                    "median_abs_rel_err": float(rel.abs().median()) if len(rel) else float("nan"),
                    "within_10pct": float((rel.abs() <= 0.10).sum() / len(g))})
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


def cross_check_summary(checks: pd.DataFrame) -> dict[str, Any]:
    """Counts of the independent cross-checks: by method, how many ran, how many agree, and the disagreements."""
    if checks is None or not len(checks):
        return {"method": "", "checked": 0, "agree": 0, "stood_aside": 0, "by_method": {}, "disagreements": []}
    ran = checks[checks["agree"].notna()]
    agree = ran["agree"].astype(bool)
    by_method = {str(m): {"checked": int(len(g)), "agree": int(g["agree"].astype(bool).sum())}
                 for m, g in ran.groupby("method")}
    bad = ran[~agree]
    return {"method": " / ".join(sorted(by_method)), "checked": int(len(ran)), "agree": int(agree.sum()),
            "stood_aside": int(len(checks) - len(ran)), "by_method": by_method,
            "disagreements": [{"case_id": r["case_id"], "n": int(r["n_connections"]), "truth": float(r["truth"]),
                               "check": float(r["value"]), "method": r["method"], "reason": r["reason"]}
                              for _, r in bad.iterrows()]}
