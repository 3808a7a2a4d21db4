"""Markdown and self-contained HTML reports from one results file.

Both are built from the same sections, verdict first: a reader who stops
after one line knows whether the SLO was met.
"""
import base64
import html
import os

from .units import format_size


def _verdict(results):
    slo = results.slo
    text = f"retrieval >= {slo['retrieval_gbps']:g} GB/s"
    if slo.get("batch_p99_ms"):
        text += f", batch p99 <= {slo['batch_p99_ms']:g} ms"
    if slo.get("store_gbps"):
        text += f", store >= {slo['store_gbps']:g} GB/s"
    judged = [p for p in results.points if p.slo.get("applicable", True)]
    meeting = [p for p in judged if p.slo.get("pass")]
    state = "MET" if meeting else "NOT MET"
    return state, f"SLO ({text}): **{state}** by {len(meeting)} of {len(judged)} points"


def _point_row(p):
    pr = p.params
    variant = []
    if pr.get("fixed_size") is False:
        variant.append("generic")
    if pr.get("layout", "fixed") != "fixed":
        variant.append(pr["layout"])
    for k in ("sndbuf_requested", "rcvbuf_requested"):
        if pr.get(k) not in (None, "default"):
            variant.append(f"{k.split('_')[0]}={format_size(pr[k])}")
    arrival = pr.get("arrival") or {}
    if arrival.get("mode", "closed") != "closed":
        variant.append(f"{arrival['mode']}@{arrival['rate_per_s']:g}/s")
    for k, v in (pr.get("redis_settings") or {}).items():
        variant.append(f"{k}={v}")
    bl = p.batch_latency
    verdict = "ERROR" if p.failure else ("n/a" if not p.slo.get("applicable", True) else ("PASS" if p.slo.get("pass") else "FAIL"))
    return [str(p.index), pr["client"], pr["op"], format_size(pr["chunk_size_bytes"]), str(pr["chunks_per_batch"]),
            str(pr["streams"]), str(pr["threads"]), str(pr["pipeline_depth"]), " ".join(variant) or "-",
            f"{p.gbps:.2f} [{p.gbps_min:.2f}-{p.gbps_max:.2f}]",
            f"{bl.get('p50', 0):.1f} / {bl.get('p99', 0):.1f} / {bl.get('max', 0):.1f}",
            "-" if p.raw.get("cpu_seconds_per_gb") is None else f"{p.raw['cpu_seconds_per_gb']:.3f}", verdict]


POINT_HEADER = ["#", "client", "op", "chunk", "batch", "streams", "threads", "depth", "variant",
                "GB/s median [min-max]", "batch ms p50 / p99 / max", "CPU s/GB", "SLO"]


def _best_rows(results):
    best = {}
    for p in results.points:
        if p.gbps <= 0:
            continue
        key = (p.p("client"), p.p("op"))
        if key not in best or p.gbps > best[key].gbps:
            best[key] = p
    rows = []
    for (client, op), p in sorted(best.items()):
        verdict = "n/a" if not p.slo.get("applicable", True) else ("PASS" if p.slo.get("pass") else "FAIL")
        row = _point_row(p)
        config = (f"point #{p.index}: {row[3]} chunks x {row[4]}, streams {row[5]}, threads {row[6]}, depth {row[7]}"
                  + ("" if row[8] == "-" else f", {row[8]}"))
        rows.append([client, op, f"{p.gbps:.2f}", config, verdict])
    return rows


def _environment_rows(results):
    env = results.environment
    host, build, redis = env.get("host", {}), env.get("build", {}), env.get("redis", {})
    rows = [["host", f"{host.get('hostname', '?')}: {host.get('cpu_model', '?')}, {host.get('cpu_cores', '?')} cores, "
                     f"{format_size(host.get('memory_total_bytes', 0))} memory"],
            ["kernel", host.get("kernel", "?")],
            ["kvslo", f"{build.get('kvslo_version', '?')} ({build.get('git_revision', '?')}, {build.get('build_type', '?')}, "
                      f"{build.get('compiler', '?')})"],
            ["Redis", f"{redis.get('redis_version', '?')} at {redis.get('endpoint', '?')}"
                      f"{' (embedded)' if redis.get('embedded') else ''}"],
            ["Redis config", ", ".join(f"{k}={v}" for k, v in (redis.get("config") or {}).items()) or "-"],
            ["sysctls", ", ".join(f"{k}={v}" for k, v in (host.get("sysctls") or {}).items()) or "-"],
            ["run", f"{results.created_at}: {results.doc.get('command_line', '')}"]]
    return rows


def _network(results):
    """Rows and notes of the network section, or None when the run measured no wire."""
    net = results.network
    if not net:
        return None
    out = {"error": net.get("error"), "wire": [], "points": [], "buffers": [], "advice": [], "summary": ""}
    for w in net.get("wire") or []:
        out["wire"].append([str(w["streams"]), format_size(w["length_bytes"]) + (" (capped)" if w.get("length_capped") else ""),
                            f"{w['gbps']:.3f}", f"{w['gbps'] * 8:.2f}", str(w.get("retransmits", 0)), f"{w.get('rtt_ms', 0):.3f}"])
    for p in results.points:
        if p.pct_of_wire is not None:
            out["points"].append([str(p.index), p.client_label, str(p.p("streams")), format_size(p.p("chunk_size_bytes")),
                                  _point_row(p)[8], f"{p.gbps:.2f}",
                                  "-" if p.wire_gbps is None else f"{p.wire_gbps:.2f}", f"{p.pct_of_wire:.0f}%"])
        conns = p.raw.get("connections") or []
        if p.p("sndbuf_requested") not in (None, "default") or p.p("rcvbuf_requested") not in (None, "default"):
            out["buffers"].append([str(p.index), str(p.p("sndbuf_requested")), str(conns[0]["sndbuf_granted"]) if conns else "-",
                                   str(p.p("rcvbuf_requested")), str(conns[0]["rcvbuf_granted"]) if conns else "-",
                                   "; ".join(p.warnings) or "-"])
    advice = net.get("advice") or {}
    if advice:
        out["summary"] = (f"Target {net.get('target', '?')}: best {advice.get('bandwidth_gbps', 0):.2f} GB/s, RTT "
                          f"{advice.get('rtt_ms', 0):.3f} ms, bandwidth-delay product {format_size(advice.get('bdp_bytes', 0))}; "
                          f"the wire converges at {net.get('convergence_streams', '?')} streams.")
        out["advice"] = [[r["command"], r["why"]] for r in advice.get("recommendations", [])]
    settings = net.get("settings") or {}
    out["settings"] = [[k, json_text(v)] for k, v in settings.items()]
    return out


def json_text(v):
    return " ".join(str(x) for x in v) if isinstance(v, list) else str(v)


SIDE_HEADER = ["group", "client", "depth", "threads", "variant", "GB/s", "CPU s/GB", "% of iperf3", "Redis busy (cores)"]
BAR_HEADER = ["", "bar", "group", "ratio", "needed", "ours", "theirs"]


def _side_by_side(results):
    """Rows of the side-by-side table and of the bar, or None when the run had no peers."""
    sbs = results.side_by_side
    if not sbs or not sbs.get("table"):
        return None
    rows = []
    for r in sbs["table"]:
        ok = r["status"] == "ok"
        rows.append([r["group"], r["client"] + (" (peer)" if r["peer"] else ""), str(r["pipeline_depth"]),
                     str(r["threads"]), r["variant"] or "-", f"{r['median_gbps']:.2f}" if ok else "failed",
                     f"{r['cpu_seconds_per_gb']:.3f}" if ok and r["cpu_seconds_per_gb"] > 0 else "-",
                     "-" if r.get("pct_of_iperf3") is None else f"{r['pct_of_iperf3']:.0f}%",
                     "-" if r.get("server_busy_cores") is None else f"{r['server_busy_cores']:.2f}"])
    bars = [["MET" if b["met"] else "MISS", b["name"], b["group"], f"{b['ratio']:.2f}x",
             ("<= " if b["at_most"] else ">= ") + f"{b['bar']:.2f}x", b["ours"], b["theirs"]] for b in sbs.get("bars", [])]
    limits = []
    for p in results.points:
        if p.peer and p.peer.get("limits"):
            limits.append((f"#{p.index} {p.p('client')} {p.p('op')} streams={p.p('streams')} depth={p.p('pipeline_depth')}",
                           p.peer["limits"]))
    return {"rows": rows, "bars": bars, "limits": limits}


SIDE_NOTE = ("Every client and reference peer ran on the same Redis in this run. CPU is each client's own "
             "(iperf3's as it reports it); Redis busy is the server's CPU seconds per second of the trials, and near "
             "1.0 its one thread was the limit. A peer runs with the point's chunk size, streams and working set; what it "
             "cannot express is listed below the table.")


WIRE_HEADER = ["streams", "write size", "GB/s", "Gbit/s", "retransmits", "RTT ms"]
PCT_HEADER = ["#", "client", "streams", "chunk", "variant", "Redis GB/s", "wire GB/s", "% of wire"]
BUFFER_HEADER = ["#", "sndbuf requested", "granted", "rcvbuf requested", "granted", "warning"]


def _failures(results):
    out = []
    for p in results.points:
        if p.status != "ok":
            lines = ([p.failure] if p.failure else []) + p.errors[:5]
            row = _point_row(p)
            out.append((f"point #{p.index} ({p.status}): {row[1]} {row[2]} {row[3]} chunks x {row[4]}, streams {row[5]}",
                        lines))
    return out


def _md_table(header, rows):
    def cell(s):
        return str(s).replace("|", "\\|")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(results, plots):
    _, verdict = _verdict(results)
    parts = [f"# kvslo report: {results.title}", "", verdict, "",
             "Throughput is payload bytes per second of timed batches in GB/s (10^9 B/s); latency in ms.", ""]
    if results.scenario.get("description"):
        parts[1:1] = ["", f"_{results.scenario['description']}_"]
    parts += ["## Best configuration per client", "", _md_table(["client", "op", "GB/s", "configuration", "SLO"],
                                                                  _best_rows(results)), ""]
    failures = _failures(results)
    if failures:
        parts += ["## Failures", ""]
        for title, lines in failures:
            parts.append(f"- {title}")
            parts += [f"  - {line}" for line in lines]
        parts.append("")
    side = _side_by_side(results)
    if side:
        parts += ["## Clients and peers side by side", "", SIDE_NOTE, "", _md_table(SIDE_HEADER, side["rows"]), ""]
        if side["bars"]:
            parts += ["The bar (ratios within this run):", "", _md_table(BAR_HEADER, side["bars"]), ""]
        parts += ["What the peers could not express:", ""]
        for title, lines in side["limits"]:
            parts.append(f"- {title}")
            parts += [f"  - {line}" for line in lines]
        parts.append("")
    network = _network(results)
    if network:
        parts += ["## Network", ""]
        if network["error"]:
            parts += [f"The wire could not be measured: {network['error']}", ""]
        if network["summary"]:
            parts += [network["summary"], ""]
        if network["wire"]:
            parts += ["The wire (iperf3 on the same path):", "", _md_table(WIRE_HEADER, network["wire"]), ""]
        if network["points"]:
            parts += ["Redis as a share of the wire at the same stream count:", "", _md_table(PCT_HEADER, network["points"]), ""]
        if network["buffers"]:
            parts += ["Socket buffers (Linux grants twice a request, capped at rmem_max/wmem_max):", "",
                      _md_table(BUFFER_HEADER, network["buffers"]), ""]
        if network["settings"]:
            parts += ["Host settings:", "", _md_table(["setting", "value"], network["settings"]), ""]
        if network["advice"]:
            parts += ["Recommendations (kvslo changes nothing itself):", "", "```sh"]
            parts += [f"{cmd}    # {why}" for cmd, why in network["advice"]]
            parts += ["```", ""]
    parts += ["## Plots", ""]
    for plot in plots:
        if hasattr(plot, "file"):
            parts += [f"![{plot.caption}]({plot.file})", "", f"_{plot.caption}_", ""]
    skipped = [p for p in plots if not hasattr(p, "file")]
    if skipped:
        parts += ["Not drawn: " + "; ".join(f"{p.name} ({p.reason})" for p in skipped), ""]
    parts += ["## Every point", "", _md_table(POINT_HEADER, [_point_row(p) for p in results.points]), "",
              "## Environment", "", _md_table(["", ""], _environment_rows(results)), ""]
    return "\n".join(parts)


def _html_table(header, rows):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f3f3f3}.MET{color:#080}.NOT{color:#b00}img{max-width:100%;border:1px solid #eee}
figure{margin:1.5em 0}figcaption{font-size:13px;color:#555}"""


def html_report(results, plots, outdir):
    state, verdict = _verdict(results)
    verdict_html = html.escape(verdict.replace("**", "")).replace(state, f"<b class='{state.split()[0]}'>{state}</b>", 1)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>kvslo report: {html.escape(results.title)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>kvslo report: {html.escape(results.title)}</h1>"]
    if results.scenario.get("description"):
        parts.append(f"<p><i>{html.escape(results.scenario['description'])}</i></p>")
    parts += [f"<p style='font-size:18px'>{verdict_html}</p>",
              "<p>Throughput is payload bytes per second of timed batches in GB/s (10<sup>9</sup> B/s); latency in ms.</p>",
              "<h2>Best configuration per client</h2>",
              _html_table(["client", "op", "GB/s", "configuration", "SLO"], _best_rows(results))]
    failures = _failures(results)
    if failures:
        parts.append("<h2>Failures</h2><ul>")
        for title, lines in failures:
            parts.append(f"<li>{html.escape(title)}<ul>" + "".join(f"<li>{html.escape(l)}</li>" for l in lines) + "</ul></li>")
        parts.append("</ul>")
    side = _side_by_side(results)
    if side:
        parts += ["<h2>Clients and peers side by side</h2>", f"<p>{html.escape(SIDE_NOTE)}</p>",
                  _html_table(SIDE_HEADER, side["rows"])]
        if side["bars"]:
            parts += ["<p>The bar (ratios within this run):</p>", _html_table(BAR_HEADER, side["bars"])]
        parts.append("<p>What the peers could not express:</p><ul>")
        for title, lines in side["limits"]:
            parts.append(f"<li>{html.escape(title)}<ul>" + "".join(f"<li>{html.escape(l)}</li>" for l in lines) + "</ul></li>")
        parts.append("</ul>")
    network = _network(results)
    if network:
        parts.append("<h2>Network</h2>")
        if network["error"]:
            parts.append(f"<p>The wire could not be measured: {html.escape(network['error'])}</p>")
        if network["summary"]:
            parts.append(f"<p>{html.escape(network['summary'])}</p>")
        if network["wire"]:
            parts += ["<p>The wire (iperf3 on the same path):</p>", _html_table(WIRE_HEADER, network["wire"])]
        if network["points"]:
            parts += ["<p>Redis as a share of the wire at the same stream count:</p>", _html_table(PCT_HEADER, network["points"])]
        if network["buffers"]:
            parts += ["<p>Socket buffers (Linux grants twice a request, capped at rmem_max/wmem_max):</p>",
                      _html_table(BUFFER_HEADER, network["buffers"])]
        if network["settings"]:
            parts += ["<p>Host settings:</p>", _html_table(["setting", "value"], network["settings"])]
        if network["advice"]:
            parts.append("<p>Recommendations (kvslo changes nothing itself):</p><pre>" +
                         html.escape("\n".join(f"{cmd}    # {why}" for cmd, why in network["advice"])) + "</pre>")
    parts.append("<h2>Plots</h2>")
    for plot in plots:
        if hasattr(plot, "file"):
            with open(os.path.join(outdir, plot.file), "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
            parts.append(f"<figure><img alt='{html.escape(plot.caption)}' src='data:image/png;base64,{data}'>"
                         f"<figcaption>{html.escape(plot.caption)}</figcaption></figure>")
    skipped = [p for p in plots if not hasattr(p, "file")]
    if skipped:
        parts.append("<p>Not drawn: " + html.escape("; ".join(f"{p.name} ({p.reason})" for p in skipped)) + "</p>")
    parts += ["<h2>Every point</h2>", _html_table(POINT_HEADER, [_point_row(p) for p in results.points]),
              "<h2>Environment</h2>", _html_table(["", ""], _environment_rows(results)), "</body></html>"]
    return "\n".join(parts)
