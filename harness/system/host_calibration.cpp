#include "system/host_calibration.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

#include "net/loopback_pair.hpp"

namespace kvslo {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kCopyBytes = 64u << 20;
constexpr int kCopies = 5;
constexpr std::size_t kLoopbackBytes = 256u << 20;
constexpr std::size_t kWriteBytes = 4u << 20;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double memcpy_gbps() {
  // Both buffers touched first: a page fault is not a copy.
  std::vector<std::byte> from(kCopyBytes, std::byte{7}), to(kCopyBytes, std::byte{0});
  std::vector<double> rates;
  for (int i = 0; i < kCopies; ++i) {
    const auto start = Clock::now();
    std::memcpy(to.data(), from.data(), kCopyBytes);
    const double s = seconds_since(start);
    // Read the copy back so the compiler cannot drop it.
    if (to[static_cast<std::size_t>(i) * 4096] != std::byte{7}) return 0;
    if (s > 0) rates.push_back(static_cast<double>(kCopyBytes) / s / 1e9);
  }
  if (rates.empty()) return 0;
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

double loopback_gbps() {
  auto [receiver, sender] = net::tcp_loopback_pair();
  if (receiver < 0) return 0;
  // From before the writer starts: it sends as soon as it runs.
  const auto start = Clock::now();
  std::thread writer([fd = sender] {
    std::vector<std::byte> chunk(kWriteBytes, std::byte{3});
    for (std::size_t sent = 0; sent < kLoopbackBytes;) {
      const ssize_t n = ::send(fd, chunk.data(), std::min(kWriteBytes, kLoopbackBytes - sent), MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  });
  std::vector<std::byte> buffer(kWriteBytes);
  std::size_t got = 0;
  while (got < kLoopbackBytes) {
    const ssize_t n = ::recv(receiver, buffer.data(), buffer.size(), 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  const double s = seconds_since(start);
  ::shutdown(receiver, SHUT_RDWR);
  writer.join();
  ::close(receiver);
  ::close(sender);
  return got == kLoopbackBytes && s > 0 ? static_cast<double>(got) / s / 1e9 : 0;
}

}  // namespace

Calibration calibrate_host() { return {memcpy_gbps(), loopback_gbps()}; }

double calibration_drift(const Calibration& before, const Calibration& after) {
  auto change = [](double a, double b) { return a > 0 && b > 0 ? std::abs(b - a) / a : 0.0; };
  return std::max(change(before.memcpy_gbps, after.memcpy_gbps), change(before.loopback_gbps, after.loopback_gbps));
}

}  // namespace kvslo
