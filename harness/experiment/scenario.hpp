#pragma once
// Scenario files: a workload, an SLO and the axes to sweep, expanded into the
// cartesian product of points. Everything is checked before anything runs;
// an error names the file, the JSON path and what was expected.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/checker.hpp"
#include "experiment/models.hpp"
#include "experiment/point_spec.hpp"
#include "experiment/slo.hpp"

namespace kvslo {

// A combination of a sweep that cannot run, skipped with its reason (nvbench's state.skip).
struct SkippedPoint {
  std::string where;   // "client=redis-py, op=exists"
  std::string reason;  // "client redis-py: has no EXISTS to measure (peers run get and set)"
  nlohmann::json to_json() const;
};

struct Axis {
  std::string name;
  std::vector<nlohmann::json> values;
};

// The wire measured in the same run: iperf3 at the stream counts and chunk
// sizes of the points. Without a target, an embedded iperf3 on loopback when
// Redis is embedded, or the Redis host's port 5201 otherwise.
struct WireConfig {
  std::string target;  // HOST[:PORT]; empty: as above
  double seconds = 3;
  nlohmann::json to_json() const { return {{"target", target.empty() ? nlohmann::json(nullptr) : nlohmann::json(target)}, {"seconds", seconds}}; }
};

struct Scenario {
  std::string name;  // file stem
  std::filesystem::path file;
  std::string description;
  nlohmann::json workload = nlohmann::json::object();  // as written (after --set)
  std::vector<Axis> axes;
  Slo slo;
  PointSpec base;  // the workload applied to defaults
  std::optional<WireConfig> wire;

  // Parses and checks scenario text (comments allowed); `file` names it in
  // errors and gives the scenario its name. Throws ScenarioError.
  static Scenario parse(const std::string& text, const std::filesystem::path& file, const ModelTable& models);
  // Reads a scenario file (at most 1 MiB) and parses it. Throws ScenarioError.
  static Scenario load(const std::filesystem::path& file, const ModelTable& models);
  // "axis=v1,v2" or "workload.field=value" or "slo.field=value"; re-checks.
  // `source` names it in errors (a flag such as "--streams"; default "<file> with --set <field>").
  void override_with(const std::string& assignment, const ModelTable& models, const std::string& source = "");
  // Every point, Redis settings outermost, then chunk size, then the other
  // axes in file order. An impossible combination throws ScenarioError, or,
  // with `skipped` and more than one point planned, is skipped and listed
  // there (it still throws when nothing would remain).
  // One workload value as it is (text that need not be UTF-8, such as a raw
  // key prefix from a flag); re-checks. `source` names it in errors.
  void set_workload(const std::string& key, const nlohmann::json& value, const ModelTable& models, const std::string& source);
  std::vector<PointSpec> expand(const ModelTable& models, std::vector<SkippedPoint>* skipped = nullptr) const;
  nlohmann::json to_json() const;
};

// Where shipped scenarios and models.json live: $KVSLO_SCENARIOS, else the
// source tree's scenarios/, else ./scenarios.
std::filesystem::path scenario_directory();
// A path, or the name of a shipped scenario ("quick").
std::filesystem::path resolve_scenario(const std::string& name_or_path);

}  // namespace kvslo
