#pragma once
// Waiting for a quiet server before the first timed trial after a load.
//
// What a server still does after kvslo loads a dataset counts against the
// first client measured, not the server. Measured on Redis 7.0.15 (512 MiB of
// 4 MiB values, fresh and overwritten): the main process is idle within
// 100 ms (lazy freeing does not apply: a string is freed at once, and
// lazyfree_pending_objects stays 0), but a server with save rules (Redis's
// built-in default "3600 1 300 100 60 10000", Debian's packaged config)
// forks a BGSAVE right after the load: its child spent 2.6 s of CPU over
// 2.9 s writing 512 MiB, invisible in the parent's used_cpu_* until it
// exits. So quiet means: the server's own CPU is low AND no child (RDB save,
// AOF rewrite, module fork) is running AND nothing waits to be freed lazily.
// Not foreseen: a save whose rule falls due after the wait (its seconds not
// yet reached when the load ends); the first trials then share the host with it.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/endpoint.hpp"
#include "system/redis_info.hpp"

namespace kvslo {

struct QuietWait {
  double seconds = 0;      // how long the wait took
  bool quiet = false;      // the server went quiet within the budget
  double cpu_rate = -1;    // the server's CPU seconds per second over the last interval (-1: never measured)
  std::vector<std::string> pending;  // work still running at the end, as INFO names it
  std::string error;       // why the server could not be asked (the wait gives up; the points report their own failures)

  nlohmann::json to_json() const;
};

// The background work INFO shows, one entry each ("rdb_bgsave_in_progress",
// "lazyfree_pending_objects=12"); empty when there is none. Fields an older
// server does not report count as absent.
std::vector<std::string> pending_server_work(const InfoFields& info);

// Polls INFO every ~100 ms until the server's CPU is below 5% of a core for
// two consecutive intervals with no pending work, the budget runs out, or
// `stop` is set. Never throws: a server that cannot be asked ends the wait
// with `error` set.
inline constexpr std::chrono::milliseconds kQuietBudget{5000};
QuietWait wait_for_quiet_server(const net::Endpoint& endpoint, std::chrono::milliseconds budget,
                                const std::atomic<bool>& stop);

}  // namespace kvslo
