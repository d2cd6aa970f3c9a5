// HttpClient against the local W&B test server (tests/server/wbserver.py),
// a tiny CONNECT proxy (connect_proxy.py) and an in-process raw server for
// canned answers (chunked, malformed, oversized).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "http_client.h"

using namespace runlog;
using namespace runlog::http;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef01234567";

std::string b64(const std::string &in) {
    static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t val = 0;  // unsigned: the high bits shifted out wrap (int would be UB)
    int bits = -6;
    for (unsigned char c : in) {
        val = (val << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out += t[(val >> bits) & 0x3F];
            bits -= 6;
        }
    }
    if (bits > -6) out += t[((val << 8) >> (bits + 8)) & 0x3F];
    while (out.size() % 4) out += '=';
    return out;
}

std::string auth_value(const std::string &key = kKey) { return "Basic " + b64("api:" + key); }

std::string read_file(const std::string &p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string make_tmpdir() {
    char tmpl[] = "/tmp/runlog_http_XXXXXX";
    return mkdtemp(tmpl);
}

struct Proc {
    pid_t pid = -1;
    int stdin_w = -1;
};

Proc spawn(const std::vector<std::string> &args, const std::string &log) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) abort();
    Proc pr;
    pr.pid = fork();
    if (pr.pid == 0) {
        dup2(p[0], 0);
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        std::vector<char *> av;
        for (auto &a : args) av.push_back(const_cast<char *>(a.c_str()));
        av.push_back(nullptr);
        execvp(av[0], av.data());
        _exit(127);
    }
    close(p[0]);
    pr.stdin_w = p[1];
    return pr;
}

void stop(Proc &p) {
    if (p.pid <= 0) return;
    kill(p.pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        int st;
        if (waitpid(p.pid, &st, WNOHANG) == p.pid) {
            p.pid = -1;
            break;
        }
        usleep(50 * 1000);
    }
    if (p.pid > 0) {
        kill(p.pid, SIGKILL);
        waitpid(p.pid, nullptr, 0);
        p.pid = -1;
    }
    if (p.stdin_w >= 0) close(p.stdin_w);
    p.stdin_w = -1;
}

int wait_ready(const std::string &file, const Proc &p) {
    for (int i = 0; i < 300; i++) {
        std::string s = read_file(file);
        if (!s.empty() && s.back() == '\n') return atoi(s.c_str());
        if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return atoi(s.c_str());
        int st;
        if (waitpid(p.pid, &st, WNOHANG) == p.pid) return -1;
        usleep(50 * 1000);
    }
    return -1;
}

// The W&B test server, HTTP or HTTPS.
struct WbServer {
    std::string dir;
    Proc proc;
    int port = -1;
    bool tls = false;

    explicit WbServer(bool with_tls) : tls(with_tls) {
        dir = make_tmpdir();
        std::vector<std::string> a = {PYTHON3, std::string(RUNLOG_SOURCE_DIR) + "/tests/server/wbserver.py",
                                      "--port", "0", "--ready-file", dir + "/ready", "--exit-with-parent",
                                      "--max-lifetime", "600", "--api-key", kKey};
        if (tls) {
            a.push_back("--tls-dir");
            a.push_back(dir + "/tls");
        }
        proc = spawn(a, dir + "/server.log");
        port = wait_ready(dir + "/ready", proc);
    }
    ~WbServer() {
        stop(proc);
        std::string cmd = "rm -rf '" + dir + "'";
        if (system(cmd.c_str())) {
        }
    }
    std::string ca() const { return dir + "/tls/ca.pem"; }
    std::string url(const std::string &path, const std::string &host = "127.0.0.1") const {
        return std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(port) + path;
    }
    std::string log() const { return read_file(dir + "/server.log"); }
};

// Admin calls through a plain client (the admin API takes no auth).
std::string admin(WbServer &s, const std::string &method, const std::string &path, const std::string &body = "") {
    HttpClientOptions o;
    o.ca_bundle = s.tls ? s.ca() : "";
    o.use_environment = false;
    HttpClient c(o);
    HttpRequest rq;
    rq.method = method;
    rq.url = s.url(path);
    rq.body = body;
    rq.timeout_ms = 10000;
    HttpResponse rs;
    Error e;
    c.perform(rq, rs, e);
    EXPECT_EQ(rs.status, 200) << e.message;
    return rs.body;
}

HttpRequest viewer_request(const WbServer &s, const std::string &host = "127.0.0.1") {
    HttpRequest r;
    r.method = "POST";
    r.url = s.url("/graphql", host);
    r.headers = {{"Authorization", auth_value()}, {"Content-Type", "application/json"}};
    r.body = R"({"query":"query Viewer { viewer { entity } }"})";
    r.connect_timeout_ms = 5000;
    r.timeout_ms = 10000;
    return r;
}

void expect_no_key(const std::string &msg) {
    EXPECT_EQ(msg.find(kKey), std::string::npos) << msg;
    EXPECT_EQ(msg.find(b64("api:" + kKey)), std::string::npos) << msg;
    EXPECT_EQ(msg.find(b64("api:" + kKey).substr(0, 20)), std::string::npos) << msg;
}

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(fd, (sockaddr *)&a, &l);
    close(fd);  // nothing listens there now
    return ntohs(a.sin_port);
}

// Environment variables set for one scope.
struct ScopedEnv {
    std::vector<std::pair<std::string, std::string>> saved;
    std::vector<std::string> unset_after;
    void set(const std::string &k, const std::string &v) {
        const char *old = getenv(k.c_str());
        if (old)
            saved.emplace_back(k, old);
        else
            unset_after.push_back(k);
        setenv(k.c_str(), v.c_str(), 1);
    }
    ~ScopedEnv() {
        for (auto &kv : saved) setenv(kv.first.c_str(), kv.second.c_str(), 1);
        for (auto &k : unset_after) unsetenv(k.c_str());
    }
};

class HttpEnv : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char *v : {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
                              "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "WANDB_INSECURE_DISABLE_SSL"})
            unsetenv(v);
    }
};

// An in-process server answering each request with handler(request head).
struct RawServer {
    int lfd = -1;
    int port = 0;
    std::thread th;
    std::atomic<bool> stopping{false};
    std::atomic<int> connections{0};
    // Returns the bytes to send; *close_after = close the connection after.
    std::function<std::string(const std::string &, bool *)> handler;

    explicit RawServer(std::function<std::string(const std::string &, bool *)> h) : handler(std::move(h)) {
        lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(lfd, (sockaddr *)&a, sizeof a);
        socklen_t l = sizeof a;
        getsockname(lfd, (sockaddr *)&a, &l);
        port = ntohs(a.sin_port);
        listen(lfd, 16);
        th = std::thread([this] { run(); });
    }
    ~RawServer() {
        stopping = true;
        shutdown(lfd, SHUT_RDWR);
        close(lfd);
        th.join();
    }
    std::string url(const std::string &path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
    void run() {
        for (;;) {
            int c = accept(lfd, nullptr, nullptr);
            if (c < 0) return;
            connections++;
            std::string buf;
            for (;;) {
                size_t e;
                while ((e = buf.find("\r\n\r\n")) == std::string::npos) {
                    char b[4096];
                    ssize_t n = recv(c, b, sizeof b, 0);
                    if (n <= 0) break;
                    buf.append(b, (size_t)n);
                }
                if (e == std::string::npos) break;
                std::string head = buf.substr(0, e + 4);
                size_t cl = 0, p = head.find("Content-Length: ");
                if (p != std::string::npos) cl = strtoul(head.c_str() + p + 16, nullptr, 10);
                while (buf.size() < e + 4 + cl) {
                    char b[4096];
                    ssize_t n = recv(c, b, sizeof b, 0);
                    if (n <= 0) break;
                    buf.append(b, (size_t)n);
                }
                buf.erase(0, std::min(buf.size(), e + 4 + cl));
                bool close_after = false;
                std::string out = handler(head, &close_after);
                send(c, out.data(), out.size(), MSG_NOSIGNAL);
                if (close_after) break;
            }
            close(c);
            if (stopping) return;
        }
    }
};

int64_t elapsed_ms(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// ---------------------------------------------------------------- plain HTTP

TEST_F(HttpEnv, GetAndPost) {
    WbServer s(false);
    ASSERT_GT(s.port, 0) << s.log();
    HttpClient c;
    HttpRequest get;
    get.url = s.url("/_admin/state");
    HttpResponse r;
    Error e;
    ASSERT_EQ(c.perform(get, r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("\"runs\""), std::string::npos);
    ASSERT_NE(r.header("content-type"), nullptr);

    ASSERT_EQ(c.perform(viewer_request(s), r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("runlog-tester"), std::string::npos) << r.body;

    HttpRequest bad = viewer_request(s);
    bad.headers[0].second = auth_value(std::string(40, 'z'));
    ASSERT_EQ(c.perform(bad, r, e), RUNLOG_OK);  // an HTTP answer, whatever its status
    EXPECT_EQ(r.status, 401);

    // The server saw our headers, Host and Content-Length.
    std::string st = admin(s, "GET", "/_admin/state");
    EXPECT_NE(st.find("\"User-Agent\":\"runlog\""), std::string::npos);
    EXPECT_NE(st.find("\"Host\":\"127.0.0.1:" + std::to_string(s.port) + "\""), std::string::npos);
}

TEST_F(HttpEnv, KeepAliveReusesOneConnectionFor100Requests) {
    WbServer s(false);
    ASSERT_GT(s.port, 0) << s.log();
    HttpClient c;
    for (int i = 0; i < 100; i++) {
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(viewer_request(s), r, e), RUNLOG_OK) << i << ": " << e.message;
        ASSERT_EQ(r.status, 200);
        EXPECT_EQ(r.reused_connection, i > 0);
    }
    EXPECT_EQ(c.stats().connections_opened, 1u);
    EXPECT_EQ(c.stats().connections_reused, 99u);
    // The server agrees: every logged request came from the same client port.
    std::string st = admin(s, "GET", "/_admin/state");
    std::set<std::string> clients;
    size_t p = 0;
    int n = 0;
    while ((p = st.find("\"client\":\"", p)) != std::string::npos) {
        p += 10;
        clients.insert(st.substr(p, st.find('"', p) - p));
        n++;
    }
    EXPECT_EQ(n, 100);
    EXPECT_EQ(clients.size(), 1u);
}

TEST_F(HttpEnv, RefusedPortNamesHostAndPort) {
    int port = free_port();
    HttpClient c;
    HttpRequest rq;
    rq.url = "http://127.0.0.1:" + std::to_string(port) + "/graphql";
    rq.headers = {{"Authorization", auth_value()}};
    HttpResponse r;
    Error e;
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_kind, HttpErrorKind::CONNECT);
    EXPECT_TRUE(error_kind_retryable(r.error_kind));
    EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("refused"), std::string::npos) << e.message;
    expect_no_key(e.message);
}

TEST_F(HttpEnv, UnresolvableHostNamesHost) {
    HttpClient c;
    HttpRequest rq;
    rq.url = "http://no-such-host.invalid:8123/";
    rq.connect_timeout_ms = 5000;
    HttpResponse r;
    Error e;
    EXPECT_NE(c.perform(rq, r, e), RUNLOG_OK);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_kind, HttpErrorKind::DNS);
    EXPECT_NE(e.message.find("no-such-host.invalid:8123"), std::string::npos) << e.message;
}

TEST_F(HttpEnv, ConnectionResetMidRequest) {
    WbServer s(false);
    ASSERT_GT(s.port, 0) << s.log();
    admin(s, "POST", "/_admin/faults", R"({"rules":[{"endpoint":"graphql","action":"reset","count":1}]})");
    HttpClient c;
    HttpResponse r;
    Error e;
    EXPECT_EQ(c.perform(viewer_request(s), r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_kind, HttpErrorKind::CONNECTION);
    EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(s.port)), std::string::npos) << e.message;
    expect_no_key(e.message);
    // The fault fired once: the next attempt (the sender's retry) works on a new connection.
    ASSERT_EQ(c.perform(viewer_request(s), r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(c.stats().connections_opened, 2u);

    // A FIN (close) without an answer, on a kept-alive connection, is not retried for POST either.
    admin(s, "POST", "/_admin/faults", R"({"rules":[{"endpoint":"graphql","action":"close","count":1}]})");
    EXPECT_EQ(c.perform(viewer_request(s), r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(e.message.find("closed"), std::string::npos) << e.message;

    // Reset before the body is read.
    admin(s, "POST", "/_admin/faults",
          R"({"rules":[{"endpoint":"graphql","action":"reset","when":"before_body","count":1}]})");
    HttpRequest big = viewer_request(s);
    big.body = R"({"query":"query Viewer { viewer { entity } }","pad":")" + std::string(1 << 20, 'x') + "\"}";
    EXPECT_NE(c.perform(big, r, e), RUNLOG_OK);
    EXPECT_EQ(r.status, 0);
    expect_no_key(e.message);
}

TEST_F(HttpEnv, SlowAnswerHitsTheReadTimeout) {
    WbServer s(false);
    ASSERT_GT(s.port, 0) << s.log();
    admin(s, "POST", "/_admin/faults", R"({"rules":[{"endpoint":"graphql","delay_ms":3000,"count":1}]})");
    HttpClient c;
    HttpRequest rq = viewer_request(s);
    rq.timeout_ms = 500;
    HttpResponse r;
    Error e;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_TIMEOUT);
    int64_t ms = elapsed_ms(t0);
    EXPECT_GE(ms, 450);
    EXPECT_LT(ms, 2000);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TIMEOUT);
    EXPECT_NE(e.message.find("timed out"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(s.port)), std::string::npos) << e.message;
    expect_no_key(e.message);
    // The timed-out connection was dropped, not reused with a late answer in it.
    rq.timeout_ms = 10000;
    ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.reused_connection);
}

TEST_F(HttpEnv, ConnectTimeout) {
    // A listener that never accepts, with its backlog filled: further SYNs
    // are dropped and connect() hangs until our deadline.
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(lfd, (sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(lfd, (sockaddr *)&a, &l);
    ASSERT_EQ(listen(lfd, 0), 0);
    std::vector<int> fillers;
    for (int i = 0; i < 8; i++) {
        int f = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(f, (sockaddr *)&a, sizeof a);
        fillers.push_back(f);
    }
    usleep(100 * 1000);
    const std::string where = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    HttpClient c;
    HttpRequest rq;
    rq.url = "http://" + where + "/";
    rq.connect_timeout_ms = 300;
    rq.timeout_ms = 10000;
    HttpResponse r;
    Error e;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_TIMEOUT) << e.message;
    int64_t ms = elapsed_ms(t0);
    EXPECT_GE(ms, 250);
    EXPECT_LT(ms, 3000);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TIMEOUT) << e.message;
    EXPECT_NE(e.message.find(where), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("connect"), std::string::npos) << e.message;
    for (int f : fillers) close(f);
    close(lfd);
}

// ---------------------------------------------------------------- canned answers

TEST_F(HttpEnv, ChunkedBodiesAndReuseAfterThem) {
    RawServer srv([](const std::string &, bool *) {
        return std::string(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
            "4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
    });
    HttpClient c;
    for (int i = 0; i < 3; i++) {
        HttpRequest rq;
        rq.url = srv.url("/x");
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "{\"a\":1}");
    }
    EXPECT_EQ(srv.connections.load(), 1);
}

TEST_F(HttpEnv, LargeChunkedAndContentLengthBodies) {
    std::string big(3 << 20, 'q');
    RawServer srv([&](const std::string &head, bool *) {
        if (head.find("/chunked") != std::string::npos) {
            std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            for (size_t i = 0; i < big.size(); i += 100000) {
                size_t n = std::min<size_t>(100000, big.size() - i);
                char h[32];
                snprintf(h, sizeof h, "%zx\r\n", n);
                out += h + big.substr(i, n) + "\r\n";
            }
            return out + "0\r\n\r\n";
        }
        return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big;
    });
    HttpClient c;
    for (const char *p : {"/chunked", "/cl"}) {
        HttpRequest rq;
        rq.url = srv.url(p);
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
        EXPECT_EQ(r.body.size(), big.size());
        EXPECT_EQ(r.body, big);
    }
}

TEST_F(HttpEnv, ReadUntilCloseAndConnectionClose) {
    RawServer srv([](const std::string &, bool *close_after) {
        *close_after = true;
        return std::string("HTTP/1.1 200 OK\r\n\r\nuntil-eof");
    });
    HttpClient c;
    for (int i = 0; i < 2; i++) {
        HttpRequest rq;
        rq.url = srv.url("/");
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
        EXPECT_EQ(r.body, "until-eof");
        EXPECT_FALSE(r.reused_connection);
    }
    EXPECT_EQ(srv.connections.load(), 2);
}

TEST_F(HttpEnv, MalformedAndOversizedAnswers) {
    RawServer srv([](const std::string &head, bool *close_after) {
        *close_after = true;
        if (head.find("/garbage") != std::string::npos) return std::string("SMTP ready\r\n\r\n");
        if (head.find("/truncated") != std::string::npos)
            return std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
        return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n") + std::string(2000, 'x');
    });
    HttpClientOptions o;
    o.limits.max_body_bytes = 1000;
    HttpClient c(o);
    HttpResponse r;
    Error e;
    HttpRequest rq;
    rq.url = srv.url("/garbage");
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.error_kind, HttpErrorKind::PROTOCOL);
    EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(srv.port)), std::string::npos) << e.message;
    rq.url = srv.url("/truncated");
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.error_kind, HttpErrorKind::CONNECTION);
    EXPECT_NE(e.message.find("middle of the response"), std::string::npos) << e.message;
    rq.url = srv.url("/big");
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_TOO_LARGE);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TOO_LARGE);
    EXPECT_EQ(r.status, 0);
}

TEST_F(HttpEnv, StaleKeptAliveConnectionIsReplaced) {
    // The server answers, keeps the connection, then closes it while idle.
    std::atomic<int> n{0};
    RawServer srv([&](const std::string &, bool *close_after) {
        *close_after = true;  // closes right after the answer, without saying so
        n++;
        return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    HttpClient c;
    for (int i = 0; i < 3; i++) {
        HttpRequest rq;
        rq.url = srv.url("/");
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << i << ": " << e.message;
        usleep(50 * 1000);  // let the FIN arrive
    }
    EXPECT_EQ(n.load(), 3);
    EXPECT_EQ(srv.connections.load(), 3);
}

TEST_F(HttpEnv, HeadAndInvalidRequests) {
    RawServer srv([](const std::string &head, bool *) {
        if (head.compare(0, 5, "HEAD ") == 0) return std::string("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        return std::string("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    });
    HttpClient c;
    HttpRequest rq;
    rq.method = "HEAD";
    rq.url = srv.url("/");
    HttpResponse r;
    Error e;
    // Content-Length describes the GET body; a HEAD answer has none.
    ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "");
    ASSERT_NE(r.header("Content-Length"), nullptr);
    rq.method = "GET";  // same connection: the HEAD answer left nothing behind
    ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.body, "hello");
    EXPECT_TRUE(r.reused_connection);

    HttpClient c2;
    rq.method = "GET";
    rq.headers = {{"Authorization", auth_value() + "\r\nX-Injected: 1"}};
    EXPECT_EQ(c2.perform(rq, r, e), RUNLOG_E_INVALID_ARGUMENT);
    EXPECT_EQ(r.error_kind, HttpErrorKind::INVALID_REQUEST);
    expect_no_key(e.message);
    EXPECT_NE(e.message.find("Authorization"), std::string::npos) << e.message;
    rq.headers = {{"Bad Name", "x"}};
    EXPECT_EQ(c2.perform(rq, r, e), RUNLOG_E_INVALID_ARGUMENT);
    rq.headers.clear();
    rq.method = "GE T";
    EXPECT_EQ(c2.perform(rq, r, e), RUNLOG_E_INVALID_ARGUMENT);
    rq.method = "GET";
    rq.url = "ftp://" + kKey + "@host/";
    EXPECT_EQ(c2.perform(rq, r, e), RUNLOG_E_INVALID_ARGUMENT);
    expect_no_key(e.message);
}

// ---------------------------------------------------------------- TLS

struct ProxyProc {
    std::string dir;
    Proc proc;
    int port = -1;
    ProxyProc() {
        dir = make_tmpdir();
        proc = spawn({PYTHON3, std::string(RUNLOG_SOURCE_DIR) + "/tests/http/connect_proxy.py", "--ready-file",
                      dir + "/ready", "--log", dir + "/requests.log", "--alias", "wrong-name.test"},
                     dir + "/proxy.out");
        port = wait_ready(dir + "/ready", proc);
    }
    ~ProxyProc() {
        stop(proc);
        std::string cmd = "rm -rf '" + dir + "'";
        if (system(cmd.c_str())) {
        }
    }
    std::string requests() const { return read_file(dir + "/requests.log"); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};


TEST_F(HttpEnv, HttpsRefusedByDefaultWithAClearMessage) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    HttpClient c;  // system CA bundle
    HttpResponse r;
    Error e;
    EXPECT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TLS_VERIFY);
    EXPECT_FALSE(error_kind_retryable(r.error_kind));
    EXPECT_NE(e.message.find("localhost:" + std::to_string(s.port)), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("not trusted"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("/etc/ssl/certs/ca-certificates.crt"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("SSL_CERT_FILE"), std::string::npos) << e.message;
    expect_no_key(e.message);
}

TEST_F(HttpEnv, HttpsAcceptedWithCaBundleOption) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    HttpClientOptions o;
    o.ca_bundle = s.ca();
    HttpClient c(o);
    for (const char *host : {"localhost", "127.0.0.1"}) {  // DNS name and IP SAN
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(viewer_request(s, host), r, e), RUNLOG_OK) << host << ": " << e.message;
        EXPECT_EQ(r.status, 200);
        EXPECT_NE(r.body.find("runlog-tester"), std::string::npos);
    }
    // Keep-alive over TLS.
    for (int i = 0; i < 20; i++) {
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_OK) << e.message;
    }
    EXPECT_EQ(c.stats().connections_opened, 2u);  // one per host name
}

TEST_F(HttpEnv, HttpsWrongHostNameIsRefused) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    ProxyProc px;  // resolves wrong-name.test to 127.0.0.1
    ASSERT_GT(px.port, 0);
    ScopedEnv env;
    env.set("HTTPS_PROXY", px.url());
    HttpClientOptions o;
    o.ca_bundle = s.ca();
    HttpClient c(o);
    HttpResponse r;
    Error e;
    EXPECT_EQ(c.perform(viewer_request(s, "wrong-name.test"), r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TLS_VERIFY) << e.message;
    EXPECT_NE(e.message.find("does not match"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("wrong-name.test:" + std::to_string(s.port)), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("CA bundle option"), std::string::npos) << e.message;
    EXPECT_EQ(px.requests(), "CONNECT wrong-name.test:" + std::to_string(s.port) + "\n");
}

TEST_F(HttpEnv, HttpsAcceptedWithSslCertFileAndRequestsCaBundle) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    for (const char *var : {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"}) {
        ScopedEnv env;
        env.set(var, s.ca());
        HttpClient c;
        EXPECT_NE(c.ca_setting().find(var), std::string::npos);
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_OK) << var << ": " << e.message;
        EXPECT_EQ(r.status, 200);
    }
    // A missing bundle is a clear, non-retryable error naming the setting.
    ScopedEnv env;
    env.set("SSL_CERT_FILE", "/nonexistent/ca.pem");
    HttpClient c;
    HttpResponse r;
    Error e;
    EXPECT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TLS_CONFIG);
    EXPECT_NE(e.message.find("SSL_CERT_FILE=/nonexistent/ca.pem"), std::string::npos) << e.message;
}

TEST_F(HttpEnv, InsecureDisableSslAcceptsWithALoudWarning) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    ScopedEnv env;
    env.set("WANDB_INSECURE_DISABLE_SSL", "true");
    std::vector<std::string> warnings;
    HttpClientOptions o;
    o.warn = [&](const std::string &m) { warnings.push_back(m); };
    HttpClient c(o);
    EXPECT_TRUE(c.insecure());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("WARNING"), std::string::npos);
    EXPECT_NE(warnings[0].find("DISABLED"), std::string::npos);
    EXPECT_NE(warnings[0].find("WANDB_INSECURE_DISABLE_SSL"), std::string::npos);
    HttpResponse r;
    Error e;
    ASSERT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 200);
    {
        ProxyProc px;  // names are not checked either
        ASSERT_GT(px.port, 0);
        ScopedEnv penv;
        penv.set("HTTPS_PROXY", px.url());
        HttpClientOptions o3;
        o3.warn = [&](const std::string &m) { warnings.push_back(m); };
        HttpClient c3(o3);
        ASSERT_EQ(c3.perform(viewer_request(s, "wrong-name.test"), r, e), RUNLOG_OK) << e.message;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(warnings.size(), 2u);
        warnings.pop_back();
    }
    ASSERT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(warnings.size(), 1u);  // once per client, not per request

    ScopedEnv env2;
    env2.set("WANDB_INSECURE_DISABLE_SSL", "false");
    HttpClientOptions o2;
    o2.warn = [&](const std::string &m) { warnings.push_back(m); };
    HttpClient strict(o2);
    EXPECT_FALSE(strict.insecure());
    EXPECT_EQ(strict.perform(viewer_request(s, "localhost"), r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TLS_VERIFY);
}

TEST_F(HttpEnv, HttpToHttpsPortFailsCleanly) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    HttpClient c;
    HttpRequest rq = viewer_request(s);
    rq.url = "http://127.0.0.1:" + std::to_string(s.port) + "/graphql";
    rq.timeout_ms = 3000;
    HttpResponse r;
    Error e;
    c.perform(rq, r, e);  // Python's ssl server may answer garbage, close or wait: never hang, never crash
    if (r.status == 0) {
        EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(s.port)), std::string::npos) << e.message;
        expect_no_key(e.message);
    }
}

// ---------------------------------------------------------------- proxy

TEST_F(HttpEnv, HttpsProxyConnectAndNoProxy) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    ProxyProc px;
    ASSERT_GT(px.port, 0) << read_file(px.dir + "/proxy.out");
    HttpClientOptions o;
    o.ca_bundle = s.ca();
    {
        ScopedEnv env;
        env.set("HTTPS_PROXY", px.url());
        HttpClient c(o);
        for (int i = 0; i < 5; i++) {
            HttpResponse r;
            Error e;
            ASSERT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_OK) << e.message;
            EXPECT_EQ(r.status, 200);
        }
        EXPECT_EQ(c.stats().connections_opened, 1u);  // the tunnel is kept alive
        EXPECT_EQ(px.requests(), "CONNECT localhost:" + std::to_string(s.port) + "\n");
    }
    {
        ScopedEnv env;
        env.set("HTTPS_PROXY", px.url());
        env.set("NO_PROXY", "example.com,localhost");
        HttpClient c(o);
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(viewer_request(s, "localhost"), r, e), RUNLOG_OK) << e.message;
        EXPECT_EQ(px.requests(), "CONNECT localhost:" + std::to_string(s.port) + "\n");  // bypassed
    }
    {
        // Lowercase variables, credentials in the proxy URL, TLS still verified through the tunnel.
        ScopedEnv env;
        env.set("https_proxy", "http://user:p%40ss-" + kKey + "@127.0.0.1:" + std::to_string(px.port));
        HttpClient bad;  // system CAs: the tunnel works, verification fails
        HttpResponse r;
        Error e;
        EXPECT_EQ(bad.perform(viewer_request(s, "localhost"), r, e), RUNLOG_E_IO);
        EXPECT_EQ(r.error_kind, HttpErrorKind::TLS_VERIFY) << e.message;
        EXPECT_NE(e.message.find("via proxy 127.0.0.1:" + std::to_string(px.port)), std::string::npos) << e.message;
        EXPECT_EQ(e.message.find("p%40ss"), std::string::npos) << e.message;
        expect_no_key(e.message);
        EXPECT_NE(px.requests().find("AUTH Basic " + b64("user:p@ss-" + kKey)), std::string::npos) << px.requests();
    }
}

TEST_F(HttpEnv, HttpProxyAbsoluteFormAndProxyDown) {
    WbServer s(false);
    ASSERT_GT(s.port, 0) << s.log();
    ProxyProc px;
    ASSERT_GT(px.port, 0);
    {
        ScopedEnv env;
        env.set("HTTP_PROXY", px.url());
        HttpClient c;
        HttpResponse r;
        Error e;
        ASSERT_EQ(c.perform(viewer_request(s), r, e), RUNLOG_OK) << e.message;
        EXPECT_EQ(r.status, 200);
        EXPECT_NE(px.requests().find("POST http://127.0.0.1:" + std::to_string(s.port) + "/graphql"),
                  std::string::npos)
            << px.requests();
    }
    {
        ScopedEnv env;
        int dead = free_port();
        env.set("HTTPS_PROXY", "http://127.0.0.1:" + std::to_string(dead));
        HttpClient c;
        HttpRequest rq;
        rq.url = "https://api.example.test/graphql";
        HttpResponse r;
        Error e;
        EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_IO);
        EXPECT_EQ(r.error_kind, HttpErrorKind::CONNECT);
        EXPECT_NE(e.message.find("proxy 127.0.0.1:" + std::to_string(dead)), std::string::npos) << e.message;
    }
    {
        ScopedEnv env;
        env.set("HTTPS_PROXY", "socks5://127.0.0.1:1080");
        HttpClient c;
        HttpRequest rq;
        rq.url = "https://api.example.test/graphql";
        HttpResponse r;
        Error e;
        EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_INVALID_ARGUMENT);
        EXPECT_EQ(r.error_kind, HttpErrorKind::PROXY_CONFIG);
    }
}

TEST_F(HttpEnv, ProxyRefusingConnect) {
    RawServer fake_proxy([](const std::string &, bool *close_after) {
        *close_after = true;
        return std::string("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
    });
    ScopedEnv env;
    env.set("HTTPS_PROXY", "http://127.0.0.1:" + std::to_string(fake_proxy.port));
    HttpClient c;
    HttpRequest rq;
    rq.url = "https://api.example.test:8443/graphql";
    rq.headers = {{"Authorization", auth_value()}};
    HttpResponse r;
    Error e;
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_IO);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(e.message.find("407"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("api.example.test:8443"), std::string::npos) << e.message;
    expect_no_key(e.message);
}

TEST_F(HttpEnv, TlsHandshakeTimeout) {
    // Accepts, never answers the ClientHello.
    RawServer silent([](const std::string &, bool *close_after) {
        *close_after = true;
        return std::string();
    });
    HttpClientOptions o;
    o.insecure_disable_ssl = true;
    o.warn = [](const std::string &) {};
    HttpClient c(o);
    HttpRequest rq;
    rq.url = "https://127.0.0.1:" + std::to_string(silent.port) + "/";
    rq.connect_timeout_ms = 300;
    HttpResponse r;
    Error e;
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.perform(rq, r, e), RUNLOG_E_TIMEOUT) << e.message;
    EXPECT_LT(elapsed_ms(t0), 3000);
    EXPECT_EQ(r.error_kind, HttpErrorKind::TIMEOUT);
    EXPECT_NE(e.message.find("TLS handshake"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("127.0.0.1:" + std::to_string(silent.port)), std::string::npos) << e.message;
}

TEST_F(HttpEnv, UnusualStatusCodesPassThrough) {
    RawServer srv([](const std::string &head, bool *) {
        if (head.find("/600") != std::string::npos) return std::string("HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n");
        return std::string("HTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nContent-Length: 2\r\n\r\n{}");
    });
    HttpClient c;
    HttpRequest rq;
    HttpResponse r;
    Error e;
    rq.url = srv.url("/600");
    ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 600);
    rq.url = srv.url("/429");
    ASSERT_EQ(c.perform(rq, r, e), RUNLOG_OK) << e.message;
    EXPECT_EQ(r.status, 429);
    ASSERT_NE(r.header("retry-after"), nullptr);
    EXPECT_EQ(*r.header("retry-after"), "2");
}

// Every failure path, with the key in the Authorization header (and in a
// proxy password): no message or warning carries it, in clear or base64.
TEST_F(HttpEnv, KeyNeverAppearsInMessages) {
    WbServer s(true);
    ASSERT_GT(s.port, 0) << s.log();
    std::vector<std::string> msgs;
    auto run = [&](HttpClient &c, HttpRequest rq) {
        rq.headers.push_back({"Authorization", auth_value()});
        rq.headers.push_back({"X-Echo", kKey});
        HttpResponse r;
        Error e;
        c.perform(rq, r, e);
        EXPECT_EQ(r.status, 0) << rq.url;
        EXPECT_FALSE(e.message.empty()) << rq.url;
        msgs.push_back(e.message);
    };
    HttpClientOptions o;
    o.warn = [&](const std::string &m) { msgs.push_back(m); };
    HttpClient strict(o);
    HttpRequest rq;
    rq.method = "POST";
    rq.body = "{\"key\":\"" + kKey + "\"}";
    rq.timeout_ms = 400;
    rq.url = s.url("/graphql", "localhost");  // untrusted CA
    run(strict, rq);
    rq.url = "http://127.0.0.1:" + std::to_string(free_port()) + "/graphql";  // refused
    run(strict, rq);
    rq.url = "http://no-such-host.invalid/graphql";  // DNS
    run(strict, rq);
    HttpClientOptions o2 = o;
    o2.ca_bundle = s.ca();
    HttpClient trusting(o2);
    admin(s, "POST", "/_admin/faults", R"({"rules":[{"endpoint":"graphql","action":"reset","count":1}]})");
    rq.url = s.url("/graphql", "localhost");  // reset
    run(trusting, rq);
    admin(s, "POST", "/_admin/faults", R"({"rules":[{"endpoint":"graphql","delay_ms":2000,"count":1}]})");
    run(trusting, rq);  // timeout
    {
        ScopedEnv env;
        env.set("WANDB_INSECURE_DISABLE_SSL", "1");
        env.set("HTTPS_PROXY", "http://api:" + kKey + "@127.0.0.1:" + std::to_string(free_port()));
        HttpClient proxied(o);  // warning + proxy down
        run(proxied, rq);
    }
    ASSERT_GE(msgs.size(), 7u);
    for (auto &m : msgs) expect_no_key(m);
}
