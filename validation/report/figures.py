"""Figures of the report (seaborn/matplotlib, PNG).

Each function draws one figure and returns ``(filename, caption)``; the caption
is one line saying what the figure shows and what to conclude, and is written
under the figure in ``report.md``.  Axes carry units (nats); log axes where the
data span decades.  Figures of the Monte Carlo comparisons name the
approximation under test by ``label`` (``I_FW`` for the paper's formula); the
census, the paper's regressions and Fig. 4 are about FW as published.
:func:`make_all` draws them all from a :class:`~validation.report.data.ReportData`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..engine.claims import ClaimResult, rows_with_defined_error  # noqa: E402
from ..engine.paper import PAPER_SLOPES  # noqa: E402
from ..engine.truth_analysis import draw_rows  # noqa: E402
from .data import ReportData  # noqa: E402

__all__ = ["make_all"]

sns.set_theme(style="whitegrid", context="paper", font_scale=1.1)
DPI = 110
#: the leaderboard figure's axis is linear below this |relative error| and logarithmic above it
LINEAR_BELOW = 1e-3


def _save(fig, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=DPI)
    plt.close(fig)
    return name


def draw_paper_slope(ax: Any, key: str, xs: np.ndarray, x0: float, y0: float, color: str = "C3",
                     label: str | None = None) -> None:
    """The paper's published slope ``key`` of :data:`PAPER_SLOPES` (docs/theory.md §6) on ``ax``.

    A dashed line of that slope through ``(x0, y0)`` over ``xs``, with its 95 % CI
    as a shaded wedge about the same point (the paper gives slopes, not
    intercepts, so only the slope is comparable).
    """
    spec = PAPER_SLOPES[key]
    lo, hi = spec["ci"]
    xs = np.asarray(xs, float)
    ax.fill_between(xs, y0 + lo * (xs - x0), y0 + hi * (xs - x0), color=color, alpha=0.12, lw=0)
    ax.plot(xs, y0 + spec["slope"] * (xs - x0), color=color, lw=1.2, ls="--",
            label=label or f"paper {key[3:]} ({spec['set']}): {spec['slope']:.2f} [{lo:.2f}, {hi:.2f}]")


def fig_agreement(results: pd.DataFrame, out: Path, label: str = "I_FW") -> tuple[str, str]:
    df = rows_with_defined_error(results)
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    lo = max(1e-3, float(np.nanmin(np.r_[df["truth"], df["approx_value"]])) * 0.7)
    hi = float(np.nanmax(np.r_[df["truth"], df["approx_value"]])) * 1.4
    ax.plot([lo, hi], [lo, hi], color="0.3", lw=1, label=f"{label} = I_true")
    groups = df["sweep"].str.replace(r"_n\d+$", "", regex=True)
    palette = dict(zip(sorted(groups.unique()), sns.color_palette("tab10", groups.nunique())))
    for g, sub in df.groupby(groups):
        yerr = np.vstack([sub["truth"] - sub["truth_ci_low"], sub["truth_ci_high"] - sub["truth"]])
        ax.errorbar(sub["approx_value"], sub["truth"], yerr=np.abs(yerr), fmt="o", ms=3.5, lw=0.8,
                    color=palette[g], label=g, alpha=0.85)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(f"{label}, analytic (nats)")
    ax.set_ylabel("I_true, Monte Carlo (nats, 95% CI)")
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    frac = (df["verdict"] == "agree").mean()
    return (_save(fig, out, "agreement.png"),
            f"Analytic value {label} against the Monte Carlo truth for every defined case ({len(df)} cases); "
            f"{100 * frac:.0f}% agree within tolerance: points above the diagonal are cases where {label} "
            "under-states, below where it over-states the information.")


def fig_scale(results: pd.DataFrame, out: Path, claim: ClaimResult, label: str = "I_FW") -> tuple[str, str]:
    df = rows_with_defined_error(results[results["axis"] == "scale"])
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    labels = {"scale_n1": "n = 1", "scale_n3": "n = 3 chain", "scale_n3_rho": "n = 3 chain, ρ = 0.5"}
    colors = sns.color_palette("deep", df["sweep"].nunique())
    for color, (sweep, sub) in zip(colors, df.groupby("sweep")):
        name = labels.get(sweep, sweep)
        res = sub["resolved"].astype(bool)
        ax.scatter(sub.loc[res, "scale"], sub.loc[res, "abs_err"], color=color, s=22, label=f"{name}, resolved")
        ax.scatter(sub.loc[~res, "scale"], sub.loc[~res, "abs_err"].clip(lower=1e-6), facecolors="none",
                   edgecolors=color, s=22, label=f"{name}, within tolerance")
        tol = sub.groupby("scale")["tolerance"].median()
        ax.plot(tol.index, tol.values, color=color, ls=":", lw=1)
    fit = claim.details.get("fit", {})
    if fit and np.isfinite(fit.get("slope", np.nan)):
        xs = np.geomspace(df["scale"].min(), df["scale"].max(), 50)
        ax.plot(xs, np.exp(fit["intercept"]) * xs ** fit["slope"], color="k", lw=1.2,
                label=f"fit: b = {fit['slope']:.2f} [{fit['ci_low']:.2f}, {fit['ci_high']:.2f}]")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("log-variance scale λ_max(Σ): largest variance of ln x (log axis)")
    ax.set_ylabel(f"|{label} − I_true| (nats, log)")
    ax.legend(fontsize=7)
    return (_save(fig, out, "error_vs_scale.png"),
            f"Absolute error of {label} against the log-variance scale, per ensemble size (dotted: the tolerance each "
            f"error is judged against); verdict '{claim.verdict}': the error exponent is {claim.estimate:.2f} "
            f"(95% CI [{claim.ci[0]:.2f}, {claim.ci[1]:.2f}], {claim.n_used} resolved points).")


def fig_axes(results: pd.DataFrame, out: Path, claims: dict[str, ClaimResult], label: str = "I_FW") -> tuple[str, str]:
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.4))
    panels = [("n", "ensemble size n", "err", False), ("N", "number of patterns N (log)", "err", True),
              ("mu_range", "mean range r, mu ~ U(−r, r)", "err", False),
              ("rho", "correlation rho of ln x", "err", False)]
    for ax, (axis, xlabel, ycol, logx) in zip(axes.ravel(), panels):
        df = rows_with_defined_error(results[results["axis"] == axis])
        if df.empty:
            ax.set_visible(False)
            continue
        x = (df["n_connections"] if axis == "n" else df["axis_value"]).astype(float)
        draws = df["meta"].map(lambda m: json.loads(m).get("draw", 0) if isinstance(m, str) and m else 0)
        for r, color in zip(sorted(draws.unique()), sns.color_palette("deep")):
            sel = (draws == r).to_numpy()
            order = np.argsort(x[sel].to_numpy())
            ax.errorbar(x[sel].to_numpy()[order], df.loc[sel, "err"].to_numpy()[order],
                        yerr=df.loc[sel, "tolerance"].to_numpy()[order], fmt="-o", ms=4, lw=0.8, alpha=0.85,
                        color=color, label=f"draw {r}")
        ax.axhline(0, color="0.4", lw=0.8)
        if logx:
            ax.set_xscale("log")
            ax.set_xticks(sorted(x.unique()))
            ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
            ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.legend(fontsize=7)
        c = claims.get(axis)
        title = f"{axis}: {c.verdict}, {c.quantity.split(' (')[0]} = {c.estimate:.3g} [{c.ci[0]:.3g}, {c.ci[1]:.3g}]" \
            if c is not None else axis
        ax.set_title(title, fontsize=8.5)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"{label} − I_true (nats; bar: tolerance)")
    return (_save(fig, out, "error_vs_axes.png"),
            f"Signed error of {label} against the ensemble size, N, the mean range and the correlation, each with the "
            "other parameters held (one line per draw of the means; bars: the tolerance of each comparison); titles "
            "give the verdict and fitted trend with its 95% CI.")


def fig_calibration(calib: pd.DataFrame, out: Path) -> tuple[str, str]:
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for (method, m), sub in calib.groupby(["method", "n_samples"]):
        ax.errorbar(sub["dim"], sub["bias"], yerr=sub["spread"], marker="o" if method == "ksg" else "s",
                    ms=4, lw=1, capsize=2, label=f"{method}, M = {m:,}")
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("dimension per side n (log₂)")
    ax.set_ylabel("bias: estimate − truth (nats; bar: spread)")
    ax.legend(fontsize=7)
    worst = calib.loc[calib["bias"].abs().idxmax()]
    low = calib[calib["dim"] == calib["dim"].min()]
    return (_save(fig, out, "calibration.png"),
            f"Bias (mean estimate minus the exact Gaussian information) and spread of each truth estimator on "
            f"jointly Gaussian data, by dimension and sample size: at n = {int(low['dim'].iloc[0])} the largest |bias| is "
            f"{low['bias'].abs().max():.2g} nats, the largest overall {worst['bias']:+.2g} nats ({worst['method']}, "
            f"n = {int(worst['dim'])}, M = {int(worst['n_samples']):,}), which is why every case carries its own "
            f"calibrated bias bound.")


def fig_census(census: dict[str, dict], out: Path) -> tuple[str, str]:
    rows = []
    for name, c in census.items():
        for status in ("valid", "negative", "indefinite", "singular"):
            rows.append({"set": name, "status": status, "fraction": c[status]})
    df = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    bottom = np.zeros(len(census))
    colors = dict(zip(("valid", "negative", "indefinite", "singular"), sns.color_palette("Set2", 4)))
    names = list(census)
    for status in ("valid", "negative", "indefinite", "singular"):
        vals = df[df["status"] == status].set_index("set").loc[names, "fraction"].to_numpy()
        ax.bar(names, vals, bottom=bottom, color=colors[status], label=status)
        bottom += vals
    kept = [census[n]["authors_kept"] for n in names]
    ax.scatter(names, kept, color="k", marker="_", s=900, lw=2, label="authors' filter keeps", zorder=3)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("fraction of generated cases")
    ax.legend(fontsize=7, loc="lower left")
    return (_save(fig, out, "census.png"),
            "Validity of the FW value over random cases of the paper's three simulation sets; the black bar is the "
            "fraction the authors' filter keeps, which exceeds the valid fraction wherever it keeps values computed "
            "from indefinite matrices.")


def fig_regressions(set_tables: dict[str, pd.DataFrame], regressions: dict[str, Any], out: Path) -> tuple[str, str]:
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.4))
    for ax, key in zip(axes.ravel(), ("fig2C", "fig2D", "fig3C", "fig3D")):
        spec = PAPER_SLOPES[key]
        tb = set_tables[spec["set"]]
        valid = (tb["status"] == "valid") & (tb["value"] > 0)
        col = "n_patterns" if spec["regressor"] == "ln N" else "n_connections"
        x = np.log(tb.loc[valid, col].to_numpy(float))
        y = np.log(tb.loc[valid, "value"].to_numpy(float))
        rng = np.random.default_rng(0)
        ax.scatter(x + rng.uniform(-0.02, 0.02, x.size), y, s=2, alpha=0.25, color=sns.color_palette("deep")[0])
        r = regressions[key]
        xs = np.linspace(x.min(), x.max(), 20)
        b = np.mean(y) - r["slope"] * np.mean(x)
        ax.plot(xs, b + r["slope"] * xs, color="k", lw=1.5, label=f"synmi: {r['slope']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]")
        draw_paper_slope(ax, key, xs, float(np.mean(x)), float(np.mean(y)), "C3",
                         label=f"paper: {spec['slope']:.2f} [{spec['ci'][0]:.2f}, {spec['ci'][1]:.2f}]")
        ax.set_xlabel(spec["regressor"])
        ax.set_ylabel("ln I_FW (ln nats)")
        ax.set_title(f"{key} ({spec['set']}, {r['n_used']} valid cases)", fontsize=9)
        ax.legend(fontsize=7)
    inside = [k for k, r in regressions.items() if r["paper_in_ci"]]
    return (_save(fig, out, "paper_regressions.png"),
            f"The paper's regressions regenerated on valid cases (black) beside its reported slopes (red, dashed, "
            f"drawn through the same centroid; shaded: the paper's 95% CI): the paper's slope lies inside our 95% CI for "
            f"{len(inside)} of 4 ({', '.join(inside) if inside else 'none'}).")


def fig_per_connection(fig4: dict[str, Any], out: Path) -> tuple[str, str]:
    per_n = fig4["per_n"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.errorbar(per_n["n_connections"], per_n["mean"], yerr=1.96 * per_n["sem"], marker="o", ms=4, capsize=2,
                label="mean ± 95% CI")
    ax.plot(per_n["n_connections"], per_n["median"], marker="s", ms=4, label="median")
    ax.set_xlabel("ensemble size n")
    ax.set_ylabel("I_FW / n (nats per connection)")
    ax.legend(fontsize=8)
    s = fig4["slope_vs_n"]
    return (_save(fig, out, "per_connection.png"),
            f"Paper Fig. 4 regenerated (set 3, valid cases): per-connection information against ensemble size; "
            f"slope of ln(I/n) on n = {s.slope:.3g} (95% CI [{s.ci_low:.3g}, {s.ci_high:.3g}]).")


def fig_conclusions(results: pd.DataFrame, claims: dict[str, ClaimResult], out: Path,
                    label: str = "I_FW") -> tuple[str, str]:
    df = draw_rows(results)
    df = df[df["truth_resolved"].astype(bool) & np.isfinite(df["approx_value"].astype(float))
            & (df["approx_value"] > 0) & (df["truth"] > 0)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, (key, col, regressor) in zip(axes, (("slope_N", "n_patterns", "ln N"),
                                                ("slope_n", "n_connections", "ln n"))):
        if df.empty:
            ax.set_visible(False)
            continue
        x = np.log(df[col].to_numpy(float))
        jitter = np.random.default_rng(1).uniform(-0.03, 0.03, x.size)
        ax.scatter(x + jitter, np.log(df["truth"]), s=12, label="Monte Carlo truth", color="C0")
        ax.scatter(x - jitter, np.log(df["approx_value"]), s=12, marker="x", label=label, color="C3")
        xs = np.linspace(x.min(), x.max(), 10)
        y_mid = float(np.mean(np.log(df["truth"].to_numpy(float))))
        for paper_key, color in ((("fig2C", "C2"), ("fig2D", "C4")) if key == "slope_N" else
                                 (("fig3C", "C2"), ("fig3D", "C4"))):
            draw_paper_slope(ax, paper_key, xs, float(np.mean(x)), y_mid, color)
        c = claims.get(key)
        if c is not None and c.details:
            for name, who, color in (("truth_fit", "truth", "C0"), ("fw_fit", label, "C3")):
                f = c.details[name]
                xs = np.linspace(x.min(), x.max(), 10)
                ax.plot(xs, f["intercept"] + f["slope"] * xs, color=color, lw=1.2,
                        label=f"{who} slope {f['slope']:.2f} [{f['ci_low']:.2f}, {f['ci_high']:.2f}]")
            ax.set_title(f"{c.verdict}: difference {c.estimate:.2f} [{c.ci[0]:.2f}, {c.ci[1]:.2f}]", fontsize=9)
        ax.set_xlabel(regressor)
        ax.set_ylabel("ln I (ln nats)")
        ax.legend(fontsize=7)
    return (_save(fig, out, "conclusions.png"),
            f"The paper's N- and n-slopes recomputed with the resolved truth (blue) in place of {label} (red) on the "
            "same random set-2/3 cases (n = 1-20), beside the paper's published slopes (dashed, through the truth's "
            "centroid, shaded: their 95% CIs; Figs. 2C/3C set 2, 2D/3D set 3): the titles give the slope "
            "difference with its paired-bootstrap 95% CI.")


def fig_by_n(results: pd.DataFrame, slopes: dict[str, Any], out: Path, label: str = "I_FW") -> tuple[str, str]:
    """The approximation's relative error against ``n`` (resolved truths), and the synergy trend (Fig. 4)."""
    df = draw_rows(results)
    infinite = df[np.isposinf(df["truth"].astype(float))]
    inf_right = int(np.isposinf(infinite["approx_value"].astype(float)).sum())
    df = df[df["truth_resolved"].astype(bool) & np.isfinite(df["truth"].astype(float))]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    approx = df["approx_value"].astype(float)
    defined = np.isfinite(approx)
    rel = (approx - df["truth"]) / df["truth"]
    jitter = np.random.default_rng(2).uniform(-0.25, 0.25, len(df))
    for sweep, marker, color in (("draws_set2", "o", "C0"), ("draws_set3", "s", "C1")):
        m = (df["sweep"] == sweep).to_numpy() & defined.to_numpy()
        ax.scatter(df["n_connections"][m] + jitter[m], 100 * rel[m], s=14, marker=marker, color=color,
                   label=sweep.replace("draws_", ""))
    undefined = df[~defined.to_numpy()]
    if len(undefined):
        finite = np.isfinite(rel.to_numpy(float))
        top = float(np.max(100 * rel.to_numpy(float)[finite])) if finite.any() else 100.0
        ax.scatter(undefined["n_connections"], np.full(len(undefined), top * 1.1 + 10), marker="v", color="k", s=18,
                   label=f"{label} undefined")
    ax.axhline(0, color="k", lw=0.8)
    ax.axhspan(-10, 10, color="0.85", zorder=0, label="within 10%")
    ax.set_xlabel("ensemble size n")
    ax.set_ylabel(f"({label} - truth) / truth (%)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4)
    ax = axes[1]
    s3 = df[(df["sweep"] == "draws_set3") & (df["truth"] > 0)]
    s3a = s3[np.isfinite(s3["approx_value"].astype(float)) & (s3["approx_value"] > 0)]
    x = np.log(s3a["n_connections"].to_numpy(float))
    ax.scatter(x, np.log(s3a["truth"]) - x, s=14, color="C0", label="truth")
    ax.scatter(x, np.log(s3a["approx_value"].astype(float)) - x, s=14, marker="x", color="C3", label=label)
    syn = slopes.get("synergy", {})
    title = "synergy: slope of ln(I/n) on ln n"
    if syn.get("truth") is not None:
        title += (f"\ntruth {syn['truth']:.2f} [{syn['truth_ci'][0]:.2f}, {syn['truth_ci'][1]:.2f}], {label} "
                  f"{syn['approximation']:.2f} [{syn['approximation_ci'][0]:.2f}, {syn['approximation_ci'][1]:.2f}]")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("ln n")
    ax.set_ylabel("ln(I / n)")
    ax.legend(fontsize=7)
    return (_save(fig, out, "by_n.png"),
            f"Left: {label}'s relative error against the resolved truth on the random set-2/3 draws, by ensemble "
            f"size (triangles above the points: no defined value; {len(infinite)} infinite truths have no relative "
            f"error and are not drawn, {label} is +inf on {inf_right} of them). Right: Fig. 4's synergy statistic on set 3 (information per "
            "connection against ln n), truth and approximation on the same cases, slopes with 95% bootstrap CIs.")


def fig_leaderboard(cases: pd.DataFrame, out: Path) -> tuple[str, str]:
    """|relative error| of every approximation by ensemble-size bin, on the same resolved cases."""
    fig, ax = plt.subplots(figsize=(10, 4.2))
    df = cases[np.isfinite(cases["rel_err"].astype(float))].copy()
    df["abs_rel_err"] = df["rel_err"].abs()
    if len(df):
        sns.boxplot(data=df, x="n_bin", y="abs_rel_err", hue="name", ax=ax, fliersize=2, linewidth=0.8,
                    order=[b for b in ("n = 1", "n = 2-5", "n = 6-20", "n > 20") if b in set(df["n_bin"])])
        # symmetric log: logarithmic above LINEAR_BELOW, linear below it, so an exact value's errors (1e-12 or 0)
        # sit visibly at 0 instead of on an invented floor that hides the boxes
        ax.set_yscale("symlog", linthresh=LINEAR_BELOW, linscale=0.5)
        ax.set_ylim(bottom=0)
        ax.axhline(0.1, color="k", lw=0.8, ls="--")
        ax.axhline(LINEAR_BELOW, color="0.6", lw=0.6, ls=":")
        ax.legend(fontsize=7, title=None)
        flat = df.groupby(["name", "n_bin"])["abs_rel_err"].max()
        flat = flat[flat < LINEAR_BELOW]
        if len(flat):  # boxes squeezed onto 0: say so in words as well
            ax.set_title("every |error| below " + f"{LINEAR_BELOW:g}: "
                         + "; ".join(f"{name} ({n_bin})" for name, n_bin in flat.index), fontsize=8, loc="left")
    ax.set_xlabel("ensemble size")
    ax.set_ylabel("|approximation - truth| / truth (symlog)")
    return (_save(fig, out, "leaderboard.png"),
            "Distribution of each approximation's |relative error| against the resolved truths, by ensemble size "
            f"(dashed: 10%; symmetric-log axis, linear below {LINEAR_BELOW:g} (dotted), so errors of 0 or near it, "
            "such as the exact value's at n = 1, are drawn at 0 as they are); cases where an approximation is "
            "undefined are not drawn (see the defined column).")


def make_all(out: Path, data: ReportData) -> dict[str, tuple[str, str]]:
    """Draw every figure of the report into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        Folder of the PNG files (created if missing).
    data : ReportData
        The report's measurements (its ``figures`` are not read).

    Returns
    -------
    dict of str to (str, str)
        ``{key: (file name, caption)}``, the keys the report's sections refer to.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results, claims, label = data.results, data.claims, data.approximation_label
    return {
        "agreement": fig_agreement(results, out, label),
        "scale": fig_scale(results, out, claims["scale"], label),
        "axes": fig_axes(results, out, claims, label),
        "calibration": fig_calibration(data.calibration, out),
        "census": fig_census(data.census, out),
        "regressions": fig_regressions(data.set_tables, data.regressions, out),
        "per_connection": fig_per_connection(data.fig4, out),
        "conclusions": fig_conclusions(results, claims, out, label),
        "by_n": fig_by_n(results, data.truth.slopes, out, label),
        **({"leaderboard": fig_leaderboard(data.leaderboard_cases, out)} if len(data.leaderboard_cases) else {}),
    }
