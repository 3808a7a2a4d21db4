#!/usr/bin/env python3
"""The redis-py peer: GET/SET batches the way redis-py's users write them.

kvslo runs this as a reference "client" that stays up for the whole point, as
a redis-py user's process would: it connects and warms up once, prints one
JSON line ({"ready": true, ...}, or {"failure": ...}), then runs one timed
trial for each "trial" line it reads on stdin and answers each with one JSON
line (the trial's figures, latencies and key failures). It ends at the end of
its input. Depth 1 is the plain loop (r.get(k) per key); a larger depth sends
each stream's keys through r.pipeline(transaction=False), `depth` commands per
execute(). Streams are threads, each with its own connection, sharing the
batch the way kvslo's streams do (redis-py releases the GIL while it waits).

The values are kvslo's payload (harness/measure/payload.cpp: word j of key k is
(k * C1) ^ (j * C2) ^ C3, little-endian 64-bit). SET writes exactly that, made
for each batch before its clock starts, so later GET points still verify; GET
checks sizes inside and contents outside the timed part (contents need numpy,
else sizes only, and the output says so).
"""

import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import redis

from kvslo_payload import Payload, numpy
from point_arguments import point_arguments
def main():
    ap = point_arguments()
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    ap.add_argument("--unix-socket")
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--tls", action="store_true", help="TLS (rediss://), verifying the server unless --tls-insecure")
    ap.add_argument("--tls-ca")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-insecure", action="store_true")
    a = ap.parse_args()

    password = os.environ.get("KVSLO_REDIS_PASSWORD") or None
    local = threading.local()

    def connection():
        if not hasattr(local, "r"):
            kw = dict(password=password, socket_timeout=a.timeout, socket_connect_timeout=a.timeout)
            if a.tls:
                kw.update(ssl=True, ssl_ca_certs=a.tls_ca, ssl_certfile=a.tls_cert, ssl_keyfile=a.tls_key,
                          ssl_cert_reqs="none" if a.tls_insecure else "required",
                          ssl_check_hostname=not a.tls_insecure)
            local.r = (redis.Redis(unix_socket_path=a.unix_socket, **kw) if a.unix_socket
                       else redis.Redis(host=a.host, port=a.port, **kw))
        return local.r

    name = lambda i: f"{a.prefix}:{a.chunk_size}:{i}"
    chunks = Payload(a.chunk_size)
    verify_contents = bool(a.verify and numpy is not None)

    def serve(indexes, values):
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

    def next_keys():
        nonlocal cursor
        keys = [(cursor + k) % a.keys for k in range(a.chunks_per_batch)]
        cursor = (cursor + a.chunks_per_batch) % a.keys
        return keys

    def run_batch(keys, values):
        if pool is None:
            return serve(keys, values)
        results = []
        for part in pool.map(lambda share: serve(share, values), [keys[s::a.streams] for s in range(a.streams)]):
            results.extend(part)
        return results

    def batch_values(keys):  # a SET batch's values exist before its clock starts, as a caller's would
        return {i: chunks.value(i) for i in keys} if a.op == "set" else {}

    timed = 0.0  # seconds in timed batches so far: the time limit counts only those

    def trial():
        nonlocal timed
        doc = {"trials": [], "batch_latency_ms": [], "chunk_latency_ms": [], "errors": [], "missing": 0,
               "wrong_size": 0, "wrong_contents": 0, "time_limited": False}
        t = {"bytes": 0, "seconds": 0.0, "cpu_seconds": 0.0, "batches": 0, "failed_keys": 0}
        try:
            for _ in range(a.batches):
                if a.time_limit and timed > a.time_limit and t["batches"] > 0:
                    doc["time_limited"] = True
                    break
                keys = next_keys()
                values = batch_values(keys)
                c0, t0 = time.process_time(), time.perf_counter()
                results = run_batch(keys, values)
                t1, c1 = time.perf_counter(), time.process_time()
                timed += t1 - t0
                t["seconds"] += t1 - t0
                t["cpu_seconds"] += c1 - c0
                t["batches"] += 1
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
                        elif verify_contents and not chunks.matches(i, v):
                            doc["wrong_contents"] += 1
                            bad = "wrong contents"
                    elif v is not True:
                        bad = f"SET replied {v!r}"
                    if bad:
                        t["failed_keys"] += 1
                        if len(doc["errors"]) < 10:
                            doc["errors"].append(f"key {name(i)}: {bad}")
                    else:
                        t["bytes"] += a.chunk_size
                        if latency is not None:
                            doc["chunk_latency_ms"].append(round(latency * 1e3, 3))
        except redis.RedisError as e:
            doc["failure"] = f"{type(e).__name__}: {e}"
        if t["batches"]:
            doc["trials"].append(t)
        return doc

    def say(doc):
        sys.stdout.write(json.dumps(doc) + "\n")
        sys.stdout.flush()

    try:
        for _ in range(a.warmup_batches):
            keys = next_keys()
            run_batch(keys, batch_values(keys))
        connection().ping()  # a point without warm-up still says ready only once it is connected
    except redis.RedisError as e:
        say({"failure": f"{type(e).__name__}: {e}"})
        return 0
    say({"ready": True, "redis_py_version": redis.__version__, "python": sys.version.split()[0],
         "contents_verified": verify_contents})
    for request in sys.stdin:
        if request.strip() != "trial":
            say({"failure": f"unknown request {request.strip()[:40]!r} (expected 'trial')"})
            return 2
        say(trial())
    return 0


if __name__ == "__main__":
    sys.exit(main())
