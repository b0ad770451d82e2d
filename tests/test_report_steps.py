"""The report as a list of steps, and the truth bookkeeping of truth version 2 (docs/theory.md §§4.1, 9.2, 13).

Unit tests on small synthetic tables: which truths count as Monte Carlo,
resolved or infinite; the coverage and error tables by ``n``; the cross-check
selection per ``n``; the verdict-shift table; the step list's contract; the
leaderboard's law-rate pooling; ``build_report``'s argument checks; the
paper's slope drawn on a figure.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from synmi import analytic
from synmi.validation.engine import leaderboard as lb
from synmi.validation.engine.comparison import judge
from synmi.validation.engine.paper import PAPER_SLOPES
from synmi.validation.engine.sweeps import make_exchangeable_case
from synmi.validation.engine.trends import linear_fit
from synmi.validation.engine.truth_analysis import (
    approximation_error_by_n,
    cross_check_summary,
    is_monte_carlo,
    truth_coverage,
)
from synmi.validation.engine.verdict_shift import meta_id, previous_resolved, verdict_shift
from synmi.validation.report.build import build_report, check_n_jobs, run_steps
from synmi.validation.report.steps import MERGED_OUTPUTS, STEPS, ReportContext, Step, check_steps
from synmi.validation.report.steps.leaderboard import pooled_rates
from synmi.validation.report.tiers import TIERS
from synmi.validation.report.truth_steps import check_interval, choose_cross_checks

# ------------------------------------------------------------------ truth methods


@pytest.mark.parametrize("method, expected", [("copula_decomposition", True), ("entropy_difference_ladder", True),
                                              ("exact_quadrature", False), ("infinite", False),
                                              ("exact_zero", False), ("", False), (None, False)])
def test_is_monte_carlo_accepts_both_ensemble_methods_only(method, expected):
    assert is_monte_carlo(method) is expected


def _draw(sweep, n, truth, resolved, approx, method="copula_decomposition", n_patterns=10, k=0):
    return {"case_id": f"{sweep}-{n}-{k}", "sweep": sweep, "n_connections": n, "n_patterns": n_patterns,
            "truth": truth, "truth_resolved": resolved, "approx_value": approx, "truth_method": method,
            "meta": json.dumps({"sweep": sweep, "n": n, "index": k})}


def test_coverage_counts_infinite_truths_as_resolved_in_their_own_column():
    rows = [_draw("draws_set2", 3, 1.0, True, 1.1, k=0), _draw("draws_set2", 3, 1.0, False, 1.1, k=1),
            _draw("draws_set3", 3, math.inf, True, math.nan, method="infinite", k=0),
            _draw("draws_set3", 3, 0.5, True, 0.5, k=1), _draw("n", 3, 1.0, True, 1.0)]  # not a set draw
    cov = {c["n"]: c for c in truth_coverage(pd.DataFrame(rows))}
    c = cov[3]
    assert (c["cases"], c["resolved"], c["infinite"]) == (4, 3, 1)
    assert (c["set2_cases"], c["set2_resolved"], c["set3_cases"], c["set3_resolved"]) == (2, 1, 2, 2)
    assert c["resolved_ci"][0] < 0.75 < c["resolved_ci"][1]
    assert c["method"] == "copula_decomposition,infinite"


def test_error_by_n_keeps_infinite_truths_apart_from_undefined_values():
    rows = [_draw("draws_set2", 5, 2.0, True, 2.1, k=0), _draw("draws_set2", 5, 1.0, True, math.nan, k=1),
            _draw("draws_set3", 5, math.inf, True, math.inf, method="infinite", k=0),
            _draw("draws_set3", 5, math.inf, True, math.nan, method="infinite", k=1),
            _draw("draws_set3", 5, 3.0, False, 1.0, k=2)]  # unresolved: enters nothing
    (e,) = approximation_error_by_n(pd.DataFrame(rows))
    assert e["cases"] == 2 and e["undefined_fraction"] == pytest.approx(0.5)  # of the finite truths only
    assert e["median_rel_err"] == pytest.approx(0.05) and e["within_10pct"] == pytest.approx(0.5)
    assert (e["infinite"], e["infinite_right"]) == (2, 1)


@pytest.mark.parametrize("approx, verdict", [(math.inf, "agree"), (math.nan, "disagree"), (3.0, "disagree")])
def test_an_infinite_truth_is_matched_only_by_plus_infinity(approx, verdict):
    row = judge({"case_id": "c", "truth": math.inf, "truth_stderr": 0.0, "bias_bound": 0.0}, approx, "a:f", 3.0)
    assert row["verdict"] == verdict and math.isnan(row["rel_err"])


# ------------------------------------------------------------------ cross-checks


def _truth_rows():
    rows = []
    for n in (2, 3, 4):
        for k in range(7):
            rows.append({"n_connections": n, "truth_method": "copula_decomposition" if k % 2 else
                         "entropy_difference_ladder", "truth_resolved": k != 6, "truth": 1.0})
    rows += [{"n_connections": 5, "truth_method": "copula_decomposition", "truth_resolved": True, "truth": 1.0}] * 2
    rows += [{"n_connections": 5, "truth_method": "infinite", "truth_resolved": True, "truth": math.inf},
             {"n_connections": 1, "truth_method": "exact_quadrature", "truth_resolved": True, "truth": 0.3}]
    return rows


def test_cross_checks_are_chosen_per_n_among_resolved_monte_carlo_truths():
    rows = _truth_rows()
    chosen = choose_cross_checks(rows, count=3, per_n=5)
    by_n = pd.Series([rows[t]["n_connections"] for t in chosen]).value_counts().to_dict()
    assert by_n == {2: 5, 3: 5, 4: 5, 5: 2}  # 6 resolved at n = 2-4, only 2 Monte Carlo ones at n = 5
    assert all(is_monte_carlo(rows[t]["truth_method"]) and rows[t]["truth_resolved"] for t in chosen)
    assert len(set(chosen)) == len(chosen)
    assert len(choose_cross_checks(rows, count=3)) == 3  # without per_n: the overall count


def test_the_full_tier_checks_five_truths_at_every_n():
    assert TIERS["full"].cross_checks_per_n == 5


def test_check_intervals_follow_each_method_rule():
    assert check_interval("entropy_difference", 1.0, 0.01, {"half_width": 0.05}) == pytest.approx((0.95, 1.05))
    lo, hi = check_interval("rao_blackwell", 1.0, 0.01, {})
    assert hi - 1.0 == pytest.approx(1.96 * 0.01, rel=1e-3) and 1.0 - lo == pytest.approx(hi - 1.0)
    assert all(math.isnan(v) for v in check_interval("none", math.nan, math.nan, {}))


def test_cross_check_summary_lists_each_disagreement_with_both_intervals():
    checks = pd.DataFrame([
        {"case_id": "a", "n_connections": 2, "truth": 1.0, "truth_ci_low": 0.98, "truth_ci_high": 1.02,
         "truth_method": "copula_decomposition", "method": "rao_blackwell", "value": 1.0, "check_ci_low": 0.99,
         "check_ci_high": 1.01, "agree": True, "reason": "ok"},
        {"case_id": "b", "n_connections": 7, "truth": 2.0, "truth_ci_low": 1.96, "truth_ci_high": 2.04,
         "truth_method": "copula_decomposition", "method": "entropy_difference", "value": 2.2,
         "check_ci_low": 2.1, "check_ci_high": 2.3, "agree": False, "reason": "|difference| 0.2 against 0.14"},
        {"case_id": "c", "n_connections": 7, "truth": 2.0, "truth_ci_low": 1.9, "truth_ci_high": 2.1,
         "truth_method": "copula_decomposition", "method": "none", "value": math.nan, "check_ci_low": math.nan,
         "check_ci_high": math.nan, "agree": None, "reason": ""}])
    s = cross_check_summary(checks)
    assert (s["checked"], s["agree"], s["stood_aside"]) == (2, 1, 1)
    assert s["by_n"] == {"2": {"checked": 1, "agree": 1}, "7": {"checked": 1, "agree": 0}}
    (d,) = s["disagreements"]
    assert d["case_id"] == "b" and d["truth_ci"] == [1.96, 2.04] and d["check_ci"] == [2.1, 2.3]
    assert d["method"] == "entropy_difference" and "0.2" in d["reason"]
    assert s["agree_ci"][0] < 0.5 < s["agree_ci"][1]


# ------------------------------------------------------------------ verdict shift


def _bank(seed=0):
    """Set-2/3 draws whose truth is exactly exp(1 - 1.0 ln N + 1.2 ln n) and FW exactly 1.1 x the truth."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(120):
        sweep = "draws_set2" if k % 2 else "draws_set3"
        n, n_patterns = int(rng.integers(2, 21)), int(rng.integers(2, 51))
        truth = math.exp(1.0 - 1.0 * math.log(n_patterns) + 1.2 * math.log(n))
        rows.append(_draw(sweep, n, truth, True, 1.1 * truth, n_patterns=n_patterns, k=k))
    return pd.DataFrame(rows)


def test_verdict_shift_recovers_the_slopes_of_each_bank():
    bank = _bank()
    # the previous bank resolved the first 60 cases only, with truths whose ln N slope was -0.5
    old = bank.iloc[:60].copy()
    old["truth"] = np.exp(1.0 - 0.5 * np.log(old["n_patterns"]) + 1.2 * np.log(old["n_connections"]))
    previous = pd.DataFrame({"meta_id": old["meta"].map(meta_id), "truth": old["truth"]})
    # in the new bank, 5 cases are unresolved and 3 infinite
    bank.loc[60:64, "truth_resolved"] = False
    bank.loc[65:67, "truth"] = math.inf
    values = {"fw": dict(zip(bank["case_id"], bank["approx_value"])),
              "exact": dict(zip(bank["case_id"], bank["truth"]))}
    out = verdict_shift(bank, previous, values, n_boot=200)
    rows = {r["key"]: r for r in out["rows"]}
    assert out["counts"] == {"previous_rows": 60, "matched": 60, "new_resolved": 60, "new_infinite": 0,
                             "new_unresolved": 0, "new_bank_resolved": 112, "new_bank_infinite": 3}
    new = bank[bank["truth_resolved"] & np.isfinite(bank["truth"])]
    fit = lambda df, col, y: linear_fit(np.log(df[col]), y, n_boot=0).slope  # noqa: E731
    assert rows["slope_N"]["previous"]["estimate"] == pytest.approx(fit(old, "n_patterns", np.log(old["truth"])))
    assert rows["slope_N"]["previous_new_truth"]["estimate"] == pytest.approx(
        fit(bank.iloc[:60], "n_patterns", np.log(bank["truth"].iloc[:60])))
    assert rows["slope_N"]["new"]["estimate"] == pytest.approx(fit(new, "n_patterns", np.log(new["truth"])))
    assert rows["slope_N"]["new"]["cases"] == 112 and rows["slope_N"]["previous"]["cases"] == 60
    # the previous truths' ln N slope exceeds FW's by exactly +0.5; the new truths' equals it
    assert rows["slope_N_difference"]["previous"]["estimate"] == pytest.approx(0.5, abs=1e-9)
    assert rows["slope_N_difference"]["new"]["estimate"] == pytest.approx(0.0, abs=1e-9)
    assert rows["slope_n_difference"]["new"]["estimate"] == pytest.approx(0.0, abs=1e-9)
    set3 = new[new["sweep"] == "draws_set3"]
    assert rows["synergy"]["new"]["estimate"] == pytest.approx(
        fit(set3, "n_connections", np.log(set3["truth"])) - 1.0)
    band = rows["error n = 6-10"]["new"]
    assert band["estimate"] == pytest.approx(0.1) and band["ci"] == pytest.approx([0.1, 0.1])
    assert rows["leaderboard exact"]["new"]["estimate"] == pytest.approx(0.0, abs=1e-12)
    assert rows["leaderboard fw"]["new"]["estimate"] == pytest.approx(0.1)
    for r in out["rows"]:  # every cell carries an interval that contains its estimate
        for variant in ("previous", "previous_new_truth", "new"):
            v = r[variant]
            if v["cases"] < 5:  # no interval below 5 cases (here: no n = 1 draw)
                assert v["cases"] > 0 or math.isnan(v["estimate"])
                continue
            assert v["ci"][0] - 1e-12 <= v["estimate"] <= v["ci"][1] + 1e-12, (r["key"], variant)


def test_verdict_shift_slopes_match_a_direct_fit_on_noisy_truths():
    bank = _bank(1)
    bank["truth"] *= np.exp(0.2 * np.random.default_rng(2).standard_normal(len(bank)))
    out = verdict_shift(bank, None, {}, n_boot=300, seed=4)
    rows = {r["key"]: r for r in out["rows"]}
    fit = linear_fit(np.log(bank["n_patterns"]), np.log(bank["truth"]), n_boot=300, seed=4)
    assert rows["slope_N"]["new"]["estimate"] == pytest.approx(fit.slope)
    assert rows["slope_N"]["new"]["ci"] == pytest.approx([fit.ci_low, fit.ci_high])
    assert rows["slope_N"]["previous"] is None and out["counts"]["matched"] == 0


def test_previous_resolved_keeps_resolved_rows_and_matches_by_meta():
    old = pd.DataFrame([{"case_id": "x", "meta": '{"a": 1}', "sweep": "n", "n_connections": 2, "n_patterns": 3,
                         "truth": 0.4, "truth_ci_low": 0.39, "truth_ci_high": 0.41,
                         "truth_method": "entropy_difference_ladder", "truth_version": "1", "truth_resolved": True},
                        {"case_id": "y", "meta": '{"a": 2}', "sweep": "n", "n_connections": 9, "n_patterns": 3,
                         "truth": 0.9, "truth_ci_low": 0.5, "truth_ci_high": 1.3,
                         "truth_method": "entropy_difference_ladder", "truth_version": "1", "truth_resolved": False}])
    prev = previous_resolved(old)
    assert list(prev["case_id"]) == ["x"] and prev["meta_id"].iloc[0] == meta_id('{"a": 1}')


def test_committed_previous_subset_is_the_version_1_resolved_rows():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "reports" / "tables" / "previous_resolved.csv"
    prev = pd.read_csv(path)
    assert set(prev["truth_version"].astype(str)) == {"1"} and prev["meta_id"].is_unique
    assert np.isfinite(prev["truth"]).all() and (prev["truth_ci_low"] <= prev["truth_ci_high"]).all()


# ------------------------------------------------------------------ the steps


def test_the_standard_step_list_is_consistent():
    check_steps(STEPS)
    names = [s.name for s in STEPS]
    assert names[-1] == "figures" and names.index("truths") < names.index("checks") < names.index("claims")
    assert len(set(s.label for s in STEPS)) == len(STEPS)


def _step(name, needs=(), gives=(), out=None):
    return Step(name, name, lambda ctx, data: dict(out if out is not None else {k: name for k in gives}),
                needs=needs, gives=gives)


def test_check_steps_refuses_an_impossible_order():
    with pytest.raises(ValueError, match="'b' needs x"):
        check_steps([_step("b", needs=("x",)), _step("a", gives=("x",))])
    with pytest.raises(ValueError, match="appears twice"):
        check_steps([_step("a"), _step("a")])
    with pytest.raises(ValueError, match="gives x again"):
        check_steps([_step("a", gives=("x",)), _step("b", gives=("x",))])


def _ctx(tmp_path):
    return ReportContext(out=tmp_path, config=TIERS["quick"], specs=("a:f",), approximations=[analytic.mutual_information],
                         names=["fw"], approximation_name="a:f", is_fw=True, n_jobs=1, scheduler=None,
                         cache=tmp_path / "cache")


def test_run_steps_times_every_step_and_merges_extra_outputs(tmp_path):
    assert "extra_figures" in MERGED_OUTPUTS
    ctx = _ctx(tmp_path)
    steps = [_step("a", gives=("x", "extra_figures"), out={"x": 1, "extra_figures": {"p": ("p.png", "P")}}),
             Step("b", "b", lambda c, d: {"y": d["x"] + 1, "extra_figures": {"q": ("q.png", "Q")}},
                  needs=("x",), gives=("y", "extra_figures"))]
    data = run_steps(ctx, steps)
    assert data["y"] == 2 and data["extra_figures"] == {"p": ("p.png", "P"), "q": ("q.png", "Q")}
    assert set(ctx.timings) == {"a: a", "b: b"} and all(v >= 0 for v in ctx.timings.values())


def test_run_steps_refuses_a_step_that_breaks_its_declaration(tmp_path):
    with pytest.raises(ValueError, match="declares"):
        run_steps(_ctx(tmp_path), [_step("a", gives=("x",), out={"z": 1})])


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True, "2", None])
def test_build_report_refuses_bad_n_jobs_before_writing(tmp_path, n_jobs):
    out = tmp_path / "never_written"
    with pytest.raises(ValueError, match="n_jobs"):
        build_report(out, quick=True, n_jobs=n_jobs, cache_dir=tmp_path / "cache")
    assert not out.exists()


def test_check_n_jobs_accepts_positive_and_minus_one():
    assert check_n_jobs(1) == 1 and check_n_jobs(np.int64(4)) == 4 and check_n_jobs(-1) == -1


def test_law_rates_are_pooled_per_candidate():
    t = lambda checked, violated: pd.DataFrame({"checked": checked, "violated": violated})  # noqa: E731
    rates = pooled_rates([("fw", t([10, 10], [1, 0])), ("fw", t([20], [3])), ("copula", t([5], [0])),
                          ("none", t([0], [0]))])
    assert rates["fw"] == pytest.approx(4 / 40) and rates["copula"] == 0.0 and math.isnan(rates["none"])


def test_leaderboard_counts_infinite_truths_and_who_gets_them_right():
    cases = [make_exchangeable_case(seed=s, n_patterns=3, n=1, scale=0.5, rho=0.0, mu_range=1.0, dim=4)
             for s in range(6)]
    truths = [{"case_id": f"c{t}", "sweep": "s", "truth": math.inf if t < 2 else 0.3, "truth_stderr": 0.0,
               "bias_bound": 0.0, "truth_resolved": True, "n_connections": 1, "scale_vs": 1.0} for t in range(6)]

    def inf(mu, sigma, ensemble, pattern):
        return math.inf

    entries, _ = lb.leaderboard(truths, cases, {"fw": analytic.mutual_information, "inf": inf},
                                {"fw": "a:fw", "inf": "a:inf"})
    by = {e["name"]: e for e in entries}
    assert by["fw"]["cases"] == 4 and by["fw"]["infinite_cases"] == 2 and by["fw"]["infinite_right"] == 0
    assert by["inf"]["infinite_right"] == 2 and by["inf"]["defined_fraction"] == 0.0


# ------------------------------------------------------------------ figures


def test_the_paper_slope_is_drawn_with_its_published_value_and_interval():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from synmi.validation.report.figures import draw_paper_slope

    fig, ax = plt.subplots()
    draw_paper_slope(ax, "fig2C", np.array([0.0, 2.0]), 1.0, 5.0)
    (line,) = ax.get_lines()
    x, y = line.get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(PAPER_SLOPES["fig2C"]["slope"])
    assert "-1.18" in line.get_label() and "-1.27" in line.get_label()
    (band,) = ax.collections
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(5.0 - 1.27) and ys.max() == pytest.approx(5.0 + 1.27)
    plt.close(fig)


def test_the_by_n_figure_says_how_many_infinite_truths_it_cannot_draw(tmp_path):
    from synmi.validation.report.figures import fig_by_n

    rows = [_draw("draws_set2", n, 1.0 + n, True, 1.1 * (1.0 + n), k=n) for n in range(2, 8)]
    rows += [_draw("draws_set3", 9, math.inf, True, math.inf, method="infinite", k=0),
             _draw("draws_set3", 9, math.inf, True, math.nan, method="infinite", k=1)]
    name, caption = fig_by_n(pd.DataFrame(rows), {}, tmp_path)
    assert (tmp_path / name).exists()
    assert "2 infinite truths" in caption and "+inf on 1 of them" in caption


def test_a_reproduction_uses_another_seed_and_never_extends_beyond_the_stored_ladder(monkeypatch, tmp_path):
    """Each recomputed truth runs the same rule with seed + 1, its ladder capped at the stored truth's top
    rung (at least the ladder's top), and the fresh rows come back in the order of the stored ones."""
    from synmi.validation.report import truth_steps

    calls = []

    def recording_run_truths(cases, config, **kw):
        calls.append((len(cases), config.seed, config.max_samples, config.max_samples_tree))
        return [{"case": c, "top": config.max_samples} for c in cases]

    monkeypatch.setattr(truth_steps, "run_truths", recording_run_truths)
    config = TIERS["full"].estimation
    stored = [{"truth_n_samples": 40_000}, {"truth_n_samples": 2_500}, {"truth_n_samples": 10_000},
              {"truth_n_samples": 160_000}]
    fresh = truth_steps._reproductions(["a", "b", "c", "d"], stored, config, cache=tmp_path, n_jobs=1,
                                       scheduler=None)
    assert [r["case"] for r in fresh] == ["a", "b", "c", "d"]
    assert [r["top"] for r in fresh] == [40_000, 10_000, 10_000, 160_000]
    assert sorted(calls) == [(1, config.seed + 1, 40_000, 40_000), (1, config.seed + 1, 160_000, 160_000),
                             (2, config.seed + 1, 10_000, 10_000)]
