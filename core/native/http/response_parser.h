// Incremental HTTP/1.1 response parser: a thin wrapper over Debian's
// libhttp-parser (nodejs/http-parser 2.9) adding size limits, header
// collection, 1xx skipping and keep-alive information.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace runlog {
namespace http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ParserLimits {
    size_t max_header_bytes = 64 * 1024;    // all header names + values
    size_t max_headers = 200;
    size_t max_body_bytes = 256u << 20;     // decoded body
};

class ResponseParser {
public:
    enum State { NEED_MORE, DONE, FAILED };

    explicit ResponseParser(ParserLimits limits = ParserLimits(), bool head_request = false);
    ~ResponseParser();
    ResponseParser(const ResponseParser &) = delete;
    ResponseParser &operator=(const ResponseParser &) = delete;

    // Feeds bytes; *consumed (optional) gets how many were used. Bytes after
    // the end of the final response are not consumed (and make the connection
    // unfit for reuse: see extra_data()).
    State feed(const char *data, size_t len, size_t *consumed = nullptr);
    // The peer closed the connection: completes a read-until-close body or fails.
    State feed_eof();

    State state() const { return state_; }
    const std::string &error() const { return error_; }
    int status() const { return status_; }
    const Headers &headers() const { return headers_; }
    std::string &body() { return body_; }
    // True once any byte of a response has been seen.
    bool started() const { return started_; }
    // After DONE: may the connection carry another request?
    bool keep_alive() const { return keep_alive_ && !extra_; }
    bool extra_data() const { return extra_; }
    // After FAILED: was it a size limit (not a malformed answer)?
    bool limit_exceeded() const { return !limit_error_.empty() && !malformed_; }

private:
    struct Impl;
    friend struct Impl;
    void reset_message();

    std::unique_ptr<Impl> impl_;
    ParserLimits limits_;
    bool head_ = false;
    State state_ = NEED_MORE;
    std::string error_;
    int status_ = 0;
    Headers headers_;
    std::string body_;
    size_t header_bytes_ = 0;
    bool in_value_ = false;
    bool started_ = false;
    bool keep_alive_ = false;
    bool extra_ = false;
    bool complete_ = false;
    std::string limit_error_;
    bool malformed_ = false;
    size_t prefix_seen_ = 0;  // bytes of "HTTP/1." verified so far
};

// Case-insensitive header lookup: the first value or nullptr.
const std::string *find_header(const Headers &h, const std::string &name);

}  // namespace http
}  // namespace runlog
