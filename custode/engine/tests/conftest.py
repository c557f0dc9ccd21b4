from __future__ import annotations

import pytest

from custode.engine.tests.harness import Target


@pytest.fixture
def target():
    """Makes loopback HTTP targets (see ``harness.Target``) and closes them when the test ends."""
    made = []

    def make(statuses: list[int], port: int = 0) -> Target:
        made.append(Target(statuses, port))
        return made[-1]

    yield make
    for t in made:
        t.close()
