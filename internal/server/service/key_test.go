package service

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestDigestKeyGeneratedOnceOwnerOnly: the first start makes DATA/lab.key
// (32 random bytes, mode 0600); later starts, and starts racing it, read
// the same key.
func TestDigestKeyGeneratedOnceOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	var keys [8][]byte
	var errs [8]error
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = DigestKey(dir, "", nil)
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || len(keys[i]) != 32 || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("start %d: key of %d bytes, %v; want the same 32-byte key for every start", i, len(keys[i]), errs[i])
		}
	}
	st, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("lab.key: %v, %v; want mode 0600", st, err)
	}
	if bytes.Equal(keys[0], make([]byte, 32)) {
		t.Error("the generated key is all zeros")
	}
	again, err := DigestKey(dir, "", nil)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Errorf("a later start read another key (%v)", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the data folder holds %d entries, want only lab.key (no temporary files)", len(entries))
	}
	// A different data folder: a different key.
	other, err := DigestKey(t.TempDir(), "", nil)
	if err != nil || bytes.Equal(other, keys[0]) {
		t.Errorf("two data folders share a key (%v)", err)
	}
}

func TestDigestKeyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	good := bytes.Repeat([]byte{9}, 40)
	tests := []struct {
		name, path string
		want       []byte
		err        string
	}{
		{"own key", write("good.key", good, 0o600), good, ""},
		{"short", write("short.key", good[:31], 0o600), nil, "31 bytes"},
		{"readable by others", write("open.key", good, 0o644), nil, "chmod 600"},
		{"missing", filepath.Join(dir, "none.key"), nil, "no such file"},
	}
	for _, tt := range tests {
		got, err := DigestKey(t.TempDir(), tt.path, nil)
		if tt.err == "" && (err != nil || !bytes.Equal(got, tt.want)) {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), string(good[:8])) {
			t.Errorf("%s: the error shows the key", tt.name)
		}
	}
}
