// `kvslo validate` and `kvslo list`: scenarios checked and expanded without running anything.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "experiment/models.hpp"
#include "experiment/scenario.hpp"
#include "experiment/tail_samples.hpp"

namespace kvslo::cli {

Subcommand register_validate(CLI::App& app) {
  struct Options {
    std::string scenario;
    std::vector<std::string> assignments;
  };
  auto o = std::make_shared<Options>();
  auto* validate = app.add_subcommand("validate", "check a scenario and list its points without running anything");
  validate->add_option("scenario", o->scenario, "scenario file or shipped scenario name")->required();
  validate->add_option("--set", o->assignments, "scenario override (as for run)");
  return {validate, [o] {
            try {
              const auto models = ModelTable::load(scenario_directory() / "models.json");
              auto scenario = Scenario::load(resolve_scenario(o->scenario), models);
              for (const auto& a : o->assignments) scenario.override_with(a, models);
              std::vector<SkippedPoint> skipped;
              const auto points = scenario.expand(models, &skipped);
              std::cout << scenario.file.string() << ": valid, " << points.size() << " points\n";
              if (scenario.slo.retrieval_derived_from) std::cout << explain_retrieval_slo(*scenario.slo.retrieval_derived_from) << "\n";
              for (std::size_t i = 0; i < points.size(); ++i) std::cout << "  " << i + 1 << ". " << points[i].label() << "\n";
              if (!skipped.empty()) std::cout << "skipped " << skipped.size() << " combinations that cannot run:\n";
              for (const auto& s : skipped) std::cout << "  " << s.where << ": " << s.reason << "\n";
              for (const auto& w : tail_sample_warnings(points, scenario.slo)) std::cerr << "kvslo validate: " << w << "\n";
              return static_cast<int>(kExitOk);
            } catch (const std::invalid_argument& e) {
              std::cerr << "kvslo validate: " << e.what() << "\n";
              return static_cast<int>(kExitBadInput);
            }
          }};
}

Subcommand register_list(CLI::App& app) {
  auto* list = app.add_subcommand("list", "list the shipped scenarios");
  return {list, [] {
            const auto dir = scenario_directory();
            std::vector<std::filesystem::path> files;
            for (const auto& e : std::filesystem::directory_iterator(dir)) {
              if (e.path().extension() == ".json" && e.path().stem() != "models") files.push_back(e.path());
            }
            std::sort(files.begin(), files.end());
            const auto models = ModelTable::load(dir / "models.json");
            for (const auto& f : files) {
              try {
                auto sc = Scenario::load(f, models);
                std::vector<SkippedPoint> skipped;
                std::printf("%-16s %4zu points  %s\n", sc.name.c_str(), sc.expand(models, &skipped).size(), sc.description.c_str());
              } catch (const std::exception& e) {
                std::printf("%-16s INVALID: %s\n", f.stem().c_str(), e.what());
              }
            }
            return static_cast<int>(kExitOk);
          }};
}

}  // namespace kvslo::cli
