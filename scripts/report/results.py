"""Loads a kvslo results file and checks every field the report reads.

Errors name the file and the field, so a truncated or foreign file is
rejected with a message a person can act on, before anything is written.
"""
import json

SCHEMA_VERSION = 1


class ResultsError(Exception):
    pass


def _field(obj, path, file, kind=None):
    """obj at a dotted path like 'points[3].throughput_gbps.median'."""
    cur = obj
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(cur, list) or index >= len(cur):
                raise ResultsError(f"{file}: field {path} is missing")
            cur = cur[index]
        else:
            if not isinstance(cur, dict) or part not in cur:
                raise ResultsError(f"{file}: field {path} is missing")
            cur = cur[part]
    if kind is not None and not isinstance(cur, kind):
        raise ResultsError(f"{file}: field {path} has the wrong type ({type(cur).__name__})")
    return cur


class Point:
    """One measured point, with the figures the plots use."""

    def __init__(self, raw, index, file):
        where = f"points[{index}]"
        self.raw = raw
        self.index = index
        self.params = _field(raw, "parameters", file, dict)
        for name in ("client", "op", "chunk_size_bytes", "streams", "threads", "chunks_per_batch", "pipeline_depth"):
            _field(raw, f"parameters.{name}", file)
        self.status = _field(raw, "status", file, str)
        tp = _field(raw, "throughput_gbps", file, dict)
        self.gbps = float(_field(tp, "median", f"{file} ({where}.throughput_gbps)"))
        self.gbps_min = float(_field(tp, "min", f"{file} ({where}.throughput_gbps)"))
        self.gbps_max = float(_field(tp, "max", f"{file} ({where}.throughput_gbps)"))
        self.batch_latency = _field(raw, "batch_latency", file, dict)
        self.samples_ms = raw.get("batch_latency_samples_ms") or []
        self.slo = _field(raw, "slo", file, dict)
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


class Results:
    def __init__(self, path):
        self.path = str(path)
        try:
            with open(path, "r", encoding="utf-8") as f:
                doc = json.load(f)
        except FileNotFoundError:
            raise ResultsError(f"{path}: no such file")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ResultsError(f"{path}: not a JSON results file ({e})")
        if not isinstance(doc, dict):
            raise ResultsError(f"{path}: not a kvslo results file (top level is not an object)")
        version = doc.get("schema_version")
        if version is None:
            raise ResultsError(f"{path}: field schema_version is missing (not a kvslo results file?)")
        if version != SCHEMA_VERSION:
            raise ResultsError(f"{path}: schema_version is {version}; this report reads version {SCHEMA_VERSION}")
        self.doc = doc
        self.slo = _field(doc, "slo", path, dict)
        _field(doc, "slo.retrieval_gbps", path)
        self.environment = _field(doc, "environment", path, dict)
        self.created_at = doc.get("created_at", "?")
        self.points = [Point(p, i, path) for i, p in enumerate(_field(doc, "points", path, list))]
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
