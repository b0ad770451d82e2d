"""Benchmark: the cost of a resolved ensemble truth and of its cross-checks (issue: truth everywhere).

For set-3 cases at n = 5, 10 and 20 (the paper's range), times
:func:`synmi.empirical.true_information` with the committed report's settings
(ladder 1250 / 5000 / 20000 draws, extended up to 80000 for n < 7, orders 3 and 8,
5 replicates, no cross-check), on 1 and 2 threads side by side, and prints wall seconds, CPU seconds, whether the
truth resolved to 3 %, and the ladder's drift; then the cost of each cross-check
(Rao-Blackwellised estimator, Gaussian surrogate) on the same truths.

Targets: a truth resolved to 3 % at n = 20 in <= 60 s on 2 cores.
Reference points measured with independent code while building the harness:
about 5 CPU-s per replicate at n = 20, M = 2e4.

Run: ``python benchmarks/bench_truth.py`` (about 10 minutes on 2 cores).
"""

from __future__ import annotations

import os
import platform
import sys
import time

import numpy as np

from synmi import analytic, empirical
from synmi.validation.report.tiers import TIERS  # noqa: E402

#: the committed report's settings (ladder 1250 / 5000 / 20000, 5 replicates, extended to 80000 for n < 7)
ESTIMATION = TIERS["full"].estimation


def settings(n: int) -> dict:
    return ESTIMATION.truth_kwargs(n)


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs; synmi truth version {empirical.TRUTH_VERSION}")
    print("settings (report, full tier):", {k: v for k, v in ESTIMATION.to_dict().items() if k != "seed"})
    cases = {n: analytic.set3_case(np.random.default_rng(np.random.SeedSequence(2026, spawn_key=(n,))), n=n)
             for n in (5, 10, 20)}
    truths = {}
    print("\n n   N  threads  wall_s  cpu_s  value    half-width  resolved  drift    order_gap")
    for n, case in cases.items():
        for threads in (1, 2):
            truth, wall, cpu = timed(lambda: empirical.true_information(
                case.mu, case.sigma, case.ensemble, case.pattern, seed=1, n_jobs=threads, **settings(n)))
            truths[n] = truth
            print(f"{n:2d}  {case.n_patterns:2d}  {threads:7d}  {wall:6.1f}  {cpu:5.1f}  {truth.value:.4f}  "
                  f"{truth.half_width:.4f}      {str(truth.resolved):8s}  {truth.drift:.4f}   {truth.order_gap:.4f}")
    # what a 3% resolution costs where the report's ladder stops short (brute-force neighbours, cost ~ M^2)
    case = cases[20]
    kw = {**settings(20), "max_samples": 80_000}
    truth, wall, cpu = timed(lambda: empirical.true_information(case.mu, case.sigma, case.ensemble, case.pattern,
                                                                seed=1, n_jobs=2, **kw))
    print(f"\nn = 20 with the ladder extended to 80,000 draws (2 threads): {wall:.1f} s wall, {cpu:.1f} CPU-s, "
          f"value {truth.value:.4f}, half-width {truth.half_width:.4f}, resolved {truth.resolved}, rungs "
          f"{[r.n_samples for r in truth.ladder]}, drift {truth.drift:.4f}, order gap {truth.order_gap:.4f}")
    print("\ncross-checks (1 thread):")
    print(" n   method              wall_s  value    agree  reason")
    for n, case in cases.items():
        for method in ("rao_blackwell", "gaussian_surrogate"):
            check, wall, _ = timed(lambda: empirical.cross_check_truth(
                case.mu, case.sigma, case.ensemble, case.pattern, truths[n], method=method, seed=2))
            print(f"{n:2d}  {method:18s}  {wall:6.1f}  {check.value:.4f}  {str(check.agree):5s}  {check.reason}")


if __name__ == "__main__":
    main()
