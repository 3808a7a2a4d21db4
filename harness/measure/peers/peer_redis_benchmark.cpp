// redis-benchmark, the C reference client, as a point: -t get|set with the
// chunk size as -d, the streams as -c, the pipeline depth as -P, as many
// requests per trial as a kvslo trial moves chunks, keys drawn from a dataset
// of the point's size loaded under redis-benchmark's own key names.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <cstdlib>
#include <sstream>

#include <optional>

#include "command_channel.hpp"
#include "measure/dataset.hpp"
#include "system/interrupted.hpp"
#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"
#include "measure/server_stats.hpp"
#include "system/child_process.hpp"  // find_on_path
#include "system/random_secret.hpp"
#include "system/subprocess.hpp"

namespace kvslo {
namespace {

// redis-benchmark's key names: "key:" and twelve digits (its -r keyspace).
std::string key_pattern() {
  std::string pattern = "key:";
  for (int i = 0; i < 12; ++i) pattern += "[0-9]";
  return pattern;
}

std::string benchmark_key(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "key:%012zu", i);
  return name;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

// The row of the test in redis-benchmark --csv output, as name -> value.
std::map<std::string, double> parse_csv(const std::string& text, const std::string& test) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    auto fields = split_csv_line(line);
    if (!fields.empty() && fields[0] == "test") {
      header = fields;
    } else if (!header.empty() && !fields.empty() && fields[0] == test && fields.size() == header.size()) {
      std::map<std::string, double> row;
      for (std::size_t i = 1; i < fields.size(); ++i) row[header[i]] = std::strtod(fields[i].c_str(), nullptr);
      return row;
    }
  }
  return {};
}

// redis-benchmark 7.0 takes a password on its command line only, where every
// local user can read it (ps). Given a password-protected server, kvslo
// never hands it the real credentials: it creates a throwaway ACL user with a
// random password, allowed only GET, SET and PING on redis-benchmark's own
// key names, and deletes the user afterwards.
class ThrowawayAclUser {
 public:
  explicit ThrowawayAclUser(const net::Endpoint& admin) : admin_(admin) {
    name_ = "kvslo-peer-" + random_hex(6);
    password_ = random_hex(24);
    CommandChannel channel(admin_, std::chrono::milliseconds(3000));
    // Exactly its own key names (key:NNNNNNNNNNNN), whoever reads the password in ps.
    const resp::Reply reply = channel.call({"ACL", "SETUSER", name_, "reset", "on", ">" + password_, "~" + key_pattern(),
                                            "resetchannels", "-@all", "+get", "+set", "+ping"});
    if (reply.type == resp::Reply::Type::kError) {
      throw std::runtime_error(
          "redis-benchmark takes a password only on its command line, where every local user can read it, so kvslo "
          "gives it a throwaway ACL user instead; " + admin_.display() + " refused to create one (" + reply.text +
          "): run this peer against a server with ACLs (Redis 6 or later) as a user allowed ACL SETUSER, or "
          "without a password");
    }
  }
  ~ThrowawayAclUser() {
    std::string failure;
    try {
      const resp::Reply reply = CommandChannel(admin_, std::chrono::milliseconds(10000)).call({"ACL", "DELUSER", name_});
      if (reply.type != resp::Reply::Type::kInteger || reply.integer != 1) failure = reply.describe();
    } catch (const std::exception& e) {
      failure = e.what();  // a dead server forgets its users; a live one that did not answer keeps it
    }
    if (!failure.empty()) {
      std::cerr << "kvslo: the throwaway ACL user " << name_ << " on " << admin_.display()
                << " may still exist (" << failure << "): remove it with ACL DELUSER " << name_ << "\n";
    }
  }
  ThrowawayAclUser(const ThrowawayAclUser&) = delete;
  ThrowawayAclUser& operator=(const ThrowawayAclUser&) = delete;
  const std::string& name() const { return name_; }
  const std::string& password() const { return password_; }

 private:
  net::Endpoint admin_;
  std::string name_, password_;
};

// Deletes the peer's dataset when the point ends, however it ends.
struct DatasetDeleter {
  const net::Endpoint& endpoint;
  const ChunkSet& dataset;
  std::chrono::milliseconds timeout;
  ~DatasetDeleter() {
    try {
      delete_chunks(endpoint, dataset, timeout);
    } catch (const std::exception&) {
      // a dead server holds nothing; the point already says why
    }
  }
};

// redis-benchmark counts a nil reply as a request served: the server's own
// count of GETs that found no key (`misses`) says whether every GET found
// its chunk. Misses cannot be told apart by trial; they are spread evenly.
void account_keys(const PointSpec& spec, std::size_t requests, std::uint64_t misses, PointMeasurement& m) {
  misses = std::min<std::uint64_t>(misses, m.trials.size() * requests);
  if (misses > 0) {
    m.status_counts[static_cast<std::size_t>(KeyStatus::kMissing)] += misses;
    m.errors.push_back(std::to_string(misses) + " GETs found no key (server keyspace_misses)");
    for (auto& trial : m.trials) {
      trial.failed_keys = misses / m.trials.size();
      trial.bytes -= trial.failed_keys * spec.chunk_size;
    }
  }
  m.status_counts[static_cast<std::size_t>(KeyStatus::kOk)] += m.trials.size() * requests - misses;
}

}  // namespace

void run_redis_benchmark_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m) {
  // $KVSLO_REDIS_BENCHMARK picks another build (say, one from a newer Redis).
  const char* chosen = std::getenv("KVSLO_REDIS_BENCHMARK");
  const std::string program = chosen && *chosen ? std::string(chosen) : find_on_path("redis-benchmark");
  if (program.empty() || ::access(program.c_str(), X_OK) != 0) {
    m.failure = (program.empty() ? std::string("redis-benchmark not found") : program + " is not an executable program") +
                ": install it with 'apt-get install redis-tools' (or scripts/install-deps.sh), or name one with "
                "KVSLO_REDIS_BENCHMARK";
    return;
  }
  const net::Endpoint& e = context.endpoint;
  const std::string test = spec.op == Op::kGet ? "GET" : "SET";
  const std::size_t keys = spec.key_count();
  const std::size_t requests = spec.batches() * spec.chunks_per_batch;
  std::optional<ThrowawayAclUser> user;
  if (e.has_password() || !e.user.empty()) user.emplace(e);
  auto argv_for = [&](std::size_t n, bool shown) {
    std::vector<std::string> argv{program};
    if (e.kind == net::Endpoint::Kind::kUnix) {
      argv.insert(argv.end(), {"-s", e.path});
    } else {
      argv.insert(argv.end(), {"-h", e.host, "-p", std::to_string(e.port)});
    }
    argv.insert(argv.end(), {"-t", to_string(spec.op), "-d", std::to_string(spec.chunk_size), "-c", std::to_string(spec.streams), "-P",
                             std::to_string(spec.pipeline_depth), "-n", std::to_string(n), "-r", std::to_string(keys),
                             "--csv"});
    if (spec.threads > 1) argv.insert(argv.end(), {"--threads", std::to_string(spec.threads)});
    if (user) argv.insert(argv.end(), {"--user", user->name(), "-a", shown ? "***" : user->password()});
    return argv;
  };
  m.peer["tool"] = "redis-benchmark";
  m.peer["command"] = argv_for(requests, true);

  const ChunkSet dataset{benchmark_key, spec.chunk_size, keys, false};
  static const std::atomic<bool> never{false};
  const std::atomic<bool>& stop = context.stop ? *context.stop : never;
  // Its key names must be free: it writes them (its GETs need every key
  // present at the chunk size), and they are deleted afterwards, whatever happened.
  require_absent(e, dataset, spec.op_timeout, "redis-benchmark");
  const DatasetDeleter cleanup{e, dataset, spec.op_timeout};
  if (spec.op == Op::kGet) load_chunks(e, dataset, spec.op_timeout, stop);

  const auto timeout = std::chrono::milliseconds(spec.op_timeout.count() * static_cast<long>(requests + 10));
  nlohmann::json reported = nlohmann::json::array();
  auto run_once = [&](std::size_t n) -> std::map<std::string, double> {
    ProcessOutput out = run_captured(argv_for(n, false), timeout, {}, context.stop);
    if (out.stopped) throw Interrupted("interrupted during redis-benchmark");
    auto row = parse_csv(out.out, test);
    if (out.exit_code != 0 || row.empty() || row["rps"] <= 0) {
      std::string why = out.timed_out ? "timed out" : "exit " + std::to_string(out.exit_code);
      std::string said = out.err.empty() ? out.out : out.err;
      if (said.size() > 300) said.resize(300);
      throw std::runtime_error("redis-benchmark failed (" + why + "): " + said);
    }
    row["cpu_seconds"] = out.cpu_seconds;
    return row;
  };
  if (spec.warmup_batches > 0) run_once(static_cast<std::size_t>(spec.warmup_batches) * spec.chunks_per_batch);
  const std::uint64_t misses_before = spec.op == Op::kGet ? keyspace_misses(e) : 0;
  for (int t = 0; t < spec.trials; ++t) {
    if (stop) {
      m.interrupted = true;
      break;
    }
    const double server_cpu0 = server_cpu_seconds(e);
    auto row = run_once(requests);
    TrialFigures trial;
    trial.server_cpu_seconds = server_cpu_seconds(e) - server_cpu0;
    trial.seconds = static_cast<double>(requests) / row["rps"];
    trial.bytes = requests * spec.chunk_size;
    trial.cpu_seconds = row["cpu_seconds"];
    m.trials.push_back(trial);
    reported.push_back(row);
  }
  account_keys(spec, requests, spec.op == Op::kGet ? keyspace_misses(e) - misses_before : 0, m);
  m.peer["reported"] = reported;
  m.peer["note"] = "throughput = requests x chunk size / (requests / rps); rps and latencies (ms) as redis-benchmark reports them";
}

}  // namespace kvslo
