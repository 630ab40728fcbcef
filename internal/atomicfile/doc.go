// Package atomicfile writes a file so that a reader, or the next run after a
// crash, sees either the previous file or the whole new one, never half of
// one: the bytes go to a temporary file in the same folder, which is synced
// and then renamed over the target (rename is atomic within a file system,
// POSIX rename(2)). Every output the lab writes for a person to read —
// evaluation.json, report.html, linked.csv, trial results — goes through it.
package atomicfile
