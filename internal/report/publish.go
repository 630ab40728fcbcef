package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/employment-data-lab/datalab/internal/atomicfile"
	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// Formats WritePublished writes.
var Formats = []string{"html", "json", "csv"}

// PublishConfig is one run of datalab report.
type PublishConfig struct {
	// Evaluation is the path of a stored evaluation.json.
	Evaluation string
	// Out is the file to write; Format is html (default), json or csv.
	Out, Format string
	Rules       disclosure.Rules
	// Organisation, Registry and KeyFile switch on the differencing guard:
	// the cohort's members (the person_id of each "match" row of Members,
	// default linked.csv beside the evaluation) are compared with the
	// organisation's earlier published cohorts in the registry, as keyed
	// digests under the secret in KeyFile.
	Organisation, Registry, KeyFile, Members string
}

// Publish builds the report of an evaluation file, applies the
// differencing guard when configured, and writes the report. It returns a
// *disclosure.Refusal (errors.Is disclosure.ErrRefused) when the evaluation
// may not be published; nothing is written then.
func Publish(ctx context.Context, cfg PublishConfig) error {
	if cfg.Format == "" {
		cfg.Format = "html"
	}
	if !slices.Contains(Formats, cfg.Format) {
		return fmt.Errorf("report: --format %q: use one of %v", cfg.Format, Formats)
	}
	if cfg.Evaluation == "" || cfg.Out == "" {
		return errors.New("report: give the evaluation (--evaluation evaluation.json) and the output file (--out)")
	}
	b, err := os.ReadFile(cfg.Evaluation)
	if err != nil {
		return fmt.Errorf("report: reading --evaluation: %w", err)
	}
	r, err := FromJSON(b, Options{Rules: cfg.Rules})
	if err != nil {
		return fmt.Errorf("report: %s: %w", cfg.Evaluation, err)
	}
	guard := cfg.Organisation != "" || cfg.Registry != "" || cfg.KeyFile != ""
	var cohort disclosure.PublishedCohort
	if guard {
		if cfg.Organisation == "" || cfg.Registry == "" || cfg.KeyFile == "" {
			return errors.New("report: the differencing guard needs all of --organisation, --registry and --key-file")
		}
		key, err := os.ReadFile(cfg.KeyFile)
		if err != nil {
			return fmt.Errorf("report: reading --key-file: %w", err)
		}
		if cfg.Members == "" {
			cfg.Members = filepath.Join(filepath.Dir(cfg.Evaluation), "linked.csv")
		}
		ids, err := linkedPersonIDs(cfg.Members)
		if err != nil {
			return err
		}
		members, err := disclosure.Members(key, ids)
		if err != nil {
			return fmt.Errorf("report: --key-file %s: %w", cfg.KeyFile, err)
		}
		cohort = disclosure.PublishedCohort{Label: r.Programme + " (evaluated " + r.CreatedAt + ")", PublishedAt: r.CreatedAt, Members: members}
		earlier, err := disclosure.FileRegistry{Path: cfg.Registry}.Published(ctx, cfg.Organisation)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if err := cfg.Rules.CheckDifferencing(members, earlier); err != nil {
			return err
		}
	}
	var out []byte
	switch cfg.Format {
	case "html":
		out, err = r.HTML()
	default:
		var buf bytes.Buffer
		if cfg.Format == "json" {
			err = r.WriteJSON(&buf)
		} else {
			err = r.WriteCSV(&buf)
		}
		out = buf.Bytes()
	}
	if err != nil {
		return err
	}
	if err := writeAtomic(cfg.Out, out); err != nil {
		return err
	}
	if guard {
		// Record only once the report is written.
		if err := disclosure.Publish(ctx, disclosure.FileRegistry{Path: cfg.Registry}, cfg.Rules, cfg.Organisation, cohort); err != nil {
			return fmt.Errorf("report: wrote %s but could not record the cohort: %w", cfg.Out, err)
		}
	}
	return nil
}

// linkedPersonIDs reads the person_id of every "match" row of linked.csv
// (datalab link / evaluate output).
func linkedPersonIDs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("report: the differencing guard needs the linked cohort: %w (pass --members linked.csv)", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("report: %s: reading the header: %w", path, err)
	}
	pid, status := slices.Index(head, "person_id"), slices.Index(head, "status")
	if pid < 0 {
		return nil, fmt.Errorf("report: %s has no person_id column; pass the linked.csv that datalab evaluate wrote", path)
	}
	var ids []string
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("report: %s line %d: %w", path, line, err)
		}
		if (status < 0 || rec[status] == "match") && rec[pid] != "" {
			ids = append(ids, rec[pid])
		}
	}
	return ids, nil
}

// writeAtomic writes the published output whole or not at all; it is for
// publication, so anyone may read it.
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
