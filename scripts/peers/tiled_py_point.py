#!/usr/bin/env python3
"""tiled-py: kvslo's tiled core driven from Python asyncio (rung 4 of the ladder).

kvslo runs this like the redis-py peer: one process serves the whole point.
It connects and warms up once, prints one JSON line ({"ready": true, ...} or
{"failure": ...}), then runs one timed trial per "trial" line on stdin and
answers each with one JSON line. It ends at the end of its input.

A trial is the point's batches, taken in turn by `--py-tasks` asyncio tasks
that each await `kvslo.aio.Client.get/set` into their own preallocated array
(the way an engine's request handlers would). What the boundary costs is
measured from Python's side:
  - batch latency: from the call to its await returning;
  - Python time per batch: that latency minus the C++ side's queue wait and
    transfer (what is left is the wakeup, the drain, building the result and
    resuming the task);
  - wakeups per batch: loop wakeups (eventfd reader callbacks, or polling
    passes) over batches completed;
  - CPU: the whole process's (time.process_time), the C++ workers included.
Ablations: `--gil held` (the binding keeps the GIL in every call) and
`--completion poll` (a task drains on every pass of the loop instead of an
eventfd reader).

Every key's status and size is checked for every batch. Contents are checked
for each task's last batch of a trial (its buffer is poisoned before the
trial and verified after it, outside the timing), because with tasks taking
turns a batch's buffer is reused by the next one at once.
"""

import asyncio
import json
import os
import sys
import time

from kvslo_payload import Payload, numpy
from point_arguments import point_arguments

try:
    import kvslo
    import kvslo.aio
except ImportError as e:
    kvslo = None
    KVSLO_IMPORT_ERROR = str(e)


def say(doc):
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def parse_args():
    ap = point_arguments()
    ap.add_argument("--url", required=True, help="without a password: it comes from KVSLO_REDIS_PASSWORD")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--inflight", type=int, default=1)
    ap.add_argument("--tile-bytes", type=int)
    ap.add_argument("--sndbuf", type=int)
    ap.add_argument("--rcvbuf", type=int)
    ap.add_argument("--generic", action="store_true")
    ap.add_argument("--py-tasks", type=int, default=1)
    ap.add_argument("--gil", choices=["released", "held"], default="released")
    ap.add_argument("--completion", choices=["eventfd", "poll"], default="eventfd")
    ap.add_argument("--tls-ca")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-server-name")
    ap.add_argument("--tls-insecure", action="store_true")
    ap.add_argument("--ktls", action="store_true")
    return ap.parse_args()


def tls_options(a):
    """The TLS keywords for a rediss:// URL (none for a plain one)."""
    if not a.url.startswith("rediss://"):
        return {}
    return dict(tls_ca=a.tls_ca, tls_cert=a.tls_cert, tls_key=a.tls_key, tls_server_name=a.tls_server_name,
                tls_insecure=a.tls_insecure, ktls=a.ktls)


class Point:
    def __init__(self, a):
        self.a = a
        self.names = [f"{a.prefix}:{a.chunk_size}:{i}" for i in range(a.keys)]
        self.payload = Payload(a.chunk_size)
        self.cursor = 0
        self.timed = 0.0  # seconds of timed trials so far: the time limit counts only those
        self.client = kvslo.aio.Client(
            a.url, completion=a.completion, threads=a.threads, streams=a.streams, pipeline_depth=a.depth,
            fixed_size=not a.generic, timeout=a.timeout, inflight=a.inflight, tile_bytes=a.tile_bytes,
            sndbuf=a.sndbuf, rcvbuf=a.rcvbuf, release_gil=a.gil == "released", **tls_options(a))
        n = a.chunks_per_batch
        # Each task's batch memory: one array cut into chunks, as LMCache allocates it.
        self.buffers = [numpy.zeros((n, a.chunk_size), dtype=numpy.uint8) for _ in range(a.py_tasks)]
        # SET sends kvslo's payload: every value of the working set, made once, before any clock.
        self.values = None
        if a.op == "set":
            self.values = numpy.empty((a.keys, a.chunk_size), dtype=numpy.uint8)
            for i in range(a.keys):
                self.values[i] = numpy.frombuffer(self.payload.value(i), dtype=numpy.uint8)

    def next_keys(self):
        n, a = self.a.chunks_per_batch, self.a
        indexes = [(self.cursor + k) % a.keys for k in range(n)]
        self.cursor = (self.cursor + n) % a.keys
        return indexes

    async def one_batch(self, task):
        indexes = self.next_keys()
        names = [self.names[i] for i in indexes]
        if self.a.op == "get":
            t0 = time.perf_counter()
            done = await self.client.get(names, self.buffers[task])
        else:
            start = indexes[0]
            contiguous = indexes[-1] == start + len(indexes) - 1
            values = self.values[start:start + len(indexes)] if contiguous else [self.values[i] for i in indexes]
            t0 = time.perf_counter()
            done = await self.client.set(names, values)
        return indexes, done, time.perf_counter() - t0

    async def run(self, batches, doc=None):
        """`batches` batches over the point's tasks; with `doc`, recorded into it."""
        left = [batches]
        last = {}  # task -> key indexes of its last batch

        async def task(t):
            while left[0] > 0:
                if doc is not None and self.a.time_limit and self.timed + (time.perf_counter() - wall0) > self.a.time_limit \
                        and doc["_batches"] > 0:
                    doc["time_limited"] = True
                    return
                left[0] -= 1
                indexes, done, seconds = await self.one_batch(t)
                last[t] = indexes
                if doc is not None:
                    self.record(doc, indexes, done, seconds)

        wall0 = time.perf_counter()
        await asyncio.gather(*(task(t) for t in range(self.a.py_tasks)))
        return last

    def record(self, doc, indexes, done, seconds):
        doc["_batches"] += 1
        doc["batch_latency_ms"].append(round(seconds * 1e3, 4))
        doc["stages"]["queue_wait_ms"].append(round(done.queue_wait_ns / 1e6, 4))
        doc["stages"]["transfer_ms"].append(round(done.transfer_ns / 1e6, 4))
        doc["stages"]["handoff_ms"].append(round(done.handoff_ns / 1e6, 4))
        python_s = max(0.0, seconds - (done.queue_wait_ns + done.transfer_ns) / 1e9)
        doc["boundary"]["python_ms"].append(round(python_s * 1e3, 4))
        failed = 0
        for i, status, message, size in zip(indexes, done.statuses, done.messages, done.value_sizes):
            if status == "ok" and (self.a.op == "set" or size == self.a.chunk_size):
                continue
            failed += 1
            if status == "missing":
                doc["missing"] += 1
            elif status in ("size_mismatch", "ok"):
                doc["wrong_size"] += 1
            if len(doc["errors"]) < 10:
                doc["errors"].append(f"key {self.names[i]}: {status}: {message}"[:300])
        doc["_failed"] += failed
        doc["_bytes"] += (len(indexes) - failed) * self.a.chunk_size

    async def trial(self, batches):
        doc = {"trials": [], "batch_latency_ms": [], "chunk_latency_ms": [], "errors": [], "missing": 0,
               "wrong_size": 0, "wrong_contents": 0, "time_limited": False,
               "stages": {"queue_wait_ms": [], "transfer_ms": [], "handoff_ms": []},
               "boundary": {"python_ms": []}, "_batches": 0, "_failed": 0, "_bytes": 0}
        verify = self.a.verify and self.a.op == "get"
        if verify:
            for b in self.buffers:
                b.fill(0xA5)  # poison: a chunk not written by its batch cannot pass
        stats0 = dict(self.client.stats)
        c0, t0 = time.process_time(), time.perf_counter()
        last = await self.run(batches, doc)
        t1, c1 = time.perf_counter(), time.process_time()
        self.timed += t1 - t0
        if verify:
            for t, indexes in last.items():
                for row, i in enumerate(indexes):
                    if not self.payload.matches(i, self.buffers[t][row]):
                        doc["wrong_contents"] += 1
                        if len(doc["errors"]) < 10:
                            doc["errors"].append(f"key {self.names[i]}: wrong contents")
        stats = {k: self.client.stats[k] - stats0[k] for k in stats0}
        doc["boundary"].update({"wakeups": stats["wakeups"], "empty_wakeups": stats["empty_wakeups"],
                                "batches_completed": stats["batches"], "dropped": stats["dropped"]})
        doc["trials"].append({"bytes": doc["_bytes"] - doc["wrong_contents"] * self.a.chunk_size, "seconds": t1 - t0, "cpu_seconds": c1 - c0,
                              "batches": doc["_batches"], "failed_keys": doc["_failed"] + doc["wrong_contents"]})
        for key in ("_batches", "_failed", "_bytes"):
            del doc[key]
        return doc


async def serve(a):
    try:
        point = Point(a)
    except Exception as e:  # noqa: BLE001 - bad settings (ValueError) or memory: the point's failure
        say({"failure": f"{type(e).__name__}: {e}"})
        return 0
    try:
        if a.warmup_batches:
            await point.run(a.warmup_batches)
        # Connected (a point without warm-up says ready only once it is).
        await point.client.exists([point.names[0]])
    except Exception as e:  # noqa: BLE001 - any failure is the point's, reported as such
        say({"failure": f"{type(e).__name__}: {e}"})
        point.client.close()
        return 0
    say({"ready": True, "python": sys.version.split()[0], "numpy": numpy.__version__,
         "contents_verified": "each task's last batch of every trial" if a.verify and a.op == "get" else False, "kvslo_module": os.path.dirname(kvslo.__file__),
         "settings": point.client.core.settings})
    while True:
        request = sys.stdin.readline()  # between trials nothing is in flight: the loop may block here
        if not request:
            break
        if request.strip() != "trial":
            say({"failure": f"unknown request {request.strip()[:40]!r} (expected 'trial')"})
            point.client.close()
            return 2
        say(await point.trial(a.batches))
    point.client.close()
    return 0


def main():
    a = parse_args()
    if kvslo is None:
        say({"failure": f"cannot import the kvslo module ({KVSLO_IMPORT_ERROR}); it is built with kvslo "
                        "(not in sanitized builds) into <build>/python"})
        return 0
    if numpy is None:
        say({"failure": "tiled-py needs numpy (apt-get install python3-numpy)"})
        return 0
    return asyncio.run(serve(a))


if __name__ == "__main__":
    sys.exit(main())
