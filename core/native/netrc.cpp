#include "native/netrc.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace runlog {
namespace {

// netrc tokens: whitespace-separated, "quoted strings" allowed; macdef
// bodies (up to a blank line) are skipped.
std::vector<std::string> tokens(const std::string &text) {
    std::vector<std::string> out;
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i >= n) break;
        if (text[i] == '#') {  // comment to end of line
            while (i < n && text[i] != '\n') ++i;
            continue;
        }
        std::string tok;
        if (text[i] == '"') {
            ++i;
            while (i < n && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < n) ++i;
                tok += text[i++];
            }
            ++i;
        } else {
            while (i < n && !std::isspace(static_cast<unsigned char>(text[i]))) tok += text[i++];
        }
        if (tok == "macdef") {
            size_t end = text.find("\n\n", i);
            i = end == std::string::npos ? n : end + 2;
            continue;
        }
        out.push_back(std::move(tok));
    }
    return out;
}

}  // namespace

std::string netrc_lookup(const std::string &text, const std::string &machine) {
    const auto t = tokens(text);
    std::string fallback;
    for (size_t i = 0; i < t.size(); ++i) {
        const bool is_machine = t[i] == "machine" && i + 1 < t.size();
        const bool is_default = t[i] == "default";
        if (!is_machine && !is_default) continue;
        const bool match = is_machine && t[i + 1] == machine;
        size_t j = i + (is_machine ? 2 : 1);
        std::string password;
        for (; j + 1 < t.size() && t[j] != "machine" && t[j] != "default"; j += 2)
            if (t[j] == "password") password = t[j + 1];
        if (match) return password;
        if (is_default) fallback = password;
        i = j - 1;
    }
    return fallback;
}

std::string netrc_password_for(const std::string &machine) {
    std::string path;
    if (const char *p = std::getenv("NETRC"); p && *p) path = p;
    else if (const char *home = std::getenv("HOME"); home && *home) path = std::string(home) + "/.netrc";
    else return "";
    std::ifstream f(path, std::ios::binary);
    if (!f) return "";
    std::ostringstream ss;
    ss << f.rdbuf();
    return netrc_lookup(ss.str(), machine);
}

}  // namespace runlog
