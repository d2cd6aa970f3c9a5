test_that("non-finite numbers become bare tokens at any depth", {
  to <- runlog:::.rl_to_json
  expect_identical(to(list(a = NaN)), '{"a":NaN}')
  expect_identical(to(list(a = c(1, Inf, -Inf))), '{"a":[1,Infinity,-Infinity]}')
  expect_identical(to(list(a = list(b = list(c = NaN)))), '{"a":{"b":{"c":NaN}}}')
  expect_identical(to(list(a = NA, b = NA_real_, c = NA_integer_)), '{"a":null,"b":null,"c":null}')
  expect_identical(to(list(s = "NaN", n = NULL)), '{"s":"NaN","n":null}')
  expect_identical(to(list(e = list())), '{"e":[]}')
  expect_identical(to(list(u = "\u00e9")), '{"u":"\u00e9"}')
})

test_that("doubles keep their value (shortest round-trip text)", {
  to <- runlog:::.rl_to_json
  expect_identical(to(list(a = 0.1 + 0.2)), '{"a":0.30000000000000004}')
  expect_identical(to(list(a = 1 / 3)), '{"a":0.3333333333333333}')
  expect_identical(to(list(a = 0.1, b = 3, c = -0.5, d = 1e21, e = 1e-7)), '{"a":0.1,"b":3,"c":-0.5,"d":1e+21,"e":1e-07}')
  expect_identical(to(list(v = c(1.5, NA, NaN))), '{"v":[1.5,null,NaN]}')
  expect_identical(to(list(i = 3L, iv = c(1L, NA))), '{"i":3,"iv":[1,null]}')
  expect_identical(to(list(one = I(2.5))), '{"one":[2.5]}')
  expect_identical(to(list(d = as.Date("2024-01-02"))), '{"d":"2024-01-02"}')
  x <- c(pi, exp(1), 1e-300, .Machine$double.xmax, 123456789.123)
  back <- runlog:::.rl_from_json(to(list(x = x)))$x
  expect_identical(back, x)
})

test_that("runlog's JSON with bare tokens decodes", {
  from <- runlog:::.rl_from_json
  v <- from('{"a": [1, NaN, -Infinity, Infinity], "s": "NaN", "t": "a\\"NaN", "o": {"x": NaN}, "n": null}')
  expect_identical(v$a, c(1, NaN, -Inf, Inf))
  expect_identical(v$s, "NaN")
  expect_identical(v$t, "a\"NaN")
  expect_identical(v$o, list(x = NaN))
  expect_null(v$n)
  expect_identical(from("NaN"), NaN)
  expect_identical(from('[1, "x"]'), list(1L, "x"))
  expect_identical(from("[1, 2]", simplify = FALSE), list(1L, 2L))
})

test_that("logging does not touch R's random number generator", {
  set.seed(42)
  before <- .Random.seed
  run <- new_run()
  runlog_log(run, list(a = NaN))
  runlog_summary_get(run, "a")
  runlog_finish(run)
  expect_identical(.Random.seed, before)
})
