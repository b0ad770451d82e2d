"""``synmi report``: the whole error analysis, from an embedded default configuration.

Steps (each timed in ``provenance.json``):

1. ``sets``        FW information of thousands of random cases of sets 1-3
                   (census, the paper's regressions, Fig. 4: about FW as published);
2. ``calibration`` bias and spread of each truth estimator on Gaussian cases;
3. ``sweeps``      Monte Carlo truth against the approximation under test on the
                   one-axis sweeps and on random set draws (resumable through a case cache);
4. ``claims``      verdicts on the supplement's claims (:mod:`validation.engine.claims`);
5. ``laws``        violation rates of the laws of true information (:mod:`validation.engine.laws`);
6. ``figures`` and ``report.md``, ``summary.json``, tables as CSV.

Everything measured goes into one :class:`~validation.report.data.ReportData`,
from which :mod:`~validation.report.figures` draws and
:mod:`~validation.report.writer` writes.  The approximation under test is
:func:`analytic.mutual_information` (the paper's FW formula) unless
``approximations`` names another (``package.module:function``, as for
``pytest validation/ --approximation``).  Tiers: :mod:`validation.report.tiers`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ... import analytic
from ..engine.approximations import Approximation, approximation_name, load_approximation
from ..engine.claims import all_claims
from ..engine.comparison import case_hash
from ..engine.jsonable import to_jsonable
from ..engine.leaderboard import leaderboard
from ..engine.paper import census, paper_regressions, per_connection_information, set_table
from ..engine.sweeps import judge_table, provenance
from ..engine.truth_analysis import approximation_error_by_n, cross_check_summary, truth_coverage, truth_slopes
from .data import ReportData, TruthEvidence
from .tiers import TIERS, ReportConfig, suite_config, sweep_specs, tier_cases
from .truth_steps import cross_checks, exact_against_monte_carlo, ksg_against_truth, truths_with_table

#: every approximation synmi ships (docs/theory.md §11), FW first
SHIPPED_APPROXIMATIONS = tuple(spec.path for spec in analytic.APPROXIMATIONS.values())

__all__ = ["SHIPPED_APPROXIMATIONS", "ReportConfig", "TIERS", "build_report", "load_approximations", "suite_config", "sweep_specs",
           "tier_cases"]


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
    from ... import empirical

    rows = []
    ss = np.random.SeedSequence(seed)
    for method in (name for name, est in empirical.ESTIMATORS.items() if est.max_connections is None):
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


def _short_name(path: str) -> str:
    """The registry's short name of a shipped approximation, else its path."""
    for name, spec in analytic.APPROXIMATIONS.items():
        if spec.path == path:
            return name
    return path


def load_approximations(approximations: str | Sequence[str]) -> tuple[tuple[str, ...], list[Approximation]]:
    """Check the report's approximations at the door and import them.

    Parameters
    ----------
    approximations : str or sequence of str
        ``package.module:function`` paths (one string is one path).  The first is
        the one the comparisons, claims, laws and figures are about; all of them
        are ranked on the leaderboard.

    Returns
    -------
    tuple of str, list of callable
        The paths and the loaded callables, in the given order.

    Raises
    ------
    ValueError
        Naming ``approximation(s)``: an empty or over-long list, a path that is
        not a string, or one that cannot be imported (:func:`load_approximation`).
    """
    specs = (approximations,) if isinstance(approximations, str) else tuple(approximations)
    if not specs:
        raise ValueError("approximations must name at least one 'package.module:function', got none")
    if len(set(specs)) != len(specs):
        raise ValueError(f"approximations: each may be named once, got {', '.join(map(str, specs))}")
    for spec in specs:
        if not isinstance(spec, str):
            raise ValueError(f"approximation must be 'package.module:function', got {spec!r}")
    return specs, [load_approximation(spec) for spec in specs]


def _summary(*, approximations: tuple[str, ...], name: str, results: pd.DataFrame, regressions: dict,
             census_out: dict, claims: dict, truth: TruthEvidence, fig4: dict, law_rates: pd.DataFrame,
             tier: str, board: list) -> dict:
    """The numbers of ``summary.json`` (keys are a contract: ``validation/test_report.py``)."""
    return {
        **{key: {"slope": v["slope"], "ci": v["ci"], "slope_authors_filter": v["slope_authors_filter"],
                 "ci_authors_filter": v["ci_authors_filter"], "n_used": v["n_used"],
                 "n_used_authors_filter": v["n_used_authors_filter"], "paper_slope": v["paper_slope"],
                 "paper_ci": v["paper_ci"], "paper_in_ci": v["paper_in_ci"]}
           for key, v in regressions.items()},
        "census": census_out,
        "claims": {k: c.to_dict() for k, c in claims.items()},
        "truth_coverage": truth.coverage,
        "cross_check": cross_check_summary(truth.cross_checks),
        "truth_slopes": truth.slopes,
        "fw_error_by_n": truth.error_by_n,
        "truth_table": {**truth.table, "reproduction_agree": truth.table.get("reproduced")},
        "leaderboard": board,
        "fig4": {"slope_ln_per_connection_vs_n": fig4["slope_vs_n"].to_dict(),
                 "slope_ln_per_connection_vs_ln_n": fig4["slope_vs_ln_n"].to_dict()},
        "agreement": {"cases": int(len(results)),
                      "agree": int((results["verdict"] == "agree").sum()),
                      "disagree": int((results["verdict"] == "disagree").sum()),
                      "undefined": int((results["verdict"] == "undefined").sum())},
        "laws": law_rates.to_dict(orient="records"),
        "approximation": approximations[0],
        "approximation_name": name,
        "approximations": list(approximations),
        "tier": tier,
    }


def build_report(out_dir: str | os.PathLike = "reports", *, quick: bool = False, n_jobs: int = 2,
                 cache_dir: str | os.PathLike | None = None, scheduler: str | None = None,
                 approximations: str | Sequence[str] = SHIPPED_APPROXIMATIONS,
                 config: ReportConfig | None = None, truth_table: str | os.PathLike | None = None,
                 recompute_truths: bool = False) -> Path:
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
        interrupted run resumes from it.  Truths do not depend on the
        approximation, so reports of different approximations share it.
    scheduler : str, optional
        dask.distributed scheduler address or ``"local"``.
    approximations : str or sequence of str
        The approximations under test, ``package.module:function`` with the
        signature ``(mu, sigma, ensemble, pattern) -> float`` in nats (default:
        every shipped one, :data:`synmi.analytic.APPROXIMATIONS`, the paper's FW
        formula first).  The first is the subject of the comparisons, claims,
        laws and figures; all are ranked on the leaderboard (docs/theory.md §13).
    config : ReportConfig, optional
        Sizes of the run, instead of the tier chosen by ``quick`` (for
        custom or very small runs).
    truth_table : path, optional
        Committed truths to reuse (default ``out_dir/tables/truths.csv.gz``);
        the table with every truth of the run is written to ``out_dir/tables``.
        A random sample of the reused ones (5 %, at least 5) is recomputed with
        another seed and must reproduce (:mod:`validation.engine.truth_table`).
    recompute_truths : bool
        Ignore stored truths and recompute every one.

    Returns
    -------
    pathlib.Path
        The path of ``summary.json``.

    Raises
    ------
    ValueError
        For a bad ``approximations`` (before anything is computed).
    """
    from ..engine import laws
    from ..engine.counterexamples import minimal_counterexamples
    from . import figures, writer

    specs, loaded = load_approximations(approximations)
    approximation = loaded[0]
    is_fw = approximation is analytic.mutual_information
    name = approximation_name(approximation)
    cfg = config if config is not None else TIERS["quick" if quick else "full"]
    if not isinstance(cfg, ReportConfig):
        raise ValueError(f"config must be a ReportConfig, got {type(cfg).__name__}")
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else Path(".synmi-cache") / cfg.name
    timer = _Timer()
    t_start = time.perf_counter()

    with timer.step("sets: FW on random cases of sets 1-3"):
        seeds = {"set1": cfg.seed + 101, "set2": cfg.seed + 102, "set3": cfg.seed + 103}
        set_tables = {set_name: set_table(set_name, cfg.set_cases, s, progress=True) for set_name, s in seeds.items()}
        census_out = {set_name: census(tb) for set_name, tb in set_tables.items()}
        regressions = paper_regressions(set_tables, seed=cfg.seed)
        fig4 = per_connection_information(set_tables["set3"], seed=cfg.seed)
        keep = ["set", "index", "n_patterns", "n_connections", "pattern", "value", "status", "authors_value",
                "authors_kept", "min_eig", "min_eig_rest", "sigma", "rho"]
        pd.concat([tb[keep] for tb in set_tables.values()]).to_csv(out / "tables" / "sets_fw.csv.gz", index=False,
                                                                    float_format="%.6g")

    with timer.step("calibration: estimators on Gaussian cases"):
        calib = _calibration_table(cfg, cfg.seed + 200)
        calib.to_csv(out / "tables" / "calibration.csv", index=False, float_format="%.6g")

    with timer.step("truths: exact, reused from the truth table, or computed"):
        cases = tier_cases(cfg)
        cached = sum((cache / "cases" / f"{case_hash(c, cfg.estimation)}.json").exists() for c in cases)
        table_out = out / "tables" / "truths.csv.gz"
        source = Path(truth_table) if truth_table is not None else table_out
        if source != table_out and source.exists() and not recompute_truths:
            shutil.copyfile(source, table_out)
        truths, reproduction, table_info = truths_with_table(cases, cfg.estimation, table_out, cache=cache,
                                                             n_jobs=n_jobs, scheduler=scheduler,
                                                             recompute=recompute_truths)
        reproduction.to_csv(out / "tables" / "truth_reproduction.csv", index=False, float_format="%.6g")
        results = judge_table(truths, cases, approximation, cfg.estimation.z)
        results.to_csv(out / "tables" / "comparisons.csv", index=False, float_format="%.6g")

    with timer.step("checks: cross-checks, exact against Monte Carlo, KSG"):
        checks = cross_checks(cases, truths, cfg.estimation, cfg.cross_check_cases, out / "tables" / "cross_checks.csv",
                              n_jobs=n_jobs if scheduler is None else 1)
        exact_checks = exact_against_monte_carlo(cases, truths, cfg.exact_check_cases, seed=cfg.seed)
        exact_checks.to_csv(out / "tables" / "exact_vs_monte_carlo.csv", index=False, float_format="%.8g")
        ksg = ksg_against_truth(cases, truths, cfg.ksg_cases, n_samples=cfg.ksg_samples, seed=cfg.seed)
        ksg.to_csv(out / "tables" / "ksg_lower_bound.csv", index=False, float_format="%.6g")

    with timer.step("claims: trend fits and verdicts"):
        claims = all_claims(results, seed=cfg.seed, approximation_label="FW" if is_fw else "approx.")
        truth = TruthEvidence(table=table_info, reproduction=reproduction, cross_checks=checks,
                              exact_checks=exact_checks, ksg=ksg, coverage=truth_coverage(results),
                              error_by_n=approximation_error_by_n(results),
                              slopes=truth_slopes(results, seed=cfg.seed))

    with timer.step("laws: violation rates over sets 1-3"):
        law_rates = pd.concat([laws.law_violation_rates(approximation, set_name, cfg.law_cases, cfg.seed + 300 + t)
                               for t, set_name in enumerate(("set1", "set2", "set3"))], ignore_index=True)
        law_rates.to_csv(out / "tables" / "law_violations.csv", index=False, float_format="%.6g")
        counterexamples = minimal_counterexamples(approximation)

    with timer.step("leaderboard: every approximation against the resolved truths"):
        names = [_short_name(spec) for spec in specs]
        tasks = [(short, f, set_name, cfg.seed + 400 + t) for short, f in zip(names, loaded)
                 for t, set_name in enumerate(("set1", "set2", "set3"))]
        if n_jobs > 1 and scheduler is None:
            from joblib import Parallel, delayed

            parts = Parallel(n_jobs=n_jobs)(delayed(laws.law_violation_rates)(f, set_name, cfg.leaderboard_law_cases,
                                                                                seed) for _, f, set_name, seed in tasks)
        else:
            parts = [laws.law_violation_rates(f, set_name, cfg.leaderboard_law_cases, seed)
                     for _, f, set_name, seed in tasks]
        law_rates_by = {}
        for (short, *_), rates in zip(tasks, parts):
            checked, violated = law_rates_by.get(short, (0, 0))
            law_rates_by[short] = (checked + int(rates["checked"].sum()), violated + int(rates["violated"].sum()))
        law_rates_by = {k: v / c if c else float("nan") for k, (c, v) in law_rates_by.items()}
        board, board_cases = leaderboard(truths, cases, dict(zip(names, loaded)), dict(zip(names, specs)),
                                         z=cfg.estimation.z, law_rates=law_rates_by, seed=cfg.seed,
                                         n_jobs=n_jobs if scheduler is None else 1)
        for entry, f in zip(board, loaded):
            judged = judge_table(truths, cases, f, cfg.estimation.z)
            entry["claims"] = {k: c.verdict for k, c in all_claims(judged, seed=cfg.seed).items()}
        board_cases.to_csv(out / "tables" / "leaderboard_cases.csv", index=False, float_format="%.6g")
        pd.DataFrame([{k: v for k, v in e.items() if k not in ("by_regime", "vs_reference", "claims")}
                      for e in board]).to_csv(out / "tables" / "leaderboard.csv", index=False, float_format="%.6g")

    with timer.step("figures and report"):
        summary = _summary(approximations=specs, name=name, results=results, regressions=regressions,
                           census_out=census_out, claims=claims, truth=truth, fig4=fig4, board=board,
                           law_rates=law_rates, tier=cfg.name)
        prov = provenance(cfg.estimation, {
            "tier": cfg.name, "report_config": to_jsonable(cfg.__dict__ | {"estimation": cfg.estimation.to_dict()}),
            "approximations": list(specs), "approximation_name": name, "n_jobs": n_jobs, "scheduler": scheduler,
            "cache_dir": str(cache), "cases_from_cache": int(cached), "cases_total": len(cases),
            "steps_seconds": timer.steps})
        data = ReportData(config=cfg, approximations=specs, approximation_name=name, approximation_is_fw=is_fw,
                          results=results, set_tables=set_tables, census=census_out, regressions=regressions,
                          fig4=fig4, calibration=calib, claims=claims, truth=truth, law_rates=law_rates,
                          leaderboard=board, leaderboard_cases=board_cases,
                          counterexamples=counterexamples, summary=summary, provenance=prov,
                          timings=dict(timer.steps))
        data = replace(data, figures=figures.make_all(out / "figures", data))
        writer.write_report(out, data)
    prov["steps_seconds"] = timer.steps
    prov["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    (out / "provenance.json").write_text(json.dumps(to_jsonable(prov), indent=2, default=str))
    (out / "summary.json").write_text(json.dumps(to_jsonable(summary), indent=2))
    return out / "summary.json"
