#include "run_locator.h"

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "names.h"

namespace runlog::cli {
namespace {

constexpr const char *kRunsDirName = "runlog";
constexpr const char *kLatestLink = "latest-run";

bool is_dir(const fs::path &p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool is_file(const fs::path &p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

bool ends_with(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "path/to/dir/" → "path/to/dir"; "." stays ".".
fs::path tidy(const fs::path &p) {
    fs::path n = p.lexically_normal();
    std::string s = n.string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s.empty() ? fs::path(".") : fs::path(s);
}

std::string last_component(const fs::path &p) {
    fs::path t = tidy(p);
    std::string name = t.filename().string();
    if (name.empty() || name == "." || name == "..") {
        std::error_code ec;
        fs::path abs = fs::weakly_canonical(t, ec);
        if (!ec) name = abs.filename().string();
    }
    return name;
}

fs::file_time_type mtime_of(const fs::path &p) {
    std::error_code ec;
    auto t = fs::last_write_time(p, ec);
    return ec ? fs::file_time_type{} : t;
}

// Every *.runlog regular file directly in dir, sorted by name.
std::vector<fs::path> journals_in(const fs::path &dir) {
    std::vector<fs::path> found;
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (ends_with(name, ".runlog") && is_file(it->path())) found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

// A RunRef for a directory believed to be a run directory.
RunRef ref_for_dir(const fs::path &dir) {
    RunRef ref;
    ref.dir = tidy(dir);
    ref.dir_name = last_component(dir);
    RunDirName parsed;
    if (parse_run_dir_name(ref.dir_name, parsed)) {
        ref.id = parsed.id;
        ref.stamp = parsed.timestamp;
        ref.offline = parsed.offline;
        fs::path expected = ref.dir / journal_file_name(parsed.id);
        if (is_file(expected)) {
            ref.journal = expected;
            ref.journal_found = true;
        }
    }
    if (!ref.journal_found) {
        auto found = journals_in(ref.dir);
        // Prefer the journal whose name carries the directory's id.
        for (const auto &j : found)
            if (!ref.id.empty() && j.filename() == journal_file_name(ref.id)) ref.journal = j;
        if (ref.journal.empty() && !found.empty()) ref.journal = found.front();
        ref.journal_found = !ref.journal.empty();
        if (!ref.journal_found)
            ref.journal = ref.dir / (ref.id.empty() ? std::string("run-<id>.runlog") : journal_file_name(ref.id));
    }
    if (ref.id.empty() && ref.journal_found) {
        // run-<id>.runlog
        std::string name = ref.journal.filename().string();
        if (name.rfind("run-", 0) == 0 && ends_with(name, ".runlog") && name.size() > 11)
            ref.id = name.substr(4, name.size() - 11);
    }
    ref.mtime = mtime_of(ref.journal_found ? ref.journal : ref.dir);
    return ref;
}

RunRef ref_for_journal(const fs::path &file) {
    fs::path journal = tidy(file);
    fs::path dir = journal.parent_path();
    if (dir.empty()) dir = ".";
    RunRef ref = ref_for_dir(dir);
    ref.journal = journal;
    ref.journal_found = true;
    RunDirName parsed;
    if (!parse_run_dir_name(ref.dir_name, parsed)) {
        // A journal outside a run directory: the id comes from its name.
        ref.id.clear();
        ref.stamp.clear();
        std::string name = journal.filename().string();
        if (name.rfind("run-", 0) == 0 && ends_with(name, ".runlog") && name.size() > 11)
            ref.id = name.substr(4, name.size() - 11);
    }
    ref.mtime = mtime_of(journal);
    return ref;
}

std::string where(const RunsRoot &root) {
    return display_path(root.base) + " (from " + root.how + ")";
}

std::string list_fix() {
    return "run `runlog ls` to see the runs there, or point to another directory with --dir DIR "
           "(or WANDB_DIR)";
}

bool holds_run_dirs(const fs::path &dir) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        RunDirName parsed;
        if (parse_run_dir_name(it->path().filename().string(), parsed) && is_dir(it->path())) return true;
    }
    return false;
}

}  // namespace

std::string display_path(const fs::path &p) { return p.string(); }

std::string absolute_path(const fs::path &p) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    return tidy(ec ? p : abs).string();
}

RunsRoot find_runs_root(const Options &opt) {
    fs::path root;
    RunsRoot out;
    if (opt.dir) {
        root = *opt.dir;
        out.how = "--dir";
    } else if (const char *env = std::getenv("WANDB_DIR"); env && *env) {
        root = env;
        out.how = "WANDB_DIR";
    } else {
        root = ".";
        out.how = "the current directory";
    }
    std::error_code ec;
    if (fs::exists(root, ec) && !is_dir(root))
        throw Error(root.string() + " (from " + out.how + ") is not a directory",
                    "point --dir (or WANDB_DIR) at the directory that holds runlog/");
    fs::path abs = fs::absolute(root, ec);
    root = tidy(ec ? root : abs);
    out.base = root / kRunsDirName;
    if (!is_dir(out.base) && is_dir(root) && holds_run_dirs(root)) out.base = root;  // given runlog/ itself
    return out;
}

std::vector<RunRef> list_runs(const RunsRoot &root) {
    std::vector<RunRef> runs;
    std::error_code ec;
    auto st = fs::status(root.base, ec);
    if (ec || !fs::exists(st)) return runs;
    if (!fs::is_directory(st))
        throw Error(display_path(root.base) + " is not a directory",
                    "point --dir (or WANDB_DIR) at the directory that holds runlog/");
    fs::directory_iterator it(root.base, ec), end;
    if (ec)
        throw Error("cannot read the runs directory " + display_path(root.base) + ": " + ec.message(),
                    "check its permissions, or point --dir (or WANDB_DIR) elsewhere");
    for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        RunDirName parsed;
        if (!parse_run_dir_name(name, parsed) || !is_dir(it->path())) continue;
        runs.push_back(ref_for_dir(it->path()));
    }
    if (ec)
        throw Error("cannot read the runs directory " + display_path(root.base) + ": " + ec.message(),
                    "check its permissions, or point --dir (or WANDB_DIR) elsewhere");
    std::sort(runs.begin(), runs.end(), [](const RunRef &a, const RunRef &b) {
        if (a.stamp != b.stamp) return a.stamp > b.stamp;
        if (a.mtime != b.mtime) return a.mtime > b.mtime;
        return a.dir_name > b.dir_name;
    });
    return runs;
}

RunRef resolve_run(const std::string &run, const RunsRoot &root) {
    if (run == "latest") {
        const fs::path link = root.base / kLatestLink;
        if (is_dir(link)) {
            std::error_code ec;
            fs::path target = fs::read_symlink(link, ec);
            if (!ec) {
                fs::path dir = target.is_absolute() ? target : root.base / target;
                if (is_dir(dir)) return ref_for_dir(dir);
            }
            return ref_for_dir(link);
        }
        auto runs = list_runs(root);
        if (runs.empty())
            throw Error("there are no runs in " + where(root),
                        "start a run first, or point to the directory holding runlog/ with --dir DIR (or WANDB_DIR)");
        return runs.front();
    }

    std::error_code ec;
    auto st = fs::status(run, ec);
    if (!ec && fs::exists(st)) {
        if (fs::is_regular_file(st)) return ref_for_journal(run);
        if (fs::is_directory(st)) {
            RunRef ref = ref_for_dir(run);
            if (ref.journal_found) return ref;
            if (is_dir(fs::path(run) / kRunsDirName) || holds_run_dirs(run))
                throw Error(run + " holds runs; it is not a run itself",
                            "name one run: `runlog ls --dir " + run + "` lists them");
            throw Error(run + " is a directory without a run journal (run-<id>.runlog)",
                        "give a run directory (offline-run-…-<id>), a .runlog file, a run id or `latest`");
        }
        throw Error(run + " is not a regular file or directory",
                    "give a run directory, a .runlog file, a run id or `latest`");
    }

    if (run.find('/') != std::string::npos || ends_with(run, ".runlog"))
        throw Error(run + " does not exist", "check the path, or give a run id or `latest`");
    if (std::string why = check_run_id(run); !why.empty())
        throw Error("'" + run + "' is not a run id, `latest`, or an existing run directory or file (" + why + ")",
                    list_fix());

    auto runs = list_runs(root);
    for (const auto &r : runs)  // newest first: the newest directory with this id wins
        if (r.id == run) return r;
    std::vector<const RunRef *> prefixed;
    for (const auto &r : runs)
        if (r.id.rfind(run, 0) == 0 &&
            std::none_of(prefixed.begin(), prefixed.end(), [&](const RunRef *p) { return p->id == r.id; }))
            prefixed.push_back(&r);
    if (prefixed.size() == 1) return *prefixed.front();
    if (prefixed.size() > 1) {
        std::string ids;
        for (size_t i = 0; i < prefixed.size() && i < 5; ++i) ids += (i ? ", " : "") + prefixed[i]->id;
        if (prefixed.size() > 5) ids += ", …";
        throw Error("'" + run + "' matches several runs (" + ids + ") in " + where(root),
                    "give more characters of the run id");
    }
    if (runs.empty())
        throw Error("no run with id '" + run + "': there are no runs in " + where(root),
                    "point to the directory holding runlog/ with --dir DIR (or WANDB_DIR), or give a run "
                    "directory or .runlog file");
    throw Error("no run with id '" + run + "' in " + where(root), list_fix());
}

void require_journal(const RunRef &ref) {
    if (!ref.journal_found)
        throw Error("the run directory " + display_path(ref.dir) + " has no journal (" +
                        ref.journal.filename().string() + ")",
                    "the run was never started or its journal was deleted; `runlog ls` lists the runs "
                    "that have one");
}

}  // namespace runlog::cli
