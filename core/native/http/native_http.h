// The built-in HTTP executor of native builds: a runlog_http plug-in over the
// blocking HttpClient (HTTP/1.1, mbedTLS, proxies, keep-alive). start()
// performs the request on the calling thread (the upload thread, or the
// host's runlog_pump()) and completes it before returning.
#pragma once
#include <functional>
#include <string>

#include "runlog.h"

namespace runlog::http {

struct NativeHttpConfig {
    std::string ca_bundle;      // "" = REQUESTS_CA_BUNDLE, SSL_CERT_FILE, the system bundle
    std::string user_agent = "runlog";
    int connect_timeout_ms = 20000;
    // One warning line (insecure mode); may be empty.
    std::function<void(const std::string &)> warn;
};

// Fills *out; its destroy releases the client.
void make_native_http(const NativeHttpConfig &config, runlog_http *out);

}  // namespace runlog::http
