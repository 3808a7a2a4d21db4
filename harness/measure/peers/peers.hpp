#pragma once
// Reference "clients" that run beside kvslo's own in the same run, on the
// same Redis, as points like any other, marked as peers:
//   null             no I/O at all: the harness's own ceiling (in-process)
//   iperf3           the wire in the op's direction (external program)
//   redis-benchmark  the C reference client (external program)
//   redis-py         the write-up's starting point (external Python program)
// A peer takes the point's chunk size, stream count and working set; what it
// cannot express is listed in the point's results, never silently dropped.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/point_spec.hpp"
#include "net/endpoint.hpp"
#include "network/wire.hpp"

namespace kvslo {

struct PointMeasurement;

// What the peer does differently from the point's settings, one line each
// (`on_cluster`: it ran against a Redis Cluster, where redis-benchmark names
// its keys and runs otherwise).
std::vector<std::string> peer_limits(const PointSpec& spec, bool on_cluster = false);

// Where the wire is, for the iperf3 peer: an iperf3 server on the same path
// as Redis (started on first use), and how long each trial runs.
struct PeerWire {
  std::function<WireTarget()> target;
  double seconds = 3;
};

// What a peer runs against; the point runner builds it whole.
struct PeerContext {
  net::Endpoint endpoint;  // the Redis the points use
  PeerWire wire;
  const std::atomic<bool>* stop = nullptr;
};

// Measures an external peer's point into `m` (trials, latencies, key counts,
// m.peer); a peer that cannot run sets m.failure. redis-py, which serves a
// point's trials from one process, has a session instead (point_session.hpp).
void run_external_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m);

// One peer each (peer_*.cpp).
void run_iperf3_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m);
void run_redis_benchmark_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m);

}  // namespace kvslo
