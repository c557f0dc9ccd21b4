"""within(): a check's time limit, shared by all checks of a loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from custode.checks import deadline
from custode.checks.deadline import RESOLUTION, next_tick, offset_for, within


def run(coro):
    return asyncio.run(coro)


def test_a_block_that_overruns_raises_timeout_soon_after_its_deadline():
    async def main():
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with within(0.2):
                await asyncio.sleep(5)
        return time.monotonic() - started

    elapsed = run(main())
    assert 0.2 <= elapsed < 0.2 + 4 * RESOLUTION


def test_a_block_that_finishes_in_time_is_not_cancelled_later():
    async def main():
        async with within(0.1) as limit:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # past the deadline: the sweep must leave this task alone
        return limit.expired

    assert run(main()) is False


def test_many_blocks_expire_each_at_its_own_deadline():
    async def one(seconds: float) -> float:
        started = time.monotonic()
        try:
            async with within(seconds):
                await asyncio.sleep(10)
        except TimeoutError:
            return time.monotonic() - started
        return -1.0

    async def main():
        return await asyncio.gather(*[one(s) for s in (0.1, 0.3, 0.1, 0.5)])

    for wanted, elapsed in zip((0.1, 0.3, 0.1, 0.5), run(main())):
        assert wanted <= elapsed < wanted + 4 * RESOLUTION


def test_a_cancellation_from_outside_stays_a_cancellation():
    async def blocked():
        async with within(5):
            await asyncio.sleep(10)

    async def main():
        task = asyncio.create_task(blocked())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())


def test_an_error_inside_the_block_passes_through():
    async def main():
        async with within(1):
            raise ConnectionRefusedError("refused")

    with pytest.raises(ConnectionRefusedError):
        run(main())


def test_a_shorter_deadline_set_after_a_longer_one_still_expires_on_time():
    async def main():
        async with within(30):
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                async with within(0.2):
                    await asyncio.sleep(5)
            return time.monotonic() - started

    assert 0.2 <= run(main()) < 0.2 + 4 * RESOLUTION


def test_a_far_deadline_does_not_wake_the_loop_every_resolution(monkeypatch):
    sweeps = []
    sweep = deadline._Wheel.sweep
    monkeypatch.setattr(deadline._Wheel, "sweep", lambda wheel: (sweeps.append(wheel), sweep(wheel)))

    async def main():
        async with within(1.0):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # twenty ticks of the grid pass, no deadline among them
        before = len(sweeps)
        await asyncio.sleep(0.5 + 2 * RESOLUTION)  # the block's deadline passes: its bucket is swept
        return before, len(sweeps)

    assert run(main()) == (0, 1)


def test_next_tick_is_the_first_point_of_the_grid_after_now(monkeypatch):
    monkeypatch.setattr(deadline, "OFFSET", 0.0)
    assert next_tick(12.34) == pytest.approx(12.35)
    assert next_tick(12.35) == pytest.approx(12.40)
    assert next_tick(7.5, 2) == 8
    assert next_tick(8, 2) == 10


def test_next_tick_and_the_sweeps_fall_on_the_process_grid_offset(monkeypatch):
    monkeypatch.setattr(deadline, "OFFSET", 0.013)
    assert next_tick(12.34) == pytest.approx(12.363)
    assert next_tick(12.363) == pytest.approx(12.413)
    assert next_tick(7.5, 2) == pytest.approx(8.013)
    swept = []

    async def main():
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(deadline._Wheel, "sweep", lambda wheel: swept.append(loop.time()))
        async with within(0.1):
            await asyncio.sleep(0.3)
        return swept

    when = run(main())[0]
    assert (when - 0.013) / RESOLUTION == pytest.approx(round((when - 0.013) / RESOLUTION), abs=0.2)


def test_processes_started_one_after_another_wake_apart_on_every_tick():
    for step in (RESOLUTION, 2 * RESOLUTION, 4 * RESOLUTION):
        for pid in range(1000, 1010):
            for later in (pid + 1, pid + 2):
                apart = (offset_for(later) - offset_for(pid)) % step
                assert min(apart, step - apart) >= 0.01, (step, pid, later)
