#include "upload/store_storage.h"

#include <cstdlib>

namespace runlog::upload {

const char *const kProgressFile = "sync-progress.json";

namespace {
// Holds mu (when there is one) for the duration of a store call.
struct MaybeLock {
    std::mutex *mu;
    explicit MaybeLock(std::mutex *m) : mu(m) { if (mu) mu->lock(); }
    ~MaybeLock() { if (mu) mu->unlock(); }
};
}  // namespace

Storage store_storage(const runlog_store &store, std::mutex *mu, std::function<uint64_t()> readable) {
    Storage st;
    st.read = [store, mu](uint64_t off, uint8_t *buf, size_t cap) -> long long {
        MaybeLock lock(mu);
        size_t n = 0;
        runlog_error e = RUNLOG_ERROR_INIT;
        return store.read(store.user_data, off, buf, cap, &n, &e) ? -1 : (long long)n;
    };
    st.readable = std::move(readable);
    st.load_progress = [store, mu](std::string &text) {
        if (store.version < 2 || !store.read_file) return false;
        MaybeLock lock(mu);
        runlog_buf buf{nullptr, 0};
        runlog_error e = RUNLOG_ERROR_INIT;
        int rc = store.read_file(store.user_data, kProgressFile, &buf, &e);
        if (rc == RUNLOG_OK && buf.data) text.assign(buf.data, buf.size);
        std::free(buf.data);
        return rc == RUNLOG_OK;
    };
    st.save_progress = [store, mu](const std::string &text, std::string &why) {
        MaybeLock lock(mu);
        runlog_error e = RUNLOG_ERROR_INIT;
        int rc = store.write_file(store.user_data, kProgressFile, reinterpret_cast<const uint8_t *>(text.data()),
                                  text.size(), &e);
        if (rc) why = e.message[0] ? e.message : runlog_status_string(rc);
        return rc == RUNLOG_OK;
    };
    return st;
}

}  // namespace runlog::upload
