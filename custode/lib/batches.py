"""One database thread that writes what many requests queue, a batch at a time: the fast paths' writer (heartbeat
pings, agents' reports).

There is no waiting window: a batch is written as soon as the writer is free, and the items that arrive meanwhile
form the next one, so batches grow with the load and latency stays low. Each item's caller is answered when its
batch is committed, with the write's result for it, so an answer always means stored. The thread keeps its
database connection from batch to batch; it is checked the way Django checks a request's (age, health) only after
the writer was idle, and closed after an error, which every item of that batch is then answered with.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import close_old_connections, connection, connections

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchWriter(Generic[Item, Result]):
    IDLE = 1.0  # seconds without a batch after which the connection is checked before use

    def __init__(self, write: Callable[[Sequence[Item]], Sequence[Result]], name: str):
        """WRITE stores a batch in the database and returns each item's result, in order."""
        self.write = write
        self.pending: list[tuple[Item, asyncio.Future]] = []
        self.db = ThreadPoolExecutor(1, thread_name_prefix=f"custode-{name}")
        self.flushing: asyncio.Task | None = None
        self.written_at = -math.inf

    async def submit(self, item: Item) -> Result:
        """ITEM's result once its batch is stored."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                results = await loop.run_in_executor(self.db, self._write, [item for item, _ in batch])
            except Exception as e:
                for _, future in batch:
                    future.set_exception(e)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    def _write(self, items: list[Item]) -> Sequence[Result]:
        if time.monotonic() - self.written_at > self.IDLE:
            close_old_connections()
        try:
            results = self.write(items)
        except Exception:
            connection.close()
            raise
        self.written_at = time.monotonic()
        return results

    def close(self) -> None:
        """Close the writer thread's database connection (at shutdown, and between tests)."""
        self.db.submit(connections.close_all).result()
