#!/usr/bin/env python3
"""The redis-py peer: GET/SET batches the way redis-py's users write them.

kvslo runs this as a reference "client" and reads one JSON document from its
stdout. Depth 1 is the plain loop (r.get(k) per key); a larger depth sends
each stream's keys through r.pipeline(transaction=False), `depth` commands per
execute(). Streams are threads, each with its own connection, sharing the
batch the way kvslo's streams do (redis-py releases the GIL while it waits).

The values are kvslo's payload (harness/measure/payload.cpp: word j of key k is
(k * C1) ^ (j * C2) ^ C3, little-endian 64-bit). SET writes exactly that, so
later GET points still verify; GET checks sizes inside and contents outside
the timed part (contents need numpy, else sizes only, and the output says so).
"""

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import redis

try:
    import numpy
except ImportError:  # contents are then not verified, and the output says so
    numpy = None

C1, C2, C3 = 0xD1B54A32D192ED03, 0x9E3779B97F4A7C15, 0x5BD1E995
MASK = (1 << 64) - 1


def payload(key_index, size):
    words = size // 8 + 1
    if numpy is not None:
        j = numpy.arange(words, dtype=numpy.uint64)
        w = (j * numpy.uint64(C2)) ^ numpy.uint64((key_index * C1) & MASK) ^ numpy.uint64(C3)
        return w.astype("<u8").tobytes()[:size]
    base = ((key_index * C1) ^ C3) & MASK
    return b"".join((((j * C2) & MASK) ^ base).to_bytes(8, "little") for j in range(words))[:size]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    ap.add_argument("--unix-socket")
    ap.add_argument("--op", choices=["get", "set"], required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--chunk-size", type=int, required=True)
    ap.add_argument("--keys", type=int, required=True)
    ap.add_argument("--chunks-per-batch", type=int, required=True)
    ap.add_argument("--batches", type=int, required=True)
    ap.add_argument("--trials", type=int, required=True)
    ap.add_argument("--warmup-batches", type=int, default=0)
    ap.add_argument("--streams", type=int, default=1)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--time-limit", type=float, default=0.0)
    a = ap.parse_args()

    password = os.environ.get("KVSLO_REDIS_PASSWORD") or None
    local = threading.local()

    def connection():
        if not hasattr(local, "r"):
            kw = dict(password=password, socket_timeout=a.timeout, socket_connect_timeout=a.timeout)
            local.r = (redis.Redis(unix_socket_path=a.unix_socket, **kw) if a.unix_socket
                       else redis.Redis(host=a.host, port=a.port, **kw))
        return local.r

    name = lambda i: f"{a.prefix}:{a.chunk_size}:{i}"
    values = {}
    if a.op == "set":  # the values exist before the clock starts, as a caller's would
        used = a.chunks_per_batch * (a.warmup_batches + a.batches * a.trials)
        values = {i: payload(i, a.chunk_size) for i in range(min(a.keys, used))}

    def serve(indexes):
        """One stream's share of a batch: (index, value or None, latency s or None) per key."""
        r = connection()
        out = []
        if a.depth == 1:
            for i in indexes:
                t0 = time.perf_counter()
                v = r.get(name(i)) if a.op == "get" else r.set(name(i), values[i])
                out.append((i, v, time.perf_counter() - t0))
        else:
            for start in range(0, len(indexes), a.depth):
                group = indexes[start:start + a.depth]
                p = r.pipeline(transaction=False)
                for i in group:
                    if a.op == "get":
                        p.get(name(i))
                    else:
                        p.set(name(i), values[i])
                for i, v in zip(group, p.execute()):
                    out.append((i, v, None))  # a pipeline has no per-key latency
        return out

    pool = ThreadPoolExecutor(max_workers=a.streams) if a.streams > 1 else None
    cursor = 0

    def run_batch():
        nonlocal cursor
        keys = [(cursor + k) % a.keys for k in range(a.chunks_per_batch)]
        cursor = (cursor + a.chunks_per_batch) % a.keys
        if pool is None:
            return serve(keys)
        share = [keys[s::a.streams] for s in range(a.streams)]
        results = []
        for part in pool.map(serve, share):
            results.extend(part)
        return results

    doc = {"redis_py_version": redis.__version__, "python": sys.version.split()[0],
           "contents_verified": bool(a.verify and numpy is not None), "trials": [],
           "batch_latency_ms": [], "chunk_latency_ms": [], "errors": [], "missing": 0, "wrong_size": 0,
           "wrong_contents": 0, "time_limited": False}
    try:
        for _ in range(a.warmup_batches):
            run_batch()
        started = time.monotonic()

        def server_cpu():  # the server's own CPU, read between trials (outside the timing)
            info = connection().info("cpu")
            return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])

        for _ in range(a.trials):
            trial = {"bytes": 0, "seconds": 0.0, "cpu_seconds": 0.0, "batches": 0, "failed_keys": 0}
            server_cpu0 = server_cpu()
            for _ in range(a.batches):
                if a.time_limit and time.monotonic() - started > a.time_limit and trial["batches"] > 0:
                    doc["time_limited"] = True
                    break
                c0, t0 = time.process_time(), time.perf_counter()
                results = run_batch()
                t1, c1 = time.perf_counter(), time.process_time()
                trial["seconds"] += t1 - t0
                trial["cpu_seconds"] += c1 - c0
                trial["batches"] += 1
                doc["batch_latency_ms"].append(round((t1 - t0) * 1e3, 3))
                for i, v, latency in results:
                    bad = None
                    if a.op == "get":
                        if v is None:
                            doc["missing"] += 1
                            bad = "missing"
                        elif len(v) != a.chunk_size:
                            doc["wrong_size"] += 1
                            bad = f"value of {len(v)} bytes"
                        elif doc["contents_verified"] and v != payload(i, a.chunk_size):
                            doc["wrong_contents"] += 1
                            bad = "wrong contents"
                    elif v is not True:
                        bad = f"SET replied {v!r}"
                    if bad:
                        trial["failed_keys"] += 1
                        if len(doc["errors"]) < 10:
                            doc["errors"].append(f"key {name(i)}: {bad}")
                    else:
                        trial["bytes"] += a.chunk_size
                        if latency is not None:
                            doc["chunk_latency_ms"].append(round(latency * 1e3, 3))
            trial["server_cpu_seconds"] = server_cpu() - server_cpu0
            if trial["batches"]:
                doc["trials"].append(trial)
            if doc["time_limited"]:
                break
    except redis.RedisError as e:
        doc["failure"] = f"{type(e).__name__}: {e}"
    json.dump(doc, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
