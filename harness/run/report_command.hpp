#pragma once
// `kvslo report`: plots, report.md and a self-contained report.html from a
// results file. The work is done by scripts/kvslo-report.py (matplotlib);
// this finds an interpreter that can import matplotlib and runs it.

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>

namespace kvslo {

// Returns the script's exit code (0 written; 2 bad input, or an output path
// holding something the report did not make), 3 when no Python with
// matplotlib is found (the message says what to install), or 124 when the
// script ran past its time limit and was stopped, or 130 when `stop` was
// raised (Ctrl-C) and the script was ended (it removes its temporary directory).
int write_report(const std::filesystem::path& results, const std::optional<std::filesystem::path>& out_dir,
                 const std::optional<std::filesystem::path>& baseline, const std::atomic<bool>* stop = nullptr);

}  // namespace kvslo
