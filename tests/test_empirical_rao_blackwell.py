"""Tests of empirical.rao_blackwell_mi, the Rao-Blackwellised density estimator (docs/theory.md §10).

Known answers: for one connection and two patterns ``h(w^(-l))`` is a log-normal
entropy in closed form and ``h(w) = h(ln w) + E[ln w]`` with the density of
``ln w = ln(e^A + e^B)`` an exact one-dimensional integral (docs/theory.md §8),
evaluated here by adaptive quadrature.  Agreement with the kNN entropy
difference allows three combined standard errors plus 0.01 nats, the flatness
of that estimator in the sample size measured at n = 2-3 (docs/theory.md §9).
All seeds are fixed, so every test is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from synmi.analytic import set3_case
from synmi.empirical import RaoBlackwellEstimate, estimate_mi, rao_blackwell_mi
from synmi.empirical.rao_blackwell import JACKKNIFE_GROUPS

#: small settings for the tests that check bookkeeping, not accuracy
FAST = {"n_samples": 2048, "n_points": 200, "n_control": 2**16}


def _normal_pdf(x: float, mean: float, sd: float) -> float:
    return math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def exact_information_two_lognormals(m_l: float, s_l: float, m_o: float, s_o: float) -> float:
    """``I(w ; x_l)`` for ``w = z_l + z_o``, ``ln z_l ~ Normal(m_l, s_l^2)``, ``ln z_o ~ Normal(m_o, s_o^2)``.

    ``h(w^(-l)) = h(z_o) = m_o + (1/2) ln(2 pi e s_o^2)``; for ``Y = ln w``,
    ``p_Y(y) = integral p_A(y - softplus(-c)) p_B(y - softplus(c)) dc`` and
    ``h(w) = -integral p_Y ln p_Y + E[Y]`` (nested ``scipy.integrate.quad``).
    """
    mid, width = m_l - m_o, math.hypot(s_l, s_o)

    def density(y: float) -> float:
        def integrand(c: float) -> float:
            return _normal_pdf(y - _softplus(-c), m_l, s_l) * _normal_pdf(y - _softplus(c), m_o, s_o)
        return integrate.quad(integrand, mid - 14 * width, mid + 14 * width, points=[mid], limit=200,
                              epsabs=0.0, epsrel=1e-12)[0]

    def neg_p_log_p(y: float) -> float:
        p = density(y)
        return -p * math.log(p) if p > 0 else 0.0

    lo = min(m_l, m_o) - 12 * max(s_l, s_o)
    hi = max(m_l, m_o) + 12 * max(s_l, s_o) + 1.0
    opts = {"limit": 400, "epsabs": 1e-12, "epsrel": 1e-12}
    h_log_w = integrate.quad(neg_p_log_p, lo, hi, **opts)[0]
    mean_log_w = integrate.quad(lambda y: y * density(y), lo, hi, **opts)[0]
    return h_log_w + mean_log_w - (m_o + 0.5 * math.log(2 * math.pi * math.e * s_o**2))


def test_exact_reference_against_a_trapezoid_rule():
    """The quadrature reference agrees with an independent trapezoid rule on a fine (y, c) grid."""
    m_l, s_l, m_o, s_o = 0.3, 2.0, -0.2, 2.0
    step = 0.025
    c = np.arange(-28 * 2 + 0.5, 28 * 2 + 0.5, step)
    y = np.arange(-24.2, 25.3, step)
    a, b = y[:, None] - np.logaddexp(0, -c)[None], y[:, None] - np.logaddexp(0, c)[None]
    p = (stats.norm.pdf(a, m_l, s_l) * stats.norm.pdf(b, m_o, s_o)).sum(axis=1) * step
    safe = np.where(p > 0, p, 1.0)
    trap = (-(p * np.log(safe)).sum() + (y * p).sum()) * step - (m_o + 0.5 * math.log(2 * math.pi * math.e * s_o**2))
    assert exact_information_two_lognormals(m_l, s_l, m_o, s_o) == pytest.approx(trap, abs=1e-9)


@pytest.mark.parametrize("scale", [4.0, 16.0])
def test_known_answer_one_connection_two_patterns(scale):
    """n = 1, N = 2, log-variance ``scale`` of each term: the interval covers the exact value and the
    error is within 0.01 nats (the estimator's measured accuracy is 0.001-0.005, docs/theory.md §10)."""
    s = math.sqrt(scale)
    mu = np.array([[0.15, 0.15], [-0.1, -0.1]])  # m_l = 0.3, m_o = -0.2
    sigma = (scale / 2) * np.eye(2)  # s^2 = Sigma_00 + Sigma_11 = scale
    exact = exact_information_two_lognormals(0.3, s, -0.2, s)
    est = rao_blackwell_mi(mu, sigma, [(0, 1)], 0, seed=3)
    assert est.usable and est.reason == ""
    assert est.ci_low <= exact <= est.ci_high, (exact, est)
    assert abs(est.value - exact) < 0.01
    assert est.stderr < 0.006
    assert est.raw_stderr > 5 * est.stderr  # the control variate earns its keep


@pytest.mark.slow
def test_jackknife_error_is_honest_on_a_known_answer():
    """Over 16 seeds at scale 4 the standardised errors (value - exact) / stderr have a spread near 1
    and no significant mean (on 50 seeds: mean error +0.0003 +- 0.0004, sd 0.0032 against a mean
    stderr of 0.0034)."""
    mu = np.array([[0.15, 0.15], [-0.1, -0.1]])
    exact = exact_information_two_lognormals(0.3, 2.0, -0.2, 2.0)
    runs = [rao_blackwell_mi(mu, 2.0 * np.eye(2), [(0, 1)], 0, seed=seed) for seed in range(200, 216)]
    errors = np.array([r.value - exact for r in runs])
    z = errors / np.array([r.stderr for r in runs])
    assert 0.5 < z.std(ddof=1) < 1.6
    assert abs(errors.mean()) < 3 * errors.std(ddof=1) / math.sqrt(len(runs))


@pytest.mark.parametrize("seed, n", [(5, 2), (8, 3)])
def test_agrees_with_the_knn_entropy_difference(seed, n):
    """Two independent truths on small cases (N = 3, n = 2 and 3): within three combined standard
    errors plus 0.01 nats (the kNN estimator's residual bias at M = 4e4, docs/theory.md §9)."""
    c = set3_case(seed, n_patterns=3, n=n)
    args = (c.mu, c.sigma, c.ensemble, c.pattern)
    rb = rao_blackwell_mi(*args, seed=1)
    knn = estimate_mi(*args, 40_000, 2, method="entropy_difference", replicates=4)
    assert rb.usable, rb.reason
    assert abs(rb.value - knn.value) < 3 * math.hypot(rb.stderr, knn.stderr) + 0.01, (rb, knn)


def test_many_patterns_and_a_large_ensemble_stand_aside():
    """N = 10, n = 8 (set 3): the terms concentrate on a few draws, the ESS diagnostic fails."""
    c = set3_case(0, n_patterns=10, n=8)
    est = rao_blackwell_mi(c.mu, c.sigma, c.ensemble, c.pattern, n_points=200, n_control=2**16)
    assert not est.usable
    assert est.frac_low_ess > 0.3 and est.median_ess < 20
    assert "effective sample size < 20" in est.reason and "% of points" in est.reason
    assert math.isfinite(est.value)  # still reported


@pytest.mark.parametrize("seed, finite_value", [(12, False), (26, True)])
def test_a_point_without_density_is_nan_not_a_warning(seed, finite_value):
    """Set 1 at scale 16 (sigma = 4, rho = -0.05, d = 4, N = 10, chain of 3), the truth's pilot settings:
    with seed 12 some point's density estimates ``p_hat_w`` and ``p_hat_rest`` both have no nonzero term,
    with seed 26 only after deleting one jackknife group.  The estimator says so (NaN value or infinite
    standard error, not usable) without computing ``-inf - (-inf)`` on the way: numpy's
    'invalid value' RuntimeWarning is an error here."""
    import warnings

    from synmi.analytic import set1_case

    c = set1_case(0, n_patterns=10, dim=4, sigma=4.0, rho=-0.05, ensemble=[(0, 1), (1, 2), (2, 3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = rao_blackwell_mi(c.mu, c.sigma, c.ensemble, c.pattern, seed=seed, n_samples=2048, n_points=200,
                               n_control=2**10)
    assert not est.usable
    assert math.isinf(est.stderr)
    if finite_value:
        assert math.isfinite(est.value) and "jackknife standard error is infinite" in est.reason
    else:
        assert math.isnan(est.value) and "a density estimate is 0 at 1 of 200 points" in est.reason


def test_few_patterns_and_a_mid_ensemble_are_usable():
    """N = 3, n = 4 (set 3): the diagnostic passes."""
    c = set3_case(0, n_patterns=3, n=4)
    est = rao_blackwell_mi(c.mu, c.sigma, c.ensemble, c.pattern, n_points=200, n_control=2**16)
    assert est.usable and est.reason == ""
    assert est.frac_low_ess <= 0.05 and est.median_ess > 100


def test_singular_connection_covariance_stands_aside():
    """Three connections among three neurons whose log-pattern covariance has rank 2:
    C Sigma C^T is singular, z_m has no density and the estimator does not run."""
    v = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    sigma = v @ v.T  # rank 2
    est = rao_blackwell_mi(np.zeros((3, 3)), sigma, [(0, 1), (0, 2), (1, 2)], 0, **FAST)
    assert not est.usable
    assert "C Sigma_m C^T singular for pattern 0" in est.reason
    assert math.isnan(est.value) and math.isnan(est.stderr)


def test_the_singular_pattern_is_named():
    """Only pattern 2 (not the target) has a singular C Sigma_2 C^T: the reason names it."""
    sig = np.stack([np.eye(3), np.eye(3), np.diag([1.0, 1.0, 0.0])])
    est = rao_blackwell_mi(np.zeros((3, 3)), sig, [(0, 1), (0, 2), (1, 2)], 0, **FAST)
    assert not est.usable and "pattern 2" in est.reason


def test_same_seed_same_numbers_for_any_job_count():
    """Same seed, same numbers; threads (several blocks of points: M = 16384, P = 150, n = 2 makes
    three) change nothing; another seed or a Generator's next call gives other numbers."""
    c = set3_case(7, n_patterns=3, n=2)
    args = (c.mu, c.sigma, c.ensemble, c.pattern)
    settings = {"n_samples": 16384, "n_points": 150, "n_control": 2**16}
    ref = rao_blackwell_mi(*args, seed=11, **settings)
    threads = rao_blackwell_mi(*args, seed=11, n_jobs=2, **settings)
    assert ref.replicate_values == threads.replicate_values
    assert ref.replicate_stderrs == threads.replicate_stderrs and ref.min_ess == threads.min_ess
    assert rao_blackwell_mi(*args, seed=11, **FAST).value == rao_blackwell_mi(*args, seed=11, **FAST).value
    assert rao_blackwell_mi(*args, seed=12, **FAST).value != rao_blackwell_mi(*args, seed=11, **FAST).value
    gen = np.random.default_rng(3)
    assert rao_blackwell_mi(*args, seed=gen, **FAST).value != rao_blackwell_mi(*args, seed=gen, **FAST).value


def test_fields_and_interval():
    c = set3_case(7, n_patterns=3, n=2)
    r = rao_blackwell_mi(c.mu, c.sigma, c.ensemble, c.pattern, seed=2, replicates=3, **FAST)
    assert isinstance(r, RaoBlackwellEstimate)
    assert (r.n_samples, r.n_points, r.replicates) == (2048, 200, 3)
    assert len(r.replicate_values) == 3 and len(set(r.replicate_values)) == 3
    assert r.value == pytest.approx(np.mean(r.replicate_values), rel=1e-12)
    assert r.stderr == pytest.approx(math.sqrt(sum(s * s for s in r.replicate_stderrs)) / 3, rel=1e-12)
    half = stats.t.ppf(0.975, 3 * (JACKKNIFE_GROUPS - 1)) * r.stderr
    assert r.ci_low == pytest.approx(r.value - half) and r.ci_high == pytest.approx(r.value + half)
    assert 0 < r.min_ess <= r.median_ess <= 2047 and 0 <= r.frac_low_ess <= 1
    assert r.seconds > 0 and r.min_ess_threshold == 20.0 and r.max_frac_low_ess == 0.05
    strict = rao_blackwell_mi(c.mu, c.sigma, c.ensemble, c.pattern, seed=2, min_ess=1e9, **FAST)
    assert not strict.usable and strict.frac_low_ess == 1.0 and "100% of points" in strict.reason
    lenient = rao_blackwell_mi(c.mu, c.sigma, c.ensemble, c.pattern, seed=2, min_ess=1e9, max_frac_low_ess=1.0,
                               **FAST)
    assert lenient.usable


_CASE = (np.zeros((3, 3)), 0.3 * np.eye(3), [(0, 1), (1, 2)], 1)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_points": 1}, "n_points"),
    ({"n_points": 2.5}, "n_points"),
    ({"n_samples": 10}, "n_samples"),
    ({"n_samples": 1000, "n_points": 1000}, "n_samples"),
    ({"n_control": 0}, "n_control"),
    ({"replicates": 0}, "replicates"),
    ({"n_jobs": 0}, "n_jobs"),
    ({"min_ess": 0.0}, "min_ess"),
    ({"min_ess": "many"}, "min_ess"),
    ({"max_frac_low_ess": 1.5}, "max_frac_low_ess"),
    ({"confidence": 1.0}, "confidence"),
    ({"seed": "x"}, "seed"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rao_blackwell_mi(*_CASE, **kwargs)


@pytest.mark.parametrize("case, match", [
    ((np.zeros((1, 3)), np.eye(3), [(0, 1)], 0), "mu"),
    ((np.zeros((2, 3)), np.eye(3), [(0, 0)], 0), "ensemble"),
    ((np.zeros((2, 3)), np.eye(3), [(0, 1)], 2), "pattern"),
    ((np.zeros((2, 3)), -np.eye(3), [(0, 1)], 0), "sigma"),
])
def test_bad_cases_are_named(case, match):
    with pytest.raises(ValueError, match=match):
        rao_blackwell_mi(*case, **FAST)
