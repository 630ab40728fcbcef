// Package randomise is the trials toolkit's randomisation service without
// the database: the concealed allocation sequence and the tamper-evident
// allocation log. internal/store keeps both in SQLite and enrols one
// participant per transaction.
//
// # Allocation sequence
//
// Randomisation is stratified by the declared factors and, within each
// stratum, by permuted blocks of randomly varied size (Schulz K.F. & Grimes
// D.A. 2002, "Unequal group sizes in randomised trials: guarding against
// guessing", Lancet 359:966–970, doi:10.1016/S0140-6736(02)08029-7; Efird J.
// 2011, "Blocked randomization with randomly selected block sizes", Int. J.
// Environ. Res. Public Health 8:15–20, doi:10.3390/ijerph8010015). Each
// block holds every arm in the allocation ratio; its size is drawn from the
// declared block sizes (each a multiple of the ratio's total).
//
// The sequence is a pure function of a 256-bit secret seed drawn from
// crypto/rand when the trial is created: block b of stratum s is laid out
// by a stream of HMAC-SHA-256(seed, "datalab.block.v1" ‖ s ‖ b ‖ counter)
// outputs (Bellare, Canetti & Krawczyk 1996, doi:10.1007/3-540-68697-5_1;
// FIPS 198-1), drawing the size by rejection sampling and permuting the
// block by Fisher–Yates (Knuth, TAOCP vol. 2, Algorithm P). HMAC is a
// pseudo-random function, so without the seed nothing in the log predicts
// the next allocation beyond what the block structure itself reveals (the
// last place of a block is determined by the ones before it, which is why
// block sizes vary and why recruiters should not see the log). The seed is
// revealed only when the trial is closed, after which anyone can
// regenerate the sequence and check every allocation against it (Verify).
// The stream is specified here, not borrowed from math/rand, so the
// sequence is the same on every Go version.
//
// # Allocation log
//
// Every allocation is an Entry appended to a hash chain (Haber S. &
// Stornetta W.S. 1991, "How to time-stamp a digital document", J.
// Cryptology 3:99–111, doi:10.1007/BF00196791):
//
//	hash_1 = SHA-256(genesis ‖ bytes(entry_1))
//	hash_i = SHA-256(hash_{i−1} ‖ bytes(entry_i))
//
// where genesis is the hash of the trial's identity and design, and
// bytes() is a length-prefixed encoding of the trial, participant
// reference, stratum, arm and time. The last hash, the chain head, is kept
// apart from the log (in the trial's record, and in every receipt), so
// removing entries from the end is detected too. Verify reports the first
// broken position and the kind of tampering: an edited entry, a deleted
// one, an inserted one, entries reordered, or (once the seed is known) an
// arm that is not the one the sequence gave.
//
// Someone able to rewrite the whole log and the recorded head can forge a
// consistent chain; keep a copy of the head outside the lab store (verify
// --head) to close that gap. Even then an arm changed in a rewritten log is
// caught by the sequence check, since the seed fixes every arm.
package randomise
