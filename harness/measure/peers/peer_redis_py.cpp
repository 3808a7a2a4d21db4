// redis-py, the write-up's starting point, as a point: scripts/peers/
// redis_py_peer.py under a Python that imports redis, reading kvslo's own
// dataset, one process per point (python_point_session.hpp).
#include "measure/peers/python_point_session.hpp"
#include "system/helper_scripts.hpp"

#include <stdexcept>

namespace kvslo {

std::unique_ptr<PointSession> open_redis_py_session(const PointSpec& spec, const PeerContext& context,
                                                    PointSession::Clock::time_point origin) {
  const net::Endpoint& e = context.endpoint;
  PythonPoint point{"redis-py", "redis", "install it with 'apt-get install python3-redis' (or scripts/install-deps.sh)", {}, {}, ""};
  auto& argv = point.arguments;
  argv.push_back(script_file("peers/redis_py_peer.py").string());
  if (e.kind == net::Endpoint::Kind::kUnix) {
    argv.insert(argv.end(), {"--unix-socket", e.path});
  } else {
    argv.insert(argv.end(), {"--host", e.host, "--port", std::to_string(e.port)});
  }
  argv.insert(argv.end(), {"--op", to_string(spec.op), "--prefix", spec.key_prefix, "--chunk-size", std::to_string(spec.chunk_size),
                           "--keys", std::to_string(spec.key_count()), "--chunks-per-batch",
                           std::to_string(spec.chunks_per_batch), "--batches", std::to_string(spec.batches()),
                           "--warmup-batches", std::to_string(spec.warmup_batches),
                           "--streams", std::to_string(spec.streams), "--depth", std::to_string(spec.pipeline_depth),
                           "--timeout", std::to_string(static_cast<double>(spec.op_timeout.count()) / 1000.0)});
  if (e.tls) {
    // redis-py checks the certificate against the host it connects to: it has no separate server name.
    if (!e.tls->server_name.empty()) throw std::invalid_argument("redis-py: no --tls-server-name (it checks the URL's host)");
    argv.push_back("--tls");
    if (!e.tls->ca_file.empty()) argv.insert(argv.end(), {"--tls-ca", e.tls->ca_file});
    if (!e.tls->cert_file.empty()) argv.insert(argv.end(), {"--tls-cert", e.tls->cert_file, "--tls-key", e.tls->key_file});
    if (!e.tls->verify) argv.push_back("--tls-insecure");
  }
  if (spec.verify) argv.push_back("--verify");
  if (spec.time_limit) argv.insert(argv.end(), {"--time-limit", std::to_string(static_cast<double>(spec.time_limit->count()) / 1000.0)});
  return open_python_point_session(spec, context, origin, std::move(point));
}

}  // namespace kvslo
