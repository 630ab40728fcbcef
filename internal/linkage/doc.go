// Package linkage links a provider's participants to the spine's
// identities, says how well it did, and hands on a pseudonymous cohort.
package linkage
