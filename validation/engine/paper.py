"""The paper's own analyses, regenerated: validity census and regressions of ``ln I_FW``.

docs/theory.md §6 lists the paper's reported OLS regressions (1000 samples each):
Fig. 2C (set 2) and 2D (set 3), ``ln I_FW`` on ``ln N``; Fig. 3C (set 2) and 3D
(set 3), ``ln I_FW`` on ``ln n``; and Fig. 4, the per-connection information
``I / n`` against ``n`` (set 3).  Here each is recomputed on many more cases,
twice: on valid cases only (both FW matrices positive definite, ``I_FW > 0``)
and with the authors' filter (docs/theory.md §4: the log-determinant ratio taken
whenever it is positive, NaN, infinite and non-positive results dropped).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ... import analytic
from .trends import linear_fit

__all__ = ["PAPER_SLOPES", "set_table", "census", "paper_regressions", "per_connection_information"]

#: The paper's reported slopes and 95 % CIs (docs/theory.md §6).
PAPER_SLOPES: dict[str, dict[str, Any]] = {
    "fig2C": {"set": "set2", "regressor": "ln N", "slope": -1.18, "ci": [-1.27, -1.10]},
    "fig2D": {"set": "set3", "regressor": "ln N", "slope": -0.97, "ci": [-1.07, -0.87]},
    "fig3C": {"set": "set2", "regressor": "ln n", "slope": 1.07, "ci": [0.99, 1.16]},
    "fig3D": {"set": "set3", "regressor": "ln n", "slope": 1.05, "ci": [0.97, 1.14]},
}


def set_table(set_name: str, n_cases: int, seed: int, *, chunk: int = 1000, progress: bool = False) -> pd.DataFrame:
    """FW information of ``n_cases`` random cases of a simulation set, one row each.

    Cases are generated and evaluated in chunks (memory stays bounded: a set-3
    case holds ``N`` covariance matrices); case ``t`` depends only on ``seed`` and
    ``t`` (see :func:`analytic.generate_set`).  Columns are those of
    :func:`analytic.mutual_information_batch` plus ``set``, ``index`` and, for
    set 1, ``sigma`` and ``rho``.
    """
    parts = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_cases, desc=f"FW {set_name}", unit="case", disable=None)
    for start in range(0, n_cases, chunk):
        cases = analytic.generate_set(set_name, min(chunk, n_cases - start), seed, start=start)
        df = analytic.mutual_information_batch(cases, validate=False)
        df["set"] = set_name
        df["index"] = [c.meta["index"] for c in cases]
        df["sigma"] = [c.meta.get("sigma", np.nan) for c in cases]
        df["rho"] = [c.meta.get("rho", np.nan) for c in cases]
        parts.append(df)
        if bar is not None:
            bar.update(len(cases))
    if bar is not None:
        bar.close()
    return pd.concat(parts, ignore_index=True)


def census(table: pd.DataFrame) -> dict[str, float]:
    """Fractions of all generated cases by validity status, and the authors' kept fraction.

    Keys ``valid``, ``indefinite``, ``singular``, ``negative``, ``infinite``,
    ``authors_kept`` and ``authors_kept_invalid`` (kept by the authors' filter
    although the FW value is undefined or negative), plus ``n_cases``.
    """
    total = len(table)
    if total == 0:
        raise ValueError("table is empty: no cases to take a census of")
    out = {s.value: float((table["status"] == s.value).mean()) for s in analytic.Status}
    out["authors_kept"] = float(table["authors_kept"].mean())
    out["authors_kept_invalid"] = float((table["authors_kept"] & (table["status"] != "valid")).mean())
    out["n_cases"] = int(total)
    return out


def _valid_positive(table: pd.DataFrame) -> np.ndarray:
    return ((table["status"] == "valid") & (table["value"] > 0)).to_numpy()


def paper_regressions(tables: dict[str, pd.DataFrame], *, n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """The four regressions of docs/theory.md §6 on regenerated data.

    Parameters
    ----------
    tables : dict
        ``{"set2": table, "set3": table}`` from :func:`set_table`.

    Returns
    -------
    dict
        For ``fig2C``, ``fig2D``, ``fig3C``, ``fig3D``: ``slope`` and ``ci`` (valid
        cases only, bootstrap 95 % CI), ``ols_ci``, ``n_used``, ``slope_authors_filter``
        and ``ci_authors_filter`` (authors' filter), and the paper's ``paper_slope``
        and ``paper_ci``.
    """
    out: dict[str, Any] = {}
    for key, spec in PAPER_SLOPES.items():
        table = tables[spec["set"]]
        x = np.log(table["n_patterns"] if spec["regressor"] == "ln N" else table["n_connections"]).to_numpy(float)
        valid = _valid_positive(table)
        with np.errstate(divide="ignore", invalid="ignore"):
            y_valid = np.log(np.where(valid, table["value"], np.nan))
            y_auth = np.log(np.where(table["authors_kept"], table["authors_value"], np.nan))
        fit = linear_fit(x, y_valid, n_boot=n_boot, seed=seed)
        fit_a = linear_fit(x, y_auth, n_boot=n_boot, seed=seed)
        out[key] = {
            "set": spec["set"], "regressor": spec["regressor"],
            "slope": fit.slope, "ci": [fit.ci_low, fit.ci_high], "ols_ci": [fit.ols_ci_low, fit.ols_ci_high],
            "n_used": fit.n_used, "n_total": fit.n_total,
            "slope_authors_filter": fit_a.slope, "ci_authors_filter": [fit_a.ci_low, fit_a.ci_high],
            "n_used_authors_filter": fit_a.n_used,
            "paper_slope": spec["slope"], "paper_ci": spec["ci"],
            "paper_in_ci": bool(fit.ci_low <= spec["slope"] <= fit.ci_high),
            "ci_overlap": bool(fit.ci_low <= spec["ci"][1] and spec["ci"][0] <= fit.ci_high),
        }
    return out


def per_connection_information(table: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Paper Fig. 4 (set 3): ``I / n`` against ``n`` on valid cases.

    Returns the per-``n`` mean and median of ``I_FW / n`` and the slope of
    ``ln(I_FW / n)`` on ``n`` with its 95 % CI (positive slope: synergy).
    """
    valid = _valid_positive(table)
    sub = table.loc[valid, ["n_connections", "value"]].copy()
    sub["per_connection"] = sub["value"] / sub["n_connections"]
    grouped = sub.groupby("n_connections")["per_connection"]
    per_n = pd.DataFrame({"mean": grouped.mean(), "median": grouped.median(), "count": grouped.size(),
                          "sem": grouped.sem()}).reset_index()
    fit = linear_fit(sub["n_connections"].to_numpy(float), np.log(sub["per_connection"].to_numpy(float)),
                     n_boot=n_boot, seed=seed)
    fit_log = linear_fit(np.log(sub["n_connections"].to_numpy(float)), np.log(sub["per_connection"].to_numpy(float)),
                         n_boot=n_boot, seed=seed)
    return {"per_n": per_n, "slope_vs_n": fit, "slope_vs_ln_n": fit_log}
