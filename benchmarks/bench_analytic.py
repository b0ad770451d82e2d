"""Benchmark of ``analytic`` (issue 2): vectorised FW information against a naive loop.

Part 1 compares, side by side in one run, at ``n = 20`` connections, ``N = 50``
patterns and ``d = 20`` neurons (a set-3 case):

* ``naive_fw``: docs/theory.md §§2-3 written as one would first write them,
  plain nested Python loops over connections ``a``, ``b`` and patterns ``k``
  (linear space, ``math.exp``/``math.log``; fine for set-3 scales, where every
  log-moment is far below 700), and a numpy determinant at the end;
* ``analytic.fenton_wilkinson_information`` (one call, input validation included)
  and ``analytic.fw_result_for_case`` (an already validated ``Case``);
* ``analytic.mutual_information_batch`` on many cases of that size, per case.

It reports the median of repeated timings, the speed-up ratios and the largest
relative difference of the values.  Part 2 times ``mutual_information_batch`` on
20,000 generated set-3 cases (the generation is timed separately).

Run:  python benchmarks/bench_analytic.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from synmi import analytic  # noqa: E402


def naive_fw(mu, sigma, ensemble, pattern):
    """``I_FW(w_S ; x_l)`` by nested Python loops (docs/theory.md §§2-3).

    ``sigma`` is ``(N, d, d)``.  Returns the value (``nan`` if a determinant is
    not positive).
    """
    n_patterns = len(mu)
    n = len(ensemble)

    def fw_params(patterns):
        m1 = [0.0] * n
        v = [[0.0] * n for _ in range(n)]
        for a in range(n):
            i, j = ensemble[a]
            for b in range(n):
                ip, jp = ensemble[b]
                for k in patterns:
                    s = sigma[k]
                    c_aa = s[i, i] + s[i, j] + s[j, i] + s[j, j]
                    c_bb = s[ip, ip] + s[ip, jp] + s[jp, ip] + s[jp, jp]
                    c_ab = s[i, ip] + s[i, jp] + s[j, ip] + s[j, jp]
                    e_a = math.exp(mu[k, i] + mu[k, j] + c_aa / 2)
                    e_b = math.exp(mu[k, ip] + mu[k, jp] + c_bb / 2)
                    v[a][b] += e_a * e_b * (math.exp(c_ab) - 1)
                    if b == 0:
                        m1[a] += e_a
        sigma_w = [[math.log(1 + v[a][b] / (m1[a] * m1[b])) for b in range(n)] for a in range(n)]
        mu_w = [math.log(m1[a]) - sigma_w[a][a] / 2 for a in range(n)]
        return mu_w, sigma_w

    mu_w, sigma_w = fw_params(range(n_patterns))
    mu_r, sigma_r = fw_params([k for k in range(n_patterns) if k != pattern])
    det_w = np.linalg.det(np.array(sigma_w))
    det_r = np.linalg.det(np.array(sigma_r))
    if det_w <= 0 or det_r <= 0:
        return float("nan")
    return sum(mu_w[a] - mu_r[a] for a in range(n)) + 0.5 * (math.log(det_w) - math.log(det_r))


def timed(fn, repeats):
    """Median and all wall-clock times of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def part1(n_cases, rounds, inner_repeats):
    print(f"== Part 1: n = 20, N = 50, d = 20 (set-3 cases), {n_cases} cases ==")
    cases = analytic.generate_set("set3", n_cases, 20240601, n_patterns=50, n=20)
    args = [(c.mu, np.ascontiguousarray(c.sigma_stack()), c.ensemble.tolist(), c.pattern) for c in cases]
    naive_vals = np.array([naive_fw(*a) for a in args])
    single_vals = np.array([analytic.fenton_wilkinson_information(*a).value for a in args])
    batch = analytic.mutual_information_batch(cases)
    batch_vals = batch["value"].to_numpy()
    statuses = batch["status"].value_counts().to_dict()
    print(f"statuses: {statuses}")
    both = np.isfinite(naive_vals) & np.isfinite(single_vals)
    # the naive loop returns nan only where a determinant is <= 0, the library
    # flags more (indefinite with positive determinant, negative): compare where both are finite
    rel = np.abs(single_vals[both] - naive_vals[both]) / np.abs(naive_vals[both])
    rel_b = np.abs(batch_vals[both] - naive_vals[both]) / np.abs(naive_vals[both])
    print(f"cases compared: {both.sum()} of {n_cases}")
    hidden = np.isfinite(naive_vals) & ~np.isfinite(single_vals)
    print(f"naive finite but flagged by analytic (indefinite with det > 0, e.g. two negative "
          f"eigenvalues): {hidden.sum()}")
    print(f"max relative difference, single call vs naive: {rel.max():.3e}")
    print(f"max relative difference, batch vs naive:       {rel_b.max():.3e}")
    values_ok = bool(rel.max() <= 1e-10 and rel_b.max() <= 1e-10)
    print(f"values within 1e-10 relative: {values_ok}")

    a0 = args[0]
    case0 = cases[0]
    # Interleaved rounds: each round times the naive loop once and every fast
    # variant right after it, so that drifts of this shared machine's speed hit
    # both sides of a ratio alike; we report per-round ratios' medians and ranges.
    variants = {
        "fenton_wilkinson_information, one case": (lambda: analytic.fenton_wilkinson_information(*a0), 1),
        "fw_result_for_case (validated Case), one case": (lambda: analytic.fw_result_for_case(case0), 1),
        f"mutual_information_batch, per case ({n_cases} cases, validate=True)":
            (lambda: analytic.mutual_information_batch(cases), n_cases),
        f"mutual_information_batch, per case ({n_cases} cases, validate=False)":
            (lambda: analytic.mutual_information_batch(cases, validate=False), n_cases),
    }
    # where the fast path's time goes: the exponentials of the pair log-covariances
    # alone (N n (n + 1) / 2 of them per case) bound any numpy implementation from
    # below; timed in the same rounds
    c = np.random.default_rng(0).normal(size=50 * 20 * 21 // 2)
    naive_times, exp_times = [], []
    times = {name: [] for name in variants}
    for _ in range(rounds):
        naive_times.append(timed(lambda: naive_fw(*a0), 1)[0])
        for name, (fn, per) in variants.items():
            reps = inner_repeats if per == 1 else 1  # one batch call already times many cases
            times[name].append(timed(fn, reps)[0] / per)
        exp_times.append(timed(lambda: np.exp(c), 10 * inner_repeats)[0])
    naive_arr = np.array(naive_times)
    t_naive = float(np.median(naive_arr))
    print(f"{rounds} interleaved rounds; naive loop, one case: median {t_naive * 1e3:.3f} ms "
          f"(range {naive_arr.min() * 1e3:.1f}-{naive_arr.max() * 1e3:.1f} ms)")
    best = 0.0
    for name, ts in times.items():
        ts = np.array(ts)
        ratios = naive_arr / ts
        best = max(best, float(np.median(ratios)))
        print(f"{name}: median {np.median(ts) * 1e3:.3f} ms, speed-up median {np.median(ratios):.0f}x "
              f"(rounds {ratios.min():.0f}-{ratios.max():.0f}x)")
    t_single = float(np.median(times["fenton_wilkinson_information, one case"]))
    per_case = float(np.median(times[f"mutual_information_batch, per case ({n_cases} cases, validate=False)"]))
    print(f"criterion 'same values to 1e-10 relative': {'met' if values_ok else 'NOT MET'}")
    print(f"criterion 'vectorised >= 1000x faster': {'met' if best >= 1000 else 'NOT MET'} "
          f"(best median ratio {best:.0f}x)")
    exp_arr = np.array(exp_times)
    t_exp = float(np.median(exp_arr))
    floor = naive_arr / exp_arr
    print(f"floor: np.exp of {c.size} standard normals (as many as one case's pair log-covariances) "
          f"takes {t_exp * 1e6:.0f} us ({t_exp / c.size * 1e9:.1f} ns each), i.e. naive / exp-only = "
          f"{np.median(floor):.0f}x (rounds {floor.min():.0f}-{floor.max():.0f}x)")
    return t_naive, t_single, per_case


def part2(n_cases):
    print(f"== Part 2: mutual_information_batch on {n_cases} random set-3 cases ==")
    t0 = time.perf_counter()
    cases = analytic.generate_set("set3", n_cases, 20240602)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    df = analytic.mutual_information_batch(cases)
    t_batch = time.perf_counter() - t0
    print(f"generation (generate_set, not part of the budget): {t_gen:7.2f} s")
    print(f"mutual_information_batch (validation included):    {t_batch:7.2f} s   (budget 20 s)")
    print(f"statuses: {df['status'].value_counts().to_dict()}")
    print(f"N range {df['n_patterns'].min()}-{df['n_patterns'].max()}, "
          f"n range {df['n_connections'].min()}-{df['n_connections'].max()}")
    print(f"criterion '{n_cases} cases in <= 20 s': {'met' if t_batch <= 20 else 'NOT MET'}")
    return t_batch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and 2,000 cases in part 2")
    opts = parser.parse_args(argv)
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"{platform.machine()}")
    if opts.quick:
        part1(n_cases=20, rounds=3, inner_repeats=20)
        part2(2000)
    else:
        part1(n_cases=200, rounds=9, inner_repeats=30)
        part2(20000)


if __name__ == "__main__":
    main()
