// Package identifier normalises and checks the direct identifiers a
// provider's submission and the spine's identities.csv share: the National
// Insurance number (NINO), the postcode and personal names. Submission
// checks use it to reject values that cannot be right; record linkage uses
// it so that both sides are compared in one canonical form.
//
// Nothing here logs or stores a value. Functions that find a problem return
// a reason that describes the rule broken, never the value itself, so a
// reason can be shown to an analyst without disclosing an identifier.
//
// # Rules
//
//   - NINO: two prefix letters, six digits, a suffix A–D (HMRC's National
//     Insurance Manual). The first prefix letter is not D, F, I, Q,
//     U or V; the second is not D, F, I, O, Q, U or V; the prefixes BG, GB,
//     KN, NK, NT, TN and ZZ are never allocated. TN and a suffix outside A–D
//     mark temporary reference numbers, which are not NINOs.
//   - Postcode: the Royal Mail form "outward inward". The inward code is a
//     digit and two letters; the outward code is the area (one or two
//     letters) and the district (a digit, then a digit or letter). The
//     sector is the outward code and the inward code's digit.
//   - Names: letters folded to lower-case ASCII a–z (common Latin accents
//     folded to their base letter); spaces, hyphens, apostrophes and other
//     marks removed.
package identifier
