#include "native/disk_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "json_text.h"
#include "names.h"

namespace runlog {
namespace {

struct DiskStore {
    std::string base;     // <root>/runlog
    std::string run_dir;  // base/<dir name>
    int fd = -1;
    uint64_t size = 0;
};

int status_from_errno(int e) {
    switch (e) {
        case ENOSPC:
#ifdef EDQUOT
        case EDQUOT:
#endif
            return RUNLOG_E_NO_SPACE;
        case EACCES:
        case EPERM:
        case EROFS: return RUNLOG_E_PERMISSION;
        case ENOMEM: return RUNLOG_E_NOMEM;
        default: return RUNLOG_E_IO;
    }
}

int fail(runlog_error *err, int status, const std::string &msg) {
    if (err) {
        err->status = status;
        std::snprintf(err->message, sizeof err->message, "%s", msg.c_str());
    }
    return status;
}

int fail_errno(runlog_error *err, const std::string &what, int e) {
    std::string fix;
    switch (status_from_errno(e)) {
        case RUNLOG_E_NO_SPACE: fix = "; free disk space or set WANDB_DIR to a disk with room"; break;
        case RUNLOG_E_PERMISSION: fix = "; set WANDB_DIR (or runlog_options.dir) to a writable directory"; break;
        default: break;
    }
    return fail(err, status_from_errno(e), what + ": " + std::strerror(e) + fix);
}

int make_dir(const std::string &path, runlog_error *err) {
    // mkdir -p
    for (size_t i = 1; i <= path.size(); ++i) {
        if (i < path.size() && path[i] != '/') continue;
        std::string part = path.substr(0, i);
        if (::mkdir(part.c_str(), 0777) != 0 && errno != EEXIST)
            return fail_errno(err, "cannot create the directory " + part, errno);
        struct stat st;
        if (::stat(part.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
            return fail(err, RUNLOG_E_PERMISSION,
                        "cannot create the directory " + path + ": " + part +
                            " is a file; set WANDB_DIR (or runlog_options.dir) to a directory");
    }
    return RUNLOG_OK;
}

void sync_dir(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// The newest run directory under base holding run id `id`, or "".
// 0, or the errno that stopped reading path.
int read_whole_file(const std::string &path, std::string &out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int e = errno;
            ::close(fd);
            return e;
        }
        if (n == 0) break;
        out.append(buf, size_t(n));
    }
    ::close(fd);
    return 0;
}

std::string find_run(const std::string &base, const std::string &id) {
    DIR *d = ::opendir(base.c_str());
    if (!d) return {};
    std::string best, best_stamp;
    while (dirent *e = ::readdir(d)) {
        RunDirName parsed;
        if (!parse_run_dir_name(e->d_name, parsed) || parsed.id != id) continue;
        std::string journal = base + "/" + e->d_name + "/" + journal_file_name(id);
        if (::access(journal.c_str(), F_OK) != 0) continue;
        if (best.empty() || parsed.timestamp > best_stamp) {
            best = e->d_name;
            best_stamp = parsed.timestamp;
        }
    }
    ::closedir(d);
    return best;
}

void point_latest(const std::string &base, const std::string &dir_name) {
    const std::string link = base + "/latest-run";
    const std::string tmp = link + ".tmp" + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    if (::symlink(dir_name.c_str(), tmp.c_str()) == 0 && ::rename(tmp.c_str(), link.c_str()) != 0)
        ::unlink(tmp.c_str());
}

int store_open(void *ud, const char *run_id, const char *dir_name, int mode, uint64_t *journal_size,
               int *created, char *location, size_t location_cap, runlog_error *err) {
    auto *s = static_cast<DiskStore *>(ud);
    if (int rc = make_dir(s->base, err)) return rc;
    const std::string existing = find_run(s->base, run_id);
    if (!existing.empty() && mode == RUNLOG_STORE_CREATE)
        return fail(err, RUNLOG_E_EXISTS,
                    std::string("a run with id ") + run_id + " already exists in " + s->base + "/" + existing);
    if (existing.empty() && mode == RUNLOG_STORE_RESUME)
        return fail(err, RUNLOG_E_NOT_FOUND, std::string("no run with id ") + run_id + " in " + s->base);
    const std::string journal_name = journal_file_name(run_id);
    if (existing.empty()) {
        s->run_dir = s->base + "/" + dir_name;
        // EEXIST without a journal inside: a process died between creating the
        // directory and its journal; the directory is reused.
        if (::mkdir(s->run_dir.c_str(), 0777) != 0 && errno != EEXIST)
            return fail_errno(err, "cannot create the run directory " + s->run_dir, errno);
        if (int rc = make_dir(s->run_dir + "/files", err)) return rc;
        const std::string path = s->run_dir + "/" + journal_name;
        s->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0666);
        if (s->fd < 0) return fail_errno(err, "cannot create the journal " + path, errno);
        s->size = 0;
        *created = 1;
        sync_dir(s->base);
        point_latest(s->base, dir_name);
    } else {
        s->run_dir = s->base + "/" + existing;
        const std::string path = s->run_dir + "/" + journal_name;
        make_dir(s->run_dir + "/files", nullptr);
        s->fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
        if (s->fd < 0) return fail_errno(err, "cannot open the journal " + path, errno);
        struct stat st;
        if (::fstat(s->fd, &st) != 0) return fail_errno(err, "cannot read the size of " + path, errno);
        s->size = uint64_t(st.st_size);
        *created = 0;
        point_latest(s->base, existing);
    }
    // One writer per journal: the lock is held while the run is open and
    // released by the kernel if the process dies (so `runlog sync` can tell
    // a live run from a crashed one).
    if (::flock(s->fd, LOCK_EX | LOCK_NB) != 0 && (errno == EWOULDBLOCK || errno == EAGAIN)) {
        ::close(s->fd);
        s->fd = -1;
        return fail(err, RUNLOG_E_EXISTS,
                    std::string("run ") + run_id + " in " + s->run_dir +
                        " is open in another process (or another runlog_run): finish it first, or use "
                        "another run id");
    }
    *journal_size = s->size;
    std::snprintf(location, location_cap, "%s", s->run_dir.c_str());
    return RUNLOG_OK;
}

int store_append(void *ud, const uint8_t *data, size_t len, runlog_error *err) {
    auto *s = static_cast<DiskStore *>(ud);
    size_t done = 0;
    while (done < len) {
        ssize_t n = ::write(s->fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            // All or nothing: a half-written batch would sit in the middle of
            // the journal once a retry succeeds.
            if (done && ::ftruncate(s->fd, off_t(s->size)) != 0) {
                return fail_errno(err, "cannot undo a partial write to the journal in " + s->run_dir, errno);
            }
            return fail_errno(err, "cannot write to the journal in " + s->run_dir, e);
        }
        done += size_t(n);
    }
    s->size += len;
    return RUNLOG_OK;
}

int store_sync(void *ud, runlog_error *err) {
    auto *s = static_cast<DiskStore *>(ud);
    if (::fdatasync(s->fd) != 0 && errno != EINVAL)
        return fail_errno(err, "cannot flush the journal in " + s->run_dir + " to disk", errno);
    return RUNLOG_OK;
}

int store_read(void *ud, uint64_t offset, uint8_t *buf, size_t cap, size_t *n, runlog_error *err) {
    auto *s = static_cast<DiskStore *>(ud);
    int fd = s->fd;
    ssize_t got;
    do got = ::pread(fd, buf, cap, off_t(offset));
    while (got < 0 && errno == EINTR);
    if (got < 0) return fail_errno(err, "cannot read the journal in " + s->run_dir, errno);
    *n = size_t(got);
    return RUNLOG_OK;
}

int store_truncate(void *ud, uint64_t size, runlog_error *err) {
    auto *s = static_cast<DiskStore *>(ud);
    if (::ftruncate(s->fd, off_t(size)) != 0)
        return fail_errno(err, "cannot truncate the journal in " + s->run_dir, errno);
    s->size = size;
    return RUNLOG_OK;
}

int store_write_file(void *ud, const char *name, const uint8_t *data, size_t len, runlog_error *err) {
    auto *s = static_cast<DiskStore *>(ud);
    const std::string path = s->run_dir + "/" + name;
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return fail_errno(err, "cannot create " + tmp, errno);
    size_t done = 0;
    while (done < len) {
        ssize_t n = ::write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return fail_errno(err, "cannot write " + tmp, e);
        }
        done += size_t(n);
    }
    ::fdatasync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        return fail_errno(err, "cannot replace " + path, e);
    }
    return RUNLOG_OK;
}

int store_read_file(void *ud, const char *name, runlog_buf *out, runlog_error *err) {
    auto *s = static_cast<DiskStore *>(ud);
    const std::string path = s->run_dir + "/" + name;
    std::string text;
    int rc = read_whole_file(path, text);
    if (rc == ENOENT) return fail(err, RUNLOG_E_NOT_FOUND, "no file " + path);
    if (rc) return fail_errno(err, "cannot read " + path, rc);
    out->data = static_cast<char *>(std::malloc(text.size() + 1));
    if (!out->data) return fail(err, RUNLOG_E_NOMEM, "out of memory reading " + path);
    std::memcpy(out->data, text.data(), text.size());
    out->data[text.size()] = '\0';
    out->size = text.size();
    return RUNLOG_OK;
}

void store_destroy(void *ud) {
    auto *s = static_cast<DiskStore *>(ud);
    if (s->fd >= 0) ::close(s->fd);
    delete s;
}

}  // namespace

int make_disk_store(const std::string &root_dir, runlog_store *out, runlog_error *err) {
    (void)err;
    auto *s = new DiskStore;
    std::string root = root_dir.empty() ? std::string(".") : root_dir;
    if (root[0] != '/') {
        // An absolute location: the banner and runlog_run_dir() stay right
        // even if the program changes directory later.
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd)) root = (root == "." ? std::string(cwd) : std::string(cwd) + "/" + root);
    }
    s->base = root + "/runlog";
    *out = runlog_store{RUNLOG_STORE_VERSION, s,          store_open,       store_append, store_sync,
                        store_read,           store_truncate, store_write_file, store_destroy,
                        store_read_file};
    return RUNLOG_OK;
}

std::string read_resume_id(const std::string &root_dir) {
    std::ifstream in(root_dir + "/runlog/wandb-resume.json");
    if (!in) return {};
    std::stringstream ss;
    ss << in.rdbuf();
    json j;
    if (parse_json_value(ss.str(), j, nullptr) != JsonError::None || !j.is_object()) return {};
    auto it = j.find("run_id");
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void write_resume_id(const std::string &root_dir, const std::string &id) {
    const std::string path = root_dir + "/runlog/wandb-resume.json";
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return;
        out << to_json_text(json{{"run_id", id}}) << "\n";
    }
    std::rename(tmp.c_str(), path.c_str());
}

}  // namespace runlog
