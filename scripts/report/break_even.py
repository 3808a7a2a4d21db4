"""The break-even with prefill: loading a prefix from Redis beats recomputing
it when retrieval moves bytes faster than prefill makes them, i.e. above
KV bytes per token x prefill tokens per second. Known only when the run's
retrieval SLO was derived from a model and a prefill rate
(slo.retrieval_gbps_derived_from); the plot and the section read it from here.

Prefill is modelled as linear in tokens, as the SLO is: both times grow with
the context at a fixed ratio, so the lines never cross.
"""
import math
from dataclasses import dataclass

GB = 1e9  # throughput is GB/s = 10^9 B/s throughout kvslo

# Context lengths drawn: 1k to 128k tokens, powers of 2.
CONTEXT_TOKENS = [1 << k for k in range(10, 18)]

VLLM_COMMAND = "vllm bench latency --input-len 8192 --output-len 1 --batch-size 1"


@dataclass(frozen=True)
class Derivation:
    model: str
    dtype: str
    bytes_per_token: int
    prefill_tokens_per_s: float

    @property
    def gbps(self):
        return self.bytes_per_token * self.prefill_tokens_per_s / GB

    def load_seconds(self, tokens, gbps):
        """Time to read `tokens` of KV cache at `gbps` GB/s."""
        return tokens * self.bytes_per_token / (gbps * GB)

    def recompute_seconds(self, tokens):
        """Time to prefill `tokens`, linear in tokens."""
        return tokens / self.prefill_tokens_per_s

    def arithmetic(self):
        return (f"{self.bytes_per_token:,} B/token ({self.model}, {self.dtype}) x "
                f"{format_rate(self.prefill_tokens_per_s)} prefill tokens/s")

    def explain(self):
        """The line kvslo prints after a run, word for word."""
        return (f"retrieval SLO {format_slo_gbps(self.gbps)} GB/s = {self.arithmetic()}: "
                "loading a prefix beats recomputing it above this")


def derivation(results):
    """The run's derivation, or None when its SLO was given as a number."""
    d = results.slo.get("retrieval_gbps_derived_from")
    if not d:
        return None
    return Derivation(d["model"], d["dtype"], int(d["bytes_per_token"]), float(d["prefill_tokens_per_s"]))


def format_rate(rate):
    """9,700 for a whole number of hundredths, 9,700.50 otherwise (as kvslo prints it)."""
    cents = round(rate * 100)
    return f"{cents // 100:,}" if cents % 100 == 0 else f"{cents / 100:,.2f}"


def format_slo_gbps(gbps):
    """Two decimals, more below 1 GB/s so a small SLO never reads 0.00 (as kvslo prints it)."""
    decimals = 2 if gbps >= 1 or gbps <= 0 else min(12, 2 - math.floor(math.log10(gbps)))
    return f"{gbps:.{decimals}f}"


def format_tokens(tokens):
    return f"{tokens // 1024}k" if tokens >= 1024 and tokens % 1024 == 0 else f"{tokens:g}"


def best_get_points(results):
    """(the best GET point overall, {client: its best GET point}) among the points that
    moved Redis data and may stand as a client's best; (None, {}) when there is none."""
    best = {}
    for p in results.points:
        if p.p("op") != "get" or p.gbps <= 0 or not p.client_info.moves_redis_data or not p.outcome.may_be_best:
            continue
        if p.p("client") not in best or p.gbps > best[p.p("client")].gbps:
            best[p.p("client")] = p
    overall = max(best.values(), key=lambda p: p.gbps, default=None)
    return overall, best
