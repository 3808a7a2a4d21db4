"""Loads a kvslo results file and checks every field the report reads.

Errors name the file and the field (and for a wrong type, what was found and
what was expected), so a truncated, hand-edited or foreign file is rejected
with a message a person can act on, before anything is written. The plots and
tables read only fields checked here, so malformed input never reaches them
as a traceback.

Every point reaches the report with what it is and how it is named (label,
variant, identity, client_info, outcome) as kvslo wrote them; for a
version-1 file, which lacks them, the legacy adapter below fills them in.
"""
import json
import math
from dataclasses import dataclass

from .units import format_size

# The versions this report reads: 2 is current; 1 is read through the legacy
# adapter below, so an older results file (a baseline) still renders.
SCHEMA_VERSIONS = (1, 2)


class ResultsError(Exception):
    pass


_INT_LIMIT = 2**53  # integers beyond it lose precision as floats and break numpy's arrays in the plots


def _is_number(v):
    # bool is an int in Python but never a number in a results file; NaN and
    # infinities are not JSON and break the plots' scales.
    if isinstance(v, bool):
        return False
    return (isinstance(v, int) and abs(v) <= _INT_LIMIT) or (isinstance(v, float) and math.isfinite(v))


# A rule's kinds, joined by "|": what each accepts and how a message names it.
_KINDS = {
    "number": (_is_number, "a number"),
    "integer": (lambda v: _is_number(v) and isinstance(v, int), "an integer"),
    "string": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "object": (lambda v: isinstance(v, dict), "an object"),
    "null": (lambda v: v is None, "null"),
    "default": (lambda v: v == "default", '"default"'),
}
# List kinds: a list whose every element has the named kind.
_LISTS = {"numbers": "number", "strings": "string", "objects": "object"}


def _json_type(v):
    """v's type as JSON names it, for messages."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "number" if _is_number(v) else "integer beyond 2^53"
    if isinstance(v, float):
        return "number" if _is_number(v) else str(v)
    return {str: "string", list: "list", dict: "object"}.get(type(v), type(v).__name__)


def _expected(kinds):
    return " or ".join(f"a list of {_LISTS[k]}s" if k in _LISTS else _KINDS[k][1] for k in kinds)


def _check_kind(value, kind, name, file):
    kinds = kind.split("|")
    for k in kinds:
        if k in _LISTS and isinstance(value, list):
            for i, item in enumerate(value):
                _check_kind(item, _LISTS[k], f"{name}[{i}]", file)
            return
        if k in _KINDS and _KINDS[k][0](value):
            return
    raise ResultsError(f"{file}: field {name} has the wrong type ({_json_type(value)}); expected {_expected(kinds)}")


def _check(value, rule, name, file):
    """Checks value against a rule: a kind such as "number|null", or (kind, members)
    where members are checked in the object (or in each object of the list)."""
    kind, members = rule if isinstance(rule, tuple) else (rule, None)
    _check_kind(value, kind, name, file)
    if members is None or value is None:
        return
    if isinstance(value, list):
        for i, obj in enumerate(value):
            _check_members(obj, members, f"{name}[{i}]", file)
    else:
        _check_members(value, members, name, file)


def _check_members(obj, members, where, file):
    """members maps a key to its rule; a key ending in "?" may be absent."""
    for key, rule in members.items():
        optional, key = key.endswith("?"), key.rstrip("?")
        name = f"{where}.{key}" if where else key
        if key in obj:
            _check(obj[key], rule, name, file)
        elif not optional:
            raise ResultsError(f"{file}: field {name} is missing")


def _check_one_of(value, allowed, name, file):
    """For a field the report branches on: a value it does not know is refused, not guessed at."""
    if value not in allowed:
        raise ResultsError(f"{file}: field {name} is {json.dumps(value)}; expected one of "
                           + ", ".join(json.dumps(a) for a in allowed))


# What the report reads of a results file (results/SCHEMA.md describes each field).
_P50 = {"p50": "number"}
_POINT = {
    "parameters": ("object", {
        "client": "string", "op": "string", "chunk_size_bytes": "number", "chunks_per_batch": "number",
        "streams": "number", "threads": "number", "pipeline_depth": "number", "fixed_size?": "bool|null",
        "layout?": "string", "sndbuf_requested?": "number|default|null", "rcvbuf_requested?": "number|default|null",
        "arrival?": ("object|null", {"mode": "string", "rate_per_s": "number"}), "redis_settings?": "object|null",
        "server?": "string"}),
    "status": "string",
    "throughput_gbps": ("object", {"median": "number", "min": "number", "max": "number"}),
    "throughput_interval?": ("object|null", {"low": "number", "high": "number", "confidence?": "number"}),
    "redis_settings_actual?": ("object|null", {"server?": "string", "server_version?": "string"}),
    "batch_latency": ("object", {k + "?": "number" for k in ("count", "p50", "p90", "p99", "p99.9", "max")}),
    "batch_latency_samples_ms?": "numbers|null",
    "slo": ("object", {"applicable?": "bool", "pass?": "bool"}),
    "failure?": "string|null",
    "errors?": "strings|null",
    "warnings?": "strings|null",
    "stages?": ("object|null", {"queue_wait": ("object", _P50), "transfer": ("object", _P50),
                                "handoff": ("object", _P50)}),
    "wire_gbps?": "number|null",
    "pct_of_wire?": "number|null",
    "cpu_seconds_per_gb?": "number|null",
    "server_cpu_seconds_per_gb?": "number|null",
    "connections?": ("objects|null", {"sndbuf_granted": "number", "rcvbuf_granted": "number"}),
    "peer?": ("object|null", {"limits?": "strings|null"}),
    "fleet?": ("object|null", {
        "ranks": "number", "world": "number", "keys": "string",
        "trials": ("objects", {"gbps": "number", "first_done_gbps": "number", "start_skew_s": "number",
                               "ranks": ("objects", {"rank": "number", "gbps": "number"}),
                               "idle_ranks?": ("objects|null", {"seconds": "number", "cpu_seconds": "number"})})}),
    "boundary?": ("object|null", {"wakeups_per_batch?": "number|null",
                                  "python_time_per_batch?": ("object|null", {"count?": "number", "p50?": "number",
                                                                             "p99?": "number"})}),
    "cluster?": ("object|null", {"bytes_max_over_mean?": "number|null",
                                 "redirects?": ("object|null", {"moved?": "number", "ask?": "number"}),
                                 "shards?": ("objects|null", {"address": "string", "share_of_bytes": "number",
                                                              "failed_keys": "number",
                                                              "server_cpu_seconds?": "number|null"})}),
}
# What a version-2 point says of itself, so the report never rebuilds it.
CLIENT_KINDS = ("kvslo", "peer", "reference")
STATUSES = ("ok", "failed", "interrupted")
VERDICTS = ("PASS", "FAIL", "n/a", "FAILED", "ERROR")
_POINT_V2 = {
    "label": "string",
    "variant": "string",
    "identity": "object",
    "client_info": ("object", {"kind": "string", "rung": "integer|null", "judged_by_slo": "bool",
                               "moves_redis_data": "bool"}),
    "outcome": ("object", {"status": "string", "verdict": "string", "may_be_best": "bool"}),
}
_ENVIRONMENT = {
    "host?": ("object", {"hostname?": "string", "cpu_model?": "string", "cpu_cores?": "number",
                         "memory_total_bytes?": "number", "kernel?": "string", "sysctls?": "object|null"}),
    "build?": ("object", {"kvslo_version?": "string", "git_revision?": "string", "build_type?": "string",
                          "compiler?": "string"}),
    "redis?": ("object", {"redis_version?": "string", "endpoint?": "string", "embedded?": "bool",
                          "config?": "object|null", "server_name?": "string", "valkey_version?": "string"}),
}
_NETWORK = {
    "target?": "string", "error?": "string|null", "convergence_streams?": "number|null", "settings?": "object|null",
    "wire?": ("objects|null", {"streams": "number", "gbps": "number", "length_bytes": "number",
                               "length_capped?": "bool", "retransmits?": "number", "rtt_ms?": "number"}),
    "advice?": ("object|null", {"bandwidth_gbps?": "number", "rtt_ms?": "number", "bdp_bytes?": "number",
                                "recommendations?": ("objects", {"command": "string", "why": "string"})}),
}
_SIDE_BY_SIDE = {
    "table?": ("objects|null", {
        "group": "string", "client": "string", "peer": "bool", "variant": "string|null", "pipeline_depth": "number",
        "threads": "number", "status": "string", "median_gbps": "number", "cpu_seconds_per_gb": "number",
        "pct_of_iperf3?": "number|null", "pct_of_iperf3_interval?": "numbers|null", "server_busy_cores?": "number|null",
        "server_cpu_seconds_per_gb?": "number|null"}),
    "bars?": ("objects", {"name": "string", "group": "string", "ours": "string", "theirs": "string",
                               "ratio": "number", "bar": "number", "at_most": "bool", "met": "bool",
                               "interval?": "numbers", "confidence?": "number", "rounds?": "number", "paired?": "bool",
                               "decision?": "string"}),
}
_DOCUMENT = {
    "slo": ("object", {"retrieval_gbps": "number", "batch_p99_ms?": "number|null", "store_gbps?": "number|null",
                       "retrieval_gbps_derived_from?": ("object|null", {
                           "model": "string", "dtype": "string", "bytes_per_token": "integer",
                           "prefill_tokens_per_s": "number"})}),
    "environment": ("object", _ENVIRONMENT),
    "created_at?": "string",
    "command_line?": "string",
    "scenario?": ("object|null", {"name?": "string|null", "description?": "string|null"}),
    "network?": ("object|null", _NETWORK),
    "side_by_side?": ("object|null", _SIDE_BY_SIDE),
    "paired_comparisons?": ("objects|null", {"group": "string", "ours": "string", "baseline": "string",
                                             "baseline_client?": "string",
                                             "gbps": "object|null", "cpu_per_gb": "object|null",
                                             "server_cpu_seconds_per_gb": "object"}),
    "summary?": "object|null",
    "points": ("objects", _POINT),
}


def _check_derivation(derived, file):
    """The break-even plot divides by both: a hand-edited 0 would be a ZeroDivisionError, not a message."""
    if not derived:
        return
    for key in ("bytes_per_token", "prefill_tokens_per_s"):
        if derived[key] <= 0:
            raise ResultsError(f"{file}: field slo.retrieval_gbps_derived_from.{key} is {json.dumps(derived[key])}; "
                               "expected a positive number")


def _check_point_v2(raw, where, file):
    _check_members(raw, _POINT_V2, where, file)
    _check_one_of(raw["client_info"]["kind"], CLIENT_KINDS, f"{where}.client_info.kind", file)
    _check_one_of(raw["outcome"]["status"], STATUSES, f"{where}.outcome.status", file)
    _check_one_of(raw["outcome"]["verdict"], VERDICTS, f"{where}.outcome.verdict", file)


# ---------------------------------------------------------------------------
# LEGACY ADAPTER (schema_version 1). A version-1 point lacks label, variant,
# identity, client_info and outcome; this is the one place that derives them
# from its parameters, as kvslo did before writing them itself. Nothing else
# in the report derives them. Remove it once no version-1 file needs reading.
# ---------------------------------------------------------------------------

# Parameters that say how a point was measured, not what it is (the fields with
# Identity::kNone in harness/experiment/fields.cpp), plus chunk_size and batch_bytes, which follow from
# chunk_size_bytes and chunks_per_batch: left in, they would split a series over
# chunk size into single points.
_V1_NOT_IDENTITY = {"trials", "warmup_batches", "batches_per_trial", "time_limit_ms", "key_prefix", "op_timeout_ms",
                    "verify", "keys", "working_set_bytes", "chunk_size", "batch_bytes"}
_V1_PEERS = {"iperf3", "redis-benchmark", "redis-py"}
_V1_NOT_REDIS = {"iperf3", "null"}  # iperf3 moves bytes over TCP, null none at all


def _v1_rung(params):
    client = params.get("client")
    if client == "hiredis":
        return 0
    if client == "zerocopy":
        return 2 if params.get("fixed_size") and params.get("layout") != "with-metadata" else 1
    if client == "tiled":
        return 3
    return None


def _v1_variant(params):
    words = []
    if params.get("fixed_size") is False:
        words.append("generic")
    if params.get("layout", "fixed") != "fixed":
        words.append(params["layout"])
    for key in ("sndbuf_requested", "rcvbuf_requested"):
        if params.get(key) not in (None, "default"):
            words.append(f"{key.split('_')[0]}={format_size(params[key])}")
    arrival = params.get("arrival") or {}
    if arrival.get("mode", "closed") != "closed":
        words.append(f"{arrival['mode']}@{arrival['rate_per_s']:g}/s")
    for key, value in (params.get("redis_settings") or {}).items():
        words.append(f"{key}={value}")
    return " ".join(words)


def _v1_label(params, variant):
    label = (f"{params['client']} {params['op']} {format_size(params['chunk_size_bytes'])} x{params['chunks_per_batch']} "
             f"streams={params['streams']}")
    if params["threads"] > 1:
        label += f" threads={params['threads']}"
    label += f" depth={params['pipeline_depth']}"
    return label + (f" {variant}" if variant else "")


def _v1_verdict(raw):
    slo = raw["slo"]
    if raw.get("failure"):
        return "ERROR"
    if raw["status"] == "failed":
        return "FAILED"  # failed keys or wrong contents, whatever the figures say
    if not slo.get("applicable", True):
        return "n/a"
    return "PASS" if slo.get("pass") else "FAIL"


def _v1_adapt_point(raw, where, file):
    """Fills the five version-2 fields of a version-1 point in place."""
    params = raw["parameters"]
    _check_one_of(raw["status"], STATUSES, f"{where}.status", file)
    client = params["client"]
    variant = _v1_variant(params)
    raw["variant"] = variant
    raw["label"] = _v1_label(params, variant)
    raw["identity"] = {k: v for k, v in params.items() if k not in _V1_NOT_IDENTITY}
    raw["client_info"] = {"kind": "reference" if client == "null" else ("peer" if client in _V1_PEERS else "kvslo"),
                          "rung": _v1_rung(params), "judged_by_slo": client not in _V1_NOT_REDIS,
                          "moves_redis_data": client not in _V1_NOT_REDIS}
    # The report picked a client's best from every point that moved data.
    raw["outcome"] = {"status": raw["status"], "verdict": _v1_verdict(raw),
                      "may_be_best": raw["throughput_gbps"]["median"] > 0}

# --- end of the legacy adapter ----------------------------------------------


@dataclass(frozen=True)
class ClientInfo:
    kind: str  # "kvslo", "peer" or "reference" (the null client)
    rung: "int | None"  # the ladder rung of a kvslo client, else None
    judged_by_slo: bool
    moves_redis_data: bool

    @property
    def is_wire(self):
        """A peer that moves bytes but no Redis data: iperf3, the wire itself."""
        return self.kind == "peer" and not self.moves_redis_data


@dataclass(frozen=True)
class Outcome:
    status: str  # "ok", "failed" or "interrupted"
    verdict: str  # "PASS", "FAIL", "n/a", "FAILED" or "ERROR"
    may_be_best: bool  # may stand as its client's best configuration


class Point:
    """One measured point, with the figures the plots use."""

    def __init__(self, raw, index):
        self.raw = raw
        self.index = index
        self.params = raw["parameters"]
        self.label = raw["label"]
        self.variant = raw["variant"]
        self.identity = raw["identity"]
        info, outcome = raw["client_info"], raw["outcome"]  # by name: a newer writer may add fields
        self.client_info = ClientInfo(info["kind"], info["rung"], info["judged_by_slo"], info["moves_redis_data"])
        self.outcome = Outcome(outcome["status"], outcome["verdict"], outcome["may_be_best"])
        tp = raw["throughput_gbps"]
        self.gbps, self.gbps_min, self.gbps_max = float(tp["median"]), float(tp["min"]), float(tp["max"])
        self.batch_latency = raw["batch_latency"]
        self.samples_ms = raw.get("batch_latency_samples_ms") or []
        self.slo = raw["slo"]
        self.failure = raw.get("failure")
        self.errors = raw.get("errors") or []
        self.stages = raw.get("stages")
        self.worker_bytes = raw.get("worker_bytes")
        self.wire_gbps = raw.get("wire_gbps")
        self.pct_of_wire = raw.get("pct_of_wire")
        self.warnings = raw.get("warnings") or []
        self.peer = raw.get("peer")  # None for kvslo's own clients

    def p(self, name):
        return self.params.get(name)

    def identity_key(self, without=()):
        """The identity as one comparable value, leaving out the fields in without."""
        return json.dumps({k: v for k, v in self.identity.items() if k not in without}, sort_keys=True)

    @property
    def client_label(self):
        """The client as the share-of-wire table and the wire plot name it: client, generic, threads."""
        label = self.p("client")
        if self.p("fixed_size") is False:
            label += " generic"
        if self.p("client") == "tiled" or (self.p("threads") or 1) > 1:
            label += f" t{self.p('threads')}"
        return label


def _load(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ResultsError(f"{path}: not a JSON results file ({e})")
    except RecursionError:
        raise ResultsError(f"{path}: nested too deep to be a kvslo results file")
    except OSError as e:
        raise ResultsError(f"{path}: cannot be read ({e.strerror})")
    if not isinstance(doc, dict):
        raise ResultsError(f"{path}: not a kvslo results file (top level is not an object)")
    version = doc.get("schema_version")
    if version is None:
        raise ResultsError(f"{path}: field schema_version is missing (not a kvslo results file?)")
    _check_kind(version, "number", "schema_version", path)
    if version not in SCHEMA_VERSIONS:
        raise ResultsError(f"{path}: schema_version is {version}; this report reads versions "
                           + " and ".join(str(v) for v in SCHEMA_VERSIONS))
    _check_members(doc, _DOCUMENT, "", path)
    _check_derivation(doc["slo"].get("retrieval_gbps_derived_from"), path)
    for i, raw in enumerate(doc["points"]):
        where = f"points[{i}]"
        if version == 1:
            _v1_adapt_point(raw, where, path)
        else:
            _check_point_v2(raw, where, path)
    return doc


def server_version_text(redis, named=False):
    """The server as environment.redis describes it: "7.0.15" ("Redis 7.0.15" when named), or always
    "Valkey 8.0.1 (redis_version 7.2.4)": Valkey's redis_version is the Redis it is compatible with, not its own."""
    if redis.get("server_name") == "valkey":
        return f"Valkey {redis.get('valkey_version', '?')} (redis_version {redis.get('redis_version', '?')})"
    return ("Redis " if named else "") + redis.get("redis_version", "?")


class Results:
    def __init__(self, path):
        self.path = str(path)
        self.doc = doc = _load(self.path)
        self.slo = doc["slo"]
        self.environment = doc["environment"]
        self.created_at = doc.get("created_at", "?")
        self.points = [Point(p, i) for i, p in enumerate(doc["points"])]
        self.summary = doc.get("summary") or {}
        self.network = doc.get("network") or {}
        self.scenario = doc.get("scenario") or {}
        self.side_by_side = doc.get("side_by_side") or {}
        self.paired_comparisons = doc.get("paired_comparisons") or []

    def client_info_of(self, client):
        """What kind of client a name is, as the points that ran it say (None if none did):
        side_by_side rows name a client but carry no client_info."""
        for p in self.points:
            if p.p("client") == client:
                return p.client_info
        return None

    def wire_curve(self):
        """{streams: best GB/s} from the wire measured in the same run."""
        curve = {}
        for w in self.network.get("wire") or []:
            curve[w["streams"]] = max(curve.get(w["streams"], 0), w["gbps"])
        return curve

    @property
    def title(self):
        return self.scenario.get("name") or "kvslo run"

    def context_line(self):
        host = self.environment.get("host", {})
        redis = self.environment.get("redis", {})
        return (f"{host.get('hostname', '?')} ({host.get('cpu_cores', '?')} cores), "
                f"{server_version_text(redis, named=True)}, {self.created_at[:10]}")
