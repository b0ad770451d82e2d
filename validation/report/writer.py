"""``report.md``: the error analysis in words, tables and figures, one function per section.

Every number in the text is read from the run's own :class:`ReportData` (nothing
is typed in by hand), so the report cannot drift from the data it describes;
the claims bring their own titles and wording (:class:`ClaimResult`).

Adding a section: write ``section_<name>(data: ReportData) -> str`` returning
its markdown, headed ``## <Title>`` (or ``### <Title>`` for a subsection of the
section before it), and put it in :data:`SECTIONS` where it belongs.
:func:`write_report` numbers the ``##`` headings in the order of the list.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..engine.claims import SLOPE_CLAIMS
from ..engine.formatting import format_interval, format_number, format_p_value
from ..engine.truth_analysis import is_monte_carlo
from .data import ReportData

__all__ = ["SECTIONS", "write_report", "section_title", "section_verdicts", "section_agreement",
           "section_error_surface", "section_calibration", "section_census", "section_laws",
           "section_regressions", "section_conclusions", "section_provenance", "section_truth",
           "section_full_range", "section_leaderboard", "section_verdict_shift"]


# --------------------------------------------------------------------------- helpers


def _cell(value: object) -> str:
    """A table cell: the value as text, its unescaped ``|`` escaped so it does not split the cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", str(value))


def _table(df: pd.DataFrame) -> str:
    """A markdown table of ``df`` (cells as they are, ``|`` escaped)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(_cell(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(_cell(row[c]) for c in cols) + " |")
    return "\n".join(lines)


def _figure(data: ReportData, key: str) -> str:
    """The figure ``key`` with its caption in italics under it."""
    name, caption = data.figures[key]
    return f"![{key}](figures/{name})\n\n*{caption}*\n"


def _agreement_table(results: pd.DataFrame, label: str, per_group: int = 3) -> pd.DataFrame:
    """Up to ``per_group`` representative rows of every sweep and set draw, formatted."""
    picks = []
    for _, sub in results.groupby("sweep", sort=False):
        # along an axis by its value; draws of a set in the order they were drawn (not by
        # case_id, a hash that changes with the code, which would change the excerpt)
        if sub["axis"].iloc[0]:
            sub = sub.sort_values("axis_value", kind="stable")
        idx = np.unique(np.linspace(0, len(sub) - 1, min(per_group, len(sub))).round().astype(int))
        picks.append(sub.iloc[idx])
    sel = pd.concat(picks)
    return pd.DataFrame({
        "sweep": sel["sweep"],
        "axis value": [format_number(v) if np.isfinite(float(v)) else "" for v in sel["axis_value"].astype(float)],
        "N": sel["n_patterns"], "n": sel["n_connections"], "λ_max": [format_number(v, 2) for v in sel["scale"]],
        f"{label} (nats)": [format_number(v, 4) for v in sel["approx_value"]],
        "I_true ± s.e. (nats)": [f"{format_number(t, 4)} ± {format_number(s, 1)}"
                                 for t, s in zip(sel["truth"], sel["truth_stderr"])],
        "95% CI": [format_interval((a, b), 4) for a, b in zip(sel["truth_ci_low"], sel["truth_ci_high"])],
        "error": [format_number(v, 2) for v in sel["err"]],
        "rel. error": [f"{100 * float(v):+.1f}%" if np.isfinite(float(v)) else "n/a" for v in sel["rel_err"]],
        "tolerance": [format_number(v, 2) for v in sel["tolerance"]],
        "status" if label == "I_FW" else "FW status": sel["fw_status"], "verdict": sel["verdict"],
    })


def _agreements_kept_by_bias_bound(results: pd.DataFrame) -> tuple[int, int]:
    """``(k, m)``: of ``m`` comparisons judged *agree*, ``k`` would disagree without the truth's bias bound.

    The bound is ``max(ladder drift, order gap)`` (or the quadrature's error
    bound); without it the tolerance is ``z`` standard errors alone
    (:func:`validation.engine.comparison.judge`).
    """
    df = results[np.isfinite(results["err"].astype(float)) & (results["verdict"] == "agree")]
    without = df["tolerance"].astype(float) - df["bias_bound"].astype(float).fillna(0.0)
    return int((df["abs_err"].astype(float) > without).sum()), int(len(df))


def _about_fw_as_published(data: ReportData) -> list[str]:
    """A note for the sections about FW as published, when the report judges another approximation."""
    if data.approximation_is_fw:
        return []
    return [f"This section is about the paper's FW formula as published (its validity statuses and the authors' "
            f"filter), not about `{data.approximation}`, which the rest of the report judges.\n"]


# --------------------------------------------------------------------------- sections


def section_title(data: ReportData) -> str:
    """Title and the one-paragraph statement of what the report checks."""
    cfg = data.config
    if data.approximation_is_fw:
        subject = ("moment-matching the weights to a log-normal (Fenton-Wilkinson, FW). This report checks that "
                   "formula")
    else:
        subject = ("moment-matching the weights to a log-normal (Fenton-Wilkinson, FW). This report checks the "
                   f"approximation `{data.approximation}` (written {data.approximation_label} below) in its place")
    command = "synmi report" + (" --quick" if cfg.name == "quick" else "")
    if not data.approximation_is_fw:
        command += f" --approximation {data.approximation}"
    return "\n".join([
        "# How good is the Fenton-Wilkinson synaptic-information formula?\n",
        "Fan & Mysore (Neural Computation 2026, arXiv 2411.17692) approximate the information "
        "`I(w_S ; x_l)` that an ensemble of Hebbian weights holds about one stored log-normal pattern by "
        f"{subject} against the real thing: the exact single-connection information, and converged, cross-checked "
        "Monte Carlo estimates of the true information of ensembles from exact samples of the Hebbian weights "
        "(equations: `docs/theory.md`). "
        f"Tier: **{cfg.name}**; generated by `{command}`.\n",
    ])


def _rule_revisions(data: ReportData) -> str:
    """The decision rules revised after a first look at the data, each with what the earlier rule gives here."""
    claims = data.claims
    slope_only = [f"claim {c.title.split('.')[0]} *{c.details['slope_only_verdict']}*"
                  for c in (claims.get("N"), claims.get("mu_range")) if c and "slope_only_verdict" in c.details]
    rho = claims.get("rho")
    pooled = rho.details.get("fit_across_draws") if rho else None
    kept, agreeing = _agreements_kept_by_bias_bound(data.results)
    homogeneity = ("The homogeneity test of the independence claims (the error can rise and fall with N, which a "
                   "linear slope cannot see)")
    if slope_only:
        homogeneity += f"; by the slope alone this run gives {' and '.join(slope_only)}"
    within = ("Slopes fitted within draws, with one fixed effect per draw of the means, because the grid points of "
              "a draw share those means")
    if pooled and rho is not None:
        within += (f"; pooled across draws, claim 4's slope is {format_number(pooled['slope'])} "
                   f"{format_interval((pooled['ci_low'], pooled['ci_high']))} "
                   f"(*{rho.details['across_draws_verdict']}*)")
    convergence = ("The truth's bias bound, max(drift over the last 4x of its sample-size ladder, gap between two "
                   "neighbour orders), which widens the tolerances (it replaced a Gaussian-surrogate calibration "
                   "that missed the bias on curved log-scale dependence); without it "
                   f"{kept} of the {agreeing} comparisons that agree here would disagree")
    scale = claims.get("scale")
    limit = ("Claim 1 is judged on the exponent of the error's power law alone (the earlier rule also required "
             "every smallest-scale case to agree within the truth's tolerance, which exact single-connection truths "
             "turn into a demand that the approximation be exact at a finite scale)")
    if scale and "smallest_scale_agree" in scale.details:
        earlier = "refuted" if scale.details["smallest_scale_agree"].split("/")[0] != \
            scale.details["smallest_scale_agree"].split("/")[1] else scale.verdict
        limit += (f"; here {scale.details['smallest_scale_agree']} smallest-scale cases agree, so the earlier rule "
                  f"gives *{earlier}*")
    return "\n".join(["Rules revised after a first look at the data, stated so the verdicts can be "
                      "weighed, each with what the earlier rule gives on this run:\n",
                      f"- {homogeneity}.", f"- {within}.", f"- {convergence}.", f"- {limit}.\n"])


def section_verdicts(data: ReportData) -> str:
    """Every claim's verdict in one table, the overall agreement, and the decision rules."""
    rows = []
    for c in data.claims.values():
        measured = c.quantity
        if "homogeneity_p" in c.details:
            measured += f"; homogeneity p {format_p_value(c.details['homogeneity_p'])}"
        rows.append({"claim (docs/theory.md §5)": c.title, "verdict": f"**{c.verdict}**", "measured": measured,
                     "estimate": format_number(c.estimate), "95% CI": format_interval(c.ci),
                     "points": f"{c.n_used}/{c.n_total}"})
    agree, label = data.summary["agreement"], data.approximation_label
    cc = data.summary["cross_check"]
    return "\n".join([
        "## Verdict at a glance\n",
        _table(pd.DataFrame(rows)) + "\n",
        f"Over all {agree['cases']} comparisons, {agree['agree']} agree with {label} within tolerance, "
        f"{agree['disagree']} disagree and {agree['undefined']} have no defined value of {label}. "
        f"Independent cross-checks agree with the truth on {cc['agree']} of {cc['checked']} resolved ensemble "
        f"truths checked ({cc['method'] or 'none ran'}).\n",
        "Decision rules live in `validation/engine/claims.py`, shared by this report and `pytest validation/`: a claim "
        "*holds* when the 95% CI of its measured quantity is on the claimed side, is *refuted* when it is on the other "
        "side, and is *unresolved* otherwise; 'independent of' holds when the slope's CI contains 0 and a chi-square "
        "test of homogeneity across the grid (within draws) does not reject at 5%.\n",
        _rule_revisions(data),
    ])


def section_agreement(data: ReportData) -> str:
    """How the truth is estimated and judged, a table of representative cases, and the agreement figure."""
    est = data.config.estimation
    return "\n".join([
        "## Agreement over representative cases\n",
        "Truth (`synmi.empirical.true_information`): for one connection exact, by quadrature of the density of the "
        "log of a sum of log-normals (error bound below 1e-8 nats); infinite, decided exactly before any sampling, "
        "where the rest of the weights has no density in n dimensions (docs/theory.md §4.1); for other ensembles "
        "the copula decomposition (docs/theory.md §9.2): the exact single-connection informations, minus the "
        f"Gaussian part of the total correlations ({est.gaussian_samples:,} draws), minus a kNN bracket on normal "
        f"scores, on a nested sample-size ladder {' / '.join(f'{m:,}' for m in est.ladder)} (extended up to "
        f"{est.max_samples_tree:,} draws for n < 7 and {est.max_samples:,} above when it has not settled) with "
        f"{est.replicates} replicates per rung (doubled up to {est.max_replicates} where noise keeps it unresolved) "
        f"and neighbour orders {est.orders[0]} and {est.orders[1]}; the entropy-difference ladder (§9.1) where the "
        "copula has no density. "
        f"Tolerance = {est.z:g} × s.e. + max(ladder drift over the last 4x, gap between the orders), or the "
        "quadrature's error bound (see *How the truth was obtained* and `validation/engine/comparison.py`). "
        "Each row's full record (ladder, seeds) is in `tables/comparisons.csv`.\n",
        _table(_agreement_table(data.results, data.approximation_label)) + "\n",
        _figure(data, "agreement"),
    ])


def section_error_surface(data: ReportData) -> str:
    """The error against each swept parameter: one bullet per claim of docs/theory.md §5 (claims 1-4)."""
    lines = ["## The error surface\n", _figure(data, "scale")]
    for key, c in data.claims.items():
        if key in SLOPE_CLAIMS:
            continue
        lines.append(f"- **{c.title}** — {c.verdict}: {c.quantity} = {format_number(c.estimate)} "
                     f"{format_interval(c.ci)}; {c.n_used} of {c.n_total} points entered the fit.")
        if c.detail:
            lines.append(f"  {c.detail}")
    lines += ["", _figure(data, "axes")]
    return "\n".join(lines)


def section_calibration(data: ReportData) -> str:
    """Bias and spread of the truth estimators on Gaussian data, and their cross-check on the sweeps."""
    cal = data.calibration
    cal_tab = pd.DataFrame({
        "estimator": cal["method"], "n per side": cal["dim"], "M": cal["n_samples"].map("{:,}".format),
        "true (nats)": cal["true_value"].map(format_number),
        "bias": cal["bias"].map(lambda v: format_number(v, 2)),
        "s.e.(bias)": cal["bias_stderr"].map(lambda v: format_number(v, 2)),
        "spread": cal["spread"].map(lambda v: format_number(v, 2)), "replicates": cal["replicates"]})
    return "\n".join([
        "## Estimator calibration\n",
        "The named Monte Carlo estimators (`synmi.empirical.ESTIMATORS`) run on jointly Gaussian data whose "
        "answer is known exactly: KSG on `(X, Y)` with `I = ½ ln(det C_X det C_Y / det C)` = 0.5 nats; the "
        "entropy difference on `h(X) − h(Y)` (0 here: X and Y have equal covariances). The truth's own bias is "
        "bounded case by case by its ladder (previous section).\n",
        _table(cal_tab) + "\n",
        _figure(data, "calibration"),
    ])


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b}" if b else "0/0"


def _share(k: int, n: int, ci: Any = None) -> str:
    """``k/n = p% [lo, hi]``: a share with its Wilson 95 % interval (``ci``, fractions), or ``0/0``."""
    if not n:
        return "0/0"
    text = f"{k}/{n} = {100 * k / n:.0f}%"
    if ci is not None and len(ci) == 2 and all(np.isfinite(float(v)) for v in ci):
        text += f" [{100 * float(ci[0]):.0f}, {100 * float(ci[1]):.0f}]%"
    return text


def section_truth(data: ReportData) -> str:
    """How the truth was obtained and checked: exact n = 1, the ladder, reproduction, cross-checks, KSG."""
    t, res = data.truth, data.results
    method = res["truth_method"].astype(str)
    mc = res[method.map(is_monte_carlo)]
    resolved = int(mc["truth_resolved"].astype(bool).sum())
    by_method = ", ".join(f"{int((mc['truth_method'] == m).sum())} by {words}" for m, words in
                          (("copula_decomposition", "the copula decomposition (§9.2)"),
                           ("entropy_difference_ladder", "the entropy-difference ladder where the copula has no "
                            "density (§9.1)")) if (mc["truth_method"] == m).any())
    infinite = res[method == "infinite"]
    cc = data.summary["cross_check"]
    lines = [
        "## How the truth was obtained and checked\n",
        f"- **One connection** ({int((method == 'exact_quadrature').sum())} cases): exact, by "
        "quadrature (docs/theory.md §8); largest error bound "
        f"{format_number(res.loc[method == 'exact_quadrature', 'truth_error_bound'].max(), 2)} nats.",
        f"- **Infinite** ({len(infinite)} cases): the rest of the weights has no density in n dimensions, decided "
        "exactly before any sampling (docs/theory.md §4.1); these truths are resolved, enter no slope or relative "
        f"error, and an approximation is right on them only if it is +inf too ({data.approximation_label} is on "
        f"{int(np.isposinf(infinite['approx_value'].astype(float)).sum())} of them).",
        f"- **Ensembles** ({len(mc)} Monte Carlo cases: {by_method or 'none'}): "
        f"**{resolved} of {len(mc)} resolved** to {100 * data.config.estimation.precision:g}% (or "
        f"{data.config.estimation.atol:g} nats); the rest keep their wide intervals and enter no slope or error "
        "statistic."
        + (f" {int((method == 'exact_zero').sum())} cases have every weight constant and carry exactly 0 nats."
           if (method == "exact_zero").any() else ""),
        f"- **Truth table**: {t.table.get('reused', 0)} truths reused from `tables/truths.csv.gz` (keyed by the "
        f"case's identity, settings and truth version), {t.table.get('computed', 0)} computed in this run; "
        f"{t.table.get('recomputed_sample', 0)} reused ones recomputed with another seed (same rule, ladder not "
        "extended beyond the stored truth's top rung), "
        f"{t.table.get('reproduced', 0)} reproduce within their combined uncertainty "
        "(`tables/truth_reproduction.csv`).",
    ]
    per_n = data.config.cross_checks_per_n
    chosen = f"up to {per_n} at every ensemble size" if per_n else f"up to {data.config.cross_check_cases}, spread over n"
    lines.append(f"- **Cross-checks** (docs/theory.md §§9.2, 10; {chosen}): {cc['agree']} of {cc['checked']} checked "
                 f"resolved ensemble truths agree ({_share(cc['agree'], cc['checked'], cc.get('agree_ci'))})"
                 + "".join(f"; {m}: {v['agree']}/{v['checked']}" for m, v in cc["by_method"].items())
                 + (f"; {cc['stood_aside']} did not run" if cc.get("stood_aside") else "") + ". Each check is "
                 "the Rao-Blackwellised density where its diagnostics allow (§10), else the entropy-difference ladder "
                 "on its own draws (§9.1), which agrees when the two intervals overlap (`tables/cross_checks.csv`).")
    if cc.get("by_n"):
        lines.append("  Checked (agreeing) by n: " + ", ".join(f"{n}: {v['checked']} ({v['agree']})"
                                                               for n, v in cc["by_n"].items()) + ".")
    if cc["disagreements"]:
        lines.append("  Every disagreement, with its cause (the check's own reason):")
    for d in cc["disagreements"]:
        lines.append(f"  - case {d['case_id']} (n = {d['n']}, {d.get('truth_method') or 'truth'}): truth "
                     f"{format_number(d['truth'], 4)} {format_interval(d.get('truth_ci', [np.nan, np.nan]), 4)}, "
                     f"{d['method']} {format_number(d['check'], 4)} "
                     f"{format_interval(d.get('check_ci', [np.nan, np.nan]), 4)}; {d['reason']}.")
    if len(t.exact_checks):
        ok = int(t.exact_checks["agree"].sum())
        lines.append(f"- **Exact against Monte Carlo** (n = 1): the 1-D spacing estimator covers the exact value on "
                     f"{_ratio(ok, len(t.exact_checks))} cases (`tables/exact_vs_monte_carlo.csv`).")
    if len(t.ksg):
        lines.append(f"- **KSG is a lower bound, not a check** (docs/theory.md §9): on {len(t.ksg)} resolved "
                     f"ensembles its median bias is {format_number(t.ksg['bias'].median(), 2)} nats (range "
                     f"{format_number(t.ksg['bias'].min(), 2)} to {format_number(t.ksg['bias'].max(), 2)}) at "
                     f"M = {int(t.ksg['n_samples'].iloc[0]):,} (`tables/ksg_lower_bound.csv`).")
    return "\n".join(lines) + "\n"


def _slope_row(name: str, s: dict, label: str) -> dict:
    if s.get("truth") is None:
        return {"statistic": name, "cases": s.get("cases", 0), "truth": "too few cases"}
    lo, hi = s["difference_ci"]
    verdict = "unresolved" if not np.isfinite(lo) else ("same" if lo <= 0 <= hi else "differs")
    return {"statistic": s["statistic"], "cases": s["cases"], "n range": f"{s['n_range'][0]}-{s['n_range'][1]}",
            "truth": f"{format_number(s['truth'])} {format_interval(s['truth_ci'])}",
            label: f"{format_number(s['approximation'])} {format_interval(s['approximation_ci'])}",
            "difference": f"{format_number(s['difference'])} {format_interval(s['difference_ci'])}",
            "truth vs approximation": verdict}


def _survival_words(slopes: dict, label: str) -> str:
    words = []
    n_slope, syn = slopes.get("slope_n", {}), slopes.get("synergy", {})
    if n_slope.get("truth") is not None:
        lo, hi = n_slope["truth_ci"]
        grows = "grows with n" if lo > 0 else "is not shown to grow with n"
        same = "the same" if n_slope["difference_ci"][0] <= 0 <= n_slope["difference_ci"][1] else "not the same"
        words.append(f"**Fig. 3 (information against n):** the true information {grows} (slope of ln I on ln n "
                     f"{format_number(n_slope['truth'])} {format_interval(n_slope['truth_ci'])}); the slope is "
                     f"{same} as {label}'s ({format_number(n_slope['approximation'])}).")
    if syn.get("truth") is not None:
        lo, hi = syn["truth_ci"]
        state = ("rises" if lo > 0 else "falls" if hi < 0 else "shows no significant trend")
        alo, ahi = syn["approximation_ci"]
        astate = ("rises" if alo > 0 else "falls" if ahi < 0 else "shows no significant trend")
        survive = ("survives the truth" if lo > 0 else
                   "is not supported by the truth" + ("" if alo > 0 else f", nor by {label} on these cases"))
        words.append(f"**Fig. 4 (synergy, I/n rising with n in set 3):** with the truth, I/n {state} "
                     f"(slope of ln(I/n) on ln n {format_number(syn['truth'])} {format_interval(syn['truth_ci'])}); "
                     f"with {label} it {astate} ({format_number(syn['approximation'])} "
                     f"{format_interval(syn['approximation_ci'])}). The rise of I/n with n {survive}; synergy in "
                     "the other sense, an ensemble holding more than the sum of its connections' informations, is "
                     "judged in the erratum (section *The paper redrawn*).")
    return "\n\n".join(words)


def section_full_range(data: ReportData) -> str:
    """The approximation over the paper's whole range n = 1..20: coverage, error by n, slopes and synergy."""
    t, label = data.truth, data.approximation_label
    cov = pd.DataFrame(t.coverage)
    if len(cov):
        cov = pd.DataFrame({
            "n": cov["n"], "set 2 resolved": [_ratio(a, b) for a, b in zip(cov["set2_resolved"], cov["set2_cases"])],
            "set 3 resolved": [_ratio(a, b) for a, b in zip(cov["set3_resolved"], cov["set3_cases"])],
            "both sets (95% CI)": [_share(a, b, ci) for a, b, ci in zip(cov["resolved"], cov["cases"],
                                                                         cov["resolved_ci"])],
            "infinite": cov["infinite"], "truth method": cov["method"]})
    err = pd.DataFrame(t.error_by_n)
    if len(err):
        err["infinite"] = [f"{a} ({r} right)" if a else "0" for a, r in zip(err["infinite"], err["infinite_right"])]
        err = err.drop(columns=["infinite_right"]).rename(columns={"cases": "finite resolved",
                                                                    "infinite": f"infinite ({label} +inf)"})
    table = cov.drop(columns=["infinite"]).merge(err, on="n", how="left") if len(err) and len(cov) else cov
    if len(err) and len(cov):
        table["median_rel_err"] = table["median_rel_err"].map(lambda v: f"{100 * v:+.0f}%" if np.isfinite(v) else "")
        table["median_abs_rel_err"] = table["median_abs_rel_err"].map(lambda v: _pct(v))
        for c in ("undefined_fraction", "within_10pct"):
            table[c] = table[c].map(lambda v: f"{100 * v:.0f}%" if np.isfinite(v) else "")
        table = table.rename(columns={"median_rel_err": f"median error of {label}",
                                      "median_abs_rel_err": "median |error|",
                                      "undefined_fraction": f"{label} undefined", "within_10pct": "within 10%"})
    slopes = pd.DataFrame([_slope_row(k, t.slopes[k], label) for k in ("slope_N", "slope_n", "synergy")])
    return "\n".join([
        "## Over the paper's whole range (n = 1 to 20)\n",
        f"Random draws of sets 2 and 3 at every ensemble size from 1 to 20 "
        f"({data.config.truth_draws_per_n} per size and set). *Resolved* counts the infinite truths, which are "
        "decided exactly (docs/theory.md §4.1); they are listed apart and enter no relative error: "
        f"{label} is right on them only when it is +inf too. Errors are against the finite resolved truths only; "
        "the fractions are of those cases at that size.\n",
        _table(table) + "\n",
        _figure(data, "by_n"),
        "Slopes on the same resolved cases (95% paired-bootstrap CIs):\n",
        _table(slopes) + "\n",
        _survival_words(t.slopes, label) + "\n",
    ])


def _pct(v: float) -> str:
    """A fraction as a percentage: one decimal below 10 %, none above."""
    if v is None or not np.isfinite(v):
        return ""
    return f"{100 * v:.1f}%" if abs(100 * v) < 10 else f"{100 * v:.0f}%"


def _better_words(board: list) -> str:
    ref = board[0]["name"] if board else "fw"
    words = []
    for e in board[1:]:
        vs = e.get("vs_reference") or {}
        lo, hi = (vs.get("ci") or [np.nan, np.nan])
        if not np.isfinite(lo):
            continue
        diff = f"{100 * vs['difference']:+.1f} points {format_interval([100 * lo, 100 * hi])}"
        if hi < 0:
            lower = f"{-100 * vs['difference']:.1f} points {format_interval([-100 * hi, -100 * lo])}"
            words.append(f"**{e['name']} beats {ref}**: median |relative error| lower by {lower} on the "
                         f"{vs['cases']} cases where both are defined")
        elif lo > 0:
            words.append(f"{e['name']} is worse than {ref} ({diff}, {vs['cases']} cases)")
        else:
            words.append(f"{e['name']} and {ref} are not distinguishable ({diff}, {vs['cases']} cases)")
    if not any("beats" in w for w in words):
        words.insert(0, f"No candidate beats {ref} on the cases where both are defined.")
    return "\n".join(f"- {w}." if not w.endswith(".") else f"- {w}" for w in words)


def section_leaderboard(data: ReportData) -> str:
    """Every shipped approximation ranked against the same resolved truths (docs/theory.md §13)."""
    board = data.leaderboard
    if not board:
        return ""
    rows = [{"approximation": f"`{e['name']}`", "cases": e["cases"], "defined": _pct(e["defined_fraction"]),
             "median \\|rel. error\\|": _pct(e["median_abs_rel_err"]), "90th pct": _pct(e["p90_abs_rel_err"]),
             "within 10%": _pct(e["within_10pct"]), "law violations": _pct(e["law_violation_rate"]),
             "ms per case": format_number(1000 * e["seconds_per_case"], 2),
             "claims that hold": ", ".join(k for k, v in e.get("claims", {}).items() if v == "holds") or "none"}
            for e in board]
    regimes: dict[tuple[str, str], dict[str, Any]] = {}
    for e in board:
        for r in e["by_regime"]:
            key = (r["scale"], r["n"])
            regimes.setdefault(key, {"regime": f"{r['scale']}, {r['n']}", "cases": r["cases"]})
            regimes[key][e["name"]] = (f"{_pct(r['median_abs_rel_err'])} ({_pct(r['defined_fraction'])} def.)"
                                       if r["cases"] else "")
    return "\n".join([
        "## What to use instead: a leaderboard of approximations\n",
        "Every shipped approximation (`synmi.analytic.APPROXIMATIONS`, docs/theory.md §11) on the same cases "
        "with a **resolved** truth (sweeps and random set draws; the count is the `cases` column), evaluated in "
        "turn on each case so that the times are side by side. Relative errors are over the cases where the "
        "approximation is defined; *within 10%* counts an undefined value as a miss. Law violations: rate over "
        f"{data.config.leaderboard_law_cases} random cases of each of sets 1-3 (docs/theory.md §12). "
        "*Claims that hold*: the paper's claims (docs/theory.md §5) judged with that approximation in FW's place. "
        "Per-case values: `tables/leaderboard_cases.csv`.\n",
        _table(pd.DataFrame(rows)) + "\n",
        "Median |relative error| by regime (log-variance scale on V(S) × ensemble size):\n",
        _table(pd.DataFrame(list(regimes.values()))) + "\n",
        _figure(data, "leaderboard") if "leaderboard" in data.figures else "",
        "Against the paper's formula (paired bootstrap over cases of the difference in median |relative error|, "
        "95% CI, in percentage points):\n",
        _better_words(board) + "\n",
    ])


def _estimate(v: dict[str, Any] | None, key: str) -> str:
    """One cell of the verdict-shift table: the estimate, its 95% CI and its cases."""
    if not v or v.get("estimate") is None or not np.isfinite(float(v["estimate"])):
        return f"n/a ({v.get('cases', 0)} cases)" if v else "n/a"
    pct = key.startswith("error ") or key.startswith("leaderboard ")
    if pct:
        est = f"{100 * v['estimate']:+.1f}%" if key.startswith("error ") else f"{100 * v['estimate']:.1f}%"
        ci = v["ci"]
        ci_text = (f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]%" if np.isfinite(ci[0]) and np.isfinite(ci[1])
                   else "[n/a]")
    else:
        est, ci_text = format_number(v["estimate"]), format_interval(v["ci"])
    cases = f"{v['cases']}" + (f" of {v['offered']}" if v.get("offered") not in (None, v["cases"]) else "")
    return f"{est} {ci_text} ({cases})"


def section_verdict_shift(data: ReportData) -> str:
    """Each verdict on the previous resolved subset and on the new bank: what the unresolved cases hid (§13)."""
    shift = data.verdict_shift
    if not shift or not shift.get("rows"):
        return ""
    c, variants = shift["counts"], shift["variants"]
    if c["previous_rows"]:
        source = (f"The previous bank (truth version 1, entropy-difference ladder resolved to 3%; "
                  f"`tables/previous_resolved.csv`, from git revision 3d1da55) resolved {c['previous_rows']} "
                  f"truths; this run holds {c['matched']} of those cases, of which {c['new_resolved']} have a "
                  f"resolved finite new truth, {c['new_infinite']} an infinite one and {c['new_unresolved']} an "
                  "unresolved one.")
    else:
        source = "No previous resolved subset was found (`tables/previous_resolved.csv`): only the new column is filled."
    rows = [{"verdict": r["statistic"], **{label: _estimate(r.get(v), r["key"]) for v, label in variants.items()}}
            for r in shift["rows"]]
    return "\n".join([
        "### What the unresolved cases were hiding\n",
        "Each verdict computed three times: on the previous resolved subset with its previous truths (what the "
        "earlier report rested on), on the same cases with this run's truths (the change due to the truth "
        f"estimator alone), and on every resolved finite truth of this run ({c['new_bank_resolved']}, plus "
        f"{c['new_bank_infinite']} infinite ones, which enter no slope or relative error). {source} "
        "Each cell: estimate, 95% CI (paired bootstrap for slopes, percentile bootstrap for medians) and the "
        "cases it rests on (of the cases offered, where some have no defined value). `tables/verdict_shift.csv`.\n",
        _table(pd.DataFrame(rows)) + "\n",
    ])


def section_paper(data: ReportData) -> str:
    """Every panel of the paper redrawn with the truth, and the erratum table (docs/theory.md §13.1)."""
    paper = data.extras.get("paper")
    if not paper:
        return ""
    grid = paper.get("n1_grid", {})
    figures = [_figure(data, key) for key in ("paper_fig2", "paper_fig3", "paper_fig4") if key in data.figures]
    fig3 = {e.get("panel"): int(e.get("cases") or 0) for e in paper.get("erratum", []) if e.get("panel") in ("3A", "3B")}
    fig3_text = (f"Figs. 3A/3B use truths on the paper's nested ensemble of N = 10 ({fig3.get('3A', 0)} and "
                 f"{fig3.get('3B', 0)} resolved truths; `panel_cases`). " if any(fig3.values()) else
                 "Figs. 3A/3B need truths on the paper's nested ensemble of N = 10, which this tier does not "
                 "compute (not testable). ")
    return "\n".join([
        "## The paper redrawn, panel by panel\n",
        "Each panel of Figs. 2-4 in three layers: FW as the paper computed it (the authors' keep-rule), the true "
        "information with its 95% interval, and the recommended approximation "
        f"(`{paper.get('approximation', '')}`). Figs. 2A/2B use exact values on the paper's grids thinned to "
        f"{grid.get('sigmas', '?')} values of sigma, {grid.get('rhos', '?')} of rho and "
        f"{grid.get('n_patterns', '?')} values of N (the paper: 100, 100 and 31); the ensemble panels use the "
        "report's set-2/3 draws; "
        + fig3_text +
        "Verdict rules: docs/theory.md §13.1; `tables/paper_erratum.csv`, `summary.json[\"paper\"]`.\n",
        "\n".join("#" + line if line.startswith("## ") else line for line in paper.get("markdown", "").split("\n")),
        "", *figures,
    ])


def section_census(data: ReportData) -> str:
    """Validity of the FW value over the paper's simulation sets, and what the authors' filter keeps."""
    rows = [{"set": name, "cases": c["n_cases"], "valid": f"{100 * c['valid']:.1f}%",
             "negative": f"{100 * c['negative']:.1f}%", "indefinite": f"{100 * c['indefinite']:.1f}%",
             "singular": f"{100 * c['singular']:.1f}%", "authors' filter keeps": f"{100 * c['authors_kept']:.1f}%",
             "kept but not valid": f"{100 * c['authors_kept_invalid']:.1f}%"} for name, c in data.census.items()]
    return "\n".join([
        "## Validity census of the paper's simulation sets\n",
        *_about_fw_as_published(data),
        _table(pd.DataFrame(rows)) + "\n",
        "*indefinite*: `Sigma_w` or `Sigma_w^(-l)` has a negative eigenvalue, so no log-normal has the matched "
        "moments and I_FW has no meaning; *singular*: a determinant is zero to rounding; *negative*: both matrices "
        "positive definite but I_FW < 0, impossible for true information. The authors' procedure keeps every case "
        "whose determinant ratio is positive and whose value is finite and positive — including cases where both "
        "matrices are indefinite (last column).\n",
        _figure(data, "census"),
    ])


def section_laws(data: ReportData) -> str:
    """How often the approximation breaks a law of true information (docs/theory.md §12); empty without data."""
    if data.law_rates is None or not len(data.law_rates):
        return ""
    label = data.approximation_label
    cols = [c for c in ("set", "law", "checked", "violated", "undefined", "rate", "ci_low", "ci_high")
            if c in data.law_rates.columns]
    rates = data.law_rates[cols].copy()
    for c in ("rate", "ci_low", "ci_high"):
        if c in rates:
            rates[c] = rates[c].map(lambda v: format_number(v, 3))
    lines = [f"### Laws of true information that {label} may break\n",
             f"Over random cases of each set (`tables/law_violations.csv`), how often {label} breaks a law that the "
             "true information obeys (rate among cases where both values are defined, 95% CI):\n",
             _table(rates) + "\n"]
    if data.counterexamples:
        lines.append("Minimal counterexamples (first violation on a seeded grid of small cases, shrunk until no "
                     "single move keeps it; `validation/engine/counterexamples.py`):\n")
        lines += [f"- `{law}`: {text}" for law, text in data.counterexamples.items()]
        lines.append("")
    return "\n".join(lines)


def section_regressions(data: ReportData) -> str:
    """The paper's regressions of ``ln I_FW`` and its Fig. 4, regenerated on many more cases."""
    rows = [{"figure": key, "set": r["set"], "regressor": r["regressor"], "slope (valid only)": format_number(r["slope"]),
             "95% CI": format_interval(r["ci"]), "cases": r["n_used"],
             "slope (authors' filter)": format_number(r["slope_authors_filter"]),
             "95% CI ": format_interval(r["ci_authors_filter"]), "cases ": r["n_used_authors_filter"],
             "paper": f"{r['paper_slope']} {format_interval(r['paper_ci'])}",
             "paper's slope in our CI": "yes" if r["paper_in_ci"] else "no"} for key, r in data.regressions.items()]
    s, sl = data.fig4["slope_vs_n"], data.fig4["slope_vs_ln_n"]
    trend = ("a significant rise: the paper's synergy is reproduced on these draws" if s.ci_low > 0 else
             "a significant fall: the paper's synergy is contradicted on these draws" if s.ci_high < 0 else
             "no significant trend: the paper's synergy (I/n rising with n) is not reproduced on these draws")
    return "\n".join([
        "## The paper's regressions, regenerated\n",
        *_about_fw_as_published(data),
        f"{data.config.set_cases:,} random cases per set; OLS slope with a "
        "paired-bootstrap 95% CI. 'valid only' uses cases with both FW matrices positive definite and I_FW > 0; "
        "'authors' filter' reproduces the published procedure.\n",
        _table(pd.DataFrame(rows)) + "\n",
        _figure(data, "regressions"),
        f"Fig. 4 (synergy): slope of ln(I_FW / n) on n = {format_number(s.slope)} {format_interval(s.ci)}, on ln n = "
        f"{format_number(sl.slope)} {format_interval(sl.ci)} ({s.n_used} valid set-3 cases): {trend}.\n",
        _figure(data, "per_connection"),
    ])


def section_conclusions(data: ReportData) -> str:
    """The paper's N- and n-slopes with the Monte Carlo truth in place of the approximation (claim 5)."""
    label = data.approximation_label
    rows: list[dict[str, Any]] = []
    for key in SLOPE_CLAIMS:
        c = data.claims[key]
        if not c.details:
            rows.append({"slope": key, "verdict": c.verdict})
            continue
        t, f = c.details["truth_fit"], c.details["fw_fit"]
        rows.append({"slope": f"ln I on {c.details['regressor']}", "cases": c.n_used,
                     "truth slope": f"{format_number(t['slope'])} {format_interval((t['ci_low'], t['ci_high']))}",
                     f"{label} slope": f"{format_number(f['slope'])} {format_interval((f['ci_low'], f['ci_high']))}",
                     "difference": f"{format_number(c.estimate)} {format_interval(c.ci)}", "verdict": c.verdict})
    return "\n".join([
        "## Do the conclusions survive?\n",
        "The N- and n-slopes recomputed with the resolved truth in place of "
        f"{label}, on the random set-2 and set-3 draws at every n from 1 to 20, beside the slopes of "
        f"{label} on the same cases:\n",
        _table(pd.DataFrame(rows)) + "\n",
        _figure(data, "conclusions"),
    ])


def section_provenance(data: ReportData) -> str:
    """Wall times, versions, seeds and the sample sizes the tier buys."""
    cfg, est, prov, results = data.config, data.config.estimation, data.provenance, data.results
    versions = prov.get("versions", {})
    return "\n".join([
        "## Provenance\n",
        "Wall time per step: " + ", ".join(f"{k.split(':')[0]} {v:.0f} s" for k, v in data.timings.items())
        + f" ({data.truth.table.get('reused', 0)} of {data.truth.table.get('cases', 0)} truths reused from the "
        f"committed truth table, {prov.get('cases_from_cache', 0)} from the local cache of an earlier run).\n",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + f"; Python {prov.get('python')}.\n",
        f"Approximation under test: `{data.approximation}` (`{data.approximation_name}`).\n",
        f"Seeds: root seed {cfg.seed} (every case's seed derives from it and the case content, "
        "see `validation/engine/comparison.py`); configuration and full environment in `provenance.json`; numbers in "
        "`summary.json`; tables in `tables/`.\n",
        f"Sample sizes this tier buys: ladder {' / '.join(f'{m:,}' for m in est.ladder)} draws × "
        f"{est.replicates} replicates per rung (up to {est.max_samples_tree:,} for n < 7); "
        f"{cfg.set_cases:,} analytic cases per set; {len(results)} comparisons. "
        f"Median truth standard error: {format_number(np.nanmedian(results['truth_stderr'].astype(float)), 2)} nats; "
        f"median tolerance: {format_number(np.nanmedian(results['tolerance'].astype(float)), 2)} nats.\n",
    ])


#: The sections of ``report.md``, in order; ``##`` headings are numbered in this order.
SECTIONS: list[Callable[[ReportData], str]] = [
    section_title,
    section_verdicts,
    section_agreement,
    section_truth,
    section_full_range,
    section_leaderboard,
    section_verdict_shift,
    section_error_surface,
    section_calibration,
    section_census,
    section_laws,
    section_regressions,
    section_conclusions,
    section_paper,
    section_provenance,
]


def _number_headings(text: str, first: int) -> tuple[str, int]:
    """Number the ``## `` headings of ``text`` from ``first``; returns the text and the next number."""
    lines = text.split("\n")
    for t, line in enumerate(lines):
        if line.startswith("## "):
            lines[t] = f"## {first}. {line[3:]}"
            first += 1
    return "\n".join(lines), first


def write_report(out: str | Path, data: ReportData) -> Path:
    """Write ``out/report.md`` from :data:`SECTIONS`.

    Parameters
    ----------
    out : path
        The report folder (its ``figures/`` are referred to by relative path).
    data : ReportData
        The report's measurements, figures included.

    Returns
    -------
    pathlib.Path
        The path of ``report.md``.
    """
    parts, number = [], 1
    for section in SECTIONS:
        text = section(data)
        if text:
            text, number = _number_headings(text, number)
            parts.append(text)
    path = Path(out) / "report.md"
    path.write_text("\n".join(parts))
    return path
