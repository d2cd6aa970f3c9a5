// runlog native HTTP executor: a blocking HTTP/1.1 client over TCP, with TLS
// (mbedTLS), proxies (HTTPS_PROXY/HTTP_PROXY/NO_PROXY, CONNECT tunnels for
// https), keep-alive connection reuse per (scheme, host, port, proxy),
// connect and overall timeouts, chunked and content-length responses.
//
// It does not retry (the sender does, WANDB_PROTOCOL.md §5): a failure is
// reported once, as status 0 + an Error whose message names host:port (and
// the CA setting for TLS verification failures). Request headers and bodies
// (so the Authorization header / API key) never appear in any message.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proxy.h"
#include "response_parser.h"
#include "status.h"  // runlog::Error (core/)

namespace runlog {
namespace http {

struct HttpRequest {
    std::string method = "GET";
    std::string url;  // absolute http:// or https:// URL
    Headers headers;  // Host, Content-Length, User-Agent are added if absent
    std::string body;
    int connect_timeout_ms = 0;  // TCP connect + proxy CONNECT + TLS handshake; <= 0: none
    int timeout_ms = 0;          // whole attempt (connect, send, full answer); <= 0: none
};

// Why a request failed (status 0); for the sender's retry decision.
enum class HttpErrorKind {
    NONE,
    INVALID_REQUEST,  // bad URL, method or header: do not retry
    PROXY_CONFIG,     // malformed proxy variable: do not retry
    TLS_CONFIG,       // CA bundle unreadable: do not retry
    TLS_VERIFY,       // untrusted certificate: do not retry (§5)
    DNS,              // could not resolve: retry
    CONNECT,          // refused / unreachable / proxy refused: retry
    TLS_HANDSHAKE,    // other handshake failure: retry
    TIMEOUT,          // connect or read timeout: retry
    CONNECTION,       // reset / closed mid-request: retry
    PROTOCOL,         // malformed response: retry
    TOO_LARGE,        // response over the limits: do not retry
};
const char *error_kind_name(HttpErrorKind k);
// §5 RetryMostFailures for status-0 failures.
bool error_kind_retryable(HttpErrorKind k);

struct HttpResponse {
    int status = 0;  // 0 = no answer (see error)
    Headers headers;
    std::string body;
    HttpErrorKind error_kind = HttpErrorKind::NONE;
    bool reused_connection = false;

    const std::string *header(const std::string &name) const { return find_header(headers, name); }
};

struct HttpClientOptions {
    // PEM CA bundle to trust instead of the default. Precedence: this, then
    // env REQUESTS_CA_BUNDLE, then SSL_CERT_FILE, then system_ca_bundle.
    std::string ca_bundle;
    std::string system_ca_bundle = "/etc/ssl/certs/ca-certificates.crt";
    // Disable certificate verification (also: env WANDB_INSECURE_DISABLE_SSL
    // = true/1/yes). A loud warning is emitted once per client.
    bool insecure_disable_ssl = false;
    // Read the environment (CA variables, WANDB_INSECURE_DISABLE_SSL, proxies).
    bool use_environment = true;
    GetEnv getenv;  // default ::getenv (tests may inject)
    // Warnings (insecure mode); default: one line on stderr.
    std::function<void(const std::string &)> warn;
    ParserLimits limits;
    int idle_timeout_ms = 60000;  // idle keep-alive connections older than this are closed
    size_t max_idle_per_key = 4;
    std::string user_agent = "runlog";
};

struct HttpStats {
    uint64_t requests = 0;
    uint64_t connections_opened = 0;
    uint64_t connections_reused = 0;
};

class HttpClient {
public:
    explicit HttpClient(HttpClientOptions opts = HttpClientOptions());
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // Performs one attempt. Returns RUNLOG_OK when an HTTP answer (any status)
    // arrived; otherwise resp.status = 0, resp.error_kind set, err filled
    // (RUNLOG_E_IO, RUNLOG_E_TIMEOUT, RUNLOG_E_INVALID_ARGUMENT or
    // RUNLOG_E_TOO_LARGE) and that code returned. Calls are serialized.
    int perform(const HttpRequest &req, HttpResponse &resp, Error &err);

    void close_idle();
    HttpStats stats() const;
    // The CA setting in force, as messages name it (e.g. "SSL_CERT_FILE=/x.pem").
    std::string ca_setting() const { return ca_label_; }
    bool insecure() const { return insecure_; }

    struct Conn;

private:
    int perform_locked(const HttpRequest &req, HttpResponse &resp, Error &err);
    std::unique_ptr<Conn> take_idle(const std::string &key);
    void put_idle(std::unique_ptr<Conn> c);
    const char *env(const char *name) const;

    HttpClientOptions opts_;
    ProxyConfig proxy_;
    std::string ca_file_, ca_label_;
    bool insecure_ = false;
    struct TlsState;
    std::unique_ptr<TlsState> tls_;
    std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle_;
    mutable std::mutex mu_;
    HttpStats stats_;
};

}  // namespace http
}  // namespace runlog
