"""Unit tests of the validation engine: rows, trend fits, resume, dask, approximation loading.

The Monte Carlo estimator is replaced by a cheap deterministic fake where the
test is about the engine's bookkeeping (the estimators are tested in
``tests/test_empirical_*``); one test runs the real estimator end to end.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synmi import analytic
from synmi.empirical.truth import LadderRung, TrueInformation
from synmi.validation.engine import comparison as engine
from synmi.validation.engine import sweeps
from synmi.validation.engine.approximations import load_approximation
from synmi.validation.engine.comparison import EstimationConfig, case_hash, compare_case
from synmi.validation.engine.config import parse_config, run_sweep_config
from synmi.validation.engine.trends import linear_fit, power_law_fit


def _fake_truth(case, config):
    """A 'truth' of 0.9 x FW + seeded noise (so rows depend on the case seed), with a drifting ladder."""
    rng = np.random.default_rng(engine.case_seed(case, config))
    fw = analytic.fw_result_for_case(case).value
    value = 0.9 * fw + 0.001 * rng.standard_normal()
    rungs = tuple(LadderRung(m, config.orders, (value - shift, value - shift + 0.002), (0.01, 0.01), (), 0.0)
                  for m, shift in zip(config.ladder, (0.05, 0.004, 0.0)))
    return TrueInformation(value=value, stderr=0.01, ci_low=value - 0.05, ci_high=value + 0.05,
                           method="entropy_difference_ladder", resolved=True, precision=config.precision,
                           atol=config.atol, drift=0.004, order_gap=0.002, ladder=rungs)


@pytest.fixture
def fake_estimator(monkeypatch):
    monkeypatch.setattr(engine, "_true_information", _fake_truth)


def _case(seed=0, **kw):
    params = dict(n_patterns=4, n=1, scale=0.3, rho=0.0, mu_range=1.0, dim=6)
    params.update(kw)
    return sweeps.make_exchangeable_case(seed=seed, **params)


CONFIG = EstimationConfig(ladder=(250, 1000, 4000), max_samples=4000, replicates=2, cross_check="none")


# ------------------------------------------------------------------ rows


def test_row_from_case_has_error_tolerance_and_verdict(fake_estimator):
    case = _case()
    row = compare_case(case, CONFIG)
    assert set(engine.ROW_COLUMNS) <= set(row)
    fw = analytic.mutual_information(case.mu, case.sigma, case.ensemble, case.pattern)
    assert row["approx_value"] == pytest.approx(fw)
    assert row["err"] == pytest.approx(row["approx_value"] - row["truth"])
    assert row["rel_err"] == pytest.approx(row["err"] / row["truth"])
    # tolerance = z * stderr + max(drift, order gap) with the fake's numbers
    assert row["tolerance"] == pytest.approx(3.0 * 0.01 + 0.004)
    assert row["bias_bound"] == pytest.approx(0.004)
    # the fake truth is 10% below FW: resolved when 0.1 * FW exceeds the tolerance
    expected = "disagree" if abs(row["err"]) > row["tolerance"] else "agree"
    assert row["verdict"] == expected
    assert row["resolved"] == (expected == "disagree")
    assert row["truth_resolved"] is True and row["truth_n_samples"] == 4000


def test_exact_truth_row_for_one_connection():
    """n = 1: the row's truth is the quadrature, its bias bound the quadrature's error bound."""
    case = _case(seed=3)
    row = compare_case(case, CONFIG)
    assert row["truth_method"] == "exact_quadrature"
    assert row["bias_bound"] == row["truth_error_bound"] <= 1e-8
    exact = analytic.single_connection_information(case.mu, case.sigma, case.ensemble, case.pattern)
    assert row["truth"] == pytest.approx(exact.value, abs=1e-12)


def test_verdict_agree_when_approximation_matches_truth(fake_estimator):
    case = _case()

    def approx(mu, sigma, ensemble, pattern):
        return 0.9 * analytic.mutual_information(mu, sigma, ensemble, pattern)

    row = compare_case(case, CONFIG, approx)
    assert row["verdict"] == "agree"
    assert abs(row["err"]) < 0.01


def test_undefined_verdict_for_nan_approximation(fake_estimator):
    row = compare_case(_case(), CONFIG, lambda mu, sigma, ensemble, pattern: float("nan"))
    assert row["verdict"] == "undefined"
    assert np.isnan(row["err"])


def test_case_seed_depends_only_on_content():
    a, b = _case(seed=1), _case(seed=1)
    assert case_hash(a) == case_hash(b)
    assert engine.case_seed(a, CONFIG).generate_state(4).tolist() == engine.case_seed(b, CONFIG).generate_state(4).tolist()
    assert case_hash(a) != case_hash(_case(seed=2))
    assert case_hash(a, CONFIG) != case_hash(a, replace(CONFIG, replicates=3))


def test_estimation_config_rejects_bad_values():
    with pytest.raises(ValueError, match="replicates"):
        EstimationConfig(replicates=1)
    with pytest.raises(ValueError, match="cross_check"):
        EstimationConfig(cross_check="magic")
    with pytest.raises(ValueError, match="ladder"):
        EstimationConfig(ladder=(100, 200, 400))
    with pytest.raises(ValueError, match="ladder"):
        EstimationConfig(ladder=(1000, 4000))
    with pytest.raises(ValueError, match="max_samples"):
        EstimationConfig(ladder=(250, 1000, 4000), max_samples=2000)
    with pytest.raises(ValueError, match="orders"):
        EstimationConfig(orders=(3, 3))


# ------------------------------------------------------------------ trend fits


def test_power_law_fit_recovers_known_exponent():
    rng = np.random.default_rng(0)
    x = np.geomspace(0.01, 4, 40)
    y = 0.3 * x**1.7 * np.exp(0.05 * rng.standard_normal(x.size))
    fit = power_law_fit(x, y, seed=1)
    assert fit.ci_low < 1.7 < fit.ci_high
    assert fit.ci_high - fit.ci_low < 0.1
    assert fit.n_used == 40


def test_power_law_fit_uses_only_resolved_points():
    x = np.geomspace(0.01, 4, 20)
    y = x**2.0
    resolved = x > 0.1
    y_noisy = np.where(resolved, y, 0.5)  # unresolved points would bend the fit
    fit = power_law_fit(x, y_noisy, resolved=resolved)
    assert fit.n_used == int(resolved.sum())
    assert fit.n_total == 20
    assert fit.slope == pytest.approx(2.0)


def test_linear_fit_ci_covers_truth_and_flags_zero():
    rng = np.random.default_rng(3)
    x = np.linspace(0, 1, 60)
    fit = linear_fit(x, 0.5 * x + 0.05 * rng.standard_normal(60), seed=2)
    assert fit.ci_low < 0.5 < fit.ci_high and fit.excludes_zero()
    flat = linear_fit(x, 0.05 * rng.standard_normal(60), seed=2)
    assert not flat.excludes_zero()


def test_fit_with_too_few_points_is_nan():
    fit = linear_fit([1.0, 2.0], [1.0, 2.0])
    assert np.isnan(fit.slope) and fit.n_used == 2


# ------------------------------------------------------------------ sweeps: resume, n_jobs, dask


def _sweep_cases():
    spec = sweeps.SweepSpec("t", "scale", (0.05, 0.2, 0.8), {"n": 1, "n_patterns": 4, "dim": 5}, draws=2, seed=7)
    return sweeps.build_sweep(spec)


def test_sweep_resume_after_interruption(fake_estimator, tmp_path, monkeypatch):
    cases = _sweep_cases()
    full = sweeps.run_cases(cases, CONFIG, out_dir=tmp_path / "ref")
    calls = {"n": 0}
    real = engine.estimate_truth

    def flaky(case, config=None):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("simulated interruption")
        return real(case, config)

    monkeypatch.setattr(sweeps, "estimate_truth", flaky)
    with pytest.raises(KeyboardInterrupt):
        sweeps.run_cases(cases, CONFIG, out_dir=tmp_path / "run")
    finished = list((tmp_path / "run" / "cases").glob("*.json"))
    assert len(finished) == 3  # the three cases before the interruption were kept
    calls["n"] = -100  # no more interruptions
    recomputed = []

    def counting(case, config=None):
        recomputed.append(case_hash(case))
        return real(case, config)

    monkeypatch.setattr(sweeps, "estimate_truth", counting)
    resumed = sweeps.run_cases(cases, CONFIG, out_dir=tmp_path / "run")
    assert len(recomputed) == len(cases) - 3  # finished cases were not recomputed
    pd.testing.assert_frame_equal(resumed.drop(columns="seconds"), full.drop(columns="seconds"), check_dtype=False)


SMALL_REAL = EstimationConfig(ladder=(250, 1000, 4000), max_samples=4000, replicates=2, cross_check="none")


def test_sweep_table_independent_of_n_jobs():
    spec = sweeps.SweepSpec("j", "scale", (0.05, 0.5), {"n": 2, "n_patterns": 3, "dim": 4}, draws=2, seed=5)
    cases = sweeps.build_sweep(spec)
    one = sweeps.run_cases(cases, SMALL_REAL, n_jobs=1)
    two = sweeps.run_cases(cases, SMALL_REAL, n_jobs=2)
    cols = ["case_id", "approx_value", "truth", "truth_stderr", "err", "verdict"]
    pd.testing.assert_frame_equal(one[cols], two[cols])


def test_dask_local_cluster_gives_same_table_as_local_run():
    spec = sweeps.SweepSpec("d", "scale", (0.05, 0.5), {"n": 2, "n_patterns": 3, "dim": 4}, draws=1, seed=11)
    cases = sweeps.build_sweep(spec)
    local = sweeps.run_cases(cases, SMALL_REAL, n_jobs=1)
    dask_table = sweeps.run_cases(cases, SMALL_REAL, n_jobs=2, scheduler="local")
    cols = ["case_id", "approx_value", "truth", "truth_stderr", "err", "verdict"]
    pd.testing.assert_frame_equal(local[cols], dask_table[cols])


# ------------------------------------------------------------------ config and approximation loading


def test_approximation_option_loads_callable_and_rejects_bad_path():
    f = load_approximation("synmi.analytic:mutual_information")
    assert f is analytic.mutual_information
    assert load_approximation("synmi.analytic.mutual_information") is analytic.mutual_information
    with pytest.raises(ValueError, match="cannot import module 'no_such_module'"):
        load_approximation("no_such_module:f")
    with pytest.raises(ValueError, match="has no attribute 'nope'"):
        load_approximation("synmi.analytic:nope")
    with pytest.raises(ValueError, match="not callable"):
        load_approximation("synmi.analytic.fenton_wilkinson:SINGULAR_RTOL")


def test_pytest_rejects_bad_approximation_with_clear_message():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "pytest", "validation/", "--approximation", "no_such_mod:f",
                           "-q", "--co", "-p", "no:cacheprovider"], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert "cannot import module 'no_such_mod'" in (proc.stdout + proc.stderr)


def test_config_rejects_unknown_keys(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[estimation]\nreplicates = 3\nbogus = 1\n[[sweep]]\nname="a"\naxis="scale"\nvalues=[0.1]\n')
    with pytest.raises(ValueError, match="unknown key\\(s\\) bogus"):
        parse_config(p)
    p.write_text('[[sweep]]\nname="a"\naxis="sideways"\nvalues=[0.1]\n')
    with pytest.raises(ValueError, match="axis must be one of"):
        parse_config(p)
    with pytest.raises(ValueError, match="no such file"):
        parse_config(tmp_path / "missing.toml")


def test_run_sweep_config_writes_results_and_provenance(fake_estimator, tmp_path):
    cfg = {"estimation": {"ladder": [250, 1000, 4000], "max_samples": 4000, "replicates": 2},
           "sweep": [{"name": "s", "axis": "N", "values": [2, 4], "draws": 1, "base": {"dim": 4}}]}
    table = run_sweep_config(cfg, out_dir=tmp_path, progress=False)
    assert len(table) == 2
    assert (tmp_path / "results.csv").exists()
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["estimation"]["replicates"] == 2 and "numpy" in prov["versions"]


def test_a_reused_truth_is_described_by_its_own_case(fake_estimator, tmp_path):
    """Two cases with one truth (the same parameters listed under two sweeps) share the truth's numbers but
    each row names its own sweep and axis, whether the truth was computed, cached or read from a table."""
    from synmi.validation.engine.sweeps import run_truths
    from synmi.validation.engine.truth_table import table_key

    a = _case(seed=1)
    a = replace(a, meta={"sweep": "paper_3A", "axis": "sigma", "axis_value": 1.0})
    b = replace(a, meta={"sweep": "paper_3B", "axis": "rho", "axis_value": 0.0})
    config = CONFIG
    for known in (None, "table"):
        table = None
        if known:
            first = run_truths([a], config)
            table = {table_key(a, config): first[0], table_key(b, config): first[0]}
        rows = run_truths([a, b], config, out_dir=tmp_path, known=table)
        assert rows[0]["truth"] == rows[1]["truth"]
        assert (rows[0]["sweep"], rows[0]["axis"]) == ("paper_3A", "sigma")
        assert (rows[1]["sweep"], rows[1]["axis"], rows[1]["axis_value"]) == ("paper_3B", "rho", 0.0)
