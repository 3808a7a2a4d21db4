#include "run/progress.hpp"

#include <iostream>

#include <unistd.h>

namespace kvslo {

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
}

Progress::Progress(std::size_t total)
    : total_(total), live_(::isatty(2) == 1), start_(std::chrono::steady_clock::now()) {}

void Progress::starting(std::size_t i, const PointSpec& spec, bool estimate) {
  const std::string eta =
      i == 0 || !estimate ? "" : ", ETA " + format_duration(elapsed() / static_cast<double>(i) * static_cast<double>(total_ - i));
  const std::string text = "[" + std::to_string(i + 1) + "/" + std::to_string(total_) + "] " + spec.label() + eta + last_;
  if (live_) {
    std::cerr << "\r\033[K" << text << std::flush;
  } else {
    std::cerr << text << "\n";
  }
}

void Progress::round(int round, int rounds, std::size_t points) {
  const std::string text = "    round " + std::to_string(round + 1) + (round < rounds ? "/" + std::to_string(rounds) : "") +
                           ": " + std::to_string(points) + " points take turns" + (round >= rounds ? " (precision not reached yet)" : "");
  if (live_) {
    std::cerr << "\r\033[K" << text << std::flush;
  } else {
    std::cerr << text << "\n";
  }
}

void Progress::finished(const std::string& label, const std::string& figure) {
  last_ = ", last " + figure;
  if (!live_) std::cerr << "    " << (label.empty() ? "" : label + " ") << "-> " << figure << "\n";
}

void Progress::done() {
  if (live_) std::cerr << "\r\033[K";
  std::cerr << "kvslo: " << total_ << " points in " << format_duration(elapsed()) << "\n";
}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace kvslo
