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
    assert "## 1. Verdict at a glance" in text and "## 11. Provenance" in text
