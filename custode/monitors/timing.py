"""How long the engine takes to believe a failure: shared by the engine and by what reads its verdicts."""

from __future__ import annotations


def retry_delay(interval: float) -> float:
    """The pause between the retries that confirm a failure: a sixth of the interval, within 1-10 s."""
    return min(10.0, max(1.0, interval / 6))


def confirmation_time(*, interval: float, retries: int, timeout: float) -> float:
    """The longest a monitor takes from its first failed check to DOWN: every retry timing out, plus slack."""
    return timeout + retries * (retry_delay(interval) + timeout) + 5.0
