# Reference figures for internal/trials/itt, regenerated with
#   Rscript testdata/itt_reference.R
# R 4.2.2, sandwich 3.0-2 (Debian bookworm: apt-get install r-cran-sandwich).
library(sandwich)
options(digits = 12)
d <- read.csv("testdata/itt_small.csv")
show <- function(label, fit) {
  v <- vcovHC(fit, type = "HC2")
  est <- coef(fit)[["treat"]]; se <- sqrt(v["treat", "treat"])
  df <- fit$df.residual; q <- qt(0.975, df)
  p <- 2 * pt(abs(est / se), df, lower.tail = FALSE)
  cat(sprintf("%-12s est %.12g se %.12g lo %.12g hi %.12g p %.12g df %d\n", label, est, se, est - q * se, est + q * se, p, df))
}
show("none", lm(y ~ treat, d))
show("additive", lm(y ~ treat + x1 + x2, d))
d$c1 <- d$x1 - mean(d$x1); d$c2 <- d$x2 - mean(d$x2)
show("interacted", lm(y ~ treat * (c1 + c2), d))
s <- tapply(d$y, d$treat, sd); n <- table(d$treat)
cat(sprintf("welch se %.12g\n", sqrt(sum(s^2 / n))))
