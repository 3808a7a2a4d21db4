#!/usr/bin/env python3
"""Summarises kvslo_bench's JSON (Google Benchmark format): medians per
benchmark in GB/s (10^9 B/s; Google Benchmark's console says G/s for 2^30),
and the bar: the fixed-size parse of a 4 MiB bulk costs no more than a few
microseconds beyond the one copy it cannot avoid. Standard library only."""

import json
import sys

BAR_US = 5.0  # "a few microseconds"


def aggregate(doc, which):
    """{benchmark: its `which` aggregate (median, stddev, ...)}, or its only run without repetitions."""
    out = {}
    for b in doc["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != which:
            continue
        name = b.get("run_name", b["name"])
        out[name] = b
    return out


def seconds(b):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
    return b["real_time"] * scale


def main(path):
    doc = json.load(open(path))
    ctx = doc.get("context", {})
    print(f"kvslo_bench on {ctx.get('host_name', '?')}: {ctx.get('num_cpus', '?')} CPUs at "
          f"{ctx.get('mhz_per_cpu', '?')} MHz, {ctx.get('date', '')}")
    m = aggregate(doc, "median")
    spread = aggregate(doc, "stddev")
    print(f"{'benchmark':42} {'time':>12} {'GB/s':>8}  other")
    for name, b in sorted(m.items()):
        t = seconds(b)
        gbps = b.get("bytes_per_second")
        other = ""
        if "items_per_second" in b:
            other = f"{b['items_per_second'] / 1e6:.1f} M items/s"
        if "per_wake" in b:
            other = f"{b['per_wake'] * 1e6:.2f} us per wake"
        time_text = f"{t * 1e6:.3f} us" if t < 1e-3 else f"{t * 1e3:.3f} ms"
        rate = f"{gbps / 1e9:8.2f}" if gbps else f"{'-':>8}"
        print(f"{name:42} {time_text:>12} {rate}  {other}".rstrip())

    size = 4 << 20
    beyond = m.get(f"BM_ParseBulkFixedBeyondCopy/{size}")
    fixed, copy = m.get(f"BM_ParseBulkFixed/{size}"), m.get(f"BM_Memcpy/{size}")
    if beyond and fixed and copy:
        extra_us = seconds(beyond) * 1e6
        verdict = "MET" if extra_us <= BAR_US else "MISS"
        print(f"\nThe bar: fixed-size parse of a 4 MiB bulk beyond its copy: {extra_us:.3f} us "
              f"(bar <= {BAR_US:g} us): {verdict}")
        noise = spread.get(f"BM_Memcpy/{size}")
        noise_text = (f"; memcpy's own standard deviation over the repetitions is {seconds(noise) * 1e6:.1f} us"
                      if noise and noise is not copy else "")
        print(f"  with the copy {seconds(fixed) * 1e6:.1f} us vs memcpy alone {seconds(copy) * 1e6:.1f} us "
              f"(medians, difference {(seconds(fixed) - seconds(copy)) * 1e6:+.1f} us{noise_text})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
