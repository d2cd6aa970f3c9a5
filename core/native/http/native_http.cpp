#include "native/http/native_http.h"

#include <atomic>

#include "native/http/http_client.h"
#include "native/http/socket.h"
#include "upload/uploader.h"

namespace runlog::http {
namespace {

struct NativeHttp {
    HttpClient client;
    int connect_timeout_ms;
    std::atomic<bool> cancelled{false};
    explicit NativeHttp(HttpClientOptions o, int connect_ms) : client(std::move(o)), connect_timeout_ms(connect_ms) {}
};

int native_start(void *ud, const runlog_http_request *req, runlog_http_call *call, runlog_error *) {
    auto *self = static_cast<NativeHttp *>(ud);
    HttpRequest r;
    r.method = req->method ? req->method : "POST";
    r.url = req->url ? req->url : "";
    for (auto &h : upload::parse_headers(req->headers)) r.headers.emplace_back(std::move(h.first), std::move(h.second));
    if (req->body && req->body_len) r.body.assign(reinterpret_cast<const char *>(req->body), req->body_len);
    r.timeout_ms = int(req->timeout_ms);
    r.connect_timeout_ms = self->connect_timeout_ms;
    if (r.timeout_ms > 0 && r.connect_timeout_ms > r.timeout_ms) r.connect_timeout_ms = r.timeout_ms;
    HttpResponse resp;
    Error err;
    if (self->cancelled.load()) {
        upload::complete(call, upload::Answer{0, {}, {}, "cancelled: the run stopped waiting for the upload"});
        return RUNLOG_OK;
    }
    set_thread_cancel_flag(&self->cancelled);
    self->client.perform(r, resp, err);
    set_thread_cancel_flag(nullptr);
    upload::Answer a;
    if (resp.status > 0) {
        a.status = resp.status;
        for (auto &h : resp.headers) a.headers.emplace_back(h.first, h.second);
        a.body = std::move(resp.body);
    } else {
        // Retrying does not help with a bad URL, an untrusted certificate or
        // an unreadable CA bundle: say so with -1.
        a.status = error_kind_retryable(resp.error_kind) ? 0 : -1;
        a.error = err.message.empty() ? error_kind_name(resp.error_kind) : err.message;
    }
    upload::complete(call, std::move(a));
    return RUNLOG_OK;
}

void native_destroy(void *ud) { delete static_cast<NativeHttp *>(ud); }
void native_cancel(void *ud) { static_cast<NativeHttp *>(ud)->cancelled.store(true); }

}  // namespace

void make_native_http(const NativeHttpConfig &config, runlog_http *out) {
    HttpClientOptions o;
    o.ca_bundle = config.ca_bundle;
    o.user_agent = config.user_agent;
    if (config.warn) o.warn = config.warn;
    auto *self = new NativeHttp(std::move(o), config.connect_timeout_ms);
    *out = runlog_http{RUNLOG_HTTP_VERSION, self, native_start, native_destroy, native_cancel};
}

}  // namespace runlog::http
