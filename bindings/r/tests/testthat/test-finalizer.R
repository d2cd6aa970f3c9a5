test_that("gc() finishes a run dropped without runlog_finish()", {
  dir <- tempfile("runlog-test-")
  run_dir <- local({
    run <- runlog_init(dir = dir, silent = TRUE)
    runlog_log(run, list(a = 1), commit = FALSE)
    runlog_run_info(run)$dir
  })
  summary_file <- file.path(run_dir, "files", "wandb-summary.json")
  expect_false(file.exists(summary_file))
  invisible(gc(full = TRUE))
  invisible(gc(full = TRUE))
  expect_true(file.exists(summary_file))
  skip_if(!nzchar(runlog_cli()), "runlog CLI not found (set RUNLOG_CLI)")
  shown <- show_run(run_dir)
  expect_equal(shown$exit_code, 0)
  expect_equal(shown$history[[1]]$a, 1) # the pending row was recorded
})

test_that("the finalizer leaves a finished run alone", {
  dir <- tempfile("runlog-test-")
  local({
    run <- runlog_init(dir = dir, silent = TRUE)
    runlog_finish(run, exit_code = 7)
  })
  invisible(gc(full = TRUE))
  skip_if(!nzchar(runlog_cli()), "runlog CLI not found (set RUNLOG_CLI)")
  shown <- show_run(file.path(dir, "runlog", "latest-run"))
  expect_equal(shown$exit_code, 7)
})
