// The WebAssembly platform: what core/native/os.cpp is for POSIX hosts, for a
// browser page, a Web Worker or Node, all through the JavaScript host.
//
//   - environment: a table the JS package fills (runlog_wasm_setenv); under
//     Node it copies the WANDB_* variables, in a browser it stays empty;
//   - randomness: crypto.getRandomValues (a global in browsers, workers and
//     Node >= 19 alike, so no Node-only global is touched);
//   - clocks: Date.now() for wall time, performance.now() for the monotonic
//     clock (both globals everywhere the package runs);
//   - host facts: given by the JS package (runlog_wasm_set_host);
//   - default store: none. The JS package always passes a store plug-in
//     (IndexedDB, memory, or the Node disk store); a raw runlog_init() with
//     options.store == NULL is refused with a message saying so.
//
// The core asks for `runlog::native_platform()` (capi/runlog.cpp), so this file
// defines that function for the wasm build instead of core/native/os.cpp; the
// name is historical (see the issue-4 note: a neutral `host_platform()` would
// read better).
#include <emscripten.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>

#include "platform.h"

// clang-format off
EM_JS(void, runlog_js_random_bytes, (uint8_t *buf, size_t len), {
    // getRandomValues takes at most 65536 bytes per call.
    var c = globalThis.crypto;
    for (var off = 0; off < len; off += 65536) {
        var n = Math.min(65536, len - off);
        var view = HEAPU8.subarray(buf + off, buf + off + n);
        if (c && c.getRandomValues) {
            // A copy: some engines refuse views over a growable/shared buffer.
            var tmp = new Uint8Array(n);
            c.getRandomValues(tmp);
            view.set(tmp);
        } else {
            for (var i = 0; i < n; i++) view[i] = (Math.random() * 256) | 0;
        }
    }
});
EM_JS(double, runlog_js_unix_seconds, (void), { return Date.now() / 1000; });
EM_JS(double, runlog_js_monotonic_seconds, (void), {
    var p = globalThis.performance;
    return (p && p.now ? p.now() : Date.now()) / 1000;
});
EM_JS(void, runlog_js_default_log, (int level, const char *line), {
    var text = "runlog: " + UTF8ToString(line);
    if (level >= 3) console.error(text); else if (level >= 2) console.warn(text); else console.log(text);
});
// clang-format on

namespace runlog {
namespace {

std::map<std::string, std::string> &env_table() {
    static std::map<std::string, std::string> table;
    return table;
}

double unix_seconds(void *) { return runlog_js_unix_seconds(); }
double monotonic_seconds(void *) { return runlog_js_monotonic_seconds(); }

int no_default_store(const std::string &, runlog_store *, runlog_error *err) {
    if (err) {
        err->status = RUNLOG_E_INVALID_ARGUMENT;
        std::snprintf(err->message, sizeof err->message, "%s",
                      "the WebAssembly build has no default store: pass options.store (the JavaScript "
                      "package passes IndexedDB, memory or the Node disk store)");
    }
    return RUNLOG_E_INVALID_ARGUMENT;
}

Platform make_wasm() {
    Platform p;
    p.getenv = [](const char *name) -> const char * {
        auto &t = env_table();
        auto it = t.find(name);
        return it == t.end() ? nullptr : it->second.c_str();
    };
    p.random_bytes = [](uint8_t *buf, size_t len) { runlog_js_random_bytes(buf, len); };
    p.local_time = [](double t) {
        time_t secs = time_t(t);
        std::tm tm{};
        ::localtime_r(&secs, &tm);  // Emscripten answers from the JS Date
        return tm;
    };
    p.host.hostname = "wasm";
    p.host.os = "WebAssembly";
    p.clock = runlog_clock{RUNLOG_CLOCK_VERSION, nullptr, unix_seconds, monotonic_seconds, nullptr};
    p.make_store = no_default_store;
    p.read_resume_id = [](const std::string &) { return std::string(); };
    p.write_resume_id = [](const std::string &, const std::string &) {};
    p.default_log = [](int level, const char *line) { runlog_js_default_log(level, line); };
    // No ~/.netrc in a page: the API key comes from the options (or, under
    // Node, WANDB_API_KEY copied into the table above).
    p.netrc_password = [](const std::string &) { return std::string(); };
    // make_http stays empty: there is no built-in HTTP client in wasm, online
    // mode needs options.http (the package passes its fetch executor).
    return p;
}

Platform &platform_instance() {
    static Platform platform = make_wasm();
    return platform;
}

// Host facts end up in files/wandb-metadata.json, written with nlohmann's
// dump(), which would abort on invalid UTF-8 in a build without exceptions:
// keep printable ASCII only (the JS side sends ASCII already).
std::string ascii(const char *s) {
    std::string out;
    if (!s) return out;
    for (; *s && out.size() < 1024; ++s)
        out.push_back(static_cast<unsigned char>(*s) >= 0x20 && static_cast<unsigned char>(*s) < 0x7f ? *s : '?');
    return out;
}

}  // namespace

const Platform &native_platform() { return platform_instance(); }

}  // namespace runlog

extern "C" {

// Sets (value != NULL) or removes (value == NULL) a variable of the table the
// core reads its WANDB_* settings from. Not thread-safe; wasm has one thread.
EMSCRIPTEN_KEEPALIVE void runlog_wasm_setenv(const char *name, const char *value) {
    if (!name) return;
    auto &t = runlog::env_table();
    if (value) t[name] = value;
    else t.erase(name);
}

// Host facts for files/wandb-metadata.json (NULL leaves a field unchanged).
// Call before runlog_init(); runs read them when they start.
EMSCRIPTEN_KEEPALIVE void runlog_wasm_set_host(const char *hostname, const char *program, const char *os,
                                               const char *cwd, const char *username) {
    runlog::HostInfo &h = runlog::platform_instance().host;
    if (hostname) h.hostname = runlog::ascii(hostname);
    if (program) h.program = runlog::ascii(program);
    if (os) h.os = runlog::ascii(os);
    if (cwd) h.cwd = runlog::ascii(cwd);
    if (username) h.username = runlog::ascii(username);
}

}  // extern "C"
