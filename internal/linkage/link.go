package linkage

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"

	"github.com/employment-data-lab/datalab/internal/linkage/submission"
)

// Spec tunes linkage. The zero Spec uses the defaults documented on each
// field; Link returns the settings it used.
type Spec struct {
	// MaxFalseMatchRate is the estimated share of wrong links allowed in
	// the match band; it sets the upper threshold. Default 0.005.
	MaxFalseMatchRate float64
	// MaxFalseNonMatchRate is the estimated share of true links allowed
	// below the lower threshold (non-matches); it sets the lower
	// threshold. Default 0.005.
	MaxFalseNonMatchRate float64
	// ReviewPosterior is the smallest posterior match probability that is
	// always sent to clerical review rather than declared a non-match.
	// Default 0.05.
	ReviewPosterior float64
	// MaxEMIterations caps the EM fit of m and u. Default 500.
	MaxEMIterations int
	// EMTolerance stops EM when the log-likelihood per pair changes by less.
	// Default 1e-9.
	EMTolerance float64
	// Seed seeds the random sample of pairs u is estimated from. Default 1.
	Seed uint64
	// UPairs is how many random pairs estimate u. Default 300,000.
	UPairs int
	// SampleSize is how many identities are kept, at random, to draw those
	// pairs from. Default 20,000.
	SampleSize int
	// Nicknames is the table of first-name variants. Default NewNicknames().
	Nicknames *Nicknames
	// Logger receives progress (counts only, never identifiers). Default:
	// discard.
	Logger *slog.Logger
}

func (s Spec) withDefaults() (Spec, error) {
	if s.MaxFalseMatchRate == 0 {
		s.MaxFalseMatchRate = 0.005
	}
	if s.MaxFalseNonMatchRate == 0 {
		s.MaxFalseNonMatchRate = 0.005
	}
	if s.ReviewPosterior == 0 {
		s.ReviewPosterior = 0.05
	}
	if s.MaxEMIterations == 0 {
		s.MaxEMIterations = 500
	}
	if s.EMTolerance == 0 {
		s.EMTolerance = 1e-9
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.UPairs == 0 {
		s.UPairs = 300_000
	}
	if s.SampleSize == 0 {
		s.SampleSize = 20_000
	}
	if s.Nicknames == nil {
		s.Nicknames = NewNicknames()
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	switch {
	case !(s.MaxFalseMatchRate > 0 && s.MaxFalseMatchRate < 0.5):
		return s, fmt.Errorf("linkage spec: MaxFalseMatchRate %v is outside (0, 0.5); set it to a small rate such as 0.005", s.MaxFalseMatchRate)
	case !(s.MaxFalseNonMatchRate > 0 && s.MaxFalseNonMatchRate < 0.5):
		return s, fmt.Errorf("linkage spec: MaxFalseNonMatchRate %v is outside (0, 0.5); set it to a small rate such as 0.005", s.MaxFalseNonMatchRate)
	case !(s.ReviewPosterior > 0 && s.ReviewPosterior < 0.5):
		return s, fmt.Errorf("linkage spec: ReviewPosterior %v is outside (0, 0.5); set it to a small probability such as 0.05", s.ReviewPosterior)
	case s.UPairs < 1000:
		return s, fmt.Errorf("linkage spec: UPairs %d is too few to estimate u; use at least 1000 (default 300000)", s.UPairs)
	case s.SampleSize < 100:
		return s, fmt.Errorf("linkage spec: SampleSize %d is too small to estimate u; use at least 100 (default 20000)", s.SampleSize)
	case s.MaxEMIterations < 1:
		return s, fmt.Errorf("linkage spec: MaxEMIterations %d must be at least 1", s.MaxEMIterations)
	}
	return s, nil
}

// Result is the outcome of Link: one Outcome per valid participant (in
// submission order), the pseudonymous cohort and the settings used.
// Nothing in it is a direct identifier.
type Result struct {
	Outcomes []Outcome
	Cohort   Cohort
	Settings Spec
}

// Link links a checked submission to the spine's identities: blocking,
// comparison, the deterministic route (NINO and date of birth), the
// Fellegi–Sunter model fitted by EM, one-to-one assignment and the three
// bands. It returns the links, the report and the cohort of matched
// participants.
//
// Identifiers are read from sub and ids into memory for the duration of
// the call and are not kept in the Result; Link logs counts only. The
// caller should drop sub once Link returns.
func Link(ctx context.Context, sub submission.Submission, ids IdentitySource, spec Spec) (Result, error) {
	spec, err := spec.withDefaults()
	if err != nil {
		return Result{}, err
	}
	log := spec.Logger
	parts := sub.Participants
	nn := spec.Nicknames

	recs := make([]record, len(parts))
	for i, p := range parts {
		recs[i] = newRecord(nn, p.NINO, p.FirstName, p.LastName, p.DateOfBirth, true, p.Postcode)
	}
	ix := newBlockIndex(recs)
	log.Info("linkage: participants indexed", "participants", len(parts), "block_keys", len(ix))

	// Stream the spine's identities through the blocks, keeping only the
	// person_id of identities with a candidate and the comparison vector
	// of each candidate pair.
	var (
		pairs     []pair
		personIDs []string
		nIDs      int
		buf       []candidate
		rng       = rand.New(rand.NewPCG(spec.Seed, 0x6c696e6b))
		sample    = reservoir{size: spec.SampleSize, rng: rng}
	)
	err = ids(ctx, func(id Identity) error {
		nIDs++
		if nIDs%(1<<20) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			log.Info("linkage: reading identities", "read", nIDs, "candidate_pairs", len(pairs))
		}
		q := newRecord(nn, id.NINO, id.FirstName, id.LastName, id.DateOfBirth, !id.DateOfBirthMissing, id.Postcode)
		sample.offer(&q)
		buf = ix.candidates(&q, buf)
		if len(buf) == 0 {
			return nil
		}
		k := int32(len(personIDs))
		personIDs = append(personIDs, id.PersonID)
		for _, c := range buf {
			pairs = append(pairs, pair{p: c.p, id: k, pat: compare(&recs[c.p], &q), keys: c.keys})
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("linkage: reading identities (after %d): %w", nIDs, err)
	}
	log.Info("linkage: blocking done", "identities", nIDs, "candidate_pairs", len(pairs))
	if nIDs == 0 {
		return Result{}, fmt.Errorf("linkage: the spine has no identities; import identities.csv first")
	}

	rep := Report{
		Submitted: sub.Report.Rows, Invalid: sub.Report.Excluded, Valid: len(parts),
		Identities: nIDs, CandidatePairs: len(pairs),
		NonMatchReasons: map[Reason]int{}, PairsByBlockingKey: map[string]int{},
	}
	for i := range pairs {
		for k := keyNINO; k <= keyPlace; k++ {
			if pairs[i].keys&(1<<k) != 0 {
				rep.PairsByBlockingKey[blockKeyNames[k]]++
			}
		}
	}
	if rep.Submitted == 0 {
		rep.Submitted = len(parts)
	}
	if rep.Invalid > 0 {
		rep.NonMatchReasons[ReasonInvalidRow] = rep.Invalid
	}

	links := make([]Outcome, len(parts))
	for i, p := range parts {
		links[i] = Outcome{ParticipantRef: p.Ref, Status: StatusNonMatch, Reason: ReasonNoCandidate}
	}
	if len(pairs) == 0 {
		rep.NonMatched = len(parts)
		rep.NonMatchReasons[ReasonNoCandidate] += len(parts)
		return finish(parts, links, rep, sub, spec), nil
	}

	u := estimateU(recs, sample.recs, spec.UPairs, rng)
	sample.recs = nil
	model, score, err := fitFellegiSunter(ctx, pairs, u, spec.UPairs, len(parts), nIDs, spec)
	if err != nil {
		return Result{}, fmt.Errorf("linkage: %w", err)
	}
	rep.Model = model
	for _, s := range model.Sessions {
		log.Info("linkage: m estimated by EM", "session", s.Name, "pairs", s.Pairs, "iterations", s.Iterations, "converged", s.Converged)
	}
	if !model.Converged {
		log.Warn("linkage: an EM session did not converge or had no pairs; weights may be unreliable")
	}

	// A pair with a posterior below one in a million is never linked or
	// reviewed; leaving such pairs out of the assignment keeps it fast.
	assigned := assignOneToOne(pairs, score, weightOfPosterior(model.Lambda, 1e-6), len(parts), len(personIDs))

	// Best candidate of each participant, for the non-match reasons.
	best := make([]int32, len(parts))
	for i := range best {
		best[i] = -1
	}
	owner := make([]int32, len(personIDs))
	for i := range owner {
		owner[i] = -1
	}
	for i := range pairs {
		pr := &pairs[i]
		if b := best[pr.p]; b < 0 || score[pr.pat] > score[pairs[b].pat] {
			best[pr.p] = int32(i)
		}
	}
	for p, a := range assigned {
		if a >= 0 {
			owner[pairs[a].id] = int32(p)
		}
	}

	// Thresholds from the assigned probabilistic pairs.
	var scores, posts []float64
	expected := 0.0
	for _, a := range assigned {
		if a < 0 {
			continue
		}
		pat := pairs[a].pat
		if deterministic(pat) {
			expected++
			continue
		}
		scores = append(scores, score[pat])
		posts = append(posts, model.Posterior(pat))
		expected += model.Posterior(pat)
	}
	th := chooseThresholds(model.Lambda, scores, posts, expected, spec.MaxFalseMatchRate, spec.MaxFalseNonMatchRate, spec.ReviewPosterior)
	rep.Thresholds = th

	for p := range parts {
		l := &links[p]
		a := assigned[p]
		if a >= 0 {
			pr := pairs[a]
			l.Score, l.Posterior, l.Agreement, l.HasCandidate = score[pr.pat], model.Posterior(pr.pat), pr.pat, true
			switch {
			case deterministic(pr.pat):
				l.Status, l.Route, l.Reason, l.PersonID = StatusMatch, RouteDeterministic, "", personIDs[pr.id]
				rep.MatchedDeterministic++
				continue
			case l.Score >= th.Upper:
				l.Status, l.Route, l.Reason, l.PersonID = StatusMatch, RouteProbabilistic, "", personIDs[pr.id]
				rep.MatchedProbabilistic++
				rep.EstimatedFalseMatches += 1 - l.Posterior
				continue
			case l.Score >= th.Lower:
				l.Status, l.Reason, l.PersonID = StatusReview, "", personIDs[pr.id]
				rep.Review++
				rep.EstimatedMissedMatches += l.Posterior
				continue
			}
			rep.EstimatedMissedMatches += l.Posterior
		}
		// Not linked: say why.
		l.Status, l.PersonID = StatusNonMatch, ""
		b := best[p]
		switch {
		case b < 0:
			l.Reason = ReasonNoCandidate
		default:
			bp := pairs[b]
			if a < 0 {
				l.Score, l.Posterior, l.Agreement, l.HasCandidate = score[bp.pat], model.Posterior(bp.pat), bp.pat, true
			}
			if o := owner[bp.id]; o >= 0 && o != int32(p) && score[bp.pat] >= th.Lower {
				l.Reason = ReasonCandidateTaken
			} else {
				l.Reason = ReasonBelowThreshold
			}
		}
		rep.NonMatched++
		rep.NonMatchReasons[l.Reason]++
	}
	rep.Matched = rep.MatchedDeterministic + rep.MatchedProbabilistic
	if rep.Matched > 0 {
		rep.EstimatedFalseMatchRate = rep.EstimatedFalseMatches / float64(rep.Matched)
	}
	res := finish(parts, links, rep, sub, spec)
	log.Info("linkage: done", "matched", rep.Matched, "review", rep.Review, "non_matched", rep.NonMatched,
		"upper", round(th.Upper), "lower", round(th.Lower))
	return res, nil
}

// finish computes the rates and builds the cohort from the match band.
func finish(parts []submission.Participant, links []Outcome, rep Report, sub submission.Submission, spec Spec) Result {
	rep.Matched = rep.MatchedDeterministic + rep.MatchedProbabilistic
	if rep.Valid > 0 {
		rep.MatchRate = float64(rep.Matched) / float64(rep.Valid)
	}
	if rep.Submitted > 0 {
		rep.MatchRateSubmitted = float64(rep.Matched) / float64(rep.Submitted)
	}
	c := Cohort{AttributeColumns: sub.AttributeColumns, Report: rep}
	for i, l := range links {
		if l.Status != StatusMatch {
			continue
		}
		p := parts[i]
		var attrs map[string]string
		if len(p.Attributes) > 0 {
			attrs = make(map[string]string, len(p.Attributes))
			for k, v := range p.Attributes {
				attrs[k] = v
			}
		}
		c.Members = append(c.Members, Member{ParticipantRef: p.Ref, PersonID: l.PersonID, StartDate: p.Start, EndDate: p.End, Attributes: attrs})
	}
	return Result{Outcomes: links, Cohort: c, Settings: spec}
}

func round(x float64) float64 { return math.Round(x*100) / 100 }
