"""Tests of empirical.sample_hebbian / sample_weight_matrices (docs/theory.md §§1-2).

Moment checks compare sample statistics with the exact moments of docs/theory.md
section 2 (analytic.weight_moments, analytic.connection_log_moments) in units of
their standard errors, estimated from the same sample (the standard error of a
sample covariance is the standard deviation of the centred products over
sqrt(M)).  With fixed seeds every test is deterministic; the threshold of 4.5
standard errors keeps the chance that a correct sampler fails any of the ~30
comparisons of a test below 1e-4 (two-sided normal tail 6.8e-6 each).
"""

from __future__ import annotations

import numpy as np
import pytest

from synmi.analytic import connection_log_moments, exchangeable_covariance, weight_moments
from synmi.analytic.inputs import validate_case
from synmi.empirical import HebbianSample, sample_hebbian, sample_weight_matrices
from synmi.empirical.sampling import _case_plan

Z_MAX = 4.5


def _moderate_case(per_pattern: bool = False, n_patterns: int = 5, dim: int = 6):
    rng = np.random.default_rng(11)
    mu = rng.uniform(-1, 1, size=(n_patterns, dim))
    if per_pattern:
        sig = []
        for _ in range(n_patterns):
            a = rng.normal(size=(dim, dim))
            sig.append(0.15 * a @ a.T / dim + 0.05 * np.eye(dim))
        sigma = np.array(sig)
    else:
        sigma = exchangeable_covariance(dim, 0.5, 0.3)
    # connections sharing neurons, so that the covariance has off-diagonal terms
    ensemble = [(0, 1), (1, 2), (0, 3), (4, 5)]
    return mu, sigma, ensemble


def _zscores_mean(x: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return (x.mean(axis=0) - expected) / (x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]))


def _zscores_cov(x: np.ndarray, expected: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Sample covariance about the exact mean, against ``expected``, in standard errors."""
    c = x - mean
    prods = c[:, :, None] * c[:, None, :]
    est = prods.mean(axis=0)
    se = prods.std(axis=0, ddof=1) / np.sqrt(x.shape[0])
    return (est - expected) / se


@pytest.mark.parametrize("per_pattern", [False, True])
def test_weight_moments_match_math_section2(per_pattern):
    mu, sigma, ens = _moderate_case(per_pattern)
    s = sample_hebbian(mu, sigma, ens, 2, 200_000, 5)
    m1, v = weight_moments(mu, sigma, ens)
    assert np.all(np.abs(_zscores_mean(s.w, m1)) < Z_MAX)
    assert np.all(np.abs(_zscores_cov(s.w, v, m1)) < Z_MAX)


def test_log_products_of_the_target_pattern_are_gaussian_with_eq22_moments():
    mu, sigma, ens = _moderate_case(per_pattern=True)
    s = sample_hebbian(mu, sigma, ens, 1, 100_000, 6)
    m, c = connection_log_moments(np.asarray(mu), np.asarray(sigma), np.asarray(ens))
    lz = np.log(s.z)
    assert np.all(np.abs(_zscores_mean(lz, m[1])) < Z_MAX)
    assert np.all(np.abs(_zscores_cov(lz, c[1], m[1])) < Z_MAX)
    # w_rest has the moments of the sum over the other patterns
    keep = [k for k in range(len(mu)) if k != 1]
    m1r, vr = weight_moments(np.asarray(mu)[keep], np.asarray(sigma)[keep], ens)
    assert np.all(np.abs(_zscores_mean(s.w_rest, m1r)) < Z_MAX)
    assert np.all(np.abs(_zscores_cov(s.w_rest, vr, m1r)) < Z_MAX)


def test_the_split_is_exact_common_random_numbers():
    mu, sigma, ens = _moderate_case()
    s = sample_hebbian(mu, sigma, ens, 0, 5000, 1)
    assert isinstance(s, HebbianSample)
    for arr in (s.w, s.z, s.w_rest):
        assert arr.shape == (5000, 4) and arr.dtype == np.float64
    assert np.array_equal(s.w, s.z + s.w_rest)
    assert np.all(s.z > 0) and np.all(s.w_rest > 0)
    assert s.pattern == 0 and s.n_samples == 5000
    assert np.array_equal(s.ensemble, [[0, 1], [1, 2], [0, 3], [4, 5]])
    assert np.array_equal(s.neurons, np.arange(6))


def test_identical_numbers_for_any_chunk_size_and_job_count():
    mu, sigma, ens = _moderate_case(per_pattern=True)
    block = _case_plan(validate_case(mu, sigma, ens, 3)).block
    m = 3 * block + 123  # a partial last block
    ref = sample_hebbian(mu, sigma, ens, 3, m, 42)
    for chunk, jobs in [(1, 1), (1, 2), (block, 2), (2 * block + 1, 2), (10**7, 2), (block - 1, 1)]:
        other = sample_hebbian(mu, sigma, ens, 3, m, 42, chunk_size=chunk, n_jobs=jobs)
        for name in ("w", "z", "w_rest"):
            assert np.array_equal(getattr(ref, name), getattr(other, name)), (chunk, jobs, name)
    # a shorter run is a prefix of a longer one (fixed blocks, full-size arithmetic)
    short = sample_hebbian(mu, sigma, ens, 3, block + 7, 42)
    assert np.array_equal(short.w, ref.w[: block + 7])


def test_seed_forms():
    mu, sigma, ens = _moderate_case()
    a = sample_hebbian(mu, sigma, ens, 0, 300, 7).w
    assert np.array_equal(a, sample_hebbian(mu, sigma, ens, 0, 300, 7).w)
    assert not np.array_equal(a, sample_hebbian(mu, sigma, ens, 0, 300, 8).w)
    assert np.array_equal(a, sample_hebbian(mu, sigma, ens, 0, 300, np.random.SeedSequence(7)).w)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    first = sample_hebbian(mu, sigma, ens, 0, 300, g1).w
    assert np.array_equal(first, sample_hebbian(mu, sigma, ens, 0, 300, g2).w)
    assert not np.array_equal(first, sample_hebbian(mu, sigma, ens, 0, 300, g1).w)  # generator advanced
    for bad in (None, -1, 1.5, "x"):
        with pytest.raises(ValueError, match="seed"):
            sample_hebbian(mu, sigma, ens, 0, 10, bad)


def test_only_the_ensembles_neurons_are_drawn():
    """Context invariance (docs/theory.md §2): neurons outside V(S) change nothing, bit for bit."""
    rng = np.random.default_rng(2)
    n_patterns, dim = 4, 8
    mu = rng.uniform(-1, 1, (n_patterns, dim))
    a = rng.normal(size=(n_patterns, dim, dim))
    sigma = 0.1 * a @ np.swapaxes(a, 1, 2) / dim + 0.05 * np.eye(dim)
    ens = [(1, 3), (3, 6)]  # V(S) = {1, 3, 6}
    ref = sample_hebbian(mu, sigma, ens, 2, 2000, 9)
    assert np.array_equal(ref.neurons, [1, 3, 6])
    outside = [0, 2, 4, 5, 7]
    mu2 = mu.copy()
    mu2[:, outside] += 5.0
    # a different context: independent outside neurons with another covariance
    b = rng.normal(size=(n_patterns, 5, 5))
    sigma2 = np.zeros_like(sigma)
    inside = np.ix_([1, 3, 6], [1, 3, 6])
    sigma2[(slice(None),) + inside] = sigma[(slice(None),) + inside]
    sigma2[(slice(None),) + np.ix_(outside, outside)] = 0.3 * b @ np.swapaxes(b, 1, 2) / 5 + 0.05 * np.eye(5)
    other = sample_hebbian(mu2, sigma2, ens, 2, 2000, 9)
    assert np.array_equal(ref.w, other.w) and np.array_equal(ref.z, other.z)
    # embedding into a larger network with the ensemble relabelled
    big = 11
    perm = np.array([7, 0, 9, 2, 10, 3, 5, 1])  # neuron i -> perm[i]
    mu3 = np.zeros((n_patterns, big))
    mu3[:, perm] = mu
    sigma3 = np.tile(np.eye(big), (n_patterns, 1, 1))
    sigma3[(slice(None),) + np.ix_(perm, perm)] = sigma
    ens3 = [(perm[1], perm[3]), (perm[3], perm[6])]
    third = sample_hebbian(mu3, sigma3, ens3, 2, 2000, 9)
    assert np.array_equal(ref.w, third.w)


def test_singular_covariance_rho_one():
    """rho = 1: every ln x_k[i] is mu_k[i] plus one common normal; eigen factors handle it exactly."""
    dim = 5
    sigma = exchangeable_covariance(dim, 0.7, 1.0)
    mu = np.random.default_rng(0).uniform(-1, 1, (3, dim))
    ens = [(0, 1), (2, 3), (1, 4)]
    plan = _case_plan(validate_case(mu, sigma, ens, 0))
    assert plan.total_rank == 3  # one normal per pattern
    s = sample_hebbian(mu, sigma, ens, 0, 1000, 1)
    lz = np.log(s.z)
    m, _ = connection_log_moments(mu, sigma, np.asarray(ens))
    # ln z_0[a] - ln z_0[b] = m_0[a] - m_0[b] exactly (up to rounding)
    np.testing.assert_allclose(lz[:, 1] - lz[:, 0], m[0, 1] - m[0, 0], atol=1e-10)
    np.testing.assert_allclose(lz[:, 2] - lz[:, 0], m[0, 2] - m[0, 0], atol=1e-10)
    assert np.all(np.isfinite(s.w))


def test_zero_covariance_and_single_pattern():
    mu = np.array([[0.1, 0.2, 0.3]])
    s = sample_hebbian(mu, np.zeros((3, 3)), [(0, 2)], 0, 10, 0)
    np.testing.assert_allclose(s.w, np.exp(0.4))
    assert np.all(s.w_rest == 0) and np.array_equal(s.w, s.z)


def test_overflow_is_reported():
    mu = np.full((2, 3), 400.0)
    with pytest.raises(ValueError, match="float64"):
        sample_hebbian(mu, 0.01 * np.eye(3), [(0, 1)], 0, 10, 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_samples=0), "n_samples"),
    (dict(n_samples=2.5), "n_samples"),
    (dict(n_samples=True), "n_samples"),
    (dict(chunk_size=0), "chunk_size"),
    (dict(n_jobs=0), "n_jobs"),
    (dict(ensemble=[(0, 0)]), "ensemble"),
    (dict(ensemble=[(0, 9)]), "ensemble"),
    (dict(pattern=5), "pattern"),
    (dict(mu=np.full((2, 3), np.nan)), "mu"),
    (dict(sigma=-np.eye(3)), "sigma"),
])
def test_input_validation(kwargs, match):
    args = dict(mu=np.zeros((2, 3)), sigma=0.1 * np.eye(3), ensemble=[(0, 1)], pattern=0, n_samples=10, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sample_hebbian(args.pop("mu"), args.pop("sigma"), args.pop("ensemble"), args.pop("pattern"),
                       args.pop("n_samples"), args.pop("seed"), **args)


def test_weight_matrices():
    mu, sigma, _ = _moderate_case(per_pattern=True)
    mats = sample_weight_matrices(mu, sigma, 60_000, 4)
    assert mats.shape == (60_000, 6, 6)
    assert np.array_equal(mats, np.swapaxes(mats, 1, 2))
    assert np.all(mats[:, np.arange(6), np.arange(6)] == 0)
    ens = [(0, 1), (2, 5), (1, 4)]
    w = np.stack([mats[:, i, j] for i, j in ens], axis=1)
    m1, v = weight_moments(mu, sigma, ens)
    assert np.all(np.abs(_zscores_mean(w, m1)) < Z_MAX)
    assert np.all(np.abs(_zscores_cov(w, v, m1)) < Z_MAX)
    again = sample_weight_matrices(mu, sigma, 60_000, 4, chunk_size=1, n_jobs=2)
    assert np.array_equal(mats, again)
    with pytest.raises(ValueError, match="n_samples"):
        sample_weight_matrices(mu, sigma, 0, 4)
