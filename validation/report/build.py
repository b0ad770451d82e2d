"""``synmi report``: the whole error analysis, from an embedded default configuration.

Steps (each timed in ``provenance.json``):

1. ``sets``        FW information of thousands of random cases of sets 1-3
                   (census, the paper's regressions, Fig. 4);
2. ``calibration`` bias and spread of each truth estimator on Gaussian cases;
3. ``sweeps``      Monte Carlo truth against ``I_FW`` on the one-axis sweeps and on
                   random set draws (resumable through a case cache);
4. ``claims``      verdicts on the supplement's claims (:mod:`validation.claims`);
5. ``laws``        violation rates of the laws of true information (:mod:`validation.laws`);
6. ``figures`` and ``report.md``, ``summary.json``, tables as CSV.

Two tiers: ``quick`` (a few minutes, for a smoke run) and ``full`` (the default,
the committed report).
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synmi import analytic

from ..engine.claims import ClaimResult, all_claims, estimator_agreement
from ..engine.comparison import EstimationConfig, case_hash
from ..engine.paper import census, paper_regressions, per_connection_information, set_table
from ..engine.sweeps import SweepSpec, build_set_draws, build_sweep, provenance, run_cases

__all__ = ["ReportConfig", "TIERS", "build_report", "suite_config", "sweep_specs", "tier_cases"]


@dataclass(frozen=True)
class ReportConfig:
    """Sizes of one report tier.

    ``draws`` maps each sweep to its number of independent draws of the means
    (and ensemble) per grid point.
    """

    name: str
    set_cases: int
    estimation: EstimationConfig
    draws: dict
    scale_values: tuple
    n_values: tuple
    N_values: tuple
    mu_values: tuple
    rho_values: tuple
    base_scale: float
    set_draws: int
    slope_draws: int
    calibration_samples: tuple
    calibration_dims: tuple
    calibration_replicates: int
    law_cases: int
    seed: int = 20261124


TIERS: dict[str, ReportConfig] = {
    "quick": ReportConfig(
        name="quick", set_cases=1000,
        estimation=EstimationConfig(n_samples=100_000, n_samples_multi=10_000, cross_n_samples=50_000,
                                    cross_n_samples_multi=5_000, cross_max_n=3, replicates=4),
        draws={"scale_n1": 2, "scale_n3": 1, "scale_n3_rho": 1, "n": 1, "N": 2, "mu_range": 2, "rho": 2},
        scale_values=(0.01, 0.05, 0.2, 1.0, 4.0, 16.0), n_values=(1, 2, 3, 4, 6, 8), N_values=(2, 5, 20, 50),
        mu_values=(0.0, 1.0, 3.0), rho_values=(0.0, 0.25, 0.5, 0.75, 0.95), base_scale=1.0, set_draws=2, slope_draws=8,
        calibration_samples=(5_000,), calibration_dims=(1, 2, 4), calibration_replicates=3, law_cases=300),
    "full": ReportConfig(
        name="full", set_cases=5000,
        estimation=EstimationConfig(n_samples=200_000, n_samples_multi=10_000, cross_n_samples=100_000,
                                    cross_n_samples_multi=10_000, cross_max_n=3, replicates=5),
        draws={"scale_n1": 3, "scale_n3": 2, "scale_n3_rho": 1, "n": 2, "N": 3, "mu_range": 3, "rho": 3},
        scale_values=(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
        n_values=(1, 2, 3, 4, 6, 8, 12, 16, 20), N_values=(2, 3, 5, 10, 20, 50), mu_values=(0.0, 0.5, 1.0, 2.0, 4.0),
        rho_values=(-0.05, 0.0, 0.25, 0.5, 0.75, 0.95), base_scale=1.0, set_draws=6, slope_draws=32,
        calibration_samples=(10_000, 50_000), calibration_dims=(1, 2, 4, 8), calibration_replicates=5,
        law_cases=2000),
}


def sweep_specs(cfg: ReportConfig) -> list[SweepSpec]:
    """The one-axis sweeps of a tier (docs/theory.md §5); base point ``d = 20``, ``N = 10``,
    ``lambda_max = base_scale``, ``rho = 0``, ``mu ~ U(-1, 1)``, target pattern 0; the
    ``n = 3`` scale sweeps use chain ensembles (connections sharing neurons), one with
    independent neurons and one with ``rho = 0.5`` and ``N = 3``, where ``Sigma_w`` has
    large off-diagonal entries and the information is large."""
    seed, s, d = cfg.seed, cfg.base_scale, cfg.draws
    return [
        SweepSpec("scale_n1", "scale", cfg.scale_values, {"n": 1}, d["scale_n1"], seed + 1),
        SweepSpec("scale_n3", "scale", cfg.scale_values, {"n": 3, "ensemble": "chain"}, d["scale_n3"], seed + 2),
        SweepSpec("scale_n3_rho", "scale", cfg.scale_values, {"n": 3, "ensemble": "chain", "rho": 0.5, "n_patterns": 3},
                  d["scale_n3_rho"], seed + 7),
        SweepSpec("n", "n", cfg.n_values, {"scale": s}, d["n"], seed + 3),
        SweepSpec("N", "N", cfg.N_values, {"n": 1, "scale": s}, d["N"], seed + 4),
        SweepSpec("mu_range", "mu_range", cfg.mu_values, {"n": 1, "scale": s}, d["mu_range"], seed + 5),
        SweepSpec("rho", "rho", cfg.rho_values, {"n": 1, "scale": s}, d["rho"], seed + 6),
    ]


def _draw_cases(cfg: ReportConfig) -> list:
    """Random draws from sets 1-3 for the agreement table, plus the slope subset.

    The slope subset (claim 5) takes set-2 and set-3 cases with ``n <= 4`` so the
    Monte Carlo truth stays resolvable in the time budget.
    """
    cases = []
    for t, name in enumerate(("set1", "set2", "set3")):
        cases += build_set_draws(name, cfg.set_draws, cfg.seed + 10 + t, max_n=3)
    for t, name in enumerate(("set2", "set3")):
        cases += build_set_draws(name, cfg.slope_draws, cfg.seed + 20 + t, max_n=4)
    return cases


def tier_cases(cfg: ReportConfig) -> list:
    """Every Monte Carlo case of a tier, in a fixed order: the sweeps, then the set draws.

    The report and ``pytest validation/`` use the same list, so they share cached truths.
    """
    return [c for spec in sweep_specs(cfg) for c in build_sweep(spec)] + _draw_cases(cfg)


def suite_config(tier: str) -> ReportConfig:
    """The tier's configuration (also used by ``pytest validation/``)."""
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {sorted(TIERS)}, got {tier!r}")
    return TIERS[tier]


class _Timer:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextmanager
    def step(self, name: str):
        t0 = time.perf_counter()
        print(f"[synmi report] {name} ...", flush=True)
        try:
            yield
        finally:
            self.steps[name] = round(time.perf_counter() - t0, 2)
            print(f"[synmi report] {name} done in {self.steps[name]:.1f} s", flush=True)


def _calibration_table(cfg: ReportConfig, seed: int) -> pd.DataFrame:
    """Gaussian calibration of each estimator at the report's dimensions and sample sizes.

    ``X`` and ``Y`` are ``n``-dimensional with per-coordinate correlation ``r``
    (independent across coordinates), so ``I = -n/2 ln(1 - r^2)``; ``r`` is set
    for a total information of 0.5 nats, the typical size of the sweep cases.
    """
    from synmi import empirical

    rows = []
    ss = np.random.SeedSequence(seed)
    for method in ("ksg", "entropy_difference"):
        for dim in cfg.calibration_dims:
            for m in cfg.calibration_samples:
                if method == "ksg" and (dim > 4 or (dim == 4 and m > 10_000)):
                    continue  # 8- and 16-D range counts: minutes, and KSG cross-checks only n <= 3
                info = 0.5
                r = float(np.sqrt(1 - np.exp(-2 * info / dim)))
                cov = np.block([[np.eye(dim), r * np.eye(dim)], [r * np.eye(dim), np.eye(dim)]])
                res = empirical.gaussian_calibration(method, cov, dim, m, cfg.calibration_replicates,
                                                     np.random.default_rng(ss.spawn(1)[0]))
                rows.append({"method": method, "dim": dim, "n_samples": m, "true_value": res.true_value,
                             "mean_estimate": res.mean_estimate, "bias": res.bias, "bias_stderr": res.bias_stderr,
                             "spread": res.spread, "replicates": res.replicates})
    return pd.DataFrame(rows)


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if np.isfinite(v) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, ClaimResult):
        return _json_safe(obj.to_dict())
    return obj


def build_report(out_dir: str | os.PathLike = "reports", *, quick: bool = False, n_jobs: int = 2,
                 cache_dir: str | os.PathLike | None = None, scheduler: str | None = None) -> Path:
    """Run the whole analysis and write the report folder.

    Parameters
    ----------
    out_dir : path
        Written: ``report.md``, ``figures/*.png``, ``tables/*.csv``, ``summary.json``,
        ``provenance.json``.
    quick : bool
        The quick tier (a few minutes) instead of the full one.
    n_jobs : int
        Local worker processes for the Monte Carlo sweeps.
    cache_dir : path, optional
        Finished Monte Carlo cases (default ``.synmi-cache/<tier>``): an
        interrupted run resumes from it.
    scheduler : str, optional
        dask.distributed scheduler address or ``"local"``.

    Returns
    -------
    pathlib.Path
        The path of ``summary.json``.
    """
    from ..engine import laws
    from ..engine.counterexamples import minimal_counterexamples
    from . import figures, writer

    cfg = TIERS["quick" if quick else "full"]
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else Path(".synmi-cache") / cfg.name
    timer = _Timer()
    t_start = time.perf_counter()

    with timer.step("sets: FW on random cases of sets 1-3"):
        seeds = {"set1": cfg.seed + 101, "set2": cfg.seed + 102, "set3": cfg.seed + 103}
        set_tables = {name: set_table(name, cfg.set_cases, s, progress=True) for name, s in seeds.items()}
        census_out = {name: census(tb) for name, tb in set_tables.items()}
        regressions = paper_regressions(set_tables, seed=cfg.seed)
        fig4 = per_connection_information(set_tables["set3"], seed=cfg.seed)
        keep = ["set", "index", "n_patterns", "n_connections", "pattern", "value", "status", "authors_value",
                "authors_kept", "min_eig", "min_eig_rest", "sigma", "rho"]
        pd.concat([tb[keep] for tb in set_tables.values()]).to_csv(out / "tables" / "sets_fw.csv.gz", index=False,
                                                                    float_format="%.6g")

    with timer.step("calibration: estimators on Gaussian cases"):
        calib = _calibration_table(cfg, cfg.seed + 200)
        calib.to_csv(out / "tables" / "calibration.csv", index=False, float_format="%.6g")

    with timer.step("sweeps: Monte Carlo truth against I_FW"):
        cases = tier_cases(cfg)
        cached = sum((cache / "cases" / f"{case_hash(c, cfg.estimation)}.json").exists() for c in cases)
        results = run_cases(cases, cfg.estimation, out_dir=cache, n_jobs=n_jobs, scheduler=scheduler,
                            progress="Monte Carlo cases")
        results.to_csv(out / "tables" / "comparisons.csv", index=False, float_format="%.6g")

    with timer.step("claims: trend fits and verdicts"):
        claims = all_claims(results, seed=cfg.seed)
        estimators = estimator_agreement(results)

    with timer.step("laws: violation rates over sets 1-3"):
        law_rates = pd.concat([laws.law_violation_rates(analytic.mutual_information, name, cfg.law_cases,
                                                        cfg.seed + 300 + t)
                               for t, name in enumerate(("set1", "set2", "set3"))], ignore_index=True)
        law_rates.to_csv(out / "tables" / "law_violations.csv", index=False, float_format="%.6g")
        counterexamples = minimal_counterexamples(analytic.mutual_information)

    with timer.step("figures and report"):
        figs = figures.make_all(out / "figures", results=results, set_tables=set_tables, regressions=regressions,
                                fig4=fig4, calibration=calib, census=census_out, claims=claims)
        summary = {
            **{key: {"slope": v["slope"], "ci": v["ci"], "slope_authors_filter": v["slope_authors_filter"],
                     "ci_authors_filter": v["ci_authors_filter"], "n_used": v["n_used"],
                     "n_used_authors_filter": v["n_used_authors_filter"], "paper_slope": v["paper_slope"],
                     "paper_ci": v["paper_ci"], "paper_in_ci": v["paper_in_ci"]}
               for key, v in regressions.items()},
            "census": census_out,
            "claims": {k: c.to_dict() for k, c in claims.items()},
            "estimator_agreement": estimators,
            "fig4": {"slope_ln_per_connection_vs_n": fig4["slope_vs_n"].to_dict(),
                     "slope_ln_per_connection_vs_ln_n": fig4["slope_vs_ln_n"].to_dict()},
            "agreement": {"cases": int(len(results)),
                          "agree": int((results["verdict"] == "agree").sum()),
                          "disagree": int((results["verdict"] == "disagree").sum()),
                          "undefined": int((results["verdict"] == "undefined").sum())},
            "laws": law_rates.to_dict(orient="records"),
            "tier": cfg.name,
        }
        prov = provenance(cfg.estimation, {"tier": cfg.name, "report_config": _json_safe(cfg.__dict__ | {
            "estimation": cfg.estimation.to_dict()}), "n_jobs": n_jobs, "scheduler": scheduler,
            "cache_dir": str(cache), "cases_from_cache": int(cached), "cases_total": len(cases),
            "steps_seconds": timer.steps})
        writer.write_report(out, cfg=cfg, results=results, summary=summary, regressions=regressions, fig4=fig4,
                            calibration=calib, census=census_out, claims=claims, estimators=estimators,
                            law_rates=law_rates, counterexamples=counterexamples, figures=figs, provenance=prov)
    prov["steps_seconds"] = timer.steps
    prov["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    (out / "provenance.json").write_text(json.dumps(_json_safe(prov), indent=2, default=str))
    (out / "summary.json").write_text(json.dumps(_json_safe(summary), indent=2))
    return out / "summary.json"
