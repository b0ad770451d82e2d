"""Benchmark: seconds per resolved ensemble truth, the copula decomposition against the entropy-difference ladder.

Side by side in one run, on the same cases (set-3 draws at n = 4, 12 and 20:
three per size for the copula, the first of them for the ladder, whose cost
at n = 20 is minutes), both on 2 threads, both asked for the same precision
(2 %, or 0.01 nats):

* **copula** -- :func:`synmi.empirical.true_information` as the committed
  report runs it (docs/theory.md §9.2: exact marginals, Gaussian part, kNN
  bracket on a nested ladder 625 / 2500 / 10000, 5 replicates doubled up to 20
  where noise dominates, extended to 40000 where bias does);
* **ladder** -- the previous primary, the entropy difference (docs/theory.md
  §9.1) on the previous report's ladder 1250 / 5000 / 20000 with 5 replicates,
  extended up to 80000 draws for every n (so that it can reach the same
  precision; brute-force neighbours cost ~ M^2 from n = 7 up).

Printed per case: wall and CPU seconds, value, half-width, resolved; then per
size the median seconds per *resolved* truth of each method (total seconds
over the number resolved: an unresolved truth costs its time and buys
nothing) and their ratio.  Goal (issue "truth resolved everywhere"): a
resolved n = 20 truth in at most 20 s median on 2 cores, at least 5x faster
than the ladder at equal or better precision.

Run: ``python benchmarks/bench_truth.py`` (about 10-15 minutes on 2 cores);
the committed output is ``bench_truth_output.txt``.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

import numpy as np

from synmi import analytic, empirical
from synmi.validation.report.tiers import TIERS

SIZES = (4, 12, 20)
CASES_PER_SIZE = 3
LADDER_CASES_PER_SIZE = 1
THREADS = 2
#: the previous primary's settings (truth version 1), asked for the new precision
LADDER = {"method": "entropy_difference", "ladder": (1_250, 5_000, 20_000), "max_samples": 80_000,
          "replicates": 5, "precision": 0.02, "atol": 0.01, "cross_check": "none"}


def copula_settings(n: int) -> dict:
    return {**TIERS["full"].estimation.truth_kwargs(n), "cross_check": "none"}


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, {THREADS} threads; synmi truth version {empirical.TRUTH_VERSION}")
    print("copula settings (report, full tier, n >= 7):", copula_settings(20))
    print("ladder settings (previous primary):", LADDER)
    cases = [(n, j, analytic.set3_case(np.random.default_rng(np.random.SeedSequence(2026, spawn_key=(n, j))), n=n))
             for n in SIZES for j in range(CASES_PER_SIZE)]
    runs: dict[tuple[str, int], list[tuple[float, bool]]] = {}
    print("\n n   N  method  wall_s  cpu_s  value    half-width  resolved  rungs x replicates")
    for n, j, case in cases:
        methods = [("copula", copula_settings(n))] + ([("ladder", LADDER)] if j < LADDER_CASES_PER_SIZE else [])
        for name, kw in methods:
            truth, wall, cpu = timed(lambda: empirical.true_information(
                case.mu, case.sigma, case.ensemble, case.pattern, seed=1, n_jobs=THREADS, **kw))
            runs.setdefault((name, n), []).append((wall, bool(truth.resolved)))
            reps = len(truth.ladder[-1].replicate_values) if truth.ladder else 0
            print(f"{n:2d}  {case.n_patterns:2d}  {name:6s}  {wall:6.1f}  {cpu:5.1f}  {truth.value:.4f}  "
                  f"{truth.half_width:.4f}      {str(truth.resolved):8s}  {[r.n_samples for r in truth.ladder]} "
                  f"x {reps}", flush=True)

    def per_resolved(items: list[tuple[float, bool]]) -> float:
        done = sum(ok for _, ok in items)
        return sum(w for w, _ in items) / done if done else float("inf")

    print("\nseconds per resolved truth (total wall seconds / resolved truths; inf when none resolved).")
    print("The ratio compares both methods on the same case (the first of each size).")
    print(" n   copula_median_s (3 cases)  copula_s/resolved  ladder_s/resolved (same case)  ratio")
    for n in SIZES:
        copula, ladder = runs[("copula", n)], runs[("ladder", n)]
        same = per_resolved(copula[:LADDER_CASES_PER_SIZE])
        other = per_resolved(ladder)
        print(f"{n:2d}   {statistics.median(w for w, _ in copula):25.1f}  {per_resolved(copula):17.1f}  "
              f"{other:28.1f}  {other / same:5.1f}x")


if __name__ == "__main__":
    main()
