test_that("version and status names", {
  v <- runlog_version()
  expect_identical(v$abi, 1L)
  expect_identical(v$header_abi, 1L)
  expect_match(v$version, "^[0-9]+\\.[0-9]+\\.[0-9]+")
  expect_identical(runlog_status_name(-7L), "RUNLOG_E_STEP_ORDER")
  expect_identical(runlog_status_name(0L), "RUNLOG_OK")
})

test_that("init records the options and the run reads back", {
  dir <- tempfile("runlog-test-")
  run <- runlog_init(project = "proj", name = "r-run", run_id = "rtest001", dir = dir,
                     tags = c("a", "b"), group = "g", job_type = "train", notes = "n",
                     config = list(lr = 0.01, layers = c(64, 32), opt = list(name = "sgd")),
                     silent = TRUE)
  expect_s3_class(run, "runlog_run")
  info <- runlog_run_info(run)
  expect_identical(info$id, "rtest001")
  expect_identical(info$name, "r-run")
  expect_identical(info$project, "proj")
  expect_identical(info$mode, "offline")
  expect_true(startsWith(info$dir, normalizePath(dir, mustWork = FALSE)) || startsWith(info$dir, dir))
  expect_output(print(run), "rtest001")
  cfg <- runlog_config_get(run)
  expect_equal(cfg$lr, 0.01)
  expect_equal(cfg$layers, c(64, 32))
  expect_identical(cfg$opt$name, "sgd")
  expect_false(runlog_is_finished(run))
  expect_true(runlog_finish(run))
  expect_true(runlog_is_finished(run))
  expect_true(file.exists(file.path(info$dir, "files", "wandb-summary.json")))
  expect_identical(runlog_run_info(run)$id, "rtest001") # kept after finish
  expect_output(print(run), "finished")
})

test_that("steps follow W&B", {
  run <- new_run()
  runlog_log(run, list(loss = 1))                            # step 0
  runlog_log(run, list(loss = 0.5, acc = 0.1))               # step 1
  runlog_log(run, list(a = 1), commit = FALSE)               # pending at 2
  runlog_log(run, list(b = 2))                               # step 2 = a, b
  runlog_log(run, list(c = 3), step = 5)                     # pending at 5
  runlog_log(run, list(d = 4), step = 5)                     # merged
  runlog_log(run, list(), step = 5, commit = TRUE)           # recorded
  expect_runlog_error(runlog_log(run, list(x = 1), step = 4), "RUNLOG_E_STEP_ORDER")
  st <- runlog_stats(run)
  expect_equal(st$step, 6)
  expect_equal(st$rows_logged, 4)
  expect_equal(st$steps_refused, 1)
  dir <- runlog_run_info(run)$dir
  runlog_finish(run)
  skip_if(!nzchar(runlog_cli()), "runlog CLI not found (set RUNLOG_CLI)")
  rows <- lapply(show_run(dir)$history, strip_row)
  expect_length(rows, 4)
  expect_equal(rows[[3]], list(a = 1L, b = 2L, `_step` = 2L)[names(rows[[3]])])
  expect_equal(rows[[4]]$`_step`, 5)
  expect_equal(rows[[4]]$d, 4)
})

test_that("NaN, Inf and NA come through", {
  run <- new_run(config = list(eps = Inf))
  runlog_log(run, list(nan = NaN, inf = Inf, ninf = -Inf, na = NA, v = c(1, NaN),
                       nested = list(x = NaN), s = "NaN"))
  expect_identical(runlog_summary_get(run, "nan"), NaN)
  expect_identical(runlog_summary_get(run, "ninf"), -Inf)
  expect_identical(runlog_summary_get(run, "v"), c(1, NaN))
  expect_identical(runlog_summary_get(run, "s"), "NaN")
  expect_identical(runlog_summary_get(run, "nested"), list(x = NaN))
  expect_null(runlog_summary_get(run)[["na"]])
  expect_identical(runlog_config_get(run)$eps, Inf)
  dir <- runlog_run_info(run)$dir
  runlog_finish(run)
  skip_if(!nzchar(runlog_cli()), "runlog CLI not found (set RUNLOG_CLI)")
  row <- show_run(dir)$history[[1]]
  expect_identical(row$nan, "NaN")
  expect_identical(row$ninf, "-Infinity")
  expect_identical(row$v, list(1L, "NaN"))
  expect_identical(row$s, "NaN")
  expect_null(row[["na"]])
})

test_that("named numeric vectors take the typed path", {
  run <- new_run()
  runlog_log(run, c(loss = 0.25, acc = NaN))
  runlog_log(run, c(epoch = 3L))
  runlog_stage(run, c(x = 1.5, y = -Inf))
  runlog_stage(run, c(x = 2.5))
  runlog_commit_row(run, step = 4, commit = TRUE)
  expect_identical(runlog_summary_get(run, "acc"), NaN)
  expect_identical(runlog_summary_get(run, "epoch"), 3L)
  expect_identical(runlog_summary_get(run, "x"), 2.5)
  # reserved or NA-holding vectors fall back to the JSON path
  runlog_log(run, c(`_timestamp` = 1700000000.5, k = 1))
  runlog_log(run, c(m = NA_real_))
  expect_null(runlog_summary_get(run)[["m"]])
  expect_runlog_error(runlog_log(run, c(`_step` = 1)), "RUNLOG_E_RESERVED_KEY")
  expect_runlog_error(runlog_stage(run, c(`_step` = 1)), "RUNLOG_E_RESERVED_KEY")
  st <- runlog_stats(run)
  expect_equal(st$rows_logged, 5)
  runlog_finish(run)
})

test_that("config and summary", {
  run <- new_run(config = list(lr = 0.1, model = list(depth = 3)))
  runlog_config_update(run, list(lr = 0.01, batch = 32L))
  cfg <- runlog_config_get(run)
  expect_equal(cfg$lr, 0.01)
  expect_equal(cfg$batch, 32)
  expect_equal(cfg$model$depth, 3)
  runlog_config_update(run, '{"from_json": true}')
  expect_true(runlog_config_get(run)$from_json)

  runlog_log(run, list(acc = 0.5))
  runlog_summary(run, list(acc = 0.9, best = "yes"))
  expect_equal(runlog_summary_get(run, "acc"), 0.9)
  runlog_summary(run, list(best = NULL))
  expect_runlog_error(runlog_summary_get(run, "best"), "RUNLOG_E_NOT_FOUND")
  all <- runlog_summary_get(run)
  expect_equal(all$acc, 0.9)
  expect_false("best" %in% names(all))
  runlog_finish(run)
})

test_that("define_metric", {
  run <- new_run()
  runlog_define_metric(run, "loss", summary = c("min", "max"))
  runlog_define_metric(run, "val_acc", step_metric = "epoch", hidden = TRUE)
  runlog_define_metric(run, "debug", summary = "none")
  runlog_define_metric(run, "raw", step_metric = "epoch", step_sync = FALSE)
  expect_runlog_error(runlog_define_metric(run, ""), "RUNLOG_E_INVALID_ARGUMENT")
  expect_runlog_error(runlog_define_metric(run, "x", summary = "median"), "RUNLOG_E_INVALID_ARGUMENT")
  runlog_log(run, list(loss = 1, epoch = 0L, debug = 1))
  runlog_log(run, list(loss = 0.25, val_acc = 0.5))
  loss <- runlog_summary_get(run, "loss")
  expect_identical(loss[order(names(loss))], list(max = 1, min = 0.25))
  expect_runlog_error(runlog_summary_get(run, "debug"), "RUNLOG_E_NOT_FOUND")
  dir <- runlog_run_info(run)$dir
  runlog_finish(run)
  skip_if(!nzchar(runlog_cli()), "runlog CLI not found (set RUNLOG_CLI)")
  expect_equal(show_run(dir)$history[[2]]$epoch, 0)
})

test_that("flush, manual threading and pump", {
  run <- new_run()
  runlog_log(run, list(a = 1))
  runlog_flush(run)
  runlog_flush(run, timeout = 10)
  st <- runlog_stats(run)
  expect_equal(st$records_queued, 0)
  expect_gt(st$records_written, 0)
  runlog_finish(run)

  run <- new_run(threading = "manual")
  for (i in 1:10) runlog_log(run, list(i = i))
  expect_gt(runlog_stats(run)$records_queued, 0)
  runlog_pump(run)
  expect_equal(runlog_stats(run)$records_queued, 0)
  runlog_finish(run)
})

test_that("disabled mode writes nothing", {
  dir <- tempfile("runlog-test-")
  run <- runlog_init(dir = dir, mode = "disabled", silent = TRUE)
  expect_identical(runlog_run_info(run)$mode, "disabled")
  runlog_log(run, list(a = 1))
  runlog_finish(run)
  expect_false(dir.exists(file.path(dir, "runlog")) && length(list.files(file.path(dir, "runlog"))) > 0)
})

test_that("resume continues a run", {
  dir <- tempfile("runlog-test-")
  run <- runlog_init(dir = dir, run_id = "rresume1", silent = TRUE)
  runlog_log(run, list(a = 1))
  runlog_finish(run)
  run <- runlog_init(dir = dir, run_id = "rresume1", resume = "must", silent = TRUE)
  expect_equal(runlog_stats(run)$step, 1)
  runlog_finish(run)
  expect_runlog_error(runlog_init(dir = dir, run_id = "rresume1", resume = "never", silent = TRUE),
                      "RUNLOG_E_EXISTS")
  expect_runlog_error(runlog_init(dir = dir, run_id = "nothere1", resume = "must", silent = TRUE),
                      "RUNLOG_E_NOT_FOUND")
})
