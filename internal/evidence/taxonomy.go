package evidence

import (
	"fmt"
	"strings"
)

// InterventionType is one kind of intervention in the taxonomy.
type InterventionType struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Definition string `json:"definition"`
	Examples   string `json:"examples"`
}

// Taxonomy is the documented list of intervention types, in display order.
// It is data: a new type is a new entry here.
func Taxonomy() []InterventionType {
	return []InterventionType{
		{"job_search_support", "Job-search support",
			"Help to look for and apply for work: adviser meetings, job-search planning, CV and interview help, job matching, and the conditions attached to benefit receipt.",
			"work-focused interviews; job clubs; intensive adviser caseloads"},
		{"work_experience", "Work experience",
			"Time-limited unpaid or expenses-only placements with an employer to build experience, skills and references.",
			"work trials; sector-based work academy placements; volunteering placements"},
		{"vocational_training", "Vocational training",
			"Courses that teach occupational or basic skills, in a classroom or at work, with or without a qualification.",
			"skills bootcamps; sector-based training; adult basic skills courses"},
		{"wage_subsidy", "Wage subsidy",
			"Payments to employers (or to workers) that reduce the cost of hiring or keeping someone from the target group in a paid job.",
			"Kickstart; Future Jobs Fund; hiring credits"},
		{"ips", "Individual Placement and Support",
			"The manualised supported-employment model for people with severe mental illness and other health conditions: rapid job search for competitive work, integrated with clinical care, with ongoing support, measured against the IPS fidelity scale.",
			"IPS in secondary mental health care; IPS in primary care; IPS for substance misuse"},
		{"health_led_support", "Health-led support",
			"Employment support led by or integrated with health services, other than IPS: condition management, therapy with employment advice, occupational health.",
			"Condition Management Programmes; employment advisers in talking-therapy services"},
		{"mentoring", "Mentoring",
			"A sustained one-to-one relationship with a volunteer or paid mentor, peer or coach, focused on motivation, confidence and navigating work.",
			"youth mentoring; peer support; coaching"},
		{"in_work_progression", "In-work progression",
			"Support for people already in work to increase hours, pay or job quality, or to stay in work.",
			"in-work advisory support; career coaching for low earners; job retention services"},
		{"employer_led", "Employer-led",
			"Programmes designed and delivered with or by employers to recruit from the target group: guaranteed interviews, sector partnerships, job carving.",
			"sector partnerships; guaranteed interview schemes; employer recruitment programmes"},
	}
}

// LookupType finds an intervention type by code or name, case-insensitively.
func LookupType(s string) (InterventionType, error) {
	key := strings.ToLower(strings.TrimSpace(s))
	var codes []string
	for _, t := range Taxonomy() {
		if key == t.Code || key == strings.ToLower(t.Name) {
			return t, nil
		}
		codes = append(codes, t.Code)
	}
	return InterventionType{}, fmt.Errorf("intervention type %q is not in the taxonomy; use one of %s (see `datalab evidence types`)", s, strings.Join(codes, ", "))
}
