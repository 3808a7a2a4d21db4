"""kvslo.TiledClient against a real redis-server: memory, statuses, the GIL."""

import gc
import os
import resource
import sys
import threading
import time
import weakref

import numpy
import pytest

import kvslo

CHUNK = 256 << 10


def keys(prefix, n):
    return [f"pytest:{prefix}:{i}" for i in range(n)]


def pattern(n, size, seed):
    rng = numpy.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, size), dtype=numpy.uint8)


def store(client, names, values):
    done = client.wait(client.submit_set(names, values))
    assert done.ok, done.messages
    return done


def test_get_writes_into_the_callers_array_in_place(client):
    names = keys("inplace", 8)
    values = pattern(8, CHUNK, 1)
    store(client, names, values)
    out = numpy.zeros((8, CHUNK), dtype=numpy.uint8)
    address = out.ctypes.data
    done = client.wait(client.submit_get(names, out))
    assert done.ok, done.messages
    # The same array object and memory (this only shows the binding kept the
    # caller's array; that nothing was copied through a second buffer is the RSS test below).
    assert out.ctypes.data == address
    assert numpy.array_equal(out, values)
    assert done.bytes == 8 * CHUNK and done.value_sizes == [CHUNK] * 8


def test_get_into_views_of_one_bytearray_leaves_the_rest_untouched(client):
    names = keys("views", 2)
    store(client, names, pattern(2, 4096, 2))
    backing = bytearray(b"\xee" * (3 * 4096))
    view = memoryview(backing)
    done = client.wait(client.submit_get(names, [view[4096:8192], view[0:4096]]))
    assert done.ok, done.messages
    expected = pattern(2, 4096, 2)
    assert backing[4096:8192] == expected[0].tobytes()
    assert backing[0:4096] == expected[1].tobytes()
    assert backing[8192:] == b"\xee" * 4096  # never written


def test_a_large_get_allocates_no_second_buffer(client):
    """256 MiB read into a preallocated array: peak RSS grows by far less than the batch."""
    n, size = 64, 4 << 20
    names = keys("rss", n)
    values = numpy.full((n, size), 7, dtype=numpy.uint8)
    store(client, names, values)
    del values
    out = numpy.ones((n, size), dtype=numpy.uint8)  # touched: its pages are resident already
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    done = client.wait(client.submit_get(names, out))
    after_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert done.ok, done.messages
    assert (out == 7).all()
    assert (after_kib - before_kib) * 1024 < n * size // 8, f"peak RSS grew by {after_kib - before_kib} KiB"


def test_buffers_stay_alive_until_their_batch_completes(client):
    names = keys("lifetime", 16)
    store(client, names, pattern(16, CHUNK, 3))
    out = numpy.zeros((16, CHUNK), dtype=numpy.uint8)
    alive = weakref.ref(out)
    batch = client.submit_get(names, out)
    del out
    gc.collect()
    assert alive() is not None  # the client holds it while the batch is in flight
    done = client.wait(batch)
    assert done.ok, done.messages
    del done
    gc.collect()
    assert alive() is None  # and lets it go once the batch is returned


def test_one_buffer_is_cut_into_equal_chunks(client):
    names = keys("cut", 4)
    values = pattern(4, 1000, 4)
    store(client, names, values.reshape(-1))  # one flat array for four keys
    out = bytearray(4000)
    done = client.wait(client.submit_get(names, out))
    assert done.ok, done.messages
    assert bytes(out) == values.tobytes()


def test_exists_says_which_keys_are_there(client):
    names = keys("exists", 3)
    store(client, names[:2], pattern(2, 16, 5))
    done = client.wait(client.submit_exists(names))
    assert done.ok and done.present == [True, True, False]


def test_statuses_per_key_missing_and_wrong_size(client):
    names = keys("status", 2)
    store(client, names[:1], pattern(1, 4096, 6))
    out = numpy.zeros((2, 4096), dtype=numpy.uint8)
    done = client.wait(client.submit_get(names, out))
    assert done.statuses == ["ok", "missing"] and not done.ok
    small = numpy.zeros((1, 1024), dtype=numpy.uint8)
    done = client.wait(client.submit_get(names[:1], small))
    assert done.statuses == ["size_mismatch"]
    assert "4096" in done.messages[0]


def test_a_killed_server_fails_every_key_with_io_error(own_redis_server, monkeypatch):
    monkeypatch.setenv("KVSLO_REDIS_PASSWORD", own_redis_server.password)
    with kvslo.TiledClient(own_redis_server.url, threads=2, streams=2, timeout=2) as c:
        names = keys("killed", 4)
        store(c, names, pattern(4, 4096, 7))
        own_redis_server.stop()
        done = c.wait(c.submit_get(names, numpy.zeros((4, 4096), dtype=numpy.uint8)))
        assert done.statuses == ["io_error"] * 4
        assert all(m for m in done.messages)


def test_the_password_is_never_shown(redis_server, password_env, monkeypatch):
    with kvslo.TiledClient(f"redis://:{password_env}@127.0.0.1:{redis_server.port}") as c:
        assert password_env not in repr(c.settings)
        done = c.wait(c.submit_get(["pytest:absent"], bytearray(8)))
        assert done.statuses == ["missing"]
    monkeypatch.setenv("KVSLO_REDIS_PASSWORD", "wrong-" + password_env)
    with kvslo.TiledClient(redis_server.url, connect_timeout=0.5) as c:  # a refused AUTH names no password
        done = c.wait(c.submit_get(["pytest:absent"], bytearray(8)))
        assert done.statuses == ["io_error"]
        assert "wrong-" not in done.messages[0] and password_env not in done.messages[0]


def test_bad_arguments_are_refused_before_anything_is_sent(client):
    with pytest.raises(ValueError, match="writable"):
        client.submit_get(["a"], [b"read-only bytes"])
    with pytest.raises(ValueError, match="contiguous"):
        client.submit_get(["a"], [numpy.zeros((4, 4), dtype=numpy.uint8)[:, ::2]])
    with pytest.raises(ValueError, match="2 keys but 1 buffers"):
        client.submit_get(["a", "b"], [bytearray(4)])
    with pytest.raises(ValueError, match="equal chunks"):
        client.submit_get(["a", "b", "c"], bytearray(10))
    with pytest.raises(TypeError, match="key 1"):
        client.submit_set(["a", 7], [b"x", b"y"])
    with pytest.raises(TypeError, match="buffer protocol"):
        client.submit_set(["a"], ["text is not a buffer"])
    with pytest.raises(ValueError, match="threads"):
        kvslo.TiledClient("redis://127.0.0.1:1", threads=2, streams=1)
    with pytest.raises(ValueError):
        kvslo.TiledClient("http://nowhere")
    assert client.in_flight == 0


def test_a_closed_client_refuses_new_batches_and_returns_the_cancelled_ones(redis_server, password_env):
    c = kvslo.TiledClient(redis_server.url, threads=1, inflight=1)
    names = keys("close", 32)
    store(c, names, pattern(32, CHUNK, 8))
    outs = [numpy.zeros((32, CHUNK), dtype=numpy.uint8) for _ in range(8)]
    ids = [c.submit_get(names, out) for out in outs]
    c.close()
    with pytest.raises(RuntimeError, match="closed"):
        c.submit_exists(["a"])
    done = {d.batch_id: d for d in c.drain_completions()}
    assert sorted(done) == ids  # every batch came back: served or cancelled
    assert any(s == "cancelled" for d in done.values() for s in d.statuses)
    assert c.in_flight == 0


def test_a_blocking_wait_releases_the_gil(client, redis_server):
    """Another Python thread runs while wait() blocks; with release_gil=False it is frozen (the ablation).

    Frozen is measured as the longest stretch of the wait in which the other
    thread made no progress: the whole wait when the GIL is held, a scheduling
    slice when it is released (counting iterations instead would count the
    slices the other thread gets just before the call takes the GIL).
    """
    names = keys("gil", 64)
    store(client, names, pattern(64, CHUNK, 9))

    def frozen_share_of_wait(c):
        stamps, stop = [], threading.Event()

        def spin():
            n = 0
            while not stop.is_set():
                n += 1
                if n % 64 == 0:
                    stamps.append(time.perf_counter())

        spinner = threading.Thread(target=spin)
        spinner.start()
        time.sleep(0.02)
        out = numpy.zeros((64, CHUNK), dtype=numpy.uint8)
        batch = c.submit_get(names * 8, [out[i % 64] for i in range(512)])  # 128 MiB: a long batch
        t0 = time.perf_counter()
        done = c.wait(batch)
        t1 = time.perf_counter()
        stop.set()
        spinner.join()
        assert done.ok, done.messages
        inside = [t0] + [t for t in stamps if t0 < t < t1] + [t1]
        longest = max(b - a for a, b in zip(inside, inside[1:]))
        return longest / (t1 - t0), t1 - t0

    released, released_s = frozen_share_of_wait(client)
    with kvslo.TiledClient(redis_server.url, threads=2, streams=2, release_gil=False) as held_client:
        held, held_s = frozen_share_of_wait(held_client)
    assert held > 0.6, f"with the GIL held the other thread still ran during {1 - held:.0%} of a {held_s * 1e3:.0f} ms wait"
    assert released < 0.4, f"with the GIL released the other thread stood still for {released:.0%} of a {released_s * 1e3:.0f} ms wait"


def test_drain_refuses_while_a_wait_blocks_and_a_batch_is_waited_once(client):
    names = keys("mix", 64)
    store(client, names, pattern(64, CHUNK, 10))
    out = numpy.zeros((64, CHUNK), dtype=numpy.uint8)
    batch = client.submit_get(names * 4, [out[i % 64] for i in range(256)])
    waiter = threading.Thread(target=lambda: client.wait(batch))
    waiter.start()
    try:
        deadline = time.monotonic() + 5
        refused = False
        while time.monotonic() < deadline and waiter.is_alive() and not refused:
            try:
                client.drain_completions()  # before the waiter has registered: nothing to take but others'
            except RuntimeError as e:
                assert "while wait() blocks" in str(e)
                refused = True
        with pytest.raises(ValueError):  # waited already, or (if it finished) no longer in flight
            client.wait(batch)
    finally:
        waiter.join(30)
    assert not waiter.is_alive(), "the waiter never returned"
    assert client.in_flight == 0


def test_keys_given_as_one_string_are_refused(client):
    with pytest.raises(TypeError, match="sequence of keys"):
        client.submit_exists("abc")
