// The floors under every client: what one copy of a chunk costs (memcpy),
// what the kernel costs to move it over loopback (TCP, as Redis is reached,
// and a unix socket pair), and how long an eventfd takes from signal to a
// blocked thread running again (the tiled client's completion path).
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "bench_sizes.hpp"
#include "net/loopback_pair.hpp"

namespace {

void BM_Memcpy(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::byte> from(size, std::byte{7}), to(size, std::byte{0});
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), size);
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_Memcpy)->Apply(kvslo::bench::chunk_sizes);

std::pair<int, int> unix_socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return {-1, -1};
  return {fds[0], fds[1]};
}

// A sender thread streams chunks; each iteration receives one whole chunk
// into the same buffer, as a client receives a GET's value.
void receive_chunks(benchmark::State& state, std::pair<int, int> pair) {
  const auto size = static_cast<std::size_t>(state.range(0));
  auto [sender_fd, receiver_fd] = pair;
  if (sender_fd < 0) {
    state.SkipWithError("could not make the socket pair");
    return;
  }
  std::atomic<bool> stop{false};
  std::thread sender([&, fd = sender_fd] {
    std::vector<std::byte> chunk(size, std::byte{3});
    while (!stop.load(std::memory_order_relaxed)) {
      std::size_t sent = 0;
      while (sent < size) {
        const ssize_t n = ::send(fd, chunk.data() + sent, size - sent, MSG_NOSIGNAL);
        if (n <= 0) return;  // the receiver closed: done
        sent += static_cast<std::size_t>(n);
      }
    }
  });
  std::vector<std::byte> buffer(size);
  for (auto _ : state) {
    std::size_t got = 0;
    while (got < size) {
      const ssize_t n = ::recv(receiver_fd, buffer.data() + got, size - got, 0);
      if (n <= 0) {
        state.SkipWithError("receive failed");
        break;
      }
      got += static_cast<std::size_t>(n);
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  stop = true;
  ::shutdown(receiver_fd, SHUT_RDWR);
  ::close(receiver_fd);
  sender.join();
  ::close(sender_fd);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}

void BM_LoopbackTcp(benchmark::State& state) { receive_chunks(state, kvslo::net::tcp_loopback_pair()); }
BENCHMARK(BM_LoopbackTcp)->Apply(kvslo::bench::chunk_sizes)->UseRealTime();

void BM_UnixSocketPair(benchmark::State& state) { receive_chunks(state, unix_socket_pair()); }
BENCHMARK(BM_UnixSocketPair)->Apply(kvslo::bench::chunk_sizes)->UseRealTime();

// Ping-pong over two eventfds: each iteration is two signal-to-wake hops
// (this thread wakes the other, the other wakes this one); per_wake is one hop.
void BM_EventfdWake(benchmark::State& state) {
  const int ping = ::eventfd(0, EFD_CLOEXEC), pong = ::eventfd(0, EFD_CLOEXEC);
  std::thread responder([&] {
    for (;;) {
      std::uint64_t v = 0;
      if (::read(ping, &v, sizeof v) != sizeof v || v == UINT64_MAX - 1) return;  // the stop value
      const std::uint64_t one = 1;
      if (::write(pong, &one, sizeof one) != sizeof one) return;
    }
  });
  for (auto _ : state) {
    const std::uint64_t one = 1;
    std::uint64_t v = 0;
    if (::write(ping, &one, sizeof one) != sizeof one || ::read(pong, &v, sizeof v) != sizeof v) {
      state.SkipWithError("eventfd failed");
      break;
    }
  }
  const std::uint64_t stop = UINT64_MAX - 1;
  [[maybe_unused]] const ssize_t written = ::write(ping, &stop, sizeof stop);
  responder.join();
  ::close(ping);
  ::close(pong);
  state.counters["per_wake"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2,
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_EventfdWake)->UseRealTime();

}  // namespace
