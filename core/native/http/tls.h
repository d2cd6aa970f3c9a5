// TLS client over a connected socket, with mbedTLS 2.28 (Debian libmbedtls-dev).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "socket.h"

namespace runlog {
namespace http {

// Shared per HttpClient: RNG, trust store, ssl config. Not thread-safe to
// build; once built, sessions may be created from one thread at a time
// (HttpClient is used from one thread).
class TlsConfig {
public:
    TlsConfig();
    ~TlsConfig();
    TlsConfig(const TlsConfig &) = delete;
    TlsConfig &operator=(const TlsConfig &) = delete;

    // ca_file: PEM bundle to trust; verify=false disables certificate checks.
    // ca_label names the CA setting in messages (e.g. "SSL_CERT_FILE=/x.pem").
    bool init(const std::string &ca_file, const std::string &ca_label, bool verify, std::string &why);
    bool verify() const { return verify_; }
    const std::string &ca_label() const { return ca_label_; }

    struct Impl;
    Impl *impl() { return impl_.get(); }

private:
    std::unique_ptr<Impl> impl_;
    bool verify_ = true;
    std::string ca_label_;
};

class TlsSession {
public:
    TlsSession();
    ~TlsSession();
    TlsSession(const TlsSession &) = delete;
    TlsSession &operator=(const TlsSession &) = delete;

    // Handshake on fd (already connected, non-blocking) for host (SNI and
    // name check). On failure why says what, and verify_failed tells a
    // certificate verification failure apart.
    bool handshake(TlsConfig &cfg, int fd, const std::string &host, int64_t deadline_ms, std::string &why,
                   bool &verify_failed, bool &timed_out);
    IoResult write_all(const char *p, size_t n, int64_t deadline_ms, std::string &why);
    IoResult read_some(char *p, size_t cap, size_t *n, int64_t deadline_ms, std::string &why);
    // Bytes already decrypted and buffered (an idle connection must have none).
    size_t pending() const;
    void close_notify();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace http
}  // namespace runlog
