"""The installed package does not depend on its test extras (hypothesis).

hypothesis is a test dependency (``pip install -e ".[test]"``): a plain
``pip install .`` does not bring it, so no module of ``synmi`` may import it,
or ``synmi report`` fails there with ``ModuleNotFoundError``.  Nor may any file
rely on hypothesis's private modules, which move between its versions.  Test
files (``tests/``, ``validation/test_*.py``, ``validation/conftest.py``) may use
hypothesis.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The folders installed as synmi, synmi.analytic, synmi.empirical, synmi.validation (pyproject.toml).
PACKAGE_FOLDERS = ("api", "analytic", "empirical", "validation")
#: Generated or third-party folders, not part of the project's files.
SKIPPED = {".git", ".venv", ".ci-venv", ".ci-venv-plain", ".hypothesis", ".pytest_cache", ".ruff_cache", ".mypy_cache",
           ".synmi-cache", "__pycache__", "build", "dist", "node_modules"}
PRIVATE = "hypothesis" + ".internal"  # spelled apart so that this file does not name it


def package_sources(root: Path = ROOT) -> list[Path]:
    """The package's Python files, test files excluded."""
    out = []
    for folder in PACKAGE_FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            if folder == "validation" and (path.name.startswith("test_") or path.name == "conftest.py"):
                continue
            out.append(path)
    return out


def _is_hypothesis(name: str | None) -> bool:
    return bool(name) and (name == "hypothesis" or name.startswith("hypothesis."))


def hypothesis_imports(path: Path) -> list[str]:
    """``file:line`` of every import of hypothesis in a Python file (static, any nesting)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str | None] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in ("__import__", "import_module"):
                names = [node.args[0].value if isinstance(node.args[0].value, str) else None]
        if any(_is_hypothesis(n) for n in names):
            found.append(f"{path}:{node.lineno}")
    return found


def private_references(root: Path = ROOT) -> list[str]:
    """Files under ``root`` (generated folders skipped) that mention hypothesis's private modules."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(folder) / name
            if PRIVATE.encode() in path.read_bytes():
                found.append(str(path.relative_to(root)))
    return found


def test_the_scans_see_the_package_and_catch_a_planted_import(tmp_path):
    sources = package_sources()
    names = {p.relative_to(ROOT).as_posix() for p in sources}
    assert "validation/engine/counterexamples.py" in names and "analytic/fenton_wilkinson.py" in names
    assert not any(n.startswith("validation/test_") or n.endswith("conftest.py") for n in names)
    planted = {
        "a.py": "from hypothesis import given\n",
        "b.py": "def f():\n    import hypothesis.strategies as st\n",
        "c.py": "import importlib\nm = importlib.import_module('hypothesis')\n",
        "d.py": "x = __import__('hypothesis.errors')\n",
    }
    for name, text in planted.items():
        (tmp_path / name).write_text(text)
        assert hypothesis_imports(tmp_path / name), name
    (tmp_path / "ok.py").write_text("import hypothesis_free\nfrom .hypothesis import x\n# hypothesis\n")
    assert hypothesis_imports(tmp_path / "ok.py") == []
    (tmp_path / "notes.md").write_text(f"swap {PRIVATE}.conjecture\n")
    assert private_references(tmp_path) == ["notes.md"]


def test_no_package_module_imports_hypothesis():
    found = [hit for path in package_sources() for hit in hypothesis_imports(path)]
    assert not found, f"hypothesis is a test extra; the package imports it at {found}"


def test_no_file_refers_to_hypothesis_private_modules():
    found = private_references()
    assert not found, f"files rely on hypothesis's private modules: {found}"


def test_package_imports_and_searches_without_hypothesis():
    # every module of the installed package, then the report's counterexample search,
    # in an interpreter where importing hypothesis fails
    code = """
import importlib, pkgutil, sys
sys.modules['hypothesis'] = None  # any import of it raises ImportError
packages = ['synmi', 'synmi.analytic', 'synmi.empirical', 'synmi.validation', 'synmi.validation.engine',
            'synmi.validation.report', 'synmi.validation.report.steps']
for name in packages:
    package = importlib.import_module(name)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith('test_') or info.name in ('conftest', '__main__'):
            continue
        importlib.import_module(f'{name}.{info.name}')
from synmi import analytic
from synmi.validation.engine.counterexamples import minimal_counterexamples
out = minimal_counterexamples(analytic.mutual_information, laws=('data_processing_N',))
assert 'N = ' in out['data_processing_N'], out
print('ok')
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


def _installed_name(folder: Path) -> str:
    """The name a package folder installs under (pyproject.toml's package-dir mapping)."""
    parts = folder.relative_to(ROOT).parts
    head = {"api": "synmi", "analytic": "synmi.analytic", "empirical": "synmi.empirical",
            "validation": "synmi.validation"}[parts[0]]
    return ".".join((head, *parts[1:]))


def test_every_package_folder_is_installed():
    # the package list in pyproject.toml is explicit (the folders are mapped, not discovered): a new
    # subpackage left out of it imports from the source tree and fails after a plain `pip install .`
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {_installed_name(init.parent) for folder in PACKAGE_FOLDERS for init in (ROOT / folder).rglob("__init__.py")
               if "__pycache__" not in init.parts}
    missing = sorted(folders - listed)
    assert not missing, f"package folders missing from [tool.setuptools] packages in pyproject.toml: {missing}"
