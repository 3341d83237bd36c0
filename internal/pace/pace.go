// Package pace sets the Go runtime's soft memory limit and the collector's
// pace that tsctl runs at, each unless the user set it ($GOMEMLIMIT,
// $GOGC): the command sets them when it starts, and the in-process
// benchmarks while they measure, so both run as tsctl does.
package pace

import (
	"os"
	"runtime/debug"
)

// MemoryLimit is the soft memory limit: under it the collector runs at
// GCPercent; near it, as often as it must to stay under it.
const MemoryLimit = 215 << 20

// GCPercent is the collector's pace ($GOGC) under the limit: half the
// default's collections, for a heap that may grow twice as far past what
// is live (far under the limit at every size tsctl measures).
const GCPercent = 200

// Set sets the limit and the pace, each unless its environment variable is
// set, and returns a function that restores what they were.
func Set() (restore func()) {
	limit, percent := int64(-1), -1
	if os.Getenv("GOMEMLIMIT") == "" {
		limit = debug.SetMemoryLimit(MemoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		percent = debug.SetGCPercent(GCPercent)
	}
	return func() {
		if limit >= 0 {
			debug.SetMemoryLimit(limit)
		}
		if percent >= 0 {
			debug.SetGCPercent(percent)
		}
	}
}
