package synth

import (
	"fmt"
	"math"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Config says what world to generate. Start from DefaultConfig: the zero
// Config has Effect 0 (every programme without effect) and Noise false.
type Config struct {
	People int     // people in the spine; 0 means 100000
	Seed   uint64  // 0 means 1
	Effect float64 // multiplier on every programme's designed effect, used as given (0 = all effects zero)
	// Start and End bound the spine window. Zero means 2017-01-01 and
	// 2023-12-31. Start must be the first day of a month and End the last
	// day of a month (so End's month of earnings is complete); the window
	// must span at least 7 years, since programmes start from 5 years before
	// End and need 2 years of history before their start.
	Start, End timeline.Date
	// Noise also writes participants_noisy.csv and true_links.csv for each
	// programme.
	Noise bool
	// NoiseRates are the rates of submission errors; the zero value means
	// DefaultNoiseRates.
	NoiseRates NoiseRates
	// Overwrite replaces an existing world in the directory; without it
	// Write refuses a directory that is not empty.
	Overwrite bool
}

// DefaultConfig returns the default world: 100,000 people, seed 1, designed
// effects, 2017–2023, with noisy submissions.
func DefaultConfig() Config {
	return Config{People: 100000, Seed: 1, Effect: 1, Noise: true,
		Start: timeline.DateOf(2017, time.January, 1), End: timeline.DateOf(2023, time.December, 31)}
}

// NoiseRates are the per-row probabilities of each kind of error in a noisy
// submission. They are independent, so a row can carry several.
type NoiseRates struct {
	MissingNINO   float64 // nino left empty
	NINOTypo      float64 // one digit changed or two neighbours swapped
	Nickname      float64 // first name recorded as its informal form (Robert → Bob), where there is one
	NameTypo      float64 // one edit in the first or last name
	DOBSwap       float64 // day and month swapped (only where both are ≤ 12 and differ)
	DOBTypo       float64 // one digit of the day or of the year's last two mistyped (the date stays valid)
	SurnameChange float64 // a different surname (after marriage or divorce)
	DOBSlashes    float64 // date of birth written DD/MM/YYYY
	MovedPostcode float64 // the person has moved: a new postcode in another district
	Formatting    float64 // stray spaces, upper or lower case, postcode without its space
	NotInSpine    float64 // extra rows for people the spine does not hold, as a share of participants
}

// DefaultNoiseRates are rates of the order seen in provider submissions to
// the Justice and Employment Data Labs (their methodology notes report
// 80–95% of submitted records matched, the misses mostly from missing or
// wrong identifiers).
func DefaultNoiseRates() NoiseRates {
	return NoiseRates{
		MissingNINO:   0.15,
		NINOTypo:      0.03,
		Nickname:      0.06,
		NameTypo:      0.04,
		DOBSwap:       0.02,
		DOBTypo:       0.01,
		SurnameChange: 0.02,
		DOBSlashes:    0.08,
		MovedPostcode: 0.08,
		Formatting:    0.10,
		NotInSpine:    0.02,
	}
}

// resolve fills in defaults and checks the configuration, returning the
// settings actually used.
func (c Config) resolve() (Config, error) {
	if c.People == 0 {
		c.People = 100000
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Start == 0 {
		c.Start = timeline.DateOf(2017, time.January, 1)
	}
	if c.End == 0 {
		c.End = timeline.DateOf(2023, time.December, 31)
	}
	if c.NoiseRates == (NoiseRates{}) {
		c.NoiseRates = DefaultNoiseRates()
	}
	if c.People < 0 || c.People > 99_999_999 {
		return c, fmt.Errorf("synth: people %d is out of range: choose 1 to 99,999,999", c.People)
	}
	if math.IsNaN(c.Effect) || math.IsInf(c.Effect, 0) || c.Effect < 0 || c.Effect > 5 {
		return c, fmt.Errorf("synth: effect %v is out of range: choose a multiplier from 0 (no effects) to 5", c.Effect)
	}
	if _, _, d := c.Start.Civil(); d != 1 {
		return c, fmt.Errorf("synth: start %s is not the first day of a month: choose e.g. %s", c.Start, c.Start.Month().First())
	}
	if c.End != c.End.Month().Last() {
		return c, fmt.Errorf("synth: end %s is not the last day of a month, so its month of earnings would be incomplete: choose e.g. %s", c.End, c.End.Month().Last())
	}
	if y, _, _ := c.Start.Civil(); y < 1990 {
		return c, fmt.Errorf("synth: start %s is before 1990: choose a window from 1990 on", c.Start)
	}
	if y, _, _ := c.End.Civil(); y > 2100 {
		return c, fmt.Errorf("synth: end %s is after 2100: choose a window ending by 2100", c.End)
	}
	if c.End.Month()-c.Start.Month()+1 < 84 {
		return c, fmt.Errorf("synth: window %s to %s spans %d months: it must span at least 84 (7 years), since programmes start from 5 years before the end and need 2 years of history", c.Start, c.End, c.End.Month()-c.Start.Month()+1)
	}
	r := c.NoiseRates
	for _, x := range []struct {
		name string
		v    float64
	}{{"MissingNINO", r.MissingNINO}, {"NINOTypo", r.NINOTypo}, {"Nickname", r.Nickname}, {"NameTypo", r.NameTypo},
		{"DOBSwap", r.DOBSwap}, {"DOBTypo", r.DOBTypo}, {"SurnameChange", r.SurnameChange}, {"DOBSlashes", r.DOBSlashes}, {"MovedPostcode", r.MovedPostcode},
		{"Formatting", r.Formatting}, {"NotInSpine", r.NotInSpine}} {
		if !(x.v >= 0 && x.v <= 1) {
			return c, fmt.Errorf("synth: noise rate %s = %v is not a probability: choose 0 to 1", x.name, x.v)
		}
	}
	return c, nil
}

// Summary reports what Write produced.
type Summary struct {
	Dir    string
	Config Config // the settings used, defaults filled in
	// Files lists every file written, relative to Dir, with its data rows
	// (header excluded), in the order written.
	Files      []FileCount
	Programmes []ProgrammeSummary
}

// FileCount is one file and its number of data rows.
type FileCount struct {
	Path string
	Rows int
}

// ProgrammeSummary describes one programme's participants.
type ProgrammeSummary struct {
	Name         string
	Participants int
	FirstStart   timeline.Date
	LastStart    timeline.Date
	NoisyRows    int // rows in participants_noisy.csv (0 without Noise)
	NotInSpine   int // of which people the spine does not hold
}
