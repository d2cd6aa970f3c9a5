// Command-line parsing: `runlog [OPTIONS] COMMAND [ARGS] [OPTIONS]`.
// Options may come before or after the command, as `--opt VALUE` or
// `--opt=VALUE`; `--` ends the options.
#include <set>

#include "cli.h"

namespace runlog::cli {
namespace {

const std::set<std::string> kCommands = {"ls", "show", "verify", "export", "sync", "help", "version"};

// The options each command accepts (besides --json, --help).
bool accepts(const std::string &command, const std::string &option) {
    if (option == "--json" || option == "--help") return true;
    if (command.empty() || command == "help" || command == "version") return false;
    if (option == "--dir") return true;
    if (option == "--rows") return command == "show";
    if (option == "--format" || option == "--output") return command == "export";
    if (option == "--entity" || option == "--project" || option == "--id" || option == "--jobs" ||
        option == "--include-synced" || option == "--no-close")
        return command == "sync";
    return false;
}

std::string fix_for(const std::string &command) {
    if (command.empty() || !kCommands.count(command)) return "run `runlog help` for the usage";
    return "run `runlog help " + command + "` for the usage";
}

}  // namespace

Options parse_args(const std::vector<std::string> &args) {
    Options opt;
    // Options are checked against the command once it is known, so remember
    // which were given.
    std::vector<std::string> given;
    bool options_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (options_done || a.empty() || a[0] != '-' || a == "-") {
            if (opt.command.empty()) {
                opt.command = a;
                if (!kCommands.count(a))
                    throw usage_error("unknown command '" + a + "'",
                                      "the commands are ls, show, verify, export, sync and help; run `runlog help`");
            } else {
                opt.positionals.push_back(a);
            }
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        std::string name = a;
        std::optional<std::string> inline_value;
        if (a.rfind("--", 0) == 0) {
            if (size_t eq = a.find('='); eq != std::string::npos) {
                name = a.substr(0, eq);
                inline_value = a.substr(eq + 1);
            }
        }
        if (name == "-h") name = "--help";
        if (name == "-o") name = "--output";
        if (name == "-j") name = "--jobs";
        if (name.size() > 2 && name.rfind("-j", 0) == 0 && name[2] != '-' && !inline_value) {  // -j4
            inline_value = name.substr(2);
            name = "--jobs";
        }

        auto flag = [&](bool &target) {
            if (inline_value)
                throw usage_error("the option " + name + " takes no value", fix_for(opt.command));
            target = true;
        };
        auto value = [&](std::optional<std::string> &target) {
            std::string v;
            if (inline_value) {
                v = *inline_value;
            } else {
                if (i + 1 >= args.size())
                    throw usage_error("the option " + name + " needs a value", fix_for(opt.command));
                v = args[++i];
            }
            if (v.empty()) throw usage_error("the option " + name + " was given an empty value", fix_for(opt.command));
            if (target) throw usage_error("the option " + name + " was given twice", "give it once");
            target = v;
        };

        if (name == "--json") flag(opt.json);
        else if (name == "--help") flag(opt.help);
        else if (name == "--version") flag(opt.version);
        else if (name == "--dir") value(opt.dir);
        else if (name == "--rows") value(opt.rows);
        else if (name == "--format") value(opt.format);
        else if (name == "--output") value(opt.output);
        else if (name == "--entity") value(opt.entity);
        else if (name == "--project") value(opt.project);
        else if (name == "--id") value(opt.id);
        else if (name == "--jobs") value(opt.jobs);
        else if (name == "--include-synced") flag(opt.include_synced);
        else if (name == "--no-close") flag(opt.keep_open);
        else
            throw usage_error("unknown option '" + a + "'" +
                                  (opt.command.empty() ? std::string() : " for '" + opt.command + "'"),
                              fix_for(opt.command));
        given.push_back(name);
    }

    if (opt.version || opt.help) return opt;  // these win over everything else
    for (const auto &name : given)
        if (!accepts(opt.command, name)) {
            if (opt.command.empty())
                throw usage_error("the option " + name + " needs a command before or after it",
                                  "for example `runlog ls " + name + " …`; run `runlog help`");
            throw usage_error("'" + opt.command + "' does not take the option " + name, fix_for(opt.command));
        }
    return opt;
}

}  // namespace runlog::cli
