#include "gate/gate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>

#include "experiment/fields.hpp"
#include "experiment/json_scan.hpp"
#include "gate/significance.hpp"
#include "measure/intervals.hpp"
#include "measure/stats.hpp"
#include "system/results_file.hpp"

namespace kvslo {
namespace {

using nlohmann::json;

struct Loaded {
  std::string file;
  json doc;
};

Loaded load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path.string() + ": cannot read the results file");
  Loaded l{path.string(), {}};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Scanned without recursion first: a document nested absurdly deep would
  // overflow the stack when its parameters are compared.
  const JsonScan scan = scan_json(text, false, "", 64);
  if (!scan.syntax_error.empty()) throw std::invalid_argument(path.string() + ": not a JSON results file (" + scan.syntax_error + ")");
  if (!scan.problem.empty()) throw std::invalid_argument(path.string() + ": at " + scan.path + ": " + scan.problem);
  try {
    l.doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument(path.string() + ": not a JSON results file (" + e.what() + ")");
  }
  if (!l.doc.is_object() || !l.doc.contains("schema_version")) {
    throw std::invalid_argument(path.string() + ": field schema_version is missing (not a kvslo results file?)");
  }
  if (l.doc["schema_version"] != kResultsSchemaVersion && l.doc["schema_version"] != 1) {
    throw std::invalid_argument(path.string() + ": schema_version is " + l.doc["schema_version"].dump() +
                                "; this gate reads versions 1 to " + std::to_string(kResultsSchemaVersion));
  }
  if (!l.doc.contains("points") || !l.doc["points"].is_array()) {
    throw std::invalid_argument(path.string() + ": field points is missing");
  }
  for (std::size_t i = 0; i < l.doc["points"].size(); ++i) {
    const json& p = l.doc["points"][i];
    for (const char* field : {"parameters", "trials", "status"}) {
      if (!p.contains(field)) {
        throw std::invalid_argument(path.string() + ": field points[" + std::to_string(i) + "]." + field + " is missing");
      }
    }
  }
  return l;
}

// What a point is, from its parameters (the field table says which), so
// that a version-1 baseline matches a current run. A reference client is
// matched without the client's own settings.
std::string identity(const json& params, bool workload_only = false) {
  return point_identity(params, workload_only).dump();
}

// The label kvslo wrote (version 2), or for a version-1 point the label the
// gate built for it then.
std::string label(const json& p) {
  if (p.contains("label") && p["label"].is_string()) return p["label"].get<std::string>();
  const json& q = p["parameters"];
  std::string s = q.value("client", "?") + " " + q.value("op", "?") + " " + q.value("chunk_size", "?") + " x" +
                  std::to_string(q.value("chunks_per_batch", 0)) + " streams=" + std::to_string(q.value("streams", 0));
  if (q.value("threads", 1) > 1) s += " threads=" + std::to_string(q.value("threads", 1));
  if (q.value("layout", std::string("fixed")) != "fixed") s += " " + q.value("layout", std::string());
  if (!q.value("fixed_size", true)) s += " generic";
  return s;
}

std::vector<double> trial_values(const json& point, GateMetric metric) {
  std::vector<double> out;
  if (metric == GateMetric::kBatchP99) {
    for (const auto& v : point.value("batch_latency_samples_ms", json::array())) out.push_back(v.get<double>());
    return out;
  }
  for (const auto& t : point["trials"]) {
    const double bytes = t.value("bytes", 0.0);
    if (bytes <= 0) continue;
    if (metric == GateMetric::kThroughput) out.push_back(t.value("gbps", 0.0));
    if (metric == GateMetric::kCpuPerGb) out.push_back(t.value("cpu_seconds", 0.0) / (bytes / 1e9));
  }
  return out;
}

// The figure a metric compares: median of trials, or the p99 of batches.
double figure(const std::vector<double>& values, GateMetric metric) {
  if (values.empty()) return 0;
  return metric == GateMetric::kBatchP99 ? summarize(values).p99 : spread(values).median;
}

bool higher_is_better(GateMetric m) { return m == GateMetric::kThroughput; }

long long count_of(const json& v) { return v.is_number_integer() ? v.get<long long>() : 0; }

std::string counted(long long n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Why a point's figures cannot be trusted, or empty when its status is ok.
// Failed keys or wrong contents make even normal-looking trials meaningless.
std::string point_failure(const json& p) {
  const std::string status = p.value("status", "");
  if (status == "ok") return "";
  std::vector<std::string> parts;
  if (p.value("failure", json()).is_string()) parts.push_back(p["failure"].get<std::string>());
  long long failed_keys = 0;  // keys that ran and did not come back ok
  const json counts = p.value("key_status_counts", json::object());
  for (const auto& [k, v] : counts.items()) {
    if (k != "ok" && k != "not_run") failed_keys += count_of(v);
  }
  if (failed_keys > 0) parts.push_back(counted(failed_keys, "key failed", "keys failed"));
  const long long verify = count_of(p.value("verify_failures", json()));
  if (verify > 0) parts.push_back(counted(verify, "verify failure", "verify failures"));
  std::string note = "status " + status;
  for (std::size_t i = 0; i < parts.size(); ++i) note += (i == 0 ? ": " : ", ") + parts[i];
  return note;
}

// Why a point cannot normalise others on `metric`, or empty when it can.
std::string reference_failure(const json& p, GateMetric metric) {
  std::string why = point_failure(p);
  if (why.empty() && figure(trial_values(p, metric), metric) <= 0) why = "it measured nothing";
  return why;
}

// The metric of each trial by its round, for points that took turns.
std::map<int, double> round_values(const json& point, GateMetric metric) {
  std::map<int, double> out;
  for (const auto& t : point["trials"]) {
    const double bytes = t.value("bytes", 0.0);
    if (bytes <= 0 || !t.contains("round") || !t["round"].is_number_integer()) continue;
    const double v = metric == GateMetric::kThroughput ? t.value("gbps", 0.0) : t.value("cpu_seconds", 0.0) / (bytes / 1e9);
    if (v > 0) out[t["round"].get<int>()] = v;
  }
  return out;
}

bool took_turns(const json& a, const json& b) {
  const json ga = a.value("turn_group", json()), gb = b.value("turn_group", json());
  return ga.is_number_integer() && ga == gb;
}

// Same-run normalisation: divide by the reference measured alongside, so a
// slower runner is not a regression. When the point took turns with its
// reference, each trial is divided by the reference's trial of the same
// round, so drift within the run cancels too; otherwise by the reference's median.
struct Normalizer {
  std::string mode;       // none | client
  std::string reference;  // client name
  struct Reference {
    const json* point = nullptr;
    double figure = 0;
    std::string failure;  // why it cannot normalise; empty when it can
  };
  std::map<std::string, Reference> references;  // identity without client -> reference, for one metric
  GateMetric metric = GateMetric::kThroughput;

  void index(const json& doc, GateMetric m) {
    metric = m;
    references.clear();
    if (mode != "client") return;
    for (const auto& p : doc["points"]) {
      if (!is_reference(p)) continue;
      references[identity(p["parameters"], true)] = {&p, figure(trial_values(p, metric), metric), reference_failure(p, metric)};
    }
  }
  bool is_reference(const json& point) const {
    return mode == "client" && point["parameters"].value("client", "") == reference;
  }
  // Why the point's reference cannot normalise it; empty when it can or there is none.
  std::string failure(const json& point) const {
    if (mode != "client") return "";
    auto it = references.find(identity(point["parameters"], true));
    return it == references.end() ? "" : it->second.failure;
  }
  // The point's values normalised, and whether by rounds; nullopt without a usable reference.
  std::optional<std::pair<std::vector<double>, bool>> normalised(const json& point) const {
    std::vector<double> values = trial_values(point, metric);
    if (mode == "none") return std::make_pair(values, false);
    auto it = references.find(identity(point["parameters"], true));
    if (it == references.end() || it->second.figure <= 0) return std::nullopt;
    const json& ref = *it->second.point;
    if (metric != GateMetric::kBatchP99 && took_turns(point, ref)) {
      const auto mine = round_values(point, metric), theirs = round_values(ref, metric);
      std::vector<double> paired;
      for (const auto& [round, v] : mine) {
        if (auto r = theirs.find(round); r != theirs.end()) paired.push_back(v / r->second);
      }
      if (!paired.empty()) return std::make_pair(paired, true);
    }
    for (double& v : values) v /= it->second.figure;
    return std::make_pair(values, false);
  }
};

// Below this many batches the nearest-rank p99 is the maximum: one slow
// batch, not a tail, so no test of the tail can be made.
constexpr std::size_t kMinTailBatches = 100;

std::string too_few_batches(std::size_t baseline_batches, std::size_t current_batches) {
  const std::size_t n = std::min(baseline_batches, current_batches);
  if (n >= kMinTailBatches) return "";
  return "p99 of " + std::to_string(n) + " batches is the maximum, not a tail; need >= " +
         std::to_string(kMinTailBatches) + " batches (raise batches_per_trial or trials)";
}

GateRow with_status(GateRow row, GateStatus status, std::string note) {
  row.status = status;
  row.note = std::move(note);
  return row;
}

// The reference's own row: compared with nothing, but a reference that
// failed or measured nothing fails the gate rather than making every point
// it normalises look "missing".
GateRow reference_row(GateRow row, const json& b, const json& c, GateMetric metric, bool has_figures) {
  // With no figures on either side (EXISTS moves no payload), only a status can disqualify it.
  auto why = [&](const json& p) { return has_figures ? reference_failure(p, metric) : point_failure(p); };
  if (auto f = why(c); !f.empty()) return with_status(row, GateStatus::kFailed, "normalisation reference: " + f);
  if (auto f = why(b); !f.empty()) {
    return with_status(row, GateStatus::kFailed, "normalisation reference, in the baseline: " + f);
  }
  return with_status(row, GateStatus::kReference, "normalisation reference");
}

// One-sided evidence that the current run is worse, or better, than the baseline.
struct Evidence {
  double p_worse = 1, p_better = 1;
  bool separated_worse = false, separated_better = false;
};

Evidence evidence(const std::vector<double>& bv, const std::vector<double>& cv, GateMetric metric, const GateRow& row) {
  if (metric == GateMetric::kBatchP99) {
    // A slow tail leaves the bulk of the batches where it was, and a rank
    // test of the whole distribution sees the bulk. Test the tail itself: a
    // larger share of batches above the other side's p99.
    return {exceedance_p_greater(cv, bv, row.baseline), exceedance_p_greater(bv, cv, row.current), false, false};
  }
  const bool better_up = higher_is_better(metric);
  // "worse" means smaller for throughput, larger for CPU.
  const auto [bmin, bmax] = std::minmax_element(bv.begin(), bv.end());
  const auto [cmin, cmax] = std::minmax_element(cv.begin(), cv.end());
  return {better_up ? mann_whitney_p_less(cv, bv) : mann_whitney_p_less(bv, cv),
          better_up ? mann_whitney_p_less(bv, cv) : mann_whitney_p_less(cv, bv),
          better_up ? *cmax < *bmin : *cmin > *bmax, better_up ? *cmin > *bmax : *cmax < *bmin};
}

// Regressed or improved only when the figure moved by more than the threshold
// AND the samples say it is no accident: for throughput and CPU per GB, the
// interval of current / baseline (Hodges-Lehmann, Mann-Whitney, at 1 - 2
// alpha: a one-sided test at alpha each way) lies wholly on one side of 1,
// or the two runs' ranges do not overlap (a handful of trials whose
// interval cannot reach that level); for batch_p99, the exceedance test.
GateRow decide(GateRow row, const std::vector<double>& bv, const std::vector<double>& cv, GateMetric metric,
               const GateOptions& options) {
  row.baseline = figure(bv, metric);
  row.current = figure(cv, metric);
  row.change = row.baseline > 0 ? (row.current - row.baseline) / row.baseline : 0;
  if (metric == GateMetric::kBatchP99) {
    if (auto few = too_few_batches(bv.size(), cv.size()); !few.empty()) return with_status(row, GateStatus::kUntested, few);
  }
  Evidence e = evidence(bv, cv, metric, row);
  bool worse = e.p_worse <= options.alpha, better = e.p_better <= options.alpha;
  if (metric != GateMetric::kBatchP99) {
    const double level = 1 - 2 * options.alpha;
    const Interval ratio = unpaired_ratio(cv, bv, level);
    if (!ratio.empty()) {
      row.change_low = ratio.low - 1;
      row.change_high = ratio.high - 1;
      row.change_confidence = ratio.confidence;
    }
    const bool decided = !ratio.empty() && ratio.reaches(level);
    const bool up = decided && ratio.low > 1, down = decided && ratio.high < 1;
    worse = higher_is_better(metric) ? down : up;
    better = higher_is_better(metric) ? up : down;
  }
  const double worse_change = higher_is_better(metric) ? -row.change : row.change;
  if (worse_change > options.threshold && (worse || e.separated_worse)) {
    row.status = GateStatus::kRegressed;
    row.p_value = e.p_worse;
  } else if (-worse_change > options.threshold && (better || e.separated_better)) {
    row.status = GateStatus::kImproved;
    row.p_value = e.p_better;
  } else {
    row.status = GateStatus::kSame;
    row.p_value = std::min(e.p_worse, e.p_better);
    if (std::abs(row.change) > options.threshold) row.note = "change within the noise of the trials";
  }
  return row;
}

// One point of both runs on one metric.
GateRow compare_point(const json& b, const json& c, GateMetric metric, const Normalizer& base_norm,
                      const Normalizer& cur_norm, const GateOptions& options) {
  GateRow row;
  row.metric = to_string(metric);
  row.point = label(c);
  std::vector<double> bv = trial_values(b, metric), cv = trial_values(c, metric);
  const bool has_figures = !bv.empty() || !cv.empty();
  if (cur_norm.is_reference(c)) return reference_row(row, b, c, metric, has_figures);
  if (auto f = point_failure(c); !f.empty()) return with_status(row, GateStatus::kFailed, f);
  if (auto f = point_failure(b); !f.empty()) {
    return with_status(row, GateStatus::kFailed, "the baseline point failed (" + f + "): not usable as a baseline");
  }
  if (!has_figures) {
    return with_status(row, GateStatus::kSame, "no " + row.metric + " figures for this point (e.g. EXISTS moves no payload)");
  }
  if (cv.empty()) return with_status(row, GateStatus::kFailed, "the current run measured nothing here");
  if (bv.empty()) return with_status(row, GateStatus::kNew, "the baseline measured nothing here");
  if (auto f = cur_norm.failure(c); !f.empty()) {
    return with_status(row, GateStatus::kFailed, "the normalisation reference failed (" + f + ")");
  }
  if (auto f = base_norm.failure(b); !f.empty()) {
    return with_status(row, GateStatus::kFailed, "the baseline's normalisation reference failed (" + f + ")");
  }
  auto bn = base_norm.normalised(b), cn = cur_norm.normalised(c);
  if (!bn || !cn) {
    return with_status(row, GateStatus::kMissing, "no reference point (" + cur_norm.reference + ") with the same parameters");
  }
  row.paired = bn->second && cn->second;
  return decide(row, bn->first, cn->first, metric, options);
}

// A point one run has and the other has not.
GateRow listed_only(GateStatus status, std::string point, std::string note) {
  GateRow row;
  row.status = status;
  row.point = std::move(point);
  row.note = std::move(note);
  return row;
}

std::string percent(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", v * 100);
  return b;
}

// "[-12.0%, +3.1%]", marked "~" when it covers less than asked, or "" when none was computed.
std::string change_interval(const GateRow& r, const GateOptions& options) {
  if (r.metric.empty() || r.change_confidence <= 0) return "";
  const bool short_of_level = r.change_confidence < 1 - 2 * options.alpha - 1e-12;
  return "[" + percent(r.change_low) + ", " + percent(r.change_high) + "]" + (short_of_level ? "~" : "");
}

// "90% interval" for alpha 0.05: the level of the intervals the gate decides with.
std::string interval_heading(const GateOptions& options) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f%% interval", (1 - 2 * options.alpha) * 100);
  return b;
}

std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string to_string(GateMetric m) {
  switch (m) {
    case GateMetric::kThroughput: return "throughput";
    case GateMetric::kBatchP99: return "batch_p99";
    case GateMetric::kCpuPerGb: return "cpu_per_gb";
  }
  return "?";
}

GateMetric parse_gate_metric(const std::string& name) {
  if (name == "throughput") return GateMetric::kThroughput;
  if (name == "batch_p99") return GateMetric::kBatchP99;
  if (name == "cpu_per_gb") return GateMetric::kCpuPerGb;
  throw std::invalid_argument("unknown metric '" + name + "' (expected throughput, batch_p99 or cpu_per_gb)");
}

std::string to_string(GateStatus s) {
  switch (s) {
    case GateStatus::kRegressed: return "REGRESSED";
    case GateStatus::kImproved: return "improved";
    case GateStatus::kSame: return "same";
    case GateStatus::kMissing: return "missing";
    case GateStatus::kNew: return "new";
    case GateStatus::kUntested: return "untested";
    case GateStatus::kFailed: return "FAILED";
    case GateStatus::kReference: return "reference";
  }
  return "?";
}

int GateReport::exit_code() const {
  for (const auto& r : rows) {
    if (r.status == GateStatus::kRegressed || r.status == GateStatus::kFailed) return 1;
    if (r.status == GateStatus::kMissing && fail_on_missing) return 1;
  }
  return slo_failed ? 1 : 0;
}

GateReport run_gate(const GateOptions& options) {
  const Loaded base = load(options.baseline);
  const Loaded cur = load(options.current);
  Normalizer norm;
  if (options.normalize == "none") {
    norm.mode = "none";
  } else if (options.normalize.rfind("client:", 0) == 0 && options.normalize.size() > 7) {
    norm.mode = "client";
    norm.reference = options.normalize.substr(7);
  } else {
    throw std::invalid_argument("--normalize '" + options.normalize + "': expected none or client:NAME");
  }

  std::map<std::string, const json*> base_points, cur_points;
  for (const auto& p : base.doc["points"]) base_points[identity(p["parameters"])] = &p;
  for (const auto& p : cur.doc["points"]) cur_points[identity(p["parameters"])] = &p;
  std::size_t common = 0;
  for (const auto& [id, p] : cur_points) common += base_points.count(id);
  if (common == 0) {
    throw std::invalid_argument("nothing in common: no point of " + cur.file + " matches a point of " + base.file);
  }
  if (norm.mode == "client") {
    bool found = false;
    for (const auto& [id, p] : cur_points) found = found || (*p)["parameters"].value("client", "") == norm.reference;
    if (!found) throw std::invalid_argument(cur.file + ": --normalize " + options.normalize + ": no point of client '" + norm.reference + "'");
  }

  GateReport report;
  report.fail_on_missing = options.fail_on_missing;
  for (const auto& [id, b] : base_points) {
    if (!cur_points.count(id)) report.rows.push_back(listed_only(GateStatus::kMissing, label(*b), "in the baseline only"));
  }
  for (const auto& [id, c] : cur_points) {
    if (!base_points.count(id)) report.rows.push_back(listed_only(GateStatus::kNew, label(*c), "in the current run only"));
  }
  for (GateMetric metric : options.metrics) {
    Normalizer base_norm = norm, cur_norm = norm;
    base_norm.index(base.doc, metric);
    cur_norm.index(cur.doc, metric);
    for (const auto& [id, c] : cur_points) {
      auto it = base_points.find(id);
      if (it != base_points.end()) report.rows.push_back(compare_point(*it->second, *c, metric, base_norm, cur_norm, options));
    }
  }
  if (options.require_slo) {
    const json& s = cur.doc.value("summary", json::object());
    if (!s.value("slo_met", false)) {
      report.slo_failed = true;
      report.slo_note = "--require-slo: the current run does not meet its SLO (" +
                        std::to_string(s.value("points_meeting_slo", 0)) + " points meet it)";
    }
  }
  std::stable_sort(report.rows.begin(), report.rows.end(), [](const GateRow& a, const GateRow& b) {
    return static_cast<int>(a.status) < static_cast<int>(b.status);
  });
  return report;
}

nlohmann::json merge_results(const std::vector<std::filesystem::path>& files) {
  if (files.size() < 2) throw std::invalid_argument("merge needs two or more results files");
  json merged = load(files[0]).doc;
  std::map<std::string, json*> by_identity;
  for (auto& p : merged["points"]) by_identity[identity(p["parameters"])] = &p;
  // Rounds of different runs are different rounds: each run's are numbered after the last one's.
  auto last_round = [&merged] {
    int last = -1;
    for (const auto& p : merged["points"]) {
      for (const auto& t : p["trials"]) last = std::max(last, t.value("round", -1));
    }
    return last;
  };
  for (std::size_t f = 1; f < files.size(); ++f) {
    const Loaded other = load(files[f]);
    const int round_offset = last_round() + 1;
    for (const auto& p : other.doc["points"]) {
      auto it = by_identity.find(identity(p["parameters"]));
      if (it == by_identity.end()) {
        throw std::invalid_argument(other.file + ": point " + label(p) + " is not in " + files[0].string() +
                                    " (merge runs of one scenario)");
      }
      json& target = *it->second;
      for (json t : p["trials"]) {
        if (t.contains("round") && t["round"].is_number_integer()) t["round"] = t["round"].get<int>() + round_offset;
        target["trials"].push_back(t);
      }
      // Points that took turns in one run and not in another pair by round in neither.
      if (target.value("turn_group", json()) != p.value("turn_group", json())) target["turn_group"] = nullptr;
      for (const auto& v : p.value("batch_latency_samples_ms", json::array())) target["batch_latency_samples_ms"].push_back(v);
      if (p.value("status", "") != "ok") {
        // A point that failed in any run failed in the pool: its outcome says so too.
        target["status"] = p["status"];
        if (target.contains("outcome")) {
          const bool error = p.contains("failure") && p["failure"].is_string();
          target["outcome"] = {{"status", p["status"]}, {"verdict", error ? "ERROR" : "FAILED"}, {"may_be_best", false}};
        }
      }
    }
  }
  for (auto& p : merged["points"]) {
    std::vector<double> gbps;
    for (const auto& t : p["trials"]) gbps.push_back(t.value("gbps", 0.0));
    p["throughput_gbps"] = to_json(spread(gbps));
    std::vector<double> samples;
    for (const auto& v : p.value("batch_latency_samples_ms", json::array())) samples.push_back(v.get<double>() * 1e6);
    p["batch_latency"] = to_json(summarize(samples), 1e-6, "ms");
  }
  json sources = json::array();
  for (const auto& f : files) sources.push_back(f.filename().string());
  merged["merged_from"] = sources;
  // Each run took turns in its own shuffled order: the first run's seed speaks for none of the others.
  if (merged.contains("interleave")) merged["interleave"]["seed"] = nullptr;
  return merged;
}

std::string gate_table(const GateReport& report, const GateOptions& options) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-10s %-11s %10s %10s %8s %-18s %7s  %s\n", "status", "metric", "baseline", "current",
                "change", interval_heading(options).c_str(), "p", "point");
  out << line;
  bool any_paired = false;
  for (const auto& r : report.rows) {
    any_paired = any_paired || r.paired;
    std::snprintf(line, sizeof line, "%-10s %-11s %10s %10s %8s %-18s %7s  %s%s%s\n", to_string(r.status).c_str(),
                  r.metric.c_str(), r.metric.empty() ? "" : number(r.baseline).c_str(),
                  r.metric.empty() ? "" : number(r.current).c_str(), r.metric.empty() ? "" : percent(r.change).c_str(),
                  change_interval(r, options).c_str(), r.metric.empty() ? "" : number(r.p_value).c_str(), r.point.c_str(),
                  r.paired ? " [paired]" : "", r.note.empty() ? "" : ("  (" + r.note + ")").c_str());
    out << line;
  }
  out << "change: of the medians; interval: of current / baseline, the Hodges-Lehmann ratio of the trials with its\n"
         "Mann-Whitney interval (~: fewer trials than reach that level); a regression needs both beyond the threshold's side\n";
  if (any_paired) {
    out << "[paired]: each trial normalised by the reference's trial of the same round (the points took turns)\n";
  }
  std::map<GateStatus, int> counts;
  for (const auto& r : report.rows) ++counts[r.status];
  out << "\n" << counts[GateStatus::kRegressed] << " regressed, " << counts[GateStatus::kFailed] << " failed, "
      << counts[GateStatus::kImproved] << " improved, " << counts[GateStatus::kSame] << " same, "
      << counts[GateStatus::kMissing] << " missing, " << counts[GateStatus::kNew] << " new, "
      << counts[GateStatus::kUntested] << " untested"
      << " (threshold " << percent(options.threshold).substr(1) << ", alpha " << options.alpha << ", normalize "
      << options.normalize << ")\n";
  if (report.slo_failed) out << report.slo_note << "\n";
  out << (report.exit_code() == 0 ? "gate: PASS" : "gate: FAIL") << "\n";
  return out.str();
}

std::string gate_markdown(const GateReport& report, const GateOptions& options) {
  std::ostringstream out;
  out << "## kvslo gate: " << (report.exit_code() == 0 ? "PASS" : "FAIL") << "\n\n"
      << "Baseline `" << options.baseline.string() << "`, current `" << options.current.string() << "`; threshold "
      << percent(options.threshold).substr(1) << ", alpha " << options.alpha << ", normalize `" << options.normalize
      << "`.\n\n| status | metric | baseline | current | change | " << interval_heading(options)
      << " | p | point |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : report.rows) {
    out << "| " << to_string(r.status) << " | " << r.metric << " | " << (r.metric.empty() ? "" : number(r.baseline))
        << " | " << (r.metric.empty() ? "" : number(r.current)) << " | " << (r.metric.empty() ? "" : percent(r.change))
        << " | " << change_interval(r, options) << " | " << (r.metric.empty() ? "" : number(r.p_value)) << " | " << r.point << (r.note.empty() ? "" : " (" + r.note + ")")
        << " |\n";
  }
  if (report.slo_failed) out << "\n" << report.slo_note << "\n";
  return out.str();
}

std::string gate_junit(const GateReport& report) {
  std::ostringstream cases;
  int failures = 0, skipped = 0, tests = 0;
  for (const auto& r : report.rows) {
    ++tests;
    const std::string name = r.point + (r.metric.empty() ? "" : " [" + r.metric + "]");
    cases << "    <testcase classname=\"kvslo.gate\" name=\"" << xml_escape(name) << "\">";
    if (r.status == GateStatus::kRegressed || r.status == GateStatus::kFailed) {
      ++failures;
      cases << "<failure message=\"" << xml_escape(to_string(r.status) + " " + percent(r.change)) << "\">"
            << xml_escape("baseline " + number(r.baseline) + ", current " + number(r.current) + ", p " + number(r.p_value) +
                          (r.note.empty() ? "" : ", " + r.note))
            << "</failure>";
    } else if (r.status == GateStatus::kMissing || r.status == GateStatus::kNew || r.status == GateStatus::kUntested ||
               r.status == GateStatus::kReference) {
      ++skipped;
      cases << "<skipped message=\"" << xml_escape(to_string(r.status) + (r.note.empty() ? "" : ": " + r.note)) << "\"/>";
    }
    cases << "</testcase>\n";
  }
  if (report.slo_failed) {
    ++tests;
    ++failures;
    cases << "    <testcase classname=\"kvslo.gate\" name=\"SLO\"><failure message=\"" << xml_escape(report.slo_note)
          << "\"/></testcase>\n";
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"kvslo gate\" tests=\"" << tests
      << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\">\n"
      << cases.str() << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace kvslo
