"""``synmi`` command line (also ``python -m synmi.validation``).

Commands
--------
mi CASE         analytic FW value, validity status and FW parameters
estimate CASE   Monte Carlo truth with its uncertainty
compare CASE    both, the error and the verdict
sweep CONFIG    a resumable sweep (TOML) written to --out
report          the whole error analysis (default configuration) into --out;
                --approximation package.module:function judges another formula

``CASE`` is a TOML or JSON file with keys ``mu``, ``sigma``, ``ensemble``,
``pattern``, or the word ``example`` for the bundled example case.  Errors in
input are reported in one line (exit status 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
import warnings
from importlib import resources
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:
    from ..analytic.inputs import Case

__all__ = ["main", "load_case", "load_mapping"]


class CLIError(Exception):
    """An input error reported in one line."""


def _one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(str(text).split())


def load_mapping(path: str) -> dict[str, Any]:
    """Read a TOML or JSON file into a dict (:func:`synmi.validation.engine.config.read_mapping`).

    Raises
    ------
    CLIError
        In one line naming the file: missing, a directory, unreadable, not UTF-8,
        malformed, or not a table/object at the top level.
    """
    from .engine.config import read_mapping

    try:
        return read_mapping(path)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def load_case(path: str) -> Case:
    """A validated :class:`analytic.Case` from a case file (or ``example``, the bundled case)."""
    from ..analytic.inputs import Case

    if path == "example":
        # the package's own data, located through this module's package (validation/ in the source tree,
        # synmi.validation once installed), so it works from any directory
        text = resources.files(__package__ or "synmi.validation").joinpath("configs/example_case.toml").read_text(
            encoding="utf-8")
        data = tomllib.loads(text)
        data.setdefault("meta", {"source": "bundled example"})
    else:
        data = load_mapping(path)
        data.setdefault("meta", {"source": str(path)})
    try:
        return Case.from_dict(data)
    except ValueError as exc:
        raise CLIError(f"{path}: {exc}") from None


def _fmt_matrix(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=6, suppress_small=False, max_line_width=120)


def _cmd_mi(args: argparse.Namespace) -> int:
    from .. import analytic

    case = load_case(args.case)
    res = analytic.fw_result_for_case(case)
    if args.json:
        print(json.dumps({"value": res.value, "status": res.status.value, "reason": res.reason,
                          "mu_w": res.mu_w.tolist(), "sigma_w": res.sigma_w.tolist(),
                          "mu_w_rest": res.mu_w_rest.tolist(), "sigma_w_rest": res.sigma_w_rest.tolist(),
                          "authors_value": res.authors_value, "authors_kept": res.authors_kept}, indent=2))
        return 0
    print(f"case: N = {case.n_patterns} patterns, d = {case.dim} neurons, n = {case.n_connections} "
          f"connections {[tuple(map(int, c)) for c in case.ensemble]}, target pattern {case.pattern}")
    print(f"I_FW(w_S ; x_l) = {res.value:.6g} nats ({res.value / np.log(2):.6g} bits)")
    print(f"status: {res.status.value} -- {res.reason}")
    print(f"authors' procedure: {res.authors_value:.6g} nats ({'kept' if res.authors_kept else 'dropped'})")
    print("FW log-normal of w_S (docs/theory.md §3):")
    print(f"  mu_w = {_fmt_matrix(res.mu_w)}")
    print(f"  Sigma_w =\n{_fmt_matrix(res.sigma_w)}")
    print("FW log-normal of w_S^(-l):")
    print(f"  mu_w^(-l) = {_fmt_matrix(res.mu_w_rest)}")
    print(f"  Sigma_w^(-l) =\n{_fmt_matrix(res.sigma_w_rest)}")
    return 0


def _estimation_config(args: argparse.Namespace):
    from .engine.comparison import EstimationConfig

    kw: dict[str, Any] = {}
    for name in ("replicates", "seed", "precision", "cross_check"):
        v = getattr(args, name, None)
        if v is not None:
            kw[name] = v
    if getattr(args, "n_samples", None) is not None:
        top = args.n_samples
        lowest = max(EstimationConfig().orders) + 2  # the fewest draws a rung may have (empirical.check_ladder)
        if top < 16 * lowest:
            raise CLIError(f"--n-samples must be at least {16 * lowest} (the rungs are M/16, M/4 and M, and "
                           f"the lowest needs {lowest} draws for the neighbour orders), got {top}")
        kw["ladder"] = (top // 16, top // 4, top)
        kw["max_samples"] = top
        kw["max_samples_tree"] = max(top, EstimationConfig().max_samples_tree)
    try:
        return EstimationConfig(**kw)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def _print_truth(truth) -> None:
    state = "resolved" if truth.resolved else "NOT resolved"
    print(f"I(w_S ; x_l) = {truth.value:.6g} nats, standard error {truth.stderr:.2g}, "
          f"95% interval [{truth.ci_low:.6g}, {truth.ci_high:.6g}] ({state} to {100 * truth.precision:g} % "
          f"or {truth.atol:g} nats)")
    print(f"method {truth.method}, {truth.seconds:.1f} s" + (f" -- {truth.reason}" if truth.reason else ""))
    if truth.components:
        parts = truth.components
        print(f"  exact marginal terms {parts['marginal_sum']:.6g} + Gaussian part {parts['gaussian_part']:.4g} "
              f"(+/- {parts['gaussian_stderr']:.2g}) + bracket {parts['bracket']:.3g}, "
              f"{int(parts['replicates'])} replicates")
    for rung in truth.ladder:
        values = ", ".join(f"k={k}: {v:.5g} +/- {se:.2g}" for k, v, se in zip(rung.orders, rung.values, rung.stderrs))
        print(f"  M = {rung.n_samples:>7}: {values}")
    check = truth.cross_check
    if check.agree is not None:
        print(f"cross-check {check.method}: {check.value:.6g} +/- {check.stderr:.2g} "
              f"({'agrees' if check.agree else 'DISAGREES'}; {check.reason})")
    elif check.method not in ("none", "exact"):
        print(f"cross-check {check.method}: {check.reason}")


def _cmd_estimate(args: argparse.Namespace) -> int:
    from .. import empirical

    case = load_case(args.case)
    config = _estimation_config(args)
    try:
        if args.method is not None:
            est = empirical.estimate_mi(case.mu, case.sigma, case.ensemble, case.pattern,
                                        n_samples=config.ladder[-1], seed=config.seed, method=args.method,
                                        replicates=config.replicates, calibrate=True)
            print(f"estimator {est.method}: {est.value:.6g} nats, standard error {est.stderr:.2g}, "
                  f"95% CI [{est.ci_low:.6g}, {est.ci_high:.6g}] (sampling noise only); "
                  f"bias on the Gaussian surrogate {est.bias:+.2g} +/- {est.bias_stderr:.2g}")
            return 0
        truth = empirical.true_information(case.mu, case.sigma, case.ensemble, case.pattern, seed=config.seed,
                                           **config.truth_kwargs(case.n_connections))
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    _print_truth(truth)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .engine.comparison import compare_case

    case = load_case(args.case)
    config = _estimation_config(args)
    try:
        row = compare_case(case, config)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    if args.json:
        print(json.dumps(row, indent=2, default=float))
        return 0
    print(f"I_FW   = {row['approx_value']:.6g} nats  (status {row['fw_status']})")
    state = "resolved" if row["truth_resolved"] else "NOT resolved"
    print(f"I_true = {row['truth']:.6g} nats +/- {row['truth_stderr']:.2g} (s.e.), "
          f"95% interval [{row['truth_ci_low']:.6g}, {row['truth_ci_high']:.6g}], {row['truth_method']}, {state}")
    if np.isfinite(row["err"]):
        print(f"error  = {row['err']:+.4g} nats ({100 * row['rel_err']:+.1f} %); tolerance {row['tolerance']:.2g} "
              f"(= {config.z:g} x s.e. + bias bound {row['bias_bound']:.2g})")
    print(f"verdict: {row['verdict']}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .engine.config import run_sweep_config

    try:
        table = run_sweep_config(args.config, out_dir=args.out, n_jobs=args.n_jobs, scheduler=args.scheduler)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    n_agree = int((table["verdict"] == "agree").sum())
    print(f"{len(table)} cases written to {args.out}/results.csv ({n_agree} agree)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report.build import SHIPPED_APPROXIMATIONS, build_report

    approximations = tuple(args.approximations or SHIPPED_APPROXIMATIONS)
    try:
        summary_path = build_report(out_dir=args.out, quick=args.quick, n_jobs=args.n_jobs,
                                    cache_dir=args.cache, scheduler=args.scheduler, approximations=approximations,
                                    truth_table=args.truth_table, recompute_truths=args.recompute_truths)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    print(f"report written: {summary_path}")
    return 0


def _n_jobs(text: str) -> int:
    """``--n-jobs``: a positive integer or -1 (every CPU), checked before any work starts."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"must be a positive integer or -1 (every CPU), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synmi",
        description="Validate the Fenton-Wilkinson synaptic-information formula of Fan & Mysore (2026) "
                    "against exact Monte Carlo of Hebbian weights.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def case_parser(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("case", metavar="CASE",
                       help="case file (TOML or JSON: mu, sigma, ensemble, pattern) or 'example'")
        return p

    p = case_parser("mi", "analytic FW value, validity status and FW parameters of a case")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_mi)
    for name, func, help_ in (("estimate", _cmd_estimate, "Monte Carlo truth of a case with its uncertainty"),
                              ("compare", _cmd_compare, "analytic value, Monte Carlo truth, error and verdict")):
        p = case_parser(name, help_)
        p.add_argument("--n-samples", type=int, dest="n_samples",
                       help="top rung of the sample-size ladder (rungs M/16, M/4, M); ensembles only")
        p.add_argument("--replicates", type=int, help="independent samples per rung (>= 2)")
        p.add_argument("--precision", type=float, help="relative precision of a resolved truth (default 0.03)")
        p.add_argument("--cross-check", dest="cross_check",
                       choices=("auto", "rao_blackwell", "gaussian_surrogate", "none"),
                       help="independent check of an ensemble truth (default auto)")
        p.add_argument("--seed", type=int, help="root seed")
        if name == "estimate":
            from ..empirical import METHODS

            p.add_argument("--method", choices=METHODS,
                           help="run one named Monte Carlo estimator at the top rung instead of the truth "
                                "(KSG is a lower bound in this model: docs/theory.md §9)")
        if name == "compare":
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
    p = sub.add_parser("sweep", help="run a resumable sweep from a TOML configuration",
                       description="Run a resumable sweep; finished cases are kept in OUT/cases and reused.")
    p.add_argument("config", metavar="CONFIG", help="sweep configuration (TOML)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--n-jobs", type=_n_jobs, default=1, dest="n_jobs", help="local worker processes (joblib)")
    p.add_argument("--scheduler", default=None,
                   help="dask.distributed scheduler address, or 'local' for a LocalCluster of --n-jobs workers")
    p.set_defaults(func=_cmd_sweep)
    p = sub.add_parser("report", help="the whole error analysis into a report folder",
                       description="Regenerate the error-analysis report (report.md, figures, tables, JSON).")
    p.add_argument("--quick", action="store_true", help="small sample sizes (a few minutes)")
    p.add_argument("--out", default="reports", help="output folder (default: %(default)s)")
    p.add_argument("--n-jobs", type=_n_jobs, default=2, dest="n_jobs", help="local worker processes (default: 2)")
    p.add_argument("--cache", default=None,
                   help="folder of finished cases to resume from (default: .synmi-cache/<tier>)")
    p.add_argument("--scheduler", default=None, help="dask.distributed scheduler address, or 'local'")
    p.add_argument("--approximation", action="append", dest="approximations", metavar="MODULE:FUNCTION",
                   help="approximation under test, 'package.module:function' with the signature "
                        "(mu, sigma, ensemble, pattern) -> float in nats; repeat for several: the first is the "
                        "subject of the claims and figures, all are ranked on the leaderboard (default: every "
                        "shipped approximation, the paper's FW formula synmi.analytic:mutual_information first)")
    p.add_argument("--truth-table", dest="truth_table", default=None, metavar="PATH",
                   help="committed truths to reuse (default: OUT/tables/truths.csv.gz); 5%% of the reused ones "
                        "(at least 5) are recomputed with another seed to show they reproduce")
    p.add_argument("--recompute-truths", dest="recompute_truths", action="store_true",
                   help="ignore stored truths and recompute every one (use --scheduler for a dask cluster)")
    p.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 for bad input).

    Bad flags exit 2 through argparse (usage line and message).  Every other input
    error -- a case or configuration file, an option value, a value that fits no
    double, an unknown approximation -- is one line on stderr,
    ``synmi COMMAND: error: ...``, and exit status 2, never a traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            return int(args.func(args) or 0)
    except (CLIError, ValueError) as exc:  # synmi's ValueErrors name the offending argument
        message = str(exc)
    except OSError as exc:  # an output folder that cannot be written, a file that vanished
        message = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
    except MemoryError:
        message = "out of memory: ask for fewer samples (--n-samples) or replicates"
    print(f"synmi {args.command}: error: {_one_line(message)}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
