#include "socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

namespace runlog {
namespace http {

int64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline_ms) {
    if (deadline_ms == 0) return -1;
    int64_t r = deadline_ms - now_ms();
    if (r <= 0) return 0;
    return r > 0x7fffffff ? 0x7fffffff : (int)r;
}

static thread_local const std::atomic<bool> *tl_cancel = nullptr;

void set_thread_cancel_flag(const std::atomic<bool> *flag) { tl_cancel = flag; }

bool wait_fd(int fd, bool want_write, int64_t deadline_ms) {
    for (;;) {
        pollfd pfd{fd, (short)(want_write ? POLLOUT : POLLIN), 0};
        if (tl_cancel && tl_cancel->load()) return false;  // cancelled: report as a timeout
        int t = remaining(deadline_ms);
        // With a cancel flag, wake up every 100 ms to look at it.
        if (tl_cancel && (t < 0 || t > 100)) {
            int rc = poll(&pfd, 1, 100);
            if (rc > 0) return true;
            if (rc < 0 && errno != EINTR) return true;
            continue;
        }
        if (deadline_ms && t == 0) {
            // One last non-blocking look before declaring a timeout.
            int rc = poll(&pfd, 1, 0);
            return rc > 0;
        }
        int rc = poll(&pfd, 1, t);
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) return true;  // let the I/O call report the error
    }
}

int tcp_connect(const std::string &host, int port, int64_t deadline_ms, std::string &why, bool &timed_out) {
    timed_out = false;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo *res = nullptr;
    std::string portstr = std::to_string(port);
    int gai = getaddrinfo(host.c_str(), portstr.c_str(), &hints, &res);
    if (gai != 0 && gai != EAI_SYSTEM) {
        hints.ai_flags = 0;  // AI_ADDRCONFIG fails for loopback-only hosts
        gai = getaddrinfo(host.c_str(), portstr.c_str(), &hints, &res);
    }
    if (gai != 0) {
        why = std::string("could not resolve host: ") + gai_strerror(gai);
        return -1;
    }
    std::string last = "no address";
    int fd = -1;
    for (addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            last = strerror(errno);
            continue;
        }
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            if (!wait_fd(fd, true, deadline_ms)) {
                close(fd);
                fd = -1;
                timed_out = true;
                last = "connect timed out";
                break;  // the deadline is shared: no time for other addresses
            }
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err ? -1 : 0;
            errno = err;
        }
        if (rc == 0) break;
        last = strerror(errno);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        why = last;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return fd;
}

IoResult sock_write_all(int fd, const char *p, size_t n, int64_t deadline_ms, std::string &why) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_fd(fd, true, deadline_ms)) {
                why = "timed out sending the request";
                return IoResult::TIMEOUT;
            }
            continue;
        }
        why = std::string("send failed: ") + strerror(errno);
        return errno == EPIPE || errno == ECONNRESET ? IoResult::CLOSED : IoResult::ERROR;
    }
    return IoResult::OK;
}

IoResult sock_read_some(int fd, char *p, size_t cap, size_t *n, int64_t deadline_ms, std::string &why) {
    *n = 0;
    for (;;) {
        ssize_t r = recv(fd, p, cap, 0);
        if (r > 0) {
            *n = (size_t)r;
            return IoResult::OK;
        }
        if (r == 0) return IoResult::CLOSED;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_fd(fd, false, deadline_ms)) {
                why = "timed out waiting for the response";
                return IoResult::TIMEOUT;
            }
            continue;
        }
        why = std::string("receive failed: ") + strerror(errno);
        return IoResult::ERROR;
    }
}

bool idle_socket_alive(int fd) {
    pollfd pfd{fd, POLLIN, 0};
    int rc = poll(&pfd, 1, 0);
    if (rc == 0) return true;  // nothing pending: alive
    return false;              // EOF, RST or unsolicited bytes: not reusable
}

}  // namespace http
}  // namespace runlog
