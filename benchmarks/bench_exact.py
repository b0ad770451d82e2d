"""Benchmark of ``analytic.exact``: exact single-connection information against the Monte Carlo truth it replaces.

Side by side in one run, on the same cases (``n = 1``): set-2 and set-3 cases
(``set2_case(seed, n=1)``, ``set3_case(seed, n=1)``, ``N ~ U{2…50}``) and a
scale sweep of set-1 cases (``N = 10``, ``rho = 0``, ``sigma = 0.5 … 5``, i.e.
``s^2 = 2 sigma^2`` up to 50):

* ``analytic.single_connection_information`` (default ``tol = 1e-10``; validation
  and the error bound's two extra evaluations included), timed over ``--repeats``
  calls, its first call reported separately (its node caches are then cold);
* ``empirical.estimate_mi(mu, sigma, ens, l, n_samples=200_000, seed=..., method="entropy_1d",
  replicates=5)``, one call per case, right after the exact method's calls so that
  drifts of this shared machine's speed hit both alike.

Per case: both values, the exact method's error bound, the Monte Carlo standard
error and its deviation from the exact value in units of that standard error,
both times and their ratio.  Summary: medians, the speed-up ratio of the medians
(target >= 20x), the median exact time (target <= 0.1 s), the largest error
bound (target <= 1e-8) and the distribution of the deviations.

Run:  python benchmarks/bench_exact.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import scipy

from synmi import analytic
from synmi.empirical import estimate_mi


def load() -> str:
    try:
        one, _, _ = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        return "load average unavailable"
    return f"load average {one:.2f} on {os.cpu_count()} CPUs"


def benchmark_cases(n_random: int, sigmas: list[float]) -> list[tuple[str, analytic.Case]]:
    cases = []
    for seed in range(n_random):
        cases.append((f"set2 seed {seed}", analytic.set2_case(seed, n=1)))
        cases.append((f"set3 seed {seed}", analytic.set3_case(seed, n=1)))
    for t, sigma in enumerate(sigmas):
        cases.append((f"set1 sigma {sigma:g}", analytic.set1_case(100 + t, n_patterns=10, sigma=sigma, rho=0.0, n=1)))
    return cases


def connection_variances(case: analytic.Case) -> np.ndarray:
    _, c = analytic.connection_log_moments(case.mu, case.sigma, case.ensemble)
    return np.broadcast_to(c[..., 0, 0], (case.n_patterns,))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 random cases, 2 sweep cases, 2 repeats")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls of the exact method per case")
    opts = parser.parse_args(argv)
    n_random, sigmas, repeats = (3, [1.0, 5.0], 2) if opts.quick else (8, [0.5, 1.5, 3.0, 5.0], opts.repeats)
    n_samples, replicates = 200_000, 5

    print(f"# bench_exact: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numpy {np.__version__}, scipy {scipy.__version__}")
    print(f"# Monte Carlo: estimate_mi(method='entropy_1d', n_samples={n_samples:,}, replicates={replicates}); "
          f"exact: single_connection_information(tol=1e-10), median of {repeats} calls")
    print(f"({load()} before)")
    print()
    header = (f"| {'case':17s} | {'N':>2s} | {'s^2 range':>12s} | {'exact I (nats)':>15s} | {'bound':>7s} | "
              f"{'first s':>7s} | {'median s':>8s} | {'MC I':>9s} | {'MC s.e.':>7s} | {'dev/se':>6s} | "
              f"{'MC s':>6s} | {'MC/exact':>8s} |")
    print(header)
    print("".join(ch if ch == "|" else "-" for ch in header))
    rows = []
    for t, (name, case) in enumerate(benchmark_cases(n_random, sigmas)):
        args = (case.mu, case.sigma, case.ensemble.tolist(), case.pattern)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = analytic.single_connection_information(*args)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        mc = estimate_mi(*args, n_samples=n_samples, seed=1000 + t, method="entropy_1d", replicates=replicates)
        t_mc = time.perf_counter() - start
        t_exact = statistics.median(times)
        dev = (mc.value - result.value) / mc.stderr
        var = connection_variances(case)
        rows.append({"t_exact": t_exact, "t_first": times[0], "t_mc": t_mc, "error": result.error, "dev": dev,
                     "covered": mc.ci_low <= result.value <= mc.ci_high})
        print(f"| {name:17s} | {case.n_patterns:2d} | {var.min():5.2f}-{var.max():6.2f} | {result.value:15.12f} | "
              f"{result.error:7.1e} | {times[0]:7.3f} | {t_exact:8.3f} | {mc.value:9.6f} | {mc.stderr:7.1e} | "
              f"{dev:6.2f} | {t_mc:6.2f} | {t_mc / t_exact:7.0f}x |")
    print()
    print(f"({load()} after)")
    t_exact = np.array([r["t_exact"] for r in rows])
    t_first = np.array([r["t_first"] for r in rows])
    t_mc = np.array([r["t_mc"] for r in rows])
    errors = np.array([r["error"] for r in rows])
    devs = np.array([r["dev"] for r in rows])
    ratio = float(np.median(t_mc) / np.median(t_exact))
    print(f"exact method: median {np.median(t_exact):.3f} s per case (first calls: median {np.median(t_first):.3f} s, "
          f"max {t_first.max():.3f} s; all calls max {t_exact.max():.3f} s)")
    print(f"Monte Carlo:  median {np.median(t_mc):.3f} s per case")
    print(f"speed-up, ratio of the medians: {ratio:.0f}x (per case: median {np.median(t_mc / t_exact):.0f}x, "
          f"range {np.min(t_mc / t_exact):.0f}-{np.max(t_mc / t_exact):.0f}x)")
    print(f"largest error bound of the exact method: {errors.max():.1e} nats (median {np.median(errors):.1e})")
    print(f"Monte Carlo deviation from exact, in standard errors: mean {devs.mean():+.2f}, median "
          f"{np.median(devs):+.2f}, max |dev| {np.abs(devs).max():.2f}; {np.mean(np.abs(devs) <= 2):.0%} within 2 s.e., "
          f"{sum(r['covered'] for r in rows)} of {len(rows)} 95% t-intervals cover the exact value")
    print(f"criterion 'speed-up >= 20x': {'met' if ratio >= 20 else 'NOT MET'} ({ratio:.0f}x)")
    print(f"criterion 'median <= 0.1 s per case': {'met' if np.median(t_exact) <= 0.1 else 'NOT MET'} "
          f"({np.median(t_exact):.3f} s)")
    print(f"criterion 'error bound <= 1e-8 nats': {'met' if errors.max() <= 1e-8 else 'NOT MET'} ({errors.max():.1e})")


if __name__ == "__main__":
    main()
