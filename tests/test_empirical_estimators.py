"""Tests of the estimators in empirical.estimators (docs/theory.md §7).

Accuracy tests use jointly Gaussian data with closed-form information or entropy
and compare the mean of R independent replicates with the truth in units of its
standard error sd/sqrt(R) (3 standard errors: a correct, negligibly biased
estimator fails with probability ~0.3% per check; the seeds are fixed, so the
tests are deterministic).  The settings (dimension, M) are ones where the
estimators' bias is well below that error: we measured Kozachenko-Leonenko's
bias in 3-D at about -0.006 to -0.01 nats for M = 2e4 to 5e4, several standard
errors, so the entropy checks stay in one and two dimensions.
"""

from __future__ import annotations

import math

import npeet_plus
import npeet_plus.estimators as npeet_est
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from synmi.empirical import entropy_1d, kl_entropy, ksg_mi, npeet_mi, sklearn_mi
from synmi.empirical.estimators import _count_1d, _count_within


def _replicates(fn, reps: int, seed: int) -> tuple[float, float]:
    vals = np.array([fn(np.random.default_rng(s)) for s in np.random.SeedSequence(seed).spawn(reps)])
    return float(vals.mean()), float(vals.std(ddof=1) / math.sqrt(reps))


def _gaussian_pair(rng, m, dim, rho):
    x = rng.standard_normal((m, dim))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((m, dim))
    return x, y


@pytest.fixture
def no_npeet_noise(monkeypatch):
    """NPEET adds 1e-10 uniform noise from the global RNG; switch it off for exact parity."""
    monkeypatch.setattr(npeet_est, "add_noise", lambda x, intens=1e-10: x)


# --------------------------------------------------------------------------- KSG


@pytest.mark.parametrize("dim", [1, 2])
def test_ksg_recovers_gaussian_information(dim):
    truth = -0.5 * dim * math.log(1 - 0.6**2)
    mean, se = _replicates(lambda r: ksg_mi(*_gaussian_pair(r, 2000, dim, 0.6)), 10, dim)
    assert abs(mean - truth) < 3 * se


@pytest.mark.parametrize("dim", [1, 2])
def test_ksg_of_independent_data_is_about_zero(dim):
    mean, se = _replicates(lambda r: ksg_mi(*_gaussian_pair(r, 2000, dim, 0.0)), 10, 10 + dim)
    assert abs(mean) < 3 * se


def test_ksg_invariant_under_affine_maps_with_standardize():
    rng = np.random.default_rng(0)
    x, y = _gaussian_pair(rng, 3000, 2, 0.5)
    ref = ksg_mi(x, y, standardize=True)
    scaled = ksg_mi(x * [3.0, 0.01] + 7.0, -5.0 * y - 2.0, standardize=True)
    assert abs(ref - scaled) < 1e-9
    # without standardisation a rescaled coordinate changes the neighbourhoods and the estimate
    assert abs(ksg_mi(x, y) - ksg_mi(x * [30.0, 1.0], y)) > 1e-3


def test_ksg_invariant_under_monotone_transforms():
    """I(f(X); g(Y)) = I(X; Y) for monotone f, g; the estimates agree within their noise.

    Paired replicates (same draws, transformed or not): the mean difference must
    be within 3 standard errors of zero.
    """
    def diff(rng):
        x, y = _gaussian_pair(rng, 3000, 1, 0.7)
        return (ksg_mi(x, y, standardize=True)
                - ksg_mi(np.exp(0.5 * x), y + 0.3 * y**3, standardize=True))

    mean, se = _replicates(diff, 10, 21)
    assert abs(mean) < 3 * se


def test_ksg_workers_do_not_change_the_value():
    rng = np.random.default_rng(1)
    for dim in (1, 2):
        x, y = _gaussian_pair(rng, 4000, dim, 0.5)
        assert ksg_mi(x, y, workers=1) == ksg_mi(x, y, workers=2)


@pytest.mark.parametrize("dx, dy, k", [(1, 1, 3), (1, 1, 1), (2, 1, 5), (2, 3, 3)])
def test_ksg_parity_with_npeet(no_npeet_noise, dx, dy, k):
    rng = np.random.default_rng(dx * 10 + dy + k)
    x = rng.standard_normal((1500, dx))
    y = 0.5 * x[:, :1] + rng.standard_normal((1500, dy))
    ours = ksg_mi(x, y, k=k)
    theirs = npeet_plus.mi(x, y, k=k, base=math.e)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-13)


def test_ksg_parity_with_npeet_jitter_included():
    """With NPEET's own 1e-10 jitter the two agree to rounding of a few counts at most."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(3000)
    y = x + rng.standard_normal(3000)
    assert abs(npeet_mi(x, y, k=3, seed=1) - ksg_mi(x, y, k=3)) < 1e-6
    assert npeet_mi(x, y, seed=1) == npeet_mi(x, y, seed=1)


def test_sklearn_adapter_tracks_standardised_ksg():
    """scikit-learn scales to unit variance and adds 1e-10 noise: equal to the standardised KSG
    unless that noise moves a point across a neighbourhood boundary (each flip moves the
    estimate by about 1/(M n_x) ~ 1e-5)."""
    rng = np.random.default_rng(6)
    x = 5.0 * rng.standard_normal(3000)
    y = 0.2 * x + rng.standard_normal(3000)
    assert abs(sklearn_mi(x, y) - ksg_mi(x, y, standardize=True)) < 1e-4
    with pytest.raises(ValueError, match="one column"):
        sklearn_mi(np.ones((10, 2)), np.ones(10))


# --------------------------------------------------------------------------- counts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=2, max_size=40), st.sampled_from([1.0, 0.1, 1e-3, 3.7]),
       st.sampled_from([0.0, 1e6, -3.3]), st.integers(0, 2**32 - 1))
def test_sorted_counts_are_exact_with_ties(ints, scale, shift, seed):
    v = np.asarray(ints, dtype=float) * scale + shift
    rng = np.random.default_rng(seed)
    eps = np.abs(v[rng.integers(0, v.size, v.size)] - v)  # radii hitting other points exactly
    eps[eps == 0] = scale
    brute = np.array([(np.abs(v - v[i]) < eps[i]).sum() - 1 for i in range(v.size)])
    assert np.array_equal(np.sort(_count_1d(v, eps)), np.sort(brute))


def test_tree_counts_are_exact_strict_inequality():
    rng = np.random.default_rng(3)
    u = np.round(rng.standard_normal((300, 2)), 1)  # many exact ties
    eps = np.abs(u[rng.integers(0, 300, 300)] - u).max(axis=1) + (rng.random(300) < 0.5) * 0.05
    eps[eps == 0] = 0.1
    brute = np.array([(np.abs(u - u[i]).max(axis=1) < eps[i]).sum() - 1 for i in range(300)])
    for workers in (1, 2):
        assert np.array_equal(_count_within(u, eps, workers), brute)


# --------------------------------------------------------------------------- entropies


def test_kl_entropy_gaussian_1d():
    truth = 0.5 * math.log(2 * math.pi * math.e * 4.0)
    mean, se = _replicates(lambda r: kl_entropy(2.0 * r.standard_normal(2000)), 10, 4)
    assert abs(mean - truth) < 3 * se


def test_kl_entropy_gaussian_2d_standardised():
    cov = np.array([[1.0, 0.5], [0.5, 2.0]])
    chol = np.linalg.cholesky(cov)
    truth = 0.5 * math.log(np.linalg.det(2 * math.pi * math.e * cov))
    mean, se = _replicates(lambda r: kl_entropy(r.standard_normal((4000, 2)) @ chol.T, standardize=True), 8, 3)
    assert abs(mean - truth) < 3 * se


def test_kl_entropy_parity_with_npeet_and_scaling(no_npeet_noise):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2000, 3)) * [1.0, 3.0, 0.2]
    assert kl_entropy(x, k=4) == pytest.approx(npeet_plus.entropy(x, k=4, base=math.e), rel=1e-12)
    # standardize: h(a x) = h(x) + ln a exactly
    assert kl_entropy(10 * x, standardize=True) == pytest.approx(kl_entropy(x, standardize=True)
                                                                  + 3 * math.log(10), abs=1e-9)


@pytest.mark.parametrize("name, draw, truth", [
    ("gaussian", lambda r, m: 1.5 * r.standard_normal(m), 0.5 * math.log(2 * math.pi * math.e * 2.25)),
    ("gumbel", lambda r, m: r.gumbel(size=m), np.euler_gamma + 1),
    # LogNormal(0.3, 0.5): h = mu + ln(sigma sqrt(2 pi e))
    ("lognormal", lambda r, m: r.lognormal(0.3, 0.5, size=m), 0.3 + math.log(0.5 * math.sqrt(2 * math.pi * math.e))),
])
def test_entropy_1d_known_entropies(name, draw, truth):
    mean, se = _replicates(lambda r: entropy_1d(draw(r, 100_000)), 12, 12)
    assert abs(mean - truth) < 3 * se, name


def test_entropy_1d_methods_match_scipy():
    x = np.random.default_rng(2).standard_normal(3000)
    for method in ("vasicek", "ebrahimi", "van es", "correa"):
        ref = stats.differential_entropy(x, window_length=20, method=method)
        assert entropy_1d(x, method=method, window_length=20) == pytest.approx(ref, rel=1e-12), method


def test_correa_is_chunked():
    """Correa on 2e5 points with m = 224 would need 0.7 GB in SciPy; here a few MB."""
    import tracemalloc

    x = np.random.default_rng(1).standard_normal(200_000)
    tracemalloc.start()
    value = entropy_1d(x, method="correa")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20
    assert abs(value - 0.5 * math.log(2 * math.pi * math.e)) < 0.01


# --------------------------------------------------------------------------- input validation


@pytest.mark.parametrize("call, match", [
    (lambda: ksg_mi(np.ones(5), np.ones(6)), "same number"),
    (lambda: ksg_mi([1.0, np.nan, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0]), "non-finite"),
    (lambda: ksg_mi(np.arange(5.0), np.arange(5.0), k=5), "k"),
    (lambda: ksg_mi(np.arange(5.0), np.arange(5.0), k=0), "k"),
    (lambda: ksg_mi(np.ones((3, 2, 2)), np.ones(3)), "x"),
    (lambda: ksg_mi(np.zeros(20), np.zeros(20)), "identical"),
    (lambda: ksg_mi(np.arange(9.0), np.arange(9.0), workers=0), "workers"),
    (lambda: kl_entropy(np.zeros((20, 2))), "identical"),
    (lambda: kl_entropy(np.ones(20), standardize=True), "constant"),
    (lambda: entropy_1d(np.ones((10, 2))), "one-dimensional"),
    (lambda: entropy_1d(np.arange(10.0), method="bogus"), "method"),
    (lambda: entropy_1d(np.arange(10.0), window_length=5), "window_length"),
    (lambda: npeet_mi(np.ones(5), np.ones(4)), "same number"),
    (lambda: sklearn_mi(np.ones(5), np.ones((5, 2))), "y"),
])
def test_estimator_input_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
