#include "scenario.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include "peers.hpp"
#include "units.hpp"

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

// Reports problems as "<file>: at <json path>: expected <what>, got <value>".
struct Checker {
  std::string file;

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw ScenarioError(file + ": at " + (path.empty() ? "/" : path) + ": " + message);
  }
  [[noreturn]] void expected(const std::string& path, const std::string& what, const json& got) const {
    std::string shown = got.dump();
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    fail(path, "expected " + what + ", got " + shown);
  }
  std::int64_t integer(const std::string& path, const json& v, std::int64_t min, const std::string& what) const {
    if (!v.is_number_integer() || v.get<std::int64_t>() < min) expected(path, what, v);
    return v.get<std::int64_t>();
  }
  std::uint64_t size(const std::string& path, const json& v) const {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > 0) return v.get<std::uint64_t>();
    if (!v.is_string()) expected(path, "a size such as \"4MiB\" or \"40MB\"", v);
    try {
      std::uint64_t n = parse_size(v.get<std::string>());
      if (n == 0) expected(path, "a positive size", v);
      return n;
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

std::vector<std::string> workload_keys();

// Sets one field of a point from a scenario value, checking it.
void apply_field(PointSpec& p, const std::string& name, const json& v, const std::string& path, const Checker& c,
                 const ModelTable& models) {
  if (name == "client" && v.is_object()) {
    // A client with its own settings: {"client": "tiled", "threads": 2}.
    c.only_keys(path, v, workload_keys());
    if (!v.contains("client")) c.fail(path, "a client object needs a \"client\" name");
    apply_field(p, "client", v["client"], path + "/client", c, models);
    for (const auto& [key, value] : v.items()) {
      if (key != "client") apply_field(p, key, value, path + "/" + key, c, models);
    }
  } else if (name == "client") {
    p.client = c.one_of(path, v, point_client_names());
  } else if (name == "op") {
    p.op = c.one_of(path, v, {"get", "set", "exists"});
  } else if (name == "chunk_size") {
    if (v.is_object()) {
      c.only_keys(path, v, {"model", "dtype", "tokens"});
      if (!v.contains("model") || !v["model"].is_string()) c.expected(path + "/model", "a model name from models.json", v.value("model", json()));
      const std::string dtype = v.contains("dtype") ? (v["dtype"].is_string() ? v["dtype"].get<std::string>() : "") : "bf16";
      if (dtype.empty()) c.expected(path + "/dtype", "a dtype such as \"bf16\"", v["dtype"]);
      const auto tokens = static_cast<std::uint64_t>(c.integer(path + "/tokens", v.value("tokens", json()), 1, "tokens per chunk (a positive integer)"));
      try {
        p.chunk_size = models.bytes_per_token(v["model"].get<std::string>(), dtype) * tokens;
      } catch (const std::invalid_argument& e) {
        c.fail(path, e.what());
      }
      p.model = v["model"].get<std::string>();
      p.dtype = dtype;
      p.tokens_per_chunk = tokens;
    } else {
      p.chunk_size = c.size(path, v);
      p.model.clear();
      p.dtype.clear();
      p.tokens_per_chunk = 0;
    }
  } else if (name == "streams") {
    p.streams = static_cast<int>(c.integer(path, v, 1, "a positive number of streams"));
  } else if (name == "threads") {
    p.threads = static_cast<int>(c.integer(path, v, 1, "a positive number of threads"));
  } else if (name == "chunks_per_batch") {
    if (v.is_object()) {
      c.only_keys(path, v, {"request_tokens"});
      p.request_tokens = static_cast<std::uint64_t>(c.integer(path + "/request_tokens", v.value("request_tokens", json()), 1, "a positive token count"));
    } else {
      p.chunks_per_batch = static_cast<std::size_t>(c.integer(path, v, 1, "a positive number of chunks"));
      p.request_tokens = 0;
    }
  } else if (name == "pipeline_depth") {
    p.pipeline_depth = static_cast<int>(c.integer(path, v, 1, "a positive pipeline depth"));
  } else if (name == "inflight") {
    p.inflight = static_cast<int>(c.integer(path, v, 1, "a positive number of batches"));
  } else if (name == "sndbuf" || name == "rcvbuf") {
    std::optional<int> value;
    if (!(v.is_string() && v.get<std::string>() == "default")) {
      std::uint64_t bytes = c.size(path, v);
      if (bytes > (1ull << 30)) c.expected(path, "at most 1GiB", v);
      value = static_cast<int>(bytes);
    }
    (name == "sndbuf" ? p.sndbuf : p.rcvbuf) = value;
  } else if (name == "tile_bytes") {
    if (v.is_string() && v.get<std::string>() == "per-thread") {
      p.tile_bytes.reset();
    } else {
      p.tile_bytes = c.size(path, v);
    }
  } else if (name == "layout") {
    p.layout = c.one_of(path, v, {"fixed", "with-metadata"});
  } else if (name == "fixed_size") {
    p.fixed_size = c.boolean(path, v);
  } else if (name == "working_set") {
    p.working_set = c.size(path, v);
  } else if (name == "verify") {
    p.verify = c.boolean(path, v);
  } else if (name == "key_prefix") {
    if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().find(' ') != std::string::npos) {
      c.expected(path, "a non-empty key prefix without spaces", v);
    }
    p.key_prefix = v.get<std::string>();
  } else if (name == "trials") {
    p.trials = static_cast<int>(c.integer(path, v, 1, "a positive number of trials"));
  } else if (name == "warmup_batches") {
    p.warmup_batches = static_cast<int>(c.integer(path, v, 0, "a number of batches (0 or more)"));
  } else if (name == "batches_per_trial") {
    p.batches_per_trial = static_cast<std::size_t>(c.integer(path, v, 0, "a number of batches (0: one pass over the working set)"));
  } else if (name == "time_limit_per_point") {
    if (!v.is_string()) c.expected(path, "a duration such as \"60s\"", v);
    try {
      p.time_limit = parse_duration(v.get<std::string>());
    } catch (const std::invalid_argument& e) {
      c.fail(path, e.what());
    }
  } else if (name == "op_timeout_ms") {
    p.op_timeout = std::chrono::milliseconds(c.integer(path, v, 1, "a positive number of milliseconds"));
  } else if (name == "arrival") {
    c.only_keys(path, v, {"mode", "rate_per_s", "seed"});
    p.arrival.mode = c.one_of(path + "/mode", v.value("mode", json("closed")), {"closed", "constant", "poisson"});
    if (p.arrival.open_loop()) {
      const json rate = v.value("rate_per_s", json());
      if (!rate.is_number() || rate.get<double>() <= 0) c.expected(path + "/rate_per_s", "a positive number of batches per second", rate);
      p.arrival.rate_per_s = rate.get<double>();
    }
    if (v.contains("seed")) p.arrival.seed = static_cast<std::uint64_t>(c.integer(path + "/seed", v["seed"], 0, "a seed (0 or more)"));
  } else if (name.rfind("redis.", 0) == 0) {
    const std::string setting = name.substr(6);
    if (!kRedisSettings.count(setting)) c.fail(path, "unknown Redis setting '" + setting + "' (expected io-threads or io-threads-do-reads)");
    if (setting == "io-threads") {
      p.redis_settings[setting] = std::to_string(c.integer(path, v, 1, "a number of I/O threads (1 or more)"));
    } else {
      p.redis_settings[setting] = v.is_boolean() ? (v.get<bool>() ? "yes" : "no") : c.one_of(path, v, {"yes", "no"});
    }
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

// Applies the workload and checks every axis value against it.
void check(Scenario& s, const ModelTable& models) {
  Checker c{s.file.string()};
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
    for (std::size_t i = 0; i < axis.values.size(); ++i) {
      PointSpec probe = base;
      apply_field(probe, axis.name, axis.values[i], "/axes/" + axis.name + "/" + std::to_string(i), c, models);
    }
  }
  s.base = base;
}

json parse_value(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::parse_error&) {
    return json(text);  // a bare word such as zerocopy or 4MiB
  }
}

}  // namespace

const std::vector<std::string>& axis_names() { return kAxisNames; }

std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  const std::string unit = text.substr(i);
  double scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : 0;
  if (i == 0 || scale == 0) {
    throw std::invalid_argument("invalid duration '" + text + "' (expected a number with ms, s, m or h, e.g. 60s)");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::stod(text.substr(0, i)) * scale));
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

Scenario Scenario::load(const std::filesystem::path& file, const ModelTable& models) {
  Scenario s;
  s.file = file;
  s.name = file.stem().string();
  Checker c{file.string()};
  std::ifstream in(file);
  if (!in) throw ScenarioError(file.string() + ": cannot read the file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json j;
  std::vector<std::string> axis_order;  // as written: nlohmann::json sorts object keys
  try {
    j = json::parse(text, nullptr, true, /*ignore_comments=*/true);
    const auto ordered = nlohmann::ordered_json::parse(text, nullptr, true, /*ignore_comments=*/true);
    if (ordered.is_object() && ordered.contains("axes") && ordered["axes"].is_object()) {
      for (const auto& [key, value] : ordered["axes"].items()) axis_order.push_back(key);
    }
  } catch (const json::parse_error& e) {
    throw ScenarioError(file.string() + ": not valid JSON: " + e.what());
  }
  c.only_keys("", j, {"description", "workload", "slo", "axes", "wire"});
  if (j.contains("wire") && !(j["wire"].is_boolean() && !j["wire"].get<bool>())) {
    WireConfig wire;
    if (j["wire"].is_object()) {
      c.only_keys("/wire", j["wire"], {"target", "duration"});
      if (j["wire"].contains("target")) {
        if (!j["wire"]["target"].is_string()) c.expected("/wire/target", "\"HOST\" or \"HOST:PORT\"", j["wire"]["target"]);
        wire.target = j["wire"]["target"].get<std::string>();
      }
      if (j["wire"].contains("duration")) {
        if (!j["wire"]["duration"].is_string()) c.expected("/wire/duration", "a duration such as \"3s\"", j["wire"]["duration"]);
        try {
          wire.seconds = static_cast<double>(parse_duration(j["wire"]["duration"].get<std::string>()).count()) / 1000.0;
        } catch (const std::invalid_argument& e) {
          c.fail("/wire/duration", e.what());
        }
      }
    } else if (!j["wire"].is_boolean()) {
      c.expected("/wire", "true, false or {\"target\": ..., \"duration\": ...}", j["wire"]);
    }
    s.wire = wire;
  }
  if (j.contains("description")) {
    if (!j["description"].is_string()) c.expected("/description", "a string", j["description"]);
    s.description = j["description"].get<std::string>();
  }
  if (j.contains("workload")) s.workload = j["workload"];
  if (j.contains("slo")) {
    c.only_keys("/slo", j["slo"], {"retrieval_gbps", "batch_p99_ms", "store_gbps"});
    for (const auto& [key, value] : j["slo"].items()) {
      if (value.is_null() && key != "retrieval_gbps") continue;
      if (!value.is_number() || value.get<double>() <= 0) c.expected("/slo/" + key, "a positive number", value);
      const double v = value.get<double>();
      if (key == "retrieval_gbps") s.slo.retrieval_gbps = v;
      if (key == "batch_p99_ms") s.slo.batch_p99_ms = v;
      if (key == "store_gbps") s.slo.store_gbps = v;
    }
  }
  if (j.contains("axes")) {
    if (!j["axes"].is_object()) c.expected("/axes", "an object of axis name to list of values", j["axes"]);
    for (const auto& key : axis_order) {
      const json& value = j["axes"][key];
      if (!value.is_array()) c.expected("/axes/" + key, "a list of values", value);
      s.axes.push_back({key, std::vector<json>(value.begin(), value.end())});
    }
  }
  check(s, models);
  return s;
}

void Scenario::override_with(const std::string& assignment, const ModelTable& models) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ScenarioError("--set '" + assignment + "': expected axis=v1,v2 or workload.field=value or slo.field=value");
  }
  const std::string field = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  Checker c{"--set " + field};
  if (field.rfind("workload.", 0) == 0) {
    workload[field.substr(9)] = parse_value(text);
  } else if (field.rfind("slo.", 0) == 0) {
    const std::string key = field.substr(4);
    double v = 0;
    try {
      v = std::stod(text);
    } catch (const std::exception&) {
      c.expected("/slo/" + key, "a positive number", json(text));
    }
    if (v <= 0) c.expected("/slo/" + key, "a positive number", json(text));
    if (key == "retrieval_gbps") {
      slo.retrieval_gbps = v;
    } else if (key == "batch_p99_ms") {
      slo.batch_p99_ms = v;
    } else if (key == "store_gbps") {
      slo.store_gbps = v;
    } else {
      c.fail("/slo/" + key, "unknown SLO field (expected retrieval_gbps, batch_p99_ms or store_gbps)");
    }
  } else {
    // Commas inside JSON objects, arrays or strings do not separate values.
    std::vector<json> values;
    int depth = 0;
    bool quoted = false;
    std::string current;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      const char ch = i < text.size() ? text[i] : ',';
      if (ch == '"' && (i == 0 || text[i - 1] != '\\')) quoted = !quoted;
      if (!quoted && (ch == '{' || ch == '[')) ++depth;
      if (!quoted && (ch == '}' || ch == ']')) --depth;
      if (ch == ',' && depth == 0 && !quoted) {
        values.push_back(parse_value(current));
        current.clear();
      } else {
        current.push_back(ch);
      }
    }
    auto it = std::find_if(axes.begin(), axes.end(), [&](const Axis& a) { return a.name == field; });
    if (it != axes.end()) {
      it->values = values;
    } else {
      axes.push_back({field, values});
    }
  }
  check(*this, models);
}

std::vector<PointSpec> Scenario::expand(const ModelTable& models) const {
  Checker c{file.string()};
  // Redis settings outermost (each needs its own server), then chunk size
  // (each needs its own dataset), then the rest as written.
  std::vector<const Axis*> order;
  for (const auto& a : axes) if (a.name.rfind("redis.", 0) == 0) order.push_back(&a);
  for (const auto& a : axes) if (a.name == "chunk_size") order.push_back(&a);
  for (const auto& a : axes) if (a.name.rfind("redis.", 0) != 0 && a.name != "chunk_size") order.push_back(&a);

  std::vector<PointSpec> points;
  std::vector<std::size_t> index(order.size(), 0);
  for (;;) {
    PointSpec p = base;
    std::string where;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const json& v = order[k]->values[index[k]];
      apply_field(p, order[k]->name, v, "/axes/" + order[k]->name + "/" + std::to_string(index[k]), c, models);
      where += (where.empty() ? "" : ", ") + order[k]->name + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    // A client's own settings ({"client": "tiled", "threads": 2}) win over
    // plain axes wherever they stand.
    for (std::size_t k = 0; k < order.size(); ++k) {
      const json& v = order[k]->values[index[k]];
      if (order[k]->name == "client" && v.is_object()) {
        apply_field(p, "client", v, "/axes/client/" + std::to_string(index[k]), c, models);
      }
    }
    if (p.request_tokens > 0) {
      if (p.tokens_per_chunk == 0) {
        c.fail("/workload/chunks_per_batch", "request_tokens needs a chunk_size given by a model (with tokens per chunk)");
      }
      // Whole chunks only: the partial last chunk is recomputed, as in the write-up.
      p.chunks_per_batch = static_cast<std::size_t>(p.request_tokens / p.tokens_per_chunk);
      if (p.chunks_per_batch == 0) c.fail("/workload/chunks_per_batch", "request_tokens is smaller than one chunk");
    }
    try {
      p.validate();
    } catch (const std::invalid_argument& e) {
      c.fail("/axes", "the point " + (where.empty() ? std::string("(no axes)") : where) + " is impossible: " + e.what());
    }
    points.push_back(p);
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
