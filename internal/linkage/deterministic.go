package linkage

// deterministic reports whether a comparison vector qualifies for the
// deterministic route: NINO and date of birth both agree exactly. Exact
// matching on a reference number and date of birth before any fuzzy
// matching is the usual first pass of administrative-data linkage, as the
// Data Labs describe theirs: a NINO is issued to one person, and requiring
// the date of birth as well guards against a mistyped NINO that happens to
// be another person's. Deterministic links go to the match band whatever
// their score.
func deterministic(p Pattern) bool {
	lv := p.Levels()
	return lv[NINO] == 0 && lv[DateOfBirth] == 0
}
