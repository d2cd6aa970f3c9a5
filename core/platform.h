// What the core needs from its host, passed in rather than reached for: the
// core itself opens no files, reads no clock and no environment. core/native/
// supplies these for POSIX hosts; a WebAssembly or embedded host supplies its own.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>

#include "runlog.h"

namespace runlog {

struct HostInfo {
    std::string hostname;
    std::string program;   // path of the executable
    std::string os;        // e.g. "Linux-6.1.0-x86_64"
    std::string cwd;
    std::string username;
    int64_t pid = 0;
};

struct Platform {
    std::function<const char *(const char *)> getenv;
    std::function<void(uint8_t *, size_t)> random_bytes;  // secure source
    std::function<std::tm(double unix_seconds)> local_time;
    HostInfo host;
    runlog_clock clock{};                                  // default clock
    // The default store for runs under root_dir (the disk store natively).
    std::function<int(const std::string &root_dir, runlog_store *out, runlog_error *err)> make_store;
    // W&B's resume="auto": the id remembered in <root>/runlog/wandb-resume.json.
    std::function<std::string(const std::string &root_dir)> read_resume_id;
    std::function<void(const std::string &root_dir, const std::string &id)> write_resume_id;
    // The password of the `machine <host>` entry of ~/.netrc (or $NETRC), ""
    // if none: where `wandb login` keeps the API key.
    std::function<std::string(const std::string &host)> netrc_password;
    // The built-in HTTP executor (empty when the build has none: then online
    // mode needs options.http).
    std::function<void(const std::string &ca_bundle, const std::string &user_agent,
                       std::function<void(const std::string &)> warn, runlog_http *out)> make_http;
    // Writes one diagnostic line to the default sink (stderr natively).
    std::function<void(int level, const char *line)> default_log;
};

// The native platform (core/native/os.cpp).
const Platform &native_platform();

}  // namespace runlog
