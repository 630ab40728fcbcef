package randomise

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// CSVHeader is the header of an exported allocation log.
var CSVHeader = []string{"position", "participant_ref", "stratum", "arm", "allocated_at", "hash"}

// WriteCSV writes the allocation log as CSV with CSVHeader: one row per
// allocation in chain order. Each row's hash covers the row before it, so
// the file can be checked against a recorded chain head.
func WriteCSV(w io.Writer, es []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write allocation log: %w", err)
	}
	for _, e := range es {
		rec := []string{strconv.Itoa(e.Position), e.ParticipantRef, e.Stratum, e.Arm, e.AllocatedAt.UTC().Format(TimeFormat), e.Hash}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write allocation log at position %d: %w", e.Position, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write allocation log: %w", err)
	}
	return nil
}
