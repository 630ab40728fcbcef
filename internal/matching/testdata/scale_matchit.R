# Times MatchIt on the matching benchmark's 10k x 1M problem (written by
# DATALAB_SCALE_CSV=path go test -run TestWriteScaleProblem ./internal/matching)
# and writes its matches, so the same data is timed in R and Go on one machine.
# Run: Rscript scale_matchit.R problem.csv pairs.csv
# Prints the R and MatchIt versions, the time of the logistic fit alone (glm), of the
# whole matchit() call (fit + matching) and the peak RSS of the R process.
suppressMessages({library(MatchIt); library(data.table)})
args <- commandArgs(trailingOnly = TRUE)
d <- fread(args[1])
f <- treat ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10
cat(R.version.string, "MatchIt", as.character(packageVersion("MatchIt")), "\n")
cat(sprintf("%d treated x %d controls\n", sum(d$treat == 1), sum(d$treat == 0)))
t_glm <- system.time(g <- glm(f, data = d, family = binomial))
cat(sprintf("glm alone: %.2f s elapsed (%.2f s user)\n", t_glm[["elapsed"]], t_glm[["user.self"]]))
rm(g); invisible(gc())
t_m <- system.time(m <- matchit(f, data = d, method = "nearest", distance = "glm"))
cat(sprintf("matchit (fit + match): %.2f s elapsed (%.2f s user)\n", t_m[["elapsed"]], t_m[["user.self"]]))
st <- readLines("/proc/self/status")
cat(grep("^VmHWM", st, value = TRUE), "\n")
mm <- m$match.matrix
fwrite(data.frame(treated_row = as.integer(rownames(mm)), control_row = as.integer(mm[, 1])), args[2])
