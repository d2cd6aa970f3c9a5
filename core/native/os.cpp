// The native (POSIX) platform: environment, secure randomness, clocks, host
// facts, the disk store and stderr output.
#include <pwd.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>

#include "native/disk_store.h"
#include "native/netrc.h"
#if RUNLOG_HAVE_NATIVE_HTTP
#include "native/http/native_http.h"
#endif
#include "platform.h"

namespace runlog {
namespace {

void secure_random(uint8_t *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = ::getrandom(buf + done, len - done, 0);
        if (n > 0) {
            done += size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        // No getrandom (old kernel or seccomp): the device, then as a last
        // resort the clock (ids stay unique enough for a local run).
        int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t r = ::read(fd, buf + done, len - done);
            ::close(fd);
            if (r > 0) {
                done += size_t(r);
                continue;
            }
        }
        timespec ts;
        ::clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = uint64_t(ts.tv_nsec) * 0x9E3779B97F4A7C15ull ^ uint64_t(::getpid());
        for (; done < len; ++done) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[done] = uint8_t(x);
        }
    }
}

double unix_seconds(void *) {
    timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double monotonic_seconds(void *) {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

HostInfo host_info() {
    HostInfo h;
    char buf[PATH_MAX + 1];
    if (::gethostname(buf, sizeof buf) == 0) {
        buf[sizeof buf - 1] = 0;
        h.hostname = buf;
    }
    if (const char *host = std::getenv("WANDB_HOST"); host && *host) h.hostname = host;
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) h.program = std::string(buf, size_t(n));
    if (const char *prog = std::getenv("WANDB_PROGRAM"); prog && *prog) h.program = prog;
    utsname u;
    if (::uname(&u) == 0) h.os = std::string(u.sysname) + "-" + u.release + "-" + u.machine;
    if (::getcwd(buf, sizeof buf)) h.cwd = buf;
    if (const char *user = std::getenv("USER"); user && *user) h.username = user;
    else if (passwd *pw = ::getpwuid(::geteuid())) h.username = pw->pw_name;
    h.pid = ::getpid();
    return h;
}

Platform make_native() {
    Platform p;
    p.getenv = [](const char *name) -> const char * { return std::getenv(name); };
    p.random_bytes = secure_random;
    p.local_time = [](double t) {
        time_t secs = time_t(t);
        std::tm tm{};
        ::localtime_r(&secs, &tm);
        return tm;
    };
    p.host = host_info();
    p.clock = runlog_clock{RUNLOG_CLOCK_VERSION, nullptr, unix_seconds, monotonic_seconds, nullptr};
    p.make_store = make_disk_store;
    p.read_resume_id = read_resume_id;
    p.write_resume_id = write_resume_id;
    p.default_log = [](int, const char *line) { std::fprintf(stderr, "runlog: %s\n", line); };
    p.netrc_password = netrc_password_for;
#if RUNLOG_HAVE_NATIVE_HTTP
    p.make_http = [](const std::string &ca_bundle, const std::string &user_agent,
                     std::function<void(const std::string &)> warn, runlog_http *out) {
        http::NativeHttpConfig c;
        c.ca_bundle = ca_bundle;
        c.user_agent = user_agent;
        c.warn = std::move(warn);
        http::make_native_http(c, out);
    };
#endif
    return p;
}

}  // namespace

const Platform &native_platform() {
    static const Platform platform = make_native();
    return platform;
}

}  // namespace runlog
