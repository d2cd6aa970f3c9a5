// URL parsing for the native HTTP executor: http/https only.
#pragma once
#include <string>

namespace runlog {
namespace http {

struct Url {
    std::string scheme;    // "http" or "https" (lowercased)
    std::string host;      // lowercased; IPv6 without brackets
    int port = 0;          // explicit or the scheme's default
    std::string target;    // path + query, at least "/" (fragment dropped)
    std::string userinfo;  // "user:pass" if present (used only for proxies)

    bool ipv6() const { return host.find(':') != std::string::npos; }
    // "host:port" with IPv6 in brackets: for Host, CONNECT and messages.
    std::string authority() const;
    // Host header value: the port is left out when it is the default.
    std::string host_header() const;
};

// Parses an absolute http(s) URL. A bare "host:port" (no scheme) is accepted
// when default_scheme is given (proxy variables are often written that way).
// On failure returns false and sets why (never echoes userinfo).
bool parse_url(const std::string &text, Url &out, std::string &why,
               const char *default_scheme = nullptr);

// Returns url without its userinfo (for messages).
std::string redact_url(const std::string &text);

}  // namespace http
}  // namespace runlog
