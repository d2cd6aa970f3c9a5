# Helpers shared by the tests.

new_run <- function(..., dir = tempfile("runlog-test-")) {
  runlog_init(dir = dir, mode = "offline", silent = TRUE, ...)
}

# The runlog CLI: $RUNLOG_CLI, else `runlog` on the PATH; "" if neither.
runlog_cli <- function() {
  cli <- Sys.getenv("RUNLOG_CLI")
  if (nzchar(cli)) return(cli)
  Sys.which("runlog")[[1]]
}

# `runlog show DIR --json --rows 1000000000`, parsed without simplification.
show_run <- function(dir) {
  cli <- runlog_cli()
  out <- suppressWarnings(system2(cli, c("show", shQuote(dir), "--json", "--rows", "1000000000"),
                                  stdout = TRUE, stderr = TRUE))
  status <- attr(out, "status")
  if (!is.null(status) && status != 0)
    stop("runlog show failed: ", paste(out, collapse = "\n"))
  jsonlite::fromJSON(paste(out, collapse = "\n"), simplifyVector = FALSE)
}

expect_runlog_error <- function(expr, status_name) {
  err <- tryCatch({ force(expr); NULL }, runlog_error = function(e) e)
  expect_s3_class(err, c("runlog_error", "error", "condition"), exact = TRUE)
  if (!is.null(err)) {
    expect_identical(err$status_name, status_name)
    expect_true(is.integer(err$status) && err$status < 0L)
    expect_true(nzchar(err$message))
  }
  invisible(err)
}

strip_row <- function(row) {
  row[setdiff(names(row), c("_runtime", "_timestamp"))]
}
