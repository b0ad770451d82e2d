"""The suite can tell a correct formula from a wrong one (validation issue 17, item 6).

:mod:`synmi.validation.wrong_variants` holds deliberately wrong variants of the
FW formula, each a mistake a real implementation could make.  For every one,
the test named in :data:`wrong_variants.CAUGHT_BY` is run here, in process,
with the variant in place of the approximation under test: it must fail.  The
same tests must pass with the correct FW formula (they carry no xfail), so
they discriminate rather than fail everything.  The detection is cheap (the
variants cost about 1 ms a case and the truths are the suite's cached ones),
so it runs in the quick tier; ``test_wrong_variant_fails_the_suite`` does the
same through ``pytest validation/ --approximation`` in a subprocess (slow).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Callable

import pytest

from synmi import analytic
from synmi.validation import test_agreement as agreement_tests
from synmi.validation import test_laws as laws_tests
from synmi.validation import wrong_variants


def _correlated(suite_data: Any, tier: str, approximation: Callable) -> None:
    agreement_tests.test_agreement_on_correlated_ensembles(suite_data, approximation)


def _symmetry(suite_data: Any, tier: str, approximation: Callable) -> None:
    rates = laws_tests.compute_law_rates(approximation, tier, laws_checked=("equal_distribution_symmetry",))
    laws_tests.test_equal_distribution_symmetry_over_sets(rates)


#: The named tests, as called here: ``detector(suite_data, tier, approximation)`` raises AssertionError on failure.
DETECTORS: dict[str, Callable[[Any, str, Callable], None]] = {
    "validation/test_agreement.py::test_agreement_on_correlated_ensembles": _correlated,
    "validation/test_laws.py::test_equal_distribution_symmetry_over_sets": _symmetry,
}


def test_every_variant_has_a_detector():
    """Each variant names a test, and each named test is one this module can run."""
    assert set(wrong_variants.CAUGHT_BY) == set(wrong_variants.VARIANTS)
    assert set(wrong_variants.CAUGHT_BY.values()) <= set(DETECTORS)


@pytest.mark.parametrize("name", list(wrong_variants.VARIANTS))
def test_wrong_variant_is_caught(suite_data, tier, name):
    """The variant fails the test named in ``wrong_variants.CAUGHT_BY``."""
    detector = DETECTORS[wrong_variants.CAUGHT_BY[name]]
    with pytest.raises(AssertionError):
        detector(suite_data, tier, wrong_variants.VARIANTS[name])


@pytest.mark.parametrize("test_id", list(DETECTORS))
def test_fw_passes_the_detecting_tests(suite_data, tier, test_id):
    """The correct FW formula passes every test that catches a variant."""
    DETECTORS[test_id](suite_data, tier, analytic.mutual_information)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(wrong_variants.VARIANTS))
def test_wrong_variant_fails_the_suite(tier, name):
    """``pytest <named test> --approximation synmi.validation.wrong_variants:<name>`` fails in a subprocess, and
    passes with the FW formula (truths from the suite's cache, ``$SYNMI_SUITE_CACHE``)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    test_id = wrong_variants.CAUGHT_BY[name]

    def run(approximation: str) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        env.setdefault("SYNMI_SUITE_CACHE", os.path.join(root, ".synmi-cache", tier))
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_id,
                               "--tier", tier, "--approximation", approximation],
                              cwd=root, env=env, capture_output=True, text=True, timeout=3600)

    wrong = run(f"synmi.validation.wrong_variants:{name}")
    assert wrong.returncode == 1, wrong.stdout[-2000:] + wrong.stderr[-2000:]
    correct = run("synmi.analytic:mutual_information")
    assert correct.returncode == 0, correct.stdout[-2000:] + correct.stderr[-2000:]
