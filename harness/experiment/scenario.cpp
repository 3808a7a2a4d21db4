#include "experiment/scenario.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "experiment/fields.hpp"
#include "experiment/json_scan.hpp"
#include "experiment/slo_derivation.hpp"
#include "experiment/units.hpp"
#include "experiment/wire_target.hpp"

#ifndef KVSLO_SOURCE_SCENARIOS
#define KVSLO_SOURCE_SCENARIOS "scenarios"
#endif

namespace kvslo {
namespace {

using nlohmann::json;

// A scenario is a page of JSON; a file far larger is a mistake (or /dev/zero).
constexpr std::size_t kMaxScenarioBytes = 1 << 20;
constexpr double kMaxSloGbps = 10'000;   // 80 Tbit/s
constexpr double kMaxSloMs = 3'600'000;  // an hour per batch

std::vector<std::string> workload_keys() {
  std::vector<std::string> keys;
  for (const auto& f : fields()) {
    if (!f.family()) keys.push_back(f.name);
  }
  return keys;
}

bool is_axis_name(const std::string& name) {
  const Field* f = find_field(name);
  return f && f->axis;
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
      c.fail("/axes/" + axis.name, "unknown axis '" + axis.name + "' (expected one of " + field_list(true) + ")");
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
// retrieval_gbps is a number, or an object deriving it from a model and a prefill rate.
void apply_slo(Slo& slo, const std::string& key, const json& value, const Checker& c, const ModelTable& models) {
  if (key != "retrieval_gbps" && key != "batch_p99_ms" && key != "store_gbps") {
    c.fail("/slo/" + key, "unknown SLO field (expected retrieval_gbps, batch_p99_ms or store_gbps)");
  }
  if (key == "batch_p99_ms") {
    slo.batch_p99_ms.reset();
    if (!value.is_null()) slo.batch_p99_ms = c.positive("/slo/" + key, value, kMaxSloMs, "a positive number of milliseconds");
    return;
  }
  if (key == "retrieval_gbps" && value.is_object()) {
    const SloDerivation derived = derive_retrieval_slo(value, "/slo/" + key, kMaxSloGbps, c, models);
    slo.retrieval_gbps = derived.gbps();
    slo.retrieval_derived_from = derived;
    return;
  }
  if (key == "retrieval_gbps" && !value.is_number()) {
    c.expected("/slo/" + key,
               "a positive number of GB/s, or {\"model\": ..., \"dtype\": ..., \"prefill_tokens_per_s\": ...} to derive it", value);
  }
  const double gbps = value.is_null() && key == "store_gbps" ? 0 : c.positive("/slo/" + key, value, kMaxSloGbps, "a positive number of GB/s");
  if (key == "retrieval_gbps") {
    slo.retrieval_gbps = gbps;
    slo.retrieval_derived_from.reset();  // a number given later replaces a derivation
  }
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

// A combination that cannot run, with the reason alone (for a skipped point)
// beside the full message.
struct ImpossiblePoint : ScenarioError {
  ImpossiblePoint(const std::string& message, std::string why) : ScenarioError(message), reason(std::move(why)) {}
  std::string reason;
};

// "client=tiled, streams=2": the values of one point on the axes that vary
// (every axis when none does), for messages.
std::string describe_point(const std::vector<const Axis*>& order, const std::vector<std::size_t>& index) {
  const bool any_varies = std::any_of(order.begin(), order.end(), [](const Axis* a) { return a->values.size() > 1; });
  std::string where;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (any_varies && order[k]->values.size() == 1) continue;
    const json& v = order[k]->values[index[k]];
    where += (where.empty() ? "" : ", ") + order[k]->name + "=" +
             (v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return where.empty() ? std::string("(no axes)") : where;
}

// The point at one index into each axis (in expansion order). Every value
// was checked on its own; a combination that cannot run throws ScenarioError.
PointSpec point_at(const PointSpec& base, const std::vector<const Axis*>& order, const std::vector<std::size_t>& index,
                   const Checker& c, const ModelTable& models) {
  PointSpec p = base;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const json& v = order[k]->values[index[k]];
    apply_field(p, order[k]->name, v, "/axes/" + order[k]->name + "/" + std::to_string(index[k]), c, models);
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
    throw ImpossiblePoint(c.file + ": at /axes: the point " + describe_point(order, index) + " is impossible: " + e.what(), e.what());
  }
  return p;
}

}  // namespace

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
    for (const auto& [key, value] : j["slo"].items()) apply_slo(s.slo, key, value, c, models);
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

// Applied to a copy, so that a refused value leaves the scenario as it was.
void Scenario::set_workload(const std::string& key, const nlohmann::json& value, const ModelTable& models,
                            const std::string& source) {
  Scenario next = *this;
  next.workload[key] = value;
  check(next, models, Checker{source});
  *this = std::move(next);
}

// Applied to a copy, so that a refused assignment leaves the scenario as it was.
void Scenario::override_with(const std::string& assignment, const ModelTable& models, const std::string& source) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ScenarioError("--set '" + assignment + "': expected axis=v1,v2 or workload.field=value or slo.field=value");
  }
  const std::string field = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  const Checker c{source.empty() ? file.string() + " with --set " + field : source};
  // Not UTF-8: nlohmann's dump() would throw when the scenario is recorded.
  if (!is_utf8(assignment)) throw ScenarioError(c.file + ": not UTF-8 text");
  Scenario next = *this;
  if (field.rfind("workload.", 0) == 0) {
    const std::string key = field.substr(9);
    next.workload[key] = parse_value(text, "/workload/" + key, c);
  } else if (field.rfind("slo.", 0) == 0) {
    const std::string key = field.substr(4);
    apply_slo(next.slo, key, parse_value(text, "/slo/" + key, c), c, models);
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

std::vector<PointSpec> Scenario::expand(const ModelTable& models, std::vector<SkippedPoint>* skipped) const {
  const Checker c{file.string()};
  const std::size_t planned = check_point_count(axes, c);
  std::vector<PointSpec> points;
  points.reserve(planned);
  // Redis settings outermost (each needs its own server), then chunk size
  // (each needs its own dataset), then the rest as written.
  std::vector<const Axis*> order;
  for (const auto& a : axes) if (a.name.rfind("redis.", 0) == 0) order.push_back(&a);
  for (const auto& a : axes) if (a.name == "chunk_size") order.push_back(&a);
  for (const auto& a : axes) if (a.name.rfind("redis.", 0) != 0 && a.name != "chunk_size") order.push_back(&a);

  // A sweep may hold combinations that cannot run (redis-py has no EXISTS):
  // those are skipped with their reason, as long as something remains.
  const bool may_skip = skipped != nullptr && planned > 1;
  std::optional<ScenarioError> first_impossible;
  std::vector<std::size_t> index(order.size(), 0);
  for (std::size_t n = 0; n < planned; ++n) {
    try {
      points.push_back(point_at(base, order, index, c, models));
    } catch (const ScenarioError& e) {
      if (!may_skip) throw;
      if (!first_impossible) first_impossible = e;
      const auto* impossible = dynamic_cast<const ImpossiblePoint*>(&e);
      skipped->push_back({describe_point(order, index), impossible ? impossible->reason : e.what()});
    }
    for (std::size_t k = order.size(); k-- > 0;) {
      if (++index[k] < order[k]->values.size()) break;
      index[k] = 0;
    }
  }
  if (points.empty() && first_impossible) throw *first_impossible;
  return points;
}

nlohmann::json SkippedPoint::to_json() const { return {{"point", where}, {"reason", reason}}; }

json Scenario::to_json() const {
  json axes_json = json::object();
  for (const auto& a : axes) axes_json[a.name] = a.values;
  return {{"name", name}, {"file", file.string()}, {"description", description},
          {"workload", workload}, {"axes", axes_json}, {"slo", slo.to_json()},
          {"wire", wire ? wire->to_json() : nlohmann::json(nullptr)}};
}

}  // namespace kvslo
