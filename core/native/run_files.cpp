#include "native/run_files.h"
#include "upload/store_storage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

namespace runlog {
namespace {

bool ends_with(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The journal writer holds an exclusive flock (core/native/disk_store.cpp).
bool journal_is_live(const std::string &journal) {
    int fd = ::open(journal.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool live = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && (errno == EWOULDBLOCK || errno == EAGAIN);
    ::close(fd);
    return live;
}

bool read_text(const std::string &path, std::string &out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, size_t(n));
    }
    ::close(fd);
    return true;
}

bool write_text_atomic(const std::string &path, const std::string &text, std::string &why) {
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        why = "cannot create " + tmp + ": " + std::strerror(errno);
        return false;
    }
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why = "cannot write " + tmp + ": " + std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return false;
        }
        done += size_t(n);
    }
    ::fdatasync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        why = "cannot replace " + path + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace

int open_run_files(const std::string &path_in, RunFiles &out, Error &err) {
    std::string path = path_in;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return err.set(RUNLOG_E_NOT_FOUND, "no run at " + path + ": " + std::strerror(errno) +
                                               "; pass a run directory (runlog/offline-run-…) or its .runlog file");
    std::string dir, journal;
    if (S_ISDIR(st.st_mode)) {
        dir = path;
        DIR *d = ::opendir(path.c_str());
        if (!d) return err.set(RUNLOG_E_IO, "cannot read the directory " + path + ": " + std::strerror(errno));
        while (dirent *e = ::readdir(d)) {
            std::string name = e->d_name;
            if (name.rfind("run-", 0) == 0 && ends_with(name, ".runlog")) {
                journal = dir + "/" + name;
                break;
            }
        }
        ::closedir(d);
        if (journal.empty())
            return err.set(RUNLOG_E_NOT_FOUND, path + " holds no run journal (run-<id>.runlog): pass a run "
                                                      "directory such as runlog/offline-run-20250101_120000-abcd1234");
    } else {
        journal = path;
        size_t slash = path.rfind('/');
        dir = slash == std::string::npos ? "." : path.substr(0, slash);
        if (dir.empty()) dir = "/";
    }
    std::string base = journal.substr(journal.rfind('/') + 1);
    if (base.rfind("run-", 0) == 0 && ends_with(base, ".runlog")) out.run_id = base.substr(4, base.size() - 11);

    std::string why;
    journal::ByteSource src = journal::file_source(journal, &why);
    if (!src) return err.set(RUNLOG_E_IO, why);
    out.location = dir;
    out.live = journal_is_live(journal);
    out.storage.read = src;
    out.storage.readable = [] { return std::numeric_limits<uint64_t>::max(); };
    const std::string progress = dir + "/" + upload::kProgressFile;
    out.storage.load_progress = [progress](std::string &text) { return read_text(progress, text); };
    out.storage.save_progress = [progress](const std::string &text, std::string &why2) {
        return write_text_atomic(progress, text, why2);
    };
    return RUNLOG_OK;
}

}  // namespace runlog
