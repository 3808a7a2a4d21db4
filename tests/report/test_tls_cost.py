"""The report's TLS-cost table, on results files written here as kvslo writes
them (schema 2): shown only for a run with TLS points, each TLS point under
the same point in plain TCP, with what OpenSSL negotiated, the paired ratio
for kvslo's clients and the unpaired one (u) for peers."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

from report import sections  # noqa: E402
from report.results import Results  # noqa: E402


def point(client, tls, gbps, kind="kvslo", status="ok", ktls=0):
    identity = {"client": client, "op": "get", "chunk_size_bytes": 1 << 20, "streams": 1}
    label = f"{client} get 1MiB x64 streams=1 depth=8"
    if tls != "off":
        identity["tls"] = tls
        label += f" tls={tls}"
    raw = {
        "parameters": dict(identity, chunks_per_batch=64, threads=1, pipeline_depth=8), "status": status, "label": label,
        "variant": f"tls={tls}" if tls != "off" else "", "identity": identity,
        "client_info": {"kind": kind, "rung": 2 if kind == "kvslo" else None, "judged_by_slo": True,
                        "moves_redis_data": True},
        "outcome": {"status": status, "verdict": "FAIL", "may_be_best": status == "ok"},
        "throughput_gbps": {"median": gbps, "min": gbps * 0.9, "max": gbps * 1.1},
        "batch_latency": {"count": 10, "p50": 30.0, "p99": 40.0, "max": 41.0},
        "slo": {"applicable": True, "pass": False},
        "cpu_seconds_per_gb": 0.2 if tls == "off" else 0.8, "server_cpu_seconds_per_gb": 0.3 if tls == "off" else 1.1,
    }
    if tls != "off" and kind == "kvslo":
        raw["tls_wire"] = {"connections": 2, "protocol": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384",
                           "ktls_send": ktls, "ktls_recv": ktls}
    return raw


def results_file(tmp_path, points, paired=()):
    doc = {"schema_version": 2, "slo": {"retrieval_gbps": 2.0},
           "environment": {"redis": {"redis_version": "7.0.15", "embedded": True}}, "points": points,
           "paired_comparisons": list(paired)}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    return Results(path)


def tls_rows(results):
    blocks = sections.tls_cost(results, [])
    if not blocks:
        return None
    assert blocks[0].text == "What TLS costs"
    return [dict(r) for r in blocks[-1].rows]


def paired(ours, baseline, client, ratio):
    return {"group": "get 1MiB streams=1", "ours": ours, "baseline": baseline, "baseline_client": client,
            "gbps": {"ratio": ratio, "low": ratio * 0.9, "high": ratio * 1.1, "confidence": 0.95, "rounds": 6},
            "cpu_per_gb": {"ratio": 4.0, "low": 3.5, "high": 4.5, "confidence": 0.95, "rounds": 6},
            "server_cpu_seconds_per_gb": {"ours": 1.1, "baseline": 0.3}}


def test_each_tls_mode_under_its_plain_point(tmp_path):
    points = [point("zerocopy", "off", 3.0), point("zerocopy", "on", 0.9), point("zerocopy", "ktls", 1.5, ktls=2),
              point("redis-py", "off", 0.5, kind="peer"), point("redis-py", "on", 0.3, kind="peer")]
    pairs = [paired(points[1]["label"], points[0]["label"], "zerocopy", 0.3),
             paired(points[2]["label"], points[0]["label"], "zerocopy", 0.5),
             paired(points[0]["label"], "hiredis get 1MiB x64 streams=1 depth=8", "hiredis", 1.1)]
    rows = tls_rows(results_file(tmp_path, points, pairs))
    assert [r["tls"] for r in rows] == ["off", "on", "ktls", "off", "on"]
    assert rows[0]["point"] == "zerocopy get 1MiB x64 streams=1 depth=8" and rows[1]["point"] == ""
    assert rows[0]["wire"] == "plain TCP" and rows[0]["vs_plain"] == "-"
    assert rows[1]["wire"] == "TLSv1.3 TLS_AES_256_GCM_SHA384 (0/0 of 2)"
    assert rows[1]["vs_plain"] == "0.30x [0.27-0.33]"  # paired by round, never against hiredis
    assert rows[2]["wire"].endswith("(2/2 of 2)")
    assert rows[4]["vs_plain"] == "0.60x u"  # a peer: the ratio of medians, said to be unpaired
    assert rows[1]["server_cpu"] == "1.100"


def test_absent_without_tls_points_and_failed_points_have_no_ratio(tmp_path):
    assert tls_rows(results_file(tmp_path, [point("zerocopy", "off", 3.0), point("hiredis", "off", 2.0)])) is None
    rows = tls_rows(results_file(tmp_path, [point("tiled", "off", 3.0), point("tiled", "on", 0.0, status="failed")]))
    assert rows[1]["gbps"] == "failed" and rows[1]["vs_plain"] == "-"


def test_the_environment_says_how_a_rediss_server_was_trusted(tmp_path):
    for tls, shown in (({"ca_file": "/etc/ca.pem", "verify": True, "server_name": "", "client_certificate": ""},
                        "verified against /etc/ca.pem"),
                       ({"ca_file": "the system's trust store", "verify": False}, "verification OFF (--tls-insecure)")):
        doc = {"schema_version": 2, "slo": {"retrieval_gbps": 2.0}, "points": [point("zerocopy", "on", 1.0)],
               "environment": {"redis": {"redis_version": "7.0.15"}, "tls_client": tls}}
        path = tmp_path / "r.json"
        path.write_text(json.dumps(doc))
        rows = [dict(r) for r in sections.environment(Results(path), [])[-1].rows]
        assert {"what": "TLS", "value": shown} in rows
