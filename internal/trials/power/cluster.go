package power

// DesignEffect is the variance inflation of cluster randomisation with
// clusters of mean size m̄, intracluster correlation ICC and coefficient of
// variation of cluster size cv:
//
//	DE = 1 + ((cv² + 1)·m̄ − 1)·ICC
//
// which is Donner & Klar's 1 + (m − 1)·ICC when all clusters have size m
// (Donner A. & Klar N. 2000, Design and Analysis of Cluster Randomization
// Trials in Health Research, Arnold, §5.2) and Eldridge, Ashby & Kerry's
// adjustment for unequal sizes otherwise (2006, International Journal of
// Epidemiology 35:1292–1300, doi:10.1093/ije/dyl129, eq. 3). The
// individually randomised sample size is multiplied by DE: Solve runs the
// chosen test on the effective sizes n/DE, so every method (arcsine,
// normal, t) has a clustered form.
//
// For two means the t test's degrees of freedom are then those of the
// effective individual sample, n1/DE + n2/DE − 2. An analysis at cluster
// level has only k1 + k2 − 2 (clusters), so with few clusters (under about
// 30 per arm) these figures are slightly optimistic: Donner & Klar (2000,
// §5.2) suggest adding a cluster or two per arm in that case.
func (c Cluster) DesignEffect() float64 {
	return 1 + ((c.CV*c.CV+1)*c.Size-1)*c.ICC
}
