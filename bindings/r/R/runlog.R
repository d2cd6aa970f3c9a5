# runlog: the R binding of the runlog C library (capi/runlog.h).
#
# A run is an external pointer with class "runlog_run"; the C side keeps the
# runlog handle, a finalizer finishes runs dropped without runlog_finish(),
# and every call checks the pointer. Failed calls signal a condition of
# class c("runlog_error", "error", "condition") carrying `status` (the
# RUNLOG_E_* code, an integer) and `status_name` ("RUNLOG_E_STEP_ORDER").

# ---- conditions ---------------------------------------------------------------

.rl_status_codes <- c(
  RUNLOG_OK = 0L, RUNLOG_E_INVALID_ARGUMENT = -1L, RUNLOG_E_INVALID_JSON = -2L,
  RUNLOG_E_NOT_OBJECT = -3L, RUNLOG_E_INVALID_UTF8 = -4L, RUNLOG_E_RESERVED_KEY = -5L,
  RUNLOG_E_TOO_LARGE = -6L, RUNLOG_E_STEP_ORDER = -7L, RUNLOG_E_FINISHED = -8L,
  RUNLOG_E_IO = -9L, RUNLOG_E_NO_SPACE = -10L, RUNLOG_E_PERMISSION = -11L,
  RUNLOG_E_TIMEOUT = -12L, RUNLOG_E_QUEUE_FULL = -13L, RUNLOG_E_NOT_FOUND = -14L,
  RUNLOG_E_EXISTS = -15L, RUNLOG_E_NOMEM = -16L, RUNLOG_E_CALLBACK = -17L,
  RUNLOG_E_INTERNAL = -18L, RUNLOG_E_NETWORK = -19L, RUNLOG_E_REFUSED = -20L
)

#' @export
runlog_status_name <- function(status) {
  name <- names(.rl_status_codes)[match(as.integer(status), .rl_status_codes)]
  ifelse(is.na(name), sub(":.*", "", vapply(as.integer(status), function(s)
    .Call(C_rl_status_string, s), "")), name)
}

.rl_condition <- function(status, message, call = NULL) {
  status <- as.integer(status)
  structure(
    class = c("runlog_error", "error", "condition"),
    list(message = message, call = call, status = status,
         status_name = runlog_status_name(status))
  )
}

#' @export
conditionMessage.runlog_error <- function(c) {
  paste0(c$message, " [", c$status_name, "]")
}

.rl_stop <- function(status, message, call = sys.call(-1L)) {
  stop(.rl_condition(status, message, call))
}

# Turns a C-side error value into a condition; returns other values as they are.
.rl_check <- function(x, call = sys.call(-1L)) {
  if (inherits(x, "runlog_c_error")) stop(.rl_condition(x$status, x$message, call))
  x
}

.rl_bad_arg <- function(message, call = sys.call(-1L)) {
  stop(.rl_condition(-1L, message, call))
}

.rl_check_run <- function(run, call = sys.call(-1L)) {
  if (!inherits(run, "runlog_run") || typeof(run) != "externalptr")
    stop(.rl_condition(-1L, "`run` is not a run: use the value returned by runlog_init()", call))
}

# ---- JSON ----------------------------------------------------------------------
# jsonlite writes strict JSON (NaN and Inf become null or strings) and at most
# 15 significant digits, but runlog keeps NaN, Infinity and -Infinity as bare
# tokens like W&B, and a logged double should read back as the same double.
# So every plain double is first turned into a marker string holding its
# shortest round-trip text (15, 16 or 17 significant digits) or the bare
# token; toJSON() then quotes the markers and the quoted markers are replaced
# by their text. NA (not NaN) becomes null. Reading goes the other way.

.rl_num_text <- function(x) {
  s <- rep("NaN", length(x))
  s[!is.na(x) & x == Inf] <- "Infinity"
  s[!is.na(x) & x == -Inf] <- "-Infinity"
  fin <- which(is.finite(x))
  if (length(fin)) {
    v <- x[fin]
    t <- sprintf("%.15g", v)
    for (digits in c(16L, 17L)) {
      bad <- which(as.double(t) != v)
      if (!length(bad)) break
      t[bad] <- sprintf(paste0("%.", digits, "g"), v[bad])
    }
    s[fin] <- t
  }
  s
}

.rl_plain_double <- function(x) {
  is.double(x) && is.null(dim(x)) && (!is.object(x) || identical(class(x), "AsIs"))
}

.rl_mark <- function(x, nonce) {
  if (is.list(x) && !is.data.frame(x)) {
    for (i in seq_along(x)) {
      v <- x[[i]]
      if (!is.null(v)) {
        m <- .rl_mark(v, nonce)
        if (!identical(m, v)) x[[i]] <- m
      }
    }
    return(x)
  }
  if (.rl_plain_double(x) && length(x)) {
    tok <- paste0(nonce, .rl_num_text(unclass(x)))
    tok[is.na(x) & !is.nan(x)] <- NA_character_
    if (length(x) == 1L && !inherits(x, "AsIs")) return(tok)
    return(as.list(tok))
  }
  x
}

.rl_to_json <- function(x) {
  nonce <- .Call(C_rl_nonce)
  marked <- .rl_mark(x, nonce)
  txt <- jsonlite::toJSON(marked, auto_unbox = TRUE, digits = NA, na = "null",
                          null = "null", force = TRUE)
  txt <- as.character(txt)
  if (!identical(marked, x))
    txt <- gsub(paste0("\"", nonce, "(NaN|-?Infinity|[-+.0-9eE]+)\""), "\\1", txt, perl = TRUE)
  enc2utf8(txt)
}

.rl_unmark <- function(x, nonce) {
  if (is.list(x)) {
    for (i in seq_along(x)) {
      v <- x[[i]]
      if (!is.null(v)) {
        m <- .rl_unmark(v, nonce)
        if (!identical(m, v)) x[[i]] <- m
      }
    }
    return(x)
  }
  if (is.character(x) && length(x) == 1L && startsWith(x, nonce)) {
    return(switch(substring(x, nchar(nonce) + 1L),
                  "NaN" = NaN, "Infinity" = Inf, "-Infinity" = -Inf, x))
  }
  x
}

# Arrays of scalars of one type become vectors (length >= 1); objects stay
# named lists; null stays NULL inside lists.
.rl_simplify <- function(x) {
  if (!is.list(x)) return(x)
  x[] <- lapply(x, .rl_simplify)
  if (is.null(names(x)) && length(x) > 0L &&
      all(vapply(x, function(e) is.atomic(e) && length(e) == 1L && is.null(names(e)), TRUE))) {
    types <- unique(vapply(x, function(e) if (is.numeric(e)) "double" else typeof(e), ""))
    if (length(types) == 1L) {
      out <- unlist(x, use.names = FALSE)
      if (types == "double") out <- as.double(out)
      return(out)
    }
  }
  x
}

.rl_from_json <- function(txt, simplify = TRUE) {
  nonce <- .Call(C_rl_nonce)
  marked <- .Call(C_rl_json_mark_nonfinite, txt, nonce)
  v <- jsonlite::fromJSON(marked, simplifyVector = FALSE)
  if (!identical(marked, txt)) v <- .rl_unmark(v, nonce)
  if (simplify) v <- .rl_simplify(v)
  v
}

# data → JSON text for runlog: a named list or named atomic vector becomes an
# object; a string is taken as JSON text and a raw vector as its bytes.
.rl_object_text <- function(data, what, call) {
  if (is.raw(data)) return(data)
  if (is.character(data) && length(data) == 1L && is.null(names(data))) {
    if (is.na(data)) stop(.rl_condition(-1L, paste(what, "is NA"), call))
    return(enc2utf8(data))
  }
  if (is.null(data) || length(data) == 0L) return("{}")
  if (is.data.frame(data) || (!is.list(data) && !is.atomic(data)))
    stop(.rl_condition(-1L, paste0(what, " must be a named list (or a named vector, a JSON string or raw JSON bytes), not ",
                                   class(data)[1L]), call))
  nm <- names(data)
  if (is.null(nm) || anyNA(nm) || any(nm == ""))
    stop(.rl_condition(-1L, paste(what, "must be a named list: every element needs a name, e.g. list(loss = 0.5)"), call))
  if (is.atomic(data)) data <- as.list(data)
  .rl_to_json(data)
}

# ---- arguments ----------------------------------------------------------------

.rl_step <- function(step, call) {
  if (is.null(step)) return(NULL)
  if (!is.numeric(step) || length(step) != 1L || is.na(step) || step < 0 ||
      step != floor(step) || step > 2^53)
    stop(.rl_condition(-1L, "step must be NULL or a single whole number >= 0 (NULL uses runlog's current step)", call))
  as.double(step)
}

.rl_commit <- function(commit, call) {
  if (is.null(commit)) return(0L)
  if (!is.logical(commit) || length(commit) != 1L || is.na(commit))
    stop(.rl_condition(-1L, "commit must be NULL, TRUE or FALSE", call))
  if (commit) 1L else 2L
}

.rl_tristate <- function(x, what, call) {
  if (is.null(x)) return(0L)
  if (!is.logical(x) || length(x) != 1L || is.na(x))
    stop(.rl_condition(-1L, paste(what, "must be NULL, TRUE or FALSE"), call))
  if (x) 1L else 2L
}

.rl_choice <- function(x, choices, what, call) {
  if (is.null(x)) return(0L)
  i <- match(x, choices)
  if (length(x) != 1L || is.na(i))
    stop(.rl_condition(-1L, paste0(what, " must be one of ", paste0("\"", choices, "\"", collapse = ", ")), call))
  i - 1L
}

# ---- the API ------------------------------------------------------------------

#' @export
runlog_init <- function(project = NULL, config = NULL, mode = NULL, dir = NULL,
                        name = NULL, entity = NULL, notes = NULL, group = NULL,
                        job_type = NULL, tags = NULL, run_id = NULL, resume = NULL,
                        silent = NULL, threading = NULL, queue_full = NULL,
                        durability = NULL, queue_capacity_bytes = NULL,
                        max_payload_bytes = NULL, fsync_interval_ms = NULL,
                        finish_timeout_ms = NULL, base_url = NULL, api_key = NULL,
                        ca_bundle = NULL, transmit_interval_ms = NULL,
                        http_timeout_ms = NULL, retry_max = NULL,
                        retry_wait_min_ms = NULL, retry_wait_max_ms = NULL,
                        upload_timeout_ms = NULL) {
  call <- sys.call()
  if (!is.null(tags)) {
    if (!is.character(tags) || anyNA(tags))
      stop(.rl_condition(-1L, "tags must be a character vector", call))
    tags <- if (length(tags)) paste(tags, collapse = ",") else NULL
  }
  config_json <- if (is.null(config)) NULL else .rl_object_text(config, "config", call)
  if (is.raw(config_json)) config_json <- rawToChar(config_json)
  if (!is.null(dir)) dir <- path.expand(dir)
  opts <- list(
    project = project, entity = entity, name = name, notes = notes, group = group,
    job_type = job_type, tags = tags, run_id = run_id, mode = mode, resume = resume,
    dir = dir, config_json = config_json,
    silent = .rl_tristate(silent, "silent", call),
    threading = .rl_choice(threading, c("default", "background", "manual"), "threading", call),
    queue_full = .rl_choice(queue_full, c("block", "drop"), "queue_full", call),
    durability = .rl_choice(durability, c("interval", "flush_only", "none", "every_record"), "durability", call),
    queue_capacity_bytes = queue_capacity_bytes, max_payload_bytes = max_payload_bytes,
    fsync_interval_ms = fsync_interval_ms, finish_timeout_ms = finish_timeout_ms,
    base_url = base_url, api_key = api_key,
    ca_bundle = if (is.null(ca_bundle)) NULL else path.expand(ca_bundle),
    transmit_interval_ms = transmit_interval_ms, http_timeout_ms = http_timeout_ms,
    retry_max = retry_max, retry_wait_min_ms = retry_wait_min_ms,
    retry_wait_max_ms = retry_wait_max_ms, upload_timeout_ms = upload_timeout_ms
  )
  opts <- opts[!vapply(opts, is.null, TRUE)]
  run <- .rl_check(.Call(C_rl_init, opts), call)
  attr(run, "info") <- .Call(C_rl_info, run)
  class(run) <- "runlog_run"
  run
}

#' @export
runlog_run_info <- function(run) {
  .rl_check_run(run)
  attr(run, "info")
}

#' @export
runlog_is_finished <- function(run) {
  .rl_check_run(run)
  .Call(C_rl_is_finished, run)
}

#' @export
format.runlog_run <- function(x, ...) {
  info <- attr(x, "info")
  state <- if (.Call(C_rl_is_finished, x)) "finished" else "running"
  sprintf("<runlog_run %s (%s), project %s, %s, %s%s>", info$id, info$name, info$project,
          info$mode, state, if (nzchar(info$dir)) paste0(", ", info$dir) else "")
}

#' @export
print.runlog_run <- function(x, ...) {
  cat(format(x, ...), "\n", sep = "")
  invisible(x)
}

.rl_reserved <- c("_step", "_runtime", "_wandb", "_timestamp")

#' @export
runlog_log <- function(run, data, step = NULL, commit = NULL) {
  call <- sys.call()
  .rl_check_run(run, call)
  step <- .rl_step(step, call)
  commit <- .rl_commit(commit, call)
  # Typed fast path: a named numeric vector (no NA) is staged key by key and
  # committed as one row without JSON; doubles stay exact.
  nm <- names(data)
  if (is.numeric(data) && !is.object(data) && length(data) && !is.null(nm) &&
      !anyNA(data[!is.nan(data)]) && !anyNA(nm) && all(nzchar(nm)) &&
      !anyDuplicated(nm) && !any(nm %in% .rl_reserved) && all(validUTF8(enc2utf8(nm)))) {
    if (is.integer(data) || is.double(data)) {
      names(data) <- enc2utf8(nm)
      .rl_check(.Call(C_rl_log_values, run, data, step, commit), call)
      return(invisible(run))
    }
  }
  text <- .rl_object_text(data, "data", call)
  .rl_check(.Call(C_rl_log_json, run, text, step, commit), call)
  invisible(run)
}

#' @export
runlog_stage <- function(run, values) {
  call <- sys.call()
  .rl_check_run(run, call)
  if (!is.numeric(values) || is.null(names(values)) || anyNA(names(values)))
    stop(.rl_condition(-1L, "values must be a named numeric vector, e.g. c(loss = 0.5, epoch = 1L)", call))
  if (!is.integer(values)) values <- stats::setNames(as.double(values), names(values))
  names(values) <- enc2utf8(names(values))
  .rl_check(.Call(C_rl_stage_values, run, values), call)
  invisible(run)
}

#' @export
runlog_commit_row <- function(run, step = NULL, commit = NULL) {
  call <- sys.call()
  .rl_check_run(run, call)
  .rl_check(.Call(C_rl_commit_row, run, .rl_step(step, call), .rl_commit(commit, call)), call)
  invisible(run)
}

#' @export
runlog_summary <- function(run, data) {
  call <- sys.call()
  .rl_check_run(run, call)
  .rl_check(.Call(C_rl_summary_update, run, .rl_object_text(data, "data", call)), call)
  invisible(run)
}

#' @export
runlog_summary_get <- function(run, key = NULL, simplify = TRUE) {
  call <- sys.call()
  .rl_check_run(run, call)
  if (!is.null(key) && (!is.character(key) || length(key) != 1L || is.na(key)))
    stop(.rl_condition(-1L, "key must be NULL or a single string", call))
  .rl_from_json(.rl_check(.Call(C_rl_summary_get, run, key), call), simplify)
}

#' @export
runlog_config_update <- function(run, data) {
  call <- sys.call()
  .rl_check_run(run, call)
  .rl_check(.Call(C_rl_config_update, run, .rl_object_text(data, "data", call)), call)
  invisible(run)
}

#' @export
runlog_config_get <- function(run, simplify = TRUE) {
  call <- sys.call()
  .rl_check_run(run, call)
  .rl_from_json(.rl_check(.Call(C_rl_config_get, run), call), simplify)
}

.rl_summary_ops <- c(min = 1L, max = 2L, mean = 4L, first = 8L, last = 16L, none = 32L)

#' @export
runlog_define_metric <- function(run, name, step_metric = NULL, summary = NULL,
                                 hidden = FALSE, step_sync = NULL) {
  call <- sys.call()
  .rl_check_run(run, call)
  if (!is.character(name) || length(name) != 1L || is.na(name))
    stop(.rl_condition(-1L, "name must be a single string", call))
  if (!is.null(step_metric) && (!is.character(step_metric) || length(step_metric) != 1L || is.na(step_metric)))
    stop(.rl_condition(-1L, "step_metric must be NULL or a single string", call))
  bits <- 0L
  if (length(summary)) {
    if (!is.character(summary) || anyNA(i <- match(summary, names(.rl_summary_ops))))
      stop(.rl_condition(-1L, paste0("summary must be a subset of ",
                                     paste0("\"", names(.rl_summary_ops), "\"", collapse = ", ")), call))
    bits <- Reduce(bitwOr, .rl_summary_ops[i], 0L)
  }
  if (!is.logical(hidden) || length(hidden) != 1L || is.na(hidden))
    stop(.rl_condition(-1L, "hidden must be TRUE or FALSE", call))
  .rl_check(.Call(C_rl_define_metric, run, name, step_metric, bits, hidden,
                  .rl_tristate(step_sync, "step_sync", call)), call)
  invisible(run)
}

#' @export
runlog_flush <- function(run, timeout = NULL) {
  call <- sys.call()
  .rl_check_run(run, call)
  ms <- -1L
  if (!is.null(timeout)) {
    if (!is.numeric(timeout) || length(timeout) != 1L || is.na(timeout))
      stop(.rl_condition(-1L, "timeout must be NULL (no limit) or a number of seconds", call))
    if (timeout >= 0) ms <- as.integer(min(round(timeout * 1000), .Machine$integer.max))
  }
  .rl_check(.Call(C_rl_flush, run, ms), call)
  invisible(run)
}

#' @export
runlog_pump <- function(run, max_records = 0) {
  call <- sys.call()
  .rl_check_run(run, call)
  if (!is.numeric(max_records) || length(max_records) != 1L || is.na(max_records) || max_records < 0)
    stop(.rl_condition(-1L, "max_records must be a number >= 0 (0 = all)", call))
  .rl_check(.Call(C_rl_pump, run, as.double(max_records)), call)
  invisible(run)
}

#' @export
runlog_finish <- function(run, exit_code = 0) {
  call <- sys.call()
  .rl_check_run(run, call)
  if (!is.numeric(exit_code) || length(exit_code) != 1L || is.na(exit_code) ||
      exit_code != floor(exit_code) || abs(exit_code) > .Machine$integer.max)
    stop(.rl_condition(-1L, "exit_code must be a whole number", call))
  invisible(.rl_check(.Call(C_rl_finish, run, as.integer(exit_code)), call))
}

#' @export
runlog_stats <- function(run) {
  call <- sys.call()
  .rl_check_run(run, call)
  as.list(.rl_check(.Call(C_rl_stats, run), call))
}

#' @export
runlog_version <- function() {
  .Call(C_rl_version)
}
