# MatchIt 4.5.1's nearest-neighbour matches on a small problem whose distances spread
# over several whole units, with ties, so that its comparison of truncated distances
# (matching.CompareTruncated) shows in every setting: 1:1 and 1:2 without replacement,
# 1:1 with replacement, each with and without a caliper. (1:2 with replacement is left
# out: MatchIt 4.5.1 then gives a participant the same comparison unit in every round,
# a separate bug, fixed after 4.5.2 - "Fixed a bug when using method = "nearest" with
# replace = TRUE and ratio greater than 1" in MatchIt's NEWS - that matching does not
# reproduce.) Debian r-cran-matchit 4.5.1-1, R 4.2.2.
# Writes nearest_matchit451_data.csv (treat, distance) and nearest_matchit451.csv
# (setting, treated_row, round, control_row; rows 1-based).
# Run: Rscript nearest_matchit451.R
suppressMessages(library(MatchIt))
set.seed(451)
n <- 300
treat <- rbinom(n, 1, 0.3)
distance <- round((rnorm(n) + 0.6 * treat) * 3, 1) # 0.1 grid: many exact ties
d <- data.frame(treat = treat, distance = distance, x = rnorm(n))
write.csv(d[, c("treat", "distance")], "nearest_matchit451_data.csv", row.names = FALSE)
settings <- list(
  list(name = "k1", ratio = 1, replace = FALSE, caliper = NULL),
  list(name = "k2", ratio = 2, replace = FALSE, caliper = NULL),
  list(name = "k1_caliper0.4", ratio = 1, replace = FALSE, caliper = 0.4),
  list(name = "k2_caliper0.4", ratio = 2, replace = FALSE, caliper = 0.4),
  list(name = "k1_replace", ratio = 1, replace = TRUE, caliper = NULL),
  list(name = "k1_replace_caliper0.4", ratio = 1, replace = TRUE, caliper = 0.4))
out <- NULL
for (s in settings) {
  m <- suppressWarnings(matchit(treat ~ x, data = d, distance = d$distance, method = "nearest",
                                ratio = s$ratio, replace = s$replace, caliper = s$caliper))
  mm <- m$match.matrix
  for (r in seq_len(ncol(mm))) {
    out <- rbind(out, data.frame(setting = s$name, treated_row = as.integer(rownames(mm)),
                                 round = r, control_row = as.integer(mm[, r])))
  }
}
write.csv(out, "nearest_matchit451.csv", row.names = FALSE, na = "")
cat("MatchIt", as.character(packageVersion("MatchIt")), ":", nrow(out), "rows\n")
