"""The report's "Many client hosts" table, on results files written here as
kvslo writes them under mpirun: shown only when points carry a fleet record,
each point on one rank above the same point on more, with the per-rank
balance, the paired ratio to one rank and what idle ranks spent waiting."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

from report import sections  # noqa: E402
from report.results import Results, ResultsError  # noqa: E402


def fleet_point(ranks, per_rank, idle=None):
    identity = {"client": "zerocopy", "op": "get", "chunk_size_bytes": 4 << 20, "streams": 2}
    label = "zerocopy get 4MiB x16 streams=2 depth=8"
    if ranks == 1:
        identity["ranks"] = 1
        label += " ranks=1"
    gbps = sum(per_rank)
    trial = {"round": 0, "gbps": gbps, "first_done_gbps": gbps * 0.9, "start_skew_s": 0.002, "first_done_s": 1.0,
             "last_done_s": 1.1, "ranks_reported": len(per_rank),
             "ranks": [{"rank": r, "gbps": g, "bytes": 10**9, "begin_s": 0, "end_s": 1, "cpu_seconds": 0.1, "batches": 4}
                       for r, g in enumerate(per_rank)]}
    if idle:
        trial["idle_ranks"] = idle
    return {
        "parameters": dict(identity, chunks_per_batch=16, threads=1, pipeline_depth=8), "status": "ok", "label": label,
        "variant": "ranks=1" if ranks == 1 else "", "identity": identity,
        "client_info": {"kind": "kvslo", "rung": 2, "judged_by_slo": True, "moves_redis_data": True},
        "outcome": {"status": "ok", "verdict": "FAIL", "may_be_best": True},
        "throughput_gbps": {"median": gbps, "min": gbps, "max": gbps},
        "batch_latency": {"count": 10, "p50": 30.0, "p99": 40.0, "max": 41.0},
        "slo": {"applicable": True, "pass": False},
        "fleet": {"ranks": ranks, "world": 2, "keys": "split", "trials": [trial, dict(trial, round=1)], "waiting": []},
    }


def results_file(tmp_path, points, paired=(), fleet=None):
    doc = {"schema_version": 2, "slo": {"retrieval_gbps": 2.0},
           "environment": {"redis": {"redis_version": "7.0.15", "embedded": False}}, "points": points,
           "paired_comparisons": list(paired)}
    if fleet:
        doc["fleet"] = fleet
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    return Results(path)


def test_one_rank_above_the_fleet_with_balance_ratio_and_idle_cpu(tmp_path):
    alone = fleet_point(1, [0.11], idle=[{"rank": 1, "seconds": 0.5, "cpu_seconds": 0.002}])
    both = fleet_point(2, [0.10, 0.11])
    paired = {"group": "get 4MiB streams=2", "ours": both["label"], "baseline": alone["label"],
              "baseline_client": "zerocopy ranks=1",
              "gbps": {"ratio": 1.9, "low": 1.8, "high": 2.0, "confidence": 0.95, "rounds": 6},
              "cpu_per_gb": None, "server_cpu_seconds_per_gb": {"ours": None, "baseline": None}}
    fleet = {"mpi": "Open MPI v4.1.4", "ranks": 2, "per_rank": [
        {"rank": 0, "host": "vm", "net_namespace_name": "kvf-1", "clock_offset_s": 0, "clock_round_trip_s": 0},
        {"rank": 1, "host": "vm", "net_namespace_name": "kvf-2", "clock_offset_s": 2e-6, "clock_round_trip_s": 4e-5}]}
    results = results_file(tmp_path, [both, alone], [paired], fleet)
    blocks = sections.fleet(results, [])
    assert blocks[0].text == "Many client hosts"
    rows = [dict(r) for r in blocks[-1].rows]
    assert [r["ranks"] for r in rows] == ["1 of 2", "2 of 2 (split)"], "one rank first"
    assert rows[0]["idle"] == "0.4% of a core"
    assert rows[1]["per_rank"] == "0.10 / 0.11"
    assert rows[1]["balance"] == "0.91"
    assert rows[1]["rank_cpu"] == "0.100 / 0.100", "each rank's CPU over its own bytes"
    assert rows[1]["vs_one"] == "1.90x [1.80-2.00]"
    assert rows[1]["point"] == "", "the group's point is named once"
    env = {r["what"]: r["value"] for r in sections.environment(results, [])[-1].rows}
    assert env["client hosts"].startswith("Open MPI v4.1.4, 2 ranks: rank 0 on vm (netns kvf-1); rank 1 on vm (netns kvf-2)")


def test_no_section_without_ranks(tmp_path):
    p = fleet_point(2, [0.1, 0.1])
    del p["fleet"]
    assert sections.fleet(results_file(tmp_path, [p]), []) == []


def test_a_fleet_record_without_trials_is_refused_by_name(tmp_path):
    p = fleet_point(2, [0.1, 0.1])
    del p["fleet"]["trials"]
    try:
        results_file(tmp_path, [p])
    except ResultsError as e:
        assert "fleet.trials is missing" in str(e)
    else:
        raise AssertionError("a fleet record without trials was read")
