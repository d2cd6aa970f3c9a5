#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <sys/socket.h>
#include <string.h>

#include <cstring>

namespace runlog {
namespace http {

static std::string mbed_err(int rc) {
    char buf[200];
    mbedtls_strerror(rc, buf, sizeof buf);
    return std::string(buf);
}

struct TlsConfig::Impl {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    Impl() {
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_x509_crt_init(&ca);
        mbedtls_ssl_config_init(&conf);
    }
    ~Impl() {
        mbedtls_ssl_config_free(&conf);
        mbedtls_x509_crt_free(&ca);
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
    }
};

TlsConfig::TlsConfig() : impl_(new Impl) {}
TlsConfig::~TlsConfig() = default;

bool TlsConfig::init(const std::string &ca_file, const std::string &ca_label, bool verify, std::string &why) {
    verify_ = verify;
    ca_label_ = ca_label;
    static const char pers[] = "runlog-http";
    int rc = mbedtls_ctr_drbg_seed(&impl_->drbg, mbedtls_entropy_func, &impl_->entropy,
                                   (const unsigned char *)pers, sizeof pers - 1);
    if (rc) {
        why = "TLS random generator setup failed: " + mbed_err(rc);
        return false;
    }
    if (verify) {
        rc = mbedtls_x509_crt_parse_file(&impl_->ca, ca_file.c_str());
        // rc > 0: some certificates in the bundle could not be parsed; usable
        // as long as at least one was.
        if (rc < 0 || impl_->ca.version == 0) {
            why = "cannot load CA bundle " + ca_label + ": " + (rc < 0 ? mbed_err(rc) : "no certificate in it");
            return false;
        }
    }
    rc = mbedtls_ssl_config_defaults(&impl_->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc) {
        why = "TLS config failed: " + mbed_err(rc);
        return false;
    }
    mbedtls_ssl_conf_min_version(&impl_->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_rng(&impl_->conf, mbedtls_ctr_drbg_random, &impl_->drbg);
    if (verify) {
        mbedtls_ssl_conf_authmode(&impl_->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&impl_->conf, &impl_->ca, nullptr);
    } else {
        mbedtls_ssl_conf_authmode(&impl_->conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    return true;
}

// Walks the certificate's extensions (DER) for a subjectAltName iPAddress
// entry equal to ip (mbedTLS 2.28 does not list IP SANs itself).
static bool cert_has_ip_san(const mbedtls_x509_crt *crt, const unsigned char *ip, size_t ip_len) {
    unsigned char *p = crt->v3_ext.p;
    if (!p || crt->v3_ext.len == 0) return false;
    const unsigned char *end = p + crt->v3_ext.len;
    size_t len;
    if (*p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3)) {
        if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3))
            return false;
        end = p + len;
    }
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) return false;
    end = p + len;
    static const unsigned char san_oid[] = {0x55, 0x1d, 0x11};
    while (p < end) {
        if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) return false;
        unsigned char *ext_end = p + len;
        size_t oid_len;
        if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID)) return false;
        bool is_san = oid_len == sizeof san_oid && memcmp(p, san_oid, oid_len) == 0;
        p += oid_len;
        int crit;
        if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN && mbedtls_asn1_get_bool(&p, ext_end, &crit)) return false;
        size_t oct_len;
        if (mbedtls_asn1_get_tag(&p, ext_end, &oct_len, MBEDTLS_ASN1_OCTET_STRING)) return false;
        if (is_san) {
            unsigned char *q = p;
            const unsigned char *qend = p + oct_len;
            size_t seq_len;
            if (mbedtls_asn1_get_tag(&q, qend, &seq_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
                return false;
            qend = q + seq_len;
            while (q < qend) {
                unsigned char tag = *q++;
                size_t gl;
                if (mbedtls_asn1_get_len(&q, qend, &gl)) return false;
                if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && gl == ip_len && memcmp(q, ip, ip_len) == 0)
                    return true;
                q += gl;
            }
        }
        p = ext_end;
    }
    return false;
}

struct TlsSession::Impl {
    mbedtls_ssl_context ssl;
    int fd = -1;
    int64_t deadline = 0;
    bool timed_out = false;
    bool ip_host = false;
    unsigned char ip[16];
    size_t ip_len = 0;
    Impl() { mbedtls_ssl_init(&ssl); }
    ~Impl() { mbedtls_ssl_free(&ssl); }

    static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
        Impl *s = static_cast<Impl *>(ctx);
        for (;;) {
            ssize_t w = send(s->fd, buf, len, MSG_NOSIGNAL);
            if (w >= 0) return (int)w;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!wait_fd(s->fd, true, s->deadline)) {
                    s->timed_out = true;
                    return MBEDTLS_ERR_SSL_TIMEOUT;
                }
                continue;
            }
            if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
            return MBEDTLS_ERR_NET_SEND_FAILED;
        }
    }
    static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
        Impl *s = static_cast<Impl *>(ctx);
        for (;;) {
            ssize_t r = recv(s->fd, buf, len, 0);
            if (r >= 0) return (int)r;  // 0 = EOF
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!wait_fd(s->fd, false, s->deadline)) {
                    s->timed_out = true;
                    return MBEDTLS_ERR_SSL_TIMEOUT;
                }
                continue;
            }
            if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
            return MBEDTLS_ERR_NET_RECV_FAILED;
        }
    }
    // mbedTLS 2.28 checks DNS names only: for an IP-literal host, accept the
    // certificate when its subjectAltName lists that IP address.
    static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
        Impl *s = static_cast<Impl *>(ctx);
        if (depth != 0 || !s->ip_host) return 0;
        *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
        bool ok = cert_has_ip_san(crt, s->ip, s->ip_len);
        if (!ok) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
        return 0;
    }
};

TlsSession::TlsSession() : impl_(new Impl) {}
TlsSession::~TlsSession() = default;

static std::string verify_reason(uint32_t flags) {
    std::string r;
    auto add = [&](const char *s) {
        if (!r.empty()) r += ", ";
        r += s;
    };
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) add("certificate not trusted (unknown CA)");
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) add("certificate expired");
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) add("certificate not yet valid");
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) add("certificate name does not match the host");
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) add("certificate revoked");
    if (r.empty()) {
        char buf[512];
        int n = mbedtls_x509_crt_verify_info(buf, sizeof buf, "", flags);
        r = n > 0 ? std::string(buf, (size_t)n) : "certificate verification failed";
        while (!r.empty() && (r.back() == '\n' || r.back() == ' ')) r.pop_back();
    }
    return r;
}

bool TlsSession::handshake(TlsConfig &cfg, int fd, const std::string &host, int64_t deadline_ms,
                           std::string &why, bool &verify_failed, bool &timed_out) {
    verify_failed = false;
    timed_out = false;
    Impl &s = *impl_;
    s.fd = fd;
    s.deadline = deadline_ms;
    int rc = mbedtls_ssl_setup(&s.ssl, &cfg.impl()->conf);
    if (rc) {
        why = "TLS setup failed: " + mbed_err(rc);
        return false;
    }
    in6_addr a6;
    in_addr a4;
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
        s.ip_host = true;
        memcpy(s.ip, &a4, 4);
        s.ip_len = 4;
    } else if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
        s.ip_host = true;
        memcpy(s.ip, &a6, 16);
        s.ip_len = 16;
    }
    if (!s.ip_host) {
        rc = mbedtls_ssl_set_hostname(&s.ssl, host.c_str());  // SNI + name check
        if (rc) {
            why = "TLS setup failed: " + mbed_err(rc);
            return false;
        }
    }
    if (cfg.verify()) mbedtls_ssl_set_verify(&s.ssl, Impl::verify_cb, &s);
    mbedtls_ssl_set_bio(&s.ssl, &s, Impl::bio_send, Impl::bio_recv, nullptr);
    do {
        rc = mbedtls_ssl_handshake(&s.ssl);
    } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (rc == 0) return true;
    if (s.timed_out) {
        timed_out = true;
        why = "TLS handshake timed out";
        return false;
    }
    uint32_t flags = mbedtls_ssl_get_verify_result(&s.ssl);
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (cfg.verify() && flags != 0 && flags != (uint32_t)-1)) {
        verify_failed = true;
        why = "TLS certificate verification failed: " + verify_reason(flags);
        return false;
    }
    why = "TLS handshake failed: " + mbed_err(rc);
    return false;
}

IoResult TlsSession::write_all(const char *p, size_t n, int64_t deadline_ms, std::string &why) {
    Impl &s = *impl_;
    s.deadline = deadline_ms;
    s.timed_out = false;
    while (n) {
        int rc = mbedtls_ssl_write(&s.ssl, (const unsigned char *)p, n);
        if (rc > 0) {
            p += rc;
            n -= (size_t)rc;
            continue;
        }
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (s.timed_out) {
            why = "timed out sending the request";
            return IoResult::TIMEOUT;
        }
        why = "TLS send failed: " + mbed_err(rc);
        return rc == MBEDTLS_ERR_NET_CONN_RESET ? IoResult::CLOSED : IoResult::ERROR;
    }
    return IoResult::OK;
}

IoResult TlsSession::read_some(char *p, size_t cap, size_t *n, int64_t deadline_ms, std::string &why) {
    Impl &s = *impl_;
    s.deadline = deadline_ms;
    s.timed_out = false;
    *n = 0;
    for (;;) {
        int rc = mbedtls_ssl_read(&s.ssl, (unsigned char *)p, cap);
        if (rc > 0) {
            *n = (size_t)rc;
            return IoResult::OK;
        }
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return IoResult::CLOSED;
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (s.timed_out) {
            why = "timed out waiting for the response";
            return IoResult::TIMEOUT;
        }
        if (rc == MBEDTLS_ERR_NET_CONN_RESET) {
            why = "connection reset by peer";
            return IoResult::ERROR;
        }
        why = "TLS receive failed: " + mbed_err(rc);
        return IoResult::ERROR;
    }
}

size_t TlsSession::pending() const { return mbedtls_ssl_get_bytes_avail(&impl_->ssl); }

void TlsSession::close_notify() {
    impl_->deadline = now_ms() + 100;
    mbedtls_ssl_close_notify(&impl_->ssl);
}

}  // namespace http
}  // namespace runlog
