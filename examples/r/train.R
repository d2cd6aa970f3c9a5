#!/usr/bin/env Rscript
# runlog from R: fits a logistic regression with mini-batch gradient descent
# on two Gaussian blobs and records the run offline, the way a W&B user would
# (init -> config -> define_metric -> log -> summary -> finish).
#
#   Rscript examples/r/train.R                      # run goes to ./runlog/
#   WANDB_DIR=/tmp Rscript examples/r/train.R       # ... or to /tmp/runlog/
#   runlog show latest --dir /tmp                   # then look at it
#
# Needs the runlog R package (bindings/r; see its README.md for installing).
library(runlog)

set.seed(7)
n <- 800
x <- rbind(matrix(rnorm(n, mean = -1), ncol = 2), matrix(rnorm(n, mean = 1), ncol = 2))
y <- rep(c(0, 1), each = n / 2)
val <- sample(nrow(x), 200)
x_train <- x[-val, ]; y_train <- y[-val]
x_val <- x[val, ]; y_val <- y[val]

config <- list(lr = 0.5, batch_size = 32L, epochs = 5L,
               model = list(kind = "logistic_regression", inputs = 2L))
run <- runlog_init(project = "r-example", config = config, tags = c("r", "example"))
# Whatever happens below, the run ends with an exit code (the finalizer would
# finish it too, but explicitly is better).
on.exit(runlog_finish(run, exit_code = 1), add = TRUE)

# The summary of "loss" is its minimum; "val_acc" is plotted against "epoch".
runlog_define_metric(run, "loss", summary = "min")
runlog_define_metric(run, "val_acc", step_metric = "epoch", summary = c("max", "last"))

sigmoid <- function(z) 1 / (1 + exp(-z))
w <- c(0, 0); b <- 0
for (epoch in seq_len(config$epochs)) {
  idx <- sample(nrow(x_train))
  for (start in seq(1, length(idx), by = config$batch_size)) {
    i <- idx[start:min(start + config$batch_size - 1, length(idx))]
    p <- sigmoid(x_train[i, , drop = FALSE] %*% w + b)
    err <- p - y_train[i]
    loss <- -mean(y_train[i] * log(p) + (1 - y_train[i]) * log(1 - p))
    w <- w - config$lr * as.vector(t(x_train[i, , drop = FALSE]) %*% err) / length(i)
    b <- b - config$lr * mean(err)
    # A named numeric vector takes the typed path: no JSON, exact doubles.
    runlog_log(run, c(loss = loss, acc = mean((p > 0.5) == y_train[i])))
  }
  p_val <- sigmoid(x_val %*% w + b)
  # A list may nest; it is written as JSON (NaN/Inf kept as such).
  runlog_log(run, list(epoch = epoch, val_acc = mean((p_val > 0.5) == y_val),
                       weights = list(w1 = w[1], w2 = w[2], b = b)))
}
runlog_log(run, list(diverged = NaN, grad_norm = Inf))
runlog_summary(run, list(final_weights = c(w, b)))
runlog_config_update(run, list(optimizer = "sgd"))

best <- runlog_summary_get(run, "val_acc")
info <- runlog_run_info(run)
stats <- runlog_stats(run)
runlog_flush(run, timeout = 10)
on.exit() # finished explicitly below
runlog_finish(run, exit_code = 0)

cat(sprintf("trained: w = (%.3f, %.3f), b = %.3f; val_acc max %.3f, last %.3f; %d rows\n",
            w[1], w[2], b, best$max, best$last, stats$rows_logged))
cat(sprintf("run %s (%s) in %s\n", info$id, info$name, info$dir))
cat(sprintf("look at it: runlog show %s\n", info$dir))
