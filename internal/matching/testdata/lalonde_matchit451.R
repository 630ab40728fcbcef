# Reference figures for lalonde with MatchIt 4.5.1 (Debian r-cran-matchit 4.5.1-1,
# R 4.2.2): reproduces ../shared/reference/README.md exactly (ATT 770.3901678,
# cluster-robust SE 701.5750622). Writes the matched pairs so the Go matcher can be
# compared pair by pair. Run: Rscript lalonde_matchit451.R path/to/lalonde.csv
suppressMessages({library(MatchIt); library(sandwich); library(lmtest)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$race <- factor(d$race, levels = c("black", "hispan", "white"))
m <- matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = d,
             method = "nearest", distance = "glm")
cat("MatchIt", as.character(packageVersion("MatchIt")), "\n")
md <- match.data(m)
fit <- lm(re78 ~ treat, data = md, weights = weights)
print(coeftest(fit, vcov. = vcovCL, cluster = ~subclass), digits = 10)
print(summary(m)$sum.matched[, c("Std. Mean Diff.", "Var. Ratio")], digits = 6)
mm <- m$match.matrix
write.csv(data.frame(treated_row = as.integer(rownames(mm)), control_row = as.integer(mm[, 1])),
          "lalonde_matchit451_pairs.csv", row.names = FALSE)
