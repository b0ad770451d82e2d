"""Unit tests of validation/laws.py on hand-made approximations (docs/theory.md §§1-4, 6)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from synmi import analytic
from synmi.validation.engine import laws

FAST = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))


def _case(n_patterns=3, dim=4, ensemble=((0, 1),), pattern=0, per_pattern=False, seed=0):
    rng = np.random.default_rng(seed)
    mu = rng.uniform(-1, 1, size=(n_patterns, dim))
    sigma = analytic.exchangeable_covariance(dim, 0.7, 0.2)
    if per_pattern:
        sigma = np.stack([sigma * (1 + 0.1 * k) for k in range(n_patterns)])
    return analytic.validate_case(mu, sigma, list(ensemble), pattern)


def const(value):
    return lambda mu, sigma, ensemble, pattern: value


def by_n_patterns(mu, sigma, ensemble, pattern):
    return float(np.shape(mu)[0])


def by_n_connections(mu, sigma, ensemble, pattern):
    return float(len(ensemble))


# --------------------------------------------------------------------------- evaluate


def test_evaluate_default_reports_fw_status():
    case = _case()
    value, status = laws.evaluate(analytic.mutual_information, case)
    assert value == analytic.mutual_information(case.mu, case.sigma, case.ensemble, case.pattern)
    assert status == "valid"
    assert laws.is_default_approximation(analytic.mutual_information)
    assert not laws.is_default_approximation(const(1.0))


@pytest.mark.parametrize("value, status", [(1.0, "valid"), (-1.0, "negative"), (math.nan, "undefined"),
                                           (math.inf, "infinite")])
def test_evaluate_other_reports_value_class(value, status):
    assert laws.evaluate(const(value), _case()) == pytest.approx((value, status), nan_ok=True)


def test_evaluate_silences_warnings(recwarn):
    def noisy(*args):
        import warnings
        warnings.warn("loud", UserWarning)
        return 1.0

    laws.evaluate(noisy, _case())
    assert not recwarn.list


def test_evaluate_accepts_dict_and_tuple():
    case = _case()
    as_tuple = (case.mu, case.sigma, case.ensemble, case.pattern)
    as_dict = dict(zip(("mu", "sigma", "ensemble", "pattern"), as_tuple))
    assert laws.evaluate(by_n_patterns, as_tuple) == laws.evaluate(by_n_patterns, as_dict) == (3.0, "valid")


# --------------------------------------------------------------------------- single laws


@pytest.mark.parametrize("value, outcome", [
    (0.5, "holds"), (0.0, "holds"), (-0.5 * laws.ATOL, "holds"), (math.inf, "holds"),
    (-1e-3, "violated"), (-math.inf, "violated"), (math.nan, "undefined"),
])
def test_non_negativity_outcomes(value, outcome):
    check = laws.check_non_negativity(const(value), _case())
    assert check.outcome == outcome
    assert check.law == "non_negativity"
    assert check.holds == (outcome == "holds") and check.violated == (outcome == "violated")
    assert check.checked == (outcome != "undefined")


def test_monotonicity_detects_loss_and_accepts_gain():
    case = _case(ensemble=[(0, 1), (1, 2)])
    gain = laws.check_ensemble_monotonicity(by_n_connections, case, (2, 3))
    assert gain.holds and gain.value_before == 2.0 and gain.value_after == 3.0 and gain.difference == 1.0
    loss = laws.check_ensemble_monotonicity(lambda *a: -by_n_connections(*a), case, (2, 3))
    assert loss.violated and loss.difference == -1.0
    undefined = laws.check_ensemble_monotonicity(const(math.nan), case, (2, 3))
    assert undefined.outcome == "undefined" and math.isnan(undefined.tolerance)


def test_monotonicity_appends_the_connection():
    seen = []

    def spy(mu, sigma, ensemble, pattern):
        seen.append(np.asarray(ensemble).tolist())
        return 1.0

    laws.check_ensemble_monotonicity(spy, _case(ensemble=[(0, 1)]), (3, 2))
    assert seen == [[[0, 1]], [[0, 1], [2, 3]]]


def test_monotonicity_rejects_a_connection_already_there():
    with pytest.raises(ValueError, match="more than once"):
        laws.check_ensemble_monotonicity(const(1.0), _case(ensemble=[(0, 1)]), (1, 0))


def test_data_processing_detects_information_gained_from_a_pattern():
    case = _case(n_patterns=3)
    extra = np.zeros(case.dim)
    gained = laws.check_data_processing(by_n_patterns, case, extra)
    assert gained.violated and (gained.value_before, gained.value_after) == (3.0, 4.0)
    lost = laws.check_data_processing(lambda *a: -by_n_patterns(*a), case, extra)
    assert lost.holds and lost.difference == -1.0


def test_data_processing_shapes_shared_and_per_pattern():
    shapes = []

    def spy(mu, sigma, ensemble, pattern):
        shapes.append((np.shape(mu), np.shape(sigma), pattern))
        return 1.0

    shared = _case(n_patterns=3, pattern=2)
    laws.check_data_processing(spy, shared, np.zeros(4))
    assert shapes == [((3, 4), (4, 4), 2), ((4, 4), (4, 4), 2)]
    shapes.clear()
    own = _case(n_patterns=3, per_pattern=True)
    laws.check_data_processing(spy, own, np.zeros(4), 0.3 * np.eye(4))
    assert shapes == [((3, 4), (3, 4, 4), 0), ((4, 4), (4, 4, 4), 0)]
    with pytest.raises(ValueError, match="extra_sigma is required"):
        laws.check_data_processing(spy, own, np.zeros(4))
    with pytest.raises(ValueError, match="extra_mu"):
        laws.check_data_processing(spy, shared, np.zeros(3))


def test_data_processing_with_a_deterministic_pattern_is_a_pure_shift():
    # A pattern with zero covariance and mu = 0 adds the constant 1 to every weight:
    # a pure translation of w_S (docs/theory.md §2), so the law must hold with equality
    # for the truth.  This is the shape of I_FW's minimal counterexample.
    case = _case(n_patterns=2, per_pattern=True)
    check = laws.check_data_processing(by_n_patterns, case, np.zeros(4), np.zeros((4, 4)))
    assert check.violated  # a fake that counts patterns breaks it


def test_symmetry_partner_copies_the_distribution():
    case = _case(n_patterns=4, pattern=1, per_pattern=True)
    twin = laws.symmetric_partner(case, 3)
    assert np.array_equal(twin.mu[3], case.mu[1]) and np.array_equal(twin.sigma[3], case.sigma[1])
    assert np.array_equal(twin.mu[[0, 1, 2]], case.mu[[0, 1, 2]])
    assert twin.pattern == 1
    for bad in (1, 4, -1):
        with pytest.raises(ValueError, match="twin"):
            laws.symmetric_partner(case, bad)


def test_symmetry_detects_index_dependence():
    case = _case(n_patterns=3)
    by_index = laws.check_equal_distribution_symmetry(lambda mu, s, e, pattern: float(pattern), case, 2)
    assert by_index.violated and by_index.difference == 2.0
    by_mu = laws.check_equal_distribution_symmetry(lambda mu, s, e, p: float(np.sum(mu[p])), case, 2)
    assert by_mu.holds


def test_symmetry_holds_for_fw_on_a_case():
    check = laws.check_equal_distribution_symmetry(analytic.mutual_information, _case(n_patterns=4, per_pattern=True), 2)
    assert check.holds and abs(check.difference) <= check.tolerance


def test_tolerance_is_relative_plus_absolute():
    case = _case()
    big = 1e6
    within = laws.check_ensemble_monotonicity(
        lambda mu, s, e, p: big - (0.5 * laws.RTOL * big if len(e) == 2 else 0.0), case, (2, 3))
    assert within.holds and within.tolerance == pytest.approx(laws.RTOL * big + laws.ATOL)
    beyond = laws.check_ensemble_monotonicity(
        lambda mu, s, e, p: big - (2 * laws.RTOL * big if len(e) == 2 else 0.0), case, (2, 3))
    assert beyond.violated


def test_lawcheck_to_dict_round_trip():
    check = laws.check_non_negativity(const(-1.0), _case())
    d = check.to_dict()
    assert d["law"] == "non_negativity" and d["outcome"] == "violated"
    assert laws.LawCheck(**d) == check


# --------------------------------------------------------------------------- perturbations


def test_extra_connection_is_new_and_uniform():
    case = _case(dim=4, ensemble=[(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)])
    rng = np.random.default_rng(0)
    assert {tuple(laws.extra_connection(case, rng)) for _ in range(20)} == {(2, 3)}
    full = _case(dim=3, ensemble=[(0, 1), (0, 2), (1, 2)])
    with pytest.raises(ValueError, match="every connection"):
        laws.extra_connection(full, rng)
    drawn = {tuple(laws.extra_connection(_case(dim=5), rng)) for _ in range(400)}
    assert len(drawn) == 9 and (0, 1) not in drawn


def test_extra_pattern_follows_the_set():
    rng = np.random.default_rng(1)
    shared = _case(dim=5)
    for name in ("set1", "set2"):
        mu, sigma = laws.extra_pattern(shared, name, rng)
        assert sigma is None and mu.shape == (5,) and np.all(np.abs(mu) <= 1)
    mu, sigma = laws.extra_pattern(shared, "set3", rng)
    assert mu.shape == (5,) and sigma.shape == (5, 5)
    assert np.allclose(sigma, sigma.T) and np.linalg.eigvalsh(sigma)[0] > -1e-12
    with pytest.raises(ValueError, match="set_name"):
        laws.extra_pattern(shared, "set4", rng)


# --------------------------------------------------------------------------- rates


def test_binomial_ci():
    assert all(math.isnan(v) for v in laws.binomial_ci(0, 0))
    low, high = laws.binomial_ci(0, 100)
    assert low == 0.0 and high == pytest.approx(1.959964**2 / (100 + 1.959964**2), rel=1e-4)  # Wilson
    low, high = laws.binomial_ci(0, 100, method="exact")
    assert high == pytest.approx(1 - 0.025 ** (1 / 100), rel=1e-9)  # Clopper-Pearson
    low, high = laws.binomial_ci(100, 100)
    assert high == 1.0 and low > 0.96
    for k, n in [(1, 10), (37, 200), (999, 1000)]:
        low, high = laws.binomial_ci(k, n)
        assert low < k / n < high
    assert laws.binomial_ci(5, 1000, confidence=0.99)[1] > laws.binomial_ci(5, 1000)[1]


def test_law_checks_is_reproducible_and_sliceable():
    a = laws.law_checks(by_n_patterns, "set2", 6, 7)
    b = laws.law_checks(by_n_patterns, "set2", 6, 7)
    assert a.equals(b)
    assert len(a) == 6 * len(laws.LAWS) and list(a["law"].unique()) == list(laws.LAWS)
    tail = laws.law_checks(by_n_patterns, "set2", 3, 7, start=3)
    assert tail.reset_index(drop=True).equals(a[a["index"] >= 3].reset_index(drop=True))
    with pytest.raises(ValueError, match="unknown law"):
        laws.law_checks(by_n_patterns, "set2", 1, 7, laws=["gravity"])


def test_rates_catch_planted_violations():
    rates = laws.law_violation_rates(by_n_patterns, "set3", 30, 3).set_index("law")
    # N-counting fake: data processing broken every time, the rest hold
    assert rates.loc["data_processing_N", "rate"] == 1.0 and rates.loc["data_processing_N", "violated"] == 30
    assert rates.loc["data_processing_N", "worst"] == 1.0
    for law in ("non_negativity", "ensemble_monotonicity", "equal_distribution_symmetry"):
        assert rates.loc[law, "violated"] == 0 and rates.loc[law, "ci_low"] == 0.0
        assert rates.loc[law, "ci_high"] == pytest.approx(laws.binomial_ci(0, 30)[1])
    negative = laws.law_violation_rates(const(-2.0), "set1", 20, 3, laws=["non_negativity"])
    assert negative.loc[0, "rate"] == 1.0 and negative.loc[0, "worst"] == -2.0 and negative.loc[0, "ci_low"] > 0.8


def test_rates_count_undefined_separately():
    rates = laws.law_violation_rates(const(math.nan), "set2", 10, 0).set_index("law")
    assert (rates["undefined"] == 10).all() and (rates["checked"] == 0).all()
    assert rates["rate"].isna().all() and rates["ci_low"].isna().all()


def test_rates_reuse_a_checks_table():
    checks = laws.law_checks(by_n_connections, "set1", 8, 5)
    direct = laws.law_violation_rates(by_n_connections, "set1", 8, 5).drop(columns="seconds")
    reused = laws.law_violation_rates(None, "set1", 8, 5, checks=checks).drop(columns="seconds")
    assert direct.equals(reused)
    assert (reused.set_index("law").loc["ensemble_monotonicity", "violated"]) == 0


# --------------------------------------------------------------------------- counterexample search


@pytest.mark.parametrize("regime", ["set1", "set2", "set3"])
@FAST
@given(data=__import__("hypothesis").strategies.data())
def test_law_instances_are_valid_cases(regime, data):
    for law in laws.LAWS:
        case, perturbation = data.draw(laws.law_instances(law, regime))
        checked = analytic.validate_case(case.mu, case.sigma, case.ensemble, case.pattern)  # PSD covariances
        assert 3 <= checked.dim <= 6 and 2 <= checked.n_patterns <= 8 and 1 <= checked.n_connections <= 4
        assert checked.shared_sigma == (regime != "set3")
        if law == "ensemble_monotonicity":
            assert sorted(perturbation["connection"]) not in case.ensemble.tolist()
        if law == "data_processing_N":
            assert np.linalg.eigvalsh(np.asarray(perturbation["sigma"]))[0] > -1e-9
        if law == "equal_distribution_symmetry":
            assert perturbation["twin"] != case.pattern


def test_shrink_finds_the_minimal_planted_counterexample():
    # negative once N >= 3: the minimal counterexample has N = 3 and the smallest everything else;
    # the neurons outside the ensemble are dropped afterwards, leaving d = 2
    def fake(mu, sigma, ensemble, pattern):
        return -1.0 if np.shape(mu)[0] >= 3 else 1.0

    cx = laws.shrink_counterexample(fake, "non_negativity", "set1", max_examples=100)
    assert cx is not None and cx.check.violated
    mu = np.asarray(cx.case["mu"])
    assert mu.shape == (3, 2) and np.all(mu == 0)
    assert cx.case["ensemble"] == [[0, 1]] and cx.case["pattern"] == 0
    assert "non_negativity [set1]: N = 3, d = 2, n = 1" in cx.describe()
    again = laws.shrink_counterexample(fake, "non_negativity", "set1", max_examples=100)
    assert again.to_dict() == cx.to_dict()  # deterministic


def _json_from_fresh_process(code: str, hash_seed: int):
    """Run ``code`` (which prints JSON last) in a new interpreter with ``PYTHONHASHSEED=hash_seed``."""
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _search_in_fresh_process(preamble: str):
    code = (f"{preamble}; import json; from synmi import analytic; from synmi.validation.engine import laws; "
            "cx = laws.shrink_counterexample(analytic.mutual_information, 'non_negativity', 'set3', "
            "max_examples=1000, min_eigenvalue=0.05); print(json.dumps(cx.to_dict() if cx else None))")
    return _json_from_fresh_process(code, hash_seed=0)  # the same in both processes (see the next test)


def test_shrink_does_not_depend_on_what_the_process_imported():
    # hypothesis draws constants from the source of every loaded local module;
    # without laws._without_source_constants this real I_FW search (the report's
    # settings) shrank to N = 7, d = 2 in a bare process and to N = 3, d = 5 once the
    # report had imported empirical (measured with hypothesis 6.170, before the hash
    # seed was fixed here; with it fixed to 0 the two still differ without the fix)
    bare = _search_in_fresh_process("pass")
    loaded = _search_in_fresh_process("import synmi.empirical, synmi.validation.report.build")
    assert bare is not None
    assert loaded == bare


def _minimal_counterexample_in_fresh_process(hash_seed: int):
    code = ("import json; from synmi import analytic; from synmi.validation.engine import laws; "
            "print(json.dumps(laws.minimal_counterexamples(analytic.mutual_information, "
            "laws=('non_negativity',))))")
    return _json_from_fresh_process(code, hash_seed)


def test_report_counterexamples_do_not_depend_on_the_hash_seed():
    # hypothesis's generation depends on the process's string-hash seed: searched in
    # the calling process (isolated=False) this shrinks to N = 4 under
    # PYTHONHASHSEED=3 and to N = 3 under 0; the report's call searches in a fresh
    # interpreter with a fixed hash seed
    first = _minimal_counterexample_in_fresh_process(0)
    second = _minimal_counterexample_in_fresh_process(3)
    assert "N = " in first["non_negativity"]
    assert second == first


def test_counterexample_search_of_a_lambda_runs_in_process():
    assert laws._importable_name(lambda *a: 0.0) is None
    assert laws._importable_name(analytic.mutual_information) == "synmi.analytic.fenton_wilkinson:mutual_information"


def test_shrink_returns_none_when_the_law_holds():
    assert laws.shrink_counterexample(by_n_connections, "ensemble_monotonicity", "set2", max_examples=30) is None


def test_shrink_data_processing_with_planted_fake():
    cx = laws.shrink_counterexample(by_n_patterns, "data_processing_N", "set3", max_examples=50)
    assert cx is not None and cx.check.difference == 1.0
    assert np.asarray(cx.case["mu"]).shape == (2, 2)
    assert cx.perturbation["mu"] == [0.0, 0.0] and np.shape(cx.perturbation["sigma"]) == (2, 2)


def test_restrict_to_touched_neurons_keeps_fw_values():
    case = _case(n_patterns=3, dim=6, ensemble=[(1, 4), (4, 5)], per_pattern=True, seed=3)
    perturbation = {"connection": [1, 5], "mu": list(range(6)), "sigma": np.eye(6).tolist()}
    small, out = laws.restrict_to_touched_neurons("ensemble_monotonicity", case, perturbation)
    assert small.dim == 3 and small.ensemble.tolist() == [[0, 1], [1, 2]] and out["connection"] == [0, 2]
    assert out["mu"] == [1.0, 4.0, 5.0] and np.shape(out["sigma"]) == (3, 3)
    assert np.array_equal(small.sigma[2], case.sigma[2][np.ix_([1, 4, 5], [1, 4, 5])])
    for law, pert in [("ensemble_monotonicity", {"connection": [1, 5]}), ("non_negativity", {})]:
        big = laws.check_instance(analytic.mutual_information, law, case, pert)
        small, small_pert = laws.restrict_to_touched_neurons(law, case, pert)
        reduced = laws.check_instance(analytic.mutual_information, law, small, small_pert)
        assert reduced.value_after == pytest.approx(big.value_after, rel=1e-12)  # context invariance


def test_min_eigenvalue_floor():
    strategy = laws.law_instances("non_negativity", "set3", min_eigenvalue=0.05)

    @FAST
    @given(strategy)
    def prop(instance):
        case, _ = instance
        assert np.linalg.eigvalsh(case.sigma_stack())[:, 0].min() >= 0.05 - 1e-9

    prop()


def test_check_instance_rejects_unknown_law():
    with pytest.raises(ValueError, match="law must be one of"):
        laws.check_instance(const(1.0), "gravity", _case(), {})
    with pytest.raises(ValueError, match="law must be one of"):
        laws.law_instances("gravity", "set1")
    with pytest.raises(ValueError, match="regime"):
        laws.law_instances("non_negativity", "set9")


def test_survey_collects_rates_and_counterexamples():
    out = laws.law_survey(lambda *a: -1.0, n_cases=5, seed=1, sets=("set2",), laws=("non_negativity",),
                          max_examples=20)
    assert out["rates"].loc[0, "rate"] == 1.0
    cx = out["counterexamples"][("non_negativity", "set2")]
    assert cx is not None and np.asarray(cx.case["mu"]).shape == (2, 2)
    assert set(out["seconds"]) == {"rates", "search"}


def test_minimal_counterexamples_text_for_the_report():
    def fake(mu, sigma, ensemble, pattern):
        return -1.0 if np.shape(mu)[0] >= 3 else 1.0

    out = laws.minimal_counterexamples(fake, laws=("non_negativity", "ensemble_monotonicity"), max_examples=30)
    assert set(out) == {"non_negativity", "ensemble_monotonicity"}
    assert out["non_negativity"].startswith("non_negativity [set3]: N = 3, d = 2, n = 1")
    assert out["ensemble_monotonicity"] == "none found among 30 small set3-regime cases"
