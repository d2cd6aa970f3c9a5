library(testthat)
library(runlog)

test_check("runlog")
