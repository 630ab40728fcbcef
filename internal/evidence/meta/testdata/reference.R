# Reference figures for internal/evidence/meta and effectsize tests.
# Produced with R 4.2.2 and metafor 3.8-1 (Debian r-cran-metafor 3.8-1-1):
#   Rscript internal/evidence/meta/testdata/reference.R ../shared/reference/bcg.csv
# The figures printed here are pasted, with this script named beside them, into
# meta_test.go and effectsize_test.go. The headline bcg figures themselves come
# from shared/reference/README.md.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
bcg <- read.csv(if (length(args)) args[1] else "../../../../../shared/reference/bcg.csv")
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg)
p <- function(...) cat(sprintf(...), "\n", sep = "")
show <- function(name, r) {
  pr <- predict(r)
  p("%s est=%.10f se=%.10f ci=%.10f,%.10f tau2=%.10f I2=%.10f H2=%.10f Q=%.10f Qp=%.10g pi=%.10f,%.10f pval=%.10g",
    name, r$b, r$se, r$ci.lb, r$ci.ub, r$tau2, r$I2, r$H2, r$QE, r$QEp, pr$pi.lb, pr$pi.ub, r$pval)
}
show("FE", rma(yi, vi, data = dat, method = "FE"))
show("DL", rma(yi, vi, data = dat, method = "DL"))
show("REML", rma(yi, vi, data = dat, method = "REML"))
show("REML+knha", rma(yi, vi, data = dat, method = "REML", test = "knha"))
show("DL+knha", rma(yi, vi, data = dat, method = "DL", test = "knha"))

# Egger's test, classical form (weighted regression, multiplicative dispersion).
eg <- regtest(rma(yi, vi, data = dat, method = "REML"), model = "lm")
p("Egger t=%.10f df=%d p=%.10f intercept(b)=%.10f", eg$zval, eg$dfs, eg$pval, coef(eg$fit)[1])
# The Egger intercept as usually reported: lm(yi/sei ~ I(1/sei)).
fit <- lm(I(yi / sqrt(vi)) ~ I(1 / sqrt(vi)), data = dat)
p("Egger-lm intercept=%.10f se=%.10f", coef(fit)[1], sqrt(vcov(fit)[1, 1]))

# Leave-one-out, REML.
l1o <- leave1out(rma(yi, vi, data = dat, method = "REML"))
for (i in 1:3) p("L1O-%d est=%.10f se=%.10f tau2=%.10f I2=%.10f Q=%.10f", i, l1o$estimate[i], l1o$se[i], l1o$tau2[i], l1o$I2[i], l1o$Q[i])

# Subgroups by allocation, separate tau^2 per subgroup, then Q-between by FE on the subgroup estimates.
fits <- lapply(split(dat, dat$alloc), function(d) rma(yi, vi, data = d, method = "REML"))
for (g in names(fits)) p("SUB-%s k=%d est=%.10f se=%.10f tau2=%.10f", g, fits[[g]]$k, fits[[g]]$b, fits[[g]]$se, fits[[g]]$tau2)
qb <- rma(sapply(fits, coef), sei = sapply(fits, function(f) f$se), method = "FE")
p("SUB Qbetween=%.10f df=%d p=%.10f", qb$QE, qb$k - 1, qb$QEp)

# escalc on Borenstein et al. (2009) worked examples.
e <- escalc("SMD", m1i = 103, sd1i = 5.5, n1i = 50, m2i = 100, sd2i = 4.5, n2i = 50)
p("SMD yi=%.10f vi=%.10f", e$yi, e$vi)
e <- escalc("MD", m1i = 103, sd1i = 5.5, n1i = 50, m2i = 100, sd2i = 4.5, n2i = 50)
p("MD yi=%.10f vi=%.10f", e$yi, e$vi)
for (m in c("RR", "OR", "RD")) {
  e <- escalc(m, ai = 5, bi = 95, ci = 10, di = 90)
  p("%s yi=%.10f vi=%.10f", m, e$yi, e$vi)
  e <- escalc(m, ai = 0, bi = 20, ci = 4, di = 16)
  p("%s-zero yi=%.10f vi=%.10f", m, e$yi, e$vi)
}
