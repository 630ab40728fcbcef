// Package pipeline runs the lab's main flow (DESIGN.md §2) end to end for
// one submission: open (or import) the spine, open its timeline index, check
// and link the participants, forget their identifiers, evaluate, and write
// the stored evaluation (evaluation.json) and a plain-text summary. The
// datalab evaluate command is a thin wrapper around Evaluate.
package pipeline
