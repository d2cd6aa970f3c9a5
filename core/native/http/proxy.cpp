#include "proxy.h"

#include <arpa/inet.h>

#include <cctype>
#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace runlog {
namespace http {

static std::string env2(const GetEnv &g, const char *lo, const char *up) {
    const char *v = g(lo);
    if (!v || !*v) v = g(up);
    return v ? v : "";
}

ProxyConfig ProxyConfig::from_env(const GetEnv &g) {
    ProxyConfig c;
    c.https_proxy = env2(g, "https_proxy", "HTTPS_PROXY");
    c.http_proxy = env2(g, "http_proxy", "HTTP_PROXY");
    c.no_proxy = env2(g, "no_proxy", "NO_PROXY");
    return c;
}

static std::string lower(std::string s) {
    for (auto &c : s) c = (char)std::tolower((unsigned char)c);
    return s;
}

static bool cidr4_match(const std::string &entry, const std::string &host) {
    size_t slash = entry.find('/');
    if (slash == std::string::npos) return false;
    in_addr net{}, h{};
    if (inet_pton(AF_INET, entry.substr(0, slash).c_str(), &net) != 1) return false;
    if (inet_pton(AF_INET, host.c_str(), &h) != 1) return false;
    std::string bits = entry.substr(slash + 1);
    if (bits.empty() || bits.size() > 2 || bits.find_first_not_of("0123456789") != std::string::npos)
        return false;
    int n = std::stoi(bits);
    if (n < 0 || n > 32) return false;
    uint32_t mask = n == 0 ? 0 : htonl(0xffffffffu << (32 - n));
    return (net.s_addr & mask) == (h.s_addr & mask);
}

bool no_proxy_matches(const std::string &no_proxy, const std::string &host_in, int port) {
    std::string host = lower(host_in);
    size_t i = 0;
    while (i < no_proxy.size()) {
        size_t j = no_proxy.find_first_of(", ", i);
        if (j == std::string::npos) j = no_proxy.size();
        std::string e = lower(no_proxy.substr(i, j - i));
        i = j + 1;
        if (e.empty()) continue;
        if (e == "*") return true;
        if (e.find('/') != std::string::npos) {
            if (cidr4_match(e, host)) return true;
            continue;
        }
        // Optional port: "host:port" or "[v6]:port".
        int eport = 0;
        if (e[0] == '[') {
            size_t rb = e.find(']');
            if (rb == std::string::npos) continue;
            std::string after = e.substr(rb + 1);
            e = e.substr(1, rb - 1);
            if (after.size() > 1 && after[0] == ':') eport = std::atoi(after.c_str() + 1);
        } else if (std::count(e.begin(), e.end(), ':') == 1) {
            size_t c = e.find(':');
            eport = std::atoi(e.c_str() + c + 1);
            e.resize(c);
        }
        if (eport && eport != port) continue;
        if (!e.empty() && e[0] == '.') e = e.substr(1);
        if (e.empty()) continue;
        if (host == e) return true;
        if (host.size() > e.size() && host.compare(host.size() - e.size(), e.size(), e) == 0 &&
            host[host.size() - e.size() - 1] == '.')
            return true;
    }
    return false;
}

bool select_proxy(const ProxyConfig &cfg, const Url &target, Url &proxy_out, std::string &why) {
    proxy_out = Url();
    const std::string &raw = target.scheme == "https" ? cfg.https_proxy : cfg.http_proxy;
    if (raw.empty()) return true;
    if (no_proxy_matches(cfg.no_proxy, target.host, target.port)) return true;
    Url p;
    std::string w;
    if (!parse_url(raw, p, w, "http")) {
        why = "invalid proxy setting (" + redact_url(raw) + "): " + w;
        return false;
    }
    if (p.scheme != "http") {
        why = "unsupported proxy scheme '" + p.scheme + "' (only http:// proxies are supported)";
        return false;
    }
    proxy_out = p;
    return true;
}

}  // namespace http
}  // namespace runlog
