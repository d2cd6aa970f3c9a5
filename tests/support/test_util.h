// C++ helpers for the white-box tests: temporary directories, byte sources
// over memory that do not copy, and a seed that can be overridden.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "journal_reader.h"

namespace runlog_test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
public:
    explicit TempDir(const char *prefix = "runlog-test") {
        const char *base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

// A ByteSource over bytes owned by the caller (no copy). max_read limits
// the bytes returned per call (short reads); fail_at makes reads at or past
// that offset fail.
inline runlog::journal::ByteSource view_source(const std::string &bytes, size_t max_read = 0,
                                               uint64_t fail_at = UINT64_MAX) {
    const std::string *data = &bytes;
    return [data, max_read, fail_at](uint64_t offset, uint8_t *buf, size_t cap) -> long long {
        if (offset >= fail_at) return -1;
        if (offset >= data->size()) return 0;
        size_t n = std::min<size_t>(cap, data->size() - size_t(offset));
        if (max_read && n > max_read) n = max_read;
        if (fail_at != UINT64_MAX && offset + n > fail_at) n = size_t(fail_at - offset);
        std::memcpy(buf, data->data() + offset, n);
        return (long long)n;
    };
}

// RUNLOG_TEST_SEED overrides a test's fixed seed (to replay a failure).
inline uint64_t test_seed(uint64_t fixed) {
    if (const char *s = std::getenv("RUNLOG_TEST_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
    return fixed;
}

}  // namespace runlog_test
