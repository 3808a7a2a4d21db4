// `kvslo net`: the wire to one target, where it converges, and the tuning to change.
#include <memory>

#include "commands.hpp"
#include "network/net_command.hpp"

namespace kvslo::cli {

Subcommand register_net(CLI::App& app) {
  struct Options {
    std::string target, length = "4MiB", duration = "5s", out;
    std::vector<int> streams{1, 2, 4, 8, 16, 32, 64};
  };
  auto o = std::make_shared<Options>();
  auto* net = app.add_subcommand("net", "the wire: iperf3 bandwidth, retransmits and RTT per stream count, where it "
                                        "converges, the host's network settings and the sysctls to change");
  net->add_option("--target", o->target, "HOST[:PORT] running 'iperf3 -s' (default port 5201)")->required();
  net->add_option("--streams", o->streams, "stream counts, comma-separated")->delimiter(',')->check(CLI::PositiveNumber)->capture_default_str();
  net->add_option("--length", o->length, "write size (capped at iperf3's 1MiB)")->capture_default_str();
  net->add_option("--duration", o->duration, "seconds per stream count, e.g. 5s")->capture_default_str();
  net->add_option("--out", o->out, "also write the curve and advice as JSON here");
  return {net, [o] { return net_command(o->target, o->streams, o->length, o->duration, o->out); }};
}

}  // namespace kvslo::cli
