#include "url.h"

#include <cctype>

namespace runlog {
namespace http {

static std::string lower(std::string s) {
    for (auto &c : s) c = (char)std::tolower((unsigned char)c);
    return s;
}

std::string Url::authority() const {
    std::string h = ipv6() ? "[" + host + "]" : host;
    return h + ":" + std::to_string(port);
}

std::string Url::host_header() const {
    std::string h = ipv6() ? "[" + host + "]" : host;
    bool dflt = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    return dflt ? h : h + ":" + std::to_string(port);
}

bool parse_url(const std::string &text, Url &out, std::string &why, const char *default_scheme) {
    out = Url();
    for (unsigned char c : text) {
        if (c <= 0x20 || c == 0x7f) {
            why = "URL contains a space or control character";
            return false;
        }
    }
    std::string rest;
    size_t p = text.find("://");
    if (p == std::string::npos) {
        if (!default_scheme) {
            why = "URL has no scheme (expected http:// or https://)";
            return false;
        }
        out.scheme = default_scheme;
        rest = text;
    } else {
        out.scheme = lower(text.substr(0, p));
        rest = text.substr(p + 3);
    }
    if (out.scheme != "http" && out.scheme != "https") {
        why = "unsupported URL scheme '" + out.scheme + "' (expected http or https)";
        return false;
    }
    size_t end = rest.find_first_of("/?#");
    std::string auth = rest.substr(0, end);
    std::string tail = end == std::string::npos ? "" : rest.substr(end);
    size_t hash = tail.find('#');
    if (hash != std::string::npos) tail.resize(hash);
    if (tail.empty() || tail[0] != '/') tail = "/" + tail;
    out.target = tail;
    size_t at = auth.rfind('@');
    if (at != std::string::npos) {
        out.userinfo = auth.substr(0, at);
        auth = auth.substr(at + 1);
    }
    std::string portstr;
    if (!auth.empty() && auth[0] == '[') {
        size_t rb = auth.find(']');
        if (rb == std::string::npos) {
            why = "URL has an unterminated IPv6 address";
            return false;
        }
        out.host = auth.substr(1, rb - 1);
        std::string after = auth.substr(rb + 1);
        if (!after.empty()) {
            if (after[0] != ':') {
                why = "URL has junk after the IPv6 address";
                return false;
            }
            portstr = after.substr(1);
        }
        if (out.host.empty() || out.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
            why = "URL has an invalid IPv6 address";
            return false;
        }
    } else {
        size_t colon = auth.find(':');
        out.host = auth.substr(0, colon);
        if (colon != std::string::npos) portstr = auth.substr(colon + 1);
        for (unsigned char c : out.host) {
            if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_')) {
                why = "URL has an invalid host name";
                return false;
            }
        }
    }
    if (out.host.empty()) {
        why = "URL has no host";
        return false;
    }
    out.host = lower(out.host);
    if (portstr.empty()) {
        out.port = out.scheme == "https" ? 443 : 80;
    } else {
        if (portstr.size() > 5 || portstr.find_first_not_of("0123456789") != std::string::npos) {
            why = "URL has an invalid port";
            return false;
        }
        out.port = std::stoi(portstr);
        if (out.port < 1 || out.port > 65535) {
            why = "URL port out of range";
            return false;
        }
    }
    return true;
}

std::string redact_url(const std::string &text) {
    size_t p = text.find("://");
    size_t start = p == std::string::npos ? 0 : p + 3;
    size_t end = text.find_first_of("/?#", start);
    size_t at = text.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at == std::string::npos || at < start) return text;
    return text.substr(0, start) + "***@" + text.substr(at + 1);
}

}  // namespace http
}  // namespace runlog
