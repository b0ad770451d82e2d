"""The paper redrawn with the truth, and its erratum (docs/theory.md §§6, 13.1; paper Figs. 2-4).

:func:`paper_step` is the report's step: it computes every panel
(:func:`validation.engine.paper_panels.compute_panels`), draws one figure per
paper figure (``paper_fig2.png``, ``paper_fig3.png``, ``paper_fig4.png``), and
returns the erratum (one entry per panel ``2A`` … ``4C`` and per derived claim,
``capacity`` and ``synergy``) and a markdown section for ``report.md``.

Each panel has three layers: FW as the paper computed it (the authors'
keep-rule: a case is kept when the determinant ratio is positive and the
result finite and positive; the rule is written on the panel), the true
information with its 95 % CI, and the best approximation.  The paper's
published value is drawn where it has one.  Each panel says how many cases
carry it; unresolved truths are left out and counted, infinite truths and
truths at or below zero (``ln I`` undefined) are counted apart.

The verdicts (``holds``, ``holds in direction only``, ``refuted``, ``not
testable``) follow the rules of :mod:`validation.engine.paper_panels`
(docs/theory.md §13.1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ...analytic.inputs import Case  # noqa: E402
from ..engine.paper_panels import (  # noqa: E402
    DERIVED_IDS,
    PANEL_IDS,
    PAPER_CLAIMS,
    PAPER_N1_GRID,
    VERDICTS,
    N1Grid,
    compute_panels,
)

__all__ = ["paper_step", "erratum", "erratum_markdown", "ERRATUM_KEYS", "FIGURES"]

sns.set_theme(style="whitegrid", context="paper", font_scale=1.0)
DPI = 110
KEEP_RULE = "FW: authors' rule\n(kept if det ratio > 0 and I finite > 0)"
ERRATUM_KEYS = ("panel", "paper", "fw", "truth", "best_approximation", "verdict", "reason", "cases")
FIGURES = ("paper_fig2.png", "paper_fig3.png", "paper_fig4.png")
_C = {"fw": "#d62728", "truth": "#1f4e99", "approx": "#2ca02c", "paper": "0.35"}


# --------------------------------------------------------------------------- erratum


def _fmt_est(d: Any) -> str:
    if not isinstance(d, dict):
        return "—"
    if "value" in d and "ci" in d:
        v, ci = d["value"], d["ci"]
        if v is None:
            return f"none ({d.get('cases', 0)} cases)"
        ci_s = f" [{ci[0]:.3g}, {ci[1]:.3g}]" if ci and ci[0] is not None else ""
        return f"{v:.3g}{ci_s} ({d.get('cases', '?')} cases)"
    return "—"


def _fmt_steps(d: dict, first: str, second: str) -> str:
    a, b = d.get(first) or {}, d.get(second) or {}
    return (f"{first.replace('along_', 'along ')}: {a.get('agree', 0)}/{a.get('steps', 0)} steps agree, "
            f"{a.get('contradict', 0)} contradict; {second.replace('along_', 'along ')}: {b.get('agree', 0)}/"
            f"{b.get('steps', 0)} agree, {b.get('contradict', 0)} contradict")


def _summaries(pid: str, p: dict) -> tuple[str, str, str]:
    """One-line FW, truth and best-approximation summaries of a panel."""
    truth: dict[str, Any] = p.get("truth") or {}
    fw: dict[str, Any] = p.get("fw") or {}
    ap: dict[str, Any] = p.get("best_approximation") or {}
    if pid in ("2A", "2B"):
        t = _fmt_steps(truth, "along_axis", "along_N") + f"; exact (error bound <= {truth['max_error_bound']:.1g})"
        f = _fmt_steps(fw, "along_axis", "along_N") + (f"; {fw['kept']} kept, {fw['dropped_by_authors_rule']} dropped; "
                                                        f"median rel. error {fw['median_rel_err']:.2g}"
                                                        if fw.get("median_rel_err") is not None else "")
        a = _fmt_steps(ap, "along_axis", "along_N")
        return f, t, a
    if pid in ("3A", "3B"):
        f = _fmt_steps(fw, "along_axis", "along_n") if fw.get("along_axis") else "—"
        t = _fmt_steps(truth, "along_axis", "along_n") if truth else "no truths"
        a = _fmt_steps(ap, "along_axis", "along_n") if ap else "—"
        return f, t, a
    if pid == "4A":
        t = "; ".join(f"{k}: {_fmt_est(v)} p = {v.get('p_value', float('nan')):.2g}" for k, v in truth.items())
        f = "; ".join(f"{k}: {_fmt_est(v)}" for k, v in (fw.get("paper_protocol") or {}).items()) or "—"
        return f, t, "—"
    if pid == "4B":
        t = "; ".join(f"{k}: {_fmt_est(v)}" for k, v in truth.items())
        f = "; ".join(f"{k}: {_fmt_est(v)}" for k, v in fw.items()) or "—"
        a = "; ".join(f"{k}: {_fmt_est(v)}" for k, v in (ap or {}).items()) or "—"
        return f, t, a
    if pid == "synergy":
        extra = truth.get("significant_positive"), truth.get("significant_negative")
        t = _fmt_est(truth) + (f"; significantly > 0 in {extra[0]}, < 0 in {extra[1]} cases" if extra[0] is not None
                               else "")
        a = f"{ap['value']:.3g} mean ({ap['cases']} cases)" if ap and ap.get("value") is not None else "—"
        return fw.get("note", "—"), t, a
    f = _fmt_est(fw.get("paper_protocol")) + (" (paper's protocol)" if fw.get("paper_protocol") else "")
    if fw.get("same_cases") and fw["same_cases"].get("value") is not None:
        f += f"; same cases as the truth: {_fmt_est(fw['same_cases'])}"
    return f, _fmt_est(truth), _fmt_est(ap)


def erratum(panels: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per panel id ``2A`` … ``4C`` and per derived claim (``capacity``, ``synergy``).

    Keys :data:`ERRATUM_KEYS`: ``paper`` (the statement and published number),
    ``fw`` (synmi's FW recomputation), ``truth`` (with its 95 % CI),
    ``best_approximation``, ``verdict`` (one of :data:`VERDICTS`), ``reason`` and
    ``cases`` (how many truths carry the verdict); each entry also keeps the
    panel's full ``details``.
    """
    out = []
    for pid in PANEL_IDS + DERIVED_IDS:
        p = panels.get(pid)
        if p is None:
            out.append({"panel": pid, "paper": PAPER_CLAIMS[pid]["statement"], "fw": "—", "truth": "—",
                        "best_approximation": "—", "verdict": "not testable", "reason": "panel not computed",
                        "cases": 0, "details": {}})
            continue
        if p["verdict"] not in VERDICTS:
            raise ValueError(f"panel {pid}: verdict {p['verdict']!r} is not one of {VERDICTS}")
        fw, truth, ap = _summaries(pid, p)
        counts = p.get("counts")
        reason = p["reason"]
        if counts:
            left = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "resolved" and v)
            if left:
                reason += f" (left out: {left})"
        out.append({"panel": pid, "paper": PAPER_CLAIMS[pid]["statement"], "fw": fw, "truth": truth,
                    "best_approximation": ap, "verdict": p["verdict"], "reason": reason, "cases": int(p["cases"]),
                    "details": {k: v for k, v in p.items() if k != "plot"}})
    return out


def erratum_markdown(entries: Sequence[dict[str, Any]], approximation: str) -> str:
    """The erratum as a markdown section: the table, then the reasons."""
    esc = (lambda s: str(s).replace("|", "\\|"))
    lines = ["## The paper redrawn with the truth: erratum", "",
             "Each row: the paper's statement, FW recomputed by synmi (the authors' keep-rule), the true information "
             f"(95% CI), the best approximation (`{approximation}`), the verdict and the number of truths it rests "
             "on. Rules: docs/theory.md §13.1. Figures: `paper_fig2.png`, `paper_fig3.png`, `paper_fig4.png`.", "",
             "| panel | paper | FW (synmi) | truth | best approximation | verdict | cases |",
             "|---|---|---|---|---|---|---|"]
    for e in entries:
        lines.append(f"| {e['panel']} | {esc(e['paper'])} | {esc(e['fw'])} | {esc(e['truth'])} | "
                     f"{esc(e['best_approximation'])} | **{e['verdict']}** | {e['cases']} |")
    lines += ["", "Reasons:", ""]
    lines += [f"* **{e['panel']}** ({e['verdict']}): {e['reason']}" for e in entries]
    lines += ["", "Notes: the 2A/2B curves share one draw of the means, nested in N (the first N of 32 patterns); "
              "the 3A/3B truths use the paper's nested ensemble of 16 connections at N = 10. Slope CIs of the "
              "truth are case bootstraps with each truth perturbed by its own standard error; FW's are OLS t "
              "intervals, as the paper's.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- figures


def _note(ax, text: str) -> None:
    ax.text(0.01, 0.01, text, transform=ax.transAxes, fontsize=5.5, va="bottom", ha="left", color="0.25",
            bbox={"facecolor": "white", "alpha": 0.7, "lw": 0})


def _ln(v: Any) -> np.ndarray:
    v = np.asarray(v, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.log(v), np.nan)


def _draw_n1(ax, tab: pd.DataFrame, axis: str, panel: dict, pid: str) -> None:
    n_all = sorted(tab["n_patterns"].unique())
    show = [n for n in n_all if n in (2, 4, 8, 16, 32)] or n_all[:: max(1, len(n_all) // 5)]
    cmap = plt.get_cmap("viridis_r", len(show) + 1)
    for j, n in enumerate(show):
        g = tab[tab["n_patterns"] == n].sort_values("axis_value")
        x = g["axis_value"].to_numpy(float)
        ax.plot(x, _ln(g["truth"]), color=cmap(j), lw=1.4, label=f"N={n}")
        ax.plot(x, _ln(g["fw_authors"]), color=cmap(j), lw=0.9, ls="--")
        ax.plot(x, _ln(g["approx"]), color=cmap(j), lw=0.9, ls=":")
    ax.set_xlabel("σ (ρ = 0)" if axis == "sigma" else "ρ (σ = 1)")
    ax.set_ylabel("ln I(w_23; x_1)  (nats)")
    ax.set_title(f"{pid}: {panel['verdict']}", fontsize=9)
    ax.legend(fontsize=6, loc="lower right", title="solid truth (exact), -- FW, : approx.", title_fontsize=6)
    _note(ax, f"{len(tab)} cases, exact n = 1; {len(show)} of {len(n_all)} N curves drawn\n{KEEP_RULE}")


def _draw_slope(ax, tf: pd.DataFrame, fw_tab: pd.DataFrame | None, panel: dict, pid: str, sweep: str,
                regressor: str, published: dict | None, per_n: bool = False) -> None:
    sub = tf[(tf["sweep"] == sweep) & (tf["status"] == "resolved")]
    col, fcol = ("n_patterns", "n_patterns") if regressor == "ln N" else ("n", "n_connections")
    shift = np.log(sub["n"].to_numpy(float)) if per_n else 0.0
    x = np.log(sub[col].to_numpy(float))
    y = np.log(sub["truth"].to_numpy(float)) - shift
    hi = np.log(sub["ci_high"].to_numpy(float)) - shift
    floor = (np.nanmin(y) - 1.0) if y.size else 0.0  # a CI reaching 0 nats: its lower bar stops below the data
    lo = np.maximum(_ln(sub["ci_low"]) - shift, floor)
    lo = np.where(np.isfinite(lo), lo, floor)
    if fw_tab is not None:
        kept = fw_tab[fw_tab["authors_kept"].astype(bool)]
        xf = np.log(kept[fcol].to_numpy(float))
        yf = np.log(kept["authors_value"].to_numpy(float)) - (np.log(kept["n_connections"].to_numpy(float))
                                                              if per_n else 0.0)
        ax.scatter(xf, yf, s=3, color=_C["fw"], alpha=0.25, label=f"FW, paper's protocol ({len(kept)} kept)")
    jitter = 0.0 if regressor == "ln N" else 0.02
    ax.errorbar(x + jitter, y, yerr=np.abs(np.vstack([y - lo, hi - y])), fmt="o", ms=2.5, lw=0.6,
                color=_C["truth"], label=f"truth, 95% CI ({len(sub)} resolved)")
    ax.scatter(x - jitter, np.log(sub["approx"].clip(lower=1e-300).to_numpy(float)) - shift, s=6, marker="x",
               color=_C["approx"], label="best approximation", zorder=3)
    t = panel.get("truth") or {}
    if t.get("value") is not None and len(x) >= 2:
        xs = np.linspace(x.min(), x.max(), 20)
        ax.plot(xs, y.mean() + t["value"] * (xs - x.mean()), color=_C["truth"], lw=1.2,
                label=f"truth slope {t['value']:.2f} [{t['ci'][0]:.2f}, {t['ci'][1]:.2f}]")
    if published is not None and len(x) >= 2:
        xs = np.linspace(x.min(), x.max(), 20)
        ax.plot(xs, y.mean() + published["slope"] * (xs - x.mean()), color=_C["paper"], lw=1.2, ls="-.",
                label=f"paper: slope {published['slope']:g} {published['ci']}")
    ax.set_xlabel(regressor)
    ax.set_ylabel("ln(I / n)" if per_n else "ln I  (nats)")
    ax.set_title(f"{pid}: {panel['verdict']}", fontsize=9)
    ax.legend(fontsize=6, loc="best")
    c = panel.get("counts", {})
    _note(ax, f"{len(sub)} resolved truths; left out {c.get('unresolved', 0)} unresolved,\n{c.get('infinite', 0)} "
              f"infinite, {c.get('nonpositive', 0)} ≤ 0 (counted apart); {KEEP_RULE}")


def _draw_3ab(ax, tf: pd.DataFrame, dense: pd.DataFrame | None, panel: dict, pid: str, axis: str) -> None:
    if dense is not None and len(dense):
        ns = sorted(dense["n"].unique())
        cmap = plt.get_cmap("viridis_r", len(ns) + 1)
        for j, n in enumerate(ns):
            g = dense[dense["n"] == n].sort_values("axis_value")
            ax.plot(g["axis_value"], _ln(g["fw_authors"]), color=cmap(j), lw=0.6, ls="--", alpha=0.8)
    sub = tf[(tf["sweep"] == f"paper_{pid}") & (tf["status"] == "resolved")]
    if len(sub):
        ns = sorted(sub["n"].unique())
        cm2 = plt.get_cmap("plasma_r", len(ns) + 1)
        for j, n in enumerate(ns):
            g = sub[sub["n"] == n].sort_values("axis_value")
            y, lo, hi = _ln(g["truth"]), _ln(g["ci_low"]), _ln(g["ci_high"])
            ax.errorbar(g["axis_value"], y, yerr=np.abs(np.vstack([y - lo, hi - y])), fmt="o-", ms=3, lw=1,
                        color=cm2(j), label=f"truth n={n}")
            ax.plot(g["axis_value"], _ln(g["approx"]), "x", color=cm2(j), ms=4, zorder=3)
        ax.legend(fontsize=6, loc="lower right", title="-- FW (n = 1…16), x approx.", title_fontsize=6)
    else:
        ax.text(0.5, 0.5, "not testable:\nno truths for panel_cases()", transform=ax.transAxes, ha="center",
                fontsize=9, color="0.3")
    ax.set_xlabel("σ (ρ = 0)" if axis == "sigma" else "ρ (σ = 1)")
    ax.set_ylabel("ln I(w_S; x_1)  (nats)")
    ax.set_title(f"{pid}: {panel['verdict']}", fontsize=9)
    c = panel.get("counts", {})
    _note(ax, f"N = 10; {len(sub)} resolved truths ({c.get('unresolved', 0)} unresolved left out)\n"
              f"FW on {0 if dense is None else len(dense)} grid cases; {KEEP_RULE}")


def _draw_4a(ax, tf: pd.DataFrame, fw3: pd.DataFrame | None, panel: dict) -> None:
    s3 = tf[(tf["sweep"] == "draws_set3") & (tf["status"] == "resolved")]
    groups = panel.get("groups", [1, 4, 20])
    colors = sns.color_palette("deep", len(groups))
    for g, c in zip(groups, colors):
        if fw3 is not None:
            kept = fw3[fw3["authors_kept"].astype(bool) & (fw3["n_connections"] == g)]
            if len(kept):
                ax.hist(np.log(kept["authors_value"] / g), bins=15, density=True, histtype="step", color=c, ls="--",
                        lw=1)
        y = np.log(s3.loc[s3["n"] == g, "truth"].to_numpy(float) / g)
        if y.size:
            ax.hist(y, bins=8, density=True, alpha=0.35, color=c, label=f"truth n={g} ({y.size})")
            ax.axvline(y.mean(), color=c, lw=1.2)
    ax.set_xlabel("ln(I / n)")
    ax.set_ylabel("density")
    ax.set_title(f"4A: {panel['verdict']}", fontsize=9)
    ax.legend(fontsize=6, title="filled: truth; dashed: FW (paper's protocol)", title_fontsize=6)
    _note(ax, f"set 3; {panel['cases']} resolved truths; {KEEP_RULE}")


def _draw_4b(ax, tf: pd.DataFrame, fw3: pd.DataFrame | None, panel: dict) -> None:
    s3 = tf[(tf["sweep"] == "draws_set3") & (tf["status"] == "resolved")]
    y = np.log(s3["truth"].to_numpy(float) / s3["n"].to_numpy(float))
    df = pd.DataFrame({"n": s3["n"].to_numpy(int), "y": y})
    for stat, mk in (("mean", "o"), ("median", "s")):
        g = df.groupby("n")["y"].agg(stat)
        ax.plot(g.index, g.values, mk + "-", ms=3, lw=1, color=_C["truth"] if stat == "mean" else "#17becf",
                label=f"truth {stat}")
        if fw3 is not None:
            kept = fw3[fw3["authors_kept"].astype(bool)]
            gf = pd.Series(np.log(kept["authors_value"] / kept["n_connections"]).to_numpy(float),
                           index=kept["n_connections"].to_numpy(int)).groupby(level=0).agg(stat)
            ax.plot(gf.index, gf.values, mk + "--", ms=2, lw=0.8, color=_C["fw"], alpha=0.8, label=f"FW {stat}")
        if "approx" in s3:
            ya = np.log(s3["approx"].clip(lower=1e-300).to_numpy(float) / s3["n"].to_numpy(float))
            ga = pd.Series(ya, index=s3["n"].to_numpy(int)).groupby(level=0).agg(stat)
            ax.plot(ga.index, ga.values, mk + ":", ms=2, lw=0.8, color=_C["approx"], label=f"approx. {stat}")
    ax.set_xlabel("n")
    ax.set_ylabel("ln(I / n)")
    ax.set_title(f"4B: {panel['verdict']}", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    _note(ax, f"set 3; {panel['cases']} resolved truths; {KEEP_RULE}")


def _figures(result: dict[str, Any], out_dir: Path) -> list[str]:
    P, T = result["panels"], result["tables"]
    tf, fw_sets = T["truth"], T.get("fw_sets") or {}
    out_dir.mkdir(parents=True, exist_ok=True)
    names = []
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    _draw_n1(axes[0, 0], T["2A"], "sigma", P["2A"], "2A")
    _draw_n1(axes[0, 1], T["2B"], "rho", P["2B"], "2B")
    _draw_slope(axes[1, 0], tf, fw_sets.get("set2"), P["2C"], "2C", "draws_set2", "ln N",
                PAPER_CLAIMS["2C"]["published"])
    _draw_slope(axes[1, 1], tf, fw_sets.get("set3"), P["2D"], "2D", "draws_set3", "ln N",
                PAPER_CLAIMS["2D"]["published"])
    names.append(_save(fig, out_dir, FIGURES[0]))
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    _draw_3ab(axes[0, 0], tf, T.get("3A_fw"), P["3A"], "3A", "sigma")
    _draw_3ab(axes[0, 1], tf, T.get("3B_fw"), P["3B"], "3B", "rho")
    _draw_slope(axes[1, 0], tf, fw_sets.get("set2"), P["3C"], "3C", "draws_set2", "ln n",
                PAPER_CLAIMS["3C"]["published"])
    _draw_slope(axes[1, 1], tf, fw_sets.get("set3"), P["3D"], "3D", "draws_set3", "ln n",
                PAPER_CLAIMS["3D"]["published"])
    names.append(_save(fig, out_dir, FIGURES[1]))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    _draw_4a(axes[0], tf, fw_sets.get("set3"), P["4A"])
    _draw_4b(axes[1], tf, fw_sets.get("set3"), P["4B"])
    _draw_slope(axes[2], tf, fw_sets.get("set3"), P["4C"], "4C", "draws_set3", "ln n",
                PAPER_CLAIMS["4C"]["published"], per_n=True)
    names.append(_save(fig, out_dir, FIGURES[2]))
    return names


def _save(fig, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=DPI)
    plt.close(fig)
    return name


# --------------------------------------------------------------------------- the step


def paper_step(truth_rows: Sequence[dict[str, Any]], cases: Sequence[Case], out_dir: str | Path,
               approximation: Callable[..., float] | None = None, n_jobs: int = 1, *,
               n1_grid: N1Grid = PAPER_N1_GRID, fw_cases: int = 1000, marginals: bool = True,
               n_boot: int = 2000, seed: int = 0) -> dict[str, Any]:
    """The report's step: every panel of the paper redrawn with the truth, and the erratum.

    Parameters
    ----------
    truth_rows : sequence of dict
        The report's truth rows (the set-2 and set-3 draws at ``n = 1 … 20`` and,
        when computed, the :func:`~validation.engine.paper_panels.panel_cases`
        rows of Figs. 3A/3B).
    cases : sequence of Case
        Their cases (matched by ``case_id``).
    out_dir : path
        Folder of the figures (``paper_fig2.png``, ``paper_fig3.png``, ``paper_fig4.png``).
    approximation : callable, optional
        The best approximation; default :func:`synmi.analytic.gaussian_copula_information`.
    n_jobs : int
        Parallel jobs for the exact ``n = 1`` values and the per-case evaluations.
    n1_grid, fw_cases, marginals, n_boot, seed
        As :func:`~validation.engine.paper_panels.compute_panels` (defaults: the paper's
        grids and case counts).

    Returns
    -------
    dict
        ``erratum`` (list of entries, :func:`erratum`; for ``summary.json["paper"]``),
        ``markdown`` (the report section), ``figures`` (file names) and
        ``approximation`` (its name).
    """
    result = compute_panels(truth_rows, cases, approximation, n1_grid=n1_grid, fw_cases=fw_cases,
                            marginals=marginals, n_jobs=n_jobs, n_boot=n_boot, seed=seed)
    entries = erratum(result["panels"])
    figures = _figures(result, Path(out_dir))
    return {"erratum": entries, "markdown": erratum_markdown(entries, result["approximation"]), "figures": figures,
            "approximation": result["approximation"]}
