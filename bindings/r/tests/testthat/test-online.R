# Online mode (runlog_options version 2) against the local W&B-protocol
# server tests/server/wbserver.py on 127.0.0.1, with runlog's built-in HTTP
# client. RUNLOG_WBSERVER names the script (test.sh sets it).

start_wbserver <- function() {
  script <- Sys.getenv("RUNLOG_WBSERVER")
  if (!nzchar(script) || !file.exists(script)) skip("RUNLOG_WBSERVER is not set to tests/server/wbserver.py")
  python <- Sys.which("python3")[[1]]
  if (!nzchar(python)) skip("python3 not found (the online tests run tests/server/wbserver.py)")
  info <- tempfile("wbserver-", fileext = ".json")
  system2(python, c(shQuote(script), "--host", "127.0.0.1", "--port", "0", "--info-file", shQuote(info),
                    "--max-lifetime", "600", "--exit-with-parent"),
          stdout = FALSE, stderr = FALSE, wait = FALSE,
          # R's LD_LIBRARY_PATH (/usr/lib/R/lib:...) can make a non-system
          # python3 load the wrong libpython; the server needs none of it.
          env = "LD_LIBRARY_PATH=")
  deadline <- Sys.time() + 60
  while (!file.exists(info) || !endsWith(paste(readLines(info, warn = FALSE), collapse = ""), "}")) {
    if (Sys.time() > deadline) stop("wbserver.py did not start within 60 s")
    Sys.sleep(0.02)
  }
  jsonlite::fromJSON(info)
}

wb_run <- function(srv, id) {
  con <- url(paste0(srv$url, "/_admin/state?requests=0&strict=1"))
  on.exit(close(con))
  st <- jsonlite::fromJSON(paste(readLines(con, warn = FALSE), collapse = "\n"), simplifyVector = FALSE)
  for (r in st$runs) if (identical(r$name, id)) return(r)
  NULL
}

test_that("an online run reaches the server with base_url and api_key", {
  srv <- start_wbserver()
  on.exit(tools::pskill(srv$pid), add = TRUE)
  run <- runlog_init(project = "r-online", mode = "online", dir = tempfile("runlog-online-"),
                     silent = TRUE, base_url = srv$url, api_key = srv$api_key,
                     config = list(lr = 0.5), transmit_interval_ms = 50,
                     retry_wait_min_ms = 20, retry_wait_max_ms = 200, upload_timeout_ms = 60000)
  expect_identical(runlog_run_info(run)$mode, "online")
  for (i in 0:29) runlog_log(run, list(i = i, loss = 1 / (i + 1)))
  deadline <- Sys.time() + 60
  repeat {
    st <- runlog_stats(run)
    if (st$rows_uploaded == 30) break
    if (Sys.time() > deadline) fail(paste("rows not acknowledged:", paste(names(st), st, collapse = " ")))
    Sys.sleep(0.01)
  }
  expect_equal(st$upload_state, 2)  # streaming
  expect_gt(st$upload_requests, 0)
  id <- runlog_run_info(run)$id
  runlog_finish(run, 4)
  r <- wb_run(srv, id)
  expect_false(is.null(r))
  expect_length(r$history, 30)
  expect_identical(vapply(r$history, function(h) as.numeric(h$i), 0), as.numeric(0:29))
  expect_equal(r$exitcode, 4)
  expect_true(r$complete)
  expect_equal(r$config_values$lr, 0.5)
})

test_that("a wrong key fails the upload without showing the key", {
  srv <- start_wbserver()
  on.exit(tools::pskill(srv$pid), add = TRUE)
  bad <- "fedcba9876543210fedcba9876543210fedcba98"
  run <- runlog_init(project = "r-online", mode = "online", dir = tempfile("runlog-online-"),
                     silent = TRUE, base_url = srv$url, api_key = bad)
  runlog_log(run, list(x = 1))
  deadline <- Sys.time() + 60
  while (runlog_stats(run)$upload_state != 5) {
    if (Sys.time() > deadline) fail("the upload did not fail")
    Sys.sleep(0.01)
  }
  id <- runlog_run_info(run)$id
  runlog_finish(run)
  expect_null(wb_run(srv, id))
  expect_identical(runlog_status_name(-20L), "RUNLOG_E_REFUSED")
  expect_identical(runlog_status_name(-19L), "RUNLOG_E_NETWORK")
})
