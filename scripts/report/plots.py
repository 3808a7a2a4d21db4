"""The report's plots. Each one decides from the results whether it applies,
and says why not when it does not, instead of drawing an empty chart."""
import json
import math
import os
import textwrap
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")  # headless
# Labels come from results files: a "$" in one is text, never mathtext (an
# unbalanced one would raise instead of drawing).
matplotlib.rcParams["text.parse_math"] = False
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from . import break_even  # noqa: E402
from .plot_results import Made as Plot, Skipped  # noqa: E402
from .units import format_size  # noqa: E402

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]


def _measured(points, op="get"):
    """The points that moved Redis data: iperf3 is drawn as the wire, the null
    client only in the side-by-side plot (its memset speed would flatten the rest)."""
    return [p for p in points if p.p("op") == op and p.gbps > 0 and p.client_info.moves_redis_data]


# What a point's variant leaves out ("" when nothing else sets it apart): a
# series is named by its client, its variant and those of these that differ.
_BESIDE_VARIANT = ["op", "chunk_size_bytes", "chunks_per_batch", "streams", "threads", "pipeline_depth"]


def _series(points, x_param):
    """Lines over x_param: the points whose identity agrees on every field but x_param,
    each named by its client, variant and the _BESIDE_VARIANT fields that differ."""
    lines = OrderedDict()
    for p in sorted(points, key=lambda q: (q.p("client"), str(q.p(x_param)))):
        lines.setdefault(p.identity_key(without={x_param}), []).append(p)
    differing = _differing([p.params for p in points], [n for n in _BESIDE_VARIANT if n != x_param])
    named = OrderedDict()
    for pts in lines.values():
        first = pts[0]
        label = first.p("client") + (f" {first.variant}" if first.variant else "")
        named.setdefault(_with_fields(label, first.params, differing), []).append(pts)
    out = OrderedDict()
    for label, same_name in named.items():
        if len(same_name) == 1:
            out[label] = same_name[0]
            continue
        # Lines the names above cannot tell apart: name the identity fields that do.
        identities = [pts[0].identity for pts in same_name]
        fields = _differing(identities, sorted(set().union(*identities) - {x_param}))
        for pts in same_name:
            out[_with_fields(label, pts[0].identity, fields)] = pts
    return out


def _differing(mappings, names):
    return [n for n in names if len({json_key(m.get(n)) for m in mappings}) > 1]


def _with_fields(label, values, names):
    extra = ", ".join(f"{n.replace('_bytes', '')}={_format_param(n, values.get(n))}" for n in names)
    return label + (f" ({extra})" if extra else "")


def json_key(value):
    return json.dumps(value, sort_keys=True)


def _short(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _size_axis(ax, values):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_size(v) if v >= 1 else ""))
    ax.set_xticks(sorted(set(values)))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def _finish(fig, ax, results, title, subtitle, path):
    ax.set_title(f"{title}\n{subtitle}", fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.text(0.99, 0.01, results.context_line(), ha="right", va="bottom", fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _slo_line(ax, results):
    slo = results.slo.get("retrieval_gbps")
    if slo:
        ax.axhline(slo, color="#c00", linestyle="--", linewidth=1.2, label=f"SLO {slo:g} GB/s")


def _wire_lines(ax, results, param, xs):
    """The wire (iperf3, same run): a dashed curve over streams, a dashed level otherwise."""
    curve = results.wire_curve()
    if not curve:
        return
    if param == "streams":
        points = sorted((s, g) for s, g in curve.items())
        ax.plot([s for s, _ in points], [g for _, g in points], linestyle="--", color="#444", marker="s",
                markersize=4, label="wire (iperf3)")
    else:
        best = max(curve.values())
        ax.axhline(best, color="#444", linestyle="--", linewidth=1.2, label=f"wire (iperf3) {best:.2f} GB/s")


def _throughput_vs(results, outdir, param, name, title, xlabel, size_axis=False):
    points = _measured(results.points)
    series = _series(points, param)
    if not any(len({q.p(param) for q in pts}) >= 2 for pts in series.values()):
        return Skipped(name, f"needs a client measured at two or more values of {param} with everything else "
                             f"equal; this run has {param} {sorted({p.p(param) for p in points}) or 'none'}")
    fig, ax = plt.subplots(figsize=(8, 4.6))
    xs_all = []
    for i, (label, pts) in enumerate(series.items()):
        pts = sorted(pts, key=lambda q: q.p(param))
        xs = [q.p(param) for q in pts]
        xs_all += xs
        color = COLORS[i % len(COLORS)]
        ax.plot(xs, [q.gbps for q in pts], marker="o", color=color, label=label)
        ax.fill_between(xs, [q.gbps_min for q in pts], [q.gbps_max for q in pts], color=color, alpha=0.15)
    _slo_line(ax, results)
    _wire_lines(ax, results, param, xs_all)
    if size_axis:
        _size_axis(ax, xs_all)
    else:
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(set(xs_all)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("GET throughput (GB/s, 10^9 B/s)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="best")
    sample = points[0]
    fixed = []
    if param != "chunk_size_bytes":
        sizes = {q.p("chunk_size_bytes") for q in points}
        if len(sizes) == 1:
            fixed.append(f"{format_size(sizes.pop())} chunks")
    fixed.append(f"{sample.p('chunks_per_batch')} chunks per batch")
    if param != "streams" and len({q.p('streams') for q in points}) == 1:
        fixed.append(f"{sample.p('streams')} streams")
    path = os.path.join(outdir, f"{name}.png")
    _finish(fig, ax, results, title, "median of trials, band = min-max; " + ", ".join(fixed), path)
    return Plot(name, f"{name}.png", f"{title}: median GB/s per client, min-max band over trials, SLO dashed.")


def throughput_vs_chunk_size(results, outdir):
    return _throughput_vs(results, outdir, "chunk_size_bytes", "throughput_vs_chunk_size",
                          "GET throughput vs chunk size", "chunk size (log scale)", size_axis=True)


def throughput_vs_streams(results, outdir):
    return _throughput_vs(results, outdir, "streams", "throughput_vs_streams", "GET throughput vs streams",
                          "streams (connections, log scale)")


def throughput_vs_threads(results, outdir):
    return _throughput_vs(results, outdir, "threads", "throughput_vs_threads", "GET throughput vs client threads",
                          "client threads (log scale)")


def _format_param(name, value):
    if name.endswith("_bytes") and isinstance(value, int):
        return format_size(value)
    return _short(value)


def latency_percentiles(results, outdir):
    points = [p for p in _measured(results.points) if p.batch_latency.get("count")]
    if not points:
        return Skipped("latency_percentiles", "needs GET points with measured batches")
    points = points[:16]
    names = ["p50", "p90", "p99", "p99.9"]
    fig, ax = plt.subplots(figsize=(8, 0.9 + 0.42 * len(points) * 1.0 + 1.2))
    height = 0.8 / len(names)
    for j, n in enumerate(names):
        ys = [i + j * height for i in range(len(points))]
        ax.barh(ys, [p.batch_latency.get(n, 0) for p in points], height=height, label=n, color=COLORS[j])
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(points))])
    # Each point's sample count: a p99 of fewer than 100 batches is their maximum.
    ax.set_yticklabels([f"{p.label} (n={p.batch_latency.get('count', 0)})" for p in points], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("batch latency (ms; a batch is done when its last chunk is)")
    bound = results.slo.get("batch_p99_ms")
    if bound:
        ax.axvline(bound, color="#c00", linestyle="--", label=f"SLO p99 bound {bound:g} ms")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=5)
    path = os.path.join(outdir, "latency_percentiles.png")
    sizes = sorted({p.p('chunk_size_bytes') for p in points})
    _finish(fig, ax, results, "Per-batch GET latency percentiles",
            f"{', '.join(format_size(s) for s in sizes)} chunks x {points[0].p('chunks_per_batch')} per batch", path)
    return Plot("latency_percentiles", "latency_percentiles.png",
                "Batch latency p50/p90/p99/p99.9 per point (nearest rank over every timed batch).")


def latency_cdf(results, outdir):
    points = [p for p in _measured(results.points) if p.samples_ms]
    if not points:
        return Skipped("latency_cdf", "needs GET points with recorded batch latency samples")
    points = points[:9]
    fig, ax = plt.subplots(figsize=(8, 4.6 + 0.22 * len(points)))
    for i, p in enumerate(points):
        xs = sorted(p.samples_ms)
        ys = [(k + 1) / len(xs) for k in range(len(xs))]
        ax.step(xs, ys, where="post", color=COLORS[i % len(COLORS)], label=p.label)
    bound = results.slo.get("batch_p99_ms")
    if bound:
        ax.axvline(bound, color="#c00", linestyle="--", label=f"SLO p99 bound {bound:g} ms")
    ax.set_xlabel("batch latency (ms)")
    ax.set_ylabel("share of batches (CDF)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    path = os.path.join(outdir, "latency_cdf.png")
    _finish(fig, ax, results, "Per-batch GET latency, CDF", "every timed batch of every trial", path)
    return Plot("latency_cdf", "latency_cdf.png", "CDF of per-batch latency; the tail is on the right.")


def buffer_heatmap(results, outdir):
    points = _measured(results.points)
    def buf(p, k):
        v = p.params.get(k)
        return 0 if v in (None, "default") else int(v)
    snd = sorted({buf(p, "sndbuf_requested") for p in points})
    rcv = sorted({buf(p, "rcvbuf_requested") for p in points})
    if len(snd) < 2 or len(rcv) < 2:
        return Skipped("buffer_heatmap", "needs GET points over two or more sndbuf and rcvbuf values")
    grid = [[math.nan] * len(snd) for _ in rcv]
    for p in points:
        i, j = rcv.index(buf(p, "rcvbuf_requested")), snd.index(buf(p, "sndbuf_requested"))
        grid[i][j] = p.gbps if math.isnan(grid[i][j]) else max(grid[i][j], p.gbps)
    fig, ax = plt.subplots(figsize=(7, 4.8))
    image = ax.imshow(grid, cmap="viridis", origin="lower", aspect="auto")
    label = lambda v: "default" if v == 0 else format_size(v)  # noqa: E731
    ax.set_xticks(range(len(snd)))
    ax.set_xticklabels([label(v) for v in snd])
    ax.set_yticks(range(len(rcv)))
    ax.set_yticklabels([label(v) for v in rcv])
    for i in range(len(rcv)):
        for j in range(len(snd)):
            if not math.isnan(grid[i][j]):
                ax.text(j, i, f"{grid[i][j]:.2f}", ha="center", va="center", color="white", fontsize=9)
    ax.set_xlabel("SO_SNDBUF requested")
    ax.set_ylabel("SO_RCVBUF requested")
    fig.colorbar(image, ax=ax, label="GET GB/s (median)")
    path = os.path.join(outdir, "buffer_heatmap.png")
    _finish(fig, ax, results, "GET throughput over socket buffer sizes",
            "requests; the kernel doubles them and caps at rmem_max/wmem_max (granted sizes are in the results)", path)
    return Plot("buffer_heatmap", "buffer_heatmap.png", "Median GET GB/s for each SO_SNDBUF x SO_RCVBUF request.")


RUNG_NAMES = ["hiredis (rung 0)", "zero-copy generic (rung 1)", "fixed size, no metadata (rung 2)",
              "threads + tiles + eventfd (rung 3)", "from Python asyncio (rung 4)"]


def _rung_name(rung):
    return RUNG_NAMES[rung] if 0 <= rung < len(RUNG_NAMES) else f"rung {rung}"


def ladder(results, outdir):
    points = _measured(results.points)
    # Compare rungs at one chunk size: the one most rungs were measured at.
    rungs_at = {}
    for p in points:
        if p.client_info.rung is not None:
            rungs_at.setdefault(p.p("chunk_size_bytes"), set()).add(p.client_info.rung)
    if rungs_at:
        size = max(rungs_at, key=lambda s: (len(rungs_at[s]), s == 4 << 20, s))
        points = [p for p in points if p.p("chunk_size_bytes") == size]
    best = {}
    for p in points:
        r = p.client_info.rung
        if r is not None and (r not in best or p.gbps > best[r].gbps):
            best[r] = p
    if len(best) < 2:
        return Skipped("ladder", "needs GET points from two or more rungs (hiredis, zerocopy generic, "
                                 "zerocopy fixed, tiled)")
    rungs = sorted(best)
    fig, ax = plt.subplots(figsize=(8, 4.6))
    previous = 0.0
    for k, r in enumerate(rungs):
        value = best[r].gbps
        delta = value - previous
        color = "#1f77b4" if k == 0 else ("#2ca02c" if delta >= 0 else "#d62728")
        ax.bar(k, delta, bottom=previous, color=color, width=0.6)
        ax.text(k, max(value, previous) + 0.02, f"{value:.2f}" + ("" if k == 0 else f" ({delta:+.2f})"),
                ha="center", va="bottom", fontsize=9)
        if k > 0:
            ax.plot([k - 1 + 0.3, k - 0.3], [previous, previous], color="#777", linewidth=0.8)
        previous = value
    _slo_line(ax, results)
    ax.set_xticks(range(len(rungs)))
    ax.set_xticklabels([_rung_name(r) for r in rungs], fontsize=8, rotation=10)
    ax.set_ylabel("GET throughput (GB/s)")
    ax.set_ylim(0, max(max(b.gbps for b in best.values()), results.slo.get("retrieval_gbps") or 0) * 1.18)
    ax.legend(fontsize=8, loc="lower right")
    path = os.path.join(outdir, "ladder.png")
    sizes = sorted({best[r].p("chunk_size_bytes") for r in rungs})
    _finish(fig, ax, results, "What each rung adds (best point per rung)",
            f"{', '.join(format_size(s) for s in sizes)} chunks; bars show the change from the rung before", path)
    return Plot("ladder", "ladder.png", "Waterfall: GET GB/s of the best point per rung and what each rung adds.")


def tiled_stages(results, outdir):
    points = [p for p in results.points if p.stages]
    if not points:
        return Skipped("tiled_stages", "needs points from the tiled client (stage timings)")
    points = points[:12]
    fig, ax = plt.subplots(figsize=(8, 4.6))
    names = [("queue_wait", "queue wait"), ("transfer", "transfer"), ("handoff", "hand-off")]
    bottoms = [0.0] * len(points)
    for j, (key, label) in enumerate(names):
        values = [p.stages[key]["p50"] for p in points]
        ax.bar(range(len(points)), values, bottom=bottoms, label=label, color=COLORS[j], width=0.6)
        bottoms = [b + v for b, v in zip(bottoms, values)]
    for i, p in enumerate(points):
        ax.text(i, bottoms[i], f"q {p.stages['queue_wait']['p50']:.3f}\nh {p.stages['handoff']['p50']:.3f}",
                ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(points)))
    # Full labels side by side: wrapped, as rotated ones would run into each other.
    ax.set_xticklabels([textwrap.fill(p.label, 22) for p in points], fontsize=7)
    ax.set_ylabel("p50 per batch (ms)")
    ax.set_ylim(top=max(bottoms) * 1.2)
    ax.legend(fontsize=8)
    path = os.path.join(outdir, "tiled_stages.png")
    _finish(fig, ax, results, "Where the tiled client's time goes", "p50 per batch; labels give queue (q) and "
            "hand-off (h) in ms, too small to see as bars", path)
    return Plot("tiled_stages", "tiled_stages.png", "Queue wait, transfer and hand-off per batch (p50), tiled client.")


def before_after(results, baseline, outdir):
    if baseline is None:
        return Skipped("before_after", "give --baseline B.json to compare two runs")
    # A point re-measured in another run has the same identity.
    base = {p.identity_key(): p for p in baseline.points if p.gbps > 0}
    pairs = [(base[p.identity_key()], p) for p in results.points if p.gbps > 0 and p.identity_key() in base]
    if not pairs:
        return Skipped("before_after", f"no point of {results.path} matches one of {baseline.path}")
    pairs = pairs[:16]
    fig, ax = plt.subplots(figsize=(8, 0.9 + 0.5 * len(pairs) + 1.2))
    ys = range(len(pairs))
    ax.barh([y - 0.2 for y in ys], [b.gbps for b, _ in pairs], height=0.4, label="baseline", color="#999")
    ax.barh([y + 0.2 for y in ys], [c.gbps for _, c in pairs], height=0.4, label="current", color="#1f77b4")
    for y, (b, c) in zip(ys, pairs):
        change = (c.gbps - b.gbps) / b.gbps * 100 if b.gbps else 0
        ax.text(max(b.gbps, c.gbps) * 1.01, y, f"{change:+.1f}%", va="center", fontsize=8,
                color="#2ca02c" if change >= 0 else "#d62728")
    ax.set_yticks(list(ys))
    ax.set_yticklabels([c.label for _, c in pairs], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("GB/s (median)")
    ax.legend(fontsize=8, loc="lower right")
    path = os.path.join(outdir, "before_after.png")
    _finish(fig, ax, results, "Before / after", f"baseline {os.path.basename(baseline.path)} vs current "
            f"{os.path.basename(results.path)}", path)
    return Plot("before_after", "before_after.png", "Median GB/s per matched point, with the change in percent.")


def wire_curve(results, outdir):
    curve = results.network.get("wire") or []
    if len(curve) < 2:
        return Skipped("wire_curve", "needs the wire measured at two or more stream counts (kvslo run --wire, or a "
                                     "scenario with \"wire\")")
    by_streams = {}
    for w in curve:
        by_streams[w["streams"]] = max(by_streams.get(w["streams"], 0), w["gbps"])
    xs = sorted(by_streams)
    fig, ax = plt.subplots(figsize=(8, 4.6))
    ax.plot(xs, [by_streams[x] for x in xs], marker="s", linestyle="--", color="#444", label="wire (iperf3)")
    redis = {}
    for p in _measured(results.points):
        redis.setdefault(p.client_label, {})
        redis[p.client_label][p.p("streams")] = max(redis[p.client_label].get(p.p("streams"), 0), p.gbps)
    for i, (label, values) in enumerate(sorted(redis.items())):
        sx = sorted(values)
        ax.plot(sx, [values[x] for x in sx], marker="o", color=COLORS[i % len(COLORS)], label=f"Redis GET, {label}")
    conv = results.network.get("convergence_streams")
    if conv:
        ax.axvline(conv, color="#2ca02c", linestyle=":", label=f"wire converges at {conv} streams")
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel("streams (log scale)")
    ax.set_ylabel("GB/s (10^9 B/s)")
    ax.set_ylim(0, max(by_streams.values()) * 1.3)
    ax.legend(fontsize=8, loc="lower right")
    path = os.path.join(outdir, "wire_curve.png")
    _finish(fig, ax, results, "The wire and Redis over it", f"iperf3 to {results.network.get('target', '?')}, "
            "best per stream count", path)
    return Plot("wire_curve", "wire_curve.png", "Raw TCP bandwidth (iperf3) per stream count beside Redis GET "
                                                "throughput on the same path.")


def side_by_side(results, outdir):
    rows = (results.side_by_side or {}).get("table") or []
    if not rows:
        return Skipped("side_by_side", "needs a run with reference peers (the peers scenario)")
    groups = list(OrderedDict.fromkeys(r["group"] for r in rows))
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 1.2 + 0.42 * len(rows) + 0.5 * len(groups)), squeeze=False)
    top = max(r["median_gbps"] for r in rows) or 1
    for ax, group in zip(axes[:, 0], groups):
        mine = [r for r in rows if r["group"] == group]
        infos = [results.client_info_of(r["client"]) for r in mine]
        labels = [r["client"] + ("*" if r["peer"] else "") +
                  ("" if info and not info.moves_redis_data else f" d{r['pipeline_depth']}") +
                  (f" t{r['threads']}" if r["threads"] > 1 else "") for r, info in zip(mine, infos)]
        ys = range(len(mine))
        for y, r, info in zip(ys, mine, infos):
            color = ("#444" if info and info.is_wire else ("#bbb" if info and info.kind == "reference" else
                                                          ("#9467bd" if r["peer"] else "#1f77b4")))
            ax.barh(y, r["median_gbps"], color=color, hatch="//" if r["peer"] else None, edgecolor="white")
            text = f"{r['median_gbps']:.2f}" if r["status"] == "ok" else "failed"
            if r.get("pct_of_iperf3") is not None and not (info and info.is_wire):
                text += f"  ({r['pct_of_iperf3']:.0f}% of iperf3)"
            ax.text(r["median_gbps"] + top * 0.01, y, text, va="center", fontsize=8)
        ax.set_yticks(list(ys))
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.35)
        ax.set_title(group, fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1, 0].set_xlabel("GB/s (10^9 B/s), median of trials")
    fig.suptitle(f"{results.title}: clients and peers side by side", fontsize=11)
    fig.text(0.5, 0.005, results.context_line() + "   * peer (hatched); d = pipeline depth, t = threads",
             ha="center", fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    path = os.path.join(outdir, "side_by_side.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Plot("side_by_side", "side_by_side.png", "Every client and reference peer on the same Redis in one run, "
                                                    "with % of iperf3 in the same direction.")


def load_vs_recompute(results, outdir):
    """Time to load a prefix at the measured GB/s vs time to recompute it, over context length:
    drawn only when the SLO was derived from a model and a prefill rate (then both are known)."""
    d = break_even.derivation(results)
    if d is None:
        return Skipped("load_vs_recompute", "the retrieval SLO was given as a number; derive it from a model and a "
                                            "prefill rate (README, the slo block) to compare loading with recomputing")
    best, per_client = break_even.best_get_points(results)
    if best is None:
        return Skipped("load_vs_recompute", "needs a GET point that moved Redis data")
    tokens = break_even.CONTEXT_TOKENS
    fig, ax = plt.subplots(figsize=(8, 4.6))
    ax.plot(tokens, [d.recompute_seconds(t) * 1000 for t in tokens], color="#c00", linewidth=2, marker="o",
            markersize=3, label=f"recompute: prefill at {break_even.format_rate(d.prefill_tokens_per_s)} tokens/s")
    ax.plot(tokens, [d.load_seconds(t, best.gbps) * 1000 for t in tokens], color=COLORS[0], linewidth=2, marker="s",
            markersize=3, label=f"load from Redis at {best.gbps:.2f} GB/s (best GET, point #{best.index})")
    # Each other client's best, thinner: what choosing that client would give.
    others = [p for _, p in sorted(per_client.items()) if p is not best]
    for i, p in enumerate(others):
        ax.plot(tokens, [d.load_seconds(t, p.gbps) * 1000 for t in tokens], color=COLORS[(i + 2) % len(COLORS)],
                linestyle="--", linewidth=1, label=f"load, best {p.p('client')}: {p.gbps:.2f} GB/s (point #{p.index})")
    ratio = best.gbps / d.gbps
    # The lower right corner: the lines rise from the lower left, so none runs there.
    ax.text(0.98, 0.04, f"best GET: loading {ratio:.2f}x {'faster' if ratio >= 1 else 'slower'} than recomputing\n"
            f"at every length (the lines meet only at the SLO, {break_even.format_slo_gbps(d.gbps)} GB/s)",
            transform=ax.transAxes, fontsize=8, ha="right", va="bottom")
    ax.set_xscale("log", base=2)
    ax.set_xticks(tokens)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: break_even.format_tokens(int(v))))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    # Plain numbers: with mathtext off, the default log labels would show as "$10^{1}$".
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel("context length (tokens, log scale; 1k = 1,024)")
    ax.set_ylabel("time per request (ms, log scale)")
    ax.legend(fontsize=8, loc="upper left")
    path = os.path.join(outdir, "load_vs_recompute.png")
    _finish(fig, ax, results, "Time to load vs time to recompute a prefix",
            f"{d.model} ({d.dtype}), {d.bytes_per_token:,} B/token; GB = 10^9 B; prefill linear in tokens", path)
    return Plot("load_vs_recompute", "load_vs_recompute.png",
                f"Time to load a prefix of 1k-128k tokens from Redis at the best GET point's median "
                f"({best.gbps:.2f} GB/s, point #{best.index}: {best.label}) vs time to recompute it by prefill at "
                f"{break_even.format_rate(d.prefill_tokens_per_s)} tokens/s; {d.model} ({d.dtype}), "
                f"{d.bytes_per_token:,} B/token, GB = 10^9 B.")


def make_all(results, outdir, baseline=None):
    makers = [side_by_side, throughput_vs_chunk_size, throughput_vs_streams, throughput_vs_threads, wire_curve, latency_percentiles,
              latency_cdf, buffer_heatmap, ladder, tiled_stages, load_vs_recompute]
    out = [m(results, outdir) for m in makers]
    out.append(before_after(results, baseline, outdir))
    return out
