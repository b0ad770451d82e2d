"""Root pytest configuration: the slow marker.

Tests marked ``@pytest.mark.slow`` run only with ``--run-slow`` (or with the
validation suite's ``--tier full``); CI runs the quick tier.
"""

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tier = config.getoption("--tier", default="quick")
    if config.getoption("--run-slow") or tier == "full":
        return
    marker = pytest.mark.skip(reason="slow test: run with --run-slow or --tier full")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(marker)
