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
    proc = subprocess.run([sys.executable, "-m", "validation", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0
    for command in ("mi", "estimate", "compare", "sweep", "report"):
        assert command in proc.stdout
