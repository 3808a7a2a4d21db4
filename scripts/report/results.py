"""Loads a kvslo results file and checks every field the report reads.

Errors name the file and the field (and for a wrong type, what was found and
what was expected), so a truncated, hand-edited or foreign file is rejected
with a message a person can act on, before anything is written. The plots and
tables read only fields checked here, so malformed input never reaches them
as a traceback.
"""
import json
import math

SCHEMA_VERSION = 1


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


# What the report reads of a results file (results/SCHEMA.md describes each field).
_P50 = {"p50": "number"}
_POINT = {
    "parameters": ("object", {
        "client": "string", "op": "string", "chunk_size_bytes": "number", "chunks_per_batch": "number",
        "streams": "number", "threads": "number", "pipeline_depth": "number", "fixed_size?": "bool|null",
        "layout?": "string", "sndbuf_requested?": "number|default|null", "rcvbuf_requested?": "number|default|null",
        "arrival?": ("object|null", {"mode": "string", "rate_per_s": "number"}), "redis_settings?": "object|null"}),
    "status": "string",
    "throughput_gbps": ("object", {"median": "number", "min": "number", "max": "number"}),
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
    "connections?": ("objects|null", {"sndbuf_granted": "number", "rcvbuf_granted": "number"}),
    "peer?": ("object|null", {"limits?": "strings|null"}),
}
_ENVIRONMENT = {
    "host?": ("object", {"hostname?": "string", "cpu_model?": "string", "cpu_cores?": "number",
                         "memory_total_bytes?": "number", "kernel?": "string", "sysctls?": "object|null"}),
    "build?": ("object", {"kvslo_version?": "string", "git_revision?": "string", "build_type?": "string",
                          "compiler?": "string"}),
    "redis?": ("object", {"redis_version?": "string", "endpoint?": "string", "embedded?": "bool",
                          "config?": "object|null"}),
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
        "pct_of_iperf3?": "number|null", "server_busy_cores?": "number|null"}),
    "bars?": ("objects", {"name": "string", "group": "string", "ours": "string", "theirs": "string",
                               "ratio": "number", "bar": "number", "at_most": "bool", "met": "bool"}),
}
_DOCUMENT = {
    "slo": ("object", {"retrieval_gbps": "number", "batch_p99_ms?": "number|null", "store_gbps?": "number|null"}),
    "environment": ("object", _ENVIRONMENT),
    "created_at?": "string",
    "command_line?": "string",
    "scenario?": ("object|null", {"name?": "string|null", "description?": "string|null"}),
    "network?": ("object|null", _NETWORK),
    "side_by_side?": ("object|null", _SIDE_BY_SIDE),
    "summary?": "object|null",
    "points": ("objects", _POINT),
}


class Point:
    """One measured point, with the figures the plots use."""

    def __init__(self, raw, index):
        self.raw = raw
        self.index = index
        self.params = raw["parameters"]
        self.status = raw["status"]
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

    @property
    def client_label(self):
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
    if version != SCHEMA_VERSION:
        raise ResultsError(f"{path}: schema_version is {version}; this report reads version {SCHEMA_VERSION}")
    _check_members(doc, _DOCUMENT, "", path)
    return doc


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
                f"Redis {redis.get('redis_version', '?')}, {self.created_at[:10]}")
