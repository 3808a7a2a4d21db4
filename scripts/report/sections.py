"""The report's sections, in order, verdict first: a reader who stops after
one line knows whether the SLO was met.

Each section is a function of (results, plots) returning its blocks, none
when it does not apply. Table rows are dicts keyed by their columns' keys.
"""
from .document import (BulletList, Code, Document, Figure, Heading, Italic, ListItem, Power, Strong, paragraph,
                       table)
from . import break_even
from .plot_results import Made, Skipped
from .results import server_version_text
from .units import format_size


def build(results, plots):
    """The whole report as a Document."""
    blocks = []
    for section in SECTIONS:
        blocks += section(results, plots)
    return Document(f"kvslo report: {results.title}", tuple(blocks))


# --- the verdict -------------------------------------------------------------

def _slo_text(slo):
    text = f"retrieval >= {slo['retrieval_gbps']:g} GB/s"
    if slo.get("batch_p99_ms"):
        text += f", batch p99 <= {slo['batch_p99_ms']:g} ms"
    if slo.get("store_gbps"):
        text += f", store >= {slo['store_gbps']:g} GB/s"
    return text


def verdict(results, plots):
    judged = [p for p in results.points if p.client_info.judged_by_slo and p.slo.get("applicable", True)]
    meeting = [p for p in judged if p.slo.get("pass")]
    state = "MET" if meeting else "NOT MET"
    blocks = [Heading(f"kvslo report: {results.title}", 1)]
    if results.scenario.get("description"):
        blocks.append(paragraph(Italic(results.scenario["description"])))
    blocks.append(paragraph(f"SLO ({_slo_text(results.slo)}): ", Strong(state, state.split()[0]),
                            f" by {len(meeting)} of {len(judged)} points", lead=True))
    derived = break_even.derivation(results)
    if derived:
        blocks.append(paragraph(derived.explain() + "."))
    blocks.append(paragraph("Throughput is payload bytes per second of timed batches in GB/s (", Power("10", "9"),
                            " B/s); latency in ms."))
    return blocks


# --- best configuration per client -------------------------------------------

BEST_COLUMNS = [("client", "client"), ("op", "op"), ("gbps", "GB/s"), ("configuration", "configuration"),
                ("slo", "SLO")]


def _configuration(p):
    return (f"point #{p.index}: {format_size(p.p('chunk_size_bytes'))} chunks x {p.p('chunks_per_batch')}, "
            f"streams {p.p('streams')}, threads {p.p('threads')}, depth {p.p('pipeline_depth')}"
            + (f", {p.variant}" if p.variant else ""))


def best_per_client(results, plots):
    best = {}
    for p in results.points:
        if not p.outcome.may_be_best or p.gbps <= 0:
            continue
        key = (p.p("client"), p.p("op"))
        if key not in best or p.gbps > best[key].gbps:
            best[key] = p
    rows = [{"client": client, "op": op, "gbps": f"{p.gbps:.2f}", "configuration": _configuration(p),
             "slo": p.outcome.verdict} for (client, op), p in sorted(best.items())]
    return [Heading("Best configuration per client", 2), table(BEST_COLUMNS, rows)]


# --- loading vs recomputing (a derived SLO only) -----------------------------

# Plots a section shows itself, so the Plots section does not repeat them.
SECTION_PLOTS = {"load_vs_recompute"}

BREAK_EVEN_NOTE = ("Prefill is modelled as linear in tokens. It is not: attention makes long prefills superlinear, so "
                   "at long contexts recomputing costs more than drawn and the real break-even favours loading more. "
                   "The prefill rate is an input, not a measurement of this run: measure it on your own GPU and model, "
                   "e.g. with a vLLM prefill-only run (tokens/s = input length / the latency it reports), or as a long "
                   "prompt's length over its time to first token.")


def break_even_section(results, plots):
    d = break_even.derivation(results)
    if d is None:
        return []
    # The SLO's arithmetic is in the verdict above; this says what the run made of it.
    blocks = [Heading("Loading vs recomputing a prefix", 2)]
    best, _ = break_even.best_get_points(results)
    if best is not None:
        ratio = best.gbps / d.gbps
        verdict = (f"loading beats recomputing by {ratio:.2f}x" if ratio >= 1
                   else f"recomputing beats loading by {1 / ratio:.2f}x")
        blocks.append(paragraph(f"The best GET point (#{best.index}, {best.label}) moved {best.gbps:.2f} GB/s against "
                                f"the break-even of {break_even.format_slo_gbps(d.gbps)} GB/s: {verdict} at every "
                                "context length under a linear prefill."))
    blocks += [Figure(p.file, p.caption) for p in plots if isinstance(p, Made) and p.name in SECTION_PLOTS]
    blocks += [paragraph(BREAK_EVEN_NOTE), Code((break_even.VLLM_COMMAND,), "sh")]
    return blocks


# --- failures ----------------------------------------------------------------

def failures(results, plots):
    items = []
    for p in results.points:
        if p.outcome.status != "ok":
            lines = ([p.failure] if p.failure else []) + p.errors[:5]
            items.append(ListItem(f"point #{p.index} ({p.outcome.status}): {p.p('client')} {p.p('op')} "
                                  f"{format_size(p.p('chunk_size_bytes'))} chunks x {p.p('chunks_per_batch')}, "
                                  f"streams {p.p('streams')}", tuple(lines)))
    if not items:
        return []
    return [Heading("Failures", 2), BulletList(tuple(items))]


# --- clients and peers side by side ------------------------------------------

SIDE_NOTE = ("Every client and reference peer ran on the same Redis in this run. CPU is each client's own "
             "(iperf3's as it reports it); Redis busy is the server's CPU seconds per second of the trials, and near "
             "1.0 its one thread was the limit; Redis CPU s/GB is what each GB moved cost the server. A peer runs with the point's chunk size, streams and working set; what it "
             "cannot express is listed below the table.")
SIDE_COLUMNS = [("group", "group"), ("client", "client"), ("depth", "depth"), ("threads", "threads"),
                ("variant", "variant"), ("gbps", "GB/s"), ("cpu", "CPU s/GB"), ("pct_of_iperf3", "% of iperf3"),
                ("redis_busy", "Redis busy (cores)"), ("server_cpu", "Redis CPU s/GB")]
BAR_COLUMNS = [("met", ""), ("name", "bar"), ("group", "group"), ("ratio", "ratio [95% interval]"),
               ("needed", "needed"), ("ours", "ours"), ("theirs", "theirs")]
BAR_NOTE = ("Each ratio is the Hodges-Lehmann estimate over the two points' trials, paired by round when they took turns "
            "(Wilcoxon signed-rank interval), unpaired otherwise (Mann-Whitney interval, marked u). MET or MISSED: the whole "
            "95% interval is on one side of the bar; UNDECIDED: it straddles the bar, or has fewer than 6 rounds and so "
            "cannot reach 95%.")


def _side_row(r):
    ok = r["status"] == "ok"
    return {"group": r["group"], "client": r["client"] + (" (peer)" if r["peer"] else ""),
            "depth": str(r["pipeline_depth"]), "threads": str(r["threads"]), "variant": r["variant"] or "-",
            "gbps": f"{r['median_gbps']:.2f}" if ok else "failed",
            "cpu": f"{r['cpu_seconds_per_gb']:.3f}" if ok and r["cpu_seconds_per_gb"] > 0 else "-",
            "pct_of_iperf3": _pct(r),
            "redis_busy": "-" if r.get("server_busy_cores") is None else f"{r['server_busy_cores']:.2f}",
            "server_cpu": _per_gb(r.get("server_cpu_seconds_per_gb"))}


def _per_gb(seconds_per_gb):
    """CPU seconds per GB, or '-' when not known (older files, peers the server cannot attribute)."""
    return "-" if seconds_per_gb is None else f"{seconds_per_gb:.3f}"


def _pct(r):
    """'83% [80-85]': a point's share of iperf3 with its interval (older files: the share alone)."""
    if r.get("pct_of_iperf3") is None:
        return "-"
    interval = r.get("pct_of_iperf3_interval")
    return f"{r['pct_of_iperf3']:.0f}%" + (f" [{interval[0]:.0f}-{interval[1]:.0f}]" if interval else "")


def _bar_row(b):
    # Files before intervals have only `met`: a point estimate, MET or MISS.
    decision = b.get("decision") or ("MET" if b["met"] else "MISS")
    ratio = f"{b['ratio']:.2f}x"
    if b.get("interval"):
        ratio += f" [{b['interval'][0]:.2f}-{b['interval'][1]:.2f}]" + ("" if b.get("paired", True) else " u")
    return {"met": decision, "name": b["name"], "group": b["group"], "ratio": ratio,
            "needed": ("<= " if b["at_most"] else ">= ") + f"{b['bar']:.2f}x", "ours": b["ours"], "theirs": b["theirs"]}


def side_by_side(results, plots):
    sbs = results.side_by_side
    if not sbs or not sbs.get("table"):
        return []
    blocks = [Heading("Clients and peers side by side", 2), paragraph(SIDE_NOTE),
              table(SIDE_COLUMNS, [_side_row(r) for r in sbs["table"]])]
    if sbs.get("bars"):
        blocks += [paragraph("The bar (ratios within this run): " + BAR_NOTE),
                   table(BAR_COLUMNS, [_bar_row(b) for b in sbs["bars"]])]
    limits = [ListItem(f"#{p.index} {p.p('client')} {p.p('op')} streams={p.p('streams')} depth={p.p('pipeline_depth')}",
                       tuple(p.peer["limits"])) for p in results.points if p.peer and p.peer.get("limits")]
    blocks += [paragraph("What the peers could not express:"), BulletList(tuple(limits))]
    return blocks


PAIRED_COLUMNS = [("group", "group"), ("client", "point"), ("vs", "vs"), ("gbps", "GB/s ratio"), ("cpu", "CPU s/GB ratio"),
                  ("server", "Redis CPU s/GB"), ("server_baseline", "serving the other")]
PAIRED_NOTE = ("Each of kvslo's clients against the baseline client (hiredis) it took turns with, and tiled-py also "
               "against tiled (the Python boundary's share): ratios from trials "
               "paired by round, Hodges-Lehmann with the Wilcoxon signed-rank 95% interval (~: fewer than 6 rounds, "
               "which cannot reach 95%), and what each byte cost the Redis server serving either.")


def _interval_text(i):
    if not i:
        return "-"
    return f"{i['ratio']:.2f}x [{i['low']:.2f}-{i['high']:.2f}]" + ("" if i["confidence"] >= 0.95 else " ~")


def _paired_row(c):
    return {"group": c["group"], "client": c["ours"], "vs": c.get("baseline_client") or c["baseline"].split(" ")[0],
            "gbps": _interval_text(c["gbps"]),
            "cpu": _interval_text(c["cpu_per_gb"]), "server": _per_gb(c["server_cpu_seconds_per_gb"].get("ours")),
            "server_baseline": _per_gb(c["server_cpu_seconds_per_gb"].get("baseline"))}


def paired_comparisons(results, plots):
    """A run without peers compares its clients here (with peers, the side-by-side table does)."""
    if results.side_by_side.get("table") or not results.paired_comparisons:
        return []
    return [Heading("Against the baseline client, round by round", 2), paragraph(PAIRED_NOTE),
            table(PAIRED_COLUMNS, [_paired_row(c) for c in results.paired_comparisons])]


# --- the Python boundary ---------------------------------------------------------

BOUNDARY_COLUMNS = [("index", "#"), ("point", "point"), ("gbps", "GB/s"), ("share", "share of tiled"),
                    ("ablation", "vs without the ablation"),
                    ("wakeups", "wakeups per batch"), ("python", "Python ms per batch p50/p99"), ("cpu", "CPU s/GB")]
BOUNDARY_NOTE = ("tiled-py is the tiled core driven from Python asyncio through the kvslo module. Share of tiled: "
                 "its GB/s over tiled's in the same rounds (paired, 95% interval); an ablation (gil=held, "
                 "completion=poll) is also paired with the tiled-py point without it. Wakeups per batch: event-loop "
                 "wakeups (eventfd reader callbacks, or polling passes) per completed batch, at most 1 with the "
                 "eventfd. Python time per batch: from the call to the await returning, minus the C++ queue wait "
                 "and transfer. CPU is the whole Python process's, the C++ workers included.")


def _boundary_row(p, shares, ablations):
    b = p.raw["boundary"]
    py = b.get("python_time_per_batch") or {}
    wakeups = b.get("wakeups_per_batch")
    return {"index": str(p.index), "point": p.label, "gbps": f"{p.gbps:.2f}",
            "share": _interval_text(shares.get(p.label)), "ablation": _interval_text(ablations.get(p.label)),
            "wakeups": f"{wakeups:.3f}" if isinstance(wakeups, (int, float)) else "-",
            "python": f"{py.get('p50', 0):.3f} / {py.get('p99', 0):.3f}" if py.get("count") else "-",
            "cpu": _per_gb(p.raw.get("cpu_seconds_per_gb"))}


def python_boundary(results, plots):
    points = [p for p in results.points if isinstance(p.raw.get("boundary"), dict)]
    if not points:
        return []
    def paired_with(client):
        return {c["ours"]: c["gbps"] for c in results.paired_comparisons if c.get("baseline_client") == client}

    shares, ablations = paired_with("tiled"), paired_with("tiled-py")
    return [Heading("The Python boundary", 2), paragraph(BOUNDARY_NOTE),
            table(BOUNDARY_COLUMNS, [_boundary_row(p, shares, ablations) for p in points])]


# --- Redis Cluster: per-shard balance -------------------------------------------

SHARD_COLUMNS = [("index", "#"), ("point", "point"), ("gbps", "GB/s"), ("shard", "shard (primary)"), ("slots", "slots"),
                 ("share", "share of bytes"), ("p99", "chunk p99 ms"), ("cpu", "server CPU s"), ("failed", "failed keys"),
                 ("balance", "busiest/mean"), ("redirects", "MOVED / ASK")]
SHARD_NOTE = ("Each point over a Redis Cluster, shard by shard: the share of the verified bytes each primary served, "
              "the chunk p99 of its keys and its own CPU over the timed trials (INFO of each node). Busiest/mean is "
              "the busiest shard's bytes over the mean (1.00: an even load); a batch waits for its slowest shard. "
              "MOVED and ASK count the redirections the client followed (slots that moved during the point). On one "
              "host the shards share its cores and loopback: the balance and the routing's cost carry over to real "
              "hosts, the GB/s do not.")


def _number(v, digits):
    return f"{v:.{digits}f}" if isinstance(v, (int, float)) else "-"


def _shard_rows(p):
    c = p.raw["cluster"]
    redirects = c.get("redirects") or {}
    rows = []
    for i, s in enumerate(c.get("shards") or []):
        first = i == 0
        rows.append({"index": str(p.index) if first else "", "point": p.label if first else "",
                     "gbps": f"{p.gbps:.2f}" if first else "", "shard": s.get("address", "?"),
                     "slots": str(s.get("slots", "-")), "share": f"{100 * s.get('share_of_bytes', 0):.0f}%",
                     "p99": _number((s.get("chunk_latency") or {}).get("p99"), 2)
                     if (s.get("chunk_latency") or {}).get("count") else "-",
                     "cpu": _number(s.get("server_cpu_seconds"), 2), "failed": str(s.get("failed_keys", 0)),
                     "balance": _number(c.get("bytes_max_over_mean"), 2) if first else "",
                     "redirects": f"{redirects.get('moved', 0)} / {redirects.get('ask', 0)}" if first else ""})
    return rows


def cluster_balance(results, plots):
    points = [p for p in results.points if isinstance(p.raw.get("cluster"), dict)]
    if not points:
        return []
    rows = [row for p in points for row in _shard_rows(p)]
    return [Heading("Redis Cluster: per-shard balance", 2), paragraph(SHARD_NOTE), table(SHARD_COLUMNS, rows)]


# --- server comparison ---------------------------------------------------------

SERVER_COLUMNS = [("point", "point"), ("io_threads", "io-threads"), ("server", "server"),
                  ("gbps", "GB/s median [interval]"), ("vs_first", "x first server"), ("cpu", "client CPU s/GB"),
                  ("server_cpu", "server CPU s/GB"), ("index", "#")]
SERVER_NOTE = ("The same point (client, op, chunk size, streams, ...) and io-threads on each server the run started. "
               "Each server is a restart with its own dataset, so servers ran one after the other and compare "
               "unpaired: x first "
               "server is the ratio of the medians to the first server of the row's group (not a paired ratio); "
               "within one server and io-threads the clients took turns. The interval is the median's (~: below "
               "95% confidence, fewer than 6 trials). Server CPU s/GB is what each GB cost the server (INFO cpu).")
# The order servers are listed in within a group; any other kind after these.
SERVER_ORDER = ("redis", "valkey", "reference")


def _server_kind(p):
    return p.p("server") or "redis"  # absent: redis-server (results/SCHEMA.md)


def _server_text(p):
    version = (p.raw.get("redis_settings_actual") or {}).get("server_version")
    return _server_kind(p) + (f" {version}" if version else "")


def _io_threads_text(p):
    """io-threads as the server reported them (else as requested, else its default of 1), and do-reads if set."""
    actual, requested = p.raw.get("redis_settings_actual") or {}, p.p("redis_settings") or {}
    text = str(actual.get("io-threads") or requested.get("io-threads") or 1)
    if "io-threads-do-reads" in requested:
        text += f" (do-reads {requested['io-threads-do-reads']})"
    return text


def _gbps_with_interval(p):
    if p.outcome.status != "ok":
        return "failed"
    i = p.raw.get("throughput_interval")
    if not i:
        return f"{p.gbps:.2f}"
    return f"{p.gbps:.2f} [{i['low']:.2f}-{i['high']:.2f}]" + ("" if i.get("confidence", 0) >= 0.95 else " ~")


# The label's words that name the server and its settings: the row's other columns show them.
_SERVER_WORDS = ("server=", "io-threads=", "io-threads-do-reads=")


def _point_without_server(p):
    return " ".join(w for w in p.label.split() if not w.startswith(_SERVER_WORDS))


def _server_group(p):
    """What a server comparison holds equal: the point's identity but for its server and server settings."""
    return (p.p("op"), p.p("chunk_size_bytes"), p.identity_key(without=("server", "redis_settings")),
            _io_threads_text(p))


def _server_rank(p):
    kind = _server_kind(p)
    return (SERVER_ORDER.index(kind) if kind in SERVER_ORDER else len(SERVER_ORDER), kind)


def _server_rows(group):
    first = group[0]
    rows = []
    for i, p in enumerate(group):
        ratio = (f"{p.gbps / first.gbps:.2f}x" if i and p.outcome.status == "ok" and first.outcome.status == "ok"
                 and first.gbps > 0 else "-")
        rows.append({"point": _point_without_server(p) if not i else "",
                     "io_threads": _io_threads_text(p) if not i else "",
                     "server": _server_text(p), "gbps": _gbps_with_interval(p), "vs_first": ratio,
                     "cpu": _per_gb(p.raw.get("cpu_seconds_per_gb")),
                     "server_cpu": _per_gb(p.raw.get("server_cpu_seconds_per_gb")), "index": str(p.index)})
    return rows


def server_comparison(results, plots):
    """Only for a run on more than one kind of server (redis, valkey, reference)."""
    points = [p for p in results.points if p.client_info.moves_redis_data]  # iperf3 and null never ask the server
    if len({_server_kind(p) for p in points}) < 2:
        return []
    groups = {}
    for p in points:
        groups.setdefault(_server_group(p), []).append(p)
    rows = []
    for group in groups.values():
        if len({_server_kind(p) for p in group}) > 1:
            rows += _server_rows(sorted(group, key=_server_rank))
    if not rows:
        return []
    return [Heading("Server comparison", 2), paragraph(SERVER_NOTE), table(SERVER_COLUMNS, rows)]


# --- what TLS costs ---------------------------------------------------------------

TLS_COLUMNS = [("point", "point"), ("tls", "tls"), ("wire", "negotiated (kTLS send/recv of connections)"),
               ("gbps", "GB/s [95% interval]"), ("vs_plain", "x plain TCP"), ("cpu", "CPU s/GB"),
               ("server_cpu", "server CPU s/GB"), ("index", "#")]
TLS_NOTE = ("The same point in plain TCP, over TLS (OpenSSL encrypting in user space) and over kTLS (the kernel's "
            "record layer, where the kernel has one), on one server: the TLS and plain points took turns. x plain "
            "TCP: for kvslo's clients the ratio paired by round with its 95% interval (~: fewer than 6 rounds); for "
            "peers the ratio of the medians (u: unpaired). The negotiated column is what OpenSSL reported for each "
            "connection, not what was asked: kTLS falls back to user space silently. CPU s/GB is the client's, server "
            "CPU s/GB what each GB cost the server (both sides encrypt or decrypt every byte).")
TLS_ORDER = ("off", "on", "ktls")


def _tls_mode(p):
    return p.p("tls") or "off"  # absent: plain TCP (results/SCHEMA.md)


def _tls_wire_text(p):
    w = p.raw.get("tls_wire")
    if not w:
        return "plain TCP" if _tls_mode(p) == "off" else "-"
    return f"{w['protocol']} {w['cipher']} ({w['ktls_send']}/{w['ktls_recv']} of {w['connections']})"


def _tls_rows(group, paired):
    plain = next((p for p in group if _tls_mode(p) == "off"), None)
    rows = []
    for i, p in enumerate(group):
        ratio = "-"
        if p is not plain and p.outcome.status == "ok":
            if p.label in paired:
                ratio = _interval_text(paired[p.label])
            elif plain is not None and plain.outcome.status == "ok" and plain.gbps > 0:
                ratio = f"{p.gbps / plain.gbps:.2f}x u"
        rows.append({"point": " ".join(w for w in p.label.split() if not w.startswith("tls=")) if not i else "",
                     "tls": _tls_mode(p), "wire": _tls_wire_text(p), "gbps": _gbps_with_interval(p), "vs_plain": ratio,
                     "cpu": _per_gb(p.raw.get("cpu_seconds_per_gb")),
                     "server_cpu": _per_gb(p.raw.get("server_cpu_seconds_per_gb")), "index": str(p.index)})
    return rows


def tls_cost(results, plots):
    """Only for a run with TLS points: each beside the same point in plain TCP."""
    points = [p for p in results.points if p.client_info.moves_redis_data]
    if all(_tls_mode(p) == "off" for p in points):
        return []
    # A TLS point of kvslo's is paired with the same client in plain TCP (the run's paired comparisons).
    paired = {c["ours"]: c["gbps"] for c in results.paired_comparisons
              if "tls=" in c["ours"] and "tls=" not in c["baseline"] and c["baseline_client"] == c["ours"].split()[0]}
    groups = {}
    for p in points:
        groups.setdefault(p.identity_key(without=("tls",)), []).append(p)
    rows = []
    for group in groups.values():
        if len({_tls_mode(p) for p in group}) > 1:
            rows += _tls_rows(sorted(group, key=lambda p: TLS_ORDER.index(_tls_mode(p)) if _tls_mode(p) in TLS_ORDER
                                     else len(TLS_ORDER)), paired)
    if not rows:
        return []
    return [Heading("What TLS costs", 2), paragraph(TLS_NOTE), table(TLS_COLUMNS, rows)]


# --- many client hosts -----------------------------------------------------------

FLEET_COLUMNS = [("point", "point"), ("ranks", "ranks"), ("gbps", "aggregate GB/s [95% interval]"),
                 ("first_done", "first done GB/s"), ("per_rank", "per rank GB/s"), ("balance", "slowest/fastest"),
                 ("vs_one", "x one rank"), ("rank_cpu", "per rank CPU s/GB"), ("skew", "start skew ms"),
                 ("idle", "idle ranks' CPU"), ("index", "#")]
FLEET_NOTE = ("Under mpirun, every rank taking part ran each trial at once, started at one instant of rank 0's "
              "clock (each rank's clock offset read again at every point). Aggregate GB/s: every rank's verified "
              "bytes over the fleet's window, from the first rank's first batch to the last rank's last (medians "
              "over trials; the window includes each rank's verification between its batches, for one rank too, so "
              "ranks 1 and more compare like for like). First done: what every rank had moved when the first "
              "finished, over that time (elbencho's stonewall). Per rank: each rank's bytes over its own window "
              "(medians), and its client CPU per GB. x one rank: the ratio to the same point on rank 0 alone, paired "
              "by round (~: fewer than 6 rounds). Start skew: the most any rank started after the first, over the "
              "trials. Idle ranks' CPU: what the ranks sitting a trial out used while they waited through it (a "
              "rank that spun would show ~100%).")


def _median(values):
    values = sorted(values)
    if not values:
        return 0.0
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _fleet_row(p, first, one_rank):
    f = p.raw["fleet"]
    trials = f.get("trials") or []
    per_rank, rank_cpu = {}, {}
    idle_seconds = idle_cpu = 0.0
    for t in trials:
        for r in t["ranks"]:
            per_rank.setdefault(r["rank"], []).append(r["gbps"])
            cpu, moved = rank_cpu.setdefault(r["rank"], [0.0, 0])
            rank_cpu[r["rank"]] = [cpu + r.get("cpu_seconds", 0.0), moved + r.get("bytes", 0)]
        for i in t.get("idle_ranks") or []:
            idle_seconds += i["seconds"]
            idle_cpu += i["cpu_seconds"]
    medians = [_median(v) for _, v in sorted(per_rank.items())]
    return {"point": " ".join(w for w in p.label.split() if not w.startswith("ranks=")) if first else "",
            "ranks": f"{f['ranks']} of {f['world']}" + (f" ({f['keys']})" if f["ranks"] > 1 else ""),
            "gbps": _gbps_with_interval(p),
            "first_done": f"{_median([t['first_done_gbps'] for t in trials]):.2f}" if trials else "-",
            "per_rank": " / ".join(f"{m:.2f}" for m in medians) or "-",
            "balance": f"{min(medians) / max(medians):.2f}" if len(medians) > 1 and max(medians) > 0 else "-",
            "vs_one": _interval_text(one_rank) if one_rank else "-",
            "rank_cpu": " / ".join(_per_gb(cpu / moved * 1e9 if moved else None) for _, (cpu, moved) in sorted(rank_cpu.items())),
            "skew": f"{max(t['start_skew_s'] for t in trials) * 1e3:.2f}" if trials else "-",
            "idle": f"{100 * idle_cpu / idle_seconds:.1f}% of a core" if idle_seconds > 0 else "-",
            "index": str(p.index)}


def fleet(results, plots):
    """Only for a run under mpirun with several ranks: each point on one rank and on many."""
    points = [p for p in results.points if isinstance(p.raw.get("fleet"), dict)]
    if not points:
        return []
    one_rank = {c["ours"]: c["gbps"] for c in results.paired_comparisons if c["baseline_client"].endswith(" ranks=1")}
    groups = {}
    for p in points:
        groups.setdefault(p.identity_key(without=("ranks", "fleet_keys")), []).append(p)
    rows = []
    for group in groups.values():
        group.sort(key=lambda p: (p.raw["fleet"]["ranks"], p.raw["fleet"]["keys"]))
        rows += [_fleet_row(p, i == 0, one_rank.get(p.label)) for i, p in enumerate(group)]
    return [Heading("Many client hosts", 2), paragraph(FLEET_NOTE), table(FLEET_COLUMNS, rows)]


# --- network -----------------------------------------------------------------

WIRE_COLUMNS = [("streams", "streams"), ("write_size", "write size"), ("gbps", "GB/s"), ("gbit", "Gbit/s"),
                ("retransmits", "retransmits"), ("rtt", "RTT ms")]
PCT_COLUMNS = [("index", "#"), ("client", "client"), ("streams", "streams"), ("chunk", "chunk"), ("variant", "variant"),
               ("redis_gbps", "Redis GB/s"), ("wire_gbps", "wire GB/s"), ("pct", "% of wire")]
BUFFER_COLUMNS = [("index", "#"), ("sndbuf", "sndbuf requested"), ("sndbuf_granted", "granted"),
                  ("rcvbuf", "rcvbuf requested"), ("rcvbuf_granted", "granted"), ("warning", "warning")]
SETTING_COLUMNS = [("setting", "setting"), ("value", "value")]


def _wire_row(w):
    return {"streams": str(w["streams"]),
            "write_size": format_size(w["length_bytes"]) + (" (capped)" if w.get("length_capped") else ""),
            "gbps": f"{w['gbps']:.3f}", "gbit": f"{w['gbps'] * 8:.2f}", "retransmits": str(w.get("retransmits", 0)),
            "rtt": f"{w.get('rtt_ms', 0):.3f}"}


def _share_of_wire_row(p):
    return {"index": str(p.index), "client": p.client_label, "streams": str(p.p("streams")),
            "chunk": format_size(p.p("chunk_size_bytes")), "variant": p.variant or "-", "redis_gbps": f"{p.gbps:.2f}",
            "wire_gbps": "-" if p.wire_gbps is None else f"{p.wire_gbps:.2f}", "pct": f"{p.pct_of_wire:.0f}%"}


def _requested_buffers(p):
    return p.p("sndbuf_requested") not in (None, "default") or p.p("rcvbuf_requested") not in (None, "default")


def _buffer_row(p):
    conns = p.raw.get("connections") or []
    return {"index": str(p.index), "sndbuf": str(p.p("sndbuf_requested")),
            "sndbuf_granted": str(conns[0]["sndbuf_granted"]) if conns else "-", "rcvbuf": str(p.p("rcvbuf_requested")),
            "rcvbuf_granted": str(conns[0]["rcvbuf_granted"]) if conns else "-", "warning": "; ".join(p.warnings) or "-"}


def _setting_text(v):
    return " ".join(str(x) for x in v) if isinstance(v, list) else str(v)


def network(results, plots):
    net = results.network
    if not net:
        return []
    blocks = [Heading("Network", 2)]
    if net.get("error"):
        blocks.append(paragraph(f"The wire could not be measured: {net['error']}"))
    advice = net.get("advice") or {}
    if advice:
        blocks.append(paragraph(
            f"Target {net.get('target', '?')}: best {advice.get('bandwidth_gbps', 0):.2f} GB/s, RTT "
            f"{advice.get('rtt_ms', 0):.3f} ms, bandwidth-delay product {format_size(advice.get('bdp_bytes', 0))}; "
            f"the wire converges at {net.get('convergence_streams', '?')} streams."))
    wire = [_wire_row(w) for w in net.get("wire") or []]
    if wire:
        blocks += [paragraph("The wire (iperf3 on the same path):"), table(WIRE_COLUMNS, wire)]
    shares = [_share_of_wire_row(p) for p in results.points if p.pct_of_wire is not None]
    if shares:
        blocks += [paragraph("Redis as a share of the wire at the same stream count:"), table(PCT_COLUMNS, shares)]
    buffers = [_buffer_row(p) for p in results.points if _requested_buffers(p)]
    if buffers:
        blocks += [paragraph("Socket buffers (Linux grants twice a request, capped at rmem_max/wmem_max):"),
                   table(BUFFER_COLUMNS, buffers)]
    settings = [{"setting": k, "value": _setting_text(v)} for k, v in (net.get("settings") or {}).items()]
    if settings:
        blocks += [paragraph("Host settings:"), table(SETTING_COLUMNS, settings)]
    recommendations = advice.get("recommendations", [])
    if recommendations:
        blocks += [paragraph("Recommendations (kvslo changes nothing itself):"),
                   Code(tuple(f"{r['command']}    # {r['why']}" for r in recommendations), "sh")]
    return blocks


# --- plots -------------------------------------------------------------------

def plot_figures(results, plots):
    blocks = [Heading("Plots", 2)]
    blocks += [Figure(p.file, p.caption) for p in plots if isinstance(p, Made) and p.name not in SECTION_PLOTS]
    skipped = [p for p in plots if isinstance(p, Skipped)]
    if skipped:
        blocks.append(paragraph("Not drawn: " + "; ".join(f"{p.name} ({p.reason})" for p in skipped)))
    return blocks


# --- every point -------------------------------------------------------------

POINT_COLUMNS = [("index", "#"), ("client", "client"), ("op", "op"), ("chunk", "chunk"), ("batch", "batch"),
                 ("streams", "streams"), ("threads", "threads"), ("depth", "depth"), ("variant", "variant"),
                 ("gbps", "GB/s median [min-max]"), ("batch_ms", "batch ms p50 / p99 / max (n)"), ("cpu", "CPU s/GB"),
                 ("server_cpu", "Redis CPU s/GB"), ("slo", "SLO")]


def _point_row(p):
    bl = p.batch_latency
    cpu = p.raw.get("cpu_seconds_per_gb")
    return {"index": str(p.index), "client": p.p("client"), "op": p.p("op"), "chunk": format_size(p.p("chunk_size_bytes")),
            "batch": str(p.p("chunks_per_batch")), "streams": str(p.p("streams")), "threads": str(p.p("threads")),
            "depth": str(p.p("pipeline_depth")), "variant": p.variant or "-",
            "gbps": f"{p.gbps:.2f} [{p.gbps_min:.2f}-{p.gbps_max:.2f}]",
            "batch_ms": f"{bl.get('p50', 0):.1f} / {bl.get('p99', 0):.1f}{_tail_mark(bl)} / {bl.get('max', 0):.1f}"
                        f" ({bl.get('count', 0)})",
            "cpu": _per_gb(cpu), "server_cpu": _per_gb(p.raw.get("server_cpu_seconds_per_gb")),
            "slo": p.outcome.verdict}


# A nearest-rank p99 of fewer than 100 samples is their maximum (p99.9: 1,000),
# as kvslo's console marks it (harness/experiment/tail_samples.hpp).
SAMPLES_FOR_P99 = 100
TAIL_FOOTNOTE = ("~ a p99 of fewer than 100 samples (p99.9: 1,000) is their maximum, not a tail; "
                 "(n) is the sample count.")


def _tail_mark(latency):
    return "~" if latency.get("count", 0) < SAMPLES_FOR_P99 else ""


def every_point(results, plots):
    blocks = [Heading("Every point", 2), table(POINT_COLUMNS, [_point_row(p) for p in results.points])]
    if any(_tail_mark(p.batch_latency) for p in results.points):
        blocks.append(paragraph(TAIL_FOOTNOTE))
    return blocks


# --- environment -------------------------------------------------------------

ENVIRONMENT_COLUMNS = [("what", ""), ("value", "")]


def environment(results, plots):
    env = results.environment
    host, build, redis = env.get("host", {}), env.get("build", {}), env.get("redis", {})
    facts = [
        ("host", f"{host.get('hostname', '?')}: {host.get('cpu_model', '?')}, {host.get('cpu_cores', '?')} cores, "
                 f"{format_size(host.get('memory_total_bytes', 0))} memory"),
        ("kernel", host.get("kernel", "?")),
        ("kvslo", f"{build.get('kvslo_version', '?')} ({build.get('git_revision', '?')}, {build.get('build_type', '?')}, "
                  f"{build.get('compiler', '?')})"),
        ("Redis", f"{server_version_text(redis)} at {redis.get('endpoint', '?')}"
                  f"{' (embedded)' if redis.get('embedded') else ''}"),
        ("Redis config", ", ".join(f"{k}={v}" for k, v in (redis.get("config") or {}).items()) or "-"),
        ("sysctls", ", ".join(f"{k}={v}" for k, v in (host.get("sysctls") or {}).items()) or "-"),
        ("run", f"{results.created_at}: {results.doc.get('command_line', '')}"),
    ]
    tls = env.get("tls_client")
    if tls:  # a rediss:// server of the user's: how it was trusted
        facts.insert(4, ("TLS", "verification OFF (--tls-insecure)" if tls.get("verify") is False else
                         f"verified against {tls.get('ca_file', '?')}"
                         + (f", name {tls['server_name']}" if tls.get("server_name") else "")
                         + (f", client certificate {tls['client_certificate']}" if tls.get("client_certificate") else "")))
    ranks = results.doc.get("fleet")
    if ranks:  # under mpirun: where each rank ran, and how well its clock was known
        facts.insert(2, ("client hosts", f"{ranks.get('mpi', 'MPI')}, {ranks['ranks']} ranks: " + "; ".join(
            f"rank {r['rank']} on {r.get('host', '?')}"
            + (f" (netns {r['net_namespace_name']})" if r.get("net_namespace_name") else "")
            + (f", clock {r['clock_offset_s'] * 1e6:+.0f} us +- {r['clock_round_trip_s'] * 5e5:.0f} us" if r['rank'] else "")
            for r in ranks["per_rank"])))
    return [Heading("Environment", 2), table(ENVIRONMENT_COLUMNS, [{"what": k, "value": v} for k, v in facts])]


SECTIONS = [verdict, best_per_client, break_even_section, failures, side_by_side, paired_comparisons, python_boundary,
            cluster_balance, server_comparison, tls_cost, fleet, network,
            plot_figures, every_point, environment]
