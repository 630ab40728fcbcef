package timeline

import "fmt"

// Flat holds many people's timelines in a few flat arrays, the layout an
// index can write to disk and map back: Timeline(i) is a view onto the
// arrays, built without copying. Its exported fields are that layout:
//
//   - person i's intervals of status s are
//     Spells[SpellOff[i*NumStatus+s] : SpellOff[i*NumStatus+s+1]];
//   - person i's earnings are EarnMonths and EarnCum over
//     [EarnOff[i] : EarnOff[i+1]] (running totals restart at each person);
//   - person i's achievement dates are CourseAchieved over
//     [AchOff[i] : AchOff[i+1]].
//
// Offsets start at 0 and never decrease. An index holding the arrays
// elsewhere (a memory-mapped file) can fill a Flat's fields with slices onto
// that storage and call Check once on load. The zero Flat is empty and ready
// for Append.
type Flat struct {
	People         []Person
	SpellOff       []int64 // len(People)*NumStatus + 1
	Spells         []Interval
	EarnOff        []int64 // len(People) + 1
	EarnMonths     []Month
	EarnCum        []float64
	AchOff         []int64 // len(People) + 1
	CourseAchieved []Date
}

// Len returns the number of timelines held.
func (f *Flat) Len() int { return len(f.People) }

// Append copies t into f and returns its index.
func (f *Flat) Append(t *Timeline) int {
	if len(f.SpellOff) == 0 {
		f.SpellOff, f.EarnOff, f.AchOff = append(f.SpellOff, 0), append(f.EarnOff, 0), append(f.AchOff, 0)
	}
	f.People = append(f.People, t.Person)
	for s := range NumStatus {
		f.Spells = append(f.Spells, t.Spells[s]...)
		f.SpellOff = append(f.SpellOff, int64(len(f.Spells)))
	}
	f.EarnMonths = append(f.EarnMonths, t.EarnMonths...)
	f.EarnCum = append(f.EarnCum, t.EarnCum...)
	f.EarnOff = append(f.EarnOff, int64(len(f.EarnMonths)))
	f.CourseAchieved = append(f.CourseAchieved, t.CourseAchieved...)
	f.AchOff = append(f.AchOff, int64(len(f.CourseAchieved)))
	return len(f.People) - 1
}

// Timeline returns a read-only view of timeline i onto f's arrays (no
// copying; each slice's capacity ends at its length, so an append through
// the view cannot overwrite a neighbour). It panics if i is out of range.
func (f *Flat) Timeline(i int) Timeline {
	t := Timeline{Person: f.People[i]}
	for s := range NumStatus {
		a, b := f.SpellOff[i*int(NumStatus)+int(s)], f.SpellOff[i*int(NumStatus)+int(s)+1]
		if b > a {
			t.Spells[s] = f.Spells[a:b:b]
		}
	}
	if a, b := f.EarnOff[i], f.EarnOff[i+1]; b > a {
		t.EarnMonths, t.EarnCum = f.EarnMonths[a:b:b], f.EarnCum[a:b:b]
	}
	if a, b := f.AchOff[i], f.AchOff[i+1]; b > a {
		t.CourseAchieved = f.CourseAchieved[a:b:b]
	}
	return t
}

// Check reports whether f's arrays are consistent (offset lengths and
// order, every timeline keeping Timeline.Check's invariants), so that a
// damaged index file is caught on load rather than read as wrong figures.
func (f *Flat) Check() error {
	n := len(f.People)
	if n == 0 && len(f.SpellOff) == 0 && len(f.EarnOff) == 0 && len(f.AchOff) == 0 {
		return nil
	}
	for _, o := range []struct {
		name      string
		off       []int64
		want, end int
	}{
		{"SpellOff", f.SpellOff, n*int(NumStatus) + 1, len(f.Spells)},
		{"EarnOff", f.EarnOff, n + 1, len(f.EarnMonths)},
		{"AchOff", f.AchOff, n + 1, len(f.CourseAchieved)},
	} {
		if len(o.off) != o.want {
			return fmt.Errorf("timeline: flat index: %s has %d offsets for %d people, want %d; rebuild the index", o.name, len(o.off), n, o.want)
		}
		if o.off[0] != 0 || o.off[len(o.off)-1] != int64(o.end) {
			return fmt.Errorf("timeline: flat index: %s runs from %d to %d, want 0 to %d; rebuild the index", o.name, o.off[0], o.off[len(o.off)-1], o.end)
		}
		for i := 1; i < len(o.off); i++ {
			if o.off[i] < o.off[i-1] {
				return fmt.Errorf("timeline: flat index: %s[%d] = %d is below %s[%d] = %d; offsets must not decrease; rebuild the index", o.name, i, o.off[i], o.name, i-1, o.off[i-1])
			}
		}
	}
	if len(f.EarnCum) != len(f.EarnMonths) {
		return fmt.Errorf("timeline: flat index: %d earnings months but %d running totals; rebuild the index", len(f.EarnMonths), len(f.EarnCum))
	}
	for i := range n {
		t := f.Timeline(i)
		if err := t.Check(); err != nil {
			return fmt.Errorf("flat index, timeline %d: %w", i, err)
		}
	}
	return nil
}
