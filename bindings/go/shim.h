/* shim.h — small C helpers for the Go binding (cgo cannot use C macros that
 * expand to initialisers, or store integers in void* without vet noise). */
#ifndef RUNLOG_GO_SHIM_H
#define RUNLOG_GO_SHIM_H

#include <stdint.h>
#include <stdlib.h>

#include <runlog.h>

#if RUNLOG_ABI_VERSION != 1
#error "the runlog Go binding needs runlog ABI version 1 (runlog.h says otherwise)"
#endif

/* Routes options->log_fn to the exported Go trampoline with a handle token. */
void runlog_go_set_log_fn(runlog_options *opts, uintptr_t token);
/* Fills a runlog_sink whose callbacks are the Go trampolines. */
void runlog_go_make_sink(runlog_sink *sink, uintptr_t token);
/* A runlog_error ready to be passed to a call. */
void runlog_go_error_init(runlog_error *err);
/* Fills a runlog_http whose callbacks are the Go trampolines (http.go). */
void runlog_go_make_http(runlog_http *http, uintptr_t token);
/* Routes a runlog_sync_options' log_fn to the Go trampoline. */
void runlog_go_set_sync_log_fn(runlog_sync_options *opts, uintptr_t token);
/* Writes status and a message (truncated, NUL-terminated) into err. */
void runlog_go_set_error(runlog_error *err, int status, const char *message);

#endif
