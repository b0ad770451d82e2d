"""Generated inputs end to end (issue 17): ``true_information``, the case-file loader and the CLI.

Every generated input must give a valid result or a clear refusal -- a ``ValueError``
(library) or exit status 2 with one line on stderr (CLI) -- never a traceback, a
silent NaN, or a finite number where the information is infinite (``N = 1``: the
weights reveal ``x_l`` exactly, docs/theory.md §2).  Warnings are errors here: a
NaN summed on the way (numpy's 'invalid value' RuntimeWarning) fails the test.

Quick tier: a modest number of examples per entry point.  Full tier
(``--run-slow``): at least 1000 generated inputs per entry point.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synmi import analytic, empirical
from synmi.analytic import InfiniteInformationWarning
from synmi.validation.cli import CLIError, load_case, main

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FULL = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: tiny sample sizes: the point is the path through the code, not the accuracy
TINY = {"ladder": (20, 80, 320), "max_samples": 320, "replicates": 2, "cross_check": "none"}

# ------------------------------------------------------------------------------------------- strategies

#: numbers a case file may hold: ordinary ones, and the edges of float64
edge_floats = st.one_of(
    st.floats(-3.0, 3.0),
    st.sampled_from([0.0, -0.0, 1e-300, 354.0, 355.0, 709.0, 710.0, 1e154, 1e308, -1e308, math.inf, -math.inf,
                     math.nan]),
    st.floats(allow_nan=True, allow_infinity=True),
)


@st.composite
def cases(draw: st.DrawFn, *, wild: bool) -> dict[str, Any]:
    """A case as a mapping: mostly well formed (``wild=False``: finite, moderate values); with ``wild``
    some values at or beyond the edges of float64, wrong shapes and bad indices."""
    n_patterns = draw(st.integers(1, 4))
    dim = draw(st.integers(2, 5))
    mu = np.array(draw(st.lists(st.floats(-2.0, 2.0), min_size=n_patterns * dim, max_size=n_patterns * dim)))
    mu = mu.reshape(n_patterns, dim)
    a = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=dim * dim, max_size=dim * dim))).reshape(dim, dim)
    scale = draw(st.sampled_from([0.01, 0.3, 1.0, 4.0, 16.0]))
    sigma = scale * (a @ a.T) / dim
    pairs = [(i, j) for i in range(dim) for j in range(i + 1, dim)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=min(3, len(pairs)), unique=True))
    ensemble: Any = [list(p) for p in chosen]
    pattern: Any = draw(st.integers(0, n_patterns - 1))
    sigma_out: Any = sigma
    if wild:
        if draw(st.booleans()):
            mu[draw(st.integers(0, n_patterns - 1)), draw(st.integers(0, dim - 1))] = draw(edge_floats)
        if draw(st.booleans()):
            with np.errstate(over="ignore", under="ignore"):  # an overflow to inf is itself a wild input
                sigma_out = sigma * draw(st.sampled_from([1e-300, 100.0, 300.0, 1e6, 1e308]))
        if draw(st.integers(0, 5)) == 0:
            ensemble = draw(st.sampled_from([[], [[0, 0]], [[0, dim]], [[-1, 1]], [[0, 1], [1, 0]], [[0, 2**70]],
                                             [[0.5, 1]], "01", 3]))
        if draw(st.integers(0, 5)) == 0:
            pattern = draw(st.sampled_from([-1, n_patterns, 1.5, "0", None, True, 2**70]))
        if draw(st.integers(0, 7)) == 0:
            sigma_out = sigma[:-1]
        if draw(st.integers(0, 7)) == 0:
            sigma_out = np.stack([sigma] * (n_patterns + 1))
    return {"mu": mu.tolist(), "sigma": np.asarray(sigma_out).tolist(), "ensemble": ensemble, "pattern": pattern}


def _no_warnings():
    """Every warning an error, except the documented one that announces an infinite information."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error")
    warnings.filterwarnings("ignore", category=InfiniteInformationWarning)
    return ctx


# --------------------------------------------------------------------------------- true_information


def _check_true_information(case: dict[str, Any]) -> None:
    ctx = _no_warnings()
    try:
        truth = empirical.true_information(case["mu"], case["sigma"], case["ensemble"], case["pattern"], seed=1,
                                           **TINY)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    finally:
        ctx.__exit__(None, None, None)
    values = [truth.value, truth.ci_low, truth.ci_high, truth.stderr]
    assert not any(math.isnan(v) for v in values), truth
    if len(case["mu"]) == 1:
        sig = np.asarray(case["sigma"], dtype=float).reshape(-1, *np.shape(case["sigma"])[-2:])[0]
        ens = np.asarray(case["ensemble"])
        varies = np.any(sig[ens[:, 0], ens[:, 0]] + sig[ens[:, 1], ens[:, 1]] + 2 * sig[ens[:, 0], ens[:, 1]] > 0)
        if varies:
            assert truth.value == math.inf, truth  # N = 1: w_S reveals x_l exactly, the information is infinite
        else:
            assert truth.value == 0.0, truth  # constant weights carry no information
    elif truth.method == "infinite":
        # infinite only where the exact rank test says so (docs/theory.md §4.1), with its reason
        case_obj = analytic.validate_case(case["mu"], case["sigma"], case["ensemble"], case["pattern"])
        assert truth.value == math.inf and truth.reason, truth
        assert analytic.rest_support_dimension(case_obj).infinite
    else:
        assert math.isfinite(truth.value) and truth.value >= -1.0, truth  # kNN noise at M = 320
        assert truth.ci_low <= truth.value <= truth.ci_high


@QUICK
@given(cases(wild=True))
def test_true_information_fuzz(case):
    _check_true_information(case)


@pytest.mark.slow
@FULL
@given(cases(wild=True))
def test_true_information_fuzz_full(case):
    _check_true_information(case)


def test_true_information_is_infinite_for_one_pattern():
    """The fuzz's N = 1 rule on a fixed case, n = 1 (exact path) and n = 2 (ladder path)."""
    for ensemble in ([(0, 1)], [(0, 1), (1, 2)]):
        ctx = _no_warnings()
        try:
            truth = empirical.true_information(np.zeros((1, 3)), 0.5 * np.eye(3), ensemble, 0, **TINY)
        finally:
            ctx.__exit__(None, None, None)
        assert truth.value == math.inf


def test_one_pattern_with_constant_weights_carries_nothing():
    """N = 1 and a zero covariance: every weight is the constant exp(mu_i + mu_j), so I = 0 (docs/theory.md §2),
    as the exact path already says for n = 1."""
    ctx = _no_warnings()
    try:
        one = empirical.true_information(np.zeros((1, 3)), np.zeros((3, 3)), [(0, 1)], 0, **TINY)
        two = empirical.true_information(np.zeros((1, 3)), np.zeros((3, 3)), [(0, 1), (1, 2)], 0, **TINY)
    finally:
        ctx.__exit__(None, None, None)
    assert one.value == 0.0
    assert two.value == 0.0


# ----------------------------------------------------------------------------------- case-file loader

#: JSON-like values, nested
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | edge_floats | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def case_documents(draw: st.DrawFn) -> tuple[str, bytes]:
    """``(suffix, bytes)`` of a case file: a good or wild case as JSON or TOML, a case with one key
    replaced by junk, JSON junk, or raw garbage bytes."""
    kind = draw(st.sampled_from(["json-case", "toml-case", "json-junk-key", "json-junk", "bytes", "text"]))
    if kind in ("json-case", "toml-case", "json-junk-key"):
        case = draw(cases(wild=True))
        if kind == "json-junk-key":
            case[draw(st.sampled_from(["mu", "sigma", "ensemble", "pattern", "meta", "colour"]))] = draw(json_values)
        if kind == "toml-case":
            def toml(v: Any) -> str:
                if isinstance(v, float):
                    return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf
                                                       else repr(v))
                if isinstance(v, list):
                    return "[" + ", ".join(toml(x) for x in v) + "]"
                return json.dumps(v)
            text = "".join(f"{k} = {toml(v)}\n" for k, v in case.items() if v is not None)
            return ".toml", text.encode()
        return ".json", json.dumps(case).encode()  # NaN and Infinity as Python's json writes them
    if kind == "json-junk":
        return ".json", json.dumps(draw(json_values)).encode()
    if kind == "bytes":
        return draw(st.sampled_from([".json", ".toml"])), draw(st.binary(max_size=200))
    return draw(st.sampled_from([".json", ".toml"])), draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")


def _check_loader(tmp: Path, document: tuple[str, bytes]) -> None:
    suffix, content = document
    path = tmp / f"case{suffix}"
    path.write_bytes(content)
    ctx = _no_warnings()
    try:
        case = load_case(str(path))
    except CLIError as exc:
        message = str(exc)
        assert message.startswith(str(path)) or message.startswith("no such file"), message
        return
    finally:
        ctx.__exit__(None, None, None)
    assert isinstance(case, analytic.Case)
    assert np.all(np.isfinite(case.mu)) and np.all(np.isfinite(case.sigma))
    assert np.abs(case.mu).max() <= analytic.inputs.LOG_FLOAT_MAX


@QUICK
@given(case_documents())
def test_case_loader_fuzz(tmp_path_factory, document):
    _check_loader(tmp_path_factory.mktemp("case"), document)


@pytest.mark.slow
@FULL
@given(case_documents())
def test_case_loader_fuzz_full(tmp_path_factory, document):
    _check_loader(tmp_path_factory.mktemp("case"), document)


@QUICK
@given(st.dictionaries(st.sampled_from(["mu", "sigma", "ensemble", "pattern", "meta", "x"]), json_values))
def test_case_from_dict_fuzz(data):
    """Arbitrary JSON-like mappings: a Case or a ValueError, nothing else."""
    ctx = _no_warnings()
    try:
        analytic.Case.from_dict(data)
    except ValueError as exc:
        assert str(exc)
    finally:
        ctx.__exit__(None, None, None)


# ------------------------------------------------------------------------------------------------- CLI

option_values = st.sampled_from(["-1", "0", "1", "2", "3", "159", "160", "320", "nan", "inf", "-inf", "1e9",
                                 "abc", "", "0.5", "2.0", "auto", "none", "rao_blackwell", "ksg"])
flags = st.sampled_from(["--n-samples", "--replicates", "--precision", "--cross-check", "--seed", "--method",
                         "--json", "--bogus", "--out", "--n-jobs"])


@st.composite
def argvs(draw: st.DrawFn, tmp: Path) -> list[str]:
    """A command line: ``mi`` on a generated case file, or ``compare``/``estimate`` on the example
    with generated options (the cross-check off and at most 640 samples, so that a valid one is quick)."""
    command = draw(st.sampled_from(["mi", "mi", "compare", "estimate"]))
    if command == "mi":
        suffix, content = draw(case_documents())
        path = tmp / f"case{draw(st.integers(0, 10**9))}{suffix}"
        path.write_bytes(content)
        argv = ["mi", str(path)] + (["--json"] if draw(st.booleans()) else [])
        if draw(st.integers(0, 5)) == 0:
            argv.append(draw(flags))
        return argv
    argv = [command, "example", "--cross-check", "none", "--n-samples", draw(st.sampled_from(["160", "320", "640"]))]
    for _ in range(draw(st.integers(0, 3))):
        flag = draw(flags)
        argv.append(flag)
        if flag not in ("--json",):
            argv.append(draw(option_values))
    if "--n-samples" in argv[6:] or "--cross-check" in argv[6:]:
        # keep a valid run quick: the last occurrence wins in argparse, so restate the small settings
        argv += ["--cross-check", "none", "--n-samples", "320"]
    return argv


def _check_cli(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    ctx = _no_warnings()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: a bad flag or option syntax
                code = exc.code
                assert code == 2
                assert err.getvalue().startswith("usage: synmi")
                return
    finally:
        ctx.__exit__(None, None, None)
    stderr = err.getvalue()
    if code == 0:
        assert stderr == "" and out.getvalue()
        if argv[0] == "mi" and "\nstatus: valid" in out.getvalue():  # a valid FW value is a finite number
            value = out.getvalue().split("I_FW(w_S ; x_l) = ")[1].split(" nats")[0]
            assert math.isfinite(float(value)), out.getvalue()
        return
    assert code == 2, (argv, code, stderr)
    assert stderr.startswith(f"synmi {argv[0]}: error: ") and stderr.endswith("\n"), stderr
    assert len(stderr.splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert out.getvalue() == ""


@QUICK
@given(st.data())
def test_cli_fuzz(tmp_path_factory, data):
    _check_cli(data.draw(argvs(tmp_path_factory.mktemp("cli"))))


@pytest.mark.slow
@FULL
@given(st.data())
def test_cli_fuzz_full(tmp_path_factory, data):
    _check_cli(data.draw(argvs(tmp_path_factory.mktemp("cli"))))
