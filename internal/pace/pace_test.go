package pace

import (
	"runtime/debug"
	"testing"
)

func TestSetAndRestore(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(-1)
	debug.SetGCPercent(before)
	restore := Set()
	if got := debug.SetMemoryLimit(-1); got != MemoryLimit {
		t.Errorf("memory limit %d, want %d", got, MemoryLimit)
	}
	if got := debug.SetGCPercent(GCPercent); got != GCPercent {
		t.Errorf("GC percent %d, want %d", got, GCPercent)
	}
	restore()
	if got := debug.SetGCPercent(before); got != before {
		t.Errorf("restored GC percent %d, want %d", got, before)
	}

	// The user's settings win.
	t.Setenv("GOGC", "50")
	restore = Set()
	if got := debug.SetGCPercent(before); got != before {
		t.Errorf("with $GOGC set, the GC percent became %d", got)
	}
	restore()
}
