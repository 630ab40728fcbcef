# MatchIt 4.5.1's matcher with the comparison of distances made exact, on lalonde
# (Debian r-cran-matchit 4.5.1-1, R 4.2.2, sandwich, lmtest).
#
# MatchIt 4.5.1's vector matcher (src/nn_matchC_vec.cpp) calls abs() on a difference
# of doubles; built with GCC/libstdc++ that is C's int abs(int), so every difference
# is truncated to a whole number before it is compared (see matching.CompareTruncated).
# On the propensity score every difference is below 1, so the lower side always wins.
# Passing the score times 1e9 as `distance` leaves the order of units and of matching
# unchanged while making the truncation act at 1e-9 of the score (and keeps every
# difference below 2^31, so int abs stays defined): the comparison is then exact to
# 1e-9. This reproduces MatchIt 4.7's published lalonde balance (age SMD 0.0718,
# educ -0.1290, ...) and is the independent reference for matching.CompareExact:
# ATT 894.3674803, cluster-robust SE 705.2297641.
# Run: Rscript lalonde_matchit451_exact.R path/to/lalonde.csv
suppressMessages({library(MatchIt); library(sandwich); library(lmtest)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$race <- factor(d$race, levels = c("black", "hispan", "white"))
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
ps <- fitted(glm(f, data = d, family = binomial))
m <- matchit(f, data = d, method = "nearest", distance = ps * 1e9)
cat("MatchIt", as.character(packageVersion("MatchIt")), "\n")
md <- match.data(m)
fit <- lm(re78 ~ treat, data = md, weights = weights)
print(coeftest(fit, vcov. = vcovCL, cluster = ~subclass), digits = 10)
print(summary(m)$sum.matched[, c("Std. Mean Diff.", "Var. Ratio")], digits = 6)
mm <- m$match.matrix
write.csv(data.frame(treated_row = as.integer(rownames(mm)), control_row = as.integer(mm[, 1])),
          "lalonde_matchit451_exact_pairs.csv", row.names = FALSE)
