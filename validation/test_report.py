"""The report of the tier end to end: files, sections, and the summary.json contract of the issue."""

from __future__ import annotations

import json
import os

import pytest

from synmi.validation.report.build import build_report


@pytest.fixture(scope="module")
def built(suite_data, tmp_path_factory):
    """``synmi report`` of the suite's tier, reusing the suite's cached truths."""
    out = tmp_path_factory.mktemp("report")
    cache = os.environ.get("SYNMI_SUITE_CACHE", f".synmi-cache/{suite_data.tier}")
    summary = build_report(out, quick=suite_data.tier == "quick", n_jobs=1, cache_dir=cache)
    return out, json.loads(summary.read_text())


def test_report_files(built):
    out, _ = built
    for name in ("report.md", "summary.json", "provenance.json", "tables/comparisons.csv", "tables/calibration.csv",
                 "tables/law_violations.csv", "tables/sets_fw.csv.gz", "tables/truths.csv.gz",
                 "tables/truth_reproduction.csv", "tables/cross_checks.csv", "tables/exact_vs_monte_carlo.csv",
                 "tables/ksg_lower_bound.csv", "tables/leaderboard.csv", "tables/leaderboard_cases.csv",
                 "tables/verdict_shift.csv", "tables/previous_resolved.csv"):
        assert (out / name).exists(), name
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert len(figures) == 13, figures  # 10 of the report, 3 of the paper redrawn (paper_fig2-4)
    text = (out / "report.md").read_text()
    for section in ("## 1. Verdict at a glance", "## 2. Agreement", "## 3. How the truth was obtained",
                    "## 4. Over the paper's whole range", "## 5. What to use instead", "## 6. The error surface",
                    "## 7. Estimator calibration", "## 8. Validity census", "## 9. The paper's regressions",
                    "## 10. Do the conclusions survive?", "## 11. The paper redrawn, panel by panel",
                    "## 12. Provenance"):
        assert section in text, section
    assert "### What the unresolved cases were hiding" in text
    for fig in figures:  # every figure is shown, with a caption line under it
        assert f"(figures/{fig})\n\n*" in text, fig


def test_summary_json_contract(built):
    _, s = built
    for key in ("fig2C", "fig2D", "fig3C", "fig3D"):
        entry = s[key]
        lo, hi = entry["ci"]
        assert lo <= entry["slope"] <= hi
        assert "slope_authors_filter" in entry
    for name in ("set1", "set2", "set3"):
        c = s["census"][name]
        for field in ("valid", "indefinite", "singular", "negative", "authors_kept"):
            assert 0.0 <= c[field] <= 1.0
        assert c["valid"] + c["indefinite"] + c["singular"] + c["negative"] + c["infinite"] == pytest.approx(1.0)
    for claim in s["claims"].values():
        assert claim["verdict"] in {"holds", "refuted", "unresolved"}
        assert "estimate" in claim and len(claim["ci"]) == 2


def test_summary_json_truth_keys(built):
    """The truth issue's keys: coverage by n, cross-check, slopes with truth and approximation, FW error by n."""
    _, s = built
    coverage = s["truth_coverage"]
    assert coverage and all(0 <= c["resolved"] <= c["cases"] for c in coverage)
    for c in coverage:  # infinite truths are resolved, and counted in their own column
        assert 0 <= c["infinite"] <= c["resolved"]
        assert c["set2_cases"] + c["set3_cases"] == c["cases"]
        assert c["set2_resolved"] + c["set3_resolved"] == c["resolved"]
    assert {c["n"] for c in coverage} >= {1, 20}
    cc = s["cross_check"]
    assert {"method", "checked", "agree"} <= set(cc) and 0 <= cc["agree"] <= cc["checked"]
    for key in ("slope_N", "slope_n", "synergy"):
        entry = s["truth_slopes"][key]
        assert {"truth", "approximation", "cases", "n_range"} <= set(entry)
        if entry["truth"] is not None:
            lo, hi = entry["truth_ci"]
            assert lo <= entry["truth"] <= hi
    for d in cc["disagreements"]:  # each with its cause and both intervals
        assert {"reason", "method", "truth_ci", "check_ci"} <= set(d)
    for row in s["fw_error_by_n"]:
        assert {"n", "median_rel_err", "undefined_fraction", "within_10pct", "infinite", "infinite_right"} <= set(row)
        assert row["cases"] + row["infinite"] > 0 and 0 <= row["infinite_right"] <= row["infinite"]
        if row["cases"]:  # fractions of the finite resolved truths (an n with only infinite ones has none)
            assert 0 <= row["undefined_fraction"] <= 1 and 0 <= row["within_10pct"] <= 1


def test_summary_json_leaderboard(built):
    """The leaderboard issue's entry: one record per shipped approximation, FW first, with its scores."""
    _, s = built
    board = s["leaderboard"]
    assert [e["approximation"] for e in board][0] == "synmi.analytic:mutual_information"
    assert len(board) >= 5
    for e in board:
        for key in ("defined_fraction", "median_abs_rel_err", "p90_abs_rel_err", "within_10pct",
                    "law_violation_rate", "seconds_per_case", "by_regime", "cases", "infinite_cases",
                    "infinite_right"):
            assert key in e, key
        assert e["cases"] > 0 and 0 <= e["defined_fraction"] <= 1 and e["seconds_per_case"] > 0
        if e["median_abs_rel_err"] is not None:
            assert e["median_abs_rel_err"] <= e["p90_abs_rel_err"]


def test_summary_json_verdict_shift(built):
    """Each verdict on the previous resolved subset and on the new bank, every one with its interval."""
    _, s = built
    shift = s["verdict_shift"]
    keys = [r["key"] for r in shift["rows"]]
    for key in ("slope_N", "slope_n", "slope_N_difference", "slope_n_difference", "synergy"):
        assert key in keys
    assert any(k.startswith("error n = ") for k in keys) and any(k.startswith("leaderboard ") for k in keys)
    c = shift["counts"]
    assert c["previous_rows"] > 0 and 0 <= c["matched"] <= c["previous_rows"]
    assert c["new_resolved"] + c["new_infinite"] + c["new_unresolved"] <= c["matched"]
    for r in shift["rows"]:
        new = r["new"]
        assert {"estimate", "ci", "cases"} <= set(new) and len(new["ci"]) == 2
