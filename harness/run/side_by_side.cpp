#include "run/side_by_side.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include "experiment/client_catalog.hpp"
#include "experiment/units.hpp"
#include "measure/point_comparison.hpp"

namespace kvslo {
namespace {

// Op by name, so that groups print in the order they always have (exists, get, set).
using Group = std::tuple<std::string, std::uint64_t, int, ServerKind>;  // op, chunk size, streams, server

Group group_of(const PointSpec& s) { return {to_string(s.op), s.chunk_size, s.streams, s.server}; }

std::string group_label(const Group& g) {
  const ServerKind server = std::get<3>(g);
  return std::get<0>(g) + " " + format_size(std::get<1>(g)) + " streams=" + std::to_string(std::get<2>(g)) +
         (server == ServerKind::kRedis ? "" : " server=" + to_string(server));
}

bool usable(const PointResult& r) { return r.outcome.may_be_best && r.measurement.median_gbps() > 0; }

bool is_kvslo(const std::string& client) { return client_entry(client).kind == ClientKind::kKvslo; }
bool is_peer(const std::string& client) { return client_entry(client).kind != ClientKind::kKvslo; }

double cpu_per_gb(const PointMeasurement& m) { return std::max(0.0, m.cpu_seconds_per_gb()); }

// The fastest usable point of the group whose client passes `pick`.
const PointMeasurement* best(const std::vector<const PointResult*>& group, bool (*pick)(const PointMeasurement&)) {
  const PointMeasurement* out = nullptr;
  for (const auto* r : group) {
    const PointMeasurement& m = r->measurement;
    if (usable(*r) && pick(m) && (!out || m.median_gbps() > out->median_gbps())) out = &m;
  }
  return out;
}

nlohmann::json table_row(const std::string& group, const PointResult& r, const PointMeasurement* wire) {
  const PointMeasurement& m = r.measurement;
  nlohmann::json row{{"group", group},
                     {"client", m.spec.client},
                     {"peer", is_peer(m.spec.client)},
                     {"label", m.spec.label()},
                     {"variant", m.spec.variant()},
                     {"pipeline_depth", m.spec.pipeline_depth},
                     {"threads", m.spec.threads},
                     {"status", to_string(r.outcome.status)},
                     {"median_gbps", m.median_gbps()},
                     {"cpu_seconds_per_gb", cpu_per_gb(m)}};
  row["server_busy_cores"] = m.server_busy() >= 0 ? nlohmann::json(m.server_busy()) : nlohmann::json(nullptr);
  row["pct_of_iperf3"] = nullptr;
  row["pct_of_iperf3_interval"] = nullptr;
  if (wire && usable(r)) {
    if (const Interval pct = point_ratio(m, *wire, TrialMetric::kThroughput); !pct.empty()) {
      row["pct_of_iperf3"] = pct.estimate * 100;
      row["pct_of_iperf3_interval"] = {pct.low * 100, pct.high * 100};
    }
  }
  const double server_per_gb = m.server_cpu_seconds_per_gb();
  row["server_cpu_seconds_per_gb"] = server_per_gb >= 0 ? nlohmann::json(server_per_gb) : nlohmann::json(nullptr);
  return row;
}

// The bars of one group, ratios of its best points.
void add_bars(const Group& g, const std::vector<const PointResult*>& points, std::vector<BarCheck>& bars) {
  const auto* kvslo_best = best(points, [](const PointMeasurement& m) { return is_kvslo(m.spec.client); });
  const auto* iperf = best(points, [](const PointMeasurement& m) { return m.spec.client == "iperf3"; });
  const auto* hiredis = best(points, [](const PointMeasurement& m) { return m.spec.client == "hiredis"; });
  const auto* zerocopy = best(points, [](const PointMeasurement& m) { return m.spec.client == "zerocopy" && m.spec.fixed_size; });
  const auto* redis_py = best(points, [](const PointMeasurement& m) { return m.spec.client == "redis-py"; });
  const auto* benchmark = best(points, [](const PointMeasurement& m) { return m.spec.client == "redis-benchmark"; });
  const std::string& op_name = std::get<0>(g);
  const Op op = *parse_enum<Op>(op_name);
  const std::string label = group_label(g);
  auto add = [&](std::string name, const PointMeasurement* ours, const PointMeasurement* theirs, double bar,
                 TrialMetric metric = TrialMetric::kThroughput, bool at_most = false) {
    bars.push_back({std::move(name), label, ours->spec.label(), theirs->spec.label(), point_ratio(*ours, *theirs, metric),
                    took_turns(*ours, *theirs), bar, at_most});
  };
  if (kvslo_best && iperf && op != Op::kExists) {
    add("best kvslo " + op_name + " vs iperf3" + (op == Op::kGet ? " -R" : ""), kvslo_best, iperf, op == Op::kGet ? 0.95 : 0.90);
  }
  if (zerocopy && hiredis) {
    add("zerocopy (fixed) vs hiredis, GB/s", zerocopy, hiredis, 1.3);
    if (cpu_per_gb(*hiredis) > 0) add("zerocopy (fixed) vs hiredis, CPU s/GB", zerocopy, hiredis, 0.4, TrialMetric::kCpuPerGb, true);
  }
  // The write-up's redis-py figure is retrieval; redis-py passes a large SET
  // value to the socket without copying it, so its SET is no 3x away.
  if (zerocopy && redis_py && op == Op::kGet) add("zerocopy (fixed) vs best redis-py", zerocopy, redis_py, 3.0);
  if (kvslo_best && benchmark) add("best kvslo vs redis-benchmark", kvslo_best, benchmark, 1.0);
}

}  // namespace

nlohmann::json BarCheck::to_json() const {
  return {{"name", name},
          {"group", group},
          {"ours", ours},
          {"theirs", theirs},
          {"ratio", ratio.estimate},
          {"interval", {ratio.low, ratio.high}},
          {"confidence", ratio.confidence},
          {"rounds", ratio.n},
          {"paired", paired},
          {"bar", bar},
          {"at_most", at_most},
          {"decision", to_string(decision())},
          {"met", met()}};
}

const PointMeasurement* iperf3_reference(const std::vector<PointResult>& points, const PointSpec& spec) {
  for (const auto& r : points) {
    if (r.measurement.spec.client == "iperf3" && usable(r) && group_of(r.measurement.spec) == group_of(spec)) {
      return &r.measurement;
    }
  }
  return nullptr;
}

SideBySide compare_side_by_side(const std::vector<PointResult>& points) {
  SideBySide out;
  bool any_peer = false;
  for (const auto& r : points) any_peer = any_peer || is_peer(r.measurement.spec.client);
  if (!any_peer) return out;

  std::map<Group, std::vector<const PointResult*>> groups;
  for (const auto& r : points) groups[group_of(r.measurement.spec)].push_back(&r);
  for (const auto& [g, group] : groups) {
    const PointMeasurement* wire = iperf3_reference(points, group.front()->measurement.spec);
    for (const auto* r : group) out.table.push_back(table_row(group_label(g), *r, wire));
    add_bars(g, group, out.bars);
  }
  return out;
}

SideBySide compare_side_by_side(const std::vector<PointMeasurement>& measured) {
  std::vector<PointResult> points;
  for (const auto& m : measured) points.push_back({m, judge_point(m, Slo{})});
  return compare_side_by_side(points);
}

namespace {

// "83% [80-85]": the point's share of the wire with its interval.
std::string pct_text(const nlohmann::json& row) {
  if (row["pct_of_iperf3"].is_null()) return "-";
  const auto& in = row["pct_of_iperf3_interval"];
  return format_fixed(row["pct_of_iperf3"].get<double>(), 0) + "% [" + format_fixed(in[0].get<double>(), 0) + "-" +
         format_fixed(in[1].get<double>(), 0) + "]";
}

}  // namespace

void SideBySide::print(std::ostream& out) const {
  if (empty()) return;
  auto settings_of = [](const nlohmann::json& row) {
    // iperf3 and the null client have no pipeline: their depth means nothing.
    if (!client_entry(row["client"].get<std::string>()).moves_redis_data) return std::string("-");
    std::string settings = "depth=" + std::to_string(row["pipeline_depth"].get<int>());
    if (row["threads"].get<int>() > 1) settings += " threads=" + std::to_string(row["threads"].get<int>());
    if (!row["variant"].get<std::string>().empty()) settings += " " + row["variant"].get<std::string>();
    return settings;
  };
  int width = 8;
  for (const auto& row : table) width = std::max(width, static_cast<int>(settings_of(row).size()));
  out << "\nClients and peers side by side (median GB/s of the trials; CPU is each client's own):\n";
  std::string current;
  char line[512];
  for (const auto& row : table) {
    if (row["group"] != current) {
      current = row["group"];
      out << "  " << current << "\n";
      std::snprintf(line, sizeof line, "    %-16s %-*s %8s %9s %15s %11s %9s\n", "client", width, "settings", "GB/s",
                    "CPU s/GB", "% of iperf3", "Redis busy", "srv s/GB");
      out << line;
    }
    const std::string client = row["client"].get<std::string>() + (row["peer"].get<bool>() ? "*" : "");
    const bool ok = row["status"] == "ok";
    std::snprintf(line, sizeof line, "    %-16s %-*s %8s %9s %15s %11s %9s\n", client.c_str(), width, settings_of(row).c_str(),
                  ok ? format_fixed(row["median_gbps"].get<double>(), 2).c_str() : row["status"].get<std::string>().c_str(),
                  ok && row["cpu_seconds_per_gb"].get<double>() > 0 ? format_fixed(row["cpu_seconds_per_gb"].get<double>(), 3).c_str() : "-",
                  pct_text(row).c_str(),
                  row["server_busy_cores"].is_null() ? "-" : (format_fixed(row["server_busy_cores"].get<double>(), 2) + " cores").c_str(),
                  row["server_cpu_seconds_per_gb"].is_null() ? "-" : format_fixed(row["server_cpu_seconds_per_gb"].get<double>(), 3).c_str());
    out << line;
  }
  out << "  * a peer: what it cannot express is listed under \"peer\" in the results\n"
      << "  Redis busy: the server's CPU seconds per second of the trials; near 1 core its one thread was the limit\n"
      << "  srv s/GB: the server's CPU seconds per GB moved (what a byte cost Redis, whatever the GB/s)\n";
  if (bars.empty()) return;
  out << "\nThe bar (ratios within this run, with their 95% intervals):\n";
  bool unpaired = false, short_of_rounds = false;
  for (const auto& b : bars) {
    const std::string mark = b.paired ? "" : "u";
    unpaired = unpaired || !b.paired;
    short_of_rounds = short_of_rounds || !b.ratio.reaches();
    std::snprintf(line, sizeof line, "  %-9s %-40s %-22s %-22s (bar %s %.2fx)%s\n", to_string(b.decision()).c_str(),
                  b.name.c_str(), b.group.c_str(), (format_ratio(b.ratio) + mark).c_str(), b.at_most ? "<=" : ">=", b.bar,
                  b.ratio.reaches() ? "" : ("  " + std::to_string(b.ratio.n) + " rounds reach only " +
                                            format_fixed(b.ratio.confidence * 100, 0) + "%").c_str());
    out << line;
  }
  out << "  MET/MISSED: the whole 95% interval is on one side of the bar; UNDECIDED: it straddles the bar\n"
      << "  (or has too few rounds: 6 or more reach 95%). Ratio: Hodges-Lehmann over trials paired by round\n";
  if (unpaired) out << "  u: unpaired (a point that could not take turns): Mann-Whitney interval of the two points' trials\n";
  if (short_of_rounds) out << "  more rounds: --trials 6 or more, or --precision 5% to add rounds until the medians are that tight\n";
}

nlohmann::json SideBySide::to_json() const {
  nlohmann::json bar_list = nlohmann::json::array();
  for (const auto& b : bars) bar_list.push_back(b.to_json());
  return {{"table", table}, {"bars", bar_list}};
}

}  // namespace kvslo
