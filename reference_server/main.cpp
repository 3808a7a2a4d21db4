// kvslo-reference-server: a RESP2 server whose GET replies send the stored
// value itself (no copy in user space), to show the clients' own ceiling
// (README "The reference server").
// Not a cache: no persistence, no eviction, no expiry, no replication.
//
//   kvslo-reference-server [--bind 127.0.0.1] [--port 0] [--threads 1] [--maxmemory BYTES]
//
// The password, if any, comes from KVSLO_REFERENCE_PASSWORD (never the
// command line, which any local user can read). Once listening it prints
// "port <n>" on stdout; it ends on SIGTERM or SIGINT.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "malloc_hold.hpp"
#include "event_loop.hpp"
#include "server_state.hpp"

namespace {

std::atomic<bool> stop_requested{false};

void request_stop(int) { stop_requested.store(true); }

struct Arguments {
  std::string bind = "127.0.0.1";
  unsigned long port = 0;
  unsigned long threads = 1;
  unsigned long long maxmemory = 0;
};

// Parses the flags; prints what is wrong and exits 2 on a bad one.
Arguments parse(int argc, char** argv) {
  Arguments a;
  auto number = [&](int& i, unsigned long long max) {
    if (i + 1 >= argc) {
      std::cerr << "kvslo-reference-server: " << argv[i] << " needs a value\n";
      std::exit(2);
    }
    const char* text = argv[++i];
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value > max || text[0] == '-') {
      std::cerr << "kvslo-reference-server: " << argv[i - 1] << " " << text << ": not a number in 0.." << max << "\n";
      std::exit(2);
    }
    return value;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--bind") {
      if (i + 1 >= argc) {
        std::cerr << "kvslo-reference-server: --bind needs an address\n";
        std::exit(2);
      }
      a.bind = argv[++i];
    } else if (flag == "--port") {
      a.port = static_cast<unsigned long>(number(i, 65535));
    } else if (flag == "--threads") {
      a.threads = static_cast<unsigned long>(number(i, 256));
    } else if (flag == "--maxmemory") {
      a.maxmemory = number(i, ~0ULL);
    } else {
      std::cerr << "kvslo-reference-server: unknown argument '" << flag
                << "' (flags: --bind ADDR, --port N, --threads N, --maxmemory BYTES)\n";
      std::exit(2);
    }
  }
  if (a.threads == 0) a.threads = 1;
  return a;
}

// A thousand clients need more descriptors than the usual soft limit of 1024.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kvslo::reference;
  const Arguments a = parse(argc, argv);
  ServerSettings settings;
  settings.threads = static_cast<int>(a.threads);
  settings.maxmemory = a.maxmemory;
  if (char* password = std::getenv("KVSLO_REFERENCE_PASSWORD")) {
    settings.password = password;
    std::memset(password, 0, std::strlen(password));  // out of /proc/<pid>/environ too
    ::unsetenv("KVSLO_REFERENCE_PASSWORD");
  }
  ::signal(SIGPIPE, SIG_IGN);
  struct sigaction action{};
  action.sa_handler = request_stop;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  raise_descriptor_limit();
  // Every SET value is a block of its own: its cost must not change mid-run.
  if (const kvslo::MallocHold hold = kvslo::hold_malloc(); !hold.fixed) {
    std::cerr << "kvslo-reference-server: malloc: " << hold.note << "\n";
  }
  std::atomic<bool> failed{false};
  try {
    const int listener = listen_on(a.bind, static_cast<std::uint16_t>(a.port));
    settings.port = local_port(listener);
    ServerState server(settings);
    std::vector<std::unique_ptr<EventLoop>> loops;
    for (int t = 0; t < settings.threads; ++t) loops.push_back(std::make_unique<EventLoop>(listener, server));
    std::printf("port %u\n", static_cast<unsigned>(settings.port));
    std::fflush(stdout);
    // A loop that fails stops them all, and every thread is joined before anything is destroyed.
    auto serve = [&](EventLoop& loop) {
      try {
        loop.run(stop_requested);
      } catch (const std::exception& e) {
        std::cerr << "kvslo-reference-server: " << e.what() << "\n";
        failed = true;
        stop_requested = true;
      }
    };
    std::vector<std::thread> threads;
    for (std::size_t t = 1; t < loops.size(); ++t) threads.emplace_back(serve, std::ref(*loops[t]));
    serve(*loops.front());
    for (auto& thread : threads) thread.join();
    loops.clear();
    ::close(listener);
  } catch (const std::exception& e) {
    std::cerr << "kvslo-reference-server: " << e.what() << "\n";
    return 1;
  }
  return failed ? 1 : 0;
}
