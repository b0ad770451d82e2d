"""Benchmark: recomputing truths with the local joblib workers against a local dask.distributed cluster.

Side by side in one run, on the same cases and settings (the full tier's, the
first draw of set 2 and of set 3 at n = 2, 6, 10, 14 and 18: 10 copula truths),
with no cache, 2 workers each (joblib processes; a ``LocalCluster`` of 2
single-threaded worker processes, what ``synmi report --scheduler local``
starts).  Prints each backend's wall seconds, their ratio and the wall time of
a full recompute of the committed table extrapolated from it (the table's
``seconds`` column sums the single-core seconds of its truths).

Run: ``python benchmarks/bench_scheduler.py`` (about 5 minutes on 2 cores);
the committed output is ``bench_scheduler_output.txt``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from synmi.validation.engine.sweeps import run_truths
from synmi.validation.report.tiers import TIERS, tier_cases

SIZES = (2, 6, 10, 14, 18)
WORKERS = 2
TABLE = Path(__file__).resolve().parents[1] / "reports" / "tables" / "truths.csv.gz"


def main() -> None:
    cfg = TIERS["full"]
    cases = [c for c in tier_cases(cfg) if c.meta.get("sweep") in ("draws_set2", "draws_set3")
             and c.meta.get("index") == 0 and c.n_connections in SIZES]
    print(f"{len(cases)} cases (n = {sorted({c.n_connections for c in cases})}), {WORKERS} workers, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    walls = {}
    for name, kw in (("joblib", {"n_jobs": WORKERS}), ("dask local", {"n_jobs": WORKERS, "scheduler": "local"})):
        t0 = time.perf_counter()
        rows = run_truths(cases, cfg.estimation, **kw)
        walls[name] = time.perf_counter() - t0
        cpu = sum(float(r["seconds"]) for r in rows)
        print(f"{name:10s} wall {walls[name]:6.1f} s  (truths' own seconds {cpu:6.1f}, "
              f"{sum(bool(r['truth_resolved']) for r in rows)}/{len(rows)} resolved)", flush=True)
    ratio = walls["dask local"] / walls["joblib"]
    print(f"dask local / joblib wall: {ratio:.2f}")
    if TABLE.exists():
        table = pd.read_csv(TABLE)
        single = float(table["seconds"].sum())
        print(f"committed table: {len(table)} truths, {single:.0f} single-core seconds; a full recompute on "
              f"{WORKERS} workers: about {single / WORKERS / 60:.0f} min with joblib, "
              f"{single / WORKERS / 60 * ratio:.0f} min with the local dask cluster (extrapolated by the ratio)")


if __name__ == "__main__":
    main()
