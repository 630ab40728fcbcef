package disclosure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// RegistrySchema names the layout of a FileRegistry file.
const RegistrySchema = "datalab.registry/v1"

// FileRegistry is a Registry kept in one JSON file, for the command line:
//
//	{"schema": "datalab.registry/v1",
//	 "organisations": {"Org name": [{"label": ..., "published_at": ..., "members": ["<hex digest>", ...]}]}}
//
// A missing file is an empty registry. Writes replace the file atomically.
// It is not safe for several processes writing at once (the web service
// uses its database instead).
type FileRegistry struct {
	Path string
}

type registryFile struct {
	Schema        string                       `json:"schema"`
	Organisations map[string][]PublishedCohort `json:"organisations"`
}

func (r FileRegistry) load() (registryFile, error) {
	f := registryFile{Schema: RegistrySchema, Organisations: map[string][]PublishedCohort{}}
	b, err := os.ReadFile(r.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("registry %s: %w", r.Path, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("registry %s: not a registry file (%v); pass the file datalab report --registry wrote, or a new path", r.Path, err)
	}
	if f.Schema != RegistrySchema {
		return f, fmt.Errorf("registry %s: schema %q, want %q", r.Path, f.Schema, RegistrySchema)
	}
	if f.Organisations == nil {
		f.Organisations = map[string][]PublishedCohort{}
	}
	for org, cs := range f.Organisations {
		for _, c := range cs {
			if !slices.IsSorted(c.Members) {
				return f, fmt.Errorf("registry %s: organisation %q cohort %q: members are not sorted; the file was edited by hand", r.Path, org, c.Label)
			}
		}
	}
	return f, nil
}

// Published implements Registry.
func (r FileRegistry) Published(ctx context.Context, organisation string) ([]PublishedCohort, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := r.load()
	if err != nil {
		return nil, err
	}
	return append([]PublishedCohort{}, f.Organisations[organisation]...), nil
}

// Record implements Registry.
func (r FileRegistry) Record(ctx context.Context, organisation string, c PublishedCohort) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := r.load()
	if err != nil {
		return err
	}
	f.Organisations[organisation] = append(f.Organisations[organisation], c)
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.Path), "."+filepath.Base(r.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("registry %s: %w", r.Path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("registry %s: %w", r.Path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("registry %s: %w", r.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("registry %s: %w", r.Path, err)
	}
	if err := os.Rename(tmp.Name(), r.Path); err != nil {
		return fmt.Errorf("registry %s: %w", r.Path, err)
	}
	return nil
}
