"""The paper's figures redrawn with the truth, and the erratum's verdicts (docs/theory.md §§6, 13.1).

Every panel of Fan & Mysore's Figs. 2-4 is recomputed in three layers:

* **FW as the paper computed it**: the authors' keep-rule (docs/theory.md §4): a
  case is kept when the determinant ratio ``det Sigma_w / det Sigma_w^(-l)`` is
  positive and the result finite and positive (``FWResult.authors_value`` where
  ``authors_kept``); every other case is dropped, as their code drops it;
* **the true information** with its 95 % CI: exact quadrature at ``n = 1``
  (docs/theory.md §8), the report's truth rows for ensembles (§9.2);
* **the best approximation**: any ``f(mu, sigma, ensemble, pattern) -> float``
  (default :func:`synmi.analytic.gaussian_copula_information`, §11.4).

Cases, per panel (paper §3 and §5.1; grid sizes from the authors' published
notebooks where the text lost them):

* 2A/2B: set 1, ``n = 1`` (connection ``w_23``, target ``x_1``), ``N = 2 … 32``;
  2A: ``sigma`` on 100 points of ``[0.001, 5]`` at ``rho = 0``; 2B: ``rho`` on 100
  points of ``[-1/19 + 0.001, 1]`` at ``sigma = 1``: 3100 cases each.  One draw
  of the means (32 patterns, the first ``N`` used), shared by every grid point.
* 2C/2D, 3C/3D, 4A-4C: the report's random set-2 and set-3 draws at
  ``n = 1 … 20`` (truth rows); FW also on 1000 fresh cases per set, the paper's count.
* 3A/3B: set 1, ``N = 10``, the paper's nested ensemble of 16 connections
  (:data:`PAPER_FIG3_CONNECTIONS`); FW on the paper's dense grid (100 values x
  ``n = 1 … 16``), the truth on :func:`panel_cases` (``n`` in {1, 2, 4, 8, 16} x 6
  values of ``sigma`` or ``rho``).

Verdicts (fixed vocabulary :data:`VERDICTS`; docs/theory.md §13.1):

**A statistic with a CI** (a slope, a mean shift, a mean synergy), claimed to lie
on one side (``claimed_sign``) of a reference ``r`` (0 for a trend, 1 for the
capacity exponent), optionally with the paper's published 95 % CI ``P``:

1. *not testable* when fewer than :data:`MIN_CASES` usable cases or no finite CI;
2. *refuted* when the truth's CI lies entirely on the other side of ``r``;
3. when the truth's CI lies entirely on the claimed side: *holds* if there is no
   published CI or the two CIs overlap, *holds in direction only* if they are disjoint;
4. when the truth's CI contains ``r``: *refuted* (no significant effect where the
   paper claims one) unless it also overlaps ``P``, in which case *not testable*
   (the truth's data are consistent both with the paper's value and with no
   effect: more cases are needed to decide).

**A direction along a grid** (2A/2B, 3A/3B: "increases with sigma", "decreases
with N"), from adjacent grid steps ``d = I(x_{i+1}) - I(x_i)`` with uncertainty
``u`` (the sum of the quadrature error bounds at ``n = 1``; the root sum of
squares of the CI half-widths for ensemble truths): a step *agrees* when
``claimed_sign * d > u``, *contradicts* when ``claimed_sign * d < -u``, is
*undecided* otherwise.  *refuted* when any step contradicts; *holds* when none
contradicts and at least one agrees; *not testable* when no step is decided or
no truth exists.

Several verdicts of one panel combine to the weakest: refuted > not testable >
holds in direction only > holds.

Uncertainty of slopes: for the truth, a case bootstrap (2000 resamples) in
which each resampled ``ln I`` is also perturbed by its own standard error
(``(ci_high - ci_low) / (2 * 1.96) / I``, delta method), percentile 95 %
interval; for FW, the OLS t interval, as the paper computed it.

Unresolved truths are left out (counted), infinite truths are counted apart
(``ln I`` undefined), and so are exact zeros.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ... import analytic
from ...analytic.inputs import Case, validate_case
from .comparison import case_hash
from .paper import PAPER_SLOPES, set_table

__all__ = [
    "VERDICTS", "PANEL_IDS", "DERIVED_IDS", "MIN_CASES", "PAPER_CLAIMS", "PAPER_FIG3_CONNECTIONS",
    "N1Grid", "PAPER_N1_GRID", "PANEL_N_VALUES", "PANEL_SIGMAS", "PANEL_RHOS",
    "Estimate", "panel_cases", "n1_cases", "fig3_fw_cases", "authors_fw", "evaluate_cases",
    "truth_frame", "slope_estimate", "verdict_statistic", "verdict_steps", "combine_verdicts",
    "compute_panels",
]

VERDICTS = ("holds", "holds in direction only", "refuted", "not testable")
PANEL_IDS = ("2A", "2B", "2C", "2D", "3A", "3B", "3C", "3D", "4A", "4B", "4C")
DERIVED_IDS = ("capacity", "synergy")
#: fewest usable truths a statistic is judged on
MIN_CASES = 8

#: The paper's Fig. 3A/3B ensemble, 0-based: w_23, w_45, w_24, w_25, w_67, w_89, w_34, w_35, w_10,11,
#: w_12,13, w_14,15, w_26, w_47, w_16,17, w_18,19, w_3,10 (1-based in the authors' notebook), nested.
PAPER_FIG3_CONNECTIONS = np.array([(1, 2), (3, 4), (1, 3), (1, 4), (5, 6), (7, 8), (2, 3), (2, 4), (9, 10),
                                   (11, 12), (13, 14), (1, 5), (3, 6), (15, 16), (17, 18), (2, 9)])

PANEL_N_VALUES = (1, 2, 4, 8, 16)
PANEL_SIGMAS = (0.5, 1.0, 2.0, 3.0, 4.0, 5.0)
PANEL_RHOS = (-0.05, 0.0, 0.15, 0.3, 0.45, 0.6)
_PANEL_SEED = 20260316
_DIM = 20


@dataclass(frozen=True)
class N1Grid:
    """The ``n = 1`` grids of Figs. 2A/2B (set 1, ``w_23``, target ``x_1``).

    Defaults are the paper's: 100 values of ``sigma`` in ``[0.001, 5]`` (``rho = 0``),
    100 of ``rho`` in ``[-1/19 + 0.001, 1]`` (``sigma = 1``), ``N = 2 … 32``.
    """

    sigmas: tuple = tuple(np.linspace(0.001, 5.0, 100))
    rhos: tuple = tuple(np.linspace(-1.0 / 19 + 0.001, 1.0, 100))
    n_patterns: tuple = tuple(range(2, 33))
    sigma_for_rho: float = 1.0
    seed: int = _PANEL_SEED


PAPER_N1_GRID = N1Grid()


#: The paper's statements, panel by panel (paper §3; numbers from its text, or where the text lost them
#: from the authors' published notebooks, said so).
PAPER_CLAIMS: dict[str, dict[str, Any]] = {
    "2A": {"statement": "ln I(w_23; x_1) increases with sigma (rho = 0) and decreases as N grows from 2 to 32, "
                        "at every sigma", "published": None},
    "2B": {"statement": "ln I(w_23; x_1) increases with rho (sigma = 1) and decreases as N grows from 2 to 32, "
                        "at every rho", "published": None},
    "2C": {"statement": "set 2: ln I falls with ln N, slope -1.18, 95% CI [-1.27, -1.10] (1000 cases)",
           "published": PAPER_SLOPES["fig2C"]},
    "2D": {"statement": "set 3: ln I falls with ln N, slope -0.97, 95% CI [-1.07, -0.87] (1000 cases)",
           "published": PAPER_SLOPES["fig2D"]},
    "3A": {"statement": "N = 10, nested ensembles of 1-16 connections: I increases with sigma and with n",
           "published": None},
    "3B": {"statement": "N = 10, nested ensembles of 1-16 connections: I increases with rho and with n",
           "published": None},
    "3C": {"statement": "set 2: ln I rises with ln n, slope 1.07, 95% CI [0.99, 1.16] (1000 cases)",
           "published": PAPER_SLOPES["fig3C"]},
    "3D": {"statement": "set 3: ln I rises with ln n, slope 1.05, 95% CI [0.97, 1.14] (1000 cases)",
           "published": PAPER_SLOPES["fig3D"]},
    "4A": {"statement": "set 3: the distribution of ln(I/n) shifts up from n = 1 to 4 and from 4 to 20, both "
                        "significant (two-sided t-tests; p = 8.2e-5 and 0.018 in the authors' notebook)",
           "published": None},
    "4B": {"statement": "set 3: the mean and the median of ln(I/n) rise significantly with n", "published": None},
    "4C": {"statement": "set 3: ln(I/n) rises with ln n (synergy trend); the text's number is lost; the 3D "
                        "regression implies slope 0.05, 95% CI [-0.03, 0.14]",
           "published": {"slope": 0.05, "ci": [-0.03, 0.14]}},
    "capacity": {"statement": "capacity N ~ d^1.2 = d^(2b - 1), b the ln n slope of 3C/3D (b = 1.1); implied "
                              "95% CI [0.94, 1.32] from the 3C and 3D intervals; superlinear (> 1)",
                 "published": {"slope": 1.2, "ci": [0.94, 1.32]}},
    "synergy": {"statement": "synergy: an ensemble holds more than the sum of its connections, "
                             "I(w_S; x_l) > sum_a I(w_a; x_l) (paper §4.3, from Fig. 4B)", "published": None},
}


# --------------------------------------------------------------------------- cases


def _set1(mu: np.ndarray, sigma: float, rho: float, ensemble: np.ndarray, meta: dict) -> Case:
    cov = analytic.exchangeable_covariance(_DIM, float(sigma), float(rho))
    info = {"generator": "set1", "n_patterns": int(mu.shape[0]), "dim": _DIM, "sigma": float(sigma),
            "rho": float(rho), "n": int(len(ensemble)), "pattern": 0}
    info.update(meta)
    return validate_case(mu, cov, ensemble, 0, meta=info, check_covariance=False)


def _means(n_patterns: int, seed: int) -> np.ndarray:
    """One draw of ``mu_k ~ U(-1, 1)^d`` (set 1), shared by every point of a panel's grid."""
    return np.random.default_rng(np.random.SeedSequence(int(seed))).uniform(-1.0, 1.0, size=(n_patterns, _DIM))


def n1_cases(axis: str, grid: N1Grid = PAPER_N1_GRID) -> list[Case]:
    """The ``n = 1`` cases of Fig. 2A (``axis="sigma"``) or 2B (``axis="rho"``), one per (N, value).

    The means are one draw of 32 patterns; curve ``N`` uses the first ``N`` of
    them (nested: by data processing, docs/theory.md §12, the true information
    cannot rise with ``N``).  ``meta["sweep"]`` is ``paper_2A`` or ``paper_2B``.
    """
    if axis not in ("sigma", "rho"):
        raise ValueError(f"axis must be 'sigma' or 'rho', got {axis!r}")
    mu = _means(max(grid.n_patterns), grid.seed)
    values = grid.sigmas if axis == "sigma" else grid.rhos
    panel = "2A" if axis == "sigma" else "2B"
    out = []
    for n_pat in grid.n_patterns:
        for v in values:
            sigma, rho = (float(v), 0.0) if axis == "sigma" else (grid.sigma_for_rho, float(v))
            out.append(_set1(mu[:n_pat], sigma, rho, PAPER_FIG3_CONNECTIONS[:1],
                             {"sweep": f"paper_{panel}", "axis": axis, "axis_value": float(v)}))
    return out


def panel_cases(n_values: Sequence[int] = PANEL_N_VALUES, sigmas: Sequence[float] = PANEL_SIGMAS,
                rhos: Sequence[float] = PANEL_RHOS, seed: int = _PANEL_SEED) -> list[Case]:
    """The truth grid of Figs. 3A/3B: set 1, ``N = 10``, the paper's nested ensemble.

    3A: ``sigma`` in ``sigmas`` at ``rho = 0``; 3B: ``rho`` in ``rhos`` at
    ``sigma = 1`` (the paper's settings); each at the ensemble sizes
    ``n_values`` (the first ``n`` of :data:`PAPER_FIG3_CONNECTIONS`).  One draw of
    the means (10 patterns) for all.  Default: 5 x 6 x 2 = 60 cases, 12 of
    them at ``n = 1`` (exact).  ``meta``: ``sweep`` (``paper_3A`` / ``paper_3B``),
    ``axis``, ``axis_value``, ``n``.
    """
    n_values = [int(n) for n in n_values]
    if not n_values or min(n_values) < 1 or max(n_values) > len(PAPER_FIG3_CONNECTIONS):
        raise ValueError(f"n_values must lie in 1..{len(PAPER_FIG3_CONNECTIONS)}, got {n_values}")
    lo = -1.0 / (_DIM - 1)
    if any(not (lo <= r <= 1) for r in rhos):
        raise ValueError(f"rhos must lie in [-1/(d-1), 1] = [{lo:.4f}, 1], got {list(rhos)}")
    if any(not (s > 0) for s in sigmas):
        raise ValueError(f"sigmas must be positive, got {list(sigmas)}")
    mu = _means(10, seed + 3)
    out = []
    for panel, axis, values in (("3A", "sigma", sigmas), ("3B", "rho", rhos)):
        for n in n_values:
            for v in values:
                sigma, rho = (float(v), 0.0) if axis == "sigma" else (1.0, float(v))
                out.append(_set1(mu, sigma, rho, PAPER_FIG3_CONNECTIONS[:n],
                                 {"sweep": f"paper_{panel}", "axis": axis, "axis_value": float(v), "seed": seed}))
    return out


def fig3_fw_cases(axis: str, n_values: Iterable[int] = range(1, 17), values: Sequence[float] | None = None,
                  seed: int = _PANEL_SEED) -> list[Case]:
    """The paper's dense Fig. 3A/3B grid (FW only): 100 values x ``n = 1 … 16``, same means as :func:`panel_cases`."""
    if axis not in ("sigma", "rho"):
        raise ValueError(f"axis must be 'sigma' or 'rho', got {axis!r}")
    grid: Sequence[float] = values if values is not None else (
        np.linspace(0.001, 5.0, 100) if axis == "sigma" else np.linspace(-1.0 / 19 + 0.001, 0.6, 100)).tolist()
    mu = _means(10, seed + 3)
    out = []
    for n in n_values:
        for v in grid:
            sigma, rho = (float(v), 0.0) if axis == "sigma" else (1.0, float(v))
            out.append(_set1(mu, sigma, rho, PAPER_FIG3_CONNECTIONS[:int(n)],
                             {"sweep": f"paper_{'3A' if axis == 'sigma' else '3B'}_fw", "axis": axis,
                              "axis_value": float(v)}))
    return out


# --------------------------------------------------------------------------- evaluation


def authors_fw(case: Case) -> tuple[float, str]:
    """FW as the paper computed it: ``(authors_value, status)``, the value ``nan`` when their rule drops the case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        res = analytic.fw_result_for_case(case)
    return (float(res.authors_value) if res.authors_kept else float("nan")), res.status.value


def _approx(approximation: Callable[..., float], case: Case) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        try:
            return float(approximation(case.mu, case.sigma, case.ensemble, case.pattern))
        except ValueError:
            return float("nan")


def _exact(case: Case) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        res = analytic.single_connection_information(case.mu, case.sigma, case.ensemble, case.pattern)
    return float(res.value), float(res.error)


def _one(case: Case, approximation: Callable[..., float] | None, exact: bool) -> dict[str, Any]:
    fw, status = authors_fw(case)
    row = {"n_patterns": case.n_patterns, "n": case.n_connections, "axis_value": case.meta.get("axis_value"),
           "fw_authors": fw, "fw_status": status,
           "approx": _approx(approximation, case) if approximation is not None else float("nan")}
    if exact:
        row["truth"], row["truth_error"] = _exact(case)
    return row


def evaluate_cases(cases: Sequence[Case], approximation: Callable[..., float] | None = None, *,
                   exact: bool = False, n_jobs: int = 1) -> pd.DataFrame:
    """FW (authors' rule), the approximation and, with ``exact``, the exact ``n = 1`` value of each case.

    Columns ``n_patterns``, ``n``, ``axis_value``, ``fw_authors`` (``nan`` where the
    authors' rule drops the case), ``fw_status``, ``approx`` and, with ``exact``,
    ``truth`` and ``truth_error`` (the quadrature's error bound, docs/theory.md §8).
    """
    if exact and any(c.n_connections != 1 for c in cases):
        raise ValueError("exact=True needs single-connection cases (n = 1)")
    if n_jobs == 1 or len(cases) < 8:
        rows = [_one(c, approximation, exact) for c in cases]
    else:
        from joblib import Parallel, delayed

        rows = Parallel(n_jobs=n_jobs)(delayed(_one)(c, approximation, exact) for c in cases)
    return pd.DataFrame(rows)


def _truth_status(row: dict[str, Any]) -> str:
    truth = float(row.get("truth", float("nan")))
    method = str(row.get("truth_method", ""))
    if method == "infinite" or np.isposinf(truth):
        return "infinite"
    if method == "exact_zero" or truth == 0.0:
        return "nonpositive"
    if not np.isfinite(truth):
        return "unresolved"
    if not bool(row.get("truth_resolved", False)):
        return "unresolved"
    return "resolved" if truth > 0 else "nonpositive"


def _marginal_sum(row: dict[str, Any]) -> float:
    comp = row.get("truth_components")
    if isinstance(comp, str) and comp:
        try:
            comp = json.loads(comp)
        except ValueError:
            comp = None
    if isinstance(comp, dict) and "marginal_sum" in comp:
        return float(comp["marginal_sum"])
    return float("nan")


def _case_extras(case: Case, approximation: Callable[..., float] | None, marginals: bool) -> tuple[float, float, float]:
    """FW (authors' rule), the approximation and, with ``marginals``, ``sum_a I(w_a ; x_l)`` (exact) of one case."""
    fw, _ = authors_fw(case)
    approx = _approx(approximation, case) if approximation is not None else float("nan")
    marg = float("nan")
    if marginals:
        marg = sum(_exact(Case(case.mu, case.sigma, case.ensemble[a:a + 1], case.pattern))[0]
                   for a in range(case.n_connections))
    return fw, approx, marg


def truth_frame(truth_rows: Sequence[dict[str, Any]], cases: Sequence[Case],
                approximation: Callable[..., float] | None = None, *, marginals: bool = False,
                n_jobs: int = 1) -> pd.DataFrame:
    """Join truth rows with their cases (by ``case_id``) and add FW and the approximation.

    Columns: ``case_id``, ``sweep``, ``generator``, ``n`` (connections),
    ``n_patterns``, ``axis_value``, ``truth``, ``ci_low``, ``ci_high``, ``status``
    (``resolved``, ``unresolved``, ``infinite``, ``nonpositive``: an exact zero or a
    resolved estimate at or below 0, where ``ln I`` is undefined), ``se_ln`` (standard
    error of ``ln I``), ``fw_authors``, ``approx`` and ``marginal_sum`` (the exact
    ``sum_a I(w_a ; x_l)``, from the truth's components or, with ``marginals``,
    computed by quadrature for the set-3 draws, the only ones the synergy row
    uses; ``nan`` otherwise).  Rows whose case is not in
    ``cases`` keep their own ``authors_value`` (used only where ``authors_kept``) and ``approx_value``.
    """
    by_id = {case_hash(c)[:16]: c for c in cases}
    matched = [by_id.get(str(row.get("case_id"))) for row in truth_rows]
    need = [c is not None and marginals and c.n_connections >= 2 and not np.isfinite(_marginal_sum(r))
            and str(r.get("sweep", "")) == "draws_set3" for c, r in zip(matched, truth_rows)]
    jobs = [(c, approximation, m) for c, m in zip(matched, need) if c is not None]
    if n_jobs == 1 or len(jobs) < 8:
        done = [_case_extras(*j) for j in jobs]
    else:
        from joblib import Parallel, delayed

        done = Parallel(n_jobs=n_jobs)(delayed(_case_extras)(*j) for j in jobs)
    extras = iter(done)
    records = []
    for row, case in zip(truth_rows, matched):
        truth = float(row.get("truth", float("nan")))
        lo, hi = float(row.get("truth_ci_low", float("nan"))), float(row.get("truth_ci_high", float("nan")))
        status = _truth_status(row)
        se_ln = (hi - lo) / (2 * 1.959964) / truth if status == "resolved" else float("nan")
        rec = {"case_id": row.get("case_id"), "sweep": str(row.get("sweep", "")),
               "generator": str(row.get("generator", "")), "n": int(row["n_connections"]),
               "n_patterns": int(row["n_patterns"]), "axis_value": row.get("axis_value", np.nan),
               "truth": truth, "ci_low": lo, "ci_high": hi, "status": status, "se_ln": se_ln,
               "marginal_sum": _marginal_sum(row)}
        if case is not None:
            fw, approx, marg = next(extras)
            rec.update({"fw_authors": fw, "approx": approx})
            if np.isfinite(marg):
                rec["marginal_sum"] = marg
        else:
            kept = bool(row.get("authors_kept", False))
            av = float(row.get("authors_value", float("nan")))
            rec["fw_authors"] = av if kept else float("nan")
            rec["approx"] = float(row.get("approx_value", float("nan")))
        records.append(rec)
    cols = ["case_id", "sweep", "generator", "n", "n_patterns", "axis_value", "truth", "ci_low", "ci_high",
            "status", "se_ln", "marginal_sum", "fw_authors", "approx"]
    return pd.DataFrame(records, columns=cols)


# --------------------------------------------------------------------------- statistics and verdicts


@dataclass(frozen=True)
class Estimate:
    """A statistic with its 95 % CI and the number of cases it rests on.

    ``method``: how the CI was had (``"bootstrap+se"``, ``"ols-t"``, ``"welch-t"``).
    """

    value: float
    ci_low: float
    ci_high: float
    cases: int
    method: str
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"value": _f(self.value), "ci": [_f(self.ci_low), _f(self.ci_high)], "cases": int(self.cases),
                "method": self.method, **self.extra}

    def __str__(self) -> str:
        return f"{self.value:.3g} [{self.ci_low:.3g}, {self.ci_high:.3g}] ({self.cases} cases)"


def _f(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _nan_estimate(cases: int, method: str) -> Estimate:
    return Estimate(float("nan"), float("nan"), float("nan"), cases, method)


def slope_estimate(x: Any, y: Any, y_se: Any = None, *, n_boot: int = 2000, seed: int = 0) -> Estimate:
    """OLS slope of ``y`` on ``x`` with a 95 % CI.

    With ``y_se`` (each point's own standard error): a case bootstrap in which
    every resampled ``y`` is also drawn from ``Normal(y, y_se)``, percentile
    interval (``method="bootstrap+se"``).  Without: the OLS t interval
    (``method="ols-t"``), as the paper computed its CIs.  Non-finite points
    are dropped; fewer than 3 points give ``nan``.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if y_se is not None:
        se = np.asarray(y_se, float)
        ok &= np.isfinite(se)
    x, y = x[ok], y[ok]
    if x.size < 3 or np.ptp(x) == 0:
        return _nan_estimate(int(x.size), "bootstrap+se" if y_se is not None else "ols-t")
    res = stats.linregress(x, y)
    if y_se is None:
        t = stats.t.ppf(0.975, x.size - 2)
        return Estimate(float(res.slope), float(res.slope - t * res.stderr), float(res.slope + t * res.stderr),
                        int(x.size), "ols-t", {"ols_stderr": float(res.stderr)})
    se = se[ok]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    xb = x[idx]
    yb = y[idx] + se[idx] * rng.standard_normal(idx.shape)
    xm = xb - xb.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = (xm * (yb - yb.mean(axis=1, keepdims=True))).sum(axis=1) / (xm * xm).sum(axis=1)
    slopes = slopes[np.isfinite(slopes)]
    lo, hi = np.quantile(slopes, [0.025, 0.975])
    t = stats.t.ppf(0.975, x.size - 2)
    return Estimate(float(res.slope), float(lo), float(hi), int(x.size), "bootstrap+se",
                    {"ols_ci": [float(res.slope - t * res.stderr), float(res.slope + t * res.stderr)]})


def _overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    return bool(a[0] <= b[1] and b[0] <= a[1])


def verdict_statistic(est: Estimate, *, claimed_sign: int, reference: float = 0.0,
                      paper_ci: Sequence[float] | None = None, min_cases: int = MIN_CASES) -> tuple[str, str]:
    """The verdict on a statistic with a CI (module docstring, docs/theory.md §13.1): ``(verdict, reason)``."""
    if claimed_sign not in (1, -1):
        raise ValueError(f"claimed_sign must be +1 or -1, got {claimed_sign!r}")
    side = {1: "above", -1: "below"}[claimed_sign]
    if est.cases < min_cases or not (np.isfinite(est.ci_low) and np.isfinite(est.ci_high)):
        return "not testable", f"{est.cases} usable truths, fewer than the {min_cases} a verdict needs"
    lo, hi = (est.ci_low - reference) * claimed_sign, (est.ci_high - reference) * claimed_sign
    lo, hi = min(lo, hi), max(lo, hi)
    ci = [est.ci_low, est.ci_high]
    if hi < 0:
        return "refuted", f"the truth's 95% CI {_ci(ci)} lies on the other side of {reference:g}"
    if lo > 0:
        if paper_ci is None or _overlap(ci, paper_ci):
            more = "" if paper_ci is None else f" and overlaps the paper's {_ci(paper_ci)}"
            return "holds", f"the truth's 95% CI {_ci(ci)} lies {side} {reference:g}{more}"
        return "holds in direction only", (f"the truth's 95% CI {_ci(ci)} lies {side} {reference:g} but is "
                                           f"disjoint from the paper's {_ci(paper_ci)}")
    if paper_ci is not None and _overlap(ci, paper_ci):
        return "not testable", (f"the truth's 95% CI {_ci(ci)} contains both {reference:g} and part of the paper's "
                                f"{_ci(paper_ci)}: too few cases to decide")
    return "refuted", f"no significant effect: the truth's 95% CI {_ci(ci)} contains {reference:g}" + (
        "" if paper_ci is None else f" and excludes the paper's {_ci(paper_ci)}")


def _ci(ci: Sequence[float]) -> str:
    return f"[{ci[0]:.3g}, {ci[1]:.3g}]"


def verdict_steps(diffs: Any, uncertainty: Any, *, claimed_sign: int) -> tuple[str, str, dict[str, int]]:
    """The verdict on a direction along a grid from adjacent steps (module docstring): ``(verdict, reason, counts)``."""
    d = np.asarray(diffs, float) * claimed_sign
    u = np.abs(np.asarray(uncertainty, float))
    ok = np.isfinite(d) & np.isfinite(u)
    d, u = d[ok], u[ok]
    counts = {"agree": int((d > u).sum()), "contradict": int((d < -u).sum()),
              "undecided": int(((d >= -u) & (d <= u)).sum()), "steps": int(d.size)}
    if counts["contradict"]:
        return "refuted", f"{counts['contradict']} of {d.size} grid steps go the other way beyond their uncertainty", \
            counts
    if counts["agree"]:
        return "holds", (f"{counts['agree']} of {d.size} grid steps go the claimed way, none the other "
                         f"({counts['undecided']} within their uncertainty)"), counts
    return "not testable", f"no grid step decided ({d.size} steps)", counts


_ORDER = {"refuted": 0, "not testable": 1, "holds in direction only": 2, "holds": 3}


def combine_verdicts(verdicts: Iterable[str]) -> str:
    """The weakest of several verdicts: refuted > not testable > holds in direction only > holds."""
    vs = list(verdicts)
    for v in vs:
        if v not in _ORDER:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {v!r}")
    if not vs:
        return "not testable"
    return min(vs, key=_ORDER.__getitem__)


# --------------------------------------------------------------------------- grid directions


def _steps(df: pd.DataFrame, value: str, err: str, along: str, within: str,
           hypot: bool) -> tuple[np.ndarray, np.ndarray]:
    """Adjacent differences of ``value`` along ``along`` at each fixed ``within``, with their uncertainties
    (the sum of the two error bounds, or with ``hypot`` the root sum of squares of two CI half-widths)."""
    ds, us = [], []
    for _, g in df.groupby(within):
        g = g.sort_values(along)
        v, e = g[value].to_numpy(float), g[err].to_numpy(float)
        ds.append(np.diff(v))
        us.append(np.hypot(e[1:], e[:-1]) if hypot else e[1:] + e[:-1])
    return (np.concatenate(ds), np.concatenate(us)) if ds else (np.array([]), np.array([]))


def _float_allowance(values: Any) -> np.ndarray:
    """Rounding allowance of a closed-form value (docs/theory.md §12): ``1e-9 |v| + 1e-10`` nats."""
    return 1e-9 * np.abs(np.asarray(values, float)) + 1e-10


def _direction_panel(df: pd.DataFrame, value: str, err: str | None, axis_col: str, group_col: str, axis_sign: int,
                     group_sign: int, hypot: bool = False) -> dict[str, Any]:
    """Two direction claims on a grid (along the axis at fixed group; along the group at fixed axis value).

    ``err=None``: a closed-form value, judged with the rounding allowance only.
    """
    use = df[np.isfinite(df[value].to_numpy(float))]
    if err is None:
        use = use.assign(_allow=_float_allowance(use[value]))
        err = "_allow"
    d1, u1 = _steps(use, value, err, axis_col, group_col, hypot)
    d2, u2 = _steps(use, value, err, group_col, axis_col, hypot)
    v1, r1, c1 = verdict_steps(d1, u1, claimed_sign=axis_sign)
    v2, r2, c2 = verdict_steps(d2, u2, claimed_sign=group_sign)
    return {"verdict": combine_verdicts([v1, v2]), "axis": {"verdict": v1, "reason": r1, **c1},
            "group": {"verdict": v2, "reason": r2, **c2}, "cases": int(len(use)), "dropped": int(len(df) - len(use))}


# --------------------------------------------------------------------------- panels


def _panel_2ab(table: pd.DataFrame, axis: str) -> dict[str, Any]:
    t = table
    truth = _direction_panel(t, "truth", "truth_error", "axis_value", "n_patterns", +1, -1)
    fw = _direction_panel(t, "fw_authors", None, "axis_value", "n_patterns", +1, -1)
    ap = _direction_panel(t, "approx", None, "axis_value", "n_patterns", +1, -1)
    rel = (t["fw_authors"] - t["truth"]) / t["truth"]
    rel_a = (t["approx"] - t["truth"]) / t["truth"]
    return {
        "verdict": truth["verdict"],
        "reason": f"along {axis}: {truth['axis']['reason']}; along N: {truth['group']['reason']}",
        "cases": int(len(t)),
        "truth": {"along_axis": truth["axis"], "along_N": truth["group"],
                  "max_error_bound": _f(t["truth_error"].max()), "method": "exact_quadrature"},
        "fw": {"along_axis": fw["axis"], "along_N": fw["group"], "kept": int(np.isfinite(t["fw_authors"]).sum()),
               "dropped_by_authors_rule": int((~np.isfinite(t["fw_authors"])).sum()),
               "median_rel_err": _f(np.nanmedian(rel)) if np.isfinite(rel).any() else None,
               "max_abs_rel_err": _f(np.nanmax(np.abs(rel))) if np.isfinite(rel).any() else None},
        "best_approximation": {"along_axis": ap["axis"], "along_N": ap["group"],
                               "max_abs_rel_err": _f(np.nanmax(np.abs(rel_a))) if np.isfinite(rel_a).any() else None},
    }


def _counts(df: pd.DataFrame) -> dict[str, int]:
    return {k: int((df["status"] == k).sum()) for k in ("resolved", "unresolved", "infinite", "nonpositive")}


def _ln_slope_panel(tf: pd.DataFrame, fw_table: pd.DataFrame | None, set_name: str, regressor: str,
                    key: str, n_boot: int, seed: int) -> dict[str, Any]:
    """Figs. 2C/2D (``regressor="ln N"``) and 3C/3D (``"ln n"``)."""
    sub = tf[tf["sweep"] == f"draws_{set_name}"]
    counts = _counts(sub)
    use = sub[sub["status"] == "resolved"]
    col = "n_patterns" if regressor == "ln N" else "n"
    x = np.log(use[col].to_numpy(float))
    est = slope_estimate(x, np.log(use["truth"].to_numpy(float)), use["se_ln"].to_numpy(float), n_boot=n_boot,
                         seed=seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        fw_same = slope_estimate(np.log(sub[col].to_numpy(float)), np.log(sub["fw_authors"].to_numpy(float)))
        ap = slope_estimate(x, np.log(use["approx"].to_numpy(float)))
    pub = PAPER_SLOPES[key]
    verdict, reason = verdict_statistic(est, claimed_sign=int(np.sign(pub["slope"])), paper_ci=pub["ci"])
    fw = {"same_cases": fw_same.to_dict()}
    if fw_table is not None:
        kept = fw_table[fw_table["authors_kept"].astype(bool)]
        fcol = "n_patterns" if regressor == "ln N" else "n_connections"
        fw_est = slope_estimate(np.log(kept[fcol].to_numpy(float)), np.log(kept["authors_value"].to_numpy(float)))
        fw["paper_protocol"] = {**fw_est.to_dict(), "generated": int(len(fw_table)), "kept": int(len(kept))}
    return {"verdict": verdict, "reason": reason, "cases": est.cases, "counts": counts,
            "truth": est.to_dict(), "fw": fw, "best_approximation": ap.to_dict(),
            "plot": {"x": x.tolist(), "y": np.log(use["truth"].to_numpy(float)).tolist()}}


def _per_n_log(df: pd.DataFrame, value: str) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        return df.assign(y=np.log(df[value].to_numpy(float) / df["n"].to_numpy(float)))


def _welch(a: np.ndarray, b: np.ndarray) -> Estimate:
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return _nan_estimate(int(a.size + b.size), "welch-t")
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    return Estimate(float(b.mean() - a.mean()), float(ci.low), float(ci.high), int(a.size + b.size), "welch-t",
                    {"p_value": float(res.pvalue), "cases_per_group": [int(a.size), int(b.size)]})


def _panel_4a(s3: pd.DataFrame, fw3: pd.DataFrame | None, groups: tuple[int, ...] = (1, 4, 20)) -> dict[str, Any]:
    use = _per_n_log(s3[s3["status"] == "resolved"], "truth")
    shifts, verdicts, fw_shifts = {}, [], {}
    for a, b in zip(groups[:-1], groups[1:]):
        est = _welch(use.loc[use["n"] == a, "y"].to_numpy(float), use.loc[use["n"] == b, "y"].to_numpy(float))
        v, r = verdict_statistic(est, claimed_sign=+1)
        shifts[f"{a}->{b}"] = {**est.to_dict(), "verdict": v, "reason": r}
        verdicts.append(v)
        if fw3 is not None:
            kept = fw3[fw3["authors_kept"].astype(bool)]
            y = np.log(kept["authors_value"].to_numpy(float) / kept["n_connections"].to_numpy(float))
            fw_shifts[f"{a}->{b}"] = _welch(y[kept["n_connections"].to_numpy() == a],
                                            y[kept["n_connections"].to_numpy() == b]).to_dict()
    v = combine_verdicts(verdicts)
    return {"verdict": v, "reason": "; ".join(f"{k}: {s['reason']}" for k, s in shifts.items()),
            "cases": int(use["n"].isin(groups).sum()), "counts": _counts(s3[s3["n"].isin(groups)]),
            "truth": shifts, "fw": {"paper_protocol": fw_shifts}, "groups": list(groups)}


def _trend_of_summary(df: pd.DataFrame, stat: str, n_boot: int, seed: int) -> Estimate:
    """Slope on ``n`` of the per-``n`` mean (or median) of ``y``; CI by a bootstrap within each ``n`` with each
    ``y`` perturbed by its own standard error."""
    groups = [(n, g["y"].to_numpy(float), g["se"].to_numpy(float)) for n, g in df.groupby("n")]
    groups = [(n, y, s) for n, y, s in groups if y.size]
    if len(groups) < 3:
        return _nan_estimate(int(len(df)), "bootstrap+se")
    f = np.mean if stat == "mean" else np.median
    ns = np.array([float(n) for n, _, _ in groups])
    point = np.array([f(y) for _, y, _ in groups])
    rng = np.random.default_rng(seed)
    boot = np.empty((n_boot, ns.size))
    for j, (_, y, s) in enumerate(groups):
        idx = rng.integers(0, y.size, size=(n_boot, y.size))
        boot[:, j] = f(y[idx] + s[idx] * rng.standard_normal(idx.shape), axis=1)
    xm = ns - ns.mean()
    slopes = ((boot - boot.mean(axis=1, keepdims=True)) * xm).sum(axis=1) / (xm * xm).sum()
    lo, hi = np.quantile(slopes, [0.025, 0.975])
    return Estimate(float((xm * (point - point.mean())).sum() / (xm * xm).sum()), float(lo), float(hi),
                    int(len(df)), "bootstrap+se", {"per_n": {str(int(n)): _f(p) for n, p in zip(ns, point)}})


def _panel_4b(s3: pd.DataFrame, fw3: pd.DataFrame | None, n_boot: int, seed: int) -> dict[str, Any]:
    use = _per_n_log(s3[s3["status"] == "resolved"], "truth").assign(se=lambda d: d["se_ln"])
    out: dict[str, Any] = {"truth": {}, "fw": {}, "best_approximation": {}}
    verdicts, reasons = [], []
    for stat in ("mean", "median"):
        est = _trend_of_summary(use, stat, n_boot, seed)
        v, r = verdict_statistic(est, claimed_sign=+1, min_cases=MIN_CASES)
        out["truth"][stat] = {**est.to_dict(), "verdict": v}
        verdicts.append(v)
        reasons.append(f"{stat}: {r}")
        ap = _per_n_log(use, "approx").assign(se=0.0)
        out["best_approximation"][stat] = _trend_of_summary(ap[np.isfinite(ap["y"])], stat, n_boot, seed).to_dict()
        if fw3 is not None:
            kept = fw3[fw3["authors_kept"].astype(bool)].rename(columns={"n_connections": "n"})
            f3 = _per_n_log(kept, "authors_value").assign(se=0.0)
            out["fw"][stat] = _trend_of_summary(f3, stat, n_boot, seed).to_dict()
    out.update({"verdict": combine_verdicts(verdicts), "reason": "; ".join(reasons), "cases": int(len(use)),
                "counts": _counts(s3)})
    return out


def _panel_4c(s3: pd.DataFrame, fw3: pd.DataFrame | None, n_boot: int, seed: int) -> dict[str, Any]:
    use = s3[s3["status"] == "resolved"]
    x = np.log(use["n"].to_numpy(float))
    y = np.log(use["truth"].to_numpy(float)) - x
    est = slope_estimate(x, y, use["se_ln"].to_numpy(float), n_boot=n_boot, seed=seed)
    pub = PAPER_CLAIMS["4C"]["published"]
    v, r = verdict_statistic(est, claimed_sign=+1, paper_ci=pub["ci"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ap = slope_estimate(x, np.log(use["approx"].to_numpy(float)) - x)
    fw: dict[str, Any] = {}
    if fw3 is not None:
        kept = fw3[fw3["authors_kept"].astype(bool)]
        xf = np.log(kept["n_connections"].to_numpy(float))
        fw["paper_protocol"] = slope_estimate(xf, np.log(kept["authors_value"].to_numpy(float)) - xf).to_dict()
    return {"verdict": v, "reason": r, "cases": est.cases, "counts": _counts(s3), "truth": est.to_dict(),
            "fw": fw, "best_approximation": ap.to_dict()}


def _capacity(tf: pd.DataFrame, fw_tables: dict[str, pd.DataFrame], n_boot: int, seed: int) -> dict[str, Any]:
    sub = tf[tf["sweep"].isin(["draws_set2", "draws_set3"])]
    use = sub[sub["status"] == "resolved"]
    b = slope_estimate(np.log(use["n"].to_numpy(float)), np.log(use["truth"].to_numpy(float)),
                       use["se_ln"].to_numpy(float), n_boot=n_boot, seed=seed)
    est = Estimate(2 * b.value - 1, 2 * b.ci_low - 1, 2 * b.ci_high - 1, b.cases, b.method,
                   {"ln_n_slope": b.to_dict()})
    pub = PAPER_CLAIMS["capacity"]["published"]
    v, r = verdict_statistic(est, claimed_sign=+1, reference=1.0, paper_ci=pub["ci"])
    fw: dict[str, Any] = {}
    if fw_tables:
        kept = pd.concat([t[t["authors_kept"].astype(bool)] for t in fw_tables.values()])
        fb = slope_estimate(np.log(kept["n_connections"].to_numpy(float)), np.log(kept["authors_value"].to_numpy(float)))
        fw["paper_protocol"] = {"value": _f(2 * fb.value - 1), "ci": [_f(2 * fb.ci_low - 1), _f(2 * fb.ci_high - 1)],
                                "cases": fb.cases, "method": fb.method}
    with np.errstate(divide="ignore", invalid="ignore"):
        ab = slope_estimate(np.log(use["n"].to_numpy(float)), np.log(use["approx"].to_numpy(float)))
    return {"verdict": v, "reason": r, "cases": est.cases, "counts": _counts(sub), "truth": est.to_dict(), "fw": fw,
            "best_approximation": {"value": _f(2 * ab.value - 1), "ci": [_f(2 * ab.ci_low - 1), _f(2 * ab.ci_high - 1)],
                                   "cases": ab.cases, "method": ab.method}}


def _synergy(tf: pd.DataFrame, n_boot: int, seed: int) -> dict[str, Any]:
    s3 = tf[(tf["sweep"] == "draws_set3") & (tf["n"] >= 2)]
    use = s3[(s3["status"] == "resolved") & np.isfinite(s3["marginal_sum"].to_numpy(float))]
    syn = (use["truth"] - use["marginal_sum"]).to_numpy(float)
    half = ((use["ci_high"] - use["ci_low"]) / 2).to_numpy(float)
    se = half / 1.959964
    no_marg = int(((s3["status"] == "resolved") & ~np.isfinite(s3["marginal_sum"].to_numpy(float))).sum())
    if syn.size >= 2:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, syn.size, size=(n_boot, syn.size))
        boot = (syn[idx] + se[idx] * rng.standard_normal(idx.shape)).mean(axis=1)
        lo, hi = np.quantile(boot, [0.025, 0.975])
        est = Estimate(float(syn.mean()), float(lo), float(hi), int(syn.size), "bootstrap+se",
                       {"significant_positive": int((syn - half > 0).sum()),
                        "significant_negative": int((syn + half < 0).sum()),
                        "mean_relative": _f(np.mean(syn / use["marginal_sum"].to_numpy(float)))})
    else:
        est = _nan_estimate(int(syn.size), "bootstrap+se")
    v, r = verdict_statistic(est, claimed_sign=+1)
    syn_a = (use["approx"] - use["marginal_sum"]).to_numpy(float)
    return {"verdict": v, "reason": r, "cases": est.cases, "counts": {**_counts(s3), "no_marginals": no_marg},
            "truth": est.to_dict(), "fw": {"note": "not applicable: FW has no exact marginal decomposition"},
            "best_approximation": {"value": _f(np.nanmean(syn_a)) if np.isfinite(syn_a).any() else None,
                                   "cases": int(np.isfinite(syn_a).sum())}}


def _panel_3ab(tf: pd.DataFrame, panel: str, fw_dense: pd.DataFrame | None) -> dict[str, Any]:
    sub = tf[tf["sweep"] == f"paper_{panel}"]
    fw_part: dict[str, Any] = {}
    if fw_dense is not None and len(fw_dense):
        d = _direction_panel(fw_dense, "fw_authors", None, "axis_value", "n", +1, +1)
        fw_part = {"along_axis": d["axis"], "along_n": d["group"], "cases": int(len(fw_dense)),
                   "kept": int(np.isfinite(fw_dense["fw_authors"]).sum())}
    if sub.empty:
        return {"verdict": "not testable", "reason": f"no truths for the paper_{panel} cases (panel_cases())",
                "cases": 0, "counts": _counts(sub), "truth": None, "fw": fw_part, "best_approximation": None}
    use = sub[sub["status"] == "resolved"].assign(half=lambda d: (d["ci_high"] - d["ci_low"]) / 2)
    d = _direction_panel(use, "truth", "half", "axis_value", "n", +1, +1, hypot=True)
    a = _direction_panel(use, "approx", None, "axis_value", "n", +1, +1)
    rel = ((use["fw_authors"] - use["truth"]) / use["truth"]).to_numpy(float)
    fw_part["same_cases_median_rel_err"] = _f(np.nanmedian(rel)) if np.isfinite(rel).any() else None
    return {"verdict": d["verdict"] if len(use) else "not testable",
            "reason": f"along the axis: {d['axis']['reason']}; along n: {d['group']['reason']}",
            "cases": int(len(use)), "counts": _counts(sub),
            "truth": {"along_axis": d["axis"], "along_n": d["group"]}, "fw": fw_part,
            "best_approximation": {"along_axis": a["axis"], "along_n": a["group"]}}


def compute_panels(truth_rows: Sequence[dict[str, Any]], cases: Sequence[Case],
                   approximation: Callable[..., float] | None = None, *, n1_grid: N1Grid = PAPER_N1_GRID,
                   fw_cases: int = 1000, fig3_fw: bool = True, marginals: bool = True, n_jobs: int = 1,
                   n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Every panel's three layers and verdict (module docstring; docs/theory.md §13.1).

    Parameters
    ----------
    truth_rows : sequence of dict
        The report's truth rows (at least ``case_id``, ``sweep``, ``n_connections``,
        ``n_patterns``, ``truth``, ``truth_ci_low``, ``truth_ci_high``,
        ``truth_resolved``, ``truth_method``); those of ``draws_set2``/``draws_set3``
        and ``paper_3A``/``paper_3B`` are used.
    cases : sequence of Case
        The cases of those rows (matched by ``case_hash(case)[:16] == case_id``).
    approximation : callable, optional
        The best approximation; default :func:`synmi.analytic.gaussian_copula_information`.
    n1_grid : N1Grid
        The Fig. 2A/2B grid (default the paper's, 6200 exact values).
    fw_cases : int
        Fresh cases per set for FW under the paper's protocol (the paper: 1000); 0 to skip.
    fig3_fw : bool
        Evaluate FW on the paper's dense Fig. 3A/3B grids (3200 cheap cases).
    marginals : bool
        Compute ``sum_a I(w_a ; x_l)`` by quadrature where a truth row does not carry it (synergy).
    n_jobs, n_boot, seed
        Parallel jobs for the exact values; bootstrap resamples and seed.

    Returns
    -------
    dict
        ``panels`` (id -> result dict with ``verdict``, ``reason``, ``cases``,
        ``truth``, ``fw``, ``best_approximation``), ``tables`` (the DataFrames the
        figures draw) and ``approximation`` (its name).
    """
    approximation = approximation or analytic.gaussian_copula_information
    tf = truth_frame(truth_rows, cases, approximation, marginals=marginals, n_jobs=n_jobs)
    tables: dict[str, Any] = {"truth": tf}
    fw_tables: dict[str, pd.DataFrame] = {}
    if fw_cases:
        for t, name in enumerate(("set2", "set3")):
            tab = set_table(name, fw_cases, seed=_PANEL_SEED + 40 + t)
            tab = tab.assign(n_connections=tab["n_connections"].astype(int))
            fw_tables[name] = tab
    tables["fw_sets"] = fw_tables
    panels: dict[str, Any] = {}
    for axis, pid in (("sigma", "2A"), ("rho", "2B")):
        tab = evaluate_cases(n1_cases(axis, n1_grid), approximation, exact=True, n_jobs=n_jobs)
        tables[pid] = tab
        panels[pid] = _panel_2ab(tab, axis)
    for pid, key, set_name, reg in (("2C", "fig2C", "set2", "ln N"), ("2D", "fig2D", "set3", "ln N"),
                                    ("3C", "fig3C", "set2", "ln n"), ("3D", "fig3D", "set3", "ln n")):
        panels[pid] = _ln_slope_panel(tf, fw_tables.get(set_name), set_name, reg, key, n_boot, seed)
    for axis, pid in (("sigma", "3A"), ("rho", "3B")):
        dense = evaluate_cases(fig3_fw_cases(axis), None, n_jobs=1) if fig3_fw else None
        tables[f"{pid}_fw"] = dense
        panels[pid] = _panel_3ab(tf, pid, dense)
    s3 = tf[tf["sweep"] == "draws_set3"]
    panels["4A"] = _panel_4a(s3, fw_tables.get("set3"))
    panels["4B"] = _panel_4b(s3, fw_tables.get("set3"), n_boot, seed)
    panels["4C"] = _panel_4c(s3, fw_tables.get("set3"), n_boot, seed)
    panels["capacity"] = _capacity(tf, fw_tables, n_boot, seed)
    panels["synergy"] = _synergy(tf, n_boot, seed)
    from .approximations import approximation_name

    return {"panels": panels, "tables": tables, "approximation": approximation_name(approximation)}
