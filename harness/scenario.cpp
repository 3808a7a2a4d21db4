#include "scenario.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>

#include "json_scan.hpp"
#include "peers.hpp"
#include "units.hpp"
#include "wire.hpp"

#ifndef KVSLO_SOURCE_SCENARIOS
#define KVSLO_SOURCE_SCENARIOS "scenarios"
#endif

namespace kvslo {
namespace {

using nlohmann::json;

const std::vector<std::string> kAxisNames{"client",   "op",       "chunk_size", "streams",  "threads",
                                          "chunks_per_batch", "pipeline_depth", "inflight", "sndbuf", "rcvbuf",
                                          "tile_bytes", "layout", "fixed_size", "arrival"};
const std::vector<std::string> kWorkloadOnly{"working_set",      "verify", "key_prefix", "trials",
                                             "warmup_batches",   "batches_per_trial", "time_limit_per_point",
                                             "op_timeout_ms"};
const std::set<std::string> kRedisSettings{"io-threads", "io-threads-do-reads"};

// A scenario is a page of JSON; a file far larger is a mistake (or /dev/zero).
constexpr std::size_t kMaxScenarioBytes = 1 << 20;
constexpr std::size_t kMaxKeyPrefix = 256;
constexpr double kMaxSloGbps = 10'000;   // 80 Tbit/s
constexpr double kMaxSloMs = 3'600'000;  // an hour per batch

// A value as shown in a message: at most 60 characters, never cut inside a
// UTF-8 sequence, and never throwing on text that is not UTF-8 (dump() would).
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() <= 60) return s;
  std::size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

bool is_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

// Reports problems as "<file>: at <json path>: expected <what>, got <value>".
struct Checker {
  std::string file;

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw ScenarioError(file + ": at " + (path.empty() ? "/" : path) + ": " + message);
  }
  [[noreturn]] void expected(const std::string& path, const std::string& what, const json& got) const {
    fail(path, "expected " + what + ", got " + shown(got));
  }
  // An integer from min (>= 0) to max. Unsigned JSON values are compared as
  // such, never cast: 4294967297 is not 1 stream, 2^63 is not negative.
  std::int64_t integer(const std::string& path, const json& v, std::int64_t min, std::int64_t max,
                       const std::string& what) const {
    bool ok = false;
    if (v.is_number_unsigned()) {
      ok = v.get<std::uint64_t>() <= static_cast<std::uint64_t>(max) && v.get<std::int64_t>() >= min;
    } else if (v.is_number_integer()) {
      ok = v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max;
    }
    if (!ok) {
      fail(path, "expected " + what + ", got " + shown(v) + " (accepted: " + format_count(static_cast<std::uint64_t>(min)) +
                     " to " + format_count(static_cast<std::uint64_t>(max)) + ")");
    }
    return v.get<std::int64_t>();
  }
  // A finite number above 0 and at most max.
  double positive(const std::string& path, const json& v, double max, const std::string& what) const {
    if (!v.is_number() || !(v.get<double>() > 0) || !(v.get<double>() <= max)) {
      fail(path, "expected " + what + " (at most " + format_count(static_cast<std::uint64_t>(max)) + "), got " + shown(v));
    }
    return v.get<double>();
  }
  // A positive size of at most max bytes; `why` says where the maximum comes from.
  std::uint64_t size(const std::string& path, const json& v, std::uint64_t max, const std::string& why = "") const {
    std::uint64_t n = 0;
    if (v.is_number_unsigned()) {
      n = v.get<std::uint64_t>();
    } else if (!v.is_string()) {
      expected(path, "a size such as \"4MiB\" or \"40MB\"", v);
    } else {
      try {
        n = parse_size(v.get<std::string>());
      } catch (const std::invalid_argument& e) {
        fail(path, e.what());
      }
    }
    if (n == 0) expected(path, "a positive size", v);
    if (n > max) expected(path, "a size of at most " + format_size(max) + why, v);
    return n;
  }
  std::chrono::milliseconds duration(const std::string& path, const json& v, const std::string& example) const {
    if (!v.is_string()) expected(path, "a duration such as " + example, v);
    try {
      return parse_duration(v.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(path, e.what());
    }
  }
  std::string one_of(const std::string& path, const json& v, const std::vector<std::string>& choices) const {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) == choices.end()) {
      expected(path, "one of " + list, v);
    }
    return v.get<std::string>();
  }
  bool boolean(const std::string& path, const json& v) const {
    if (!v.is_boolean()) expected(path, "true or false", v);
    return v.get<bool>();
  }
  void only_keys(const std::string& path, const json& object, const std::vector<std::string>& allowed) const {
    if (!object.is_object()) expected(path, "an object", object);
    for (const auto& [key, value] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(path + "/" + key, "unknown key '" + key + "' (expected one of " + list + ")");
      }
    }
  }
};

// The integer fields: each with its range, so that a value is refused
// rather than cast into an int it does not fit.
struct IntegerField {
  const char* name;
  std::int64_t min, max;
  const char* what;
  void (*set)(PointSpec&, std::int64_t);
};
const IntegerField kIntegerFields[] = {
    {"streams", 1, limits::kMaxStreams, "a positive number of streams",
     [](PointSpec& p, std::int64_t v) { p.streams = static_cast<int>(v); }},
    {"threads", 1, limits::kMaxThreads, "a positive number of threads",
     [](PointSpec& p, std::int64_t v) { p.threads = static_cast<int>(v); }},
    {"pipeline_depth", 1, limits::kMaxPipelineDepth, "a positive pipeline depth",
     [](PointSpec& p, std::int64_t v) { p.pipeline_depth = static_cast<int>(v); }},
    {"inflight", 1, limits::kMaxInflight, "a positive number of batches",
     [](PointSpec& p, std::int64_t v) { p.inflight = static_cast<int>(v); }},
    {"trials", 1, limits::kMaxTrials, "a positive number of trials",
     [](PointSpec& p, std::int64_t v) { p.trials = static_cast<int>(v); }},
    {"warmup_batches", 0, limits::kMaxWarmupBatches, "a number of warm-up batches",
     [](PointSpec& p, std::int64_t v) { p.warmup_batches = static_cast<int>(v); }},
    {"batches_per_trial", 0, static_cast<std::int64_t>(limits::kMaxBatchesPerTrial),
     "a number of batches (0: one pass over the working set)",
     [](PointSpec& p, std::int64_t v) { p.batches_per_trial = static_cast<std::size_t>(v); }},
    {"op_timeout_ms", 1, limits::kMaxOpTimeoutMs, "a positive number of milliseconds",
     [](PointSpec& p, std::int64_t v) { p.op_timeout = std::chrono::milliseconds(v); }},
};

std::vector<std::string> workload_keys();
void apply_field(PointSpec& p, const std::string& name, const json& v, const std::string& path, const Checker& c,
                 const ModelTable& models);

// A client name, or a client with its own settings: {"client": "tiled", "threads": 2}.
void apply_client(PointSpec& p, const json& v, const std::string& path, const Checker& c, const ModelTable& models) {
  if (!v.is_object()) {
    p.client = c.one_of(path, v, point_client_names());
    return;
  }
  c.only_keys(path, v, workload_keys());
  if (!v.contains("client")) c.fail(path, "a client object needs a \"client\" name");
  p.client = c.one_of(path + "/client", v["client"], point_client_names());
  for (const auto& [key, value] : v.items()) {
    if (key != "client") apply_field(p, key, value, path + "/" + key, c, models);
  }
}

// {"model": ..., "dtype": ..., "tokens": ...}: bytes per token x tokens,
// checked for overflow (2^47 tokens x 128 KiB wraps to 128 KiB) and against
// the largest chunk Redis takes.
void apply_model_chunk(PointSpec& p, const json& v, const std::string& path, const Checker& c, const ModelTable& models) {
  c.only_keys(path, v, {"model", "dtype", "tokens"});
  const json model = v.value("model", json());
  if (!model.is_string()) c.expected(path + "/model", "a model name from models.json", model);
  const json dtype = v.value("dtype", json("bf16"));
  if (!dtype.is_string()) c.expected(path + "/dtype", "a dtype such as \"bf16\"", dtype);
  const auto tokens = static_cast<std::uint64_t>(c.integer(path + "/tokens", v.value("tokens", json()), 1,
                                                            limits::kMaxTokens, "tokens per chunk (a positive integer)"));
  std::uint64_t per_token = 0;
  try {
    per_token = models.bytes_per_token(model.get<std::string>(), dtype.get<std::string>());
  } catch (const std::invalid_argument& e) {
    c.fail(path, e.what());
  }
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(per_token, tokens, &bytes) || bytes > limits::kMaxChunkSize) {
    c.fail(path, "expected at most " + format_size(limits::kMaxChunkSize) + " per chunk (Redis's default proto-max-bulk-len), got " +
                     format_count(tokens) + " tokens x " + format_size(per_token) + " (" + model.get<std::string>() + ", " +
                     dtype.get<std::string>() + ")");
  }
  p.chunk_size = bytes;
  p.model = model.get<std::string>();
  p.dtype = dtype.get<std::string>();
  p.tokens_per_chunk = tokens;
}

void apply_chunk_size(PointSpec& p, const json& v, const std::string& path, const Checker& c, const ModelTable& models) {
  if (v.is_object()) {
    apply_model_chunk(p, v, path, c, models);
    return;
  }
  p.chunk_size = c.size(path, v, limits::kMaxChunkSize, " (Redis's default proto-max-bulk-len)");
  p.model.clear();
  p.dtype.clear();
  p.tokens_per_chunk = 0;
}

void apply_chunks_per_batch(PointSpec& p, const json& v, const std::string& path, const Checker& c) {
  if (v.is_object()) {
    c.only_keys(path, v, {"request_tokens"});
    p.request_tokens = static_cast<std::uint64_t>(c.integer(path + "/request_tokens", v.value("request_tokens", json()), 1,
                                                            limits::kMaxTokens, "a positive token count"));
  } else {
    p.chunks_per_batch = static_cast<std::size_t>(
        c.integer(path, v, 1, static_cast<std::int64_t>(limits::kMaxChunksPerBatch), "a positive number of chunks"));
    p.request_tokens = 0;
  }
}

void apply_arrival(PointSpec& p, const json& v, const std::string& path, const Checker& c) {
  c.only_keys(path, v, {"mode", "rate_per_s", "seed"});
  p.arrival.mode = c.one_of(path + "/mode", v.value("mode", json("closed")), {"closed", "constant", "poisson"});
  if (p.arrival.open_loop() || v.contains("rate_per_s")) {
    p.arrival.rate_per_s = c.positive(path + "/rate_per_s", v.value("rate_per_s", json()), limits::kMaxRatePerS,
                                      "a positive number of batches per second");
  }
  if (v.contains("seed")) {
    p.arrival.seed = static_cast<std::uint64_t>(
        c.integer(path + "/seed", v["seed"], 0, std::numeric_limits<std::int64_t>::max(), "a seed"));
  }
}

void apply_redis_setting(PointSpec& p, const std::string& name, const json& v, const std::string& path, const Checker& c) {
  const std::string setting = name.substr(6);
  if (!kRedisSettings.count(setting)) c.fail(path, "unknown Redis setting '" + setting + "' (expected io-threads or io-threads-do-reads)");
  if (setting == "io-threads") {
    p.redis_settings[setting] = std::to_string(c.integer(path, v, 1, limits::kMaxRedisIoThreads, "a number of I/O threads"));
  } else {
    p.redis_settings[setting] = v.is_boolean() ? (v.get<bool>() ? "yes" : "no") : c.one_of(path, v, {"yes", "no"});
  }
}

// Redis keys are binary-safe, but the prefix is also shown, logged and passed
// to peers on their command lines: printable, without spaces, and short.
void apply_key_prefix(PointSpec& p, const json& v, const std::string& path, const Checker& c) {
  auto printable = [](const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char ch) {
      return std::isspace(static_cast<unsigned char>(ch)) || std::iscntrl(static_cast<unsigned char>(ch));
    });
  };
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > kMaxKeyPrefix ||
      !printable(v.get<std::string>())) {
    c.expected(path, "a non-empty key prefix without spaces or control characters, at most " + std::to_string(kMaxKeyPrefix) + " bytes", v);
  }
  p.key_prefix = v.get<std::string>();
}

// Sets one field of a point from a scenario value, checking it.
void apply_field(PointSpec& p, const std::string& name, const json& v, const std::string& path, const Checker& c,
                 const ModelTable& models) {
  for (const auto& field : kIntegerFields) {
    if (name == field.name) return field.set(p, c.integer(path, v, field.min, field.max, field.what));
  }
  if (name == "client") {
    apply_client(p, v, path, c, models);
  } else if (name == "op") {
    p.op = c.one_of(path, v, {"get", "set", "exists"});
  } else if (name == "chunk_size") {
    apply_chunk_size(p, v, path, c, models);
  } else if (name == "chunks_per_batch") {
    apply_chunks_per_batch(p, v, path, c);
  } else if (name == "sndbuf" || name == "rcvbuf") {
    std::optional<int> value;
    if (!(v.is_string() && v.get<std::string>() == "default")) value = static_cast<int>(c.size(path, v, limits::kMaxSocketBuffer));
    (name == "sndbuf" ? p.sndbuf : p.rcvbuf) = value;
  } else if (name == "tile_bytes") {
    const bool per_thread = v.is_string() && v.get<std::string>() == "per-thread";
    p.tile_bytes = per_thread ? std::nullopt : std::optional<std::uint64_t>(c.size(path, v, limits::kMaxTileBytes));
  } else if (name == "layout") {
    p.layout = c.one_of(path, v, {"fixed", "with-metadata"});
  } else if (name == "fixed_size") {
    p.fixed_size = c.boolean(path, v);
  } else if (name == "working_set") {
    p.working_set = c.size(path, v, limits::kMaxWorkingSet);
  } else if (name == "verify") {
    p.verify = c.boolean(path, v);
  } else if (name == "key_prefix") {
    apply_key_prefix(p, v, path, c);
  } else if (name == "time_limit_per_point") {
    p.time_limit = c.duration(path, v, "\"60s\"");
  } else if (name == "arrival") {
    apply_arrival(p, v, path, c);
  } else if (name.rfind("redis.", 0) == 0) {
    apply_redis_setting(p, name, v, path, c);
  } else {
    c.fail(path, "unknown field '" + name + "'");
  }
}

std::vector<std::string> workload_keys() {
  std::vector<std::string> keys = kAxisNames;
  keys.insert(keys.end(), kWorkloadOnly.begin(), kWorkloadOnly.end());
  return keys;
}

bool is_axis_name(const std::string& name) {
  return std::find(kAxisNames.begin(), kAxisNames.end(), name) != kAxisNames.end() || name.rfind("redis.", 0) == 0;
}

// The number of points from the axis lengths alone, so that a product too
// large to expand is refused before a single point is built.
std::size_t check_point_count(const std::vector<Axis>& axes, const Checker& c) {
  std::uint64_t points = 1;
  bool overflow = false;
  for (const auto& a : axes) overflow = overflow || __builtin_mul_overflow(points, a.values.size(), &points);
  if (overflow || points > limits::kMaxPoints) {
    c.fail("/axes", "the axes multiply to " + (overflow ? "more than " + format_count(UINT64_MAX) : format_count(points)) +
                        " points; at most " + format_count(limits::kMaxPoints) + " (split the sweep into several scenarios)");
  }
  return static_cast<std::size_t>(points);
}

// Applies the workload and checks every axis value against it.
void check(Scenario& s, const ModelTable& models, const Checker& c) {
  c.only_keys("/workload", s.workload, workload_keys());
  PointSpec base;
  for (const auto& [key, value] : s.workload.items()) apply_field(base, key, value, "/workload/" + key, c, models);
  for (const auto& axis : s.axes) {
    if (!is_axis_name(axis.name)) {
      std::string list;
      for (const auto& a : kAxisNames) list += (list.empty() ? "" : ", ") + a;
      c.fail("/axes/" + axis.name, "unknown axis '" + axis.name + "' (expected one of " + list + ", redis.io-threads, redis.io-threads-do-reads)");
    }
    if (axis.values.empty()) c.fail("/axes/" + axis.name, "expected a non-empty list of values");
  }
  check_point_count(s.axes, c);
  for (const auto& axis : s.axes) {
    for (std::size_t i = 0; i < axis.values.size(); ++i) {
      PointSpec probe = base;
      apply_field(probe, axis.name, axis.values[i], "/axes/" + axis.name + "/" + std::to_string(i), c, models);
    }
  }
  s.base = base;
}

// Text from a user: scanned without recursion first (duplicate keys, deep
// nesting), then parsed. Comments are allowed.
json parse_scenario_json(const std::string& text, const Checker& c) {
  if (text.size() > kMaxScenarioBytes) {
    c.fail("", "the text is larger than " + format_size(kMaxScenarioBytes) + ", which no scenario needs");
  }
  const JsonScan scan = scan_json(text, /*allow_comments=*/true);
  if (!scan.syntax_error.empty()) throw ScenarioError(c.file + ": not valid JSON: " + scan.syntax_error);
  if (!scan.problem.empty()) c.fail(scan.path, scan.problem);
  try {
    return json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {
    throw ScenarioError(c.file + ": not valid JSON: " + e.what());
  }
}

// A --set value: JSON when it is JSON (checked as a file is), else a bare
// word such as zerocopy or 4MiB.
json parse_value(const std::string& text, const std::string& path, const Checker& c) {
  const JsonScan scan = scan_json(text, /*allow_comments=*/false, path);
  if (!scan.problem.empty()) c.fail(scan.path, scan.problem);
  if (!scan.syntax_error.empty()) return json(text);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    c.fail(path, std::string("not valid JSON: ") + e.what());
  }
}

// "1,2,{"a":1,"b":2}": commas inside JSON objects, arrays or strings do not
// separate values; the last value is kept even if a quote is left open.
std::vector<json> split_values(const std::string& text, const std::string& field, const Checker& c) {
  std::vector<json> values;
  int depth = 0;
  bool quoted = false, escaped = false;
  std::string current;
  auto push = [&] {
    values.push_back(parse_value(current, "/axes/" + field + "/" + std::to_string(values.size()), c));
    current.clear();
  };
  for (const char ch : text) {
    if (quoted) {
      quoted = escaped || ch != '"';
      escaped = !escaped && ch == '\\';
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == '{' || ch == '[') {
      ++depth;
    } else if (ch == '}' || ch == ']') {
      --depth;
    } else if (ch == ',' && depth == 0) {
      push();
      continue;
    }
    current.push_back(ch);
  }
  push();
  return values;
}

// One SLO field, from the file or --set; null leaves an optional bound unset.
void apply_slo(Slo& slo, const std::string& key, const json& value, const Checker& c) {
  if (key != "retrieval_gbps" && key != "batch_p99_ms" && key != "store_gbps") {
    c.fail("/slo/" + key, "unknown SLO field (expected retrieval_gbps, batch_p99_ms or store_gbps)");
  }
  if (key == "batch_p99_ms") {
    slo.batch_p99_ms.reset();
    if (!value.is_null()) slo.batch_p99_ms = c.positive("/slo/" + key, value, kMaxSloMs, "a positive number of milliseconds");
    return;
  }
  const double gbps = value.is_null() && key == "store_gbps" ? 0 : c.positive("/slo/" + key, value, kMaxSloGbps, "a positive number of GB/s");
  if (key == "retrieval_gbps") slo.retrieval_gbps = gbps;
  if (key == "store_gbps") slo.store_gbps = gbps > 0 ? std::optional<double>(gbps) : std::nullopt;
}

void read_wire(Scenario& s, const json& j, const Checker& c) {
  if (!j.contains("wire")) return;
  const json& w = j["wire"];
  if (w.is_boolean()) {
    if (w.get<bool>()) s.wire = WireConfig{};
    return;
  }
  if (!w.is_object()) c.expected("/wire", "true, false or {\"target\": ..., \"duration\": ...}", w);
  c.only_keys("/wire", w, {"target", "duration"});
  WireConfig wire;
  if (w.contains("target")) {
    if (!w["target"].is_string()) c.expected("/wire/target", "\"HOST\" or \"HOST:PORT\"", w["target"]);
    wire.target = w["target"].get<std::string>();
    try {
      // Checked now, not when the run reaches the wire.
      if (!wire.target.empty()) WireTarget::parse(wire.target);
    } catch (const std::invalid_argument& e) {
      c.fail("/wire/target", e.what());
    }
  }
  if (w.contains("duration")) wire.seconds = static_cast<double>(c.duration("/wire/duration", w["duration"], "\"3s\"").count()) / 1000.0;
  s.wire = wire;
}

void read_axes(Scenario& s, const std::string& text, const json& j, const Checker& c) {
  if (!j.contains("axes")) return;
  if (!j["axes"].is_object()) c.expected("/axes", "an object of axis name to list of values", j["axes"]);
  // In the order written: nlohmann::json sorts object keys.
  const auto ordered = nlohmann::ordered_json::parse(text, nullptr, true, /*ignore_comments=*/true);
  for (const auto& [key, unused] : ordered.at("axes").items()) {
    const json& value = j["axes"][key];
    if (!value.is_array()) c.expected("/axes/" + key, "a list of values", value);
    s.axes.push_back({key, std::vector<json>(value.begin(), value.end())});
  }
}

// Whole chunks only: the partial last chunk is recomputed, as in the write-up.
void derive_chunks_per_batch(PointSpec& p, const Checker& c) {
  if (p.request_tokens == 0) return;
  if (p.tokens_per_chunk == 0) {
    c.fail("/workload/chunks_per_batch", "request_tokens needs a chunk_size given by a model (with tokens per chunk)");
  }
  p.chunks_per_batch = static_cast<std::size_t>(p.request_tokens / p.tokens_per_chunk);
  if (p.chunks_per_batch == 0) c.fail("/workload/chunks_per_batch", "request_tokens is smaller than one chunk");
  if (p.chunks_per_batch > limits::kMaxChunksPerBatch) {
    c.fail("/workload/chunks_per_batch", format_count(p.request_tokens) + " request tokens in chunks of " +
                                             format_count(p.tokens_per_chunk) + " tokens are " + format_count(p.chunks_per_batch) +
                                             " chunks per batch; at most " + format_count(limits::kMaxChunksPerBatch));
  }
}

// The point at one index into each axis (in expansion order), checked.
PointSpec point_at(const PointSpec& base, const std::vector<const Axis*>& order, const std::vector<std::size_t>& index,
                   const Checker& c, const ModelTable& models) {
  PointSpec p = base;
  std::string where;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const json& v = order[k]->values[index[k]];
    apply_field(p, order[k]->name, v, "/axes/" + order[k]->name + "/" + std::to_string(index[k]), c, models);
    where += (where.empty() ? "" : ", ") + order[k]->name + "=" +
             (v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  // A client's own settings ({"client": "tiled", "threads": 2}) win over
  // plain axes wherever they stand.
  for (std::size_t k = 0; k < order.size(); ++k) {
    const json& v = order[k]->values[index[k]];
    if (order[k]->name == "client" && v.is_object()) {
      apply_field(p, "client", v, "/axes/client/" + std::to_string(index[k]), c, models);
    }
  }
  derive_chunks_per_batch(p, c);
  try {
    p.validate();
  } catch (const std::invalid_argument& e) {
    c.fail("/axes", "the point " + (where.empty() ? std::string("(no axes)") : where) + " is impossible: " + e.what());
  }
  return p;
}

}  // namespace

const std::vector<std::string>& axis_names() { return kAxisNames; }

// Strict: the whole number must parse ("1.2.3s" is not 1.2 s), and the result
// must be from 1 ms to 24 h (no overflow into a negative or a zero that
// would mean "forever" to iperf3).
std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  const std::string unit = text.substr(i);
  const double scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : 0;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (i == 0 || scale == 0 || end != text.data() + i || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
    throw std::invalid_argument("invalid duration '" + text + "' (expected a number with ms, s, m or h, e.g. 60s)");
  }
  const double ms = ec == std::errc::result_out_of_range ? HUGE_VAL : value * scale;
  if (!(ms >= 1) || !(ms <= static_cast<double>(limits::kMaxDuration.count()))) {
    throw std::invalid_argument("invalid duration '" + text + "': expected at least 1ms and at most 24h");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::filesystem::path scenario_directory() {
  if (const char* env = std::getenv("KVSLO_SCENARIOS"); env && *env) return env;
  if (std::filesystem::is_directory(KVSLO_SOURCE_SCENARIOS)) return KVSLO_SOURCE_SCENARIOS;
  return "scenarios";
}

std::filesystem::path resolve_scenario(const std::string& name_or_path) {
  if (std::filesystem::exists(name_or_path)) return name_or_path;
  auto shipped = scenario_directory() / (name_or_path + ".json");
  if (std::filesystem::exists(shipped)) return shipped;
  throw ScenarioError("no scenario '" + name_or_path + "': not a file, and not a shipped scenario in " +
                      scenario_directory().string() + " (see 'kvslo list')");
}

Scenario Scenario::parse(const std::string& text, const std::filesystem::path& file, const ModelTable& models) {
  Scenario s;
  s.file = file;
  s.name = file.stem().string();
  const Checker c{file.string()};
  const json j = parse_scenario_json(text, c);
  c.only_keys("", j, {"description", "workload", "slo", "axes", "wire"});
  read_wire(s, j, c);
  if (j.contains("description")) {
    if (!j["description"].is_string()) c.expected("/description", "a string", j["description"]);
    s.description = j["description"].get<std::string>();
  }
  if (j.contains("workload")) s.workload = j["workload"];
  if (j.contains("slo")) {
    c.only_keys("/slo", j["slo"], {"retrieval_gbps", "batch_p99_ms", "store_gbps"});
    for (const auto& [key, value] : j["slo"].items()) apply_slo(s.slo, key, value, c);
  }
  read_axes(s, text, j, c);
  check(s, models, c);
  return s;
}

Scenario Scenario::load(const std::filesystem::path& file, const ModelTable& models) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ScenarioError(file.string() + ": cannot read the file");
  // One byte past the limit is enough to refuse a file that is too large.
  std::string text(kMaxScenarioBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw ScenarioError(file.string() + ": cannot read the file");
  return parse(text, file, models);
}

// Applied to a copy, so that a refused assignment leaves the scenario as it was.
void Scenario::override_with(const std::string& assignment, const ModelTable& models) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ScenarioError("--set '" + assignment + "': expected axis=v1,v2 or workload.field=value or slo.field=value");
  }
  const std::string field = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  const Checker c{file.string() + " with --set " + field};
  // Not UTF-8: nlohmann's dump() would throw when the scenario is recorded.
  if (!is_utf8(assignment)) throw ScenarioError(c.file + ": not UTF-8 text");
  Scenario next = *this;
  if (field.rfind("workload.", 0) == 0) {
    const std::string key = field.substr(9);
    next.workload[key] = parse_value(text, "/workload/" + key, c);
  } else if (field.rfind("slo.", 0) == 0) {
    const std::string key = field.substr(4);
    apply_slo(next.slo, key, parse_value(text, "/slo/" + key, c), c);
  } else {
    std::vector<json> values = split_values(text, field, c);
    auto it = std::find_if(next.axes.begin(), next.axes.end(), [&](const Axis& a) { return a.name == field; });
    if (it != next.axes.end()) {
      it->values = std::move(values);
    } else {
      next.axes.push_back({field, std::move(values)});
    }
  }
  check(next, models, c);
  *this = std::move(next);
}

std::vector<PointSpec> Scenario::expand(const ModelTable& models) const {
  const Checker c{file.string()};
  std::vector<PointSpec> points;
  points.reserve(check_point_count(axes, c));
  // Redis settings outermost (each needs its own server), then chunk size
  // (each needs its own dataset), then the rest as written.
  std::vector<const Axis*> order;
  for (const auto& a : axes) if (a.name.rfind("redis.", 0) == 0) order.push_back(&a);
  for (const auto& a : axes) if (a.name == "chunk_size") order.push_back(&a);
  for (const auto& a : axes) if (a.name.rfind("redis.", 0) != 0 && a.name != "chunk_size") order.push_back(&a);

  std::vector<std::size_t> index(order.size(), 0);
  for (;;) {
    points.push_back(point_at(base, order, index, c, models));
    std::size_t k = order.size();
    while (k > 0) {
      --k;
      if (++index[k] < order[k]->values.size()) break;
      index[k] = 0;
      if (k == 0) return points;
    }
    if (order.empty()) return points;
  }
}

json Scenario::to_json() const {
  json axes_json = json::object();
  for (const auto& a : axes) axes_json[a.name] = a.values;
  return {{"name", name}, {"file", file.string()}, {"description", description},
          {"workload", workload}, {"axes", axes_json}, {"slo", slo.to_json()},
          {"wire", wire ? wire->to_json() : nlohmann::json(nullptr)}};
}

}  // namespace kvslo
