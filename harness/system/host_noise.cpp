#include "system/host_noise.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace kvslo {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

CpuTimes parse_cpu_line(const std::string& line) {
  std::istringstream in(line);
  std::string name;
  in >> name;
  CpuTimes t;
  for (std::uint64_t* field : {&t.user, &t.nice, &t.system, &t.idle, &t.iowait, &t.irq, &t.softirq, &t.steal}) {
    if (!(in >> *field)) {
      // Old kernels stop early; a line without even user, nice, system, idle is not /proc/stat.
      if (field == &t.user || field == &t.nice || field == &t.system || field == &t.idle) {
        throw std::runtime_error("/proc/stat: line '" + line + "' has fewer than 4 numbers");
      }
      break;
    }
  }
  return t;
}

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

double own_cpu_seconds() {
  rusage self{}, children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  return seconds_of(self.ru_utime) + seconds_of(self.ru_stime) + seconds_of(children.ru_utime) +
         seconds_of(children.ru_stime);
}

// "performance" when every CPU agrees, else "cpu0=performance, cpu1=powersave".
void read_cpufreq(HostSnapshot& s) {
  std::map<int, std::string> governors;
  double khz = 0;
  int with_freq = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/devices/system/cpu", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 4 || name.rfind("cpu", 0) != 0 || !std::all_of(name.begin() + 3, name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) continue;
    const std::string governor = trimmed(slurp(entry.path() / "cpufreq/scaling_governor"));
    if (!governor.empty()) governors[std::stoi(name.substr(3))] = governor;
    const std::string freq = trimmed(slurp(entry.path() / "cpufreq/scaling_cur_freq"));
    if (!freq.empty()) {
      try {
        khz += std::stod(freq);
        ++with_freq;
      } catch (const std::exception&) {
      }
    }
  }
  if (governors.empty()) {
    s.cpu_governor = "not exposed";
  } else if (std::all_of(governors.begin(), governors.end(), [&](const auto& g) { return g.second == governors.begin()->second; })) {
    s.cpu_governor = governors.begin()->second;
  } else {
    for (const auto& [cpu, g] : governors) s.cpu_governor += (s.cpu_governor.empty() ? "" : ", ") + ("cpu" + std::to_string(cpu)) + "=" + g;
  }
  if (with_freq > 0) s.cpu_mhz = khz / with_freq / 1000;
}

nlohmann::json optional_number(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

ProcStat parse_proc_stat(std::string_view text) {
  ProcStat out;
  bool found_all = false;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("cpu", 0) != 0) continue;
    if (line.size() > 3 && line[3] == ' ') {
      out.all = parse_cpu_line(line);
      found_all = true;
    } else if (line.size() > 3 && std::isdigit(static_cast<unsigned char>(line[3]))) {
      out.per_cpu.push_back(parse_cpu_line(line));
    }
  }
  if (!found_all) throw std::runtime_error("/proc/stat: no 'cpu' line");
  return out;
}

LoadAverage parse_loadavg(std::string_view text) {
  std::istringstream in{std::string(text)};
  LoadAverage l;
  if (!(in >> l.one >> l.five >> l.fifteen)) {
    throw std::runtime_error("/proc/loadavg: expected three numbers, got '" + trimmed(std::string(text)) + "'");
  }
  return l;
}

HostSnapshot snapshot_host() {
  HostSnapshot s;
  s.at = std::chrono::steady_clock::now();
  s.stat = parse_proc_stat(slurp("/proc/stat"));
  s.loadavg = parse_loadavg(slurp("/proc/loadavg"));
  s.own_cpu_seconds = own_cpu_seconds();
  if (const long hz = ::sysconf(_SC_CLK_TCK); hz > 0) s.ticks_per_second = static_cast<double>(hz);
  read_cpufreq(s);
  return s;
}

HostNoise host_noise(const HostSnapshot& before, const HostSnapshot& after, double server_cpu_seconds) {
  HostNoise n;
  n.seconds = std::chrono::duration<double>(after.at - before.at).count();
  // Counters only grow; a CPU that went offline can make a sum shrink, so clamp.
  auto delta = [](std::uint64_t a, std::uint64_t b) { return b > a ? static_cast<double>(b - a) : 0.0; };
  const double total = delta(before.stat.all.total(), after.stat.all.total());
  const double steal = delta(before.stat.all.steal, after.stat.all.steal);
  const double busy_seconds = delta(before.stat.all.busy(), after.stat.all.busy()) / after.ticks_per_second;
  n.steal_pct = total > 0 ? steal / total * 100 : 0;
  const double own = std::max(0.0, after.own_cpu_seconds - before.own_cpu_seconds);
  const double server = std::max(0.0, server_cpu_seconds);
  if (n.seconds > 0) {
    n.own_cpu_cores = own / n.seconds;
    n.server_cpu_cores = server_cpu_seconds >= 0 ? server / n.seconds : -1;
    n.other_cpu_cores = std::max(0.0, busy_seconds - own - server) / n.seconds;
  }
  n.loadavg = after.loadavg;
  n.cpu_governor = after.cpu_governor;
  n.cpu_mhz_before = before.cpu_mhz;
  n.cpu_mhz_after = after.cpu_mhz;
  return n;
}

nlohmann::json HostNoise::to_json() const {
  return {{"seconds", seconds},
          {"steal_pct", steal_pct},
          {"other_cpu_cores", other_cpu_cores},
          {"own_cpu_cores", own_cpu_cores},
          {"server_cpu_cores", server_cpu_cores >= 0 ? nlohmann::json(server_cpu_cores) : nlohmann::json(nullptr)},
          {"loadavg", {loadavg.one, loadavg.five, loadavg.fifteen}},
          {"cpu_governor", cpu_governor},
          {"cpu_mhz_before", optional_number(cpu_mhz_before)},
          {"cpu_mhz_after", optional_number(cpu_mhz_after)}};
}

}  // namespace kvslo
