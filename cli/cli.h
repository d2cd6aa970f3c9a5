// The runlog command-line tool: shared declarations.
//
// Every command reads runs (journals) from disk and prints either text for
// people or, with --json, strict JSON for scripts. Errors are thrown as
// cli::Error and printed once, by main(), as "runlog: <what>; <fix>".
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace runlog::cli {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;  // something went wrong, or a journal is corrupt
constexpr int kExitUsage = 2;  // the command line itself is wrong

// A failure to report to the user: what went wrong and how to fix it.
class Error : public std::runtime_error {
public:
    Error(std::string what, std::string fix, int code = kExitError)
        : std::runtime_error(what), fix_(std::move(fix)), code_(code) {}
    const std::string &fix() const { return fix_; }
    int code() const { return code_; }

private:
    std::string fix_;
    int code_;
};

// A command-line mistake (exit code 2).
inline Error usage_error(std::string what, std::string fix) {
    return Error(std::move(what), std::move(fix), kExitUsage);
}

// The parsed command line.
struct Options {
    std::string command;                 // "ls", "show", …; empty when none was given
    std::vector<std::string> positionals;  // after the command (RUN, or help's topic)
    std::optional<std::string> dir;      // --dir
    bool json = false;                   // --json
    bool help = false;                   // -h / --help
    bool version = false;                // --version
    std::optional<std::string> rows;     // show --rows
    std::optional<std::string> format;   // export --format
    std::optional<std::string> output;   // export --output / -o
    std::optional<std::string> entity;   // sync --entity
    std::optional<std::string> project;  // sync --project
    std::optional<std::string> id;       // sync --id
    std::optional<std::string> jobs;     // sync -j / --jobs
    bool include_synced = false;         // sync --include-synced
    bool keep_open = false;              // sync --no-close
};

// Parses argv (without argv[0]); throws a usage Error for unknown options,
// missing values and options the command does not take.
Options parse_args(const std::vector<std::string> &args);

// Commands. Each returns the process exit code; output goes to stdout.
int cmd_ls(const Options &opt);
int cmd_show(const Options &opt);
int cmd_verify(const Options &opt);
int cmd_export(const Options &opt);
int cmd_sync(const Options &opt);

// Help and version text.
void print_help(const std::string &topic, bool json);  // topic "" = overview
void print_version(bool json);
// The usage lines of one command, for error messages ("" if unknown).
std::string usage_of(const std::string &command);

}  // namespace runlog::cli
