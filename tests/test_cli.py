"""The ``synmi`` command line: output, one-line errors, ``python -m synmi.validation``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synmi import analytic
from synmi.validation.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_mi_example_prints_value_status_and_parameters(capsys):
    code, out, _ = run(capsys, "mi", "example")
    assert code == 0
    mu = [[0.0, 0.5, -0.5, 0.2], [0.3, -0.2, 0.1, 0.0], [-0.4, 0.1, 0.6, -0.3]]
    sigma = np.full((4, 4), 0.05) + 0.2 * np.eye(4)
    expected = analytic.mutual_information(mu, sigma, [(0, 1), (1, 2)], 0)
    assert f"{expected:.6g} nats" in out
    assert "status: valid" in out and "Sigma_w" in out and "mu_w^(-l)" in out


def test_mi_json_round_trips(capsys, tmp_path):
    case = {"mu": [[0.0, 0.1, 0.2], [0.3, 0.0, -0.1]], "sigma": (0.3 * np.eye(3)).tolist(),
            "ensemble": [[0, 2]], "pattern": 1}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    code, out, _ = run(capsys, "mi", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "valid"
    assert data["value"] == pytest.approx(analytic.mutual_information(case["mu"], case["sigma"], case["ensemble"], 1))


@pytest.mark.parametrize("content, suffix, message", [
    (None, ".toml", "no such file"),
    ("mu = [[0.0, 1.0]\n", ".toml", "malformed TOML"),
    ('{"mu": [[0, 1]], "sigma": [[1, 0], [0, 1]], "ensemble": [[0, 1]]}', ".json", "missing key(s) pattern"),
    ('{"mu": [[0, 1]], "sigma": [[1, 0], [0, 1]], "ensemble": [[0, 0]], "pattern": 0}', ".json", "self-connection"),
    ('{"mu": [[0, 1]], "sigma": [[1, 0], [0, 1]], "ensemble": [[0, 1]], "pattern": 0, "colour": 1}', ".json",
     "unknown key(s) colour"),
])
def test_bad_case_file_gives_one_line_error(capsys, tmp_path, content, suffix, message):
    path = tmp_path / f"case{suffix}"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "mi", str(path))
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _deep(opener: str, closer: str, depth: int = 100_000) -> str:
    return opener * depth + closer * depth


# (file name, bytes or a directory marker, what the one-line message must say)
BAD_FILES = [
    ("latin1.toml", b"mu = [[0.0, 1.0]]\n# caf\xe9\n", "not UTF-8 text (byte 23 is b'\\xe9')"),
    ("latin1.json", b'{"mu": "\xff"}', "not UTF-8 text (byte 8 is b'\\xff')"),
    ("binary.toml", bytes(range(256)), "not UTF-8 text"),
    ("nul.toml", b"\x00\x01\x02", "malformed TOML"),
    ("a_folder.toml", None, "is a directory, not a TOML file"),
    ("deep.json", _deep("[", "]").encode(), "malformed JSON: maximum recursion depth"),
    ("deep.toml", ("a = " + _deep("[", "]")).encode(), "malformed TOML"),
    ("digits.json", ('{"mu": [[' + "1" * 5000 + ", 0]]}").encode(), "malformed JSON: Exceeds the limit"),
    ("top_list.json", b"[1, 2]", "expected a table/object at the top level, got list"),
    ("meta_list.json", b'{"mu": [[0, 0], [0, 0]], "sigma": [[1, 0], [0, 1]], "ensemble": [[0, 1]], "pattern": 0, '
                       b'"meta": [1, 2]}', "meta must be a mapping"),
    ("mu_1e308.json", b'{"mu": [[1e308, 0], [0, 0]], "sigma": [[1, 0], [0, 1]], "ensemble": [[0, 1]], "pattern": 0}',
     "mu[0, 0] = 1e+308 is beyond what float64 can hold"),
    ("mu_nan.json", b'{"mu": [[NaN, 0], [0, 0]], "sigma": [[1, 0], [0, 1]], "ensemble": [[0, 1]], "pattern": 0}',
     "mu has non-finite entries"),
    ("weight_overflow.toml", b"mu = [[355.0, 355.0], [0.0, 0.0]]\nsigma = [[1.0, 0.0], [0.0, 1.0]]\n"
                             b"ensemble = [[0, 1]]\npattern = 0\n", "mean log-weight"),
    ("variance_overflow.toml", b"mu = [[0.0, 0.0], [0.0, 0.0]]\nsigma = [[400.0, 0.0], [0.0, 400.0]]\n"
                               b"ensemble = [[0, 1]]\npattern = 0\n", "log-weight variance"),
    ("index_beyond_int64.json", b'{"mu": [[0, 0], [0, 0]], "sigma": [[1, 0], [0, 1]], '
                                b'"ensemble": [[0, 100000000000000000000000]], "pattern": 0}', "out of range"),
    ("ragged.toml", b"mu = [[0.0, 0.0], [0.0]]\nsigma = [[1.0, 0.0], [0.0, 1.0]]\nensemble = [[0, 1]]\npattern = 0\n",
     "mu must be a numeric array"),
    ("text_number.toml", b'mu = [[0.0, "1"], [0.0, 0.0]]\nsigma = [[1.0, 0.0], [0.0, 1.0]]\nensemble = [[0, 1]]\n'
                         b"pattern = 0\n", "mu must be a numeric array"),
    ("sigma_table.toml", b"mu = [[0.0, 0.0], [0.0, 0.0]]\nsigma = {a = 1}\nensemble = [[0, 1]]\npattern = 0\n",
     "sigma must be a numeric array"),
    ("empty.toml", b"", "missing key(s) mu, sigma, ensemble, pattern"),
]


@pytest.mark.parametrize("command", ["mi", "estimate", "compare"])
@pytest.mark.parametrize("name, content, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_case_bytes_give_one_line_exit_2(capsys, tmp_path, command, name, content, message):
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    code, out, err = run(capsys, command, str(path))
    assert code == 2
    assert err.startswith(f"synmi {command}: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and out == ""


@pytest.mark.parametrize("args, message", [
    (["--n-samples", "100"], "--n-samples must be at least 160"),
    (["--n-samples", "-5"], "--n-samples must be at least 160"),
    (["--replicates", "1"], "replicates must be >= 2"),
    (["--precision", "nan"], "precision must be in (0, 1), got nan"),
    (["--precision", "inf"], "precision must be in (0, 1), got inf"),
    (["--seed", "-1"], "seed must be >= 0"),
])
@pytest.mark.parametrize("command", ["estimate", "compare"])
def test_bad_option_values_give_one_line_exit_2(capsys, command, args, message):
    code, _, err = run(capsys, command, "example", *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("argv", [["mi", "example", "--bogus"], ["compare", "example", "--n-samples", "abc"],
                                  ["estimate", "example", "--method", "nope"], ["nope"], [],
                                  ["report", "--quick", "--n-jobs", "0", "--out", "{tmp}/never_written"],
                                  ["sweep", "s.toml", "--out", "{tmp}/never_written", "--n-jobs", "-2"]])
def test_bad_flags_exit_2_through_argparse(capsys, tmp_path, argv):
    with pytest.raises(SystemExit) as info:
        main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert not (tmp_path / "never_written").exists()  # refused before any work
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: synmi") and "error: " in err.strip().splitlines()[-1]
    assert "Traceback" not in err


@pytest.mark.parametrize("content, message", [
    ("latin", "not UTF-8 text"),
    ("estimation = 3\n[[sweep]]\nname = 'a'\naxis = 'scale'\nvalues = [0.1]\n", "[estimation]: expected a table"),
    ("sweep = 3\n", "sweep must be an array of tables"),
    ("[[sweep]]\nname = 'a'\naxis = 'scale'\nvalues = 0.1\n", "values must be an array"),
    ("[[sweep]]\nname = 'a'\naxis = 'scale'\nvalues = [0.1]\nbase = 3\n", "[sweep.base]: expected a table"),
    ("[[sweep]]\nname = 'a'\naxis = 'scale'\nvalues = [0.1]\n[sweep.base]\ncolour = 1\n", "unknown key(s) colour"),
    ("[[sweep]]\nname = 'a'\naxis = 'scale'\nvalues = ['big']\n", "s.toml: cannot build the cases: could not convert"),
    ("[[sweep]]\nname = 'a'\naxis = 'scale'\nvalues = [-1.0]\n", "s.toml: cannot build the cases: scale must be"),
    ("[[draws]]\nset = 'set1'\nn_cases = 'ten'\n", "n_cases must be an integer"),
])
def test_bad_sweep_config_is_one_line(capsys, tmp_path, content, message):
    cfg = tmp_path / "s.toml"
    if content == "latin":
        cfg.write_bytes(b"[[sweep]]\nname = '\xe9'\n")
    else:
        cfg.write_text(content)
    code, _, err = run(capsys, "sweep", str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_sweep_bad_config_key_is_one_line(capsys, tmp_path):
    cfg = tmp_path / "s.toml"
    cfg.write_text('[[sweep]]\nname = "a"\naxis = "scale"\nvalues = [0.1]\nspeed = 3\n')
    code, _, err = run(capsys, "sweep", str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "unknown key(s) speed" in err and len(err.strip().splitlines()) == 1


def test_compare_small_case(capsys, tmp_path):
    case = {"mu": [[0.0, 0.1, 0.2], [0.3, 0.0, -0.1], [0.1, 0.1, 0.1]], "sigma": (0.05 * np.eye(3)).tolist(),
            "ensemble": [[0, 1]], "pattern": 0}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    code, out, _ = run(capsys, "compare", str(path), "--n-samples", "20000", "--replicates", "3", "--json")
    assert code == 0
    row = json.loads(out)
    assert row["verdict"] in {"agree", "disagree"}
    assert row["truth_stderr"] > 0 and np.isfinite(row["truth"])


def _installed_synmi() -> Path:
    """The console script of the environment running the tests (``pip install`` puts it beside python)."""
    script = Path(sys.executable).parent / ("synmi.exe" if sys.platform == "win32" else "synmi")
    assert script.exists(), f"no synmi console script beside {sys.executable}: install the package first"
    return script


@pytest.mark.parametrize("argv, expected", [
    (["--help"], "compare"),
    (["mi", "example"], "status: valid"),
    (["compare", "example", "--n-samples", "2000", "--replicates", "2", "--cross-check", "none"], "verdict:"),
    (["estimate", "example", "--n-samples", "2000", "--replicates", "2", "--cross-check", "none"], "M =    2000"),
])
def test_installed_command_works_outside_the_repository(tmp_path, argv, expected):
    """The README's commands through the installed console script, from a folder outside the repository
    (where no top-level ``validation`` package can be imported by accident)."""
    proc = subprocess.run([str(_installed_synmi()), *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout
    assert proc.stderr == ""


def test_installed_command_bad_input_is_one_line_outside_the_repository(tmp_path):
    (tmp_path / "case.toml").mkdir()
    proc = subprocess.run([str(_installed_synmi()), "mi", "case.toml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "synmi mi: error: case.toml: is a directory, not a TOML file\n"


def test_python_dash_m_validation_help():
    proc = subprocess.run([sys.executable, "-m", "synmi.validation", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    for command in ("mi", "estimate", "compare", "sweep", "report"):
        assert command in proc.stdout


@pytest.mark.parametrize("spec", ["no_such_module_xyz:f", "synmi.analytic:no_such_function", "no colon here"])
def test_report_bad_approximation_is_one_line_exit_2(capsys, tmp_path, spec):
    code, _, err = run(capsys, "report", "--quick", "--out", str(tmp_path / "r"), "--approximation", spec)
    assert code == 2
    assert "approximation" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # refused at the door, before any work


def test_report_refuses_an_approximation_named_twice(capsys, tmp_path):
    code, _, err = run(capsys, "report", "--quick", "--out", str(tmp_path / "r"),
                       "--approximation", "synmi.analytic:mutual_information",
                       "--approximation", "synmi.analytic:mutual_information")
    assert code == 2
    assert "approximations" in err and "once" in err
    assert not (tmp_path / "r").exists()


SCALED_FW_MODULE = '''
from synmi.analytic import mutual_information


def scaled_fw(mu, sigma, ensemble, pattern):
    """A deliberately wrong approximation: 0.9 times I_FW."""
    return 0.9 * mutual_information(mu, sigma, ensemble, pattern)
'''


def _tiny_report_config():
    from synmi.validation.engine.comparison import EstimationConfig
    from synmi.validation.report.tiers import ReportConfig

    one_draw = dict.fromkeys(("scale_n1", "scale_n3", "scale_n3_rho", "n", "N", "mu_range", "rho"), 1)
    return ReportConfig(
        name="tiny", set_cases=200,
        estimation=EstimationConfig(ladder=(125, 500, 2_000), max_samples=2_000, max_samples_tree=2_000, replicates=2,
                                    cross_check="none"),
        draws=one_draw, scale_values=(0.05, 1.0, 4.0), n_values=(1, 2, 3), N_values=(2, 5, 10),
        mu_values=(0.0, 1.0, 2.0), rho_values=(0.0, 0.5, 0.9), base_scale=1.0, set_draws=1,
        truth_n_values=(1, 2, 3), truth_draws_per_n=1, cross_check_cases=1, exact_check_cases=1, ksg_cases=1,
        ksg_samples=1_000,
        calibration_samples=(500,), calibration_dims=(1,), calibration_replicates=2, law_cases=10)


def test_report_judges_a_custom_approximation(tmp_path, monkeypatch):
    import pandas as pd

    from synmi.validation.report.build import build_report

    (tmp_path / "scaled_fw_approx.py").write_text(SCALED_FW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "report"
    summary_path = build_report(out, n_jobs=1, cache_dir=tmp_path / "cache", config=_tiny_report_config(),
                                approximations=("scaled_fw_approx:scaled_fw",))
    summary = json.loads(summary_path.read_text())
    assert summary["approximation"] == "scaled_fw_approx:scaled_fw"
    assert summary["approximations"] == ["scaled_fw_approx:scaled_fw"]
    results = pd.read_csv(out / "tables" / "comparisons.csv")
    assert (results["approximation"] == "scaled_fw_approx:scaled_fw").all()
    defined = results[np.isfinite(results["fw_value"]) & (results["fw_value"] != 0)]
    assert len(defined) > 0
    # the report's values and errors are the approximation's, not FW's
    assert np.allclose(defined["approx_value"], 0.9 * defined["fw_value"], rtol=1e-5)
    fw_err = defined["fw_value"] - defined["truth"]
    assert not np.allclose(defined["err"], fw_err, rtol=1e-3, atol=0)
    text = (out / "report.md").read_text()
    assert "`scaled_fw_approx:scaled_fw`" in text and "I_approx" in text
    assert "## 1. Verdict at a glance" in text and "## 12. Provenance" in text
