// Status codes with messages inside the core. Mirrors runlog_error so the C
// boundary only copies.
#pragma once
#include <string>

#include "runlog.h"

namespace runlog {

struct Error {
    int status = RUNLOG_OK;
    std::string message;

    int set(int s, std::string m) {
        status = s;
        message = std::move(m);
        return s;
    }
    void clear() {
        status = RUNLOG_OK;
        message.clear();
    }
};

// Copies a plug-in's runlog_error into an Error (keeping the plug-in's words).
inline int from_plugin(int rc, const runlog_error &perr, const std::string &what, Error &err) {
    std::string msg = what;
    if (perr.message[0]) {
        msg += ": ";
        msg += perr.message;
    }
    return err.set(rc == RUNLOG_OK ? RUNLOG_E_CALLBACK : rc, std::move(msg));
}

}  // namespace runlog
