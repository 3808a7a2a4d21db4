// `kvslo run`: a scenario (file or shipped name), or the points given by
// flags. Flags are sugar for --set on the default scenario: each field's
// flag comes from the field table, so a flag run and a scenario run are
// read, checked and expanded by the same code.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "experiment/client_catalog.hpp"
#include "experiment/fields.hpp"
#include "experiment/models.hpp"
#include "experiment/scenario.hpp"
#include "fleet/fleet_follow.hpp"
#include "fleet/fleet_plan.hpp"
#include "fleet/mpi_link.hpp"
#include "net/endpoint.hpp"
#include "run/report_command.hpp"
#include "run/run_command.hpp"
#include "signals.hpp"

namespace kvslo::cli {
namespace {

// The points of a run without a scenario: every client of kvslo's ladder's
// first two rungs, the rest of PointSpec's defaults.
constexpr const char* kDefaultScenario = R"({"axes": {"client": ["hiredis", "zerocopy"]}})";

struct RunOptions {
  std::string scenario;
  std::vector<std::string> assignments;
  std::map<std::string, std::vector<std::string>> field_values;  // by field name, as the flags gave them
  std::map<std::string, bool> field_switches;
  std::string redis_url, out, wire_target;
  bool wire = false, report = false;
  std::string tls_ca, tls_cert, tls_key, tls_server_name;
  bool tls_insecure = false;
  std::optional<double> slo_gbps, slo_p99, slo_store;
  RunRequest request;
};

// The command line as recorded in results: a password in --redis is masked.
std::string redacted_command_line(const std::vector<std::string>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    const bool value_of_redis = i > 0 && args[i - 1] == "--redis";
    const bool inline_redis = arg.rfind("--redis=", 0) == 0;
    if (value_of_redis || inline_redis) {
      std::string url = inline_redis ? arg.substr(8) : arg;
      try {
        url = net::Endpoint::parse(url).display();
      } catch (const std::exception&) {
        url = "(unparsable endpoint)";
      }
      arg = inline_redis ? "--redis=" + url : url;
    }
    out += (i ? " " : "") + arg;
  }
  return out;
}

void add_field_flags(CLI::App& run, RunOptions& o) {
  for (const Field& f : fields()) {
    switch (f.flag_form) {
      case FlagForm::kNone: break;
      case FlagForm::kList:
      case FlagForm::kTextList:
        run.add_option(f.flag, o.field_values[f.name], f.help + " (comma-separated)")->delimiter(',');
        break;
      case FlagForm::kValue:
      case FlagForm::kText: run.add_option(f.flag, o.field_values[f.name], f.help)->expected(1); break;
      case FlagForm::kSetsFalse: run.add_flag(f.flag, o.field_switches[f.name], f.help); break;
    }
  }
}

std::string join(const std::vector<std::string>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ",") + v;
  return s;
}

// Each flag given, as the --set it stands for, applied to the default scenario.
Scenario scenario_from_flags(const CLI::App& run, const RunOptions& o, const ModelTable& models) {
  Scenario s = Scenario::parse(kDefaultScenario, "flags", models);
  for (const Field& f : fields()) {
    if (f.flag_form == FlagForm::kNone || run.count(f.flag) == 0) continue;
    if (f.flag_form == FlagForm::kSetsFalse) {
      s.override_with("workload." + f.name + "=false", models, f.flag);
      continue;
    }
    const auto& values = o.field_values.at(f.name);
    if (f.flag_form == FlagForm::kList) {
      s.override_with(f.name + "=" + join(values), models, f.flag);
    } else if (f.flag_form == FlagForm::kTextList) {
      std::vector<std::string> quoted;
      for (const auto& v : values) quoted.push_back(nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      s.override_with(f.name + "=" + join(quoted), models, f.flag);
    } else if (f.flag_form == FlagForm::kText) {
      s.set_workload(f.name, values.back(), models, f.flag);  // as typed, even bytes that are not UTF-8
    } else {
      s.override_with("workload." + f.name + "=" + values.back(), models, f.flag);
    }
  }
  return s;
}

// With --redis the URL says what the wire is. rediss:// is TLS: points left
// at tls off run over it as tls on (a run that sweeps tls itself keeps its
// off points out); redis:// is plain: a point that asks for TLS cannot run.
// What cannot run is skipped with why, as a sweep's impossible points are.
void follow_the_url_wire(RunOptions& o) {
  if (o.redis_url.empty()) return;
  auto& points = o.request.points;
  const bool over_tls = o.redis_url.starts_with("rediss://");
  const bool swept = std::any_of(points.begin(), points.end(), [](const PointSpec& p) { return p.tls != TlsMode::kOff; });
  std::vector<PointSpec> kept;
  std::string first_refusal;
  for (PointSpec p : points) {
    std::string refusal;
    if (!client_entry(p.client).moves_redis_data) {
      // iperf3 and null never talk to Redis: their wire stays what it is.
    } else if (over_tls && p.tls == TlsMode::kOff) {
      if (swept) {
        refusal = "tls off: the server is reached over TLS (rediss://)";
      } else {
        p.tls = TlsMode::kOn;
        try {
          p.validate();
        } catch (const std::invalid_argument& e) {
          refusal = e.what();
        }
      }
    } else if (!over_tls && p.tls != TlsMode::kOff) {
      refusal = "tls " + to_string(p.tls) + ": the server is reached in plain TCP (name its TLS port with rediss://)";
    }
    if (refusal.empty()) {
      kept.push_back(std::move(p));
    } else {
      if (first_refusal.empty()) first_refusal = refusal;
      o.request.skipped.push_back({p.label(), refusal});
    }
  }
  if (kept.empty()) throw std::invalid_argument(first_refusal);
  points = std::move(kept);
}

// The points and SLO of the run, from the scenario or from the flags.
void plan_points(const CLI::App& run, RunOptions& o) {
  // Flags name sizes, not models: a binary run outside a source tree needs no models.json.
  const auto models_file = scenario_directory() / "models.json";
  const auto models = o.scenario.empty() && !std::filesystem::exists(models_file) ? ModelTable{} : ModelTable::load(models_file);
  Scenario scenario;
  if (!o.scenario.empty()) {
    // With a scenario, the points come from it; flags that shape points would be ambiguous.
    for (const Field& f : fields()) {
      if (f.flag_form != FlagForm::kNone && run.count(f.flag) > 0) {
        throw std::invalid_argument(f.flag + " cannot be combined with a scenario; use --set (e.g. --set streams=1,2)");
      }
    }
    scenario = Scenario::load(resolve_scenario(o.scenario), models);
    for (const auto& a : o.assignments) scenario.override_with(a, models);
    o.request.scenario = scenario.to_json();
    o.request.wire = scenario.wire;
  } else {
    scenario = scenario_from_flags(run, o, models);
    for (const auto& a : o.assignments) scenario.override_with(a, models);  // after the flags: the last word
  }
  o.request.points = scenario.expand(models, &o.request.skipped);
  follow_the_url_wire(o);
  // SLO flags given on the command line win over the file's.
  o.request.slo = scenario.slo;
  if (o.slo_gbps) {
    o.request.slo.retrieval_gbps = *o.slo_gbps;
    o.request.slo.retrieval_derived_from.reset();  // the number given replaces a derivation from the file
  }
  if (o.slo_p99) o.request.slo.batch_p99_ms = o.slo_p99;
  if (o.slo_store) o.request.slo.store_gbps = o.slo_store;
}

int run_and_maybe_report(RunOptions& o) {
  RunRequest& request = o.request;
  if (!o.redis_url.empty()) request.redis_url = o.redis_url;
  if (!o.tls_ca.empty() || !o.tls_cert.empty() || !o.tls_key.empty() || !o.tls_server_name.empty() || o.tls_insecure) {
    net::TlsSettings tls;
    tls.ca_file = o.tls_ca;
    tls.cert_file = o.tls_cert;
    tls.key_file = o.tls_key;
    tls.server_name = o.tls_server_name;
    tls.verify = !o.tls_insecure;
    request.tls = tls;
  }
  if (o.wire || !o.wire_target.empty()) {
    WireConfig wire = request.wire.value_or(WireConfig{});
    if (!o.wire_target.empty()) wire.target = o.wire_target;
    request.wire = wire;
  }
  request.out = o.out.empty() ? default_results_path() : std::filesystem::path(o.out);
  install_signal_handlers();
  int code = kExitInfrastructure;
  try {
    code = run_points(request, stop_requested());
  } catch (const std::exception& e) {
    // Unexpected (a server that would not restart, the kernel out of random
    // bytes): the run's own cleanup has run while this unwound.
    std::cerr << "kvslo run: " << e.what() << "\n";
    return kExitInfrastructure;
  }
  if (o.report && std::filesystem::exists(request.out) && code != kExitBadInput && code != kExitInfrastructure) {
    // After an interrupted run the handler is spent (a second Ctrl-C ends
    // kvslo, and with it the script); otherwise a Ctrl-C ends the script.
    const std::atomic<bool>* stop = code == kExitInterrupted ? nullptr : &stop_requested();
    if (int r = write_report(request.out, std::nullopt, std::nullopt, stop); r != 0) {
      std::cerr << "kvslo run: the results are in " << request.out.string() << " but the report failed (exit " << r << ")\n";
    }
  }
  return code;
}

}  // namespace

Subcommand register_run(CLI::App& app, std::vector<std::string> args) {
  auto o = std::make_shared<RunOptions>();
  o->request.command_line = redacted_command_line(args);
  auto* run = app.add_subcommand("run", "run a scenario (file or shipped name, see 'kvslo list'), or the points given by flags "
                                        "(the product of every list), and judge them against the SLO");
  run->add_option("scenario", o->scenario, "scenario file or shipped scenario name");
  run->add_option("--set", o->assignments, "scenario override: axis=v1,v2 | workload.field=value | slo.field=value (repeatable; "
                                           "without a scenario, on the default one the flags make)");
  add_field_flags(*run, *o);
  run->add_option("--redis", o->redis_url,
                  "redis://[user[:password]@]host:port, rediss://... (TLS), or unix:///path, or redis-cluster://... (any node of a Redis Cluster; "
                  "a redis:// node of one is found out too) (default: start an embedded redis-server); the password may "
                  "come from KVSLO_REDIS_PASSWORD");
  run->add_option("--tls-ca", o->tls_ca, "a rediss:// server's CA certificates (PEM file; default: the system's trust store)");
  run->add_option("--tls-cert", o->tls_cert, "a client certificate for a rediss:// server that asks for one (PEM)");
  run->add_option("--tls-key", o->tls_key, "the client certificate's private key (PEM, unencrypted)");
  run->add_option("--tls-server-name", o->tls_server_name,
                  "the name a rediss:// server's certificate must carry, sent as SNI (default: the URL's host)");
  run->add_flag("--tls-insecure", o->tls_insecure,
                "do not verify a rediss:// server's certificate (anyone on the path can then read and change the "
                "traffic; recorded in the results)");
  run->add_option("--out", o->out, "results JSON path (default: results/run-<UTC time>.json)");
  run->add_option("--slo-gbps", o->slo_gbps, "retrieval SLO in GB/s (10^9 bytes/s; default 2)")->check(CLI::PositiveNumber);
  run->add_option("--slo-p99-ms", o->slo_p99, "per-batch p99 latency bound in ms (GET)")->check(CLI::PositiveNumber);
  run->add_option("--slo-store-gbps", o->slo_store, "store SLO in GB/s (SET)")->check(CLI::PositiveNumber);
  run->add_flag("--require-slo", o->request.require_slo, "exit 4 unless at least one point meets the SLO");
  run->add_flag("--fail-fast", o->request.fail_fast, "stop the sweep at the first failed point (default: record it and go on)");
  run->add_flag("--report", o->report, "after the run, write plots and reports beside the results (as kvslo report)");
  run->add_flag("--wire", o->wire, "measure the wire (iperf3) in the same run, at the points' stream counts");
  run->add_option("--wire-target", o->wire_target, "HOST[:PORT] of 'iperf3 -s' (default: embedded on loopback, or the Redis host)");
  return {run, [o, run] {
            // Under mpirun every rank parses the same command line into the
            // same points; rank 0 leads, the others follow it.
            std::unique_ptr<fleet::MpiLink> mpi;
            try {
              mpi = fleet::MpiLink::join();
            } catch (const std::exception& e) {
              std::cerr << "kvslo run: " << e.what() << "\n";
              return static_cast<int>(kExitBadInput);
            }
            try {
              plan_points(*run, *o);
              fleet::fit_points_to_ranks(o->request.points, o->request.skipped, mpi ? mpi->size() : 1);
            } catch (const std::invalid_argument& e) {
              std::cerr << "kvslo run" << (mpi && mpi->rank() > 0 ? " (rank " + std::to_string(mpi->rank()) + ")" : "")
                        << ": " << e.what() << "\n";
              if (mpi) mpi->abort(kExitBadInput);  // no rank may wait for one that gave up
              return static_cast<int>(kExitBadInput);
            }
            if (mpi && mpi->rank() > 0) {
              install_signal_handlers();
              return fleet::follow_rank_zero(*mpi, o->request.points, stop_requested());
            }
            o->request.mpi = mpi.get();
            return run_and_maybe_report(*o);
          }};
}

}  // namespace kvslo::cli
