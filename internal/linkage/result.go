package linkage

import (
	"encoding/json"
	"math"
)

// Status is the band a participant's link falls in.
type Status string

// The three bands of Fellegi & Sunter (1969): links, possible links for
// clerical review, and non-links.
const (
	StatusMatch    Status = "match"
	StatusReview   Status = "review"
	StatusNonMatch Status = "non-match"
)

// Route is how a link was made.
type Route string

// The linkage routes, tried in this order.
const (
	// RouteDeterministic: NINO and date of birth agree exactly.
	RouteDeterministic Route = "deterministic"
	// RouteProbabilistic: the Fellegi–Sunter score is at or above the
	// upper threshold.
	RouteProbabilistic Route = "probabilistic"
)

// Reason says why a participant was not linked.
type Reason string

// The reasons for a non-match.
const (
	ReasonInvalidRow     Reason = "invalid row"
	ReasonNoCandidate    Reason = "no candidate found in blocking"
	ReasonBelowThreshold Reason = "best candidate below threshold"
	ReasonCandidateTaken Reason = "candidate taken by a better-scoring participant"
)

// Reasons lists the non-match reasons in report order.
var Reasons = []Reason{ReasonInvalidRow, ReasonNoCandidate, ReasonBelowThreshold, ReasonCandidateTaken}

// Outcome is the linkage outcome for one valid participant. It holds no direct
// identifier: the participant's reference, the spine's pseudonymous
// person_id, and how the pair compared field by field.
type Outcome struct {
	ParticipantRef string
	// PersonID is the linked identity for a match, the candidate for a
	// review, and "" for a non-match.
	PersonID string
	Status   Status
	Route    Route  // "" unless Status is match
	Reason   Reason // "" unless Status is non-match
	// Score is the Fellegi–Sunter weight (log2 of the likelihood ratio) of
	// the pair assigned, or of the participant's best candidate when none
	// was assigned; 0 when there was no candidate.
	Score float64
	// Posterior is the model's probability that the pair is a match.
	Posterior float64
	// Agreement is the comparison vector of the pair (field levels, never
	// values); meaningful when the participant had a candidate.
	Agreement    Pattern
	HasCandidate bool
}

// Thresholds are the score cut-offs between the bands, with the posterior
// match probabilities they correspond to.
type Thresholds struct {
	Upper, Lower                   float64 // score: match ≥ Upper > review ≥ Lower > non-match
	UpperPosterior, LowerPosterior float64
}

// Report says how well linkage did. It holds counts and model figures
// only, never an identifier.
type Report struct {
	Submitted      int // data rows in the file
	Invalid        int // rows excluded by the submission checks
	Valid          int // participants linkage was asked to link
	Identities     int // spine identities read
	CandidatePairs int // pairs compared after blocking
	// PairsByBlockingKey counts the candidate pairs each blocking key
	// found (a pair found by several keys counts under each).
	PairsByBlockingKey map[string]int

	Matched              int // match band, both routes
	MatchedDeterministic int
	MatchedProbabilistic int
	Review               int
	NonMatched           int // valid participants not linked (Invalid excluded)
	NonMatchReasons      map[Reason]int

	// MatchRate is Matched / Valid; MatchRateSubmitted is Matched /
	// Submitted.
	MatchRate, MatchRateSubmitted float64

	Thresholds Thresholds
	// EstimatedFalseMatches is the model's expected number of wrong links
	// in the match band, Σ(1 − posterior) over its probabilistic links
	// (deterministic links are taken as correct);
	// EstimatedFalseMatchRate divides it by Matched.
	EstimatedFalseMatches, EstimatedFalseMatchRate float64
	// EstimatedMissedMatches is the expected number of true links left in
	// the review and non-match bands, Σ posterior over their pairs.
	EstimatedMissedMatches float64

	Model Model
}

// MarshalJSON writes an infinite threshold (no pair reached the band) as
// null, since JSON has no infinity.
func (t Thresholds) MarshalJSON() ([]byte, error) {
	num := func(x float64) any {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil
		}
		return x
	}
	return json.Marshal(struct {
		Upper          any `json:"upper"`
		Lower          any `json:"lower"`
		UpperPosterior any `json:"upper_posterior"`
		LowerPosterior any `json:"lower_posterior"`
	}{num(t.Upper), num(t.Lower), num(t.UpperPosterior), num(t.LowerPosterior)})
}
