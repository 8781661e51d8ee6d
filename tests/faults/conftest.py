"""The fault suite: the product on private dependencies that tests stop, restart and kill.

Every test here is marked `faults` (run them alone with `pytest -m faults`). The long run,
marked `slow_faults`, runs only with FAULTS_LONG=1 (README: "When something fails")."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.stack import Stack, start_stack

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).is_relative_to(HERE):
            item.add_marker(pytest.mark.faults)
            if item.get_closest_marker("slow_faults") and not os.environ.get("FAULTS_LONG"):
                item.add_marker(pytest.mark.skip(reason="the long fault run needs FAULTS_LONG=1"))


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    started = start_stack()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(autouse=True)
def _no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a test did to the dependencies, nothing it sent was answered with a 500."""
    yield
    if "stack" in request.fixturenames:
        running: Stack = request.getfixturevalue("stack")
        assert running.server_errors() == [], running.logs()
