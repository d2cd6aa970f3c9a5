#include "http_client.h"

#include <strings.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "socket.h"
#include "tls.h"
#include "url.h"

namespace runlog {
namespace http {

const char *error_kind_name(HttpErrorKind k) {
    switch (k) {
        case HttpErrorKind::NONE: return "none";
        case HttpErrorKind::INVALID_REQUEST: return "invalid_request";
        case HttpErrorKind::PROXY_CONFIG: return "proxy_config";
        case HttpErrorKind::TLS_CONFIG: return "tls_config";
        case HttpErrorKind::TLS_VERIFY: return "tls_verify";
        case HttpErrorKind::DNS: return "dns";
        case HttpErrorKind::CONNECT: return "connect";
        case HttpErrorKind::TLS_HANDSHAKE: return "tls_handshake";
        case HttpErrorKind::TIMEOUT: return "timeout";
        case HttpErrorKind::CONNECTION: return "connection";
        case HttpErrorKind::PROTOCOL: return "protocol";
        case HttpErrorKind::TOO_LARGE: return "too_large";
    }
    return "?";
}

bool error_kind_retryable(HttpErrorKind k) {
    switch (k) {
        case HttpErrorKind::DNS:
        case HttpErrorKind::CONNECT:
        case HttpErrorKind::TLS_HANDSHAKE:
        case HttpErrorKind::TIMEOUT:
        case HttpErrorKind::CONNECTION:
        case HttpErrorKind::PROTOCOL:
            return true;
        default:
            return false;
    }
}

struct HttpClient::Conn {
    std::string key;
    std::string where;  // "host:port" for messages
    int fd = -1;
    std::unique_ptr<TlsSession> tls;
    int64_t idle_since = 0;
    uint64_t uses = 0;

    ~Conn() {
        if (tls) tls->close_notify();
        if (fd >= 0) ::close(fd);
    }
    IoResult write_all(const char *p, size_t n, int64_t dl, std::string &why) {
        return tls ? tls->write_all(p, n, dl, why) : sock_write_all(fd, p, n, dl, why);
    }
    IoResult read_some(char *p, size_t cap, size_t *n, int64_t dl, std::string &why) {
        return tls ? tls->read_some(p, cap, n, dl, why) : sock_read_some(fd, p, cap, n, dl, why);
    }
    bool alive() const { return (!tls || tls->pending() == 0) && idle_socket_alive(fd); }
};

struct HttpClient::TlsState {
    TlsConfig cfg;
    bool ready = false;
    std::string error;  // a failed init is remembered
};

static bool truthy(const char *v) {
    if (!v) return false;
    return !strcasecmp(v, "true") || !strcasecmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "t") ||
           !strcasecmp(v, "on");
}

HttpClient::HttpClient(HttpClientOptions opts) : opts_(std::move(opts)), tls_(new TlsState) {
    if (!opts_.getenv) opts_.getenv = [](const char *n) -> const char * { return ::getenv(n); };
    if (!opts_.warn) opts_.warn = [](const std::string &m) { fprintf(stderr, "%s\n", m.c_str()); };
    if (opts_.use_environment) proxy_ = ProxyConfig::from_env(opts_.getenv);
    const char *v;
    if (!opts_.ca_bundle.empty()) {
        ca_file_ = opts_.ca_bundle;
        ca_label_ = "CA bundle option (" + ca_file_ + ")";
    } else if (opts_.use_environment && (v = env("REQUESTS_CA_BUNDLE")) && *v) {
        ca_file_ = v;
        ca_label_ = "REQUESTS_CA_BUNDLE=" + ca_file_;
    } else if (opts_.use_environment && (v = env("SSL_CERT_FILE")) && *v) {
        ca_file_ = v;
        ca_label_ = "SSL_CERT_FILE=" + ca_file_;
    } else {
        ca_file_ = opts_.system_ca_bundle;
        ca_label_ = "system CA bundle " + ca_file_;
    }
    insecure_ = opts_.insecure_disable_ssl ||
                (opts_.use_environment && truthy(env("WANDB_INSECURE_DISABLE_SSL")));
    if (insecure_) {
        opts_.warn(
            "WARNING: runlog: TLS certificate verification is DISABLED (WANDB_INSECURE_DISABLE_SSL). "
            "HTTPS connections are NOT authenticated: anyone on the network path can read or alter "
            "them, including your API key. Use a CA bundle (REQUESTS_CA_BUNDLE / SSL_CERT_FILE) instead.");
    }
}

HttpClient::~HttpClient() { close_idle(); }

const char *HttpClient::env(const char *name) const { return opts_.getenv(name); }

void HttpClient::close_idle() {
    std::lock_guard<std::mutex> lk(mu_);
    idle_.clear();
}

HttpStats HttpClient::stats() const {
    std::lock_guard<std::mutex> lk(mu_);
    return stats_;
}

std::unique_ptr<HttpClient::Conn> HttpClient::take_idle(const std::string &key) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto &v = it->second;
    int64_t now = now_ms();
    while (!v.empty()) {
        std::unique_ptr<Conn> c = std::move(v.back());
        v.pop_back();
        if (opts_.idle_timeout_ms > 0 && now - c->idle_since > opts_.idle_timeout_ms) continue;
        if (!c->alive()) continue;
        return c;
    }
    return nullptr;
}

void HttpClient::put_idle(std::unique_ptr<Conn> c) {
    c->idle_since = now_ms();
    auto &v = idle_[c->key];
    if (v.size() >= opts_.max_idle_per_key) v.erase(v.begin());
    v.push_back(std::move(c));
}

int HttpClient::perform(const HttpRequest &req, HttpResponse &resp, Error &err) {
    std::lock_guard<std::mutex> lk(mu_);
    return perform_locked(req, resp, err);
}

static bool is_token(const std::string &s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!(std::isalnum(c) || strchr("!#$%&'*+-.^_`|~", c))) return false;
    return true;
}

static bool valid_value(const std::string &s) {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    return true;
}

static std::string base64(const std::string &in) {
    static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i + 1 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

static std::string pct_decode(const std::string &s) {
    std::string o;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '%' && i + 2 < s.size() && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            o += (char)strtol(s.substr(i + 1, 2).c_str(), nullptr, 16);
            i += 2;
        } else {
            o += s[i];
        }
    }
    return o;
}

static int fail(HttpResponse &resp, Error &err, HttpErrorKind kind, int code, std::string msg) {
    resp.status = 0;
    resp.headers.clear();
    resp.body.clear();
    resp.error_kind = kind;
    return err.set(code, std::move(msg));
}

static int64_t min_deadline(int64_t a, int64_t b) {
    if (!a) return b;
    if (!b) return a;
    return a < b ? a : b;
}

int HttpClient::perform_locked(const HttpRequest &req, HttpResponse &resp, Error &err) {
    resp = HttpResponse();
    stats_.requests++;
    Url url;
    std::string why;
    if (!parse_url(req.url, url, why))
        return fail(resp, err, HttpErrorKind::INVALID_REQUEST, RUNLOG_E_INVALID_ARGUMENT,
                    "invalid URL " + redact_url(req.url) + ": " + why);
    const std::string target = url.authority();
    if (!is_token(req.method))
        return fail(resp, err, HttpErrorKind::INVALID_REQUEST, RUNLOG_E_INVALID_ARGUMENT,
                    "invalid HTTP method for " + target);
    bool has_host = false, has_len = false, has_ua = false, conn_close = false;
    for (auto &h : req.headers) {
        // The header's value is never echoed (it may be the API key).
        if (!is_token(h.first) || !valid_value(h.second))
            return fail(resp, err, HttpErrorKind::INVALID_REQUEST, RUNLOG_E_INVALID_ARGUMENT,
                        "invalid request header " + (is_token(h.first) ? "'" + h.first + "'" : std::string("name")) +
                            " (control characters) for " + target);
        if (!strcasecmp(h.first.c_str(), "Host")) has_host = true;
        if (!strcasecmp(h.first.c_str(), "User-Agent")) has_ua = true;
        if (!strcasecmp(h.first.c_str(), "Transfer-Encoding"))
            return fail(resp, err, HttpErrorKind::INVALID_REQUEST, RUNLOG_E_INVALID_ARGUMENT,
                        "Transfer-Encoding request header is not supported (bodies are sent with Content-Length)");
        if (!strcasecmp(h.first.c_str(), "Content-Length")) {
            if (h.second != std::to_string(req.body.size()))
                return fail(resp, err, HttpErrorKind::INVALID_REQUEST, RUNLOG_E_INVALID_ARGUMENT,
                            "Content-Length header does not match the body size");
            has_len = true;
        }
        if (!strcasecmp(h.first.c_str(), "Connection") && !strcasecmp(h.second.c_str(), "close"))
            conn_close = true;
    }

    Url proxy;
    if (opts_.use_environment && !select_proxy(proxy_, url, proxy, why))
        return fail(resp, err, HttpErrorKind::PROXY_CONFIG, RUNLOG_E_INVALID_ARGUMENT, why);
    const bool via_proxy = !proxy.host.empty();
    const bool tunnel = via_proxy && url.scheme == "https";
    std::string proxy_auth;
    if (via_proxy && !proxy.userinfo.empty()) proxy_auth = "Basic " + base64(pct_decode(proxy.userinfo));
    const std::string key = url.scheme + "://" + target + (via_proxy ? " via " + proxy.authority() : "");
    const std::string where = via_proxy ? target + " (via proxy " + proxy.authority() + ")" : target;

    if (url.scheme == "https" && !tls_->ready) {
        if (!tls_->error.empty())
            return fail(resp, err, HttpErrorKind::TLS_CONFIG, RUNLOG_E_IO, tls_->error);
        if (!tls_->cfg.init(ca_file_, ca_label_, !insecure_, why)) {
            tls_->error = why;
            return fail(resp, err, HttpErrorKind::TLS_CONFIG, RUNLOG_E_IO, why);
        }
        tls_->ready = true;
    }

    // The request head.
    std::string head;
    head.reserve(256 + req.headers.size() * 64);
    head += req.method;
    head += ' ';
    head += (via_proxy && !tunnel) ? url.scheme + "://" + url.host_header() + url.target : url.target;
    head += " HTTP/1.1\r\n";
    if (!has_host) head += "Host: " + url.host_header() + "\r\n";
    if (!has_ua && !opts_.user_agent.empty()) head += "User-Agent: " + opts_.user_agent + "\r\n";
    for (auto &h : req.headers) head += h.first + ": " + h.second + "\r\n";
    bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (!has_len && (!req.body.empty() || body_method))
        head += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
    if (via_proxy && !tunnel && !proxy_auth.empty()) head += "Proxy-Authorization: " + proxy_auth + "\r\n";
    head += "\r\n";
    const bool small = req.body.size() <= 16 * 1024;
    if (small) head += req.body;

    const int64_t start = now_ms();
    const int64_t deadline = req.timeout_ms > 0 ? start + req.timeout_ms : 0;
    const bool idempotent = req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS" ||
                            req.method == "PUT" || req.method == "DELETE";
    auto timeout_msg = [&](const std::string &what) {
        return what + " after " + std::to_string(now_ms() - start) + " ms (" + where + ")";
    };

    for (int attempt = 0;; attempt++) {
        std::unique_ptr<Conn> conn = take_idle(key);
        const bool reused = conn != nullptr;
        if (!conn) {
            int64_t cdl = min_deadline(deadline, req.connect_timeout_ms > 0 ? now_ms() + req.connect_timeout_ms : 0);
            const Url &hop = via_proxy ? proxy : url;
            bool timed_out = false;
            int fd = tcp_connect(hop.host, hop.port, cdl, why, timed_out);
            if (fd < 0) {
                std::string who = via_proxy ? "proxy " + hop.authority() : hop.authority();
                if (timed_out)
                    return fail(resp, err, HttpErrorKind::TIMEOUT, RUNLOG_E_TIMEOUT,
                                timeout_msg("connect to " + who + " timed out"));
                if (why.compare(0, 22, "could not resolve host") == 0)
                    return fail(resp, err, HttpErrorKind::DNS, RUNLOG_E_IO,
                                "cannot resolve " + who + ": " + why.substr(24));
                return fail(resp, err, HttpErrorKind::CONNECT, RUNLOG_E_IO,
                            "cannot connect to " + who + ": " + why);
            }
            conn.reset(new Conn);
            conn->fd = fd;
            conn->key = key;
            conn->where = where;
            stats_.connections_opened++;
            if (tunnel) {
                std::string c = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
                if (!proxy_auth.empty()) c += "Proxy-Authorization: " + proxy_auth + "\r\n";
                c += "\r\n";
                IoResult r = conn->write_all(c.data(), c.size(), cdl, why);
                std::string ans;
                while (r == IoResult::OK && ans.find("\r\n\r\n") == std::string::npos) {
                    if (ans.size() > 16384) {
                        r = IoResult::ERROR;
                        why = "proxy answer headers too long";
                        break;
                    }
                    char b[1024];
                    size_t n = 0;
                    r = conn->read_some(b, sizeof b, &n, cdl, why);
                    if (r == IoResult::CLOSED) why = "proxy closed the connection";
                    ans.append(b, n);
                }
                if (r == IoResult::TIMEOUT)
                    return fail(resp, err, HttpErrorKind::TIMEOUT, RUNLOG_E_TIMEOUT,
                                timeout_msg("proxy CONNECT timed out"));
                if (r != IoResult::OK)
                    return fail(resp, err, HttpErrorKind::CONNECT, RUNLOG_E_IO,
                                "proxy CONNECT to " + where + " failed: " + why);
                int code = 0;
                if (ans.compare(0, 7, "HTTP/1.") == 0 && ans.size() > 12) code = atoi(ans.c_str() + 9);
                if (code < 200 || code > 299) {
                    std::string line = ans.substr(0, ans.find("\r\n"));
                    if (line.size() > 100) line.resize(100);
                    for (auto &ch : line)
                        if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f) ch = '?';
                    return fail(resp, err, HttpErrorKind::CONNECT, RUNLOG_E_IO,
                                "proxy refused CONNECT to " + where + ": " + line);
                }
                if (ans.size() != ans.find("\r\n\r\n") + 4)
                    return fail(resp, err, HttpErrorKind::PROTOCOL, RUNLOG_E_IO,
                                "proxy sent unexpected data after its CONNECT answer (" + where + ")");
            }
            if (url.scheme == "https") {
                conn->tls.reset(new TlsSession);
                bool verify_failed = false, timed_out2 = false;
                if (!conn->tls->handshake(tls_->cfg, conn->fd, url.host, cdl, why, verify_failed, timed_out2)) {
                    if (timed_out2)
                        return fail(resp, err, HttpErrorKind::TIMEOUT, RUNLOG_E_TIMEOUT,
                                    timeout_msg("TLS handshake timed out"));
                    if (verify_failed)
                        return fail(resp, err, HttpErrorKind::TLS_VERIFY, RUNLOG_E_IO,
                                    why + " for " + where + " (trusted CAs: " + ca_label_ +
                                        "; to trust a private CA set the CA bundle option, REQUESTS_CA_BUNDLE "
                                        "or SSL_CERT_FILE)");
                    return fail(resp, err, HttpErrorKind::TLS_HANDSHAKE, RUNLOG_E_IO, why + " with " + where);
                }
            }
        } else {
            stats_.connections_reused++;
        }
        conn->uses++;
        resp.reused_connection = reused;

        // Send.
        IoResult r = conn->write_all(head.data(), head.size(), deadline, why);
        if (r == IoResult::OK && !small) r = conn->write_all(req.body.data(), req.body.size(), deadline, why);
        if (r != IoResult::OK) {
            // A kept-alive connection the server closed meanwhile: one fresh try.
            if (reused && attempt == 0 && r != IoResult::TIMEOUT) continue;
            if (r == IoResult::TIMEOUT)
                return fail(resp, err, HttpErrorKind::TIMEOUT, RUNLOG_E_TIMEOUT, timeout_msg("timed out sending the request"));
            return fail(resp, err, HttpErrorKind::CONNECTION, RUNLOG_E_IO,
                        "connection to " + where + " failed while sending the request: " + why);
        }

        // Receive.
        ResponseParser parser(opts_.limits, req.method == "HEAD");
        char buf[16384];
        for (;;) {
            size_t n = 0;
            r = conn->read_some(buf, sizeof buf, &n, deadline, why);
            ResponseParser::State st;
            if (r == IoResult::OK) {
                st = parser.feed(buf, n);
            } else if (r == IoResult::CLOSED) {
                st = parser.feed_eof();
            } else {
                break;
            }
            if (st != ResponseParser::NEED_MORE) break;
        }
        if (parser.state() == ResponseParser::DONE) {
            resp.status = parser.status();
            resp.headers = parser.headers();
            resp.body = std::move(parser.body());
            resp.error_kind = HttpErrorKind::NONE;
            if (parser.keep_alive() && !conn_close && r == IoResult::OK) put_idle(std::move(conn));
            return RUNLOG_OK;
        }
        if (reused && attempt == 0 && !parser.started() && r != IoResult::TIMEOUT && idempotent) continue;
        if (r == IoResult::TIMEOUT)
            return fail(resp, err, HttpErrorKind::TIMEOUT, RUNLOG_E_TIMEOUT,
                        timeout_msg(parser.started() ? "timed out reading the response"
                                                     : "timed out waiting for the response"));
        if (r == IoResult::ERROR)
            return fail(resp, err, HttpErrorKind::CONNECTION, RUNLOG_E_IO,
                        "connection to " + where + " failed while " +
                            (parser.started() ? "reading" : "waiting for") + " the response: " + why);
        // CLOSED, or a parse failure.
        const std::string &perr = parser.error();
        if (parser.limit_exceeded())
            return fail(resp, err, HttpErrorKind::TOO_LARGE, RUNLOG_E_TOO_LARGE, perr + " (" + where + ")");
        if (r == IoResult::CLOSED)
            return fail(resp, err, HttpErrorKind::CONNECTION, RUNLOG_E_IO, perr + " (" + where + ")");
        return fail(resp, err, HttpErrorKind::PROTOCOL, RUNLOG_E_IO, perr + " (" + where + ")");
    }
}

}  // namespace http
}  // namespace runlog
