"""``true_information``: exact for one connection, a converged ladder for ensembles (docs/theory.md §§8-10)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from synmi import analytic, empirical
from synmi.validation.engine.truth_table import reproduction_check, reproduction_sample, table_key

SMALL = dict(ladder=(1_000, 4_000, 16_000), max_samples=16_000, replicates=3, cross_check="none")


def _disjoint_case(scale: float = 1.0, n_patterns: int = 3, seed: int = 0):
    """Two connections on four independent neurons: the channels are independent, so I adds up."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(-0.5, 0.5, (n_patterns, 4))
    sigma = scale * np.diag(rng.uniform(0.5, 1.5, 4))
    return mu, sigma, [(0, 1), (2, 3)], 0


def test_one_connection_is_exact():
    mu, sigma, _, pattern = _disjoint_case()
    truth = empirical.true_information(mu, sigma, [(0, 1)], pattern)
    exact = analytic.single_connection_information(mu, sigma, [(0, 1)], pattern)
    assert truth.method == "exact_quadrature" and truth.resolved
    assert truth.value == exact.value and truth.error_bound == exact.error <= 1e-8
    assert truth.ci_low <= truth.value <= truth.ci_high
    assert truth.ci_high - truth.ci_low == pytest.approx(2 * exact.error)


def test_single_pattern_is_infinite():
    truth = empirical.true_information(np.zeros((1, 3)), 0.5 * np.eye(3), [(0, 1), (1, 2)], 0, **SMALL)
    assert math.isinf(truth.value) and truth.method == "infinite"


def test_known_answer_independent_connections():
    """I(w_a, w_b ; x_l) = I(w_a ; x_l) + I(w_b ; x_l) for connections on disjoint independent neurons:
    the ladder's interval covers the exact sum of the two single-connection values."""
    mu, sigma, ens, pattern = _disjoint_case(scale=2.0)
    exact = sum(analytic.single_connection_information(mu, sigma, [pair], pattern).value for pair in ens)
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=3, **SMALL)
    assert truth.method == "entropy_difference_ladder"
    assert truth.ci_low <= exact <= truth.ci_high, (exact, truth.value, truth.ci_low, truth.ci_high)
    # the interval holds the ladder's evidence: half-width >= drift, order gap
    assert truth.half_width >= max(truth.drift, truth.order_gap)
    assert [r.n_samples for r in truth.ladder] == [1_000, 4_000, 16_000]


def test_resolution_follows_the_requested_precision():
    mu, sigma, ens, pattern = _disjoint_case()
    loose = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=0.9, atol=0.5, **SMALL)
    tight = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9, **SMALL)
    assert loose.resolved and not tight.resolved
    # same seed, same ladder: the precision changes the verdict, never the numbers
    assert loose.value == tight.value and loose.half_width == tight.half_width


def test_unresolved_ladder_is_extended_up_to_max_samples():
    mu, sigma, ens, pattern = _disjoint_case()
    kw = {**SMALL, "max_samples": 64_000, "log_change_samples": 64_000}
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9, **kw)
    assert [r.n_samples for r in truth.ladder] == [1_000, 4_000, 16_000, 64_000] and not truth.resolved
    # the extension repeats the first rungs exactly (their seeds depend on the rung's position), given the
    # same separate sample of the change-of-variables term (its default size follows max_samples)
    base = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9,
                                      **{**SMALL, "log_change_samples": 64_000})
    assert all(a.values == b.values for a, b in zip(truth.ladder[:3], base.ladder[:3]))


def test_same_seed_same_numbers_whatever_the_threads():
    mu, sigma, ens, pattern = _disjoint_case()
    one = empirical.true_information(mu, sigma, ens, pattern, seed=5, n_jobs=1, **SMALL)
    two = empirical.true_information(mu, sigma, ens, pattern, seed=5, n_jobs=2, **SMALL)
    other = empirical.true_information(mu, sigma, ens, pattern, seed=6, n_jobs=1, **SMALL)
    assert one.value == two.value and [r.values for r in one.ladder] == [r.values for r in two.ladder]
    assert one.value != other.value


def test_cross_check_agrees_on_a_known_answer():
    mu, sigma, ens, pattern = _disjoint_case(scale=2.0)
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=3, **{**SMALL, "cross_check": "auto"})
    check = truth.cross_check
    assert check.method == "rao_blackwell" and check.agree, check
    surrogate = empirical.cross_check_truth(mu, sigma, ens, pattern, truth, method="gaussian_surrogate", seed=4)
    assert surrogate.method == "gaussian_surrogate" and surrogate.agree is not None


@pytest.mark.parametrize("kwargs, name", [
    (dict(ladder=(1_000, 4_000)), "ladder"),
    (dict(ladder=(1_000, 2_000, 4_000)), "ladder"),
    (dict(orders=(3, 3)), "orders"),
    (dict(orders=(3,)), "orders"),
    (dict(precision=0.0), "precision"),
    (dict(atol=-1.0), "atol"),
    (dict(replicates=1), "replicates"),
    (dict(max_samples=100), "max_samples"),
    (dict(cross_check="ksg"), "cross_check"),
    (dict(n_jobs=0), "n_jobs"),
    (dict(seed="x"), "seed"),
])
def test_bad_arguments_are_named(kwargs, name):
    mu, sigma, ens, pattern = _disjoint_case()
    with pytest.raises(ValueError, match=name):
        empirical.true_information(mu, sigma, ens, pattern, **{**SMALL, **kwargs})


@pytest.mark.parametrize("args, name", [
    ((np.zeros((3, 4)), np.eye(4), [(0, 1)], 5), "pattern"),
    ((np.zeros((3, 4)), np.eye(4), [(0, 9)], 0), "ensemble"),
    ((np.full((3, 4), np.nan), np.eye(4), [(0, 1)], 0), "mu"),
])
def test_bad_case_is_named(args, name):
    with pytest.raises(ValueError, match=name):
        empirical.true_information(*args)


def test_truth_table_key_and_reproduction_rules():
    from synmi.validation.engine.comparison import EstimationConfig

    mu, sigma, ens, pattern = _disjoint_case()
    case = analytic.validate_case(mu, sigma, ens, pattern)
    cfg = EstimationConfig(**SMALL)
    assert table_key(case, cfg) == table_key(analytic.validate_case(mu, sigma, ens, pattern), cfg)
    assert table_key(case, cfg) != table_key(case, EstimationConfig(**{**SMALL, "replicates": 4}))
    # the verdict's z is not part of the key: it does not change the truth
    assert table_key(case, cfg) == table_key(case, EstimationConfig(**SMALL, z=2.0))
    keys = [str(t) for t in range(200)]
    picked = reproduction_sample(keys, [True] * 200, rng=np.random.default_rng(0))
    assert len(picked) == 10 and len(set(picked)) == 10  # 5 % of 200
    assert len(reproduction_sample(keys[:20], [True] * 20, rng=np.random.default_rng(0))) == 5  # at least 5
    assert reproduction_sample(keys[:3], [True, False, True]) == [0, 2]  # all, if fewer
    stored = {"case_id": "a", "n_connections": 2, "n_patterns": 3, "truth": 1.0, "truth_stderr": 0.01,
              "bias_bound": 0.02}
    check = reproduction_check([stored, stored], [{**stored, "truth": 1.04}, {**stored, "truth": 1.2}], z=3.0)
    assert check["agree"].tolist() == [True, False]
