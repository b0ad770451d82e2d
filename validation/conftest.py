"""pytest configuration of the validation suite (``pytest validation/``).

Options
-------
--approximation package.module:function
    The approximation under test (default ``analytic:mutual_information``).
--tier quick|full
    ``quick`` (default, CI) or ``full`` (the report's sample sizes).
"""

from __future__ import annotations

import pytest

from validation.approximations import DEFAULT_APPROXIMATION, load_approximation


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
        config._synmi_approximation = load_approximation(config.getoption("--approximation"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def approximation(request: pytest.FixtureRequest):
    """The callable under test, loaded from ``--approximation``."""
    return request.config._synmi_approximation


@pytest.fixture(scope="session")
def tier(request: pytest.FixtureRequest) -> str:
    """``quick`` or ``full``."""
    return request.config.getoption("--tier")
