"""Tests of empirical.estimate_mi and empirical.gaussian_calibration (docs/theory.md §§2 and 7).

Agreement tolerances are 3 combined standard errors, sqrt(se_a^2 + se_b^2),
each the replicate standard deviation over sqrt(replicates) (seeds fixed, so
the tests are deterministic).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from synmi.analytic import exchangeable_covariance, set1_case, set2_case, set3_case
from synmi.empirical import CalibrationResult, MIEstimate, estimate_mi, gaussian_calibration
from synmi.empirical.estimate import _gaussian_truth

METHODS_N1 = ("ksg", "entropy_difference", "entropy_1d")


def _n1_cases():
    c1 = set1_case(1, n_patterns=10, sigma=1.0, rho=0.3, n=1)
    c2 = set2_case(4, n_patterns=3, n=1)
    return [
        ("iid", np.zeros((4, 3)), 0.25 * np.eye(3), [(0, 1)], 0),
        ("set1", c1.mu, c1.sigma, c1.ensemble, c1.pattern),
        ("set2", c2.mu, c2.sigma, c2.ensemble, c2.pattern),
    ]


@pytest.mark.parametrize("name, mu, sigma, ens, pattern", _n1_cases())
def test_n1_estimators_agree(name, mu, sigma, ens, pattern):
    """KSG on (ln w, ln z_l), KL entropy difference and the spacing entropy difference
    estimate the same I(w ; x_l) (docs/theory.md §2) at information levels 0.07-0.39 nats."""
    est = {m: estimate_mi(mu, sigma, ens, pattern, 100_000, 3, method=m, replicates=4) for m in METHODS_N1}
    for a, b in itertools.combinations(METHODS_N1, 2):
        gap = abs(est[a].value - est[b].value)
        assert gap < 3 * math.hypot(est[a].stderr, est[b].stderr), (name, a, b, est[a].value, est[b].value)


def test_n1_high_information_ksg_bias_shrinks_with_sample_size():
    """At I ~ 0.59 nats KSG sits below the bias-cancelling entropy differences by more than
    its noise at M = 1e5 (KSG's known negative bias at high information); the entropy
    differences agree with each other, and the KSG gap shrinks as M grows 16-fold."""
    c = set3_case(2, n_patterns=5, n=1)
    args = (c.mu, c.sigma, c.ensemble, c.pattern)
    ed = estimate_mi(*args, 400_000, 3, method="entropy_difference", replicates=4)
    e1 = estimate_mi(*args, 400_000, 3, method="entropy_1d", replicates=4)
    assert abs(ed.value - e1.value) < 3 * math.hypot(ed.stderr, e1.stderr)
    small = estimate_mi(*args, 25_000, 3, method="ksg", replicates=4)
    large = estimate_mi(*args, 400_000, 3, method="ksg", replicates=4)
    assert e1.value - small.value > e1.value - large.value + 2 * math.hypot(small.stderr, large.stderr)


def test_estimate_fields_and_student_t_interval():
    mu, sigma = np.zeros((3, 3)), 0.3 * np.eye(3)
    r = estimate_mi(mu, sigma, [(0, 1), (1, 2)], 1, 3000, 5, method="ksg", replicates=3, k=4)
    assert isinstance(r, MIEstimate)
    assert r.method == "ksg" and r.n_samples == 3000 and r.replicates == 3 and r.k == 4
    assert len(r.replicate_values) == 3 and len(set(r.replicate_values)) == 3
    assert r.value == pytest.approx(np.mean(r.replicate_values), rel=1e-12)
    assert r.stderr == pytest.approx(np.std(r.replicate_values, ddof=1) / math.sqrt(3), rel=1e-12)
    half = stats.t.ppf(0.975, 2) * r.stderr
    assert r.ci_low == pytest.approx(r.value - half) and r.ci_high == pytest.approx(r.value + half)
    assert r.seconds > 0 and math.isnan(r.bias) and r.calibration is None
    one = estimate_mi(mu, sigma, [(0, 1)], 1, 500, 5, replicates=1)
    assert math.isnan(one.stderr) and math.isnan(one.ci_low)


@pytest.mark.parametrize("method", ["ksg", "entropy_difference"])
def test_estimate_is_deterministic_across_jobs_and_chunks(method):
    c = set3_case(7, n_patterns=6, n=2)
    args = (c.mu, c.sigma, c.ensemble, c.pattern, 20_000, 11)
    ref = estimate_mi(*args, method=method, replicates=2)
    other = estimate_mi(*args, method=method, replicates=2, n_jobs=2, chunk_size=1)
    assert ref.replicate_values == other.replicate_values


def test_calibrate_reports_the_surrogate():
    c = set2_case(5, n_patterns=4, n=2)
    r = estimate_mi(c.mu, c.sigma, c.ensemble, c.pattern, 4000, 2, method="entropy_difference",
                    replicates=3, calibrate=True)
    cal = r.calibration
    assert isinstance(cal, CalibrationResult)
    assert (cal.dim_x, cal.dim_y, cal.n_samples, cal.replicates) == (2, 2, 4000, 3)
    assert r.bias == cal.bias and r.bias_stderr == cal.bias_stderr and r.bias_spread == cal.spread
    assert np.isfinite([r.bias, r.bias_stderr, r.bias_spread]).all()
    again = estimate_mi(c.mu, c.sigma, c.ensemble, c.pattern, 4000, 2, method="entropy_difference",
                        replicates=3, calibrate=True, n_jobs=2)
    assert again.bias == r.bias and again.value == r.value


def test_gaussian_calibration_ksg_on_known_information():
    cov = np.array([[1.0, 0.6], [0.6, 1.0]])
    res = gaussian_calibration("ksg", cov, 1, 2000, 8, 3)
    assert res.true_value == pytest.approx(-0.5 * math.log(1 - 0.36))
    assert res.bias == pytest.approx(res.mean_estimate - res.true_value)
    assert res.bias_stderr == pytest.approx(res.spread / math.sqrt(8))
    assert len(res.estimates) == 8 and (res.dim_x, res.dim_y) == (1, 1)
    assert abs(res.bias) < 3 * res.bias_stderr  # KSG is nearly unbiased on 2-D Gaussians


def test_gaussian_calibration_entropy_difference_truth():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + 0.5 * np.eye(4)
    res = gaussian_calibration("entropy_difference", cov, 2, 3000, 4, 1)
    cx, cy = cov[:2, :2], cov[2:, 2:]
    truth = 0.5 * math.log(np.linalg.det(2 * math.pi * math.e * cx) / np.linalg.det(2 * math.pi * math.e * cy))
    assert res.true_value == pytest.approx(truth, rel=1e-10)
    # the 2-D KL biases of the two blocks largely cancel
    assert abs(res.bias) < 3 * res.bias_stderr + 0.02


def test_gaussian_truth_on_singular_blocks():
    """A duplicated coordinate carries no extra information: the truth is taken on the ranges."""
    cov = np.array([[1.0, 0.6, 0.6], [0.6, 1.0, 1.0], [0.6, 1.0, 1.0]])
    assert _gaussian_truth("ksg", cov, 1) == pytest.approx(-0.5 * math.log(1 - 0.36))
    perfect = np.array([[1.0, 1.0], [1.0, 1.0]])
    assert _gaussian_truth("ksg", perfect, 1) == math.inf
    with pytest.raises(ValueError, match="singular"):
        gaussian_calibration("entropy_difference", cov, 1, 100, 2, 0)


def test_infinite_information_for_a_single_pattern():
    with pytest.raises(ValueError, match="infinite"):
        estimate_mi(np.zeros((1, 3)), 0.1 * np.eye(3), [(0, 1)], 0, 1000, 0)


def test_degenerate_rest_is_refused():
    """rho = 1, N = 2: w_S^(-l) is one pattern's products, driven by one normal, for n = 3
    connections: it lies on a curve, has no density, and the information is infinite."""
    sigma = exchangeable_covariance(4, 0.5, 1.0)
    mu = np.random.default_rng(0).uniform(-1, 1, (2, 4))
    with pytest.raises(ValueError, match="no density"):
        estimate_mi(mu, sigma, [(0, 1), (1, 2), (2, 3)], 0, 2000, 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(method="kl"), "method"),
    (dict(method="entropy_1d", ensemble=[(0, 1), (1, 2)]), "entropy_1d"),
    (dict(replicates=0), "replicates"),
    (dict(k=0), "k"),
    (dict(n_samples=4), "n_samples"),
    (dict(confidence=1.5), "confidence"),
    (dict(calibrate="yes"), "calibrate"),
    (dict(n_jobs=0), "n_jobs"),
    (dict(seed=None), "seed"),
    (dict(pattern=3), "pattern"),
])
def test_estimate_input_validation(kwargs, match):
    args = dict(mu=np.zeros((2, 3)), sigma=0.1 * np.eye(3), ensemble=[(0, 1)], pattern=0, n_samples=1000, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        estimate_mi(args.pop("mu"), args.pop("sigma"), args.pop("ensemble"), args.pop("pattern"),
                    args.pop("n_samples"), args.pop("seed"), **args)


@pytest.mark.parametrize("kwargs, match", [
    (dict(cov=np.eye(3)[:2]), "square"),
    (dict(cov=np.array([[1.0, 2.0], [2.0, 1.0]])), "semi-definite"),
    (dict(n_x=2), "n_x"),
    (dict(method="entropy_1d", cov=np.eye(3)), "entropy_1d"),
    (dict(replicates=0), "replicates"),
])
def test_calibration_input_validation(kwargs, match):
    args = dict(method="ksg", cov=np.eye(2), n_x=1, n_samples=100, replicates=2, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        gaussian_calibration(**args)
