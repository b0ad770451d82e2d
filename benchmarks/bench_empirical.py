"""Benchmark of ``empirical`` (issue 3): KSG against npeet-plus, entropy difference, sampler.

Every table is measured side by side in one run (interleaved repeats, medians).

Part 1, ``n = 1`` (joint dimension 2), ``M = 10^5``: ``empirical.ksg_mi`` against
``npeet_plus.mi(x, y, k=3, base=e)`` and against the bare joint-space kNN query
of ``scipy.spatial.cKDTree`` (tree build + ``query(k=[k+1], p=inf)``, default
parameters, what one would write by hand); scikit-learn's
``mutual_info_regression`` for reference.  The data are the estimator's real
input: z-scored, jittered ``(ln w_S, ln z_l)`` from a set-2 case.

Part 2, joint dimensions 4, 8, 16 (``n = 2, 4, 8``), ``M = 10^5``: ``ksg_mi`` (split
into joint kNN and marginal counts) against npeet-plus, and the entropy
difference (two ``n``-dimensional Kozachenko-Leonenko entropies, no range
counts) on the same case.  npeet-plus's marginal counts are the same
scikit-learn ``KDTree`` range counts as ours, so the rest of its time is its
joint kNN query.

Part 3, accuracy at equal sample size on a Gaussian analogue with known truth:
``W = Z + R``, ``Z``, ``R`` independent ``n``-dimensional Gaussians,
``I(W; Z) = (1/2) ln(det C_W / det C_R)`` (the structure of docs/theory.md §2):
KSG on ``(W, Z)`` against the entropy difference ``h(W) - h(R)`` on the same draws.

Part 4, the sampler: ``M = 10^6`` draws for ``n = 20``, ``N = 50``, ``d = 20``; time
for 1 and 2 threads, peak resident memory of a fresh process, and the floor set
by this machine's normal-generation and ``exp`` rates.

For every row the values of ``ksg_mi`` and npeet-plus are computed on identical
data (NPEET's 1e-10 jitter switched off for the timed calls; it costs nothing):
the neighbour counts are identical, the values differ only by the order of
summation of the digamma means (~1e-15).

Run:  python benchmarks/bench_empirical.py [--repeats 3] [--parts 1,2,3,4] [--dims 2,4]
      (about 5 minutes on 2 cores; ``--parts 2 --dims 8`` adds the joint-dimension-16
      row of part 2, one repeat, 3.5-6 more minutes).  Output of our run:
      benchmarks/bench_empirical_output.txt.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import npeet_plus  # noqa: E402
import npeet_plus.estimators as npeet_est  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from synmi import (
    analytic,  # noqa: E402
    empirical,  # noqa: E402
)
from synmi.empirical._checks import child, generator, root_sequence  # noqa: E402
from synmi.empirical.estimate import _prepared  # noqa: E402
from synmi.empirical.estimators import _count_within, knn_radius  # noqa: E402
from synmi.empirical.sampling import _case_plan, _sample_case  # noqa: E402

K = 3
M = 100_000


def timed(fn, repeats):
    """(median seconds, last value)."""
    times, value = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def side_by_side(fns: dict, repeats: int) -> dict:
    """Interleave the repeats of several functions so that machine load hits all alike."""
    times = {k: [] for k in fns}
    values = {}
    for _ in range(repeats):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            values[key] = fn()
            times[key].append(time.perf_counter() - t0)
    return {k: (statistics.median(times[k]), values[k]) for k in fns}


def case_logs(n: int, seed: int = 1):
    """Z-scored, jittered (ln w, ln z_l, ln w_rest) of a set-2 case, N = 10, as estimate_mi prepares them."""
    case = analytic.set2_case(seed, n_patterns=10, n=n)
    root = root_sequence(seed)
    w, z, rest = _sample_case(case, M, child(root, 0), 2**16, 1)
    rng = generator(child(root, 1))
    return _prepared(np.log(w), rng)[0], _prepared(np.log(z), rng)[0], _prepared(np.log(rest), rng)[0]


def npeet_plain(x, y):
    return npeet_plus.mi(x, y, k=K, base=math.e)


def part1(repeats):
    print(f"\n## Part 1: n = 1 (joint dimension 2), M = {M:,}, k = {K}, medians of {repeats} repeats\n")
    x, y, _ = case_logs(1)
    joint = np.hstack([x, y])
    fns = {
        "bare cKDTree joint kNN (build + query)": lambda: cKDTree(joint).query(joint, k=[K + 1], p=np.inf)[0],
        "synmi.empirical.ksg_mi (workers=1)": lambda: empirical.ksg_mi(x, y, K),
        "synmi.empirical.ksg_mi (workers=2)": lambda: empirical.ksg_mi(x, y, K, workers=2),
        "npeet_plus.mi": lambda: npeet_plain(x, y),
        "sklearn mutual_info_regression": lambda: empirical.sklearn_mi(x, y, K),
    }
    res = side_by_side(fns, repeats)
    bare = res["bare cKDTree joint kNN (build + query)"][0]
    ours = res["synmi.empirical.ksg_mi (workers=1)"][0]
    npe = res["npeet_plus.mi"][0]
    print(f"| {'implementation':40s} | seconds | vs ksg_mi | value (nats) |")
    print(f"|{'-' * 42}|--------:|----------:|-------------:|")
    for key, (sec, val) in res.items():
        v = "" if key.startswith("bare") else f"{val:.12f}"
        print(f"| {key:40s} | {sec:7.3f} | {sec / ours:8.2f}x | {v:>12s} |")
    diff = res["synmi.empirical.ksg_mi (workers=1)"][1] - res["npeet_plus.mi"][1]
    print(f"\nnpeet_plus.mi / ksg_mi = {npe / ours:.2f}x (target >= 3); ksg_mi / bare kNN = {ours / bare:.2f}x "
          f"(target <= 1.5); ksg_mi - npeet_plus.mi = {diff:.1e} nats (summation order only)")
    eps, order = knn_radius(joint, K)
    t_cnt, _ = timed(lambda: (_count_within(x[order], eps, 1), _count_within(y[order], eps, 1)), repeats)
    t_knn, _ = timed(lambda: knn_radius(joint, K), repeats)
    print(f"inside ksg_mi: joint kNN (tree order) {t_knn:.3f} s, both 1-D marginal counts by sorting {t_cnt:.3f} s")


def part2(repeats, dims):
    import empirical.estimators as est

    print(f"\n## Part 2: joint dimensions {', '.join(str(2 * n) for n in dims)}, M = {M:,}, k = {K} "
          f"(medians of {repeats} repeats; 1 repeat at joint dimension 16)\n")
    print("| n | joint dim | ksg_mi s | of which joint kNN | marginal counts | npeet_plus.mi s | npeet / ksg_mi "
          "| ksg_mi value | minus npeet | entropy diff. s | ksg_mi / entropy diff. |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    phase: dict = {}

    def clocked(fn, key):
        def inner(*a, **kw):
            t0 = time.perf_counter()
            out = fn(*a, **kw)
            phase[key] = phase.get(key, 0.0) + time.perf_counter() - t0
            return out
        return inner

    originals = est.knn_radius, est._count_within
    for n in dims:
        reps = 1 if 2 * n >= 16 else repeats
        x, y, r = case_logs(n)
        knn_times, count_times = [], []

        def ksg_clocked():
            phase.clear()
            est.knn_radius, est._count_within = clocked(originals[0], "knn"), clocked(originals[1], "count")
            try:
                return empirical.ksg_mi(x, y, K)
            finally:
                est.knn_radius, est._count_within = originals
                knn_times.append(phase["knn"])
                count_times.append(phase["count"])

        res = side_by_side({
            "ksg": ksg_clocked,
            "npeet": lambda: npeet_plain(x, y),
            "ed": lambda: empirical.kl_entropy(x, K) - empirical.kl_entropy(r, K),
        }, reps)
        (tk, vk), (tn, vn), (te, _) = res["ksg"], res["npeet"], res["ed"]
        print(f"| {n} | {2 * n} | {tk:.2f} | {statistics.median(knn_times):.2f} | "
              f"{statistics.median(count_times):.2f} | {tn:.2f} | {tn / tk:.2f}x "
              f"| {vk:.10f} | {vk - vn:.1e} | {te:.2f} | {tk / te:.1f}x |", flush=True)


def part3(repeats, dims):
    print(f"\n## Part 3: accuracy at equal M = {M:,} on the Gaussian analogue W = Z + R "
          f"({repeats} replicates; error = mean - truth +- standard error)\n")
    print("| n | truth | KSG error | KSG s/replicate | entropy diff. error | entropy diff. s/replicate | time ratio |")
    print("|--:|--:|--:|--:|--:|--:|--:|")
    for n in dims:
        rng = np.random.default_rng(100 + n)
        a = rng.normal(size=(n, n))
        cz = 0.5 * (a @ a.T / n + 0.5 * np.eye(n))
        b = rng.normal(size=(n, n))
        cr = b @ b.T / n + 0.5 * np.eye(n)
        truth = 0.5 * (np.linalg.slogdet(cz + cr)[1] - np.linalg.slogdet(cr)[1])
        lz, lr = np.linalg.cholesky(cz), np.linalg.cholesky(cr)
        ksg, ed, tk, te = [], [], [], []
        for rep in range(repeats):
            g = np.random.default_rng([n, rep])
            z = g.standard_normal((M, n)) @ lz.T
            r = g.standard_normal((M, n)) @ lr.T
            w = z + r
            t0 = time.perf_counter()
            ksg.append(empirical.ksg_mi(w, z, K, standardize=True))
            t1 = time.perf_counter()
            ed.append(empirical.kl_entropy(w, K, standardize=True) - empirical.kl_entropy(r, K, standardize=True))
            t2 = time.perf_counter()
            tk.append(t1 - t0)
            te.append(t2 - t1)

        def err(v):
            v = np.asarray(v)
            se = v.std(ddof=1) / math.sqrt(v.size) if v.size > 1 else float("nan")
            return f"{v.mean() - truth:+.4f} +- {se:.4f}"

        mk, me = statistics.median(tk), statistics.median(te)
        print(f"| {n} | {truth:.4f} | {err(ksg)} | {mk:.2f} | {err(ed)} | {me:.2f} | {mk / me:.1f}x |", flush=True)


SAMPLER_CHILD = r"""
import resource, sys, time, json
import numpy as np
sys.path.insert(0, {root!r})
from synmi import analytic, empirical
case = analytic.set2_case(7, n_patterns=50, n=20)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
s = empirical.sample_hebbian(case.mu, case.sigma, case.ensemble, case.pattern, 1_000_000, 1, n_jobs={jobs})
sec = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(seconds=sec, peak_mib=peak / 1024, base_mib=base / 1024, w00=float(s.w[0, 0]))))
"""


def part4(repeats):
    import json

    case = analytic.set2_case(7, n_patterns=50, n=20)
    plan = _case_plan(case)
    n_normals = 1_000_000 * plan.total_rank
    n_exp = 1_000_000 * case.n_patterns * case.n_connections
    print(f"\n## Part 4: sampler, M = 1,000,000, n = 20, N = 50, d = 20 (set-2 case; |V(S)| = "
          f"{case.neurons.size}, {plan.total_rank} normals and {case.n_patterns * case.n_connections} "
          f"exponentials per draw); fresh process per run, medians of {repeats}\n")
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    rows = {}
    for jobs in (1, 2):
        runs = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", SAMPLER_CHILD.format(root=root, jobs=jobs)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        rows[jobs] = runs
    print("| n_jobs | seconds | peak RSS MiB (process) | RSS before sampling MiB | identical numbers |")
    print("|--:|--:|--:|--:|--:|")
    w00 = rows[1][0]["w00"]
    for jobs, runs in rows.items():
        sec = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mib"] for r in runs)
        base = max(r["base_mib"] for r in runs)
        same = all(r["w00"] == w00 for r in runs)
        print(f"| {jobs} | {sec:.2f} | {peak:.0f} | {base:.0f} | {same} |")
    rng = generator(np.random.SeedSequence(0))
    buf, res = np.empty(10_000_000), np.empty(10_000_000)
    t_norm, _ = timed(lambda: rng.standard_normal(out=buf), 3)
    t_exp, _ = timed(lambda: np.exp(buf, out=res), 3)
    floor = n_normals * t_norm / buf.size + n_exp * t_exp / buf.size
    print(f"\nThis machine: {t_norm / buf.size * 1e9:.1f} ns per standard normal (SFC64, float64), "
          f"{t_exp / buf.size * 1e9:.1f} ns per exp; normals + exponentials alone take {floor:.1f} s "
          f"on one core, {floor / 2:.1f} s on two (target 5 s).")


def load() -> str:
    """The machine's 1-minute load average: the CPUs are shared, and timings move with it."""
    try:
        return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    except OSError:  # pragma: no cover - not on every platform
        return "load average unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parts", default="1,2,3,4")
    parser.add_argument("--dims", default="2,4", help="ensemble sizes n for parts 2 and 3 (8: joint dimension 16)")
    args = parser.parse_args(argv)
    parts = {int(p) for p in args.parts.split(",")}
    dims = [int(d) for d in args.dims.split(",")]
    print(f"# bench_empirical: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    npeet_est.add_noise = lambda x, intens=1e-10: x  # identical data for both; noise costs ~1 ms
    runs = {1: lambda: part1(max(args.repeats, 5)), 2: lambda: part2(args.repeats, dims),
            3: lambda: part3(args.repeats, sorted({1} | {d for d in dims if d <= 4})), 4: lambda: part4(args.repeats)}
    for part in sorted(parts):
        start = load()
        runs[part]()
        print(f"\n({start} before part {part}, {load()} after)")


if __name__ == "__main__":
    main()
