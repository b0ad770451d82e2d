"""pytest configuration of the validation suite (``pytest validation/``).

Options
-------
--approximation package.module:function
    The approximation under test (default ``analytic:mutual_information``).
--tier quick|full
    ``quick`` (default, CI) or ``full`` (the report's sample sizes).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from synmi.validation.engine.approximations import DEFAULT_APPROXIMATION, load_approximation

#: where pytest_configure keeps the loaded approximation (pytest's typed per-config store)
_APPROXIMATION = pytest.StashKey[Callable[..., Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("synmi")
    group.addoption("--approximation", action="store", default=DEFAULT_APPROXIMATION,
                    help="approximation under test, 'package.module:function' with the signature "
                         "(mu, sigma, ensemble, pattern) -> float (default: %(default)s)")
    group.addoption("--tier", action="store", default="quick", choices=("quick", "full"),
                    help="validation tier: quick (CI) or full (report sample sizes)")


def pytest_configure(config: pytest.Config) -> None:
    # Fail at start-up, with one clear line, on a bad --approximation path.
    try:
        config.stash[_APPROXIMATION] = load_approximation(config.getoption("--approximation"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def approximation(request: pytest.FixtureRequest):
    """The callable under test, loaded from ``--approximation``."""
    return request.config.stash[_APPROXIMATION]


@pytest.fixture(scope="session")
def tier(request: pytest.FixtureRequest) -> str:
    """``quick`` or ``full``."""
    return request.config.getoption("--tier")


class SuiteData:
    """Cases of the tier, their Monte Carlo truths, and the judged table for the approximation."""

    def __init__(self, tier: str, approximation) -> None:
        import os

        from synmi.validation import report
        from synmi.validation.engine import sweeps

        self.tier = tier
        self.config = report.suite_config(tier)
        self.estimation = self.config.estimation
        self.cases = report.tier_cases(self.config)
        # the same cache as `synmi report` of that tier: truths are keyed by content, settings and code
        cache = os.environ.get("SYNMI_SUITE_CACHE", f".synmi-cache/{tier}")
        n_jobs = int(os.environ.get("SYNMI_N_JOBS", "2"))
        self._cache, self._n_jobs = cache, n_jobs
        self.truths = sweeps.run_truths(self.cases, self.estimation, out_dir=cache, n_jobs=n_jobs,
                                        progress=f"validation truths ({tier})")
        self._correlated: tuple | None = None
        self.approximation = approximation
        self.table = self.judge(approximation)

    def judge(self, approximation):
        from synmi.validation.engine import sweeps

        return sweeps.judge_table(self.truths, self.cases, approximation, self.estimation.z, n_jobs=self._n_jobs)

    def judge_correlated(self, approximation):
        """The approximation judged on :func:`sweeps.correlated_ensemble_cases` (truths cached like the tier's)."""
        from synmi.validation.engine import sweeps

        if self._correlated is None:
            cases = sweeps.correlated_ensemble_cases()
            truths = sweeps.run_truths(cases, self.estimation, out_dir=self._cache, n_jobs=self._n_jobs,
                                       progress=f"validation truths, correlated ensembles ({self.tier})")
            self._correlated = (cases, truths)
        cases, truths = self._correlated
        return sweeps.judge_table(truths, cases, approximation, self.estimation.z, n_jobs=self._n_jobs)


@pytest.fixture(scope="session")
def suite_data(tier, approximation) -> SuiteData:
    """The tier's sweeps, estimated once per session (cached in ``.synmi-cache/<tier>``, shared with the report)."""
    return SuiteData(tier, approximation)


@pytest.fixture(scope="session")
def is_default_approximation(approximation) -> bool:
    """True when the approximation under test is the package's FW formula."""
    from synmi import analytic

    return approximation is analytic.mutual_information
