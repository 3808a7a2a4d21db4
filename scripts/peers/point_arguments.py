"""The arguments kvslo gives every Python point (the redis-py peer, tiled-py).

What to run (the op), on which of kvslo's keys ({prefix}:{chunk size}:{index}),
in how many batches, and how trials are bounded. Each script adds its own.
"""

import argparse


def point_arguments():
    ap = argparse.ArgumentParser()
    ap.add_argument("--op", choices=["get", "set"], required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--chunk-size", type=int, required=True)
    ap.add_argument("--keys", type=int, required=True)
    ap.add_argument("--chunks-per-batch", type=int, required=True)
    ap.add_argument("--batches", type=int, required=True)
    ap.add_argument("--warmup-batches", type=int, default=0)
    ap.add_argument("--streams", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--time-limit", type=float, default=0.0)
    return ap
