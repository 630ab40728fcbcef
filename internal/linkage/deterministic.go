package linkage

// deterministic reports whether a comparison vector qualifies for the
// deterministic route: NINO and date of birth both agree exactly. This is
// the first pass of the Employment and Justice Data Labs' matching (DWP
// 2021, "Employment Data Lab methodology"; MoJ Justice Data Lab
// methodology): a NINO is issued to one person, and requiring the date of
// birth as well guards against a mistyped NINO that happens to be another
// person's. Deterministic links go to the match band whatever their score.
func deterministic(p Pattern) bool {
	lv := p.Levels()
	return lv[NINO] == 0 && lv[DateOfBirth] == 0
}
