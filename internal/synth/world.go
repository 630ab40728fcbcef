package synth

import (
	"math"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// region is one of the 12 UK ITL1 regions, with its share of the
// working-age population and how easily its unemployed find work.
type region struct {
	Name string
	// Weight is the mid-2021 population in millions (ONS mid-year
	// estimates, rounded), used as the sampling weight.
	Weight float64
	// JobFinding multiplies the job-finding hazard: below 1 where
	// claimant unemployment has long been higher (North East, Northern
	// Ireland), above 1 in the South.
	JobFinding float64
	// Wage is added to the log wage (London's premium, the North's gap).
	Wage float64
}

// district is a Jobcentre-style district: a group of postcode areas in one
// region with its own Universal Credit full-service date.
type district struct {
	Name   string
	Region int
	Areas  []string // postcode areas (the letters of the outward code)
	// UC is the day Universal Credit full service reached the district:
	// new claims from that day are UC, older claims stay on legacy
	// benefits until they end.
	UC timeline.Date
}

// worldTables are the fixed, read-only tables of the synthetic UK: they do
// not depend on the seed, so two worlds share regions, districts and
// rollout dates.
type worldTables struct {
	regions   []region
	districts []district
	// byRegion lists the district indices of each region.
	byRegion [][]int
	// regionCum is the cumulative population weight, for sampling.
	regionCum []float64
}

func newWorldTables() *worldTables {
	w := &worldTables{
		regions: []region{
			{"North East", 2.65, 0.84, -0.08},
			{"North West", 7.42, 0.92, -0.04},
			{"Yorkshire and The Humber", 5.48, 0.92, -0.05},
			{"East Midlands", 4.88, 0.97, -0.04},
			{"West Midlands", 5.95, 0.92, -0.03},
			{"East of England", 6.35, 1.05, 0.03},
			{"London", 8.80, 0.96, 0.25},
			{"South East", 9.28, 1.08, 0.08},
			{"South West", 5.71, 1.07, -0.02},
			{"Wales", 3.11, 0.90, -0.07},
			{"Scotland", 5.45, 0.95, -0.01},
			{"Northern Ireland", 1.90, 0.85, -0.08},
		},
	}
	// Districts and their postcode areas. Names follow the Jobcentre Plus
	// districts loosely; they carry no commas so they need no CSV quoting.
	type d struct {
		name   string
		region int
		areas  []string
	}
	ds := []d{
		{"Tyne and Wear", 0, []string{"NE", "SR"}},
		{"Durham and Tees Valley", 0, []string{"DH", "TS", "DL"}},
		{"Greater Manchester", 1, []string{"M", "WN", "BL", "OL", "SK"}},
		{"Merseyside and Cheshire", 1, []string{"L", "WA", "CH", "CW"}},
		{"Lancashire and Cumbria", 1, []string{"PR", "BB", "LA", "CA", "FY"}},
		{"West Yorkshire", 2, []string{"LS", "BD", "HX", "HD", "WF"}},
		{"South Yorkshire", 2, []string{"S", "DN"}},
		{"Humber and North Yorkshire", 2, []string{"HU", "YO", "HG"}},
		{"Nottinghamshire and Derbyshire", 3, []string{"NG", "DE"}},
		{"Leicestershire and Northamptonshire", 3, []string{"LE", "LN", "NN"}},
		{"Birmingham and Solihull", 4, []string{"B"}},
		{"Black Country", 4, []string{"WV", "WS", "DY"}},
		{"Mercia", 4, []string{"CV", "ST", "TF", "WR", "HR"}},
		{"Essex", 5, []string{"CM", "SS", "CO"}},
		{"Beds Herts and Cambs", 5, []string{"LU", "SG", "AL", "CB", "PE"}},
		{"Norfolk and Suffolk", 5, []string{"NR", "IP"}},
		{"Central London", 6, []string{"W", "SW", "WC", "EC"}},
		{"North and East London", 6, []string{"N", "E", "NW"}},
		{"South London", 6, []string{"SE", "CR", "BR"}},
		{"Kent", 7, []string{"ME", "CT", "TN"}},
		{"Surrey and Sussex", 7, []string{"BN", "RH", "GU"}},
		{"Hampshire and Isle of Wight", 7, []string{"SO", "PO"}},
		{"Thames Valley", 7, []string{"OX", "RG", "MK", "HP", "SL"}},
		{"West of England", 8, []string{"BS", "BA", "GL", "SN"}},
		{"Devon and Cornwall", 8, []string{"EX", "PL", "TQ", "TR"}},
		{"Dorset Somerset and Wiltshire", 8, []string{"TA", "BH", "DT", "SP"}},
		{"South East Wales", 9, []string{"CF", "NP"}},
		{"South West Wales", 9, []string{"SA"}},
		{"North and Mid Wales", 9, []string{"LL", "SY", "LD"}},
		{"Glasgow and Lanarkshire", 10, []string{"G", "ML", "PA"}},
		{"Edinburgh Lothians and Borders", 10, []string{"EH", "TD", "KY", "FK"}},
		{"North and East Scotland", 10, []string{"AB", "DD", "IV", "PH"}},
		{"Ayrshire and Dumfries", 10, []string{"KA", "DG"}},
		{"Belfast", 11, []string{"BT"}},
		{"Northern Ireland West", 11, []string{"BT"}},
	}
	// Universal Credit full service reached districts between January and
	// December 2018 (the national rollout finished in December 2018; DWP,
	// "Universal Credit transition rollout schedule", 2018). The order
	// below interleaves regions so no region is all early or all late.
	first := timeline.DateOf(2018, time.January, 8)
	w.byRegion = make([][]int, len(w.regions))
	for i, x := range ds {
		// A fixed, seed-independent stagger: district i goes live in week
		// (i*17 mod len) * 48/len of 2018.
		slot := (i * 17) % len(ds)
		uc := first + timeline.Date(7*(slot*48/len(ds)))
		w.districts = append(w.districts, district{Name: x.name, Region: x.region, Areas: x.areas, UC: uc})
		w.byRegion[x.region] = append(w.byRegion[x.region], i)
	}
	sum := 0.0
	for _, r := range w.regions {
		sum += r.Weight
		w.regionCum = append(w.regionCum, sum)
	}
	for i := range w.regionCum {
		w.regionCum[i] /= sum
	}
	return w
}

// macro holds the calendar-time shocks of the labour market: the Covid-19
// lockdowns of 2020 cut job finding and raised separations (ONS Labour
// Force Survey flows, 2020); the Coronavirus Job Retention Scheme kept the
// rise in separations modest.
type macro struct {
	lockdown, recovery, endRecovery timeline.Date
	sepShockEnd                     timeline.Date
}

func newMacro() macro {
	return macro{
		lockdown:    timeline.DateOf(2020, time.March, 23),
		sepShockEnd: timeline.DateOf(2020, time.July, 1),
		recovery:    timeline.DateOf(2020, time.October, 1),
		endRecovery: timeline.DateOf(2021, time.April, 1),
	}
}

// findFactor multiplies the job-finding hazards on day g.
func (m macro) findFactor(g timeline.Date) float64 {
	switch {
	case g < m.lockdown:
		return 1
	case g < m.recovery:
		return 0.55
	case g < m.endRecovery:
		return 0.8
	}
	return 1
}

// sepFactor multiplies the job-separation hazard on day g.
func (m macro) sepFactor(g timeline.Date) float64 {
	if g >= m.lockdown && g < m.sepShockEnd {
		return 1.6
	}
	return 1
}

// wageIndex is nominal wage growth of 2.8% a year from January 2017 (ONS
// average weekly earnings grew by roughly that much over 2017–2023), as a
// multiplier on day g.
func wageIndex(g timeline.Date) float64 {
	years := float64(g-timeline.DateOf(2017, time.January, 1)) / 365.25
	return math.Exp(years * math.Log1p(0.028))
}
