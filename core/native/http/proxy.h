// Proxy selection from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lowercase forms).
#pragma once
#include <functional>
#include <string>

#include "url.h"

namespace runlog {
namespace http {

using GetEnv = std::function<const char *(const char *)>;

struct ProxyConfig {
    std::string https_proxy;  // raw values; empty = none
    std::string http_proxy;
    std::string no_proxy;

    // Reads the lowercase variable first, then the uppercase one (curl/Go order).
    static ProxyConfig from_env(const GetEnv &getenv_fn);
};

// True if host:port must bypass the proxy per no_proxy: "*" bypasses all;
// entries are comma/space separated host names ("example.com" and
// ".example.com" match the domain and its subdomains), optionally with
// ":port", or IP addresses / IPv4 CIDR blocks ("10.0.0.0/8").
bool no_proxy_matches(const std::string &no_proxy, const std::string &host, int port);

// Chooses the proxy for a target URL. Returns false with why set if the
// proxy variable is malformed; proxy_out.host empty means direct.
bool select_proxy(const ProxyConfig &cfg, const Url &target, Url &proxy_out, std::string &why);

}  // namespace http
}  // namespace runlog
