// A journal ByteSource over a file (the one piece of the reader that does I/O).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "journal_reader.h"

namespace runlog::journal {

ByteSource file_source(const std::string &path, std::string *error) {
    std::shared_ptr<FILE> f(std::fopen(path.c_str(), "rb"), [](FILE *p) {
        if (p) std::fclose(p);
    });
    if (!f) {
        if (error) *error = "cannot open " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    return [f](uint64_t offset, uint8_t *buf, size_t cap) -> long long {
        if (fseeko(f.get(), off_t(offset), SEEK_SET) != 0) return -1;
        size_t n = std::fread(buf, 1, cap, f.get());
        if (n == 0 && std::ferror(f.get())) return -1;
        return (long long)n;
    };
}

}  // namespace runlog::journal
