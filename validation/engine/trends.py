"""Trend fits with 95 % confidence intervals (docs/theory.md §5).

* :func:`power_law_fit` — exponent ``b`` of ``|err| ~ a x**b`` by OLS of
  ``ln|err|`` on ``ln x``, only over points whose error is resolved above the
  truth's uncertainty (the caller passes the mask; the fit reports how many
  points entered).
* :func:`linear_fit` — slope of ``y`` on ``x`` (``err`` against ``ln N``, the
  ``mu`` range, ``rho``; ``ln I`` against ``ln N`` or ``ln n`` for the paper's
  regressions).

Both give the OLS estimate with its t-based 95 % interval
(``scipy.stats.linregress``) and a case-bootstrap 95 % interval
(paired resampling of points, percentile method; :func:`paired_bootstrap_ci`).
The bootstrap interval is the one reported: it does not assume homoscedastic
normal residuals.  With fewer than ``MIN_POINTS`` points no fit is made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["TrendFit", "linear_fit", "power_law_fit", "paired_bootstrap_ci", "ols_slope", "MIN_POINTS"]

#: fewest points a fit is attempted on
MIN_POINTS = 3


@dataclass(frozen=True)
class TrendFit:
    """A fitted slope (or exponent) with its 95 % confidence intervals.

    Attributes
    ----------
    slope, intercept : float
        OLS estimates.
    ci_low, ci_high : float
        Bootstrap 95 % interval of the slope (percentile, paired resampling).
    ols_ci_low, ols_ci_high : float
        t-based 95 % interval from the OLS standard error.
    r_value, p_value : float
        Correlation and two-sided p-value of ``slope == 0``.
    n_used, n_total : int
        Points that entered the fit, and points offered.
    kind : str
        ``"linear"`` or ``"power_law"``.
    """

    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    ols_ci_low: float
    ols_ci_high: float
    r_value: float
    p_value: float
    n_used: int
    n_total: int
    kind: str

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def excludes_zero(self) -> bool:
        """True when the bootstrap 95 % interval lies entirely on one side of 0."""
        return bool(np.isfinite(self.ci_low) and np.isfinite(self.ci_high) and (self.ci_low > 0 or self.ci_high < 0))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in d.items()}

    def __str__(self) -> str:
        return (f"{self.slope:.3g} (95% CI [{self.ci_low:.3g}, {self.ci_high:.3g}], "
                f"{self.n_used}/{self.n_total} points)")


def _nan_fit(kind: str, n_used: int, n_total: int) -> TrendFit:
    nan = float("nan")
    return TrendFit(nan, nan, nan, nan, nan, nan, nan, nan, n_used, n_total, kind)


def ols_slope(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """OLS slope of ``y`` on ``x`` along ``axis``: ``sum (x - mean x)(y - mean y) / sum (x - mean x)**2``.

    Vectorised: with arrays of shape ``(n_boot, n)`` it gives the ``n_boot``
    slopes of bootstrap resamples at once (NaN where every ``x`` is equal).
    """
    xm = x - x.mean(axis=axis, keepdims=True)
    ym = y - y.mean(axis=axis, keepdims=True)
    return (xm * ym).sum(axis=axis) / (xm * xm).sum(axis=axis)


def paired_bootstrap_ci(statistic, data: tuple, *, n_boot: int = 2000, seed: int = 0,
                        confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of a vectorised statistic over paired resamples of points.

    ``statistic(*arrays)`` takes arrays of shape ``(n_boot, n)`` and returns
    ``(n_boot,)``.  Resamples on which the statistic is undefined (e.g. every
    resampled ``x`` equal, so no slope exists) are dropped, which
    ``scipy.stats.bootstrap`` cannot do (one NaN makes its whole interval NaN).
    """
    n = len(data[0])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = statistic(*(np.asarray(a)[idx] for a in data))
    values = values[np.isfinite(values)]
    if values.size < max(10, n_boot // 2):
        return float("nan"), float("nan")
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha])
    return float(lo), float(hi)


def linear_fit(x: Any, y: Any, *, mask: Any = None, n_boot: int = 2000, seed: int = 0,
               kind: str = "linear") -> TrendFit:
    """OLS slope of ``y`` on ``x`` with 95 % intervals (t-based and bootstrap).

    Parameters
    ----------
    x, y : array_like, same length
    mask : array_like of bool, optional
        Points to use; non-finite points are always dropped.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the bootstrap.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays of equal length, got shapes {x.shape} and {y.shape}")
    use = np.isfinite(x) & np.isfinite(y)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != x.shape:
            raise ValueError(f"mask must have the shape of x, got {mask.shape}")
        use &= mask
    xs, ys = x[use], y[use]
    n_total = int(x.size)
    if xs.size < MIN_POINTS or np.ptp(xs) == 0:
        return _nan_fit(kind, int(xs.size), n_total)
    res = stats.linregress(xs, ys)
    tcrit = stats.t.ppf(0.975, xs.size - 2) if xs.size > 2 else np.nan
    ols_lo, ols_hi = res.slope - tcrit * res.stderr, res.slope + tcrit * res.stderr
    if xs.size > 3 and n_boot > 0:
        lo, hi = paired_bootstrap_ci(ols_slope, (xs, ys), n_boot=n_boot, seed=seed)
    else:
        lo, hi = float(ols_lo), float(ols_hi)
    return TrendFit(float(res.slope), float(res.intercept), lo, hi, float(ols_lo), float(ols_hi),
                    float(res.rvalue), float(res.pvalue), int(xs.size), n_total, kind)


def power_law_fit(x: Any, abs_err: Any, *, resolved: Any = None, n_boot: int = 2000, seed: int = 0) -> TrendFit:
    """Exponent ``b`` of ``|err| ~ a x**b``: OLS of ``ln|err|`` on ``ln x``.

    Only points with ``x > 0``, ``|err| > 0`` and ``resolved`` (error resolved
    above the truth's uncertainty) enter; ``n_used`` says how many did.
    """
    x = np.asarray(x, dtype=float)
    e = np.abs(np.asarray(abs_err, dtype=float))
    ok = (x > 0) & (e > 0)
    if resolved is not None:
        ok &= np.asarray(resolved, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        return linear_fit(np.log(np.where(ok, x, np.nan)), np.log(np.where(ok, e, np.nan)), n_boot=n_boot,
                          seed=seed, kind="power_law")
