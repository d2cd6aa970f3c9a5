// Blocking-with-deadline TCP sockets for the native HTTP executor.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace runlog {
namespace http {

// Milliseconds on a monotonic clock; deadline 0 = none.
int64_t now_ms();

enum class IoResult { OK, TIMEOUT, CLOSED, ERROR };

// Resolves host and connects to the first address that answers, within
// deadline_ms (absolute, now_ms() clock; 0 = none). Returns the fd or -1 with
// why set ("could not resolve ...", "connection refused", "timed out").
int tcp_connect(const std::string &host, int port, int64_t deadline_ms, std::string &why, bool &timed_out);

// While set (per thread), waits give up as soon as *flag becomes true.
void set_thread_cancel_flag(const std::atomic<bool> *flag);

// Waits until fd is readable (want_write=false) or writable; false on timeout.
bool wait_fd(int fd, bool want_write, int64_t deadline_ms);

// Plain socket I/O honouring the deadline. read_some: *n = bytes read (0 with CLOSED).
IoResult sock_write_all(int fd, const char *p, size_t n, int64_t deadline_ms, std::string &why);
IoResult sock_read_some(int fd, char *p, size_t cap, size_t *n, int64_t deadline_ms, std::string &why);

// True if an idle keep-alive socket still looks usable (no EOF, no pending bytes).
bool idle_socket_alive(int fd);

}  // namespace http
}  // namespace runlog
