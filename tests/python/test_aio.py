"""kvslo.aio: batches awaited on an asyncio loop, woken by the core's eventfd."""

import asyncio
import gc
import weakref

import numpy
import pytest

import kvslo.aio


@pytest.fixture
def url(redis_server, password_env):
    return redis_server.url


async def stored(client, names, size, fill=1):
    done = await client.set(names, numpy.full((len(names), size), fill, dtype=numpy.uint8))
    assert done.ok, done.messages


def test_get_resolves_with_one_wakeup_per_batch(url):
    async def main():
        async with kvslo.aio.Client(url, threads=2, streams=2) as client:
            names = [f"aio:one:{i}" for i in range(8)]
            await stored(client, names, 65536, fill=3)
            out = numpy.zeros((8, 65536), dtype=numpy.uint8)
            done = await client.get(names, out)
            assert done.ok and (out == 3).all()
            assert (await client.exists(names + ["aio:none"])).present == [True] * 8 + [False]
            return client.stats

    stats = asyncio.run(main())
    assert stats["batches"] == 3 and stats["wakeups"] == 3 and stats["empty_wakeups"] == 0


@pytest.mark.parametrize("completion", ["eventfd", "poll"])
def test_ten_thousand_batches_from_sixteen_tasks_lose_and_add_nothing(url, completion):
    tasks, per_task = 16, 625

    async def main():
        async with kvslo.aio.Client(url, threads=2, streams=2, inflight=4, completion=completion) as client:
            names = [f"aio:many:{i}" for i in range(tasks)]
            for t, name in enumerate(names):
                await stored(client, [name], 64, fill=t)

            async def worker(t):
                out = numpy.zeros((1, 64), dtype=numpy.uint8)
                for _ in range(per_task):
                    out[:] = 255
                    done = await client.get([names[t]], out)
                    assert done.ok, done.messages
                    assert (out == t).all()  # its own value, into its own buffer
                return per_task

            # Bounded: a lost wakeup fails here, not as the suite's timeout.
            served = sum(await asyncio.wait_for(asyncio.gather(*(worker(t) for t in range(tasks))), timeout=120))
            return served, client.stats

    served, stats = asyncio.run(main())
    assert served == tasks * per_task == 10_000
    assert stats["batches"] == 10_000 + tasks and stats["dropped"] == 0
    if completion == "eventfd":
        # Every wakeup found at least one batch, and batches that finished together shared one.
        assert stats["empty_wakeups"] == 0 and stats["wakeups"] <= stats["batches"]
    else:
        assert stats["wakeups"] >= stats["batches"] / 16  # polling passes (most find nothing)


def test_cancelling_an_awaiting_task_leaves_the_batch_to_finish_and_drops_its_completion(url):
    async def main():
        async with kvslo.aio.Client(url, threads=1, streams=1) as client:
            names = [f"aio:cancel:{i}" for i in range(64)]
            await stored(client, names, 1 << 20, fill=9)
            out = numpy.zeros((64, 1 << 20), dtype=numpy.uint8)
            alive = weakref.ref(out)
            task = asyncio.ensure_future(client.get(names, out))
            await asyncio.sleep(0)  # submitted
            del out
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            gc.collect()
            assert alive() is not None  # still held: the C++ side may be writing into it
            small = bytearray(1 << 20)
            done = await client.get(names[:1], [small])  # the client goes on serving
            assert done.ok and small[0] == 9
            while client.core.in_flight:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.01)
            gc.collect()
            assert alive() is None
            return client.stats

    stats = asyncio.run(main())
    assert stats["dropped"] == 1


def test_close_with_batches_in_flight_resolves_every_awaiting_task(url):
    async def main():
        client = kvslo.aio.Client(url, threads=1, streams=1, inflight=1)
        names = [f"aio:close:{i}" for i in range(16)]
        await stored(client, names, 1 << 20)
        outs = [numpy.zeros((16, 1 << 20), dtype=numpy.uint8) for _ in range(6)]
        tasks = [asyncio.ensure_future(client.get(names, out)) for out in outs]
        await asyncio.sleep(0)
        client.close()
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        with pytest.raises(RuntimeError, match="closed"):
            await client.get(names, outs[0])
        return results

    results = asyncio.run(main())
    assert len(results) == 6
    assert any("cancelled" in r.statuses for r in results)
    for r in results:
        assert set(r.statuses) <= {"ok", "cancelled"}


def test_a_closed_loop_leaves_the_client_usable_from_a_new_one(url):
    client = kvslo.aio.Client(url, threads=1, streams=1)
    names = [f"aio:loop:{i}" for i in range(32)]
    out = numpy.zeros((32, 1 << 20), dtype=numpy.uint8)
    alive = weakref.ref(out)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(stored(client, names, 1 << 20, fill=5))
    task = loop.create_task(client.get(names, out))
    loop.run_until_complete(asyncio.sleep(0))  # submitted, not awaited to its end
    task.cancel()
    loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
    loop.close()  # with the batch possibly still in flight
    del out, task

    async def again():
        small = numpy.zeros((1, 1 << 20), dtype=numpy.uint8)
        done = await client.get(names[:1], small)
        assert done.ok and (small == 5).all()

    asyncio.run(again())
    client.close()
    gc.collect()
    assert alive() is None  # the batch ended and its buffer was let go


def test_one_client_is_not_shared_by_two_running_loops(url):
    client = kvslo.aio.Client(url)

    async def use():
        await client.exists(["aio:x"])

    loop = asyncio.new_event_loop()
    loop.run_until_complete(use())
    try:
        with pytest.raises(RuntimeError, match="another event loop"):
            asyncio.run(use())
    finally:
        client.close()
        loop.close()


def test_an_unknown_completion_mode_is_refused(url):
    with pytest.raises(ValueError, match="eventfd, poll"):
        kvslo.aio.Client(url, completion="spin")
