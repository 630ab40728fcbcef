package service

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// KeyFileName is the lab's differencing key in the data folder when no
// --key-file is given.
const KeyFileName = "lab.key"

// DigestKey returns the lab's secret differencing key: the keyed digests
// of each evaluation's cohort (disclosure.Members, HMAC-SHA-256 of spine
// person_ids) are made under it, so the store's record of published
// cohorts holds no usable identifier.
//
// With keyFile set it is that file's bytes (at least
// disclosure.MinKeyBytes; e.g. head -c 32 /dev/urandom > lab.key, the
// same file `datalab report --key-file` takes). Otherwise it is
// dataDir/lab.key, created at the first start with 32 bytes from random
// (crypto/rand when nil), owner-only (0600), atomically: written to a
// temporary file, synced, then linked into place, so a crash never leaves
// a short key and two servers starting at once end with the same one.
//
// The key must stay the same for the life of the store: digests under a
// new key never match the old ones, so the differencing guard could no
// longer recognise a cohort close to one already published. Keep it
// apart from the database and back it up with the data folder. The key
// is never logged.
func DigestKey(dataDir, keyFile string, random io.Reader) ([]byte, error) {
	if keyFile != "" {
		return readKey(keyFile)
	}
	path := filepath.Join(dataDir, KeyFileName)
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if random == nil {
		random = rand.Reader
	}
	fresh := make([]byte, disclosure.MinKeyBytes)
	if _, err := io.ReadFull(random, fresh); err != nil {
		return nil, fmt.Errorf("generating the differencing key: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, "."+KeyFileName+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("creating the differencing key %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600 already; say so explicitly.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("creating the differencing key %s: %w", path, err)
	}
	if _, err := tmp.Write(fresh); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("writing the differencing key %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("writing the differencing key %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("writing the differencing key %s: %w", path, err)
	}
	// Link, unlike rename, never replaces: if another process created
	// the key meanwhile, use that one.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("creating the differencing key %s: %w", path, err)
	}
	if d, err := os.Open(dataDir); err == nil {
		d.Sync()
		d.Close()
	}
	return readKey(path)
}

// readKey reads a key file, refusing one that is too short or readable by
// others than its owner.
func readKey(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("the differencing key %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("the differencing key %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the differencing key %s can be read by others (mode %v): make it owner-only (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the differencing key %s: %w", path, err)
	}
	if len(key) < disclosure.MinKeyBytes {
		return nil, fmt.Errorf("the differencing key %s holds %d bytes; it needs at least %d random bytes (head -c 32 /dev/urandom > %s, before anything is published under another key)", path, len(key), disclosure.MinKeyBytes, path)
	}
	return key, nil
}
