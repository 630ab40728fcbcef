package linkage

// Field is one identifier compared between a participant and an identity.
type Field uint8

// The fields compared, in the order of a comparison vector.
const (
	FirstName Field = iota
	LastName
	DateOfBirth
	Postcode
	NINO
	numFields
)

// NumFields is the number of fields in a comparison vector.
const NumFields = numFields

// Level is how far a field agrees in one comparison: 0 is full agreement,
// higher is weaker, and the field's last level (Missing) means one side had
// no value. A missing field carries no evidence: weight 0.
type Level uint8

// fieldInfo describes a field's levels, strongest first, ending with
// "missing".
type fieldInfo struct {
	name   string
	levels []string
}

var fields = [numFields]fieldInfo{
	FirstName:   {"first_name", []string{"same", "jw>=0.94", "jw>=0.88", "disagree", "missing"}},
	LastName:    {"last_name", []string{"same", "jw>=0.94", "jw>=0.88", "disagree", "missing"}},
	DateOfBirth: {"date_of_birth", []string{"same", "day-month transposed", "one part differs", "disagree", "missing"}},
	Postcode:    {"postcode", []string{"same", "same sector", "same district", "disagree", "missing"}},
	NINO:        {"nino", []string{"same", "one character differs", "disagree", "missing"}},
}

func (f Field) String() string { return fields[f].name }

// numLevels is the number of levels of f, "missing" included.
func (f Field) numLevels() int { return len(fields[f].levels) }

// missing is f's "missing" level.
func (f Field) missing() Level { return Level(len(fields[f].levels) - 1) }

// LevelName returns the name of level l of field f.
func (f Field) LevelName(l Level) string { return fields[f].levels[l] }

// Pattern is a comparison vector (one Level per field) packed into an
// integer in mixed radix, so that pairs can be counted by pattern.
type Pattern uint16

// numPatterns is the number of distinct comparison vectors.
var numPatterns = func() int {
	n := 1
	for f := Field(0); f < numFields; f++ {
		n *= f.numLevels()
	}
	return n
}()

func pack(levels [numFields]Level) Pattern {
	p := 0
	for f := numFields - 1; ; f-- {
		p = p*f.numLevels() + int(levels[f])
		if f == 0 {
			break
		}
	}
	return Pattern(p)
}

// Levels unpacks a pattern.
func (p Pattern) Levels() [NumFields]Level {
	var out [numFields]Level
	x := int(p)
	for f := Field(0); f < numFields; f++ {
		out[f] = Level(x % f.numLevels())
		x /= f.numLevels()
	}
	return out
}

// String describes the pattern field by field, e.g.
// "first_name=same last_name=jw>=0.94 ...". It holds no identifier values.
func (p Pattern) String() string {
	lv := p.Levels()
	s := ""
	for f := Field(0); f < numFields; f++ {
		if f > 0 {
			s += " "
		}
		s += f.String() + "=" + f.LevelName(lv[f])
	}
	return s
}

// Jaro–Winkler cut-offs for the name levels ("near-exact" and "similar"),
// as the lab's linkage design sets them; the m and u of each level are
// estimated, so the cut-offs only decide how finely names are graded.
const (
	jwClose   = 0.94
	jwSimilar = 0.88
)

// compare computes the comparison vector of a participant p and an
// identity q.
func compare(p, q *record) Pattern {
	var lv [numFields]Level
	lv[FirstName] = compareName(p.first, q.first, p.firstGroups, q.firstGroups)
	lv[LastName] = compareName(p.last, q.last, nil, nil)
	lv[DateOfBirth] = compareDOB(p, q)
	lv[Postcode] = comparePostcode(p, q)
	lv[NINO] = compareNINO(p.nino, q.nino)
	return pack(lv)
}

// compareName compares two normalised names; ga and gb are their nickname
// groups (nil for last names), and names sharing a group count as the same.
func compareName(a, b string, ga, gb []int) Level {
	switch {
	case a == "" || b == "":
		return FirstName.missing()
	case a == b:
		return 0
	case shareGroup(ga, gb):
		return 0
	}
	jw := JaroWinkler(a, b)
	switch {
	case jw >= jwClose:
		return 1
	case jw >= jwSimilar:
		return 2
	}
	return 3
}

func compareDOB(p, q *record) Level {
	switch {
	case !p.hasDOB || !q.hasDOB:
		return DateOfBirth.missing()
	case p.dob == q.dob:
		return 0
	case p.year == q.year && p.day == q.month && p.month == q.day:
		return 1
	}
	same := 0
	if p.year == q.year {
		same++
	}
	if p.month == q.month {
		same++
	}
	if p.day == q.day {
		same++
	}
	if same == 2 {
		return 2
	}
	return 3
}

func comparePostcode(p, q *record) Level {
	a, b := p.postcode, q.postcode
	switch {
	case a.Missing() || b.Missing():
		return Postcode.missing()
	case a.Full == b.Full:
		return 0
	case a.Sector == b.Sector:
		return 1
	case a.District == b.District:
		return 2
	}
	return 3
}

func compareNINO(a, b string) Level {
	switch {
	case a == "" || b == "":
		return NINO.missing()
	case a == b:
		return 0
	case len(a) == len(b):
		diff, first := 0, -1
		for i := 0; i < len(a); i++ {
			if a[i] != b[i] {
				if first < 0 {
					first = i
				}
				diff++
			}
		}
		if diff == 1 {
			return 1
		}
		// An adjacent transposition ("12" typed "21") is one slip too.
		if diff == 2 && first+1 < len(a) && a[first] == b[first+1] && a[first+1] == b[first] {
			return 1
		}
	}
	return 2
}
