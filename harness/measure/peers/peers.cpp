#include "measure/peers/peers.hpp"

#include <stdexcept>

#include "experiment/client_catalog.hpp"
#include "experiment/units.hpp"
#include "measure/point_measurement.hpp"

namespace kvslo {

std::vector<std::string> peer_limits(const PointSpec& spec, bool on_cluster) {
  std::vector<std::string> out;
  if (client_entry(spec.client).kind == ClientKind::kKvslo) return out;
  auto add = [&](std::string line) { out.push_back(std::move(line)); };
  auto unused_buffers = [&] {
    if (spec.sndbuf || spec.rcvbuf) add("sndbuf/rcvbuf: not set (the peer keeps the kernel's default buffers)");
  };
  if (spec.client == "null") {
    add("no I/O: no server is contacted; streams, pipeline depth and socket buffers have no effect");
    add("GET writes every byte of each buffer once, SET reads every byte; contents are not Redis's and are not verified");
  } else if (spec.client == "iperf3") {
    add("moves bytes, not keys: chunks per batch, working set and pipeline depth do not apply; no batch or chunk latency");
    add(std::string("direction: ") + (spec.op == Op::kGet ? "server to client (-R), as a GET" : "client to server, as a SET"));
    if (spec.chunk_size > kIperfMaxLength) {
      add("write length " + format_size(kIperfMaxLength) + " instead of " + format_size(spec.chunk_size) +
          " (iperf3 3.12 caps -l at 1MiB)");
    }
    if (spec.threads > 1) add("threads: iperf3 3.12 drives its streams from one thread");
    unused_buffers();
  } else if (spec.client == "redis-benchmark") {
    add("no batches: every request stands alone, so there is no batch latency; chunk latency percentiles are "
        "redis-benchmark's own");
    if (on_cluster) {
      add("--cluster: SET only, keys key:{tag}:NNNNNNNNNNNN with slot tags it picks itself, streams per primary "
          "(peer.cluster.limits says the rest)");
      add("with a password: runs as a throwaway ACL user on every primary, limited to SET, PING and CLUSTER NODES/SLOTS "
          "on its own key names (redis-benchmark takes a password only on its command line)");
    } else {
      add("keys drawn at random (-r) from its own dataset of the same size (key:NNNNNNNNNNNN), not walked in order");
      add("with a password: runs as a throwaway ACL user limited to GET, SET and PING on its own key names "
          "(redis-benchmark takes a password only on its command line)");
      add("values not checked by redis-benchmark: GETs that found no key are counted from the server's keyspace_misses");
    }
    if (!spec.fixed_size) add("fixed/generic size: not a choice (redis-benchmark parses every reply generically)");
    unused_buffers();
  } else if (spec.client == "redis-py") {
    add(spec.pipeline_depth == 1 ? "depth 1: a plain loop of r.get/r.set, one round trip per key"
                                 : "pipeline: r.pipeline(transaction=False), depth commands per execute()");
    if (spec.pipeline_depth > 1) add("no chunk latency in a pipeline (redis-py returns the replies together)");
    if (spec.streams > 1) add("streams are Python threads, one connection each, sharing one interpreter lock");
    if (!spec.fixed_size) add("fixed/generic size: not a choice (redis-py parses every reply generically)");
    unused_buffers();
  }
  if (spec.threads > 1 && spec.client != "iperf3" && spec.client != "redis-benchmark") {
    add("threads: one per stream for this peer");
  }
  return out;
}

void run_external_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m) {
  if (spec.client == "iperf3") return run_iperf3_peer(spec, context, m);
  if (spec.client == "redis-benchmark") return run_redis_benchmark_peer(spec, context, m);
  throw std::invalid_argument("'" + spec.client + "' is not an external peer");
}

}  // namespace kvslo
