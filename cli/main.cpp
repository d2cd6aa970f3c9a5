// runlog: the command-line tool. Parses the command line, runs one command,
// and turns every failure into "runlog: <what went wrong>; <how to fix it>"
// on stderr with exit status 1 (2 for usage errors).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "cli.h"
#include "output.h"

namespace {

using namespace runlog::cli;

int report(const std::string &what, const std::string &fix, int code) {
    std::string line = "runlog: " + printable(what);
    if (!fix.empty()) line += "; " + printable(fix);
    line += "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    return code;
}

int run(const std::vector<std::string> &args) {
    const Options opt = parse_args(args);
    if (opt.version) {
        print_version(opt.json);
        return kExitOk;
    }
    if (opt.help) {
        print_help(opt.command == "help" && !opt.positionals.empty() ? opt.positionals.front() : opt.command,
                   opt.json);
        return kExitOk;
    }
    if (opt.command.empty()) {
        report("no command given", "run `runlog help` for the commands, e.g. `runlog ls`", kExitUsage);
        return kExitUsage;
    }
    if (opt.command == "help") {
        if (opt.positionals.size() > 1)
            throw usage_error("'help' takes at most one command name", "for example `runlog help export`");
        print_help(opt.positionals.empty() ? "" : opt.positionals.front(), opt.json);
        return kExitOk;
    }
    if (opt.command == "version") {
        if (!opt.positionals.empty()) throw usage_error("'version' takes no arguments", "run `runlog --version`");
        print_version(opt.json);
        return kExitOk;
    }
    if (opt.command == "ls") return cmd_ls(opt);
    if (opt.command == "show") return cmd_show(opt);
    if (opt.command == "verify") return cmd_verify(opt);
    if (opt.command == "export") return cmd_export(opt);
    if (opt.command == "sync") return cmd_sync(opt);
    throw usage_error("unknown command '" + opt.command + "'", "run `runlog help`");
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    int code;
    try {
        code = run(args);
    } catch (const Error &e) {
        return report(e.what(), e.fix(), e.code());
    } catch (const std::bad_alloc &) {
        return report("out of memory", "free memory, or export fewer rows at a time", kExitError);
    } catch (const std::exception &e) {
        return report(std::string("unexpected error: ") + e.what(), "please report this as a runlog bug", kExitError);
    } catch (...) {
        return report("unexpected error", "please report this as a runlog bug", kExitError);
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        const int e = errno;
        return report(std::string("cannot write the output: ") + std::strerror(e),
                      "check that the disk has room and the destination is writable", kExitError);
    }
    return code;
}
