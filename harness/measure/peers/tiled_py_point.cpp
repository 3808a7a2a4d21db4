// tiled-py, rung 4: kvslo's tiled core driven from Python asyncio through the
// kvslo module (python/), run as scripts/peers/tiled_py_point.py, one process
// per point (python_point_session.hpp). The module is found in the build
// tree that built this binary, or in $KVSLO_PYTHONPATH.
#include <cstdlib>

#include "measure/peers/python_point_session.hpp"
#include "system/helper_scripts.hpp"

#ifndef KVSLO_PYTHON_MODULE_DIR
#define KVSLO_PYTHON_MODULE_DIR ""
#endif
#ifndef KVSLO_PYTHON_EXECUTABLE
#define KVSLO_PYTHON_EXECUTABLE ""
#endif

namespace kvslo {
namespace {

std::string module_directory() {
  if (const char* env = std::getenv("KVSLO_PYTHONPATH"); env && *env) return env;
  return KVSLO_PYTHON_MODULE_DIR;
}

std::string seconds(std::chrono::milliseconds ms) { return std::to_string(static_cast<double>(ms.count()) / 1000.0); }

}  // namespace

std::unique_ptr<PointSession> open_tiled_py_session(const PointSpec& spec, const PeerContext& context,
                                                    PointSession::Clock::time_point origin) {
  net::Endpoint shown = context.endpoint;
  shown.password.clear();  // it goes through the environment
  PythonPoint point{"tiled-py", "numpy", "install it with 'apt-get install python3-numpy' (or scripts/install-deps.sh)", {}, {}, ""};
  auto& argv = point.arguments;
  argv = {script_file("peers/tiled_py_point.py").string(), "--url", shown.display(), "--op", to_string(spec.op),
          "--prefix", spec.key_prefix, "--chunk-size", std::to_string(spec.chunk_size),
          "--keys", std::to_string(spec.key_count()), "--chunks-per-batch", std::to_string(spec.chunks_per_batch),
          "--batches", std::to_string(spec.batches()), "--warmup-batches", std::to_string(spec.warmup_batches),
          "--streams", std::to_string(spec.streams), "--threads", std::to_string(spec.threads),
          "--depth", std::to_string(spec.pipeline_depth), "--inflight", std::to_string(spec.inflight),
          "--timeout", seconds(spec.op_timeout), "--py-tasks", std::to_string(spec.py_tasks),
          "--gil", to_string(spec.gil), "--completion", to_string(spec.completion)};
  if (const auto& tls = context.endpoint.tls) {
    if (!tls->ca_file.empty()) argv.insert(argv.end(), {"--tls-ca", tls->ca_file});
    if (!tls->cert_file.empty()) argv.insert(argv.end(), {"--tls-cert", tls->cert_file, "--tls-key", tls->key_file});
    if (!tls->server_name.empty()) argv.insert(argv.end(), {"--tls-server-name", tls->server_name});
    if (!tls->verify) argv.push_back("--tls-insecure");
    if (spec.tls == TlsMode::kKtls) argv.push_back("--ktls");
  }
  if (spec.tile_bytes) argv.insert(argv.end(), {"--tile-bytes", std::to_string(*spec.tile_bytes)});
  if (spec.sndbuf) argv.insert(argv.end(), {"--sndbuf", std::to_string(*spec.sndbuf)});
  if (spec.rcvbuf) argv.insert(argv.end(), {"--rcvbuf", std::to_string(*spec.rcvbuf)});
  if (!spec.fixed_size) argv.push_back("--generic");
  if (spec.verify) argv.push_back("--verify");
  if (spec.time_limit) argv.insert(argv.end(), {"--time-limit", seconds(*spec.time_limit)});
  // The module's directory first, the user's PYTHONPATH after it.
  if (const std::string dir = module_directory(); !dir.empty()) {
    const char* user = std::getenv("PYTHONPATH");
    point.environment.emplace_back("PYTHONPATH", user && *user ? dir + ":" + user : dir);
  }
  point.preferred_python = KVSLO_PYTHON_EXECUTABLE;
  point.environment.emplace_back("PYTHONDONTWRITEBYTECODE", "1");
  return open_python_point_session(spec, context, origin, std::move(point));
}

}  // namespace kvslo
