"""Cost and accuracy, side by side, of FW, the FW-copula (§11.4) and the normal-score copula (§11.5).

Run from the repository root (the truth table defaults to the committed one)::

    python benchmarks/bench_approximations.py [path/to/truths.csv.gz]

1. **Cost.**  On 40 set-2/3 draws of the full report tier (``n = 1 … 20``,
   two per ``n``, alternating sets) the three candidates take turns on each
   case (interleaved), after one warm-up call each on an ensemble draw (which
   builds the per-process caches: the Sobol table and the quadrature nodes), and
   the median and largest seconds per case are printed with the ratios to FW.
2. **Marginal quadrature.**  On the same draws, the largest departure of the
   normal-score copula's marginals (:func:`synmi.analytic.batched_folds.batched_sum_information`,
   all connections of a draw at once at the coarser resolution) from the refined
   single-connection values.
3. **Accuracy.**  Every row of the truth table is rebuilt from the full tier's
   cases (by content hash, else by the draw's sweep, ``n``, index and seed, whose
   scales must match the row's), and each candidate's ``|I - truth| / truth`` is
   summarised by the leaderboard's regimes (``scale_vs``: largest eigenvalue of
   the covariances on ``V(S)``, by ``n``), over resolved finite truths.  Rows
   where :func:`synmi.analytic.support.infinite_information_reason` finds the
   information infinite are counted apart.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from synmi import analytic
from synmi.analytic import connection_log_moments
from synmi.analytic.alternatives import gaussian_copula_information
from synmi.analytic.batched_folds import batched_sum_information
from synmi.analytic.copula import normal_score_copula_information
from synmi.analytic.exact import lognormal_sum_information
from synmi.analytic.support import infinite_information_reason
from synmi.validation.engine.comparison import case_hash, scale_of
from synmi.validation.engine.leaderboard import N_BINS, SCALE_BINS
from synmi.validation.report.tiers import TIERS, tier_cases

CANDIDATES = {
    "fw": analytic.mutual_information,
    "fw_copula": gaussian_copula_information,
    "normal_score_copula": normal_score_copula_information,
}


def _index(cases: list) -> tuple[dict, dict]:
    by_hash = {case_hash(c)[:16]: c for c in cases}
    by_draw = {(c.meta.get("sweep"), c.meta.get("n"), c.meta.get("index"), c.meta.get("seed")): c
               for c in cases if "index" in c.meta}
    return by_hash, by_draw


def _rebuild(row: pd.Series, by_hash: dict, by_draw: dict):
    case = by_hash.get(row.case_id)
    if case is None:
        meta = json.loads(row.meta)
        case = by_draw.get((meta.get("sweep"), meta.get("n"), meta.get("index"), meta.get("seed")))
        if case is None or abs(scale_of(case)[1] - row.scale_vs) > 1e-9 * max(1.0, row.scale_vs):
            return None
    return case


def _value(fn, case) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analytic.SynmiWarning)
        return float(fn(case.mu, case.sigma, case.ensemble, case.pattern))


def cost(cases: list) -> None:
    warm = next(c for c in cases if c.n_connections > 1)
    for fn in CANDIDATES.values():
        _value(fn, warm)  # warm-up: the per-process caches (quadrature nodes, the Sobol table)
    seconds = {name: [] for name in CANDIDATES}
    for case in cases:
        for name, fn in CANDIDATES.items():
            t0 = time.perf_counter()
            _value(fn, case)
            seconds[name].append(time.perf_counter() - t0)
    fw = np.median(seconds["fw"])
    print(f"cost on {len(cases)} set-2/3 draws (n = 1-20, N = "
          f"{min(c.n_patterns for c in cases)}-{max(c.n_patterns for c in cases)}), interleaved:")
    print(f"  {'candidate':22s} {'median ms':>10s} {'max ms':>10s} {'median / FW':>12s}")
    for name, s in seconds.items():
        print(f"  {name:22s} {1e3 * np.median(s):10.2f} {1e3 * np.max(s):10.2f} {np.median(s) / fw:12.1f}")
    new = np.array(seconds["normal_score_copula"])
    size = np.array([c.n_connections * c.n_patterns for c in cases])
    for lo, hi in ((0, 100), (100, 400), (400, 10**9)):
        sel = (size > lo) & (size <= hi)
        if sel.any():
            print(f"  normal_score_copula, {lo} < n N <= {hi}: median {1e3 * np.median(new[sel]):.1f} ms, "
                  f"max {1e3 * new[sel].max():.1f} ms ({sel.sum()} cases)")


def marginal_accuracy(cases: list) -> None:
    worst, worst_rel, worst_sum, n_connections = 0.0, 0.0, 0.0, 0
    for case in cases:
        if case.n_connections == 1:  # the copula's marginal is the refined exact value there
            continue
        m, c = connection_log_moments(case.mu, case.sigma, case.ensemble)
        var = np.broadcast_to(np.diagonal(c, axis1=-2, axis2=-1), m.shape)
        fine, _ = lognormal_sum_information(m, var, case.pattern, refine=True)
        batched = batched_sum_information(m, var, case.pattern)
        if np.all(np.isfinite(fine)):
            n_connections += fine.size
            worst = max(worst, float(np.abs(batched - fine).max()))
            worst_rel = max(worst_rel, float(np.max(np.abs(batched - fine) / fine)))
            worst_sum = max(worst_sum, float(abs(batched.sum() - fine.sum()) / max(fine.sum(), 1e-300)))
    print(f"copula marginals (batched, coarser resolution) vs refined, {n_connections} connections of the same "
          f"draws: largest |difference| {worst:.2g} nats, largest relative {worst_rel:.2g}, largest relative "
          f"difference of sum_a I_a {worst_sum:.2g}")


def _bin(value: float, bins: tuple) -> str:
    return next(label for lo, hi, label in bins if lo <= value < hi)


def accuracy(table: pd.DataFrame, by_hash: dict, by_draw: dict) -> None:
    rows, missing, infinite_rows = [], 0, []
    for _, row in table.iterrows():
        case = _rebuild(row, by_hash, by_draw)
        if case is None:
            missing += 1
            continue
        reason = infinite_information_reason(case)
        values = {name: _value(fn, case) for name, fn in CANDIDATES.items()}
        if reason is not None:
            infinite_rows.append((row.case_id, row.n_connections, row.n_patterns, row.truth, values))
            continue
        if not row.truth_resolved:
            continue
        rows.append({"scale": _bin(row.scale_vs, SCALE_BINS),
                     "n": _bin(row.n_connections, tuple((lo, hi + 1, lab) for lo, hi, lab in N_BINS)),
                     "truth": row.truth, **values})
    d = pd.DataFrame(rows)
    print(f"accuracy against {len(d)} resolved finite truths (truth_version "
          f"{sorted(set(table.truth_version))}; {missing} rows not rebuilt):")
    print(f"  {'regime':24s} {'cases':>5s}  " + "  ".join(f"{n:>20s}" for n in CANDIDATES))
    print(f"  {'':24s} {'':5s}  " + "  ".join(f"{'median|rel| (undef)':>20s}" for _ in CANDIDATES))
    for (s, nb), g in d.groupby(["scale", "n"], sort=False):
        cells = []
        for name in CANDIDATES:
            v = g[name].to_numpy()
            ok = np.isfinite(v)
            rel = np.abs(v[ok] - g.truth.to_numpy()[ok]) / g.truth.to_numpy()[ok]
            cells.append(f"{100 * np.median(rel):9.2f}% ({(~ok).sum():3d})" if ok.any() else "n/a")
        print(f"  {s + ', ' + nb:24s} {len(g):5d}  " + "  ".join(f"{c:>20s}" for c in cells))
    for name in CANDIDATES:
        v = d[name].to_numpy()
        neg = int((v < 0).sum())
        ok = np.isfinite(v)
        rel = np.abs(v[ok] - d.truth.to_numpy()[ok]) / d.truth.to_numpy()[ok]
        print(f"  {name:22s} all: median {100 * np.median(rel):.2f}%, p90 {100 * np.quantile(rel, 0.9):.1f}%, "
              f"max {100 * rel.max():.1f}%, undefined {(~ok).sum()}, negative {neg}")
    for case_id, n, n_patterns, truth, values in infinite_rows:
        print(f"  infinite by analytic.support: {case_id} (n = {n}, N = {n_patterns}, table truth {truth:.4g}): "
              + ", ".join(f"{k} {v:.4g}" for k, v in values.items()))


def main(argv: list[str]) -> None:
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (timings scale with it)")
    path = Path(argv[1]) if len(argv) > 1 else Path("reports/tables/truths.csv.gz")
    cases = tier_cases(TIERS["full"])
    by_hash, by_draw = _index(cases)
    draws = [by_draw[(f"draws_set{2 + (t % 2)}", n, t // 2, TIERS["full"].seed + 20 + (t % 2))]
             for n in range(1, 21) for t in range(2)]
    cost(draws)
    marginal_accuracy(draws)
    accuracy(pd.read_csv(path), by_hash, by_draw)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(sys.argv)
