// `kvslo clients` and `kvslo version`: what this build can measure, and which build it is.
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "experiment/client_catalog.hpp"
#include "system/environment.hpp"

namespace kvslo::cli {

Subcommand register_clients(CLI::App& app) {
  auto* clients = app.add_subcommand("clients", "list the clients, then the reference peers");
  return {clients, [] {
            for (const auto& c : client_catalog()) {
              std::cout << c.name << (c.kind == ClientKind::kKvslo ? "" : " (" + std::string(to_string(c.kind)) + ")") << "\n";
            }
            return static_cast<int>(kExitOk);
          }};
}

Subcommand register_version(CLI::App& app) {
  auto* version = app.add_subcommand("version", "print the version and build");
  return {version, [] {
            std::cout << describe_build().dump(2) << "\n";
            return static_cast<int>(kExitOk);
          }};
}

}  // namespace kvslo::cli
