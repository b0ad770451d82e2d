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

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..engine.claims import SLOPE_CLAIMS
from ..engine.formatting import format_interval, format_number, format_p_value
from .data import ReportData

__all__ = ["SECTIONS", "write_report", "section_title", "section_verdicts", "section_agreement",
           "section_error_surface", "section_calibration", "section_census", "section_laws",
           "section_regressions", "section_conclusions", "section_provenance"]


# --------------------------------------------------------------------------- helpers


def _table(df: pd.DataFrame) -> str:
    """A markdown table of ``df`` (cells as they are)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(str(row[c]) for c in cols) + " |")
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


def _agreements_kept_by_convergence_bound(results: pd.DataFrame) -> tuple[int, int]:
    """``(k, m)``: of ``m`` comparisons judged *agree*, ``k`` would disagree without the convergence bias bound.

    The bound is the change of the estimate between ``M / 4`` and ``M`` draws
    (``bias_conv``); without it the tolerance's bias term is the Gaussian-calibrated
    ``|bias|`` alone (:func:`validation.engine.comparison.judge`).
    """
    df = results[np.isfinite(results["err"].astype(float)) & (results["verdict"] == "agree")]
    bias = df["bias"].astype(float).abs()
    conv = df["bias_conv"].astype(float).abs().fillna(0.0)
    without = df["tolerance"].astype(float) - np.maximum(bias, conv) + bias
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
        f"{subject} against the real thing: exact Monte Carlo of the weight matrices and calibrated k-nearest-neighbour "
        "estimators of the true information (equations: `docs/theory.md`). "
        f"Tier: **{cfg.name}**; generated by `{command}`.\n",
    ])


def _rule_revisions(data: ReportData) -> str:
    """The decision rules revised after a first look at the data, each with what the earlier rule gives here."""
    claims = data.claims
    slope_only = [f"claim {c.title.split('.')[0]} *{c.details['slope_only_verdict']}*"
                  for c in (claims.get("N"), claims.get("mu_range")) if c and "slope_only_verdict" in c.details]
    rho = claims.get("rho")
    pooled = rho.details.get("fit_across_draws") if rho else None
    kept, agreeing = _agreements_kept_by_convergence_bound(data.results)
    homogeneity = ("The homogeneity test of the independence claims (the error can rise and fall with N, which a "
                   "linear slope cannot see)")
    if slope_only:
        homogeneity += f"; by the slope alone this run gives {' and '.join(slope_only)}"
    within = ("Slopes fitted within draws, with one fixed effect per draw of the means, because the grid points of "
              "a draw share those means")
    if pooled:
        within += (f"; pooled across draws, claim 4's slope is {format_number(pooled['slope'])} "
                   f"{format_interval((pooled['ci_low'], pooled['ci_high']))} "
                   f"(*{rho.details['across_draws_verdict']}*)")
    convergence = ("The bias bound from the change of the estimate between M/4 and M draws, which widens the "
                   f"tolerances; without it {kept} of the {agreeing} comparisons that agree here would disagree")
    return "\n".join(["Rules revised after a first look at the data (quick tier), stated so the verdicts can be "
                      "weighed, each with what the earlier rule gives on this run:\n",
                      f"- {homogeneity}.", f"- {within}.", f"- {convergence}.\n"])


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
    agree, est, label = data.summary["agreement"], data.estimators, data.approximation_label
    return "\n".join([
        "## Verdict at a glance\n",
        _table(pd.DataFrame(rows)) + "\n",
        f"Over all {agree['cases']} Monte Carlo comparisons, {agree['agree']} agree with {label} within tolerance, "
        f"{agree['disagree']} disagree and {agree['undefined']} have no defined value of {label}. "
        f"The two truth estimators agree on {est['agree']}/{est['checked']} cross-checked cases.\n",
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
        f"Truth: mean of {est.replicates} independent replicates; for one connection the 1-D high-precision "
        f"entropy difference on {est.n_samples:,} draws per replicate, for larger ensembles the Kozachenko-Leonenko "
        f"entropy difference on common random numbers with {est.n_samples_multi:,} draws. "
        f"Tolerance = {est.z:g} × sqrt(s.e.² + s.e.(bias)²) + max(|Gaussian-calibrated bias|, |change of the "
        "estimate from M/4 to M draws|) (see *Estimator calibration* and `validation/engine/comparison.py`). "
        "Each row's full record (bias, cross-check, seeds) is in `tables/comparisons.csv`.\n",
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
    cal, est = data.calibration, data.estimators
    cal_tab = pd.DataFrame({
        "estimator": cal["method"], "n per side": cal["dim"], "M": cal["n_samples"].map("{:,}".format),
        "true (nats)": cal["true_value"].map(format_number),
        "bias": cal["bias"].map(lambda v: format_number(v, 2)),
        "s.e.(bias)": cal["bias_stderr"].map(lambda v: format_number(v, 2)),
        "spread": cal["spread"].map(lambda v: format_number(v, 2)), "replicates": cal["replicates"]})
    worst = est.get("worst")
    worst_text = (f" Worst case: {worst['sweep']} (primary {format_number(worst['truth'], 4)}, cross-check "
                  f"{format_number(worst['cross'], 4)}, difference {format_number(worst['diff'], 2)} against "
                  f"tolerance {format_number(worst['tolerance'], 2)})." if worst else "")
    return "\n".join([
        "## Estimator calibration\n",
        "Each estimator run on jointly Gaussian data whose answer is known exactly, at the dimensions and sample "
        "sizes of the sweeps: KSG on `(X, Y)` with `I = ½ ln(det C_X det C_Y / det C)` = 0.5 nats; the entropy "
        "difference on `h(X) − h(Y)` (0 here: X and Y have equal covariances). "
        "Inside the comparisons every case is additionally calibrated on its own Gaussian surrogate (same "
        "dimensions, sample size and log-scale covariance), and that per-case bias enters its tolerance.\n",
        _table(cal_tab) + "\n",
        _figure(data, "calibration"),
        f"Estimator cross-check on the sweeps: {est['agree']} of {est['checked']} cases agree within "
        f"their combined uncertainty.{worst_text}\n",
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
    rows = []
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
        "The N- and n-slopes recomputed with the Monte Carlo truth in place of "
        f"{label}, on random set-2 and set-3 cases with n ≤ 4 (small enough to estimate), beside the slopes of "
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
        + f" ({prov.get('cases_from_cache', 0)} of {prov.get('cases_total', 0)} Monte Carlo truths "
        "loaded from the cache of an earlier run of the same code and settings).\n",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + f"; Python {prov.get('python')}.\n",
        f"Approximation under test: `{data.approximation}` (`{data.approximation_name}`).\n",
        f"Seeds: root seed {cfg.seed} (every case's seed derives from it and the case content, "
        "see `validation/engine/comparison.py`); configuration and full environment in `provenance.json`; numbers in "
        "`summary.json`; tables in `tables/`.\n",
        f"Sample sizes this tier buys: {est.replicates} replicates × {est.n_samples:,} draws (one connection), "
        f"× {est.n_samples_multi:,} draws (ensembles), KSG cross-check on {est.cross_n_samples:,} draws "
        f"(one connection) and {est.cross_n_samples_multi:,} draws (ensembles of up to {est.cross_max_n}); "
        f"{cfg.set_cases:,} analytic cases per set; {len(results)} Monte Carlo comparisons. "
        f"Median truth standard error: {format_number(np.nanmedian(results['truth_stderr'].astype(float)), 2)} nats; "
        f"median tolerance: {format_number(np.nanmedian(results['tolerance'].astype(float)), 2)} nats.\n",
    ])


#: The sections of ``report.md``, in order; ``##`` headings are numbered in this order.
SECTIONS: list[Callable[[ReportData], str]] = [
    section_title,
    section_verdicts,
    section_agreement,
    section_error_surface,
    section_calibration,
    section_census,
    section_laws,
    section_regressions,
    section_conclusions,
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
