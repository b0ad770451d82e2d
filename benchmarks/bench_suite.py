"""Benchmark of ``pytest validation/`` (quick tier) with a formula that costs 0.1 s a case, against FW.

Issue 17, item 3: with a formula costing up to 0.1 s a case the quick tier must
finish in at most 4 times the wall time of the FW run.  Side by side, in one
run of this script, each part of the suite is timed with

* ``synmi.analytic:mutual_information`` (FW, about 1.4 ms a case);
* ``benchmarks.slow_formula:fw_plus_sleep`` (FW's values after a 0.1 s sleep:
  the same verdicts, the cost of a slow formula);
* ``benchmarks.slow_formula:constant_plus_sleep`` (1 nat after a 0.1 s sleep:
  it keeps every law, so every counterexample search spends its whole budget;
  the worst case for the law part).

Parts (``--parts``):

``laws``
    ``validation/test_laws.py`` (rates over sets 1-3 and the counterexample
    searches: nearly all of the approximation's evaluations).
``agreement``
    ``validation/test_agreement.py``, ``test_claims.py``, ``test_wrong_variants.py``
    (the approximation judged on the tier's cached truths).
``all``
    the whole ``pytest validation/`` quick tier (long: about 2-4 minutes with FW
    and 8-9 with a 0.1 s formula on 2 busy cores).

The other tests (``test_estimators.py``, ``test_report.py``) do not evaluate the
approximation under test, except that the session's suite data judges it once
on the tier's cases (counted in ``agreement``).  So, unless ``all`` is timed,
the whole tier is extrapolated as ``T_FW(all) + sum over parts of (T_slow(part)
- T_FW(part))`` from a measured ``T_FW(all)`` (``--fw-total``, seconds).

The truths must be cached (``.synmi-cache/quick``, filled by any earlier run of
the suite).  Each pytest run is a subprocess with ``SYNMI_N_JOBS`` worker
processes (default 2, the suite's default).

Run:  python benchmarks/bench_suite.py [--parts laws,agreement] [--fw-total SECONDS]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FORMULAS = {
    "FW": "synmi.analytic:mutual_information",
    "FW + 0.1 s": "benchmarks.slow_formula:fw_plus_sleep",
    "constant + 0.1 s": "benchmarks.slow_formula:constant_plus_sleep",
}
PARTS = {
    "laws": ["validation/test_laws.py"],
    "agreement": ["validation/test_agreement.py", "validation/test_claims.py", "validation/test_wrong_variants.py"],
    "all": ["validation/"],
}


def load() -> str:
    try:
        one, _, _ = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        return "load average unavailable"
    return f"load average {one:.2f} on {os.cpu_count()} CPUs"


def time_part(paths: list[str], approximation: str) -> tuple[float, str]:
    """Wall time of one ``pytest`` run, and its last line (the outcome counts)."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths, "--approximation", approximation]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    return seconds, (lines[-1] if lines else out.stderr.strip()[-200:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="laws,agreement", help="comma-separated: laws, agreement, all")
    parser.add_argument("--formulas", default=",".join(FORMULAS), help="comma-separated names of FORMULAS")
    parser.add_argument("--fw-total", type=float, default=None,
                        help="measured wall time (s) of the whole quick tier with FW, for the extrapolation")
    opts = parser.parse_args(argv)
    parts = [p.strip() for p in opts.parts.split(",") if p.strip()]
    names = [f.strip() for f in opts.formulas.split(",") if f.strip()]
    print(f"# bench_suite: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SYNMI_N_JOBS={os.environ.get('SYNMI_N_JOBS', '2 (default)')}")
    print(f"({load()} before)")
    print()
    times: dict[tuple[str, str], float] = {}
    for part in parts:
        for name in names:  # the formulas take turns within each part, so load drifts hit them alike
            seconds, outcome = time_part(PARTS[part], FORMULAS[name])
            times[(part, name)] = seconds
            print(f"{part:9s} | {name:16s} | {seconds:7.1f} s | {outcome}  ({load()})", flush=True)
    print()
    for part in parts:
        fw = times.get((part, "FW"))
        for name in names:
            if name != "FW" and fw:
                print(f"{part:9s}: {name} / FW = {times[(part, name)] / fw:.2f}")
    if "all" not in parts and opts.fw_total:
        print()
        for name in names:
            if name == "FW" or any((p, "FW") not in times for p in parts):
                continue
            extra = sum(times[(p, name)] - times[(p, "FW")] for p in parts)
            total = opts.fw_total + extra
            print(f"whole quick tier, extrapolated: {name}: {opts.fw_total:.0f} s (FW, measured) + {extra:.0f} s "
                  f"= {total:.0f} s, ratio {total / opts.fw_total:.2f} (target <= 4)")
    elif "all" in parts:
        fw = times.get(("all", "FW"))
        for name in names:
            if name != "FW" and fw:
                print(f"whole quick tier, measured: {name} / FW = {times[('all', name)] / fw:.2f} (target <= 4)")
    print(f"({load()} after)")


if __name__ == "__main__":
    main()
