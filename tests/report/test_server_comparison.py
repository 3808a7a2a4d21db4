"""The report's server comparison, on results files written here as kvslo
writes them (schema 2): shown only for a run on more than one kind of server,
one row per server under each (point, io-threads), with the median's interval,
the ratio to the first server and client and server CPU per GB."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

from report import render_markdown, sections  # noqa: E402
from report.results import Results  # noqa: E402

VERSIONS = {"redis": "7.0.15", "valkey": "8.0.1"}


def point(client, server, io_threads, gbps, interval=None, status="ok", moves_redis_data=True):
    settings = {"io-threads": str(io_threads)}
    identity = {"client": client, "op": "get", "chunk_size_bytes": 4 << 20, "streams": 2, "redis_settings": settings}
    label = f"{client} get 4MiB x16 streams=2 depth=8"
    if server != "redis":
        identity["server"] = server
        label += f" server={server}"
    label += f" io-threads={io_threads}"
    parameters = dict(identity, chunks_per_batch=16, threads=1, pipeline_depth=8)
    return {
        "parameters": parameters, "status": status, "label": label, "variant": label.split("depth=8 ")[1],
        "identity": identity,
        "client_info": {"kind": "kvslo" if moves_redis_data else "peer", "rung": 0, "judged_by_slo": moves_redis_data,
                        "moves_redis_data": moves_redis_data},
        "outcome": {"status": status, "verdict": "FAIL" if status == "ok" else "FAILED", "may_be_best": status == "ok"},
        "throughput_gbps": {"median": gbps, "min": gbps * 0.9, "max": gbps * 1.1},
        "throughput_interval": interval,
        "batch_latency": {"count": 10, "p50": 30.0, "p99": 40.0, "max": 41.0},
        "slo": {"applicable": True, "pass": False},
        "cpu_seconds_per_gb": 0.25, "server_cpu_seconds_per_gb": 0.5,
        "redis_settings_actual": {"io-threads": str(io_threads), "io-threads-do-reads": "yes" if server == "valkey" else "no",
                                  "server": server, "server_version": VERSIONS.get(server, "?")},
    }


def results_file(tmp_path, points, redis=None):
    doc = {"schema_version": 2, "slo": {"retrieval_gbps": 2.0},
           "environment": {"redis": redis or {"redis_version": "7.0.15", "embedded": True}}, "points": points}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    return Results(path)


def comparison_rows(results):
    blocks = sections.server_comparison(results, [])
    if not blocks:
        return None
    assert blocks[0].text == "Server comparison"
    return [dict(r) for r in blocks[-1].rows]


def test_each_server_is_a_row_under_its_point_and_io_threads(tmp_path):
    points = [point("zerocopy", "redis", 1, 2.0, {"low": 1.9, "high": 2.1, "confidence": 0.98}),
              point("zerocopy", "valkey", 1, 3.0, {"low": 2.8, "high": 3.3, "confidence": 0.9}),
              point("zerocopy", "redis", 2, 2.5),
              point("zerocopy", "valkey", 2, 0.0, status="failed"),
              point("hiredis", "valkey", 1, 1.5), point("hiredis", "redis", 1, 1.0)]
    rows = comparison_rows(results_file(tmp_path, points))
    assert [(r["server"], r["io_threads"], r["index"]) for r in rows] == [
        ("redis 7.0.15", "1", "0"), ("valkey 8.0.1", "", "1"),
        ("redis 7.0.15", "2", "2"), ("valkey 8.0.1", "", "3"),
        ("redis 7.0.15", "1", "5"), ("valkey 8.0.1", "", "4")]  # redis first whatever the run's order
    assert rows[0]["point"] == "zerocopy get 4MiB x16 streams=2 depth=8"  # server and io-threads in their columns
    assert rows[0]["gbps"] == "2.00 [1.90-2.10]"
    assert rows[1]["gbps"] == "3.00 [2.80-3.30] ~"  # below 95% confidence
    assert rows[1]["vs_first"] == "1.50x" and rows[0]["vs_first"] == "-"
    assert rows[2]["gbps"] == "2.50"  # no interval in the file
    assert rows[3]["gbps"] == "failed" and rows[3]["vs_first"] == "-"
    assert rows[5]["vs_first"] == "1.50x"
    assert rows[0]["cpu"] == "0.250" and rows[0]["server_cpu"] == "0.500"


def test_a_run_on_one_kind_of_server_has_no_comparison(tmp_path):
    points = [point("zerocopy", "redis", 1, 2.0), point("zerocopy", "redis", 2, 2.5), point("hiredis", "redis", 1, 1.0)]
    assert comparison_rows(results_file(tmp_path, points)) is None


def test_points_that_never_ask_the_server_are_left_out(tmp_path):
    points = [point("iperf3", "redis", 1, 5.0, moves_redis_data=False),
              point("iperf3", "valkey", 1, 5.0, moves_redis_data=False), point("zerocopy", "redis", 1, 2.0)]
    assert comparison_rows(results_file(tmp_path, points)) is None


def test_the_rendered_report_shows_the_table_and_valkey_by_its_own_version(tmp_path):
    points = [point("tiled", "redis", 2, 2.0), point("tiled", "valkey", 2, 2.2)]
    redis = {"server_name": "valkey", "valkey_version": "8.0.1", "redis_version": "7.2.4", "embedded": True}
    results = results_file(tmp_path, points, redis)
    text = render_markdown.render(sections.build(results, []))
    assert "## Server comparison" in text
    assert "| valkey 8.0.1 | 2.20 | 1.10x |" in text
    assert "Valkey 8.0.1 (redis_version 7.2.4)" in text
    assert results.context_line().split(", ")[1] == "Valkey 8.0.1 (redis_version 7.2.4)"


@pytest.mark.parametrize("bad", [{"low": "x", "high": 1.0}, []])
def test_a_malformed_interval_is_named(tmp_path, bad):
    from report.results import ResultsError
    p = point("zerocopy", "valkey", 1, 2.0)
    p["throughput_interval"] = bad
    with pytest.raises(ResultsError, match=r"points\[0\]\.throughput_interval"):
        results_file(tmp_path, [p])
