# Replays every scenario of tests/conformance/*.json (format in its
# README.md) through the R API, in two modes:
#   "json": rows, config and summary updates are the scenario's exact text
#           (a string, or raw bytes for json_hex);
#   "list": calls expected to succeed decode that text into R values first
#           (flat numeric objects into a named numeric vector, i.e. the typed
#           path; anything else into a list through jsonlite), so the R
#           encoders are checked against the same expectations.
# The finished run is read back with `runlog show DIR --json` ($RUNLOG_CLI).
# RUNLOG_CONFORMANCE_DIR names the scenario directory.

conformance_dir <- function() {
  d <- Sys.getenv("RUNLOG_CONFORMANCE_DIR")
  if (nzchar(d)) return(d)
  for (cand in c("../../../../tests/conformance", "../../../tests/conformance"))
    if (dir.exists(cand)) return(normalizePath(cand))
  ""
}

hex_bytes <- function(h) {
  as.raw(strtoi(substring(h, seq(1, nchar(h) - 1, 2), seq(2, nchar(h), 2)), 16L))
}

call_text <- function(call) {
  if (!is.null(call[["json"]])) return(enc2utf8(call[["json"]]))
  if (!is.null(call[["json_hex"]])) return(hex_bytes(call[["json_hex"]]))
  stop("neither json nor json_hex")
}

# Decodes a scenario's text for the "list" mode, or NULL when it cannot.
as_r_value <- function(text) {
  if (is.raw(text)) return(NULL)
  v <- tryCatch(runlog:::.rl_from_json(text, simplify = FALSE), error = function(e) NULL)
  if (!is.list(v) || (length(v) > 0 && is.null(names(v)))) return(NULL)
  if (length(v) == 0) return(structure(list(), names = character(0)))
  flat <- all(vapply(v, function(e) is.numeric(e) && length(e) == 1L, TRUE))
  if (flat) return(vapply(v, as.double, 0))
  v
}

step_arg <- function(call) if (is.null(call[["step"]])) NULL else call[["step"]]
commit_arg <- function(call) {
  switch(if (is.null(call[["commit"]])) "default" else call[["commit"]],
         default = NULL, yes = TRUE, no = FALSE, stop("bad commit ", call[["commit"]]))
}

normalize <- function(x) {
  if (is.list(x)) {
    out <- lapply(x, function(e) if (is.null(e)) list(NULL) else list(normalize(e)))
    out <- lapply(out, `[[`, 1)
    attributes(out) <- attributes(x)
    return(out)
  }
  if (is.double(x) && length(x) == 1L) {
    if (is.nan(x)) return("NaN")
    if (is.infinite(x)) return(if (x > 0) "Infinity" else "-Infinity")
  }
  x
}

# Comparison rules of the README; ignore = top-level keys compared only when
# the expected object has them.
json_diff <- function(path, want, got, ignore = character(), top = TRUE) {
  if (is.numeric(want) && length(want) == 1L) {
    if (!is.numeric(got) || length(got) != 1L ||
        abs(want - got) > 1e-9 * max(1, abs(want), abs(got)))
      return(sprintf("%s: expected %s, got %s", path, format(want, digits = 17), deparse(got)))
    return(character())
  }
  if (is.list(want) && !is.null(names(want))) {
    if (!is.list(got) || (is.null(names(got)) && length(got) > 0))
      return(sprintf("%s: expected an object, got %s", path, deparse(got)))
    gk <- names(got)
    if (top) gk <- gk[!(gk %in% ignore) | gk %in% names(want)]
    diffs <- character()
    for (k in sort(union(names(want), gk))) {
      if (!(k %in% names(want))) diffs <- c(diffs, sprintf("%s.%s: unexpected key", path, k))
      else if (!(k %in% names(got))) diffs <- c(diffs, sprintf("%s.%s: missing", path, k))
      else diffs <- c(diffs, json_diff(paste0(path, ".", k), want[[k]], got[[k]], top = FALSE))
    }
    return(diffs)
  }
  if (is.list(want)) {
    if (!is.list(got) || length(got) != length(want) || (length(got) && !is.null(names(got))))
      return(sprintf("%s: expected an array of %d, got %s", path, length(want), deparse(got)))
    return(unlist(lapply(seq_along(want), function(i)
      json_diff(sprintf("%s[%d]", path, i - 1L), want[[i]], got[[i]], top = FALSE))))
  }
  if (!identical(want, got)) return(sprintf("%s: expected %s, got %s", path, deparse(want), deparse(got)))
  character()
}

replay <- function(file, mode) {
  sc <- jsonlite::fromJSON(file, simplifyVector = FALSE)
  # outside the session's tempdir, so a failed scenario's run survives R
  dir <- tempfile(paste0("runlog-r-conformance-", sc[["name"]], "-"), tmpdir = dirname(tempdir()))
  failures <- character()
  fail <- function(...) failures <<- c(failures, paste0(...))

  args <- list(dir = dir, silent = TRUE)
  for (k in names(sc[["options"]])) {
    v <- sc[["options"]][[k]]
    switch(k,
           project = , name = , mode = { args[[k]] <- v },
           config = { args$config <- if (length(v)) v else structure(list(), names = character(0)) },
           max_payload_bytes = { args$max_payload_bytes <- v },
           stop("unknown option ", k, ": this replayer must learn it"))
  }
  run <- do.call(runlog_init, args)
  run_dir <- runlog_run_info(run)$dir
  stats <- NULL
  read_stats <- function() if (is.null(stats) && !runlog_is_finished(run)) stats <<- runlog_stats(run)

  for (i in seq_along(sc[["calls"]])) {
    call <- sc[["calls"]][[i]]
    op <- call[["op"]]
    where <- sprintf("calls[%d] (%s)", i - 1L, op)
    expect <- if (is.null(call[["expect"]])) "RUNLOG_OK" else call[["expect"]]
    typed <- mode == "list" && expect == "RUNLOG_OK"
    value <- NULL
    if (op == "finish" && runlog_is_finished(run)) {
      # runlog_finish() is idempotent in R (FALSE the second time); every
      # other call on the tombstone says RUNLOG_E_FINISHED (checked by the
      # other ops of the scenario).
      if (expect != "RUNLOG_E_FINISHED") fail(where, ": second finish expected ", expect)
      if (!identical(runlog_finish(run, call[["exit_code"]] %||% 0), FALSE))
        fail(where, ": a second runlog_finish() must return FALSE")
      next
    }
    if (op == "finish") read_stats()
    err <- tryCatch({
      switch(op,
        log = {
          text <- call_text(call)
          data <- if (typed) as_r_value(text) else NULL
          runlog_log(run, if (is.null(data)) text else data, step = step_arg(call), commit = commit_arg(call))
        },
        stage_double = {
          v <- call[["value"]]
          if (is.character(v)) v <- switch(v, "NaN" = NaN, "Infinity" = Inf, "-Infinity" = -Inf)
          runlog_stage(run, stats::setNames(as.double(v), call[["key"]]))
        },
        stage_int = runlog_stage(run, stats::setNames(as.integer(call[["value"]]), call[["key"]])),
        commit_row = runlog_commit_row(run, step = step_arg(call), commit = commit_arg(call)),
        config_update = {
          text <- call_text(call)
          data <- if (typed) as_r_value(text) else NULL
          if (is.numeric(data)) data <- as.list(data)
          runlog_config_update(run, if (is.null(data)) text else data)
        },
        summary_update = {
          text <- call_text(call)
          data <- if (typed) as_r_value(text) else NULL
          if (is.numeric(data)) data <- as.list(data)
          runlog_summary(run, if (is.null(data)) text else data)
        },
        config_get = { value <- runlog_config_get(run, simplify = FALSE) },
        summary_get = { value <- runlog_summary_get(run, call[["key"]], simplify = FALSE) },
        define_metric = {
          runlog_define_metric(run, call[["name"]], step_metric = call[["step_metric"]],
                               summary = unlist(call[["summary"]]),
                               hidden = isTRUE(call[["hidden"]]),
                               step_sync = switch(if (is.null(call[["step_sync"]])) "default" else call[["step_sync"]],
                                                  default = NULL, yes = TRUE, no = FALSE))
        },
        flush = runlog_flush(run, timeout = (if (is.null(call[["timeout_ms"]])) 10000 else call[["timeout_ms"]]) / 1000),
        finish = runlog_finish(run, exit_code = if (is.null(call[["exit_code"]])) 0 else call[["exit_code"]]),
        stop("unknown op ", op, ": this replayer must learn it"))
      NULL
    }, runlog_error = function(e) e)
    if (expect == "RUNLOG_OK") {
      if (!is.null(err)) fail(where, ": expected RUNLOG_OK, got ", conditionMessage(err))
    } else if (is.null(err)) {
      fail(where, ": expected ", expect, ", got RUNLOG_OK")
    } else {
      if (!identical(err$status_name, expect)) fail(where, ": expected ", expect, ", got ", conditionMessage(err))
      if (!nzchar(err$message)) fail(where, ": ", expect, " without a message")
    }
    if (!is.null(call[["expect_json"]]) && is.null(err) && "expect_json" %in% names(call)) {
      ignore <- if (op == "summary_get" && is.null(call[["key"]])) c("_runtime", "_timestamp", "_wandb")
                else if (op == "config_get") "_wandb" else character()
      d <- json_diff(where, call[["expect_json"]], normalize(value), ignore)
      if (length(d)) fail(paste(d, collapse = "\n"))
    }
  }
  if (!runlog_is_finished(run)) {
    read_stats()
    tryCatch(runlog_finish(run), runlog_error = function(e) fail("implicit finish: ", conditionMessage(e)))
  }

  ex <- sc[["expect"]]
  if (!is.null(ex[["stats"]])) {
    for (k in names(ex[["stats"]])) {
      if (is.null(stats[[k]])) fail("stats.", k, ": unknown field")
      else if (stats[[k]] != ex[["stats"]][[k]]) fail(sprintf("stats.%s: expected %s, got %s", k, ex[["stats"]][[k]], stats[[k]]))
    }
  }
  shown <- show_run(run_dir)
  if (!is.null(ex[["rows"]])) {
    got <- shown[["history"]]
    if (length(got) != length(ex[["rows"]])) {
      fail(sprintf("rows: expected %d rows, got %d", length(ex[["rows"]]), length(got)))
    } else {
      for (r in seq_along(got)) {
        for (k in c("_runtime", "_timestamp"))
          if (!is.numeric(got[[r]][[k]])) fail(sprintf("rows[%d].%s: missing or not a number", r - 1L, k))
        d <- json_diff(sprintf("rows[%d]", r - 1L), ex[["rows"]][[r]], got[[r]], c("_runtime", "_timestamp"))
        if (length(d)) fail(paste(d, collapse = "\n"))
      }
    }
  }
  if ("summary" %in% names(ex)) {
    d <- json_diff("summary", ex[["summary"]], shown[["summary"]], c("_runtime", "_timestamp", "_wandb"))
    if (length(d)) fail(paste(d, collapse = "\n"))
  }
  if ("config" %in% names(ex)) {
    d <- json_diff("config", ex[["config"]], shown[["config"]], "_wandb")
    if (length(d)) fail(paste(d, collapse = "\n"))
  }
  if (!is.null(ex[["exit_code"]]) && !identical(as.double(shown[["exit_code"]]), as.double(ex[["exit_code"]])))
    fail(sprintf("exit_code: expected %s, got %s", ex[["exit_code"]], deparse(shown[["exit_code"]])))
  if (length(failures)) {
    failures <- c(failures, paste("kept the run directory", dir))
  } else {
    unlink(dir, recursive = TRUE)
  }
  failures
}

`%||%` <- function(a, b) if (is.null(a)) b else a

files <- if (nzchar(conformance_dir())) sort(Sys.glob(file.path(conformance_dir(), "*.json"))) else character()

test_that("the conformance scenarios are there", {
  skip_if(length(files) == 0, "no conformance scenarios (set RUNLOG_CONFORMANCE_DIR)")
  skip_if(!nzchar(runlog_cli()), "runlog CLI not found (set RUNLOG_CLI)")
  expect_gt(length(files), 0)
})

withr_env <- function(vars) {
  old <- Sys.getenv(vars, unset = NA, names = TRUE)
  Sys.unsetenv(vars)
  old
}

for (mode in c("json", "list")) {
  for (f in files) {
    local({
      file <- f
      m <- mode
      name <- sub("\\.json$", "", basename(file))
      test_that(sprintf("conformance [%s] %s", m, name), {
        skip_if(!nzchar(runlog_cli()), "runlog CLI not found (set RUNLOG_CLI)")
        vars <- c("WANDB_RUN_ID", "WANDB_RESUME", "WANDB_MODE", "WANDB_DIR", "WANDB_PROJECT",
                  "WANDB_NAME", "WANDB_ENTITY")
        old <- withr_env(vars)
        old_silent <- Sys.getenv("WANDB_SILENT", unset = NA)
        Sys.setenv(WANDB_SILENT = "true")
        on.exit({
          for (v in names(old)) if (!is.na(old[[v]])) do.call(Sys.setenv, stats::setNames(list(old[[v]]), v))
          if (is.na(old_silent)) Sys.unsetenv("WANDB_SILENT") else Sys.setenv(WANDB_SILENT = old_silent)
        }, add = TRUE)
        failures <- replay(file, m)
        expect(length(failures) == 0, paste(c("", failures), collapse = "\n  "))
      })
    })
  }
}
