"""``true_information``: exact for one connection, infinite where it is, the copula decomposition on a
converged ladder for ensembles, the entropy difference as its cross-check (docs/theory.md §§4.1, 8-10)."""

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


@pytest.mark.parametrize("method, label", [("copula", "copula_decomposition"),
                                           ("entropy_difference", "entropy_difference_ladder")])
def test_known_answer_independent_connections(method, label):
    """I(w_a, w_b ; x_l) = I(w_a ; x_l) + I(w_b ; x_l) for connections on disjoint independent neurons:
    each primary's interval covers the exact sum of the two single-connection values."""
    mu, sigma, ens, pattern = _disjoint_case(scale=2.0)
    exact = sum(analytic.single_connection_information(mu, sigma, [pair], pattern).value for pair in ens)
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=3, method=method, **SMALL)
    assert truth.method == label
    assert truth.ci_low <= exact <= truth.ci_high, (exact, truth.value, truth.ci_low, truth.ci_high)
    # the interval holds the ladder's evidence: half-width >= drift, order gap
    assert truth.half_width >= max(truth.drift, truth.order_gap)
    assert [r.n_samples for r in truth.ladder][:3] == [1_000, 4_000, 16_000]


def test_copula_components_add_up():
    """value = exact marginal sum + Gaussian part + bracket, the marginal sum exact (docs/theory.md §9.2)."""
    mu, sigma, ens, pattern = _disjoint_case(scale=2.0)
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=3, **SMALL)
    parts = truth.components
    exact = sum(analytic.single_connection_information(mu, sigma, [pair], pattern).value for pair in ens)
    assert parts["marginal_sum"] == pytest.approx(exact, abs=1e-12)
    assert parts["marginal_sum"] + parts["gaussian_part"] + parts["bracket"] == pytest.approx(truth.value, abs=1e-12)
    # independent connections: the normal scores are uncorrelated, the Gaussian part is noise around 0
    assert abs(parts["gaussian_part"]) <= 4 * parts["gaussian_stderr"] + 1e-3


def test_resolution_follows_the_requested_precision():
    mu, sigma, ens, pattern = _disjoint_case()
    fixed = {**SMALL, "max_replicates": SMALL["replicates"]}
    loose = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=0.9, atol=0.5, **fixed)
    tight = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9, **fixed)
    assert loose.resolved and not tight.resolved
    # same seed, same ladder: the precision changes the verdict, never the numbers
    assert loose.value == tight.value and loose.half_width == tight.half_width


def test_unresolved_copula_ladder_is_extended_with_nested_rungs():
    mu, sigma, ens, pattern = _disjoint_case()
    kw = {**SMALL, "max_samples": 64_000, "max_replicates": SMALL["replicates"]}
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9, **kw)
    assert [r.n_samples for r in truth.ladder] == [1_000, 4_000, 16_000, 64_000] and not truth.resolved
    # nested rungs from prefix-consistent draws: the extension repeats the first rungs exactly
    base = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9,
                                      **{**kw, "max_samples": 16_000})
    assert all(a.values == b.values for a, b in zip(truth.ladder[:3], base.ladder))


def test_noise_limited_copula_truth_doubles_its_replicates():
    """Where the noise term dominates the half-width, replicates are added (old ones kept) before M grows."""
    mu, sigma, ens, pattern = _disjoint_case()
    kw = {**SMALL, "max_samples": 16_000, "max_replicates": 12}
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9, **kw)
    assert len(truth.ladder[-1].replicate_values) == 12 and truth.components["replicates"] == 12
    base = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9,
                                      **{**kw, "max_replicates": 3})
    assert truth.ladder[-1].replicate_values[:3] == base.ladder[-1].replicate_values


def test_unresolved_entropy_difference_ladder_is_extended_up_to_max_samples():
    mu, sigma, ens, pattern = _disjoint_case()
    kw = {**SMALL, "max_samples": 64_000, "log_change_samples": 64_000, "method": "entropy_difference"}
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9, **kw)
    assert [r.n_samples for r in truth.ladder] == [1_000, 4_000, 16_000, 64_000] and not truth.resolved
    # the extension repeats the first rungs exactly (their seeds depend on the rung's position), given the
    # same separate sample of the change-of-variables term (its default size follows max_samples)
    base = empirical.true_information(mu, sigma, ens, pattern, seed=1, precision=1e-6, atol=1e-9,
                                      **{**SMALL, "log_change_samples": 64_000, "method": "entropy_difference"})
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
    ladder = empirical.cross_check_truth(mu, sigma, ens, pattern, truth, method="entropy_difference", seed=4)
    assert ladder.method == "entropy_difference" and ladder.agree, ladder
    surrogate = empirical.cross_check_truth(mu, sigma, ens, pattern, truth, method="gaussian_surrogate", seed=4)
    assert surrogate.method == "gaussian_surrogate" and surrogate.agree is not None


def test_entropy_difference_check_disagrees_with_a_wrong_value():
    """The check can fail: a truth moved by 20 % beyond its interval is caught."""
    from dataclasses import replace

    mu, sigma, ens, pattern = _disjoint_case(scale=2.0)
    truth = empirical.true_information(mu, sigma, ens, pattern, seed=3, **SMALL)
    wrong = replace(truth, value=1.2 * truth.value, ci_low=1.2 * truth.ci_low, ci_high=1.2 * truth.ci_high)
    check = empirical.cross_check_truth(mu, sigma, ens, pattern, wrong, method="entropy_difference", seed=4)
    assert check.agree is False, check


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
    (dict(method="ksg"), "method"),
    (dict(max_replicates=2), "max_replicates"),
    (dict(gaussian_samples=1), "gaussian_samples"),
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


# --------------------------------------------------------------------------- infinite, degenerate and edge cases


def _many_connections_few_neurons(n_patterns: int = 2, seed: int = 0):
    """17 connections among 14 neurons (docs/theory.md §4.1): with N = 2 the rest lives on <= 14 dimensions."""
    rng = np.random.default_rng(seed)
    d = 14
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    ens = [pairs[t] for t in rng.choice(len(pairs), 17, replace=False)]
    a = rng.standard_normal((d, d))
    return rng.uniform(-1, 1, (n_patterns, d)), a @ a.T / d, ens, 0


def test_rank_deficient_rest_is_infinite_before_sampling():
    mu, sigma, ens, pattern = _many_connections_few_neurons()
    truth = empirical.true_information(mu, sigma, ens, pattern, **SMALL)
    assert math.isinf(truth.value) and truth.value > 0 and truth.method == "infinite" and truth.resolved
    assert "14-dimensional manifold of R^17" in truth.reason and not truth.ladder
    # with a third pattern the rest spans R^17 (2 x 14 directions): finite, and decided the same way
    case3 = analytic.validate_case(*_many_connections_few_neurons(n_patterns=3))
    assert analytic.infinite_information_reason(case3) is None


def test_single_pattern_is_infinite_with_reason():
    truth = empirical.true_information(np.zeros((1, 3)), 0.5 * np.eye(3), [(0, 1), (1, 2)], 0, **SMALL)
    assert math.isinf(truth.value) and truth.method == "infinite" and "N = 1" in truth.reason


def test_constant_connections_carry_nothing():
    """A weight with zero log-variance in every pattern is dropped; with all of them constant I = 0."""
    mu = np.zeros((3, 5))
    sigma = np.diag([1.0, 1.0, 0.0, 0.0, 0.5])
    single = empirical.true_information(mu, sigma, [(0, 1), (2, 3)], 0, **SMALL)
    exact = analytic.single_connection_information(mu, sigma, [(0, 1)], 0)
    assert single.method == "exact_quadrature" and single.value == exact.value
    zero = empirical.true_information(mu, sigma, [(2, 3)], 0, **SMALL)
    assert zero.value == 0.0 and zero.resolved


def test_rest_rank_from_the_jacobian():
    """N = 3 with a shared rank-2 covariance of the connections: each term spans 2 directions, the two rest
    terms together 4 >= n = 3 (finite); with N = 2 only 2 < 3 (infinite)."""
    d = 4
    basis = np.random.default_rng(1).standard_normal((d, 1))
    sigma = basis @ basis.T + 1e-300 * np.eye(d)  # rank 1 in neuron space
    ens = [(0, 1), (1, 2), (2, 3)]
    three = analytic.validate_case(np.zeros((3, d)), sigma, ens, 0)
    support = analytic.rest_support_dimension(three)
    assert support.term_ranks == (1, 1) and support.dimension == 2 and support.infinite
    five = analytic.validate_case(np.random.default_rng(2).uniform(-1, 1, (5, d)), sigma, ens, 0)
    assert analytic.rest_support_dimension(five).dimension == 3
    assert analytic.infinite_information_reason(five) is None


def test_heavy_tails_at_large_scale_give_a_finite_positive_truth():
    """Scale > 10 (the set-2/3 draws reach 25-31): a number with an interval, never a NaN."""
    from synmi.validation.engine.sweeps import build_draws_by_n

    case = build_draws_by_n("set3", [3], 12, 20261124 + 21)
    from synmi.validation.engine.comparison import scale_of

    big = max(case, key=lambda c: scale_of(c)[0])
    assert scale_of(big)[0] > 10
    truth = empirical.true_information(big.mu, big.sigma, big.ensemble, big.pattern, seed=2, **SMALL)
    assert np.isfinite(truth.value) and truth.value > 0 and truth.ci_low <= truth.value <= truth.ci_high


def test_connections_sharing_neurons_at_large_scale():
    """A chain at scale 25 with rho = 0.95: a near-singular normal-score correlation gives a copula value or the
    entropy-difference fallback with its reason, never a crash or a NaN."""
    d, rho, s2 = 6, 0.95, 25.0
    sigma = s2 * ((1 - rho) * np.eye(d) + rho * np.ones((d, d)))
    mu = np.random.default_rng(3).uniform(-1, 1, (3, d))
    truth = empirical.true_information(mu, sigma, [(0, 1), (1, 2), (2, 3)], 0, seed=1, **SMALL)
    assert np.isfinite(truth.value) and truth.value > 0
    assert truth.method in ("copula_decomposition", "entropy_difference_ladder")
    assert truth.method == "copula_decomposition" or "copula decomposition impossible" in truth.reason


def test_normal_scores_with_ties():
    from synmi.empirical.copula import copula_bracket, normal_scores

    x = np.repeat(np.arange(50.0), 4)[:, None] * np.ones((1, 2))
    x[:, 1] = np.random.default_rng(0).permutation(x[:, 1])
    g = normal_scores(x)
    assert np.all(np.isfinite(g)) and np.unique(g[:, 0]).size == 50  # tied values share their score
    assert np.allclose(np.sort(g[:, 0]), np.sort(g[:, 1]))
    rng = np.random.default_rng(1)
    b = copula_bracket(x, rng.standard_normal(x.shape), 1e-10 * rng.standard_normal((200, 4)), (3, 8))
    assert np.all(np.isfinite(b))


def test_sampler_is_prefix_consistent():
    """The nested ladder's premise: the first M of 4M draws with one seed are the M draws."""
    from synmi.empirical.sampling import DEFAULT_CHUNK_SIZE, _sample_case

    mu, sigma, ens, pattern = _disjoint_case()
    case = analytic.validate_case(mu, sigma, ens, pattern)
    small = _sample_case(case, 1_000, np.random.SeedSequence(4), DEFAULT_CHUNK_SIZE, 1)
    large = _sample_case(case, 40_000, np.random.SeedSequence(4), DEFAULT_CHUNK_SIZE, 2)
    for a, b in zip(small, large):
        assert np.array_equal(a, b[:1_000])


def test_generated_cases_are_keyed_by_provenance():
    """A drawn case keeps its key when its floating-point arrays change in the last bits (another BLAS build),
    and gets another key when its provenance or integer data change; other cases are keyed by content."""
    from dataclasses import replace

    from synmi.validation.engine.comparison import EstimationConfig
    from synmi.validation.engine.sweeps import build_draws_by_n
    from synmi.validation.engine.truth_table import case_identity

    cfg = EstimationConfig(**SMALL)
    case = build_draws_by_n("set2", [3], 2, 7)[0]
    nudged = replace(case, sigma=case.sigma * (1 + 1e-15))
    assert case_identity(case).startswith("provenance:") and table_key(case, cfg) == table_key(nudged, cfg)
    other = build_draws_by_n("set2", [3], 2, 7)[1]
    assert table_key(other, cfg) != table_key(case, cfg)
    assert table_key(replace(case, pattern=(case.pattern + 1) % case.n_patterns), cfg) != table_key(case, cfg)
    plain = replace(case, meta={})
    assert not case_identity(plain).startswith("provenance:")
    assert table_key(plain, cfg) != table_key(replace(plain, sigma=2 * plain.sigma), cfg)


def test_drawn_case_seed_is_machine_independent():
    """The Monte Carlo seed of a drawn case follows its provenance (as its table key does): the same draw
    whose arrays differ in the last bits (another BLAS build) gets the same random numbers; another draw,
    or a case without provenance whose content changes, gets others."""
    from dataclasses import replace

    from synmi.validation.engine.comparison import EstimationConfig, case_seed
    from synmi.validation.engine.sweeps import build_draws_by_n

    cfg = EstimationConfig(**SMALL)
    case, other = build_draws_by_n("set2", [3], 2, 7)[:2]
    nudged = replace(case, sigma=case.sigma * (1 + 1e-15))

    def state(c):
        return case_seed(c, cfg).generate_state(4).tolist()

    assert state(case) == state(nudged) and state(case) != state(other)
    assert state(case) != case_seed(case, replace(cfg, seed=cfg.seed + 1)).generate_state(4).tolist()
    plain = replace(case, meta={})
    assert state(plain) != state(replace(plain, sigma=2 * plain.sigma))
