"""Monte Carlo estimates of the true ``I(w_S ; x_l)`` and their Gaussian calibration.

docs/theory.md §2 gives two exact routes, both used here on samples from
:func:`empirical.sample_hebbian`:

* ``I(w_S ; x_l) = I(ln w_S ; ln z_l)`` (reduction to the ``n``-dimensional
  input ``z_l`` and invariance under bijections), estimated by KSG
  (:func:`empirical.ksg_mi`) -- method ``"ksg"``;
* ``I(w_S ; x_l) = h(w_S) - h(w_S^(-l))`` with the change of variables
  ``h(w) = h(ln w) + E[sum_a ln w[a]]``, i.e.
  ``I = h(ln w_S) - h(ln w_S^(-l)) + E[sum_a ln(1 + z_l[a] / w_S^(-l)[a])]``,
  with both entropies from the same draws (common random numbers, so that most
  of the estimators' bias and noise cancels) -- method ``"entropy_difference"``
  (Kozachenko-Leonenko, :func:`empirical.kl_entropy`) and, for ``n = 1``,
  method ``"entropy_1d"`` (m-spacings, :func:`empirical.entropy_1d`).  The last
  term is a plain sample mean, computed as ``log1p(z / w_rest)`` to avoid
  cancellation.

Data preparation (all kNN estimates, cases and calibration alike): every
coordinate is z-scored (kNN estimators depend on coordinate scales; the entropy
gets ``sum ln sd`` back exactly), then Gaussian jitter of standard deviation
``JITTER = 1e-10`` (in z-score units) is added from a seeded stream, so that no
exact duplicates remain (ties would make kNN distances vanish).  At that size the
jitter moves no neighbour of continuous data: nearest-neighbour distances of
``10^6`` points in two dimensions are about ``1e-3``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy import stats

from ..analytic.inputs import validate_case
from ._checks import as_samples, check_int, check_jobs, child, generator, root_sequence
from .estimators import _standardize, entropy_1d, kl_entropy, ksg_mi
from .sampling import DEFAULT_CHUNK_SIZE, RANK_RTOL, _factor, _sample_case

__all__ = ["Estimator", "ESTIMATORS", "MIEstimate", "CalibrationResult", "estimate_mi", "gaussian_calibration",
           "METHODS", "JITTER"]


@dataclass(frozen=True)
class Estimator:
    """One Monte Carlo estimator of the information: an entry of :data:`ESTIMATORS`.

    Attributes
    ----------
    name : str
    target : {"mutual_information", "entropy_difference"}
        What it estimates on the log scale: ``I(ln w_S ; ln z_l)`` directly, or
        ``h(ln w_S) - h(ln w_S^(-l))`` on common random numbers (to which
        :func:`estimate_mi` adds the change-of-variables term, docs/theory.md §2).
        This also fixes how its data are prepared and its Gaussian truth for calibration.
    estimate : callable
        ``f(x, y, k, workers) -> float`` on prepared data (z-scores plus jitter).
    max_connections : int or None
        Largest ensemble it applies to (None: any).
    min_samples : callable
        ``f(k) -> int``, the fewest draws it accepts.
    description : str
    """

    name: str
    target: str
    estimate: Callable[[np.ndarray, np.ndarray, int, int], float]
    max_connections: int | None
    min_samples: Callable[[int], int]
    description: str


def _kl_difference(x: np.ndarray, y: np.ndarray, k: int, workers: int) -> float:
    return kl_entropy(x, k, workers) - kl_entropy(y, k, workers)


def _spacing_difference(x: np.ndarray, y: np.ndarray, k: int, workers: int) -> float:
    return entropy_1d(x) - entropy_1d(y)


#: The estimators :func:`estimate_mi` and :func:`gaussian_calibration` know, by name (docs/theory.md §7).
#: A new estimator is one entry here.
ESTIMATORS: dict[str, Estimator] = {e.name: e for e in (
    Estimator("ksg", "mutual_information", ksg_mi, None, lambda k: k + 2,
              "KSG estimator 1 on (ln w_S, ln z_l); biased low in this model (docs/theory.md §9)"),
    Estimator("entropy_difference", "entropy_difference", _kl_difference, None, lambda k: k + 2,
              "Kozachenko-Leonenko entropies of ln w_S and ln w_S^(-l), max-norm"),
    Estimator("entropy_1d", "entropy_difference", _spacing_difference, 1, lambda k: 4,
              "Vasicek m-spacing entropies, one connection"),
)}
METHODS = tuple(ESTIMATORS)
#: jitter added to z-scored data (standard deviation, z-score units)
JITTER = 1e-10
#: a sample correlation matrix with smallest eigenvalue below this is treated as singular
DEGENERATE_RTOL = 1e-10


@dataclass(frozen=True)
class CalibrationResult:
    """An estimator's bias on jointly Gaussian data with known truth (docs/theory.md §7, "Calibration").

    Attributes
    ----------
    method : str
        ``"ksg"``: ``I(X; Y)``; ``"entropy_difference"`` / ``"entropy_1d"``:
        ``h(X) - h(Y)``.
    dim_x, dim_y : int
        Dimensions of ``X`` (the first ``dim_x`` coordinates of the covariance) and ``Y``.
    n_samples, replicates : int
        Draws per replicate, independent replicates.
    true_value : float
        ``(1/2) ln(det C_X det C_Y / det C)`` for ``"ksg"`` (on the ranges of
        singular blocks; ``inf`` if the joint is singular there), or
        ``(1/2) ln det(2 pi e C_X) - (1/2) ln det(2 pi e C_Y)``.
    mean_estimate : float
        Mean of the replicate estimates.
    bias : float
        ``mean_estimate - true_value``.
    bias_stderr : float
        Standard deviation of the estimates over ``sqrt(replicates)`` (``nan`` for one replicate).
    spread : float
        Standard deviation of the replicate estimates (``ddof = 1``).
    estimates : tuple of float
        The replicate estimates.
    k : int
    seconds : float
    """

    method: str
    dim_x: int
    dim_y: int
    n_samples: int
    replicates: int
    true_value: float
    mean_estimate: float
    bias: float
    bias_stderr: float
    spread: float
    estimates: tuple = ()
    k: int = 3
    seconds: float = float("nan")


@dataclass(frozen=True)
class MIEstimate:
    """A Monte Carlo estimate of ``I(w_S ; x_l)`` in nats.

    Attributes
    ----------
    value : float
        Mean of the replicate estimates (not bias-corrected).
    stderr : float
        ``sd(replicate_values, ddof=1) / sqrt(replicates)``; ``nan`` for one replicate.
    ci_low, ci_high : float
        ``value -+ t_{(1 + confidence)/2, replicates - 1} * stderr`` (Student t).
        Covers sampling noise only, not the estimator's bias (see ``bias``).
    method : str
    n_samples : int
        Draws per replicate (each replicate draws its own ``n_samples``).
    replicates : int
    seconds : float
        Wall time of the call, calibration included.
    replicate_values : tuple of float
    k : int
        Neighbour order (unused by ``"entropy_1d"``).
    bias, bias_stderr, bias_spread : float
        With ``calibrate=True``: the same estimator's bias, its standard error
        and the spread of its estimates on the case's Gaussian surrogate
        (:func:`estimate_mi`); ``nan`` otherwise.
    calibration : CalibrationResult or None
    confidence : float
    """

    value: float
    stderr: float
    ci_low: float
    ci_high: float
    method: str
    n_samples: int
    replicates: int
    seconds: float
    replicate_values: tuple
    k: int
    bias: float = float("nan")
    bias_stderr: float = float("nan")
    bias_spread: float = float("nan")
    calibration: CalibrationResult | None = None
    confidence: float = 0.95


# --------------------------------------------------------------------------- estimator pipeline


def _prepared(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Z-scores plus ``JITTER`` noise, and ``sum ln sd`` (the entropy shift)."""
    u, sd = _standardize(x)
    u += JITTER * rng.standard_normal(u.shape)
    return u, float(np.log(sd).sum())


def _mi_part(method: str, x: np.ndarray, y: np.ndarray, k: int, workers: int, rng: np.random.Generator) -> float:
    """The method's estimate on prepared data: ``I(x; y)`` (ksg) or ``h(x) - h(y)`` (entropy methods)."""
    (u, su), (v, sv) = _prepared(x, rng), _prepared(y, rng)
    est = ESTIMATORS[method]
    shift = su - sv if est.target == "entropy_difference" else 0.0
    return est.estimate(u, v, k, workers) + shift


def _summary(values: list[float], confidence: float) -> tuple[float, float, float, float]:
    arr = np.asarray(values, dtype=float)
    value = float(arr.mean())
    if arr.size < 2:
        return value, float("nan"), float("nan"), float("nan")
    se = float(arr.std(ddof=1) / math.sqrt(arr.size))
    half = float(stats.t.ppf(0.5 + confidence / 2, arr.size - 1)) * se
    return value, se, value - half, value + half


# --------------------------------------------------------------------------- Gaussian truth


def _range_basis(c: np.ndarray) -> np.ndarray:
    lam, q = np.linalg.eigh(c)
    top = lam[-1]
    if not top > 0:
        return q[:, :0]
    return q[:, lam > RANK_RTOL * top]


def _logdet_pd(c: np.ndarray) -> float:
    """``ln det c`` for a positive-definite ``c``; ``-inf`` when (numerically) singular."""
    lam = np.linalg.eigvalsh(c)
    if lam.size == 0:
        return 0.0
    if not lam[0] > RANK_RTOL * max(lam[-1], 0.0) or not lam[-1] > 0:
        return -math.inf
    return float(np.log(lam).sum())


def _gaussian_truth(method: str, cov: np.ndarray, n_x: int) -> float:
    cx, cy = cov[:n_x, :n_x], cov[n_x:, n_x:]
    if ESTIMATORS[method].target == "mutual_information":
        ux, uy = _range_basis(cx), _range_basis(cy)
        if ux.shape[1] == 0 or uy.shape[1] == 0:
            return 0.0  # a constant side carries no information
        t = np.zeros((cov.shape[0], ux.shape[1] + uy.shape[1]))
        t[:n_x, : ux.shape[1]] = ux
        t[n_x:, ux.shape[1]:] = uy
        joint = _logdet_pd(t.T @ cov @ t)
        if joint == -math.inf:
            return math.inf
        return 0.5 * (_logdet_pd(ux.T @ cx @ ux) + _logdet_pd(uy.T @ cy @ uy) - joint)
    lx, ly = _logdet_pd(cx), _logdet_pd(cy)
    if lx == -math.inf or ly == -math.inf:
        raise ValueError("cov: a block is singular, its Gaussian has no density and the entropy is -inf")
    two_pi_e = math.log(2 * math.pi * math.e)
    return 0.5 * (lx + n_x * two_pi_e) - 0.5 * (ly + (cov.shape[0] - n_x) * two_pi_e)


def _check_cov(cov: Any) -> np.ndarray:
    c = as_samples(cov, "cov")
    if c.shape[0] != c.shape[1] or c.shape[0] < 2:
        raise ValueError(f"cov must be a square matrix of size >= 2, got shape {np.shape(cov)}")
    scale = max(1.0, float(np.abs(c).max()))
    if np.abs(c - c.T).max() > 1e-8 * scale:
        raise ValueError("cov is not symmetric")
    c = (c + c.T) / 2
    low = float(np.linalg.eigvalsh(c)[0])
    if low < -1e-8 * c.shape[0] * scale:
        raise ValueError(f"cov is not positive semi-definite (smallest eigenvalue {low:.3g})")
    return c


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _check_n_samples(n_samples: Any, method: str, k: int) -> int:
    return check_int(n_samples, "n_samples", ESTIMATORS[method].min_samples(k))


def _check_confidence(confidence: Any) -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}") from None
    if not 0 < c < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return c


def _calibrate(method: str, cov: np.ndarray, n_x: int, n_samples: int, replicates: int,
               root: np.random.SeedSequence, k: int, workers: int) -> CalibrationResult:
    start = time.perf_counter()
    truth = _gaussian_truth(method, cov, n_x)
    factor = _factor(cov)
    estimates = []
    for r in range(replicates):
        g = generator(child(root, 0, r)).standard_normal((n_samples, factor.shape[1])) @ factor.T
        estimates.append(_mi_part(method, g[:, :n_x], g[:, n_x:], k, workers, generator(child(root, 1, r))))
    arr = np.asarray(estimates)
    mean = float(arr.mean())
    spread = float(arr.std(ddof=1)) if replicates > 1 else float("nan")
    return CalibrationResult(method=method, dim_x=n_x, dim_y=cov.shape[0] - n_x, n_samples=n_samples,
                             replicates=replicates, true_value=float(truth), mean_estimate=mean,
                             bias=mean - truth, bias_stderr=spread / math.sqrt(replicates), spread=spread,
                             estimates=tuple(float(v) for v in arr), k=k,
                             seconds=time.perf_counter() - start)


def gaussian_calibration(method: str, cov: Any, n_x: Any, n_samples: Any, replicates: Any, seed: Any,
                         k: Any = 3, workers: Any = 1) -> CalibrationResult:
    """Bias and spread of an estimator on jointly Gaussian data with known truth (docs/theory.md §7).

    ``(X, Y) ~ Normal(0, cov)`` with ``X`` the first ``n_x`` coordinates, drawn
    ``n_samples`` times in each of ``replicates`` independent replicates, and
    estimated exactly as :func:`estimate_mi` estimates a case (z-scores, jitter,
    the same ``k``).

    Parameters
    ----------
    method : {"ksg", "entropy_difference", "entropy_1d"}
        ``"ksg"`` estimates ``I(X; Y)``, truth ``(1/2) ln(det C_X det C_Y / det C)``.
        The entropy methods estimate ``h(X) - h(Y)`` from the same draws (as
        ``h(ln w_S) - h(ln w_S^(-l))`` on common random numbers), truth
        ``(1/2) ln det(2 pi e C_X) - (1/2) ln det(2 pi e C_Y)``; ``"entropy_1d"``
        needs ``n_x = 1`` and a 2 x 2 ``cov``.
    cov : array_like, shape (D, D)
        Symmetric positive semi-definite.  For ``"ksg"`` singular blocks are
        handled on their ranges (a bijection leaves the information unchanged).
    n_x : int
        ``1 <= n_x < D``.
    n_samples, replicates : int
    seed : int, SeedSequence or numpy Generator
    k : int
    workers : int
        Threads for the kNN queries.

    Returns
    -------
    CalibrationResult
    """
    method = _check_method(method)
    c = _check_cov(cov)
    n_x = check_int(n_x, "n_x", 1)
    if n_x >= c.shape[0]:
        raise ValueError(f"n_x must be less than the size of cov ({c.shape[0]}), got {n_x}")
    limit = ESTIMATORS[method].max_connections
    if limit is not None and (n_x > limit or c.shape[0] - n_x > limit):
        raise ValueError(f"cov: method {method!r} needs X and Y of dimension <= {limit}")
    k = check_int(k, "k", 1)
    n_samples = _check_n_samples(n_samples, method, k)
    replicates = check_int(replicates, "replicates", 1)
    return _calibrate(method, c, n_x, n_samples, replicates, root_sequence(seed), k, check_jobs(workers, "workers"))


# --------------------------------------------------------------------------- estimate_mi


def _check_density(rest: np.ndarray) -> None:
    """Refuse a ``w_S^(-l)`` concentrated on a lower-dimensional set (no density).

    Singular sample correlation on the linear scale (e.g. ``rho = 1``: ``w_rest``
    is a linear map of fewer than ``n`` variables) or the log scale.  Then
    ``h(w_S^(-l)) = -inf``: the information is infinite (or, if ``w_S`` is
    degenerate too, undefined) and no estimator here applies.
    """
    if rest.shape[1] < 2:
        return
    for arr, scale in ((rest, "linear"), (np.log(rest), "log")):
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(arr, rowvar=False)
        low = np.linalg.eigvalsh(corr)[0] if np.all(np.isfinite(corr)) else -1.0
        if not low > DEGENERATE_RTOL:
            raise ValueError(f"w_S^(-l) has no density (its sample correlation on the {scale} scale is "
                             f"singular, smallest eigenvalue {low:.3g}): h(w_S^(-l)) = -inf, so the "
                             "information is infinite or undefined and cannot be estimated")


def estimate_mi(mu: Any, sigma: Any, ensemble: Any, pattern: Any, n_samples: Any, seed: Any,
                method: str = "entropy_difference", replicates: Any = 5, k: Any = 3, n_jobs: Any = 1,
                calibrate: bool = False, *, confidence: Any = 0.95,
                chunk_size: Any = DEFAULT_CHUNK_SIZE) -> MIEstimate:
    """Monte Carlo estimate of the true ``I(w_S ; x_l)`` in nats (docs/theory.md §§2 and 7).

    Parameters
    ----------
    mu, sigma, ensemble, pattern
        The case, as in :func:`analytic.mutual_information` (same validation).
    n_samples : int
        ``M``, draws per replicate.
    seed : int, SeedSequence or numpy Generator
        Replicate ``r`` draws from child ``(0, r)`` of the root ``SeedSequence``
        and jitters from child ``(1, r)``; calibration uses child ``(2,)``.
    method : {"entropy_difference", "ksg", "entropy_1d"}
        ``"ksg"``: KSG estimator 1 (Kraskov, Stögbauer & Grassberger 2004,
        Phys. Rev. E 69, 066138) on ``(ln w_S, ln z_l)``, joint dimension ``2n``.
        ``"entropy_difference"``: Kozachenko-Leonenko (1987) entropies of
        ``ln w_S`` and ``ln w_S^(-l)`` (dimension ``n`` each) on common random
        numbers plus the change-of-variables term.  ``"entropy_1d"``: the same
        with Vasicek's (1976) m-spacing entropy, ``n = 1`` only.
    replicates : int
        Independent replicates; ``value`` is their mean.
    k : int
        Neighbour order of the kNN estimators.
    n_jobs : int
        Threads for sampling and kNN queries (``-1``: all CPUs); never changes the value.
    calibrate : bool
        Also measure the estimator's bias on the case's Gaussian surrogate: the
        covariance ``C`` of the log-scale samples, pooled over replicates (the
        mean of the replicates' sample covariances) -- of ``(ln w_S, ln z_l)``
        for ``"ksg"``, of ``(ln w_S, ln w_S^(-l))`` for the entropy methods --
        defines ``Normal(0, C)``, whose truth is known in closed form
        (:func:`gaussian_calibration`).  The same estimator is run on
        ``replicates`` independent surrogate samples of ``n_samples`` draws
        each; ``bias`` is the mean of (estimate - truth), ``bias_stderr`` its
        standard error and ``bias_spread`` the standard deviation of the
        surrogate estimates.  The surrogate has the case's dimensions, sample
        size and (Gaussian) information level; the change-of-variables term of
        the entropy methods is a sample mean, unbiased, and is not part of it.
        ``value`` is not corrected.
    confidence : float
        Level of the Student-t interval ``[ci_low, ci_high]``.
    chunk_size : int
        Passed to the sampler (scheduling only).

    Returns
    -------
    MIEstimate

    Raises
    ------
    ValueError
        Malformed input (naming the argument); ``N = 1`` (``w_S^(-l) = 0``: the
        information is infinite); ``"entropy_1d"`` with ``n > 1``;
        a ``w_S^(-l)`` without density (see :func:`_check_density`); weights
        outside the float64 range (see :mod:`empirical.sampling`).
    """
    start = time.perf_counter()
    case = validate_case(mu, sigma, ensemble, pattern)
    method = _check_method(method)
    k = check_int(k, "k", 1)
    n_samples = _check_n_samples(n_samples, method, k)
    replicates = check_int(replicates, "replicates", 1)
    n_jobs = check_jobs(n_jobs)
    confidence = _check_confidence(confidence)
    chunk_size = check_int(chunk_size, "chunk_size", 1)
    if not isinstance(calibrate, (bool, np.bool_)):
        raise ValueError(f"calibrate must be a bool, got {calibrate!r}")
    if case.n_patterns == 1:
        raise ValueError("mu: N = 1 pattern, so w_S^(-l) = 0 and w_S = z_l recovers x_l's products exactly: "
                         "the information is infinite")
    n = case.n_connections
    limit = ESTIMATORS[method].max_connections
    if limit is not None and n > limit:
        raise ValueError(f"method {method!r} needs an ensemble of at most {limit} connection(s), got n = {n}")
    root = root_sequence(seed)
    values: list[float] = []
    cov_sum = np.zeros((2 * n, 2 * n))
    for r in range(replicates):
        w, z, rest = _sample_case(case, n_samples, child(root, 0, r), chunk_size, n_jobs)
        if r == 0:
            _check_density(rest)
        if ESTIMATORS[method].target == "mutual_information":
            x_side, y_side = np.log(w, out=w), np.log(z, out=z)
            extra = 0.0
        else:
            extra = float(np.log1p(z / rest).sum(axis=1).mean())  # E[sum ln w] - E[sum ln w_rest]
            x_side, y_side = np.log(w, out=w), np.log(rest, out=rest)
        del w, z, rest
        values.append(_mi_part(method, x_side, y_side, k, n_jobs, generator(child(root, 1, r))) + extra)
        if calibrate:
            cov_sum += np.cov(np.hstack([x_side, y_side]), rowvar=False)
    value, se, lo, hi = _summary(values, confidence)
    calib = None
    bias = bias_se = bias_spread = float("nan")
    if calibrate:
        calib = _calibrate(method, cov_sum / replicates, n, n_samples, replicates, child(root, 2), k, n_jobs)
        bias, bias_se, bias_spread = calib.bias, calib.bias_stderr, calib.spread
    return MIEstimate(value=value, stderr=se, ci_low=lo, ci_high=hi, method=method, n_samples=n_samples,
                      replicates=replicates, seconds=time.perf_counter() - start,
                      replicate_values=tuple(float(v) for v in values), k=k, bias=bias, bias_stderr=bias_se,
                      bias_spread=bias_spread, calibration=calib, confidence=confidence)
