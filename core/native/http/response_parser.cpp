#include "response_parser.h"

#include <http_parser.h>
#include <climits>
#include <strings.h>

namespace runlog {
namespace http {

struct ResponseParser::Impl {
    http_parser parser;
    http_parser_settings settings;
    ResponseParser *self;

    static ResponseParser *S(http_parser *p) { return static_cast<Impl *>(p->data)->self; }

    static int on_message_begin(http_parser *p) {
        S(p)->started_ = true;
        return 0;
    }
    static int on_status(http_parser *p, const char *, size_t) {
        S(p)->started_ = true;
        return 0;
    }
    static int add_bytes(ResponseParser *r, size_t n) {
        r->header_bytes_ += n;
        if (r->header_bytes_ > r->limits_.max_header_bytes) {
            r->limit_error_ = "response headers exceed " + std::to_string(r->limits_.max_header_bytes) + " bytes";
            return 1;
        }
        return 0;
    }
    static int on_header_field(http_parser *p, const char *at, size_t n) {
        ResponseParser *r = S(p);
        if (add_bytes(r, n)) return 1;
        if (r->in_value_ || r->headers_.empty()) {
            if (r->headers_.size() >= r->limits_.max_headers) {
                r->limit_error_ = "response has more than " + std::to_string(r->limits_.max_headers) + " headers";
                return 1;
            }
            r->headers_.emplace_back();
            r->in_value_ = false;
        }
        r->headers_.back().first.append(at, n);
        return 0;
    }
    static int on_header_value(http_parser *p, const char *at, size_t n) {
        ResponseParser *r = S(p);
        if (add_bytes(r, n)) return 1;
        r->in_value_ = true;
        r->headers_.back().second.append(at, n);
        return 0;
    }
    static int on_headers_complete(http_parser *p) {
        ResponseParser *r = S(p);
        r->status_ = p->status_code;
        if (p->status_code < 100 || p->status_code > 999 || p->status_code == 101) {
            // We never ask for an upgrade; 3-digit codes only (the lenient build takes "1").
            r->limit_error_ = "malformed HTTP response: unexpected status code " + std::to_string(p->status_code);
            r->malformed_ = true;
            return -1;
        }
        // A HEAD answer has no body, whatever Content-Length says (return 1 = skip body).
        if (r->head_ && !(p->status_code >= 100 && p->status_code < 200)) return 1;
        if (p->content_length != ULLONG_MAX && p->content_length > r->limits_.max_body_bytes &&
            !(p->flags & F_CHUNKED)) {
            r->limit_error_ = "response body (" + std::to_string(p->content_length) + " bytes) exceeds " +
                              std::to_string(r->limits_.max_body_bytes) + " bytes";
            return -1;  // 0/1/2 have meanings (continue/skip body/upgrade): anything else is an error
        }
        return 0;
    }
    static int on_body(http_parser *p, const char *at, size_t n) {
        ResponseParser *r = S(p);
        if (r->body_.size() + n > r->limits_.max_body_bytes) {
            r->limit_error_ = "response body exceeds " + std::to_string(r->limits_.max_body_bytes) + " bytes";
            return 1;
        }
        r->body_.append(at, n);
        return 0;
    }
    static int on_message_complete(http_parser *p) {
        ResponseParser *r = S(p);
        r->complete_ = true;
        r->keep_alive_ = http_should_keep_alive(p) != 0;
        http_parser_pause(p, 1);  // stop here: we decide what the next bytes are
        return 0;
    }
};

ResponseParser::ResponseParser(ParserLimits limits, bool head_request)
    : impl_(new Impl), limits_(limits), head_(head_request) {
    http_parser_settings_init(&impl_->settings);
    impl_->settings.on_message_begin = Impl::on_message_begin;
    impl_->settings.on_status = Impl::on_status;
    impl_->settings.on_header_field = Impl::on_header_field;
    impl_->settings.on_header_value = Impl::on_header_value;
    impl_->settings.on_headers_complete = Impl::on_headers_complete;
    impl_->settings.on_body = Impl::on_body;
    impl_->settings.on_message_complete = Impl::on_message_complete;
    impl_->self = this;
    http_parser_init(&impl_->parser, HTTP_RESPONSE);
    impl_->parser.data = impl_.get();
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::reset_message() {
    status_ = 0;
    headers_.clear();
    body_.clear();
    header_bytes_ = 0;
    in_value_ = false;
    complete_ = false;
    prefix_seen_ = 0;
    http_parser_init(&impl_->parser, HTTP_RESPONSE);
    impl_->parser.data = impl_.get();
}

ResponseParser::State ResponseParser::feed(const char *data, size_t len, size_t *consumed) {
    size_t used = 0;
    if (consumed) *consumed = 0;
    if (state_ == DONE) {
        if (len) extra_ = true;
        return state_;
    }
    if (state_ == FAILED) return state_;
    while (used < len) {
        if (!started_) started_ = true;
        // libhttp-parser is built non-strict in Debian and would take e.g.
        // "HTXP/1.1"; insist on the "HTTP/1." prefix ourselves.
        static const char kPrefix[] = "HTTP/1.";
        // Every byte fed so far was consumed, so data[used + j] is byte
        // prefix_seen_ + j of this message.
        for (size_t j = 0; prefix_seen_ < 7 && used + j < len;) {
            if (data[used + j] != kPrefix[prefix_seen_]) {
                state_ = FAILED;
                error_ = "malformed HTTP response: not an HTTP/1.x status line";
                if (consumed) *consumed = used;
                return state_;
            }
            prefix_seen_++;
            j++;
        }
        size_t n = http_parser_execute(&impl_->parser, &impl_->settings, data + used, len - used);
        used += n;
        enum http_errno e = HTTP_PARSER_ERRNO(&impl_->parser);
        if (complete_) {
            int st = status_;
            if (st >= 100 && st < 200 && st != 101) {  // interim answer: wait for the final one
                reset_message();
                continue;
            }
            http_parser_pause(&impl_->parser, 0);
            state_ = DONE;
            if (used < len) extra_ = true;
            break;
        }
        if (e != HPE_OK) {
            state_ = FAILED;
            error_ = !limit_error_.empty() ? limit_error_
                                           : std::string("malformed HTTP response: ") + http_errno_description(e);
            break;
        }
        if (n == 0) break;  // should not happen; avoid spinning
    }
    if (consumed) *consumed = used;
    return state_;
}

ResponseParser::State ResponseParser::feed_eof() {
    if (state_ != NEED_MORE) return state_;
    if (!started_) {
        state_ = FAILED;
        error_ = "connection closed before any response";
        return state_;
    }
    http_parser_execute(&impl_->parser, &impl_->settings, nullptr, 0);
    if (complete_ && !(status_ >= 100 && status_ < 200)) {
        http_parser_pause(&impl_->parser, 0);
        state_ = DONE;
        keep_alive_ = false;
        return state_;
    }
    state_ = FAILED;
    error_ = "connection closed in the middle of the response";
    return state_;
}

const std::string *find_header(const Headers &h, const std::string &name) {
    for (auto &kv : h)
        if (strcasecmp(kv.first.c_str(), name.c_str()) == 0) return &kv.second;
    return nullptr;
}

}  // namespace http
}  // namespace runlog
