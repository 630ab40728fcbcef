package meta

import (
	"context"
	"fmt"
)

// Omitted is the model refitted without one study.
type Omitted struct {
	Study string `json:"study"`
	Fit   Fit    `json:"fit"`
}

// LeaveOneOut refits s k times, omitting each study in turn, as metafor's
// leave1out. It needs at least 2 studies (3 under Hartung–Knapp).
func LeaveOneOut(ctx context.Context, studies []Study, s Spec) ([]Omitted, error) {
	if len(studies) < 2 || (s.KnHa && len(studies) < 3) {
		return nil, fmt.Errorf("meta: leave-one-out needs at least %d studies, have %d", 2+btoi(s.KnHa), len(studies))
	}
	out := make([]Omitted, 0, len(studies))
	rest := make([]Study, 0, len(studies)-1)
	for i, st := range studies {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rest = append(rest[:0], studies[:i]...)
		rest = append(rest, studies[i+1:]...)
		f, err := Pool(rest, s)
		if err != nil {
			return nil, fmt.Errorf("meta: leave-one-out without %q: %w", st.Label, err)
		}
		out = append(out, Omitted{Study: st.Label, Fit: f})
	}
	return out, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
