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

// A plug-in's status as the API reports it: anything but RUNLOG_OK or a
// known RUNLOG_E_* code becomes RUNLOG_E_CALLBACK.
inline int plugin_status(int rc) {
    if (rc == RUNLOG_OK) return RUNLOG_OK;
    return rc < 0 && rc >= RUNLOG_E_REFUSED ? rc : RUNLOG_E_CALLBACK;
}

// Copies a plug-in's runlog_error into an Error (keeping the plug-in's words).
inline int from_plugin(int rc, const runlog_error &perr, const std::string &what, Error &err) {
    rc = plugin_status(rc);
    std::string msg = what;
    if (perr.message[0]) {
        msg += ": ";
        msg += perr.message;
    }
    return err.set(rc == RUNLOG_OK ? RUNLOG_E_CALLBACK : rc, std::move(msg));
}

}  // namespace runlog
