package store

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PasswordParams is the argon2id cost of new password hashes (Biryukov,
// Dinu, Khovratovich & Josefsson 2021, RFC 9106, doi:10.17487/RFC9106).
// Stored hashes carry their own parameters, so raising the cost affects
// only passwords set afterwards.
type PasswordParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// DefaultPasswordParams is RFC 9106 §4's second recommended option for
// memory-constrained settings: t=3, m=64 MiB, p=4.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}
}

func (p PasswordParams) validate() error {
	if p.Time < 1 || p.Threads < 1 || p.MemoryKiB < 8*uint32(p.Threads) {
		return invalid("password hashing cost t=%d m=%d KiB p=%d: need t ≥ 1, p ≥ 1 and m ≥ 8·p", p.Time, p.MemoryKiB, p.Threads)
	}
	return nil
}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLength is the shortest password accepted (characters).
	MinPasswordLength = 12
	// maxPasswordBytes bounds the work one login can cause.
	maxPasswordBytes = 1024
)

// CheckPassword applies the password policy: at least MinPasswordLength
// characters, at most 1024 bytes.
func CheckPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength {
		return invalid("password: %d characters; use at least %d (a passphrase of several words is easiest)", n, MinPasswordLength)
	}
	if len(pw) > maxPasswordBytes {
		return invalid("password: longer than %d bytes", maxPasswordBytes)
	}
	return nil
}

var b64 = base64.RawStdEncoding

// HashPassword hashes pw with argon2id and a fresh 16-byte salt from
// random, as a PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func HashPassword(pw string, p PasswordParams, random io.Reader) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("hash password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword checks pw against a PHC string from HashPassword, in
// time independent of where the two differ.
func VerifyPassword(pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("password hash: argon2 version %q, want %d", parts[2], argon2.Version)
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("password hash: parameters %q: %w", parts[3], err)
	}
	if err := p.validate(); err != nil {
		return false, fmt.Errorf("password hash: %w", err)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash: salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("password hash: key: %v", err)
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
