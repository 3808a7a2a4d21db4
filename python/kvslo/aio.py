"""asyncio on kvslo.TiledClient: await a batch, woken by the core's eventfd.

    import asyncio, numpy, kvslo.aio

    async def main():
        async with kvslo.aio.Client("redis://127.0.0.1:6379", threads=2, streams=4) as client:
            chunks = numpy.empty((64, 4 << 20), dtype=numpy.uint8)   # one array, cut into 64 chunks
            done = await client.get([f"kv:{i}" for i in range(64)], chunks)
            assert done.ok, done.messages

    asyncio.run(main())

The client registers the core's completion_fd() with loop.add_reader(): the
loop sleeps in epoll until a batch finishes, then one drain resolves every
batch that finished meanwhile (one wakeup per batch at most, however many
threads and tiles). Nothing polls. `completion="poll"` replaces the reader
with a task that drains on every pass of the loop: the ablation that shows
what the eventfd saves.

Cancelling an awaiting task cancels its wait, not the transfer: the batch
runs to its end in C++ (a GET may still write into its buffers until then),
its buffers stay held until it completes, and its completion is dropped.
close() ends the client: unstarted batches complete as "cancelled", started
ones finish, and every awaiting task gets its Completion.
"""

import asyncio

from ._core import TiledClient

__all__ = ["Client"]

COMPLETIONS = ("eventfd", "poll")


class Client:
    def __init__(self, url, *, completion="eventfd", **options):
        """`options` are kvslo.TiledClient's (threads, streams, pipeline_depth, ...)."""
        if completion not in COMPLETIONS:
            raise ValueError(f"completion must be one of {', '.join(COMPLETIONS)}, not {completion!r}")
        self.core = TiledClient(url, **options)
        self.completion = completion
        self._loop = None
        self._reader = False
        self._poller = None
        self._futures = {}  # batch id -> future of its awaiting task
        # What the boundary cost: loop wakeups (reader callbacks, or polling
        # passes) against batches completed; drains that found nothing; and
        # completions nobody awaited any more (their task was cancelled).
        self.stats = {"wakeups": 0, "empty_wakeups": 0, "batches": 0, "dropped": 0}

    async def get(self, keys, buffers):
        """Reads each key into its buffer; returns the batch's kvslo.Completion."""
        return await self._await(self.core.submit_get, keys, buffers)

    async def set(self, keys, buffers):
        return await self._await(self.core.submit_set, keys, buffers)

    async def exists(self, keys):
        return await self._await(self.core.submit_exists, keys)

    def close(self):
        """Ends the client; every batch still awaited resolves with its Completion.

        Blocks the caller while batches being served finish (each within the
        operation timeout); from a coroutine, `await client.aclose()` (or
        `async with`) waits in an executor thread and keeps the loop running.
        """
        self._stop_watching()
        self.core.close()
        self._finish()

    async def aclose(self):
        self._stop_watching()
        await asyncio.get_running_loop().run_in_executor(None, self.core.close)  # joins threads, GIL released
        self._finish()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    def _finish(self):
        self._deliver(self.core.drain_completions(), woken=False)
        for future in self._futures.values():  # only if a drain raced us: never leave a task hanging
            if not future.done() and not future.get_loop().is_closed():
                future.set_exception(RuntimeError("kvslo.aio.Client closed before the batch completed"))
        self._futures.clear()

    # -- the boundary --------------------------------------------------------

    async def _await(self, submit, *args):
        loop = asyncio.get_running_loop()
        self._bind(loop)
        batch_id = submit(*args)
        future = loop.create_future()
        self._futures[batch_id] = future
        if self.completion == "poll" and self._poller is None:
            self._poller = loop.create_task(self._poll())
        return await future

    def _bind(self, loop):
        """Watches the completion fd from `loop` (a client moves to a new loop only once the old one is closed)."""
        if self._loop is loop:
            return
        if self._loop is not None and not self._loop.is_closed():
            raise RuntimeError("this kvslo.aio.Client is in use by another event loop")
        self._loop, self._reader, self._poller = loop, False, None
        if self.completion == "eventfd":
            loop.add_reader(self.core.completion_fd(), self._on_readable)
            self._reader = True

    def _stop_watching(self):
        if self._loop is None or self._loop.is_closed():
            return
        if self._reader:
            self._loop.remove_reader(self.core.completion_fd())
            self._reader = False
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None

    def _on_readable(self):
        self._deliver(self.core.drain_completions())

    async def _poll(self):
        while self._futures:
            self._deliver(self.core.drain_completions())
            await asyncio.sleep(0)
        self._poller = None

    def _deliver(self, completions, woken=True):
        if woken:
            self.stats["wakeups"] += 1
            self.stats["empty_wakeups"] += not completions
        for done in completions:
            self.stats["batches"] += 1
            future = self._futures.pop(done.batch_id, None)
            if future is None or future.done():
                self.stats["dropped"] += 1  # its task was cancelled
            elif not future.get_loop().is_closed():
                future.set_result(done)
